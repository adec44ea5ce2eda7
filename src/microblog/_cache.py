"""The ETag revalidation cache: a bounded, thread-safe LRU of GET responses per client.

Entries keep the raw body bytes, not decoded objects, so nothing a caller does to a
decoded response can change what the cache serves next; a 304 decodes them afresh.

Bounded twice: by entries and by bytes (bodies, ETags and headers), so a service that
sends large bodies cannot make the cache hold more than ``max_bytes``; one response
larger than that is not cached at all.
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

    @property
    def nbytes(self) -> int:
        """The bytes this entry holds: body, ETag and headers (names and values)."""
        headers = sum(len(name) + len(value) for name, value in self.headers.items())
        return len(self.content) + len(self.etag) + headers


#: The default byte bound of a client's cache (``Client(cache_max_bytes=...)``).
MAX_BYTES = 16 * 2**20


class ETagCache:
    """At most ``max_entries`` responses and ``max_bytes`` bytes by URL, LRU evicted first."""

    def __init__(self, max_entries: int = 512, *, max_bytes: int = MAX_BYTES) -> None:
        if max_entries < 1:
            raise ValueError("the cache needs at least one entry")
        if max_bytes < 1:
            raise ValueError("the cache needs at least one byte")
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._entries: OrderedDict[str, CachedResponse] = OrderedDict()
        self._nbytes = 0
        self._lock = threading.Lock()

    def empty_copy(self) -> ETagCache:
        """A new, empty cache with the same bounds (for another user's client)."""
        return ETagCache(self._max_entries, max_bytes=self._max_bytes)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def max_bytes(self) -> int:
        """The byte bound."""
        return self._max_bytes

    @property
    def nbytes(self) -> int:
        """The bytes the cached entries hold now (never more than ``max_bytes``)."""
        return self._nbytes

    def get(self, url: str) -> CachedResponse | None:
        """Return the entry for ``url`` (marking it recently used), or None."""
        with self._lock:
            entry = self._entries.get(url)
            if entry is not None:
                self._entries.move_to_end(url)
            return entry

    def put(self, url: str, entry: CachedResponse) -> None:
        """Store ``entry`` for ``url``, evicting the least recently used past either bound.

        An entry larger than ``max_bytes`` is not stored, and the older entry for
        ``url`` is forgotten (it is no longer the current representation).
        """
        size = entry.nbytes
        with self._lock:
            self._pop(url)
            if size > self._max_bytes:
                return  # larger than the whole cache: not kept (the older entry is gone too)
            self._entries[url] = entry
            self._nbytes += size
            while len(self._entries) > self._max_entries or self._nbytes > self._max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._nbytes -= evicted.nbytes

    def _pop(self, url: str) -> None:
        old = self._entries.pop(url, None)
        if old is not None:
            self._nbytes -= old.nbytes

    def discard(self, url: str) -> None:
        """Forget ``url`` (after a write to it, or a 200 without an ETag)."""
        with self._lock:
            self._pop(url)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._nbytes = 0
