"""The plumbing every page shares: the request's context, rendering, redirects, failures.

Pages (:mod:`microblog_web.pages`) are plain synchronous functions ``page(site, ctx) ->
Response`` that call the SDK; :meth:`Site.endpoint` turns one into a Starlette endpoint
that reads the session cookie, refuses a changing POST without a valid CSRF token (403,
before anything else happens), runs the page in the thread pool (the SDK blocks) and maps
the SDK's errors to pages (:meth:`Site.failure`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

import microblog
from microblog_web.session import COOKIE, MAX_AGE, Session, Signer

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.templating import Jinja2Templates

__all__ = [
    "BUSY_DEFAULT",
    "Context",
    "Page",
    "Site",
    "busy_seconds",
    "forwarded_for",
    "safe_next",
    "service_message",
    "with_query",
]

#: Seconds to suggest when the service is busy and did not say for how long.
BUSY_DEFAULT = 5
NOT_FOUND = "There is no such user or post."
#: The largest form body read: a post is 255 characters, the sign-up form a little more.
MAX_FORM_BYTES = 16 * 1024
MAX_FIELDS = 10
_LOCAL_PATH = re.compile(r"/|(/[A-Za-z0-9_-]+)+/?")


@dataclass(slots=True)
class Context:
    """One request, as a page sees it.

    Attributes:
        request: The Starlette request.
        session: The visitor's session; a page replaces it to log in or out.
        client: The SDK client acting for this visitor (their token, or anonymous).
        form: A POST's form fields (text fields only).
    """

    request: Request
    session: Session
    client: microblog.Client
    form: dict[str, str] = field(default_factory=dict)

    @property
    def me(self) -> str | None:
        """The logged-in username, or None."""
        return self.session.username if self.session.logged_in else None

    def arg(self, name: str) -> str:
        """A path parameter."""
        return str(self.request.path_params[name])

    def query(self, name: str) -> str:
        """A query parameter, ``""`` when absent."""
        return self.request.query_params.get(name, "")

    @property
    def cursor(self) -> str | None:
        """The ``cursor`` of an "Older" link, or None on a first page."""
        return self.query("cursor") or None


Page = Callable[["Site", Context], Response]

# The other errors a page leaves to the site: (status, title, text; "" = the service's).
_FAILURE_PAGES: Mapping[type[microblog.MicroblogError], tuple[int, str, str]] = {
    microblog.NotFoundError: (404, "Not found", NOT_FOUND),
    microblog.PermissionDeniedError: (403, "Not yours", "Only its author can do that."),
    microblog.PreconditionFailedError: (
        409,
        "Changed meanwhile",
        "This post changed meanwhile: look at it again.",
    ),
    microblog.BadRequestError: (400, "Not understood", ""),
    microblog.ValidationError: (400, "Not understood", ""),
}


def busy_seconds(error: microblog.MicroblogError) -> int:
    """How many seconds to tell a person to wait before trying again."""
    wait: float | None = None
    if isinstance(error, microblog.RateLimitError | microblog.ServerError):
        wait = error.retry_after
    elif isinstance(error, microblog.CircuitOpenError):
        wait = error.retry_in
    return max(1, math.ceil(wait)) if wait is not None else BUSY_DEFAULT


def service_message(error: microblog.APIError) -> str:
    """The service's own words for a refused field (a 422's first reason), else its detail."""
    for item in error.errors:
        if isinstance(item.get("detail"), str):
            return str(item["detail"])
    return error.detail or error.title or str(error)


class Site:
    """The site's shared, per-process state: the SDK client, the signer, the templates.

    None of it is about one user: a user's state travels in their cookie.

    Args:
        client: The one shared SDK client (anonymous: pages act for users through
            ``client.with_options(token=...)``).
        signer: Signs the session cookie and the CSRF tokens.
        templates: The Jinja2 templates (auto-escaping).
        page_size: Items per page of every list.
        globals: Values every template sees (such as the script's integrity hash).
    """

    def __init__(
        self,
        client: microblog.Client,
        signer: Signer,
        templates: Jinja2Templates,
        *,
        page_size: int,
        globals: Mapping[str, Any],  # noqa: A002 - Jinja's word for it
    ) -> None:
        self.client = client
        self.signer = signer
        self.templates = templates
        self.page_size = page_size
        self.globals = dict(globals)

    # -- endpoints ---------------------------------------------------------------------
    def endpoint(
        self, page: Page, *, open_to_all: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        """Wrap a page into a Starlette endpoint (session, CSRF, thread pool, failures).

        Args:
            page: The page.
            open_to_all: Whether a visitor who is not logged in may see it; else they
                are sent to the log-in page. The service answers only logged-in people,
                and the shared client never reads on a visitor's behalf.
        """

        async def run(request: Request) -> Response:
            session = self.signer.read(request.cookies.get(COOKIE))
            form: dict[str, str] = {}
            if request.method == "POST":
                body = await _small_body(request)
                if body is None:
                    return self.message(
                        Context(request, session, self.client),
                        413,
                        "Too large",
                        "That form is larger than any of this site's forms.",
                    )
                form = _form_fields(body)
                if not self.signer.csrf_ok(session, form.get("csrf")):
                    return self.forbidden(Context(request, session, self.client))
            if not (open_to_all or session.logged_in):
                return self.redirect(Context(request, session, self.client), "/login")
            context = Context(request, session, self._client_for(request, session), form)
            return await run_in_threadpool(self._guarded, page, context)

        return run

    def _client_for(self, request: Request, session: Session) -> microblog.Client:
        """The shared client, acting for this visitor: their token, their address.

        A cheap copy (no new pool, no request) that knows whose token it carries, so a
        call naming the caller (a post) needs no ``GET /me`` first. ``X-Forwarded-For``
        names the visitor's address (as the site sees it, never one they sent): a
        service that trusts the site as a proxy then counts its per-address limits
        (log-in attempts, anonymous calls) per visitor, not for the whole site at once.
        """
        peer = request.client.host if request.client else None
        middleware = [forwarded_for(peer)] if peer else []
        token, username = session.token, session.username
        if token is None or username is None:
            return self.client.with_options(token=None, middleware=middleware)
        return self.client.with_options(token=token, username=username, middleware=middleware)

    def _guarded(self, page: Page, ctx: Context) -> Response:
        try:
            return page(self, ctx)
        except microblog.MicroblogError as error:
            return self.failure(ctx, error)
        except ValueError:
            # The SDK refuses, before any request, a username or an id that could not be
            # one (``..``, ``0``): from a URL, that is a page that does not exist.
            return self.message(ctx, 404, "Not found", NOT_FOUND)

    # -- responses ---------------------------------------------------------------------
    def render(self, ctx: Context, template: str, *, status: int = 200, **context: Any) -> Response:
        """Render a template for this visitor (their CSRF token, who is logged in)."""
        values = {
            **self.globals,
            "me": ctx.me,
            "csrf": self.signer.csrf_token(ctx.session),
            "search_text": ctx.query("text") if ctx.request.url.path == "/search" else "",
            "search_username": ctx.query("username"),
            "on_search": ctx.request.url.path == "/search",
            **context,
        }
        response = self.templates.TemplateResponse(
            ctx.request, template, values, status_code=status
        )
        response.headers["Cache-Control"] = "no-store"
        return self._with_cookie(ctx, response)

    def redirect(self, ctx: Context, url: str) -> Response:
        """A 303 to ``url`` (after a POST: the browser then GETs it)."""
        return self._with_cookie(ctx, RedirectResponse(url, status_code=303))

    def message(self, ctx: Context, status: int, title: str, text: str) -> Response:
        """A page that only says something (an error, mostly)."""
        return self.render(ctx, "message.html", status=status, title=title, text=text)

    def forbidden(self, ctx: Context) -> Response:
        """The answer to a POST without a valid CSRF token: 403, nothing done."""
        return self.message(
            ctx,
            403,
            "Refused",
            "This form was not sent from this site's own page (or it has expired):"
            " nothing was changed. Go back, reload the page and try again.",
        )

    def _with_cookie(self, ctx: Context, response: Response) -> Response:
        if ctx.session.changed:
            response.set_cookie(
                COOKIE,
                self.signer.cookie(ctx.session),
                max_age=MAX_AGE,
                path="/",
                secure=ctx.request.url.scheme == "https",
                httponly=True,
                samesite="lax",
            )
        return response

    # -- the SDK's errors as pages -----------------------------------------------------
    def failure(self, ctx: Context, error: microblog.MicroblogError) -> Response:
        """The page for an SDK error a page did not handle itself."""
        if isinstance(error, microblog.AuthenticationError):
            # The session's token expired or was revoked: log in again.
            if ctx.session.logged_in:
                ctx.session = ctx.session.log_out()
            return self.redirect(ctx, "/login")
        busy = isinstance(error, microblog.RateLimitError | microblog.APIConnectionError) or (
            isinstance(error, microblog.ServerError) and error.status_code == 503
        )
        if busy:
            seconds = busy_seconds(error)
            status = 429 if isinstance(error, microblog.RateLimitError) else 503
            response = self.message(
                ctx, status, "Busy", f"The service is busy: try again in {seconds} seconds"
            )
            response.headers["Retry-After"] = str(seconds)
            return response
        for kind, (status, title, text) in _FAILURE_PAGES.items():
            if isinstance(error, kind):
                own = service_message(error) if isinstance(error, microblog.APIError) else ""
                return self.message(ctx, status, title, text or own)
        return self.message(ctx, 502, "Failed", "The service failed: try again later.")


def forwarded_for(address: str) -> microblog.Middleware:
    """SDK middleware that sends ``X-Forwarded-For: address`` with every request."""

    def forward(request: microblog.Request, call_next: microblog.CallNext) -> microblog.RawResponse:
        request.headers["X-Forwarded-For"] = address
        return call_next(request)

    return forward


def with_query(ctx: Context, **params: str) -> str:
    """This page's path with its query parameters, some replaced (for "Older" links)."""
    query = {**ctx.request.query_params, **params}
    return f"{ctx.request.url.path}?{urlencode(query)}"


def safe_next(target: str, default: str) -> str:
    r"""One of the site's own paths to go back to after a form, or ``default``.

    Only letters, digits, ``_``, ``-`` and single slashes pass: browsers drop tabs and
    read backslashes as slashes, so a looser check lets ``/\t/evil.example`` out.
    """
    return target if _LOCAL_PATH.fullmatch(target) else default


async def _small_body(request: Request) -> bytes | None:
    """The request body, or None once it passes :data:`MAX_FORM_BYTES` (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    return body


def _form_fields(body: bytes) -> dict[str, str]:
    """The fields of an ``application/x-www-form-urlencoded`` body (the last of a repeat).

    Every form of the site is one; anything else yields no fields (so no CSRF token).
    """
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return {}
    return dict(pairs)
