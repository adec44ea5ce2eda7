"""What the security tests share: the service tests' client helper, and the problem check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.server.api_client import PASSWORD, Api

if TYPE_CHECKING:
    from httpx2 import Response

__all__ = ["PASSWORD", "PROBLEM", "Api", "assert_problem"]

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
