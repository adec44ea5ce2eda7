"""Error mapping: every status and problem code to its class, one-line messages, decoding."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

import pytest

import microblog
from microblog._failures import error_class, parse_retry_after

from .engine_support import BASE, MakeClient, problem

if TYPE_CHECKING:
    import responses

URL = f"{BASE}/api/v1/microposts/42"


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "bad_request", microblog.BadRequestError),
        (400, "invalid_cursor", microblog.BadRequestError),
        (400, "invalid_grant", microblog.AuthenticationError),
        (401, "unauthenticated", microblog.AuthenticationError),
        (403, "forbidden", microblog.PermissionDeniedError),
        (404, "not_found", microblog.NotFoundError),
        (409, "conflict", microblog.ConflictError),
        (409, "idempotency_in_progress", microblog.ConflictError),
        (412, "precondition_failed", microblog.PreconditionFailedError),
        (413, "payload_too_large", microblog.APIError),
        (415, "unsupported_media_type", microblog.APIError),
        (422, "validation_error", microblog.ValidationError),
        (422, "idempotency_key_reused", microblog.ValidationError),
        (429, "rate_limited", microblog.RateLimitError),
        (500, "internal_error", microblog.ServerError),
        (503, "unavailable", microblog.ServerError),
        (505, "http_version", microblog.ServerError),
    ],
)
def test_each_problem_maps_to_its_class(
    mock: responses.RequestsMock,
    make_client: MakeClient,
    status: int,
    code: str,
    cls: type[microblog.APIError],
) -> None:
    body = problem(status, code, detail="what happened")
    mock.add("GET", URL, status=status, json=body, headers={"X-Request-ID": "rid-7"})

    with pytest.raises(microblog.APIError) as caught:
        make_client(max_retries=0)._request("GET", "/api/v1/microposts/42")

    error = caught.value
    assert type(error) is cls
    assert (error.status_code, error.code, error.detail) == (status, code, "what happened")
    assert error.title == body["title"]
    assert error.request_id == "rid-7"
    assert error.headers["X-Request-ID"] == "rid-7"
    assert error.response is not None
    assert str(error) == f"{status} {code}: what happened (request id rid-7)"


def test_validation_errors_carry_their_pointers(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    pointers = [{"detail": "at most 255 characters", "pointer": "#/text"}]
    mock.add("GET", URL, status=422, json=problem(422, "validation_error", errors=pointers))

    with pytest.raises(microblog.ValidationError) as caught:
        make_client()._request("GET", "/api/v1/microposts/42")
    assert caught.value.errors == pointers


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html>Bad gateway</html>", "text/html"),
        ("", "text/plain"),
        ('["not", "a", "problem"]', "application/json"),
        ('{"code": 5, "detail": ["x"]}', "application/problem+json"),
    ],
)
def test_an_error_without_a_problem_body_still_maps_by_status(
    mock: responses.RequestsMock, make_client: MakeClient, body: str, content_type: str
) -> None:
    mock.add("GET", URL, status=404, body=body, content_type=content_type)

    with pytest.raises(microblog.NotFoundError) as caught:
        make_client()._request("GET", "/api/v1/microposts/42")

    sent_id = mock.calls[0].request.headers["X-Request-ID"]
    assert caught.value.code is None
    assert str(caught.value) == (
        f"404 error: the answer is not a microblog problem document ({content_type},"
        f" {len(body)} bytes): is {BASE} the microblog service's URL? (request id {sent_id})"
    )


def test_the_message_is_one_line_even_for_a_multiline_detail(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, status=409, json=problem(409, "conflict", detail="taken\n  by   eve"))

    with pytest.raises(microblog.ConflictError) as caught:
        make_client()._request("GET", "/api/v1/microposts/42")
    assert "\n" not in str(caught.value)
    assert "taken by eve" in str(caught.value)


def test_a_429_carries_retry_after(mock: responses.RequestsMock, make_client: MakeClient) -> None:
    mock.add(
        "GET",
        URL,
        status=429,
        json=problem(429, "rate_limited"),
        headers={"Retry-After": "12"},
    )
    with pytest.raises(microblog.RateLimitError) as caught:
        make_client(max_retries=0)._request("GET", "/api/v1/microposts/42")
    assert caught.value.retry_after == 12.0


@pytest.mark.parametrize(
    "body",
    [b"not json", b"\xff\xfe\x00garbage", b'{"truncated": ', b"<html></html>"],
)
def test_a_2xx_body_that_is_not_json_raises_a_decode_error(
    mock: responses.RequestsMock, make_client: MakeClient, body: bytes
) -> None:
    mock.add("GET", URL, status=200, body=body)

    with pytest.raises(microblog.ResponseDecodeError) as caught:
        make_client()._request("GET", "/api/v1/microposts/42")

    assert isinstance(caught.value, microblog.MicroblogError)
    assert caught.value.status_code == 200
    assert caught.value.request_id == mock.calls[0].request.headers["X-Request-ID"]
    assert isinstance(caught.value.__cause__, ValueError)


def test_an_empty_2xx_body_decodes_to_none(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("DELETE", URL, status=204)
    response = make_client()._request("DELETE", "/api/v1/microposts/42")
    assert (response.status_code, response.data) == (204, None)


def test_an_unexpected_redirect_status_is_an_api_error(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, status=304)  # a 304 the client did not ask for
    with pytest.raises(microblog.APIError) as caught:
        make_client(cache=False)._request("GET", "/api/v1/microposts/42")
    assert caught.value.status_code == 304


def test_every_error_class_is_a_microblog_error_and_no_builtin_is_shadowed() -> None:
    public = [getattr(microblog, name) for name in microblog.__all__]
    errors = [obj for obj in public if isinstance(obj, type) and issubclass(obj, Exception)]
    assert len(errors) == 18
    assert all(issubclass(cls, microblog.MicroblogError) for cls in errors)
    assert not {cls.__name__ for cls in errors} & set(dir(builtins))
    assert issubclass(microblog.APITimeoutError, microblog.APIConnectionError)


def test_an_error_built_without_a_request_id_says_so_briefly() -> None:
    assert str(microblog.ServerError(status_code=500)) == "500 error"


def test_the_mapping_prefers_the_problem_code_over_the_status() -> None:
    assert error_class(400, "invalid_grant") is microblog.AuthenticationError
    assert error_class(400, None) is microblog.BadRequestError
    assert error_class(418, "teapot") is microblog.APIError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("120", 120.0),
        (" 5 ", 5.0),
        ("1.5", None),
        ("tomorrow", None),
        ("", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0),
        ("Wed, 21 Oct 2015 07:28:00 -0000", None),  # naive: RFC 850 says GMT; unreadable
        ("Wed, 21 Oct 2015 07:26:00 GMT", 0.0),  # already past
    ],
)
def test_retry_after_parsing(value: str | None, expected: float | None) -> None:
    now = 1445412420.0  # 2015-10-21 07:27:00 UTC
    assert parse_retry_after(value, now=now) == expected


@pytest.mark.parametrize(("value", "error"), [(float("nan"), ValueError), (object(), TypeError)])
def test_a_body_json_cannot_encode_fails_before_any_request(
    mock: responses.RequestsMock, make_client: MakeClient, value: object, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        make_client()._request("POST", "/api/v1/microposts/42", json={"v": value})
    assert not isinstance(caught.value, microblog.MicroblogError)
    assert len(mock.calls) == 0
