"""Strong entity tags and the conditional request rules of RFC 9110 section 13."""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["compute_etag", "if_match_fails", "if_none_match_hits"]


def compute_etag(kind: str, id_: int | str, version: int, representation: Any) -> str:
    """Return the strong ETag of one representation of a resource.

    Args:
        kind: The resource kind (``"user"``, ``"micropost"``).
        id_: The resource's id.
        version: The stored version, bumped on every write.
        representation: The JSON-able body sent for it.

    Returns:
        A quoted strong entity tag.
    """
    body = json.dumps(representation, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(f"{kind}\0{id_}\0{version}\0{body}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def if_none_match_hits(header: str | None, etag: str) -> bool:
    """Tell whether ``If-None-Match`` matches (weak comparison): answer 304 then."""
    if header is None:
        return False
    tags = _tags(header)
    return "*" in tags or etag in (tag.removeprefix("W/") for tag in tags)


def if_match_fails(header: str | None, etag: str) -> bool:
    """Tell whether ``If-Match`` is present and fails (strong comparison): answer 412 then."""
    if header is None:
        return False
    tags = _tags(header)
    return "*" not in tags and etag not in tags
