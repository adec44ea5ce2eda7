"""Whatever a server sends, the SDK raises a ``MicroblogError`` or returns: nothing else.

A fake server on 127.0.0.1 answers every request with a generated status, headers and
body (hypothesis draws them: absurd nesting, digits that are not ASCII, broken URLs in
``Location``, garbage ``Retry-After``/``RateLimit`` values, bodies of the wrong shape),
and each SDK operation (including a password login) is run against it. Retries wait on
a fake clock, so no example sleeps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import microblog
from tests.sdk.engine.engine_support import FakeTime
from tests.sdk.resources.resources_fakes import post_json, user_json

from .fake_server import Conn, FakeServer, Received


@dataclass
class Script:
    """What the server answers, changed by each example."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def answer(self, request: Received, conn: Conn) -> None:
        conn.respond(
            self.status, self.body, [*self.headers, ("Content-Length", str(len(self.body)))]
        )


@pytest.fixture(scope="module")
def scripted() -> Iterator[tuple[FakeServer, Script]]:
    script = Script()
    server = FakeServer(script.answer)
    yield server, script
    server.close()


WEIRD = [
    "",
    " ",
    "0",
    "-1",
    "1e9",
    "9" * 400,
    "\u00b2",
    "\u00b9\u00b2",
    "nan",
    "inf",
    "Wed, 21 Oct 2015 07:28:00 GMT",
    "Wed, 21 Oct 99999 07:28:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Mon, 01 Jan 0001 00:00:00 GMT",
    "http://[::1",
    "http://127.0.0.2:1/steal",
    "//127.0.0.2:1/x",
    "http://127.0.0.1:99999999/x",
    "/api/v1/me",
    "\u00e9\u00ff",
    '"default";r=0;t=1000000000',
    '"default";r=0;t=30',
    '"default";r=\u00b2;t=\u00b2',
    ";;;===,,,",
    "gzip",
    "application/json; charset=\u00ff",
]
latin1 = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=40
)
header_names = st.sampled_from(
    [
        "Retry-After",
        "RateLimit",
        "RateLimit-Policy",
        "RateLimit-Remaining",
        "RateLimit-Reset",
        "Location",
        "Content-Type",
        "Content-Encoding",
        "ETag",
        "X-Request-ID",
        "Set-Cookie",
    ]
)
headers = st.lists(st.tuples(header_names, st.sampled_from(WEIRD) | latin1), max_size=5)


def _nested(depth: int, opener: str = "[") -> bytes:
    closer = "]" if opener == "[" else "}"
    inner = '{"a":' if opener == "{" else "["
    return ((inner * depth) + "1" + (closer * depth)).encode()


jsonish = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | latin1,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(latin1, children, max_size=4),
    max_leaves=12,
)
shaped = st.sampled_from(["user", "post", "page", "problem", "token"]).flatmap(
    lambda kind: st.dictionaries(st.sampled_from(sorted(_SHAPES[kind])), jsonish, max_size=4).map(
        lambda changes: json.dumps({**_SHAPES[kind], **changes}, default=str).encode()
    )
)
_SHAPES: dict[str, dict[str, Any]] = {
    "user": user_json(),
    "post": post_json(),
    "page": {
        "result": [user_json()],
        "next": "http://127.0.0.2:1/api/v1/users?cursor=x",
        "previous": None,
    },
    "problem": {
        "type": "x",
        "title": "t",
        "status": 400,
        "detail": "d",
        "code": "idempotency_in_progress",
        "errors": [{"pointer": "#/x"}],
    },
    "token": {"access_token": "tok", "token_type": "bearer"},
}
bodies = st.one_of(
    st.binary(max_size=64),
    st.integers(1, 200_000).map(_nested),
    st.integers(1, 5_000).map(lambda d: _nested(d, "{")),
    jsonish.map(lambda v: json.dumps(v, default=str).encode()),
    shaped,
)
statuses = st.sampled_from(
    [200, 201, 204, 301, 302, 303, 304, 307, 308, 400, 401, 404, 409, 412, 422, 429, 500, 503]
) | st.integers(200, 599)


def _save(client: microblog.Client) -> object:
    user = client.users.get("dana")
    user.bio = "changed"
    return user.save()


Operation = Callable[[microblog.Client], object]
OPERATIONS: dict[str, Operation] = {
    "users.get": lambda c: c.users.get("dana"),
    "me": lambda c: c.me(),
    "microposts.get": lambda c: c.microposts.get(5),
    "users.list": lambda c: list(c.users.list(limit=5)),
    "microposts.create": lambda c: c.microposts.create("hi", referenced="bob"),
    "user.save": _save,
    "delete": lambda c: c.microposts.get(5).delete(),
}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    status=statuses,
    header_list=headers,
    body=bodies,
    operation=st.sampled_from(sorted(OPERATIONS)),
    login=st.booleans(),
)
def test_nothing_but_a_microblog_error_escapes(
    scripted: tuple[FakeServer, Script],
    status: int,
    header_list: list[tuple[str, str]],
    body: bytes,
    operation: str,
    login: bool,
) -> None:
    server, script = scripted
    script.status, script.headers, script.body = status, header_list, body
    fake = FakeTime()
    with microblog.Client(
        server.url,
        username="dana" if login else None,
        password="canary-pw" if login else None,
        token=None if login else "canary-token",
        max_retries=1,
        timeout=2.0,
        clock=fake.clock,
        sleep=fake.sleep,
    ) as client:
        try:
            OPERATIONS[operation](client)
        except microblog.MicroblogError as error:
            str(error)  # the message itself must build
            repr(error)
