"""Reading the service's JSON strictly: each member as the contract says, or a decode error.

A value that is not what the contract promises raises the internal :class:`Malformed`
while a representation is read; :func:`decoding` turns that into the public
``ResponseDecodeError`` of the response it came in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from microblog._errors import ResponseDecodeError

if TYPE_CHECKING:
    from microblog._decode import Answer


class Malformed(ValueError):  # noqa: N818 (internal, never reaches a caller)
    """A JSON value that is not what the contract says; see :func:`decoding`.

    A ``ValueError``, as :class:`~microblog.Pager` expects of its ``parse`` function.
    """


def malformed(what: str, value: object) -> Malformed:
    """Build the internal error for a member that is not what the contract says."""
    return Malformed(f"unexpected {what} in the response: {value!r:.80}")


@contextmanager
def decoding(response: Answer) -> Iterator[None]:
    """Turn a :class:`Malformed` body of ``response`` into ``ResponseDecodeError``."""
    try:
        yield
    except Malformed as error:
        raise ResponseDecodeError(
            str(error), status_code=response.status_code, request_id=response.request_id
        ) from None


def as_object(data: object, what: str) -> Mapping[str, Any]:
    """Return ``data`` as a JSON object, or raise the decode error."""
    if not isinstance(data, Mapping):
        raise malformed(what, data)
    return data


def as_str(value: object, what: str) -> str:
    """Return a JSON string, or raise the decode error."""
    if not isinstance(value, str):
        raise malformed(what, value)
    return value


def as_optional_str(value: object, what: str) -> str | None:
    """Return a JSON string or null, or raise the decode error."""
    return None if value is None else as_str(value, what)


def as_int(value: object, what: str) -> int:
    """Return a JSON integer (not a boolean), or raise the decode error."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise malformed(what, value)
    return value


def as_optional_int(value: object, what: str) -> int | None:
    """Return a JSON integer or null, or raise the decode error."""
    return None if value is None else as_int(value, what)


def as_time(value: object, what: str) -> datetime | None:
    """Return an RFC 3339 time (or null) as an aware :class:`datetime`."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(as_str(value, what))
    except ValueError:
        raise malformed(what, value) from None
