"""The app without a browser: the pinned script, https cookies, several processes, failures."""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from typing import TYPE_CHECKING

import pytest
import requests
from requests.adapters import HTTPAdapter
from starlette.testclient import TestClient

import microblog
from microblog_web import build_app
from microblog_web.app import ASSETS, client_for, integrity
from microblog_web.session import COOKIE, Signer

from .web_support import PASSWORD, SECRET, serving

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from .web_support import RunningSite

# The pinned script: changing static/site.js means changing this hash and ASSETS on purpose.
SITE_JS_SHA256 = "7150e3d7d5d28c6c32b1c0a5b5f2295221ae194f5516dce3c31fe894f6f53156"


@pytest.fixture(scope="module")
def site() -> Iterator[RunningSite]:
    with serving() as running:
        yield running


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def log_in(client: TestClient, username: str) -> None:
    form = {"csrf": csrf_of(client.get("/login").text), "username": username}
    answer = client.post("/login", data=form | {"password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def test_the_script_is_the_pinned_file_and_the_page_asks_for_that_hash() -> None:
    data = (resources.files("microblog_web") / "static" / "site.js").read_bytes()

    assert hashlib.sha256(data).hexdigest() == SITE_JS_SHA256
    assert ASSETS["site.js"] == integrity(data)


def test_the_page_loads_the_script_with_its_integrity_hash(site: RunningSite) -> None:
    with TestClient(build_app(site.api.url, secret=SECRET)) as client:
        html = client.get("/login").text

    assert f'src="/static/site.js" integrity="{ASSETS["site.js"]}"' in html
    assert "<script>" not in html  # no inline script at all


def test_over_https_the_cookie_is_secure(site: RunningSite) -> None:
    app = build_app(site.api.url, secret=SECRET)
    with TestClient(app, base_url="https://testserver") as client:
        cookie = client.get("/login").headers["set-cookie"]

    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def test_two_processes_with_one_secret_behave_as_one(site: RunningSite) -> None:
    username = site.user()
    first = TestClient(build_app(site.api.url, secret=SECRET), base_url="http://127.0.0.1")
    second = TestClient(build_app(site.api.url, secret=SECRET), base_url="http://127.0.0.1")
    other = TestClient(build_app(site.api.url, secret="another"), base_url="http://127.0.0.1")
    with first, second, other:
        log_in(first, username)
        cookie = first.cookies[COOKIE]
        second.cookies[COOKIE] = cookie
        other.cookies[COOKIE] = cookie

        home = second.get("/")
        token = csrf_of(home.text)
        posted = second.post("/posts", data={"csrf": token, "text": "via the second process"})
        elsewhere = other.get("/")

    assert "Log out" in home.text
    assert posted.status_code == 200
    assert "via the second process" in posted.text
    assert "Log out" not in elsewhere.text  # another secret: the cookie means nothing


def test_a_revoked_token_sends_the_person_to_log_in_again(site: RunningSite) -> None:
    username = site.user()
    with TestClient(build_app(site.api.url, secret=SECRET), base_url="http://127.0.0.1") as client:
        log_in(client, username)
        token = Signer(SECRET).read(client.cookies[COOKIE]).token
        assert token is not None
        microblog.Client(site.api.url, token=token).logout()

        answer = client.get("/", follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert Signer(SECRET).read(answer.cookies[COOKIE]).username is None


@pytest.mark.parametrize(
    ("status", "retry_after", "shown"),
    [(503, "7", 503), (429, "30", 429)],
)
def test_a_busy_service_says_when_to_try_again(
    site: RunningSite, status: int, retry_after: str, shown: int
) -> None:
    username = site.user()
    with TestClient(build_app(site.api.url, secret=SECRET), base_url="http://127.0.0.1") as client:
        log_in(client, username)
        site.api.inject(status, path="/api/v1/users/", headers={"Retry-After": retry_after})
        try:
            answer = client.get("/")
        finally:
            site.api.clear_faults()

    assert answer.status_code == shown
    assert f"The service is busy: try again in {retry_after} seconds" in answer.text
    assert answer.headers["retry-after"] == retry_after


def test_an_unreachable_service_is_busy_too() -> None:
    with TestClient(build_app("http://127.0.0.1:9", secret=SECRET)) as client:
        answer = client.post(
            "/login", data={"csrf": csrf_of(client.get("/login").text), "username": "dana"}
        )

    assert answer.status_code == 503
    assert "The service is busy: try again in" in answer.text


def test_a_post_to_a_new_visitor_without_a_cookie_is_refused(site: RunningSite) -> None:
    with TestClient(build_app(site.api.url, secret=SECRET)) as client:
        answer = client.post("/signup", data={"username": "nobody_here", "password": PASSWORD})

    assert answer.status_code == 403
    with pytest.raises(microblog.NotFoundError):
        with microblog.Client(site.api.url, username=site.user(), password=PASSWORD) as c:
            c.users.get("nobody_here")


@pytest.mark.parametrize("path", ["/users/someone", "/users/a/followers", "/search?text=abc"])
def test_a_visitor_not_logged_in_reads_nothing_even_with_a_token_in_the_environment(
    site: RunningSite, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    # The shared client reads $MICROBLOG_TOKEN like any Client: it must not read for visitors.
    monkeypatch.setenv("MICROBLOG_TOKEN", site.api.token_for(site.user(), PASSWORD))
    with TestClient(build_app(site.api.url, secret=SECRET)) as client:
        answer = client.get(path, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"


@pytest.mark.parametrize("path", ["/users/%2E%2E", "/users/%2E%2E/followers", "/posts/0/edit"])
def test_a_name_or_id_the_sdk_refuses_is_not_found(site: RunningSite, path: str) -> None:
    with TestClient(build_app(site.api.url, secret=SECRET), base_url="http://127.0.0.1") as client:
        log_in(client, site.user())
        answer = client.get(path)

    assert answer.status_code == 404
    assert "There is no such user or post." in answer.text


def test_a_search_too_short_says_the_services_rule(site: RunningSite) -> None:
    with TestClient(build_app(site.api.url, secret=SECRET), base_url="http://127.0.0.1") as client:
        log_in(client, site.user())
        answer = client.get("/search", params={"text": "ab"})

    assert answer.status_code == 422
    assert 'role="alert">String should have at least 3 characters' in answer.text


class CountingAdapter(HTTPAdapter):
    """A transport adapter that records the method and path of every request to the service."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Mapping[str, object]
    ) -> requests.Response:
        self.sent.append(f"{request.method} {request.path_url.partition('?')[0]}")
        return super().send(request, **kwargs)  # type: ignore[arg-type]


def test_a_post_from_the_site_costs_one_request_to_the_service(site: RunningSite) -> None:
    username = site.user()
    adapter = CountingAdapter()
    session = requests.Session()
    session.mount("http://", adapter)
    with (
        microblog.Client(site.api.url, anonymous=True, session=session) as shared,
        TestClient(
            build_app(site.api.url, secret=SECRET, client=shared), base_url="http://127.0.0.1"
        ) as client,
    ):
        log_in(client, username)
        csrf = csrf_of(client.get("/").text)
        adapter.sent.clear()

        answer = client.post("/posts", data={"csrf": csrf, "text": "hi"}, follow_redirects=False)

    assert answer.status_code == 303
    assert adapter.sent == [f"POST /api/v1/users/{username}/collection"]


def test_the_shared_client_is_anonymous_whatever_the_environment_holds(
    site: RunningSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROBLOG_TOKEN", site.api.token_for(site.user(), PASSWORD))

    with client_for(site.api.url) as shared:
        assert "auth=None" in repr(shared)
        with pytest.raises(microblog.AuthenticationError):
            shared.me()
