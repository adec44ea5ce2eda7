"""Strong entity tags and the conditional request rules of RFC 9110 section 13.

An ETag has two parts, ``"<version>-<digest>"``: the stored version of the resource
(bumped by every write to it, and only by those) and a digest of the representation sent,
its bytes (which also move when derived fields such as a user's counts or a micropost's
mentions move). The two preconditions read different parts:

- ``If-None-Match`` (a GET revalidating a cache) compares the whole tag, so a 304 is only
  ever sent for exactly the representation the client holds: never stale counts.
- ``If-Match`` (PUT, PATCH, DELETE) compares the version part: it matches while the
  resource's own stored state (what a write can change) is unchanged, whatever happened
  to the derived fields. A tag without a version part (or a weak one) matches nothing.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["compute_etag", "expected_versions", "if_none_match_hits"]

_STRONG_TAG = re.compile(r'"(\d{1,19})-[0-9a-f]+"')


def compute_etag(kind: str, id_: int | str, version: int, body: bytes) -> str:
    """Return the strong ETag of one representation of a resource.

    Args:
        kind: The resource kind (``"user"``, ``"micropost"``).
        id_: The resource's id.
        version: The stored version, bumped on every write.
        body: The representation as sent (its JSON bytes, encoded once for both).

    Returns:
        A quoted strong entity tag, ``"<version>-<digest>"``.
    """
    digest = hashlib.sha256(f"{kind}\0{id_}\0{version}\0".encode() + body).hexdigest()
    return f'"{version}-{digest[:24]}"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def if_none_match_hits(header: str | None, etag: str) -> bool:
    """Tell whether ``If-None-Match`` matches (weak comparison): answer 304 then."""
    if header is None:
        return False
    tags = _tags(header)
    return "*" in tags or etag in (tag.removeprefix("W/") for tag in tags)


def expected_versions(header: str | None) -> frozenset[int] | None:
    """Read ``If-Match`` as the stored versions the client accepts.

    Args:
        header: The ``If-Match`` header, if sent.

    Returns:
        ``None`` when any version is fine (no header, or ``*``); else the versions named
        by the strong tags of the header (empty when none has a version part: then
        nothing matches and the write answers 412).
    """
    if header is None:
        return None
    tags = _tags(header)
    if "*" in tags:
        return None
    return frozenset(
        int(match.group(1)) for tag in tags if (match := _STRONG_TAG.fullmatch(tag)) is not None
    )
