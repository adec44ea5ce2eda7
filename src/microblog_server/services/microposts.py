"""Use cases on a user's collection of microposts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from microblog_server.domain import (
    FIRST_PAGE,
    UNSET,
    FieldError,
    Forbidden,
    InvalidInput,
    Keyset,
    Micropost,
    MicropostDraft,
    NotFound,
    PageRequest,
    PageResult,
    PreconditionFailed,
    Unset,
    mentioned_usernames,
    username_key,
    validate_text,
)
from microblog_server.services.paging import to_page
from microblog_server.services.preconditions import require_version
from microblog_server.services.users import require_self, require_user

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from microblog_server.domain import User
    from microblog_server.services.clock import Clock
    from microblog_server.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["MAX_BATCH", "MicropostService", "micropost_key", "require_author"]

MAX_BATCH = 100


def micropost_key(micropost: Micropost) -> Keyset:
    """Return the keyset of a micropost: ``(timestamp, id)``."""
    return Keyset(micropost.timestamp, micropost.id)


class _Resolved:
    """A draft checked against the database: addressee and mentioned users found."""

    __slots__ = ("mentioned", "referenced", "text")

    def __init__(self, text: str, referenced: User | None, mentioned: list[User]) -> None:
        self.text = text
        self.referenced = referenced
        self.mentioned = mentioned

    @property
    def referenced_id(self) -> int | None:
        """The addressee's id, if any."""
        return None if self.referenced is None else self.referenced.id

    @property
    def mention_ids(self) -> list[int]:
        """The mentioned users' ids, in order."""
        return [user.id for user in self.mentioned]


