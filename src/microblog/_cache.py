"""The ETag revalidation cache: a bounded, thread-safe LRU of GET responses per client.

Entries keep the raw body bytes, not decoded objects, so nothing a caller does to a
decoded response can change what the cache serves next; a 304 decodes them afresh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["CachedResponse", "ETagCache"]


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A 200 GET response kept for revalidation.

    Attributes:
        etag: The entity tag sent back in ``If-None-Match``.
        content: The raw body.
        headers: The response headers.
    """

    etag: str
    content: bytes
    headers: Mapping[str, str]


class ETagCache:
    """At most ``max_entries`` responses by URL, least recently used evicted first."""

    def __init__(self, max_entries: int = 512) -> None:
        if max_entries < 1:
            raise ValueError("the cache needs at least one entry")
        self._max_entries = max_entries
        self._entries: OrderedDict[str, CachedResponse] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, url: str) -> CachedResponse | None:
        """Return the entry for ``url`` (marking it recently used), or None."""
        with self._lock:
            entry = self._entries.get(url)
            if entry is not None:
                self._entries.move_to_end(url)
            return entry

    def put(self, url: str, entry: CachedResponse) -> None:
        """Store ``entry`` for ``url``, evicting the least recently used past the bound."""
        with self._lock:
            self._entries[url] = entry
            self._entries.move_to_end(url)
            if len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def discard(self, url: str) -> None:
        """Forget ``url`` (after a write to it, or a 200 without an ETag)."""
        with self._lock:
            self._entries.pop(url, None)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
