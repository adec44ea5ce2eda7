"""What one attempt of a call came to: the frozen fact the retry decision is made from.

An attempt ends in an answer (``status``) or a failure (``failure``, one of the kinds
below), was or was not sent, and may carry the wait a ``Retry-After`` header asked for.
``Retry.decide`` (``_config.py``) turns an ``Outcome`` into "raise" or "wait N s"; the
pipeline only reports outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["FAILURES", "Failure", "Outcome"]

Failure = Literal[
    "connect",  # no connection was made (refused, DNS, proxy): never sent
    "connect_timeout",  # the connect timeout passed: never sent
    "tls",  # the TLS handshake failed: never sent, and not worth repeating
    "invalid",  # the request could not be sent at all (bad URL or header)
    "timeout",  # the read timeout passed after sending: maybe applied
    "lost",  # reset, closed or a broken/short answer after sending: maybe applied
    "deadline",  # the call's deadline cut the attempt: maybe applied when sent
    "too_large",  # the body passed Client(max_response_bytes=...)
    "malformed",  # the body could not be decoded (Content-Encoding garbage)
]
FAILURES: tuple[Failure, ...] = get_args(Failure)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt's result, as far as retrying is concerned.

    Attributes:
        status: The answer's status, or None when no whole answer arrived.
        failure: Why no whole answer arrived, or None when one did.
        sent: Whether the request may have reached the service (so may have been
            applied); only a failure to connect is certainly unsent.
        retry_after: Seconds the answer's ``Retry-After`` asked for, when readable.
        code: The problem ``code`` of an error answer, when it has one.
    """

    status: int | None = None
    failure: Failure | None = None
    sent: bool = True
    retry_after: float | None = None
    code: str | None = None

    @classmethod
    def failed(cls, failure: Failure, *, sent: bool) -> Outcome:
        """An attempt without a whole answer."""
        return cls(failure=failure, sent=sent)
