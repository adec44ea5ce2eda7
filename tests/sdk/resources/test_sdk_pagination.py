"""Pager: every page lazily, size vs limit, cursors, and the loops other SDKs fell into."""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from typing import Any, ClassVar

import pytest

from microblog import Page, Pager, PaginationError
from microblog._errors import MicroblogError, ResponseDecodeError

from .resources_fakes import API, FakeClient, FakeResponse, page_json

PATH = "/api/v1/things"


class Item:
    """A parsed item that tests can watch die (weakref-able)."""

    live: ClassVar[weakref.WeakSet[Item]] = weakref.WeakSet()

    def __init__(self, value: int) -> None:
        self.value = value
        Item.live.add(self)


def parse(value: Any) -> int:
    if not isinstance(value, int):
        raise ValueError(f"not an int: {value!r}")
    return value


def link(cursor: str, size: int = 10) -> str:
    return f"{API}/things?cursor={cursor}&size={size}"


def serve(client: FakeClient, total: int, size: int) -> None:
    """Serve ``total`` items newest first in pages of ``size``, as the service would."""
    values = list(range(total, 0, -1))
    chunks = [values[i : i + size] for i in range(0, total, size)] or [[]]
    for index, chunk in enumerate(chunks):
        path = PATH if index == 0 else link(f"c{index}", size)
        more = index + 1 < len(chunks)
        client.reply(
            "GET",
            path,
            FakeResponse(page_json(chunk, link(f"c{index + 1}", size) if more else None)),
        )


def test_iterating_walks_every_page_45_items_in_pages_of_10_is_5_requests() -> None:
    client = FakeClient()
    serve(client, total=45, size=10)

    items = list(Pager._over(client, PATH, parse, size=10))

    assert items == list(range(45, 0, -1))
    assert len(client.calls) == 5
    assert client.calls[0].params == {"size": 10}
    assert [c.path for c in client.calls[1:]] == [link(f"c{i}") for i in range(1, 5)]
    assert all(c.params == {} for c in client.calls[1:])


def test_nothing_is_requested_before_iteration() -> None:
    client = FakeClient()

    Pager._over(client, PATH, parse)

    assert client.calls == []


def test_iterating_again_starts_again_from_the_first_page() -> None:
    client = FakeClient()
    serve(client, total=25, size=10)
    pager = Pager._over(client, PATH, parse, size=10)

    first, second = list(pager), list(pager)

    assert first == second == list(range(25, 0, -1))
    assert [c.path for c in client.calls].count(PATH) == 2


def test_limit_caps_items_across_pages_and_stops_fetching() -> None:
    client = FakeClient()
    serve(client, total=45, size=10)

    items = list(Pager._over(client, PATH, parse, size=10, limit=15))

    assert items == list(range(45, 30, -1))
    assert len(client.calls) == 2


def test_limit_is_never_sent_as_the_page_size() -> None:
    client = FakeClient()
    serve(client, total=5, size=20)

    items = list(Pager._over(client, PATH, parse, limit=3))

    assert items == [5, 4, 3]
    assert client.calls[0].params == {}


def test_size_is_sent_and_limit_counts_items_not_requests() -> None:
    client = FakeClient()
    serve(client, total=9, size=2)

    items = list(Pager._over(client, PATH, parse, size=2, limit=5))

    assert items == [9, 8, 7, 6, 5]
    assert client.calls[0].params == {"size": 2}
    assert len(client.calls) == 3


def test_limit_zero_yields_nothing_without_a_request() -> None:
    client = FakeClient()

    assert list(Pager._over(client, PATH, parse, limit=0)) == []
    assert client.calls == []


def test_limit_exactly_at_a_page_end_does_not_fetch_the_next_page() -> None:
    client = FakeClient()
    serve(client, total=45, size=10)

    assert len(list(Pager._over(client, PATH, parse, size=10, limit=10))) == 10
    assert len(client.calls) == 1


def test_an_empty_page_with_a_next_link_keeps_going() -> None:
    client = FakeClient()
    client.reply("GET", PATH, FakeResponse(page_json([], link("a"))))
    client.reply("GET", link("a"), FakeResponse(page_json([3, 2], link("b"))))
    client.reply("GET", link("b"), FakeResponse(page_json([1])))

    assert list(Pager._over(client, PATH, parse)) == [3, 2, 1]


