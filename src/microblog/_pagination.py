"""Lazy pagination over the service's page envelopes.

Every list endpoint answers ``{"result": [...], "next": url | null, "previous": url | null}``.
A :class:`Pager` walks those pages on demand: iterating it yields every item of every page,
holding one page at a time, and iterating again starts again from the first page.

``size`` is the page size sent to the service; ``limit`` caps the number of items yielded.
They are never one word for both (a trap of other SDKs, see ``design/lessons.md``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, NoReturn, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

from microblog._errors import PaginationError, ResponseDecodeError

if TYPE_CHECKING:
    from microblog._decode import Answer

T = TypeVar("T")
U = TypeVar("U")

#: Empty pages in a row (each with a ``next`` link) a pager follows before it gives up:
#: the service sends none (a page is empty only at the end), a broken one sends them for ever.
EMPTY_PAGES_IN_A_ROW = 3
#: How many of the latest links a pager remembers to notice a ``next`` link that loops.
REMEMBERED_LINKS = 64


class _RecentLinks:
    """The latest links followed, to notice one that comes back: bounded, not every link."""

    __slots__ = ("_order", "_seen")

    def __init__(self, first: str | None) -> None:
        self._order: deque[str | None] = deque([first])
        self._seen: set[str | None] = {first}

    def add(self, key: str | None) -> bool:
        """Remember ``key``; False when it is one of the remembered (the walk would loop)."""
        if key in self._seen:
            return False
        self._order.append(key)
        self._seen.add(key)
        if len(self._order) > REMEMBERED_LINKS:
            self._seen.discard(self._order.popleft())
        return True


class Requester(Protocol):
    """What a pager calls: the client's one seam (``microblog.Client._request``).

    Declared here, not imported from the resources, so the pager and the resources that
    make pagers do not import each other.
    """

    def _request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str | int | None] | None = None,
        template: str | None = None,
    ) -> Answer: ...


def _cursor_of(link: str) -> str | None:
    try:
        query = urlsplit(link).query
    except ValueError:  # e.g. "http://[::1": the service's link, so not the caller's fault
        raise PaginationError(f"the next link is not a URL: {link!r}") from None
    values = parse_qs(query).get("cursor")
    return values[0] if values else None


@dataclass(frozen=True, slots=True, repr=False)
class Page(Generic[T]):
    """One page of a listing.

    Attributes:
        items: The items of this page (fewer than the page size when ``limit`` cut it).
        next: The absolute link to the next page, ``None`` on the last page.
        previous: The absolute link to the previous page, if the service sent one.
    """

    items: list[T]
    next: str | None = None
    previous: str | None = None

    @property
    def cursor(self) -> str | None:
        """The opaque cursor of the next page, for ``cursor=`` to resume later."""
        return None if self.next is None else _cursor_of(self.next)

    def __repr__(self) -> str:
        more = "more" if self.next else "last"
        count = len(self.items)
        return f"<Page {count} item{'' if count == 1 else 's'}, {more}>"


def _check_size(size: int | None) -> int | None:
    # Only the type is ours to check: the range (1-100 today) is the service's rule, and its
    # 422 reaches the caller, so a service that allows larger pages is not refused here.
    if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
        raise ValueError(f"size is the page size, an int; got {size!r}")
    return size


def _check_limit(limit: int | None) -> int | None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit is the most items to yield, an int >= 0 or None; got {limit!r}")
    return limit


def _check_cursor(cursor: str | None) -> str | None:
    if cursor is not None and (not isinstance(cursor, str) or not cursor):
        raise ValueError(f"cursor must be a non-empty string from Page.cursor; got {cursor!r}")
    return cursor


class Pager(Generic[T]):
    """All the items of a listing, fetched lazily page by page.

    Listing methods return one: ``client.users.list()``, ``client.microposts.list()``,
    ``client.microposts.search()``, ``client.timeline()``, ``user.followers()``, ... Their
    ``size=`` is the page size sent to the service (1-100, ``None``: its default, 20),
    ``limit=`` the most items to yield in total, and ``cursor=`` resumes a walk from a
    :attr:`Page.cursor`. A value of the wrong type (a ``size`` that is not an int, a
    negative ``limit``, an empty ``cursor``) raises ``ValueError`` before any request;
    the page size's range is the service's rule, so ``size=0`` comes back as its
    :class:`~microblog.ValidationError` (422) when the first page is fetched.

    Iterating yields every item of every page (at most ``limit``); each iteration starts
    again from the first page (or from ``cursor``) and holds one page at a time.
    :meth:`pages` yields the :class:`Page` objects instead. A pager is iterable, not an
    iterator: ``for item in pager``, ``list(pager)`` or ``next(iter(pager))``. It has no
    length and cannot be sliced (that would fetch every page): ``limit=3`` asks for the
    first three items, ``itertools.islice(pager, 3)`` takes them from a pager at hand.
    """

    __slots__ = (
        "_client",
        "_cursor",
        "_limit",
        "_params",
        "_parse",
        "_path",
        "_size",
        "_template",
    )

    _client: Requester
    _path: str
    _template: str | None
    _parse: Callable[[Any], T]
    _params: dict[str, str | int | None]
    _size: int | None
    _limit: int | None
    _cursor: str | None

    def __init__(self) -> None:
        """Not called by hand: a pager comes from a listing method (see the class)."""
        raise TypeError(
            "a Pager comes from a listing method, such as client.users.list() or client.timeline()"
        )

    @classmethod
    def _over(
        cls,
        client: Requester,
        path: str,
        parse: Callable[[Any], U],
        *,
        params: Mapping[str, str | int | None] | None = None,
        size: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        template: str | None = None,
    ) -> Pager[U]:
        """Build a pager (the managers' constructor).

        Args:
            client: The client whose ``_request`` fetches the pages.
            path: The listing's path, e.g. ``/api/v1/users/dana/collection``.
            parse: Turns one JSON item into a ``U``; raises ``ValueError`` on a malformed
                item (the pager turns it into :class:`~microblog.ResponseDecodeError`).
            params: Extra query parameters of the first request (``None`` values dropped).
            size: Page size sent to the service (its range is the service's rule).
            limit: Most items to yield in total.
            cursor: Resume from this cursor.
            template: The listing's URL template, for logs (every page's request).

        Raises:
            ValueError: on a ``size``, ``limit`` or ``cursor`` of the wrong type or sign,
                before any request.
        """
        pager: Pager[U] = object.__new__(Pager)
        pager._client = client
        pager._path = path
        pager._template = template
        pager._parse = parse
        pager._params = dict(params or {})
        pager._size = _check_size(size)
        pager._limit = _check_limit(limit)
        pager._cursor = _check_cursor(cursor)
        return pager

    @property
    def size(self) -> int | None:
        """The page size sent to the service (``None``: the service's default)."""
        return self._size

    @property
    def limit(self) -> int | None:
        """The most items this pager yields (``None``: all)."""
        return self._limit

    def __iter__(self) -> Iterator[T]:
        pages = self.pages()
        # Not a for loop: its variable would keep the old page alive during the next fetch.
        while (page := next(pages, None)) is not None:
            yield from page.items
            del page

    def __next__(self) -> NoReturn:
        """Explain that a pager is iterable, not an iterator (``next(pager)`` is a slip)."""
        raise TypeError(
            "a Pager is not an iterator: use next(iter(pager)) or a for loop for the items,"
            " or pager.pages() for the pages"
        )

    def __getitem__(self, index: object) -> NoReturn:
        """Explain that a pager cannot be indexed or sliced, and what to use instead."""
        raise TypeError(
            "a Pager is lazy and cannot be indexed or sliced: pass limit= (e.g."
            " client.users.list(limit=3)) or use itertools.islice(pager, 3)"
        )

    def __len__(self) -> NoReturn:
        """Explain that a pager's length is unknown until every page is fetched."""
        raise TypeError(
            "a Pager has no length before every page is fetched: use limit= to cap it,"
            " or len(list(pager)) to fetch them all"
        )

    def __bool__(self) -> bool:
        """Always true (a pager is a query, not its results); ``len`` would be refused."""
        return True

    def pages(self) -> Iterator[Page[T]]:
        """Yield the pages one by one, each fetched when the previous one is done.

        With ``limit``, the last page yielded is cut to the limit and no further page is
        fetched.

        Raises:
            PaginationError: a ``next`` link repeats one of the latest followed, or
                ``EMPTY_PAGES_IN_A_ROW`` (3) pages in a row came back empty with a
                ``next`` link (a service that never ends its listing).
        """
        remaining = self._limit
        if remaining == 0:
            return
        url = self._path
        params: Mapping[str, str | int | None] | None = {
            **self._params,
            "size": self._size,
            "cursor": self._cursor,
        }
        seen = _RecentLinks(self._cursor)
        empty = 0
        while True:
            page = self._fetch(url, params)
            if remaining is not None:
                page = Page(page.items[:remaining], page.next, page.previous)
                remaining -= len(page.items)
            empty = 0 if page.items else empty + 1
            yield page
            if page.next is None or remaining == 0:
                return
            if empty >= EMPTY_PAGES_IN_A_ROW:
                raise PaginationError(
                    f"the service sent {empty} empty pages in a row, each with a next link;"
                    " stopping rather than following them for ever"
                )
            if not seen.add(page.cursor or page.next):
                raise PaginationError(f"the next link repeats an earlier page: {page.next}")
            url, params = page.next, None
            del page  # hold one page at a time

    def _fetch(self, url: str, params: Mapping[str, str | int | None] | None) -> Page[T]:
        response = self._client._request("GET", url, params=params, template=self._template)
        try:
            return self._decode(response.data)
        except ValueError as error:
            raise ResponseDecodeError(
                str(error), status_code=response.status_code, request_id=response.request_id
            ) from None

    def _decode(self, body: object) -> Page[T]:
        if not isinstance(body, Mapping):
            raise ValueError(f"expected a page object, got {type(body).__name__}")
        items, next_link, previous = body.get("result"), body.get("next"), body.get("previous")
        if not isinstance(items, list):
            raise ValueError("the page has no 'result' list")
        if next_link is not None and not isinstance(next_link, str):
            raise ValueError(f"the page's 'next' is not a link: {next_link!r:.80}")
        if not isinstance(previous, str):
            previous = None
        return Page([self._parse(item) for item in items], next_link or None, previous)

    def __repr__(self) -> str:
        options = "".join(
            f" {name}={value!r}"
            for name, value in (
                *self._params.items(),
                ("size", self._size),
                ("limit", self._limit),
                ("cursor", self._cursor),
            )
            if value is not None
        )
        return f"<Pager {self._path}{options}>"
