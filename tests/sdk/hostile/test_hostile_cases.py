"""The eight ways a hostile server broke the SDK's promises (issue 10), over real sockets.

Each test runs a fake service on 127.0.0.1 (and, for "another host", one on 127.0.0.2)
and checks the promise end to end. Retries wait on the injected fake clock; only the
tests that must cut a real attempt in progress take real time, about a second each.
"""

from __future__ import annotations

import time
import tracemalloc
from typing import TYPE_CHECKING

import pytest

import microblog
from tests.sdk.engine.engine_support import problem
from tests.sdk.resources.resources_fakes import post_json, user_json

from .fake_server import Handler

PROBLEM = {"Content-Type": "application/problem+json"}

if TYPE_CHECKING:
    from tests.sdk.engine.engine_support import FakeTime

    from .conftest import MakeClient, Serve
    from .fake_server import Conn, Received

CANARY = "canary-password-5e1d"


def _nothing(request: Received, conn: Conn) -> None:
    conn.respond(200, {"stolen": True})


def _me_or(handler: Handler) -> Handler:
    """Answer ``GET /api/v1/me`` (asked before a create) as dana; the rest with ``handler``."""

    def handle(request: Received, conn: Conn) -> None:
        if request.path == "/api/v1/me":
            conn.respond(200, user_json())
        else:
            handler(request, conn)

    return handle


# -- 1. redirects to another origin are never followed ---------------------------------
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_login_redirected_to_another_host_sends_nothing_there(
    serve: Serve, make_client: MakeClient, status: int
) -> None:
    thief = serve(_nothing, host="127.0.0.2")

    def service(request: Received, conn: Conn) -> None:
        conn.respond(status, b"", {"Location": f"{thief.url}/steal"})

    home = serve(service)
    client = make_client(home.url, username="dana", password=CANARY)

    with pytest.raises(microblog.APIError) as raised:
        client.me()

    assert raised.value.status_code == status
    assert raised.value.headers["Location"] == f"{thief.url}/steal"
    assert thief.received == []
    assert home.paths() == ["POST /api/v1/token"]


def test_a_create_redirected_to_another_host_is_not_resent(
    serve: Serve, make_client: MakeClient
) -> None:
    thief = serve(_nothing, host="127.0.0.2")
    home = serve(_me_or(lambda r, c: c.respond(307, b"", {"Location": f"{thief.url}/x"})))
    client = make_client(home.url)

    with pytest.raises(microblog.APIError) as raised:
        client.microposts.create("a private text")

    assert raised.value.status_code == 307
    assert thief.received == []
    assert home.paths() == ["GET /api/v1/me", "POST /api/v1/users/dana/collection"]


def test_a_get_redirected_to_another_host_never_becomes_a_resource(
    serve: Serve, make_client: MakeClient
) -> None:
    thief = serve(lambda r, c: c.respond(200, user_json("mallory")), host="127.0.0.2")
    home = serve(lambda r, c: c.respond(302, b"", {"Location": f"{thief.url}/api/v1/users/x"}))
    client = make_client(home.url)

    with pytest.raises(microblog.APIError) as raised:
        client.users.get("dana")

    assert raised.value.status_code == 302
    assert thief.received == []


def test_a_same_origin_redirect_is_followed_for_a_get(
    serve: Serve, make_client: MakeClient
) -> None:
    def service(request: Received, conn: Conn) -> None:
        if request.path == "/api/v1/users/old":
            conn.respond(301, b"", {"Location": "/api/v1/users/dana"})
        else:
            conn.respond(200, user_json())

    home = serve(service)
    user = make_client(home.url).users.get("old")

    assert user.username == "dana"
    assert home.paths() == ["GET /api/v1/users/old", "GET /api/v1/users/dana"]


@pytest.mark.parametrize("status", [302, 307, 308])
def test_a_same_origin_redirect_of_a_write_is_raised_not_resent(
    serve: Serve, make_client: MakeClient, status: int
) -> None:
    home = serve(_me_or(lambda r, c: c.respond(status, b"", {"Location": "/api/v1/elsewhere"})))
    client = make_client(home.url)

    with pytest.raises(microblog.APIError) as raised:
        client.microposts.create("hi")

    assert raised.value.status_code == status
    assert home.paths() == ["GET /api/v1/me", "POST /api/v1/users/dana/collection"]


