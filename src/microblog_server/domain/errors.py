"""Domain errors: what a use case can refuse, independent of any transport.

The tree::

    DomainError
    +-- NotFound              unknown user or micropost (404)
    +-- Conflict              username taken (409)
    +-- Forbidden             acting for another user (403)
    |   +-- WrongPassword     the current password sent with a new one is wrong (403)
    +-- InvalidInput          field or parameter rules broken (422), with FieldErrors
    +-- PreconditionFailed    expected version is not the current one (412)
    +-- InvalidCredentials    wrong username or password at login (400 invalid_grant)
    +-- Unauthenticated       missing, expired, forged or revoked token (401)
    |   +-- ReauthenticationRequired  the token's login is too old for this (401, RFC 9470)
    +-- Busy                  no capacity for this work now, retry later (503)

The API layer maps each class to its status and problem ``code``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Busy",
    "Conflict",
    "DomainError",
    "FieldError",
    "Forbidden",
    "InvalidCredentials",
    "InvalidInput",
    "NotFound",
    "PreconditionFailed",
    "ReauthenticationRequired",
    "Unauthenticated",
    "WrongPassword",
]


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):  # noqa: N818 - the contract's names
    """The user or micropost does not exist (or not under that path)."""


class Conflict(DomainError):  # noqa: N818 - the contract's names
    """The resource already exists, e.g. a username taken case-insensitively."""


class Forbidden(DomainError):  # noqa: N818 - the contract's names
    """The caller may not act on another user's behalf."""


class WrongPassword(Forbidden):
    """The current password sent along with a new one is not the account's password."""


class PreconditionFailed(DomainError):  # noqa: N818 - the contract's names
    """The resource changed since the version the caller expected."""


class InvalidCredentials(DomainError):  # noqa: N818 - the contract's names
    """Unknown username or wrong password; the two are not told apart."""


class Unauthenticated(DomainError):  # noqa: N818 - the contract's names
    """The token is missing, malformed, forged, expired or revoked, or its user is gone."""


class ReauthenticationRequired(Unauthenticated):
    """The token is valid, but its password login is older than this action allows.

    Attributes:
        max_age: The oldest login, in seconds, the action accepts (RFC 9470 ``max_age``).
    """

    def __init__(self, detail: str = "", max_age: int = 600) -> None:
        super().__init__(detail)
        self.max_age = max_age


class Busy(DomainError):  # noqa: N818 - the contract's names
    """The work cannot start now (e.g. every password hashing slot is taken); retry later.

    Attributes:
        retry_after: Seconds to wait before retrying.
    """

    def __init__(self, detail: str = "", retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class FieldError:
    """One broken rule, located in the request.

    Attributes:
        detail: What is wrong, for humans.
        pointer: A JSON pointer into the body, such as ``#/items/3/text``.
        parameter: The query or path parameter name, when the value is not in the body.
    """

    detail: str
    pointer: str | None = None
    parameter: str | None = None


class InvalidInput(DomainError):  # noqa: N818 - the contract's names
    """One or more fields or parameters break the rules.

    Attributes:
        errors: Every broken rule found, each with its location.
    """

    def __init__(self, errors: list[FieldError]) -> None:
        count = len(errors)
        summary = "1 field is invalid" if count == 1 else f"{count} fields are invalid"
        super().__init__(summary)
        self.errors = errors