def test_an_empty_last_page_ends_cleanly() -> None:
    client = FakeClient()
    client.reply("GET", PATH, FakeResponse(page_json([])))

    assert list(Pager._over(client, PATH, parse)) == []


def test_a_next_link_that_does_not_advance_raises_instead_of_looping() -> None:
    client = FakeClient()
    client.reply("GET", PATH, FakeResponse(page_json([3], link("a"))))
    client.reply("GET", link("a"), FakeResponse(page_json([2], link("a"))))

    with pytest.raises(PaginationError, match="repeats") as caught:
        list(Pager._over(client, PATH, parse))

    assert isinstance(caught.value, MicroblogError)
    assert len(client.calls) == 2


def test_a_next_link_back_to_an_earlier_cursor_raises() -> None:
    client = FakeClient()
    client.reply("GET", PATH, FakeResponse(page_json([3], link("a"))))
    client.reply("GET", link("a"), FakeResponse(page_json([2], link("b"))))
    client.reply("GET", link("b"), FakeResponse(page_json([1], link("a", size=5))))

    with pytest.raises(PaginationError):
        list(Pager._over(client, PATH, parse))


def test_a_next_link_to_the_resume_cursor_raises() -> None:
    client = FakeClient()
    client.reply("GET", PATH, FakeResponse(page_json([3], link("start"))))

    with pytest.raises(PaginationError):
        list(Pager._over(client, PATH, parse, cursor="start"))


def test_a_next_link_without_a_cursor_is_compared_whole() -> None:
    client = FakeClient()
    odd = f"{API}/things?page=2"
    client.reply("GET", PATH, FakeResponse(page_json([3], odd)))
    client.reply("GET", odd, FakeResponse(page_json([2], odd)))

    with pytest.raises(PaginationError):
        list(Pager._over(client, PATH, parse))


def test_pages_yields_pages_with_items_next_link_and_cursor() -> None:
    client = FakeClient()
    serve(client, total=25, size=10)

    pages = list(Pager._over(client, PATH, parse, size=10).pages())

    assert [len(p.items) for p in pages] == [10, 10, 5]
    assert pages[0].next == link("c1")
    assert pages[0].cursor == "c1"
    assert pages[-1].next is None
    assert pages[-1].cursor is None


def test_pages_honours_the_limit_by_cutting_the_last_page() -> None:
    client = FakeClient()
    serve(client, total=25, size=10)

    pages = list(Pager._over(client, PATH, parse, size=10, limit=12).pages())

    assert [len(p.items) for p in pages] == [10, 2]


def test_cursor_resumes_where_a_page_left_off() -> None:
    client = FakeClient()
    serve(client, total=25, size=10)
    first = next(Pager._over(client, PATH, parse, size=10).pages())
    client.reply("GET", PATH, FakeResponse(page_json([15, 14], None)))

    resumed = list(Pager._over(client, PATH, parse, size=10, cursor=first.cursor))

    assert resumed == [15, 14]
    assert client.calls[-1].params == {"size": 10, "cursor": "c1"}


def test_extra_params_go_on_the_first_request_only() -> None:
    client = FakeClient()
    client.reply("GET", PATH, FakeResponse(page_json([2], link("a"))))
    client.reply("GET", link("a"), FakeResponse(page_json([1])))

    list(Pager._over(client, PATH, parse, params={"q": "bo", "username": None}))

    assert client.calls[0].params == {"q": "bo"}
    assert client.calls[1].params == {}


def test_the_pager_holds_one_page_at_a_time() -> None:
    client = FakeClient()
    serve(client, total=30, size=10)
    live_at_request: list[int] = []
    real = client._request

    def watching(*args: Any, **kwargs: Any) -> FakeResponse:
        gc.collect()
        live_at_request.append(len(Item.live))
        return real(*args, **kwargs)

    client._request = watching  # type: ignore[method-assign]
    seen = 0
    for item in Pager._over(client, PATH, Item):
        seen += 1
        del item

    assert seen == 30
    assert live_at_request == [0, 0, 0]


@pytest.mark.parametrize("size", [True, 2.5, "10"])
def test_a_size_of_the_wrong_type_raises_value_error_before_any_request(size: Any) -> None:
    client = FakeClient()

    with pytest.raises(ValueError, match="page size"):
        Pager._over(client, PATH, parse, size=size)


