"""What the security tests share: a client with sign-up and login, and the problem check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from httpx2 import Response

__all__ = ["PASSWORD", "PROBLEM", "Api", "assert_problem"]

PASSWORD = "Tr0ub4dor-and-3"
PROBLEM = "application/problem+json"


def assert_problem(response: Response, status: int, code: str) -> dict[str, Any]:
    """Check that ``response`` is a problem of ``status`` and ``code`` with no stack trace."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    return body


@dataclass
class Api:
    """A test client with helpers that sign up, log in and post."""

    client: TestClient

    def sign_up(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        """Create a user and return the headers that authenticate as them."""
        created = self.client.post(
            "/api/v1/users", json={"username": username, "password": password}
        )
        assert created.status_code == 201, created.text
        return self.login(username, password)

    def login(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        """Log in and return the ``Authorization`` header of a new token."""
        response = self.client.post(
            "/api/v1/token", data={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def post(self, username: str, headers: dict[str, str], text: str) -> dict[str, Any]:
        """Post a micropost to ``username``'s collection and return it."""
        response = self.client.post(
            f"/api/v1/users/{username}/collection", json={"text": text}, headers=headers
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def get(self, path: str, headers: dict[str, str]) -> Any:
        """GET ``path`` (expecting 200) and return its JSON body."""
        response = self.client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()
