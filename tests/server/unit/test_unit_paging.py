"""Backward keyset paging: previous keys lead back through the same pages, newest first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from microblog_server.domain import (
    InvalidInput,
    Keyset,
    MicropostDraft,
    PageRequest,
    PageResult,
    User,
)
from microblog_server.services.paging import to_page

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog_server.services import Services


class Lister(Protocol):
    def __call__(self, *, after: Keyset | None, before: Keyset | None) -> PageResult[Any]: ...


Case = tuple[Lister, "Callable[[], None]", "Callable[[Any], int]"]


def walk_forward(fetch: Lister) -> list[PageResult[Any]]:
    pages = [fetch(after=None, before=None)]
    while pages[-1].next_key is not None:
        pages.append(fetch(after=pages[-1].next_key, before=None))
    return pages


def walk_back(fetch: Lister, start: PageResult[Any]) -> list[PageResult[Any]]:
    pages = [start]
    while pages[-1].previous_key is not None:
        pages.append(fetch(after=None, before=pages[-1].previous_key))
    return pages


def ids(page: PageResult[Any], ident: Callable[[Any], int]) -> list[int]:
    return [ident(item) for item in page.items]


def post_id(item: Any) -> int:
    return int(item.id)


def user_id(item: Any) -> int:
    return int(item.user.id)


@pytest.fixture
def lists(services: Services, dana: User, jaime: User) -> dict[str, Case]:
    """Each list under test: how to fetch a page of 10, how to add one item, an item's id."""
    services.follows.follow(dana, "dana", "jaime")
    counter = iter(range(10_000))

    def jaime_posts() -> None:
        services.microposts.create(jaime, "jaime", f"needle {next(counter)}")

    def new_follower() -> None:
        follower = services.users.register(f"fan_{next(counter)}", "fan-password").user
        services.follows.follow(follower, follower.username, "jaime")

    return {
        "collection": (
            lambda *, after, before: services.microposts.list_collection(
                "jaime", page=PageRequest(10, after=after, before=before)
            ),
            jaime_posts,
            post_id,
        ),
        "timeline": (
            lambda *, after, before: services.feeds.timeline(
                "dana", page=PageRequest(10, after=after, before=before)
            ),
            jaime_posts,
            post_id,
        ),
        "search": (
            lambda *, after, before: services.feeds.search(
                "NEEDLE", page=PageRequest(10, after=after, before=before)
            ),
            jaime_posts,
            post_id,
        ),
        "followers": (
            lambda *, after, before: services.follows.followers(
                "jaime", page=PageRequest(10, after=after, before=before)
            ),
            new_follower,
            user_id,
        ),
    }


LISTS = ["collection", "timeline", "search", "followers"]


@pytest.mark.parametrize("name", LISTS)
def test_walking_back_from_the_last_page_gives_the_same_pages_in_reverse(
    lists: dict[str, Case], name: str
) -> None:
    fetch, add, ident = lists[name]
    for _ in range(44 if name == "followers" else 45):  # dana already follows jaime
        add()

    forward = walk_forward(fetch)
    backward = walk_back(fetch, forward[-1])

    assert [len(page.items) for page in forward] == [10, 10, 10, 10, 5]
    assert [ids(page, ident) for page in backward] == [
        ids(page, ident) for page in reversed(forward)
    ]
    assert forward[0].previous_key is None
    assert backward[-1].previous_key is None
    assert all(page.previous_key is not None for page in forward[1:])


@pytest.mark.parametrize("name", LISTS)
def test_items_added_meanwhile_appear_on_the_way_back_and_nothing_repeats(
    lists: dict[str, Case], name: str
) -> None:
    fetch, add, ident = lists[name]
    for _ in range(44):
        add()
    forward = walk_forward(fetch)
    for _ in range(3):
        add()

    backward = walk_back(fetch, forward[-1])

    seen = [i for page in reversed(backward) for i in ids(page, ident)]
    now = [i for page in walk_forward(fetch) for i in ids(page, ident)]
    assert seen == now  # every item once, newest first, the 3 new ones included
    assert len(now) == len([i for page in forward for i in ids(page, ident)]) + 3


def test_a_backward_page_leads_forward_to_the_page_it_came_from(
    services: Services, jaime: User
) -> None:
    services.microposts.create_batch(jaime, "jaime", [MicropostDraft(f"p{i}") for i in range(25)])
    first = services.microposts.list_collection("jaime", page=PageRequest(10))
    second = services.microposts.list_collection(
        "jaime", page=PageRequest(10, after=first.next_key)
    )

    back = services.microposts.list_collection(
        "jaime", page=PageRequest(10, before=second.previous_key)
    )
    again = services.microposts.list_collection("jaime", page=PageRequest(10, after=back.next_key))

    assert [p.id for p in back.items] == [p.id for p in first.items]
    assert back.previous_key is None
    assert [p.id for p in again.items] == [p.id for p in second.items]


def test_the_first_page_has_no_previous_key(services: Services, jaime: User) -> None:
    services.microposts.create_batch(jaime, "jaime", [MicropostDraft(f"p{i}") for i in range(3)])

    page = services.microposts.list_collection("jaime", page=PageRequest(2))

    assert page.previous_key is None
    assert page.next_key is not None


KEYS = [Keyset(datetime(2026, 11, 1, tzinfo=UTC), i) for i in range(5)]


def test_an_empty_page_after_a_key_leads_back_to_that_key() -> None:
    page: PageResult[Keyset] = to_page([], PageRequest(3, after=KEYS[2]), lambda key: key, list)

    assert page == PageResult([], None, KEYS[2])


def test_an_empty_page_before_a_key_has_no_neighbours() -> None:
    page: PageResult[Keyset] = to_page([], PageRequest(3, before=KEYS[2]), lambda key: key, list)

    assert page == PageResult([], None, None)


def test_a_backward_page_keeps_the_rows_closest_to_its_key() -> None:
    rows = [KEYS[4], KEYS[3], KEYS[2], KEYS[1]]  # size + 1 rows newer than KEYS[0]

    page = to_page(rows, PageRequest(3, before=KEYS[0]), lambda key: key, list)

    assert page == PageResult([KEYS[3], KEYS[2], KEYS[1]], KEYS[1], KEYS[3])


@pytest.mark.parametrize("size", [0, 101, -1])
def test_a_page_request_refuses_a_size_outside_1_to_100_on_the_size_parameter(size: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        PageRequest(size)

    assert [e.parameter for e in caught.value.errors] == ["size"]


def test_a_page_request_starts_after_a_key_or_ends_before_one_not_both() -> None:
    with pytest.raises(ValueError, match="not both"):
        PageRequest(10, after=KEYS[0], before=KEYS[1])

    assert PageRequest(10, after=KEYS[0]).rows_to_fetch == 11
