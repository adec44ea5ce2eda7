from __future__ import annotations

from threading import Thread

import pytest

from microblog_server.bootstrap import build_services
from microblog_server.data import DEMO_PASSWORD, DEMO_USERS, seed
from microblog_server.domain import Keyset, MicropostDraft, NotFound, PageRequest, Unauthenticated
from microblog_server.services import Services
from microblog_server.services.idempotency import IdempotencyClaim
from microblog_server.settings import Settings

from .conftest import MakeDatabaseUrl


def test_an_in_memory_database_works_across_units_of_work() -> None:
    services = build_services(Settings.for_tests(database_url="sqlite://"))
    try:
        services.users.register("dana", "dana-password")

        assert services.users.get("DANA").user.username == "dana"
        assert services.check_database() is True
    finally:
        services.close()


def test_two_service_sets_share_nothing(make_database_url: MakeDatabaseUrl) -> None:
    first = build_services(Settings.for_tests(database_url=make_database_url("a")))
    second = build_services(Settings.for_tests(database_url=make_database_url("b")))
    try:
        first.users.register("dana", "dana-password")

        with pytest.raises(NotFound):
            second.users.get("dana")
    finally:
        first.close()
        second.close()


def test_45_timeline_items_in_pages_of_10_are_exactly_5_pages(services: Services) -> None:
    dana = services.users.register("dana", "dana-password").user
    jaime = services.users.register("jaime", "jaime-password").user
    services.follows.follow(dana, "dana", "jaime")
    services.microposts.create_batch(jaime, "jaime", [MicropostDraft(f"p{i}") for i in range(45)])

    pages, after = [], None
    while True:
        page = services.feeds.timeline("dana", page=PageRequest(10, after=after))
        pages.append([p.id for p in page.items])
        after = page.next_key
        if after is None:
            break

    assert [len(p) for p in pages] == [10, 10, 10, 10, 5]
    assert len({i for p in pages for i in p}) == 45


def test_a_page_after_a_deleted_item_continues_where_it_left_off(services: Services) -> None:
    dana = services.users.register("dana", "dana-password").user
    posts = services.microposts.create_batch(
        dana, "dana", [MicropostDraft(f"p{i}") for i in range(6)]
    )
    first = services.microposts.list_collection("dana", page=PageRequest(3))
    assert first.next_key == Keyset(posts[3].timestamp, posts[3].id)

    services.microposts.delete(dana, "dana", posts[3].id)
    rest = services.microposts.list_collection("dana", page=PageRequest(3, after=first.next_key))

    assert [p.text for p in rest.items] == ["p2", "p1", "p0"]


def test_deleted_users_tokens_fail_even_when_a_new_user_takes_the_name(
    services: Services,
) -> None:
    dana = services.users.register("dana", "dana-password").user
    token = services.auth.login("dana", "dana-password").access_token

    services.users.delete(dana, "dana")
    newcomer = services.users.register("dana", "other-password").user

    assert newcomer.id != dana.id
    with pytest.raises(Unauthenticated):
        services.auth.authenticate(token)


def test_concurrent_follows_of_the_same_pair_record_one_edge(services: Services) -> None:
    dana = services.users.register("dana", "dana-password").user
    services.users.register("jaime", "jaime-password")
    outcomes: list[bool] = []

    def follow() -> None:
        outcomes.append(services.follows.follow(dana, "dana", "jaime").created)

    threads = [Thread(target=follow) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [False] * 7 + [True]
    assert services.users.get("jaime").followers_count == 1


def test_concurrent_claims_of_one_idempotency_key_let_one_request_run(
    services: Services,
) -> None:
    outcomes: list[bool] = []

    def claim() -> None:
        claimed = services.idempotency.begin("user:1", "key", "fingerprint")
        outcomes.append(isinstance(claimed, IdempotencyClaim))

    threads = [Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [False] * 7 + [True]


def test_the_demo_dataset_is_reproducible_and_loaded_once(
    make_database_url: MakeDatabaseUrl,
) -> None:
    texts = []
    for name in ["one", "two"]:
        services = build_services(Settings.for_tests(database_url=make_database_url(name)))
        try:
            summary = seed(services)
            again = seed(services)
            page = services.feeds.search("the", page=PageRequest(100))
            texts.append([(p.author, p.text, p.referenced, p.mentions) for p in page.items])
            assert services.auth.login("dana", DEMO_PASSWORD).access_token
        finally:
            services.close()
        assert (summary.users, summary.microposts) == (DEMO_USERS, 2000)
        assert summary.follows > DEMO_USERS
        assert again.skipped is True

    assert texts[0] == texts[1]
    assert len(texts[0]) == 100
