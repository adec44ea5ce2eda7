"""``client.microposts``: post, look up, list, search and read timelines."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from microblog._resources import _json
from microblog._resources._model import (
    Micropost,
    User,
    micropost_id_of,
    posts_of,
    timeline_of,
    username_of,
)
from microblog._resources._paths import route

if TYPE_CHECKING:
    from microblog._pagination import Pager
    from microblog._resources._base import Requester


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
            username=self._client._caller(),
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
        caller = self._client._caller()
        path, template = route(
            "/users/{username}/collection/batch", "microposts.create_many", username=caller
        )
        response = self._client._request("POST", path, json={"items": batch}, template=template)
        with _json.decoding(response):
            result = _json.as_object(response.data, "batch").get("result")
            if not isinstance(result, list):
                raise _json.malformed("batch result", result)
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
        username = self._client._caller() if author is None else username_of(author)
        return posts_of(self._client, username, size=size, limit=limit, cursor=cursor)

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
        caller = self._client._caller()
        return timeline_of(self._client, caller, size=size, limit=limit, cursor=cursor)

    def __repr__(self) -> str:
        return "<MicropostManager>"
