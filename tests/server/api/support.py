"""Helpers shared by the API tests: the service tests' one client helper."""

from __future__ import annotations

from tests.server.api_client import PASSWORD, Api

__all__ = ["PASSWORD", "Api"]
