"""Use cases on following: follow, unfollow, and the two lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from microblog_server.domain import (
    FIRST_PAGE,
    FieldError,
    InvalidInput,
    Keyset,
    PageRequest,
    PageResult,
    UserView,
)
from microblog_server.services.paging import to_page
from microblog_server.services.users import present_users, require_self, require_user

if TYPE_CHECKING:
    from microblog_server.domain import Follow, User
    from microblog_server.services.clock import Clock
    from microblog_server.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["FollowOutcome", "FollowService"]


@dataclass(frozen=True, slots=True)
class FollowOutcome:
    """The result of a follow.

    Attributes:
        created: ``True`` when the follow is new (201), ``False`` when it existed (200).
        followed: The followed user, with counts after the change.
    """

    created: bool
    followed: UserView


class FollowService:
    """Following and unfollowing, and listing who follows whom.

    Args:
        uow_factory: Opens a unit of work per use case.
        clock: The time source.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def follow(self, actor: User, username: str, target: str) -> FollowOutcome:
        """Make ``username`` (the caller) follow ``target``.

        Raises:
            NotFound: ``username`` or ``target`` does not exist.
            Forbidden: ``username`` is not the caller.
            InvalidInput: Following oneself (``#/username``).
        """
        with self._uow_factory() as uow:
            follower = require_user(uow, username)
            require_self(actor, follower)
            followed = require_user(uow, target)
            if followed.id == follower.id:
                raise InvalidInput([FieldError("you cannot follow yourself", pointer="#/username")])
            created = uow.follows.add(follower.id, followed.id, created_at=self._clock())
            uow.commit()
            return FollowOutcome(created, present_users(uow, [followed])[0])

    def unfollow(self, actor: User, username: str, target: str) -> None:
        """Make ``username`` (the caller) stop following ``target``; fine if it did not.

        Raises:
            NotFound: ``username`` or ``target`` does not exist.
            Forbidden: ``username`` is not the caller.
        """
        with self._uow_factory() as uow:
            follower = require_user(uow, username)
            require_self(actor, follower)
            followed = require_user(uow, target)
            uow.follows.remove(follower.id, followed.id)
            uow.commit()

    def following(
        self,
        username: str,
        *,
        page: PageRequest = FIRST_PAGE,
    ) -> PageResult[UserView]:
        """List the users ``username`` follows, most recent follow first.

        The keyset is ``(since, user id)`` of the follow edge.

        Raises:
            NotFound: No such user.
        """
        return self._edges(username, "following", page)

    def followers(
        self,
        username: str,
        *,
        page: PageRequest = FIRST_PAGE,
    ) -> PageResult[UserView]:
        """List the users following ``username``, most recent follow first.

        Raises:
            NotFound: No such user.
        """
        return self._edges(username, "followers", page)

    def _edges(
        self,
        username: str,
        direction: Literal["following", "followers"],
        page: PageRequest,
    ) -> PageResult[UserView]:
        with self._uow_factory(read_only=True) as uow:
            user = require_user(uow, username)
            edges = uow.follows.following if direction == "following" else uow.follows.followers
            rows = edges(user.id, page)
            return to_page(rows, page, _follow_key, lambda follows: _present(uow, follows))


def _follow_key(follow: Follow) -> Keyset:
    return Keyset(follow.since, follow.user.id)


def _present(uow: UnitOfWork, follows: list[Follow]) -> list[UserView]:
    return present_users(uow, [follow.user for follow in follows])
