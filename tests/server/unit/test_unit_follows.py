from __future__ import annotations

import pytest

from microblog_server.domain import Forbidden, InvalidInput, NotFound, PageRequest, User
from microblog_server.services import Services


def test_follow_reports_new_then_existing(services: Services, dana: User, jaime: User) -> None:
    first = services.follows.follow(dana, "dana", "JAIME")
    again = services.follows.follow(dana, "dana", "jaime")

    assert first.created is True
    assert again.created is False
    assert first.followed.user.username == "jaime"
    assert again.followed.followers_count == 1


def test_following_oneself_is_invalid(services: Services, dana: User) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.follows.follow(dana, "dana", "DANA")

    assert caught.value.errors[0].pointer == "#/username"


def test_following_an_unknown_user_is_not_found(services: Services, dana: User) -> None:
    with pytest.raises(NotFound):
        services.follows.follow(dana, "dana", "ghost")
    with pytest.raises(NotFound):
        services.follows.unfollow(dana, "dana", "ghost")


def test_following_on_someone_elses_behalf_is_forbidden(
    services: Services, dana: User, jaime: User
) -> None:
    with pytest.raises(Forbidden):
        services.follows.follow(jaime, "dana", "jaime")
    with pytest.raises(Forbidden):
        services.follows.unfollow(jaime, "dana", "jaime")


def test_unfollow_is_idempotent(services: Services, dana: User, jaime: User) -> None:
    services.follows.follow(dana, "dana", "jaime")

    services.follows.unfollow(dana, "dana", "jaime")
    services.follows.unfollow(dana, "dana", "jaime")

    assert services.follows.following("dana").items == []


def test_lists_show_the_most_recent_follow_first_in_pages(services: Services, dana: User) -> None:
    others = [services.users.register(f"user{i}", "password-1").user for i in range(3)]
    for other in others:
        services.follows.follow(dana, "dana", other.username)
        services.follows.follow(other, other.username, "dana")

    page1 = services.follows.following("dana", page=PageRequest(2))
    page2 = services.follows.following("dana", page=PageRequest(2, after=page1.next_key))
    followers = services.follows.followers("dana", page=PageRequest(10))

    assert [v.user.username for v in page1.items + page2.items] == ["user2", "user1", "user0"]
    assert page2.next_key is None
    assert [v.user.username for v in followers.items] == ["user2", "user1", "user0"]
    assert followers.items[0].following_count == 1
    assert services.users.get("dana").followers_count == 3
