from __future__ import annotations

import pytest

from microblog_server.domain import (
    UNSET,
    Forbidden,
    InvalidInput,
    MicropostDraft,
    NotFound,
    PreconditionFailed,
    User,
)
from microblog_server.services import Services


def test_create_resolves_addressee_and_mentions_to_stored_spellings(
    services: Services, dana: User, jaime: User
) -> None:
    post = services.microposts.create(jaime, "JAIME", "hi @dana and @ghost", referenced="DANA")

    assert post.author == "jaime"
    assert post.referenced == "Dana"
    assert post.mentions == ["Dana"]
    assert post.version == 1
    assert post.updated_at is None


def test_create_in_someone_elses_collection_is_forbidden(
    services: Services, dana: User, jaime: User
) -> None:
    with pytest.raises(Forbidden):
        services.microposts.create(jaime, "dana", "not mine")


def test_create_with_an_unknown_addressee_points_at_referenced(
    services: Services, jaime: User
) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.microposts.create(jaime, "jaime", "hello", referenced="ghost")

    assert [e.pointer for e in caught.value.errors] == ["#/referenced"]


@pytest.mark.parametrize("text", ["", "x" * 256])
def test_create_refuses_bad_text(services: Services, jaime: User, text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.microposts.create(jaime, "jaime", text)

    assert [e.pointer for e in caught.value.errors] == ["#/text"]


def test_batch_is_all_or_nothing_with_a_pointer_per_broken_item(
    services: Services, jaime: User
) -> None:
    items = [
        MicropostDraft("fine"),
        MicropostDraft(""),
        MicropostDraft("fine too"),
        MicropostDraft("to a ghost", referenced="ghost"),
    ]

    with pytest.raises(InvalidInput) as caught:
        services.microposts.create_batch(jaime, "jaime", items)

    assert [e.pointer for e in caught.value.errors] == ["#/items/1/text", "#/items/3/referenced"]
    assert services.microposts.list_collection("jaime").items == []


def test_batch_stores_items_in_order(services: Services, jaime: User) -> None:
    posts = services.microposts.create_batch(
        jaime, "jaime", [MicropostDraft(f"post {i}") for i in range(3)]
    )

    assert [p.text for p in posts] == ["post 0", "post 1", "post 2"]
    assert posts[0].id < posts[1].id < posts[2].id
    assert [p.text for p in services.microposts.list_collection("jaime").items] == [
        "post 2",
        "post 1",
        "post 0",
    ]


@pytest.mark.parametrize("count", [0, 101])
def test_batch_takes_1_to_100_items(services: Services, jaime: User, count: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.microposts.create_batch(jaime, "jaime", [MicropostDraft("x")] * count)

    assert caught.value.errors[0].pointer == "#/items"


def test_a_micropost_under_another_users_path_is_not_found(
    services: Services, dana: User, jaime: User
) -> None:
    post = services.microposts.create(jaime, "jaime", "mine")

    with pytest.raises(NotFound):
        services.microposts.get("dana", post.id)
    assert services.microposts.get("Jaime", post.id) == post
    assert services.microposts.get_by_id(post.id) == post
    with pytest.raises(NotFound):
        services.microposts.get_by_id(post.id + 1)


def test_setting_text_and_addressee_replaces_both_and_recomputes_mentions(
    services: Services, dana: User, jaime: User
) -> None:
    post = services.microposts.create(jaime, "jaime", "hi @dana", referenced="dana")

    edited = services.microposts.update(
        jaime, "jaime", post.id, text="hi everyone", referenced=None, expected_versions={1}
    )

    assert (edited.text, edited.referenced, edited.mentions) == ("hi everyone", None, [])
    assert edited.version == 2
    assert edited.updated_at is not None
    assert edited.timestamp == post.timestamp


def test_patch_keeps_unset_fields(services: Services, dana: User, jaime: User) -> None:
    post = services.microposts.create(jaime, "jaime", "hello", referenced="dana")

    edited = services.microposts.update(jaime, "jaime", post.id, text="hello @dana")

    assert edited.referenced == "Dana"
    assert edited.mentions == ["Dana"]
    cleared = services.microposts.update(jaime, "jaime", post.id, text=UNSET, referenced=None)
    assert cleared.referenced is None
    assert cleared.text == "hello @dana"


def test_edit_with_a_stale_version_fails(services: Services, jaime: User) -> None:
    post = services.microposts.create(jaime, "jaime", "v1")
    services.microposts.update(jaime, "jaime", post.id, text="v2")

    with pytest.raises(PreconditionFailed):
        services.microposts.update(jaime, "jaime", post.id, text="v3", expected_versions={1})


def test_only_the_author_may_edit_or_delete(services: Services, dana: User, jaime: User) -> None:
    post = services.microposts.create(jaime, "jaime", "mine")

    with pytest.raises(Forbidden):
        services.microposts.update(dana, "jaime", post.id, text="yours")
    with pytest.raises(Forbidden):
        services.microposts.delete(dana, "jaime", post.id)


def test_delete_removes_the_micropost(services: Services, jaime: User) -> None:
    post = services.microposts.create(jaime, "jaime", "short-lived")

    services.microposts.delete(jaime, "jaime", post.id, expected_versions={1})

    with pytest.raises(NotFound):
        services.microposts.get("jaime", post.id)


def test_delete_with_a_stale_version_fails(services: Services, jaime: User) -> None:
    post = services.microposts.create(jaime, "jaime", "keep")

    with pytest.raises(PreconditionFailed):
        services.microposts.delete(jaime, "jaime", post.id, expected_versions={2})


def test_collection_of_an_unknown_user_is_not_found(services: Services) -> None:
    with pytest.raises(NotFound):
        services.microposts.list_collection("ghost")