class MicropostService:
    """Writing, reading, editing and deleting microposts in a user's collection.

    Args:
        uow_factory: Opens a unit of work per use case.
        clock: The time source.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def create(
        self, actor: User, username: str, text: str, referenced: str | None = None
    ) -> Micropost:
        """Post a micropost to the caller's own collection.

        Args:
            actor: The authenticated caller.
            username: Whose collection (must be the caller).
            text: 1-255 characters; ``@username`` words naming users become mentions.
            referenced: Username of an addressee, or ``None``.

        Raises:
            NotFound: No user ``username``.
            Forbidden: Not the caller's own collection.
            InvalidInput: Bad text (``#/text``) or unknown addressee (``#/referenced``).
        """
        return self._create(actor, username, [("#", MicropostDraft(text, referenced))])[0]

    def create_batch(
        self, actor: User, username: str, items: Sequence[MicropostDraft]
    ) -> list[Micropost]:
        """Post 1-100 microposts at once: all are stored, or none.

        Args:
            actor: The authenticated caller.
            username: Whose collection (must be the caller).
            items: The drafts, in order; they get increasing ids and the same timestamp.

        Returns:
            The stored microposts, in the order of ``items``.

        Raises:
            NotFound: No user ``username``.
            Forbidden: Not the caller's own collection.
            InvalidInput: Bad item count (``#/items``) or items, with pointers such as
                ``#/items/3/text`` for every broken rule.
        """
        if not 1 <= len(items) <= MAX_BATCH:
            raise InvalidInput([FieldError(f"1-{MAX_BATCH} items", pointer="#/items")])
        return self._create(
            actor, username, [(f"#/items/{i}", item) for i, item in enumerate(items)]
        )

    def _create(
        self, actor: User, username: str, drafts: list[tuple[str, MicropostDraft]]
    ) -> list[Micropost]:
        with self._uow_factory() as uow:
            # The caller posting to their own collection is the author: no look-up (a
            # statement in the write transaction). Had the caller just been deleted, the
            # insert's foreign key fails and the unit of work answers 404 all the same.
            own = username_key(username) == username_key(actor.username)
            author = actor if own else require_user(uow, username)
            require_self(actor, author)
            resolved = _resolve(uow, drafts)
            now = self._clock()
            posts = [
                uow.microposts.add(
                    author=author,
                    text=r.text,
                    referenced=r.referenced,
                    mentioned=r.mentioned,
                    created_at=now,
                )
                for r in resolved
            ]
            uow.commit()
            return posts

    def get(self, username: str, micropost_id: int) -> Micropost:
        """Return a micropost of ``username``'s collection.

        Raises:
            NotFound: No such user, no such micropost, or it belongs to someone else.
        """
        with self._uow_factory(read_only=True) as uow:
            return _require_owned(uow, username, micropost_id)

    def get_by_id(self, micropost_id: int) -> Micropost:
        """Return a micropost by id alone.

        Raises:
            NotFound: No such micropost.
        """
        with self._uow_factory(read_only=True) as uow:
            post = uow.microposts.get(micropost_id)
            if post is None:
                raise NotFound(f"no micropost {micropost_id}")
            return post

    def list_collection(
        self,
        username: str,
        *,
        page: PageRequest = FIRST_PAGE,
    ) -> PageResult[Micropost]:
        """List a user's microposts newest first on ``(timestamp, id)``.

        Raises:
            NotFound: No such user.
        """
        with self._uow_factory(read_only=True) as uow:
            author = require_user(uow, username)
            rows = uow.microposts.list_by_author(author.id, page)
            return to_page(rows, page, micropost_key, list)

    def update(
        self,
        actor: User,
        username: str,
        micropost_id: int,
        *,
        text: str | Unset = UNSET,
        referenced: str | Unset | None = UNSET,
        expected_versions: Collection[int] | None = None,
    ) -> Micropost:
        """Change any of text and addressee of a micropost (PUT, PATCH); mentions are recomputed.

        One unit of work: load (404), the author (403), the precondition (412), the new
        text and addressee (422), then the write.

        Args:
            actor: The authenticated caller.
            username: Whose collection (must be the caller).
            micropost_id: Which micropost.
            text: New text, or :data:`UNSET` to keep it.
            referenced: New addressee, ``None`` to clear it, :data:`UNSET` to keep it.
            expected_versions: The versions the caller accepts (from ``If-Match``), or
                ``None`` for any.

        Raises:
            NotFound: No such user or micropost under that user.
            Forbidden: The caller is not the author.
            PreconditionFailed: Its version is not one of ``expected_versions``.
            InvalidInput: Bad text or unknown addressee.
        """
        with self._uow_factory() as uow:
            post = _require_own_post(uow, actor, username, micropost_id)
            version = require_version(post.version, expected_versions, "the micropost")
            draft = MicropostDraft(
                post.text if isinstance(text, Unset) else text,
                post.referenced if isinstance(referenced, Unset) else referenced,
            )
            (r,) = _resolve(uow, [("#", draft)])
            if not uow.microposts.update(
                post.id,
                text=r.text,
                referenced_id=r.referenced_id,
                mention_ids=r.mention_ids,
                updated_at=self._clock(),
                expected_version=version,
            ):
                raise PreconditionFailed("the micropost changed since the version you have")
            uow.commit()
            return _require_owned(uow, username, micropost_id)

    def delete(
        self,
        actor: User,
        username: str,
        micropost_id: int,
        *,
        expected_versions: Collection[int] | None = None,
    ) -> None:
        """Delete a micropost of the caller's own collection.

        One unit of work: load (404), the author (403), the precondition (412), the delete.

        Raises:
            NotFound: No such user or micropost under that user.
            Forbidden: The caller is not the author.
            PreconditionFailed: Its version is not one of ``expected_versions``.
        """
        with self._uow_factory() as uow:
            post = _require_own_post(uow, actor, username, micropost_id)
            version = require_version(post.version, expected_versions, "the micropost")
            if not uow.microposts.delete(post.id, expected_version=version):
                raise PreconditionFailed("the micropost changed since the version you have")
            uow.commit()


def _require_owned(uow: UnitOfWork, username: str, micropost_id: int) -> Micropost:
    author = require_user(uow, username)
    post = uow.microposts.get(micropost_id)
    if post is None or post.author_id != author.id:
        raise NotFound(f"no micropost {micropost_id} in {username!r}'s collection")
    return post


def require_author(actor: User, post: Micropost) -> None:
    """Raise ``Forbidden`` unless the actor wrote the micropost (only authors change one)."""
    if actor.id != post.author_id:
        raise Forbidden("only the author may change a micropost")


def _require_own_post(uow: UnitOfWork, actor: User, username: str, micropost_id: int) -> Micropost:
    post = _require_owned(uow, username, micropost_id)
    require_author(actor, post)
    return post


def _resolve(uow: UnitOfWork, drafts: list[tuple[str, MicropostDraft]]) -> list[_Resolved]:
    """Validate drafts and look up every addressee and mention in one query."""
    errors: list[FieldError] = []
    names: set[str] = set()
    for prefix, draft in drafts:
        error = validate_text(draft.text, pointer=f"{prefix}/text")
        if error is not None:
            errors.append(error)
        else:
            names.update(mentioned_usernames(draft.text))
        if draft.referenced is not None:
            names.add(draft.referenced)
    users = uow.users.get_many_by_username(names) if names else {}
    resolved = []
    for prefix, draft in drafts:
        addressee = None
        if draft.referenced is not None:
            addressee = users.get(username_key(draft.referenced))
            if addressee is None:
                errors.append(FieldError("no such user", pointer=f"{prefix}/referenced"))
        mentioned = [
            users[username_key(name)]
            for name in mentioned_usernames(draft.text)
            if username_key(name) in users
        ]
        resolved.append(_Resolved(draft.text, addressee, mentioned))
    if errors:
        raise InvalidInput(errors)
    return resolved
