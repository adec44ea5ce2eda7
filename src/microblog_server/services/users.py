"""Use cases on users: sign-up, profile, listing and deletion."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from microblog_server.domain import (
    FIRST_PAGE,
    UNSET,
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    Keyset,
    NotFound,
    PageRequest,
    PageResult,
    PreconditionFailed,
    Unset,
    User,
    UserCounts,
    UserView,
    WrongPassword,
    validate_bio,
    validate_display_name,
    validate_password,
    validate_username,
)
from microblog_server.services.paging import to_page
from microblog_server.services.preconditions import require_version
from microblog_server.services.token_cache import TokenCache, token_digest

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from microblog_server.services.clock import Clock
    from microblog_server.services.passwords import PasswordHasher
    from microblog_server.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["UserService", "present_users", "require_self", "require_user"]


def present_users(uow: UnitOfWork, users: list[User]) -> list[UserView]:
    """Add the derived counts to users with one batch of count queries."""
    counts = uow.users.counts([user.id for user in users])
    views = []
    for user in users:
        c = counts.get(user.id, UserCounts())
        views.append(UserView(user, c.followers_count, c.following_count, c.microposts_count))
    return views


def require_user(uow: UnitOfWork, username: str) -> User:
    """Return the user named ``username`` (case-insensitively) or raise ``NotFound``."""
    user = uow.users.get_by_username(username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def require_self(actor: User, owner: User) -> None:
    """Raise ``Forbidden`` unless the actor is the owner."""
    if actor.id != owner.id:
        raise Forbidden("you may only act on your own account")


class UserService:
    """Sign-up, look-up, listing, profile edits and deletion of users.

    Args:
        uow_factory: Opens a unit of work per use case.
        passwords: Hashes new passwords.
        clock: The time source.
        tokens: The authenticated-token cache shared with the auth service, told when a
            user is deleted; none kept when omitted.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        passwords: PasswordHasher,
        clock: Clock,
        *,
        tokens: TokenCache | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._passwords = passwords
        self._clock = clock
        self._tokens = tokens if tokens is not None else TokenCache(clock, seconds=0)

    def register(
        self, username: str, password: str, *, display_name: str | None = None, bio: str = ""
    ) -> UserView:
        """Sign up a user.

        Args:
            username: 3-30 characters of ``[A-Za-z0-9_]``, unique case-insensitively.
            password: 8-128 characters.
            display_name: Defaults to the username.
            bio: Free text.

        Returns:
            The new user, with zero counts.

        Raises:
            InvalidInput: A field breaks its rule.
            Conflict: The username is taken (in any letter case).
        """
        name = display_name if display_name is not None else username
        errors = [
            error
            for error in (
                validate_username(username),
                validate_password(password),
                validate_display_name(name),
                validate_bio(bio),
            )
            if error is not None
        ]
        if errors:
            raise InvalidInput(errors)
        password_hash = self._passwords.hash(password)
        with self._uow_factory() as uow:
            if uow.users.get_by_username(username) is not None:
                raise Conflict(f"username {username!r} is taken")
            user = uow.users.add(
                username=username,
                display_name=name,
                bio=bio,
                password_hash=password_hash,
                created_at=self._clock(),
            )
            uow.commit()
        return UserView(user, 0, 0, 0)

    def get(self, username: str) -> UserView:
        """Return a user with counts.

        Raises:
            NotFound: No such user.
        """
        with self._uow_factory(read_only=True) as uow:
            return present_users(uow, [require_user(uow, username)])[0]

    def get_by_id(self, user_id: int) -> UserView:
        """Return a user by id with counts (for ``/me``).

        Raises:
            NotFound: No such user.
        """
        with self._uow_factory(read_only=True) as uow:
            user = uow.users.get(user_id)
            if user is None:
                raise NotFound(f"no user with id {user_id}")
            return present_users(uow, [user])[0]

    def list(
        self,
        *,
        q: str | None = None,
        page: PageRequest = FIRST_PAGE,
    ) -> PageResult[UserView]:
        """List users newest first on ``(created_at, id)``.

        Args:
            q: Only usernames starting with this (case-insensitive).
            page: Which page.
        """
        with self._uow_factory(read_only=True) as uow:
            rows = uow.users.list(page, prefix=q or None)
            return to_page(rows, page, _user_key, lambda users: present_users(uow, users))

    def update(
        self,
        actor: User,
        username: str,
        *,
        display_name: str | Unset = UNSET,
        bio: str | Unset = UNSET,
        password: str | Unset = UNSET,
        current_password: str | Unset = UNSET,
        expected_versions: Collection[int] | None = None,
        keep_token: str | None = None,
    ) -> UserView:
        """Change the caller's own display name, bio or password (only the fields given).

        In this order: load (404), the caller's own profile (403), the precondition (412),
        the fields' rules (422), the current password (403 ``wrong_password``), then the
        new password's hash and the write: a refused request costs no new hash, and the
        hash is computed outside the write transaction (it would hold the write lock).

        Args:
            actor: The authenticated caller.
            username: Whose profile (must be the caller).
            display_name: New display name, or :data:`UNSET` to keep it.
            bio: New bio, or :data:`UNSET` to keep it.
            password: New password, or :data:`UNSET` to keep it.
            current_password: The password now; required with ``password``, so that a
                stolen token alone cannot take the account over.
            expected_versions: The versions the caller accepts (from ``If-Match``), or
                ``None`` for any.
            keep_token: The bearer token of this request: a password change revokes
                every other token of the user, this one keeps working.

        Raises:
            NotFound: No such user.
            Forbidden: Not the caller's own profile.
            PreconditionFailed: The profile's version is not one of ``expected_versions``.
            InvalidInput: A field breaks its rule, or ``current_password`` is missing.
            WrongPassword: ``current_password`` is not the password.
        """
        errors = [
            error
            for error in (
                None if isinstance(display_name, Unset) else validate_display_name(display_name),
                None if isinstance(bio, Unset) else validate_bio(bio),
                None if isinstance(password, Unset) else validate_password(password),
            )
            if error is not None
        ]
        new_hash = checked_hash = None
        if not isinstance(password, Unset):
            if isinstance(current_password, Unset):
                errors.append(
                    FieldError(
                        "the current password is required to set a new one",
                        pointer="#/current_password",
                    )
                )
            with self._uow_factory(read_only=True) as uow:
                user, _ = self._editable(uow, actor, username, expected_versions, errors)
            assert not isinstance(current_password, Unset)  # else InvalidInput above
            if not self._passwords.verify(user.password_hash, current_password):
                raise WrongPassword("the current password is wrong")
            checked_hash = user.password_hash
            new_hash = self._passwords.hash(password)
        with self._uow_factory() as uow:
            user, version = self._editable(uow, actor, username, expected_versions, errors)
            if checked_hash is not None and user.password_hash != checked_hash:
                raise WrongPassword("the password changed meanwhile")
            changed = replace(
                user,
                display_name=user.display_name if isinstance(display_name, Unset) else display_name,
                bio=user.bio if isinstance(bio, Unset) else bio,
            )
            if new_hash is not None:
                changed = replace(
                    changed,
                    password_hash=new_hash,
                    tokens_valid_after=self._clock(),
                    kept_token=None if keep_token is None else token_digest(keep_token),
                )
            if not uow.users.update(changed, expected_version=version):
                raise PreconditionFailed("the user changed since the version you have")
            uow.commit()
            view = present_users(uow, [require_user(uow, username)])[0]
        if new_hash is not None:
            self._tokens.forget_user(user.id)  # this process must not trust them either
        return view

    @staticmethod
    def _editable(
        uow: UnitOfWork,
        actor: User,
        username: str,
        expected_versions: Collection[int] | None,
        errors: Sequence[FieldError],
    ) -> tuple[User, int | None]:
        """Load the profile and check, in order: 404, 403, 412, then the fields (422).

        Returns:
            The user, and the version the write must still find (``None``: any).
        """
        user = require_user(uow, username)
        require_self(actor, user)
        version = require_version(user.version, expected_versions, "the user")
        if errors:
            raise InvalidInput([*errors])
        return user, version

    def delete(
        self, actor: User, username: str, *, expected_versions: Collection[int] | None = None
    ) -> None:
        """Delete the caller's own account, microposts and follows; their tokens stop working.

        One unit of work: load (404), the caller's own account (403), the precondition
        (412), then the delete.

        Raises:
            NotFound: No such user.
            Forbidden: Not the caller's own account.
            PreconditionFailed: The profile's version is not one of ``expected_versions``.
        """
        with self._uow_factory() as uow:
            user = require_user(uow, username)
            require_self(actor, user)
            require_version(user.version, expected_versions, "the user")
            uow.users.delete(user.id)
            uow.commit()
        self._tokens.forget_user(user.id)


def _user_key(user: User) -> Keyset:
    return Keyset(user.created_at, user.id)
