from __future__ import annotations

from threading import Event, Thread

import pytest

from microblog_server.bootstrap import build_services
from microblog_server.data import DEMO_PASSWORD, DEMO_USERS, seed
from microblog_server.domain import (
    IdempotencyRecord,
    Keyset,
    MicropostDraft,
    NotFound,
    PageRequest,
    Unauthenticated,
)
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


def _request(
    services: Services, done: Event | None = None, holding: Event | None = None
) -> IdempotencyClaim | IdempotencyRecord:
    """Begin a keyed request; if it got the claim, set ``holding``, finish once ``done``."""
    with services.idempotency.hold() as held:
        claimed = services.idempotency.begin(held, "user:1", "key", "fingerprint")
        if isinstance(claimed, IdempotencyRecord):
            held.close()
            return claimed
        if holding is not None:
            holding.set()
        if done is not None:
            assert done.wait(30)
        services.idempotency.finish(claimed, held, 201, [], b"{}")
        return claimed


def test_concurrent_claims_of_one_idempotency_key_let_one_request_run(
    services: Services,
) -> None:
    outcomes: list[IdempotencyClaim | IdempotencyRecord] = []
    threads = [Thread(target=lambda: outcomes.append(_request(services))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    records = [o for o in outcomes if isinstance(o, IdempotencyRecord)]
    assert len(records) == 7  # one ran
    # The others waited for the first's transaction and found its stored answer.
    assert {(r.state, r.status_code) for r in records} == {("done", 201)}


def test_a_duplicate_waits_for_the_running_request_and_replays_its_answer(
    services: Services,
) -> None:
    done, holding = Event(), Event()
    first = Thread(target=_request, args=(services, done, holding))
    first.start()
    assert holding.wait(30)  # the first holds the claim before the duplicate begins
    duplicate: list[IdempotencyClaim | IdempotencyRecord] = []
    second = Thread(target=lambda: duplicate.append(_request(services)))
    second.start()

    second.join(0.5)
    assert second.is_alive()  # waiting for the first's transaction
    done.set()
    first.join(30)
    second.join(30)

    assert isinstance(duplicate[0], IdempotencyRecord)
    assert duplicate[0].state == "done"


def test_a_request_whose_transaction_ends_without_commit_leaves_its_key_free(
    services: Services,
) -> None:
    # What a process killed mid-request leaves: its transaction is rolled back by the
    # database, and with it the claim. No lease to wait out: the retry runs at once.
    with services.idempotency.hold() as held:
        claimed = services.idempotency.begin(held, "user:1", "key", "fingerprint")
        assert isinstance(claimed, IdempotencyClaim)
        held.close()

    assert isinstance(_request(services), IdempotencyClaim)


def test_a_duplicate_waits_a_bounded_time_then_hears_in_progress(
    backend: str, make_database_url: MakeDatabaseUrl
) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite's one writer waits to begin, for the busy timeout")
    services = build_services(Settings.for_tests(database_url=make_database_url("wait")))
    services.idempotency._wait = 0.2  # the bound, shortened for the test
    claimed, done = Event(), Event()
    first = Thread(target=_request, args=(services, done, claimed))
    try:
        first.start()
        assert claimed.wait(30)

        answer = _request(services)

        assert isinstance(answer, IdempotencyRecord)
        assert answer.state == "in_progress"
    finally:
        done.set()
        first.join(30)
        services.close()


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


def test_posting_as_a_caller_deleted_meanwhile_is_not_found(services: Services) -> None:
    # The caller posting to their own collection is taken as the author without a look-up:
    # the insert's foreign key must still turn a caller deleted since their token was
    # checked into 404, never a post without an author.
    dana = services.users.register("dana", "dana-password").user
    services.users.delete(dana, "dana")

    with pytest.raises(NotFound):
        services.microposts.create(dana, "DANA", "still here?")

    jaime = services.users.register("dana", "new-dana-password").user
    assert services.microposts.list_collection("dana").items == []
    assert jaime.id != dana.id
