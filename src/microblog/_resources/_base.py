"""What every resource shares: the client seam, loading from JSON, dirty tracking, laziness.

A resource is a slotted dataclass (see ``_model.py``) on top of
:class:`Resource`, which keeps the private state beside the declared fields: the client
that loaded it, the ETag it was loaded with, the snapshot of its editable fields (what
``save()`` diffs against) and whether it is loaded yet (a lazy object is not).

Copies (``pickle``, ``copy.copy``, ``copy.deepcopy``) carry the fields, the ETag and the
snapshot, never the client (its session, locks and token): a copy is *detached*.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping  # noqa: TC003 (typing.get_type_hints needs it at runtime)
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

from microblog._errors import MicroblogError, PreconditionFailedError
from microblog._pagination import Pager
from microblog._resources._json import as_object, decoding

if TYPE_CHECKING:
    from collections.abc import Iterator

    from microblog._decode import Answer
    from microblog._resources._paths import Route


class Requester(Protocol):
    """The part of ``microblog.Client`` that resources and pagers call."""

    @property
    def _username(self) -> str | None: ...

    def _caller(self) -> str:
        """The caller's username (known from the login, else asked once)."""

    def _password_changed(self, username: str, password: str) -> None: ...

    def _request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str | int | None] | None = None,
        json: Any = None,
        if_match: str | None = None,
        template: str | None = None,
    ) -> Answer: ...


_MISSING = object()
# What an ETag may be in an If-Match header: printable ASCII, no control characters.
_ETAG_TEXT = re.compile(r"[ -~]+")


