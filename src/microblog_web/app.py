"""``build_app(api_url)``: the site as an ASGI app, over one shared SDK client.

The app is a Starlette application: the routes of :mod:`microblog_web.pages`, the
static files (a style sheet and one small script, pinned by hash: :data:`ASSETS`), and
an outer layer that puts the security headers on every response (a Content-Security-
Policy without ``'unsafe-inline'``: the only scripts are the site's own files).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
from importlib import resources
from typing import TYPE_CHECKING

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

import microblog
from microblog_web import pages
from microblog_web.session import Signer
from microblog_web.site import Site

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ASSETS", "PAGE_SIZE", "SECURITY_HEADERS", "build_app", "client_for"]

#: Items on one page of every list (the design says 20).
PAGE_SIZE = 20

#: The static files a page loads, with their Subresource Integrity hashes. The browser
#: refuses a file that does not match, and tests/web checks these against the files.
ASSETS = {
    "site.js": "sha256-cVDj19XSjGwyscCltfIpUiGuGU9VFtzjwx/olPb1MVY=",
}

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
        " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def integrity(data: bytes) -> str:
    """The Subresource Integrity value of a file's bytes (``sha256-<base64>``)."""
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()


class SecurityHeaders:
    """ASGI middleware: :data:`SECURITY_HEADERS` on every response.

    Args:
        app: The app to wrap.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def client_for(api_url: str) -> microblog.Client:
    """The shared SDK client of a site: one pool for every user, and fail fast.

    A person waits for the page, so the client neither waits out a long ``Retry-After``
    nor a spent quota: those become "try again in N seconds" (see ``Site.failure``).
    The pool holds about as many connections as the thread pool that runs the pages
    has threads (anyio's default: 40), so a busy site does not queue for connections.
    It is anonymous, whatever ``$MICROBLOG_TOKEN`` holds: each request's copy carries
    its visitor's token.
    """
    return microblog.Client(
        api_url,
        anonymous=True,  # never $MICROBLOG_TOKEN: the site reads only for its visitors
        timeout=microblog.Timeout(connect=3, read=10),
        retry=microblog.Retry(max_retries=2, max_retry_after=1.0, deadline=15.0),
        wait_on_rate_limit=False,
        pool_size=40,
    )


def build_app(
    api_url: str,
    *,
    secret: str | None = None,
    client: microblog.Client | None = None,
    page_size: int = PAGE_SIZE,
) -> Starlette:
    """Build the site for the service at ``api_url``.

    Args:
        api_url: The microblog service's base URL (one node, or a load balancer).
        secret: Signs the session cookies and the CSRF tokens; default
            ``$MICROBLOG_WEB_SECRET``, else a random one (sessions then end with the
            process). Processes given the same secret accept each other's cookies.
        client: The shared SDK client to use instead of :func:`client_for`'s (the caller
            closes it).
        page_size: Items on one page of every list.

    Returns:
        The ASGI app. Closing it (its lifespan's end) closes the client it made.
    """
    secret = secret or os.environ.get("MICROBLOG_WEB_SECRET") or secrets.token_urlsafe(32)
    owned = client is None
    shared = client_for(api_url) if client is None else client
    package = resources.files("microblog_web")
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("microblog_web", "templates"),
        autoescape=True,
    )
    site = Site(
        shared,
        Signer(secret),
        Jinja2Templates(env=environment),
        page_size=page_size,
        globals={"assets": ASSETS},
    )
    routes = [
        Route("/", site.endpoint(pages.home, open_to_all=True)),
        Route("/posts", site.endpoint(pages.create_post), methods=["POST"]),
        Route("/posts/{id:int}/edit", site.endpoint(pages.edit_form)),
        Route("/posts/{id:int}/edit", site.endpoint(pages.edit), methods=["POST"]),
        Route("/posts/{id:int}/delete", site.endpoint(pages.delete), methods=["POST"]),
        Route("/users/{name}", site.endpoint(pages.user_page)),
        Route("/users/{name}/follow", site.endpoint(pages.follow), methods=["POST"]),
        Route("/users/{name}/unfollow", site.endpoint(pages.unfollow), methods=["POST"]),
        Route("/users/{name}/followers", site.endpoint(pages.followers)),
        Route("/users/{name}/following", site.endpoint(pages.following)),
        Route("/search", site.endpoint(pages.search)),
        Route("/login", site.endpoint(pages.login_form, open_to_all=True)),
        Route("/login", site.endpoint(pages.login, open_to_all=True), methods=["POST"]),
        Route("/signup", site.endpoint(pages.signup_form, open_to_all=True)),
        Route("/signup", site.endpoint(pages.signup, open_to_all=True), methods=["POST"]),
        Route("/logout", site.endpoint(pages.logout, open_to_all=True), methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(package / "static")), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        if owned:
            shared.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(SecurityHeaders)
    return app
