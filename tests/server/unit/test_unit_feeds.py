from __future__ import annotations

import pytest

from microblog_server.domain import (
    InvalidInput,
    Keyset,
    Micropost,
    MicropostDraft,
    NotFound,
    PageRequest,
    User,
)
from microblog_server.services import Services


def _all_pages(services: Services, username: str, size: int) -> list[list[Micropost]]:
    pages = []
    after: Keyset | None = None
    while True:
        page = services.feeds.timeline(username, page=PageRequest(size, after=after))
        pages.append(page.items)
        if page.next_key is None:
            return pages
        after = page.next_key


def test_timeline_has_followed_authors_and_posts_addressing_the_user_once_each(
    services: Services, dana: User, jaime: User
) -> None:
    ana = services.users.register("ana", "password-1").user
    services.follows.follow(dana, "dana", "jaime")
    followed = services.microposts.create(jaime, "jaime", "from a followed user")
    both = services.microposts.create(jaime, "jaime", "hi @dana", referenced="dana")
    referenced = services.microposts.create(ana, "ana", "for you", referenced="dana")
    mentioned = services.microposts.create(ana, "ana", "cc @DANA")
    services.microposts.create(ana, "ana", "unrelated")
    services.microposts.create(dana, "dana", "own post")

    items = services.feeds.timeline("dana").items

    assert [p.id for p in items] == [mentioned.id, referenced.id, both.id, followed.id]


def test_timeline_pages_neither_skip_nor_repeat(
    services: Services, dana: User, jaime: User
) -> None:
    services.follows.follow(dana, "dana", "jaime")
    for chunk in range(3):
        services.microposts.create_batch(
            jaime, "jaime", [MicropostDraft(f"{chunk}-{i}") for i in range(15)]
        )

    pages = _all_pages(services, "dana", size=10)

    assert len(pages) == 5
    ids = [p.id for page in pages for p in page]
    assert len(ids) == len(set(ids)) == 45
    assert ids == sorted(ids, reverse=True)


def test_timeline_of_an_unknown_user_is_not_found(services: Services) -> None:
    with pytest.raises(NotFound):
        services.feeds.timeline("ghost")


def test_search_is_a_case_insensitive_substring_match(
    services: Services, dana: User, jaime: User
) -> None:
    services.microposts.create(dana, "dana", "Python rocks")
    services.microposts.create(jaime, "jaime", "I like PYTHON")
    services.microposts.create(jaime, "jaime", "Rust too")

    found = services.feeds.search("python").items

    assert [p.text for p in found] == ["I like PYTHON", "Python rocks"]


def test_search_can_narrow_by_username_prefix(services: Services, dana: User, jaime: User) -> None:
    services.microposts.create(dana, "dana", "Python rocks")
    services.microposts.create(jaime, "jaime", "I like PYTHON")

    found = services.feeds.search("python", username="DA").items

    assert [p.author for p in found] == ["Dana"]


def test_search_treats_wildcards_literally(services: Services, dana: User) -> None:
    services.microposts.create(dana, "dana", "100% sure")
    services.microposts.create(dana, "dana", "1000 sure")

    assert [p.text for p in services.feeds.search("0% s").items] == ["100% sure"]


def test_search_needs_three_characters(services: Services) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.feeds.search("py")

    assert caught.value.errors[0].parameter == "text"