def _json_ready(value: Any) -> Any:
    """A field's value as JSON: times as RFC 3339 text, tuples as lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json_ready(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    return value


def _restore(cls: type[Resource], state: tuple[Any, ...]) -> Resource:
    """Rebuild a copied resource, detached from any client (see :meth:`Resource.__reduce__`)."""
    fields, etag, loaded, snapshot = state
    obj = cls.__new__(cls)
    set_ = object.__setattr__
    for name, value in fields.items():
        set_(obj, name, value)
    set_(obj, "_client", None)
    set_(obj, "_etag", etag)
    set_(obj, "_related", {})
    set_(obj, "_loaded", loaded)
    set_(obj, "_snapshot", snapshot)
    return obj


Converter = Any  # Callable[[object, str], Any]; Any keeps the per-field tables short
_FIELD_NAMES: dict[type, frozenset[str]] = {}


_CONVERSIONS: dict[type, tuple[tuple[str, Converter, str], ...]] = {}


def _conversions(cls: type[Resource]) -> tuple[tuple[str, Converter, str], ...]:
    """Each converted field of a resource class with its converter and its error label."""
    found = _CONVERSIONS.get(cls)
    if found is None:
        found = _CONVERSIONS[cls] = tuple(
            (name, convert, f"{cls.__name__}.{name}") for name, convert in cls._CONVERTERS.items()
        )
    return found


class Resource:
    """Base of :class:`~microblog.User` and :class:`~microblog.Micropost`.

    Subclasses declare, besides their dataclass fields, which fields are editable
    (``save()`` sends those that changed) and how each JSON member is converted.
    Every other declared field is read-only.
    """

    __slots__ = ("_client", "_etag", "_loaded", "_related", "_snapshot")

    _EDITABLE: ClassVar[tuple[str, ...]] = ()
    _CONVERTERS: ClassVar[Mapping[str, Converter]] = {}

    _client: Requester | None
    _etag: str | None
    _loaded: bool
    _related: dict[str, Any]
    _snapshot: dict[str, Any]

    def __post_init__(self) -> None:
        """Finish an object built by hand: unbound, loaded, nothing changed yet."""
        self._bind(None, None)

    # -- loading -----------------------------------------------------------------------
    @classmethod
    def _from_data(cls, client: Requester | None, data: object, etag: str | None = None) -> Self:
        """Build a loaded object from a JSON representation (raises :class:`Malformed`)."""
        obj = cls.__new__(cls)
        obj._apply(data, etag)  # sets the fields, the ETag and the snapshot
        object.__setattr__(obj, "_client", client)
        object.__setattr__(obj, "_related", {})
        return obj

    @classmethod
    def _pager(
        cls,
        client: Requester,
        listing: Route,
        *,
        params: Mapping[str, str | int | None] | None = None,
        size: int | None,
        limit: int | None,
        cursor: str | None,
    ) -> Pager[Self]:
        """A lazy pager over a list endpoint whose items are this resource."""
        parse = functools.partial(cls._from_data, client)
        return Pager._over(
            client,
            listing.path,
            parse,
            params=params,
            size=size,
            limit=limit,
            cursor=cursor,
            template=listing.template,
        )

    @classmethod
    def _from_response(cls, client: Requester, response: Answer) -> Self:
        """Build a loaded object from an item response, with its ETag."""
        with decoding(response):
            return cls._from_data(client, response.data, response.etag)

    def _merge(self, response: Answer) -> None:
        with decoding(response):
            self._apply(response.data, response.etag)

    def _bind(self, client: Requester | None, etag: str | None) -> None:
        set_ = object.__setattr__
        set_(self, "_client", client)
        set_(self, "_etag", etag)
        set_(self, "_related", {})
        set_(self, "_loaded", True)  # noqa: FBT003
        set_(self, "_snapshot", {name: getattr(self, name) for name in self._EDITABLE})

    def _apply(self, data: object, etag: str | None) -> None:
        """Merge a JSON representation: known members into fields, the rest into ``extra``."""
        body = as_object(data, type(self).__name__)
        set_ = object.__setattr__
        extra = {key: value for key, value in body.items() if key not in self._CONVERTERS}
        for name, convert, what in _conversions(type(self)):
            set_(self, name, convert(body.get(name), what))
        set_(self, "extra", extra)
        set_(self, "_etag", etag)
        set_(self, "_loaded", True)  # noqa: FBT003
        set_(self, "_snapshot", {name: getattr(self, name) for name in self._EDITABLE})

    def _client_or_raise(self) -> Requester:
        client = self._client
        if client is None:
            raise ValueError(
                f"{self!r} is not bound to a client (built by hand, or a copy); load it"
                " through one, e.g. client.microposts.get(obj) or client.users.get(obj)"
            )
        return client

    def _path(self) -> Route:
        raise NotImplementedError

    def _fetch(self) -> None:
        path, template = self._path()
        template = template.named(f"{type(self).__name__.lower()}.refresh")
        self._merge(self._client_or_raise()._request("GET", path, template=template))

    # -- public actions ----------------------------------------------------------------
    @property
    def etag(self) -> str | None:
        """The ETag this object was loaded with (``None`` when loaded from a list)."""
        return self._etag

    def changes(self) -> dict[str, Any]:
        """Return the editable fields that differ from the loaded values."""
        if not self._loaded:
            return {}
        return {
            name: getattr(self, name)
            for name in self._EDITABLE
            if getattr(self, name) != self._snapshot[name]
        }

    def save(self, *, if_match: str | None = None) -> Self:
        """Send the fields that really changed (``PATCH`` with ``If-Match``) and merge the reply.

        A no-op, without a request, when nothing changed. An object loaded from a list
        carries no ETag, so its save is sent without ``If-Match`` (last write wins).

        Args:
            if_match: The ETag of the version the change was made on, when that is not
                the one this object was loaded with: a web app puts ``post.etag`` in
                its edit form and, when the form comes back in another request, saves
                the freshly loaded post with ``if_match=`` that ETag, so an edit made
                elsewhere meanwhile is a 412, not overwritten. Default: ``etag``.

        Returns:
            This object, updated from the service's representation.

        Raises:
            ValueError: an ``if_match`` that is not printable ASCII, before any request.
            microblog.PreconditionFailedError: the resource changed since it was loaded
                (or since ``if_match``); its ``current`` is the version the service has
                now (this object keeps its edits): apply them to that one, or
                ``refresh()`` and apply again.
        """
        etag = self._if_match(if_match)
        changed = self.changes()
        if changed:
            self._patch(changed, etag)
        return self

    def _if_match(self, if_match: str | None) -> str | None:
        """The ETag to send: ``if_match`` when given (checked), else the loaded one."""
        if if_match is None:
            return self._etag
        if not isinstance(if_match, str) or not _ETAG_TEXT.fullmatch(if_match):
            raise ValueError("if_match must be an ETag (printable ASCII), such as post.etag")
        return if_match

    def _patch(self, body: Mapping[str, Any], etag: str | None) -> None:
        client = self._client_or_raise()
        path, template = self._path()
        template = template.named(f"{type(self).__name__.lower()}.save")
        with self._handing_back_current():
            response = client._request(
                "PATCH", path, json=dict(body), if_match=etag, template=template
            )
        self._merge(response)

    @contextmanager
    def _handing_back_current(self) -> Iterator[None]:
        """On a lost ``If-Match`` race, fetch the current version into the error's ``current``."""
        try:
            yield
        except PreconditionFailedError as error:
            error.current = self._current()
            raise

    def _current(self) -> Self | None:
        """The service's current version of this resource as a new object, or None."""
        client = self._client_or_raise()
        path, template = self._path()
        try:
            return self._from_response(client, client._request("GET", path, template=template))
        except MicroblogError:  # deleted meanwhile, unreachable: nothing to hand back
            return None

    def refresh(self) -> Self:
        """Load the current representation, dropping unsaved changes.

        Returns:
            This object.
        """
        self._fetch()
        return self

    def delete(self, *, if_match: str | None = None) -> None:
        """Delete the resource (``DELETE`` with ``If-Match``).

        Args:
            if_match: The ETag of the version the caller decided on (see :meth:`save`);
                default: the one this object was loaded with.

        Raises:
            ValueError: an ``if_match`` that is not printable ASCII, before any request.
            microblog.PreconditionFailedError: the resource changed since it was loaded
                (or since ``if_match``); its ``current`` is the version the service has
                now.
        """
        etag = self._if_match(if_match)
        path, template = self._path()
        template = template.named(f"{type(self).__name__.lower()}.delete")
        with self._handing_back_current():
            self._client_or_raise()._request("DELETE", path, if_match=etag, template=template)

    # -- export and copies -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-ready dict, with any unsaved local edits.

        Times are RFC 3339 strings, related users are their usernames, ``mentions`` is a
        list and ``extra`` holds the members this SDK version does not know. Never sends
        a request: a lazy object gives only the fields it has (a lazy user: its
        ``username``).

        Returns:
            A new dict that ``json.dumps`` accepts.
        """
        return {
            name: _json_ready(value)
            for name in self._field_names_in_order()
            if (value := self._slot(name)) is not _MISSING
        }

    def _slot(self, name: str) -> Any:
        try:
            return object.__getattribute__(self, name)
        except AttributeError:  # a lazy object's field before loading
            return _MISSING

    def __reduce__(self) -> tuple[Any, ...]:
        # The client (session, locks, token) and the cached related users stay behind.
        fields = {
            name: value
            for name in self._field_names()
            if (value := self._slot(name)) is not _MISSING
        }
        state = (fields, self._etag, self._loaded, dict(self._snapshot))
        return (_restore, (type(self), state))

    def _unsaved(self) -> str:
        """`` (unsaved: text)`` when editable fields were changed locally, for ``repr``."""
        changed = self.changes()
        return f" (unsaved: {', '.join(changed)})" if changed else ""

    @classmethod
    def _field_names_in_order(cls) -> tuple[str, ...]:
        return tuple(field.name for field in dataclasses.fields(cls))  # type: ignore[arg-type]

    # -- attribute guard ---------------------------------------------------------------
    @classmethod
    def _field_names(cls) -> frozenset[str]:
        names = _FIELD_NAMES.get(cls)
        if names is None:
            fields = dataclasses.fields(cls)  # type: ignore[arg-type]
            names = _FIELD_NAMES[cls] = frozenset(field.name for field in fields)
        return names

    def __dir__(self) -> list[str]:
        actions = [name for name in dir(type(self)) if not name.startswith("_")]
        return sorted({*self._field_names(), *actions})

    if not TYPE_CHECKING:  # pragma: no branch (hidden from mypy: typos must fail type checks)

        def __setattr__(self, name: str, value: Any) -> None:
            try:
                object.__getattribute__(self, "_snapshot")
            except AttributeError:  # still in the dataclass __init__
                object.__setattr__(self, name, value)
                return
            if name not in self._EDITABLE:
                if name in self._field_names():
                    raise AttributeError(f"{type(self).__name__}.{name} is read-only")
                raise AttributeError(f"{type(self).__name__} has no field {name!r}")
            if not self._loaded:
                self._fetch()
            object.__setattr__(self, name, value)

        def __getattr__(self, name: str) -> Any:
            # Only reached when a slot is empty: a lazy object's fields before loading.
            if name not in self._field_names() or object.__getattribute__(self, "_loaded"):
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            self._fetch()
            return object.__getattribute__(self, name)
