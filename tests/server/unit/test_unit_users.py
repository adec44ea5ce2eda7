from __future__ import annotations

import pytest

from microblog_server.domain import (
    Conflict,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    PageRequest,
    PreconditionFailed,
    Unauthenticated,
    User,
)
from microblog_server.services import Services

from .core_fakes import FakeDatabase


def test_register_stores_the_spelling_and_defaults_the_display_name(services: Services) -> None:
    view = services.users.register("Dana_1", "dana-password", bio="hi")

    assert view.user.username == "Dana_1"
    assert view.user.display_name == "Dana_1"
    assert view.user.bio == "hi"
    assert view.user.version == 1
    assert (view.followers_count, view.following_count, view.microposts_count) == (0, 0, 0)


def test_register_hashes_the_password(services: Services) -> None:
    user = services.users.register("dana", "dana-password").user

    assert "dana-password" not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")


def test_usernames_are_unique_ignoring_case(services: Services, dana: User) -> None:
    with pytest.raises(Conflict):
        services.users.register("DANA", "another-password")


def test_register_reports_every_broken_field(services: Services) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.users.register("x", "short")

    assert {e.pointer for e in caught.value.errors} == {"#/username", "#/password"}


def test_lookup_ignores_case_and_returns_the_stored_spelling(
    services: Services, dana: User
) -> None:
    assert services.users.get("dANA").user.username == "Dana"
    assert services.users.get_by_id(dana.id).user.username == "Dana"


def test_unknown_users_are_not_found(services: Services) -> None:
    with pytest.raises(NotFound):
        services.users.get("nobody")
    with pytest.raises(NotFound):
        services.users.get_by_id(42)


def test_list_filters_by_username_prefix_newest_first_in_pages(services: Services) -> None:
    for name in ["ann", "anna", "bob", "Annie"]:
        services.users.register(name, "password-1")

    first = services.users.list(q="AN", page=PageRequest(2))
    second = services.users.list(q="AN", page=PageRequest(2, after=first.next_key))

    assert [v.user.username for v in first.items] == ["Annie", "anna"]
    assert [v.user.username for v in second.items] == ["ann"]
    assert second.next_key is None


def test_list_refuses_a_page_size_out_of_range(services: Services) -> None:
    with pytest.raises(InvalidInput) as caught:
        PageRequest(101)

    assert caught.value.errors[0].parameter == "size"


def test_update_changes_only_the_given_fields_and_bumps_the_version(
    services: Services, dana: User
) -> None:
    view = services.users.update(dana, "dana", bio="New bio")

    assert view.user.bio == "New bio"
    assert view.user.display_name == "Dana"
    assert view.user.version == 2


def test_update_of_the_password_lets_the_new_one_log_in(services: Services, dana: User) -> None:
    services.users.update(
        dana, "dana", password="brand-new-password", current_password="dana-password"
    )

    assert services.auth.login("dana", "brand-new-password").access_token
    with pytest.raises(InvalidCredentials):
        services.auth.login("dana", "dana-password")


def test_update_with_a_stale_version_fails(services: Services, dana: User) -> None:
    services.users.update(dana, "dana", bio="one", expected_versions={1})

    with pytest.raises(PreconditionFailed):
        services.users.update(dana, "dana", bio="two", expected_versions={1})


def test_update_of_someone_else_is_forbidden(services: Services, dana: User, jaime: User) -> None:
    with pytest.raises(Forbidden):
        services.users.update(jaime, "dana", bio="hacked")


def test_update_validates_fields(services: Services, dana: User) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.users.update(dana, "dana", display_name="x" * 101, password="short")

    assert {e.pointer for e in caught.value.errors} == {
        "#/display_name",
        "#/password",
        "#/current_password",  # a new password needs the one it replaces
    }


def test_delete_removes_the_user_posts_follows_and_tokens(
    services: Services, database: FakeDatabase, dana: User, jaime: User
) -> None:
    token = services.auth.login("dana", "dana-password").access_token
    services.microposts.create(dana, "dana", "bye")
    services.follows.follow(dana, "dana", "jaime")
    services.follows.follow(jaime, "jaime", "dana")

    services.users.delete(dana, "dana")

    with pytest.raises(NotFound):
        services.users.get("dana")
    assert database.state.posts == {}
    assert database.state.follows == {}
    assert services.users.get("jaime").followers_count == 0
    with pytest.raises(Unauthenticated):
        services.auth.authenticate(token)


def test_delete_of_someone_else_is_forbidden(services: Services, dana: User, jaime: User) -> None:
    with pytest.raises(Forbidden):
        services.users.delete(jaime, "dana")


def test_delete_with_a_stale_version_fails(services: Services, dana: User) -> None:
    with pytest.raises(PreconditionFailed):
        services.users.delete(dana, "dana", expected_versions={7})
