"""A realistic mix of microblog traffic for locust: mostly reads, some posts and follows.

Run against a service started with the demo data (``microblog-server seed``)::

    locust -f tests/load/locustfile.py --headless -u 200 -r 50 -t 60s \
        --host http://127.0.0.1:8000 --csv /tmp/load

Every demo user logs in once before the clients start (unmeasured); each simulated client
then acts as one of them: it reads timelines, collections, profiles and searches, posts
microposts (each with an Idempotency-Key), follows and unfollows. Any 4xx or 5xx counts
as a failure.
"""

from __future__ import annotations

import random
import uuid

import requests
from locust import HttpUser, between, constant, events, task
from locust.env import Environment

DEMO_PASSWORD = "microblog-demo"
#: The first user of the demo dataset; the others are listed through the API.
_BOOTSTRAP_USER = "ada"
_WORDS = ("pagination", "Argon2", "caching", "retries", "type hints", "the GIL", "REST")
_PAGE = {"size": "20"}

#: A token per demo user, made before the clients start (see ``_log_in_every_demo_user``).
_tokens: dict[str, str] = {}


def _token(host: str, username: str) -> str:
    form = {"grant_type": "password", "username": username, "password": DEMO_PASSWORD}
    response = requests.post(f"{host}/api/v1/token", data=form, timeout=60)
    response.raise_for_status()
    return str(response.json()["access_token"])


def _log_in_every_demo_user(environment: Environment, **_: object) -> None:
    # Logging in is deliberately expensive (Argon2): 200 clients logging in at once would
    # measure the password hash, not the mix. Each demo user logs in once, unmeasured.
    host = str(environment.host)
    bootstrap = _token(host, _BOOTSTRAP_USER)
    users = requests.get(
        f"{host}/api/v1/users",
        params={"size": "100"},
        headers={"Authorization": f"Bearer {bootstrap}"},
        timeout=60,
    )
    users.raise_for_status()
    for user in users.json()["result"]:
        _tokens[user["username"]] = _token(host, user["username"])


events.test_start.add_listener(_log_in_every_demo_user)  # type: ignore[no-untyped-call]


class MicroblogClient(HttpUser):
    """One person using the microblog: scrolls, searches, posts now and then."""

    wait_time = between(0.5, 1.5)

    username = _BOOTSTRAP_USER
    headers: dict[str, str]

    def on_start(self) -> None:
        """Be one of the demo users."""
        self.username = random.choice(list(_tokens))
        self.headers = {"Authorization": f"Bearer {_tokens[self.username]}"}

    def _someone_else(self) -> str:
        others = [name for name in _tokens if name != self.username]
        return random.choice(others)

    @task(30)
    def read_timeline(self) -> None:
        """The home page: the newest microposts of the people one follows."""
        self.client.get(
            f"/api/v1/users/{self.username}/timeline",
            params=_PAGE,
            headers=self.headers,
            name="/users/[u]/timeline",
        )

    @task(5)
    def scroll_timeline(self) -> None:
        """The home page, then the next page through its ``next`` link."""
        first = self.client.get(
            f"/api/v1/users/{self.username}/timeline",
            params=_PAGE,
            headers=self.headers,
            name="/users/[u]/timeline",
        )
        following = first.json().get("next") if first.ok else None
        if following:
            self.client.get(following, headers=self.headers, name="/users/[u]/timeline?cursor")

    @task(20)
    def read_collection(self) -> None:
        """Someone's profile page: their microposts."""
        self.client.get(
            f"/api/v1/users/{self._someone_else()}/collection",
            params=_PAGE,
            headers=self.headers,
            name="/users/[u]/collection",
        )

    @task(8)
    def read_profile(self) -> None:
        """Someone's user card."""
        self.client.get(
            f"/api/v1/users/{self._someone_else()}", headers=self.headers, name="/users/[u]"
        )

    @task(5)
    def read_followers(self) -> None:
        """Who follows someone."""
        self.client.get(
            f"/api/v1/users/{self._someone_else()}/followers",
            params=_PAGE,
            headers=self.headers,
            name="/users/[u]/followers",
        )

    @task(3)
    def read_me(self) -> None:
        """The caller's own user card."""
        self.client.get("/api/v1/me", headers=self.headers, name="/me")

    @task(10)
    def search(self) -> None:
        """A full-text search of microposts."""
        self.client.get(
            "/api/v1/search",
            params={"text": random.choice(_WORDS), "size": "20"},
            headers=self.headers,
            name="/search",
        )

    @task(3)
    def find_users(self) -> None:
        """Users by username prefix."""
        self.client.get(
            "/api/v1/users",
            params={"q": self._someone_else()[:2], "size": "20"},
            headers=self.headers,
            name="/users?q",
        )

    @task(10)
    def post(self) -> None:
        """A new micropost, mentioning someone now and then."""
        text = f"Load test note {uuid.uuid4().hex[:8]} for @{self._someone_else()}"
        self.client.post(
            f"/api/v1/users/{self.username}/collection",
            json={"text": text},
            headers=self.headers | {"Idempotency-Key": str(uuid.uuid4())},
            name="/users/[u]/collection POST",
        )

    @task(4)
    def follow(self) -> None:
        """Follow someone (201, or 200 when already followed)."""
        self.client.post(
            f"/api/v1/users/{self.username}/following",
            json={"username": self._someone_else()},
            headers=self.headers | {"Idempotency-Key": str(uuid.uuid4())},
            name="/users/[u]/following POST",
        )

    @task(2)
    def unfollow(self) -> None:
        """Stop following someone (204 even when not following)."""
        self.client.delete(
            f"/api/v1/users/{self.username}/following/{self._someone_else()}",
            headers=self.headers,
            name="/users/[u]/following/[f] DELETE",
        )


class SaturatingClient(MicroblogClient):
    """The same mix with no think time: measures capacity rather than a realistic crowd.

    Run it by naming it: ``locust -f tests/load/locustfile.py SaturatingClient ...``.
    """

    wait_time = constant(0)
