"""The service tests' client helper: sign up, log in and post through a ``TestClient``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

__all__ = ["PASSWORD", "Api"]

PASSWORD = "correct horse battery"


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

    def post_many(self, username: str, headers: dict[str, str], count: int) -> None:
        """Post ``count`` numbered microposts to ``username``'s collection."""
        items = [{"text": f"post {i}"} for i in range(count)]
        response = self.client.post(
            f"/api/v1/users/{username}/collection/batch", json={"items": items}, headers=headers
        )
        assert response.status_code == 201, response.text

    def get(self, path: str, headers: dict[str, str]) -> Any:
        """GET ``path`` (expecting 200) and return its JSON body."""
        response = self.client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()
