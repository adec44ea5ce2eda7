"""Rate limiting with the ``limits`` library, and the RateLimit headers that tell about it.

Three quotas from the settings, each ``"N/S"`` (N requests per S seconds) or ``"off"``:
per user when authenticated, per client address when anonymous, and per address at
``POST /api/v1/token``. Every ``/api`` response carries ``RateLimit-Policy`` and
``RateLimit`` (draft-ietf-httpapi-ratelimit-headers); over the quota the answer is 429 with
``Retry-After``. Nothing outside ``/api`` (``/health``, ``/docs``) is limited, and
``DELETE /api/v1/token`` (logging out) with a valid token is neither counted nor refused;
a request whose token the service rejects counts against the anonymous quota. Failed logins per
account are limited in :mod:`microblog_server.api.login_throttle`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from limits import RateLimitItem, RateLimitItemPerSecond
from starlette.datastructures import MutableHeaders

from microblog_server.api.asgi import send_problem
from microblog_server.api.caller import caller_of
from microblog_server.api.problems import ProblemError

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from microblog_server.api.limiter import FallbackLimiter

__all__ = ["Quota", "RateLimitMiddleware", "RateLimits", "parse_quota"]

LOGIN_PATH = "/api/v1/token"


@dataclass(frozen=True, slots=True)
class Quota:
    """So many requests per window.

    Attributes:
        requests: How many requests a window allows.
        seconds: The window's length.
    """

    requests: int
    seconds: int

    def item(self) -> RateLimitItem:
        """Return the ``limits`` item for this quota."""
        return RateLimitItemPerSecond(self.requests, self.seconds)


def parse_quota(text: str) -> Quota | None:
    """Parse ``"N/S"`` into a :class:`Quota`, or ``"off"`` into ``None``.

    Raises:
        ValueError: When the text is neither.
    """
    if text.strip().lower() == "off":
        return None
    requests, _, seconds = text.partition("/")
    quota = Quota(int(requests), int(seconds))
    if quota.requests < 1 or quota.seconds < 1:
        raise ValueError(f"a rate limit must be 'N/S' with N, S >= 1 or 'off', not {text!r}")
    return quota


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The three quotas (their counters live in the app's one limiter).

    Attributes:
        user: Per authenticated user.
        anonymous: Per client address without a valid token.
        login: Per client address at ``POST /api/v1/token``.
    """

    user: Quota | None
    anonymous: Quota | None
    login: Quota | None


class RateLimitMiddleware:
    """Count each ``/api`` request against its caller's quota.

    Args:
        app: The application.
        limits: The quotas.
        clock: Seconds since the epoch (the storage's own clock decides the windows; this
            one only turns reset times into ``t=`` and ``Retry-After`` values).
        limiter: The counters, built by the composition root over the storage and shared
            with the failed-login budget.
    """

    def __init__(
        self,
        app: ASGIApp,
        limits: RateLimits,
        clock: Callable[[], float] = time.time,
        *,
        limiter: FallbackLimiter,
    ) -> None:
        self.app = app
        self.limits = limits
        self.clock = clock
        self.limiter = limiter
        # Built once, not per request.
        self._items = {
            quota: quota.item()
            for quota in (limits.user, limits.anonymous, limits.login)
            if quota is not None
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http" or not scope["path"].startswith("/api"):
            await self.app(scope, receive, send)
            return
        caller = caller_of(scope)
        if scope["path"] == LOGIN_PATH and scope["method"] == "POST":
            quota, key = self.limits.login, f"login:{caller.address}"
        elif caller.user is not None:
            quota, key = self.limits.user, caller.scope
        else:
            quota, key = self.limits.anonymous, caller.scope
        if quota is None:
            await self.app(scope, receive, send)
            return
        item = self._items[quota]
        # Logging out is never refused by the quota it ends: whoever holds a stolen token
        # could otherwise spend the quota and keep its owner from revoking it. A token the
        # service rejects ends no quota: that request counts as anonymous, like any other.
        if caller.user is not None and scope["path"] == LOGIN_PATH and scope["method"] == "DELETE":
            allowed = True
            reset_at, remaining = self.limiter.get_window_stats(item, key)
        else:
            allowed, reset_at, remaining = self.limiter.count(item, key)  # one round trip
        reset = max(0, math.ceil(reset_at - self.clock()))
        headers = [
            ("RateLimit-Policy", f'"default";q={quota.requests};w={quota.seconds}'),
            ("RateLimit", f'"default";r={remaining};t={reset}'),
        ]
        if not allowed:
            problem = ProblemError(
                429,
                "rate_limited",
                f"over {quota.requests} requests in {quota.seconds} s; retry in {reset} s",
                headers=(*headers, ("Retry-After", str(max(reset, 1)))),
            )
            await send_problem(scope, receive, send, problem)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in headers:
                    response_headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
