"""Failed logins per account, across addresses, without locking the owner out.

The per-address quota at ``/token`` (:mod:`microblog_server.api.rate_limit`) stops one
address from guessing fast, but five addresses get five times the guesses at one account.
:class:`LoginThrottle` adds a small budget of *failed* logins per account and window
(``rate_limit_login_account``, default 5 per 60 s), counted for unknown usernames too so
the answer does not tell which accounts exist. Once the budget is spent, logins to that
account are 429 until the window ends; successes never count.

What keeps an attacker from locking the owner out: the window is short (the lock ends at
most one window after the failures stop), and an address that logged in to the account
successfully in the last 30 days is never held back by the account's budget (only by the
per-address quota), so the owner's usual address keeps working during an attack. The
counters live in the rate limit storage (``memory://`` or Redis), shared by every
process that shares it (with ``MICROBLOG_REDIS_URL``, every node), and per process while
that storage does not answer (:class:`~microblog_server.api.limiter.FallbackLimiter`).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from limits import RateLimitItemPerDay

from microblog_server.api.problems import ProblemError
from microblog_server.domain import username_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog_server.api.limiter import FallbackLimiter
    from microblog_server.api.rate_limit import Quota

__all__ = ["REMEMBER_DAYS", "LoginThrottle"]

#: How long an address that logged in to an account stays exempt from its budget.
REMEMBER_DAYS = 30
_REMEMBER = RateLimitItemPerDay(2**31, REMEMBER_DAYS)


class LoginThrottle:
    """A budget of failed logins per account and window.

    Args:
        quota: Failed logins allowed per account and window, or ``None`` for no limit.
        limiter: The app's limiter (one per storage, shared with the other rate limits):
            while a shared storage (Redis) does not answer, the budget counts per process
            instead of failing the login.
        clock: Seconds since the epoch (turns the window's reset time into Retry-After).
    """

    def __init__(
        self,
        quota: Quota | None,
        limiter: FallbackLimiter,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.quota = quota
        self.clock = clock
        self.limiter = limiter

    def check(self, username: str, address: str) -> None:
        """Refuse a login to an account whose budget of failures is spent.

        Args:
            username: The username sent (any case; unknown ones have a budget too).
            address: The client's address.

        Raises:
            ProblemError: 429 ``rate_limited`` with ``Retry-After``, unless ``address``
                logged in to this account before.
        """
        if self.quota is None:
            return
        account = username_key(username)
        item = self.quota.item()
        if self.limiter.test(item, "login-account", account) or self._known(account, address):
            return
        reset_at, _ = self.limiter.get_window_stats(item, "login-account", account)
        retry = max(1, math.ceil(reset_at - self.clock()))
        raise ProblemError(
            429,
            "rate_limited",
            f"too many failed logins to this account; retry in {retry} s",
            headers=(("Retry-After", str(retry)),),
        )

    def failed(self, username: str) -> None:
        """Count a failed login against the account's budget."""
        if self.quota is not None:
            self.limiter.hit(self.quota.item(), "login-account", username_key(username))

    def succeeded(self, username: str, address: str) -> None:
        """Remember that ``address`` logged in to the account (exempt for 30 days)."""
        if self.quota is not None:
            self.limiter.hit(_REMEMBER, "login-known", username_key(username), address)

    def _known(self, account: str, address: str) -> bool:
        _, remaining = self.limiter.get_window_stats(_REMEMBER, "login-known", account, address)
        return remaining < _REMEMBER.amount