# -- 2. every call ends ----------------------------------------------------------------
def _trickling(request: Received, conn: Conn) -> None:
    conn.send(
        conn.head(200, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
    )
    conn.trickle(b" ", every=0.1)


def _trickling_head(request: Received, conn: Conn) -> None:
    # A status line, then one header that never ends, a byte at a time: every wait for
    # the next byte is far under the read timeout, so only the deadline can end it.
    conn.send(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    conn.trickle(b"a", every=0.05, chunked=False)


@pytest.mark.parametrize(
    ("answer", "timeout", "deadline"),
    [
        (_trickling, 5.0, 1.0),
        (lambda r, c: c.hang(), 30.0, 0.5),
        (_trickling_head, 5.0, 1.0),
    ],
    ids=["body-trickles-for-ever", "head-never-comes", "head-trickles-for-ever"],
)
def test_the_deadline_cuts_an_attempt_in_progress(
    serve: Serve, make_client: MakeClient, answer: Handler, timeout: float, deadline: float
) -> None:
    home = serve(answer)
    client = make_client(
        home.url, timeout=timeout, retry=microblog.Retry(deadline=deadline), clock=time.monotonic
    )

    started = time.monotonic()
    with pytest.raises(microblog.APITimeoutError, match="deadline"):
        client.microposts.get(5)

    assert time.monotonic() - started < deadline + 2.0
    assert len(home.received) == 1  # cut at the deadline: no retry after it


def test_the_default_policy_has_a_finite_deadline() -> None:
    assert microblog.Retry().deadline == 120.0
    assert microblog.Retry(deadline=None).deadline is None


def test_retry_after_on_every_answer_never_waits_past_the_default_deadline(
    serve: Serve, make_client: MakeClient, fake_time: FakeTime
) -> None:
    home = serve(
        lambda r, c: c.respond(503, problem(503, "unavailable"), {"Retry-After": "60", **PROBLEM})
    )
    client = make_client(home.url, retry=microblog.Retry())

    with pytest.raises(microblog.ServerError):
        client.microposts.get(5)

    assert sum(fake_time.sleeps) <= 120.0
    assert fake_time.sleeps == [60.0]  # a second wait would end at the deadline


# -- 3. bounded bodies -----------------------------------------------------------------
def test_a_body_announced_past_the_bound_is_not_read(serve: Serve, make_client: MakeClient) -> None:
    def service(request: Received, conn: Conn) -> None:
        conn.send(
            conn.head(
                200, [("Content-Type", "application/json"), ("Content-Length", str(2 * 2**30))]
            )
        )
        conn.trickle(b"0" * 65536, every=0.01, chunked=False)

    home = serve(service)
    client = make_client(home.url, max_response_bytes=2**20)

    with pytest.raises(microblog.ResponseTooLargeError) as raised:
        client.microposts.get(5)

    assert isinstance(raised.value, microblog.MicroblogError)
    assert len(home.received) == 1


def test_a_streamed_body_past_the_bound_stops_being_read_and_memory_stays_bounded(
    serve: Serve, make_client: MakeClient
) -> None:
    def service(request: Received, conn: Conn) -> None:
        conn.send(
            conn.head(200, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
        )
        conn.trickle(b"[" * 65536, every=0.0005)

    home = serve(service)
    client = make_client(home.url, max_response_bytes=2**20)

    tracemalloc.start()
    try:
        with pytest.raises(microblog.ResponseTooLargeError):
            client.microposts.get(5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 8 * 2**20
    assert microblog.Client("http://127.0.0.1:1").max_response_bytes == 16 * 2**20


# -- 4. a timeout after sending is "maybe applied" -------------------------------------
def test_a_patch_whose_answer_times_out_in_the_body_is_sent_once(
    serve: Serve, make_client: MakeClient
) -> None:
    def service(request: Received, conn: Conn) -> None:
        if request.method == "GET":
            conn.respond(200, user_json(), {"ETag": '"v1"'})
        else:
            conn.send(
                conn.head(200, [("Content-Type", "application/json"), ("Content-Length", "100")])
            )
            conn.hang()

    home = serve(service)
    client = make_client(home.url, timeout=microblog.Timeout(connect=2, read=0.3))
    user = client.users.get("dana")
    user.display_name = "Dana D."

    with pytest.raises(microblog.APITimeoutError):
        user.save()

    assert home.paths() == ["GET /api/v1/users/dana", "PATCH /api/v1/users/dana"]


def test_a_get_whose_body_is_cut_short_is_retried(
    serve: Serve, make_client: MakeClient, fake_time: FakeTime
) -> None:
    def service(request: Received, conn: Conn) -> None:
        if len(home.received) == 1:
            conn.send(conn.head(200, [("Content-Length", "100")]) + b'{"id"')
            conn.drop()
        else:
            conn.respond(200, post_json(user="dana"))

    home = serve(service)
    post = make_client(home.url).microposts.get(5)

    assert post.id == 5
    assert len(home.received) == 2


# -- 5. one header never bricks the client ---------------------------------------------
def test_an_absurd_rate_limit_reset_does_not_stop_later_calls(
    serve: Serve, make_client: MakeClient, fake_time: FakeTime
) -> None:
    spent = {"RateLimit": '"default";r=0;t=1000000000', "RateLimit-Policy": '"default";q=100;w=60'}
    home = serve(lambda r, c: c.respond(200, post_json(user="dana"), spent))
    client = make_client(home.url)

    client.microposts.get(5)
    client.microposts.get(5)
    client.microposts.get(5)

    assert len(home.received) == 3
    assert fake_time.sleeps == []


# -- 6. a next link to another origin is a MicroblogError ------------------------------
def test_a_next_link_to_another_origin_raises_pagination_error(
    serve: Serve, make_client: MakeClient
) -> None:
    thief = serve(_nothing, host="127.0.0.2")
    page: dict[str, object] = {
        "result": [],
        "next": f"{thief.url}/api/v1/users?cursor=x",
        "previous": None,
    }
    home = serve(lambda r, c: c.respond(200, page))

    with pytest.raises(microblog.PaginationError):
        list(make_client(home.url).users.list())

    assert thief.received == []


@pytest.mark.parametrize("link", ["http://[::1", "http://127.0.0.1:99999/x", "http://[fe80::1%x]/"])
def test_a_next_link_that_is_not_a_url_raises_pagination_error(
    serve: Serve, make_client: MakeClient, link: str
) -> None:
    home = serve(lambda r, c: c.respond(200, {"result": [], "next": link, "previous": None}))

    with pytest.raises(microblog.PaginationError):
        list(make_client(home.url).users.list())


# -- every failure is a MicroblogError: a token that cannot be a header ---------------
@pytest.mark.parametrize("token", ["abc\r\nX-Evil: 1", "abc\n", "t\u2028k", "t\u00e9", " ", 5])
def test_a_login_answer_whose_token_cannot_be_sent_is_a_decode_error(
    serve: Serve, make_client: MakeClient, token: object
) -> None:
    def handle(request: Received, conn: Conn) -> None:
        if request.path == "/api/v1/token":
            conn.respond(200, {"access_token": token, "token_type": "bearer"})
        else:
            conn.respond(200, user_json())

    home = serve(handle)
    client = make_client(home.url, username="dana", password=CANARY)

    with pytest.raises(microblog.ResponseDecodeError, match="access_token"):
        client.me()

    assert [request.path for request in home.received] == ["/api/v1/token"]


# -- 7. 409 idempotency_in_progress is waited out --------------------------------------
def test_a_create_still_in_progress_is_retried_after_retry_after_with_the_same_key(
    serve: Serve, make_client: MakeClient, fake_time: FakeTime
) -> None:
    def service(request: Received, conn: Conn) -> None:
        if len(home.received) == 2:
            body = problem(409, "idempotency_in_progress")
            conn.respond(409, body, {"Retry-After": "2", **PROBLEM})
        else:
            conn.respond(201, post_json(user="dana"))

    home = serve(_me_or(service))
    post = make_client(home.url).microposts.create("hello")

    assert post.id == 5
    posts = [r for r in home.received if r.method == "POST"]
    keys = {r.header("Idempotency-Key") for r in posts}
    assert len(posts) == 2
    assert len(keys) == 1
    assert None not in keys
    assert fake_time.sleeps == [2.0]


# -- 8. the service's rules stay on the service ----------------------------------------
def test_a_username_the_service_refuses_reaches_the_service(
    serve: Serve, make_client: MakeClient
) -> None:
    def service(request: Received, conn: Conn) -> None:
        if request.method == "POST":
            body = problem(
                422, "validation_failed", errors=[{"detail": "too short", "pointer": "#/username"}]
            )
        else:
            body = problem(404, "not_found")
        conn.respond(422 if request.method == "POST" else 404, body, PROBLEM)

    home = serve(service)
    client = make_client(home.url)

    with pytest.raises(microblog.ValidationError) as raised:
        client.users.create(username="x", password="long-enough-password")
    with pytest.raises(microblog.NotFoundError):
        client.users.get("ab")

    assert raised.value.errors[0]["pointer"] == "#/username"
    assert home.paths() == ["POST /api/v1/users", "GET /api/v1/users/ab"]


def test_a_retry_after_past_the_cap_raises_for_that_call_only(
    serve: Serve, make_client: MakeClient, fake_time: FakeTime
) -> None:
    spent = {"Retry-After": "1000000000", "RateLimit": '"default";r=0;t=1000000000', **PROBLEM}

    def service(request: Received, conn: Conn) -> None:
        if len(home.received) == 1:
            conn.respond(429, problem(429, "rate_limited"), spent)
        else:
            conn.respond(200, post_json(user="dana"))

    home = serve(service)
    client = make_client(home.url)

    with pytest.raises(microblog.RateLimitError) as raised:
        client.microposts.get(5)
    assert raised.value.retry_after == 1e9
    assert client.microposts.get(5).id == 5

    assert len(home.received) == 2
    assert fake_time.sleeps == []