@pytest.mark.parametrize("size", [0, 1, 100, 101, -1])
def test_any_int_size_is_left_to_the_service(size: int) -> None:
    assert Pager._over(FakeClient(), PATH, parse, size=size).size == size


@pytest.mark.parametrize("limit", [-1, True, 1.5, "3"])
def test_a_bad_limit_raises_value_error(limit: Any) -> None:
    with pytest.raises(ValueError, match="limit"):
        Pager._over(FakeClient(), PATH, parse, limit=limit)


@pytest.mark.parametrize("cursor", ["", 5])
def test_a_bad_cursor_raises_value_error(cursor: Any) -> None:
    with pytest.raises(ValueError, match="cursor"):
        Pager._over(FakeClient(), PATH, parse, cursor=cursor)


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"next": None},
        {"result": "x", "next": None},
        {"result": [], "next": 5},
        {"result": ["not an int"], "next": None},
    ],
)
def test_a_malformed_page_raises_response_decode_error(body: Any) -> None:
    client = FakeClient()
    client.reply("GET", PATH, FakeResponse(body, request_id="rid-9"))

    with pytest.raises(ResponseDecodeError, match="rid-9"):
        list(Pager._over(client, PATH, parse))


def test_previous_link_is_kept_when_it_is_a_link() -> None:
    client = FakeClient()
    client.reply("GET", PATH, FakeResponse({"result": [1], "next": None, "previous": link("p")}))

    (page,) = Pager._over(client, PATH, parse).pages()

    assert page.previous == link("p")


def test_reprs_are_short() -> None:
    pager = Pager._over(FakeClient(), PATH, parse, size=10, limit=5)

    assert repr(pager) == "<Pager /api/v1/things size=10 limit=5>"
    assert repr(Pager._over(FakeClient(), PATH, parse)) == "<Pager /api/v1/things>"
    assert repr(Page([1, 2], "http://x/?cursor=a")) == "<Page 2 items, more>"
    assert repr(Page([1])) == "<Page 1 item, last>"
    assert pager.limit == 5


class EndlessFresh:
    """A listing of one item per page, each page linking to a fresh, long cursor."""

    CURSOR_BYTES = 4096

    def __init__(self) -> None:
        self.served = 0
        self.users = self.microposts = None
        self._username = None

    def _request(self, method: str, path_or_url: str, **_: Any) -> FakeResponse:
        self.served += 1
        cursor = f"{self.served:08d}".ljust(self.CURSOR_BYTES, "x")
        return FakeResponse(page_json([self.served], link(cursor)))


def test_the_loop_guard_holds_a_bounded_number_of_links() -> None:
    client = EndlessFresh()
    pages = Pager._over(client, PATH, parse).pages()
    for _ in range(200):
        next(pages)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(2000):
            next(pages, None)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    # Unbounded, 2000 more 4 KiB cursors would be 8 MiB; a bounded window (and the
    # standard library's own bounded URL cache) stays near 1 MiB.
    assert grown < 3 * 2**20


def test_a_few_empty_pages_in_a_row_are_followed_then_refused() -> None:
    client = FakeClient()
    client.reply("GET", PATH, FakeResponse(page_json([], link("a"))))
    client.reply("GET", link("a"), FakeResponse(page_json([], link("b"))))
    client.reply("GET", link("b"), FakeResponse(page_json([], link("c"))))
    client.reply("GET", link("c"), FakeResponse(page_json([], link("d"))))

    with pytest.raises(PaginationError, match="empty pages"):
        list(Pager._over(client, PATH, parse))

    assert len(client.calls) == 3


def test_an_item_between_empty_pages_resets_the_count() -> None:
    client = FakeClient()
    client.reply("GET", PATH, FakeResponse(page_json([], link("a"))))
    client.reply("GET", link("a"), FakeResponse(page_json([], link("b"))))
    client.reply("GET", link("b"), FakeResponse(page_json([3], link("c"))))
    client.reply("GET", link("c"), FakeResponse(page_json([], link("d"))))
    client.reply("GET", link("d"), FakeResponse(page_json([], link("e"))))
    client.reply("GET", link("e"), FakeResponse(page_json([1])))

    assert list(Pager._over(client, PATH, parse)) == [3, 1]
