"""Microposts: the :class:`Micropost` resource and ``client.microposts``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime  # noqa: TC003 (typing.get_type_hints needs it at runtime)
from typing import TYPE_CHECKING, Any, ClassVar

from microblog._resources import _base
from microblog._resources._paths import Route, micropost_id_of, route, username_of
from microblog._resources.user import User

if TYPE_CHECKING:
    from microblog._pagination import Pager
    from microblog._resources._base import Requester

_REPR_TEXT = 22


def _mentions(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _base.malformed(what, value)
    return tuple(_base.as_str(name, what) for name in value)


@dataclass(slots=True, repr=False, eq=False, kw_only=True)
class Micropost(_base.Resource):
    """A micropost: up to 255 characters, optionally addressed to (``referenced``) a user.

    ``text`` and ``referenced`` are editable (assign, then :meth:`save`); every other
    field is read-only. ``user`` and ``referenced`` are plain usernames; :attr:`author`
    and :attr:`referenced_user` are the same people as lazy :class:`User` objects.

    Two microposts are equal when they have the same ``id`` (the same post on the
    service), whatever their field values: an edited, unsaved copy stays equal to the
    original, and both hash alike. ``repr`` shows unsaved edits. Copies
    (``copy.deepcopy``, ``pickle``) are detached from the client: see
    :meth:`~microblog.Micropost.to_dict` for a JSON export.
    """

    id: int
    user: str
    text: str
    referenced: str | None = None
    mentions: tuple[str, ...] = ()
    timestamp: datetime | None = None
    updated_at: datetime | None = None
    href: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    _EDITABLE: ClassVar[tuple[str, ...]] = ("text", "referenced")
    _CONVERTERS: ClassVar[Mapping[str, _base.Converter]] = {
        "id": _base.as_int,
        "user": _base.as_str,
        "text": _base.as_str,
        "referenced": _base.as_optional_str,
        "mentions": _mentions,
        "timestamp": _base.as_time,
        "updated_at": _base.as_time,
        "href": _base.as_optional_str,
    }

    def _path(self) -> Route:
        return route(
            "/users/{username}/collection/{id}",
            username=username_of(self.user),
            id=micropost_id_of(self.id),
        )

    @property
    def author(self) -> User:
        """The author as a lazy :class:`User` (a field other than ``username`` costs one GET)."""
        return self._user_named(self.user)

    @property
    def referenced_user(self) -> User | None:
        """The referenced user as a lazy :class:`User`, or ``None``."""
        return None if self.referenced is None else self._user_named(self.referenced)

    def _user_named(self, username: str) -> User:
        cached = self._related.get(username)
        if cached is None:
            # A hand-built or copied micropost has no client: its author's username still
            # costs nothing; another field of the author then says what is missing.
            cached = self._related[username] = User._lazy(self._client, username)
        return cached

    def __repr__(self) -> str:
        text = self.text
        if len(text) > _REPR_TEXT:
            text = text[:_REPR_TEXT].rstrip() + "…"
        return f"<Micropost {self.id} by {self.user}: {text!r}{self._unsaved()}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Micropost):
            return NotImplemented
        return self.id == other.id

    def __hash__(self) -> int:
        return hash((Micropost, self.id))


def _item(value: str | Mapping[str, Any]) -> dict[str, Any]:
    """One batch item, from a text or a ``{"text": ..., "referenced": ...}`` mapping."""
    if isinstance(value, str):
        return {"text": value}
    if not isinstance(value, Mapping) or not isinstance(value.get("text"), str):
        raise ValueError(f"a batch item is a text or a mapping with a 'text': {value!r:.80}")
    unknown = set(value) - {"text", "referenced"}
    if unknown:
        raise ValueError(f"unknown batch item keys: {sorted(unknown)}")
    item: dict[str, Any] = {"text": value["text"]}
    if value.get("referenced") is not None:
        item["referenced"] = username_of(value["referenced"])
    return item


class MicropostManager:
    """``client.microposts``: post, look up, list, search and read timelines.

    Wherever a micropost is named, a :class:`Micropost` or its id is accepted; wherever a
    user is, a :class:`User` or a username. Malformed ones raise :class:`ValueError`
    before any request.
    """

    __slots__ = ("_client",)

    def __init__(self, client: Requester) -> None:
        self._client = client

    def create(self, text: str, referenced: User | str | None = None) -> Micropost:
        """Post a micropost in the caller's collection.

        Args:
            text: 1-255 characters (the service checks).
            referenced: An optional addressee, a user or a username.
        """
        body: dict[str, Any] = {"text": text}
        if referenced is not None:
            body["referenced"] = username_of(referenced)
        path, template = route(
            "/users/{username}/collection",
            "microposts.create",
            username=self._client.users._caller(),
        )
        response = self._client._request("POST", path, json=body, template=template)
        return Micropost._from_response(self._client, response)

    def create_many(self, items: Iterable[str | Mapping[str, Any]]) -> list[Micropost]:
        """Post 1-100 microposts in one request (all or nothing).

        Args:
            items: Texts, or mappings with ``text`` and optionally ``referenced``.

        Raises:
            ValueError: a malformed item (not a text or a mapping with one), before any
                request. How many items a batch may hold is the service's rule (1-100
                today): an empty batch is its ``ValidationError``, a larger one its
                ``APIError`` 413.
        """
        batch = [_item(value) for value in items]
        caller = self._client.users._caller()
        path, template = route(
            "/users/{username}/collection/batch", "microposts.create_many", username=caller
        )
        response = self._client._request("POST", path, json={"items": batch}, template=template)
        with _base.decoding(response):
            result = _base.as_object(response.data, "batch").get("result")
            if not isinstance(result, list):
                raise _base.malformed("batch result", result)
            return [Micropost._from_data(self._client, item) for item in result]

    def get(self, micropost: Micropost | int | str) -> Micropost:
        """Fetch a micropost by id (or refetch a :class:`Micropost`)."""
        path, template = route("/microposts/{id}", "microposts.get", id=micropost_id_of(micropost))
        response = self._client._request("GET", path, template=template)
        return Micropost._from_response(self._client, response)

    def list(
        self,
        author: User | str | None = None,
        *,
        size: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Pager[Micropost]:
        """A user's microposts (default: the caller's), newest first; lazy over every page."""
        username = self._client.users._caller() if author is None else username_of(author)
        listing = route("/users/{username}/collection", "microposts.list", username=username)
        return Micropost._pager(self._client, listing, size=size, limit=limit, cursor=cursor)

    def search(
        self,
        text: str,
        *,
        username: str | None = None,
        size: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Pager[Micropost]:
        """Microposts containing ``text`` (3+ characters, any case); lazy over every page.

        ``username`` keeps those by usernames starting with it.

        Raises:
            ValueError: ``text`` or ``username`` is not a string, before any request.
        """
        if not isinstance(text, str) or (username is not None and not isinstance(username, str)):
            raise ValueError("search text and username prefix must be strings")
        params = {"text": text, "username": username or None}
        return Micropost._pager(
            self._client,
            route("/search", "microposts.search"),
            params=params,
            size=size,
            limit=limit,
            cursor=cursor,
        )

    def timeline(
        self, *, size: int | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Pager[Micropost]:
        """The caller's timeline, newest first; lazy over every page.

        The posts of the users the caller follows and those naming the caller, not the
        caller's own (see :meth:`list`).
        """
        return self._timeline_of(None, size=size, limit=limit, cursor=cursor)

    def _timeline_of(
        self, user: User | str | None, *, size: int | None, limit: int | None, cursor: str | None
    ) -> Pager[Micropost]:
        username = self._client.users._caller() if user is None else username_of(user)
        listing = route("/users/{username}/timeline", "microposts.timeline", username=username)
        return Micropost._pager(self._client, listing, size=size, limit=limit, cursor=cursor)

    def __repr__(self) -> str:
        return "<MicropostManager>"
