"""Hooks: callables an application registers to observe the client without patching it.

A hook that raises is logged (at WARNING, with its traceback) and ignored: observing a
call never breaks it. Hooks run on the thread making the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from microblog._logging import logger

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog._errors import MicroblogError

__all__ = ["Hooks", "RetryEvent"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryEvent:
    """What ``Hooks.on_retry`` receives before the client waits and tries again.

    Attributes:
        method: The HTTP method.
        path: The request's path and query.
        attempt: The number of the attempt that just failed (1 for the first).
        delay: Seconds the client will wait before the next attempt.
        request_id: The ``X-Request-ID`` of the logical call (the same on every attempt).
        error: The failure that is being retried.
    """

    method: str
    path: str
    attempt: int
    delay: float
    request_id: str
    error: MicroblogError


@dataclass(frozen=True, slots=True)
class Hooks:
    """The callbacks a client calls; each is optional.

    Attributes:
        on_retry: Called with a ``RetryEvent`` before each retry's wait.
        on_rate_limit_wait: Called with the seconds the client is about to wait because
            of a rate limit (its own ``RateLimit``, the service's spent quota, or a 429).
        on_new_token: Called with the new access token after each login, so a script can
            persist it. It is the only place the SDK hands out the token.
    """

    on_retry: Callable[[RetryEvent], object] | None = None
    on_rate_limit_wait: Callable[[float], object] | None = None
    on_new_token: Callable[[str], object] | None = None


def call_hook(hook: Callable[[T], object] | None, argument: T) -> None:
    """Call ``hook(argument)`` when set; log and swallow anything it raises.

    Args:
        hook: The application's callable, or None.
        argument: The value to pass.
    """
    if hook is None:
        return
    try:
        hook(argument)
    except Exception:  # noqa: BLE001  # an observer's bug must not break the call it observes
        logger.warning("microblog hook %r raised; ignored", hook, exc_info=True)
