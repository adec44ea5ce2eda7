"""The service against its own OpenAPI document, with schemathesis' default checks.

Every operation is called with generated (valid and invalid) data, authenticated as a
real user, and each response must conform: documented status, problem+json errors, the
declared schema, no 5xx.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from microblog_server.bootstrap import create_app
from microblog_server.settings import Settings

USERNAME, PASSWORD = "contract_user", "contract-password"


# A file database: the ASGI client runs the app's lifespan around calls, and an in-memory
# database would not outlive the first shutdown.
_DIRECTORY = tempfile.TemporaryDirectory(prefix="microblog-contract-")
APP = create_app(Settings.for_tests(database_url=f"sqlite:///{_DIRECTORY.name}/microblog.db"))
# The statuses api.md chooses on purpose where schemathesis' defaults expect others; the
# same file configures tests/contract/run_schemathesis.sh.
CONFIG = schemathesis.config.SchemathesisConfig.from_path(
    Path(__file__).with_name("schemathesis.toml")
)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP, config=CONFIG)


@pytest.fixture(scope="module", autouse=True)
def _remove_the_database() -> Iterator[None]:
    yield
    APP.state.services.close()
    _DIRECTORY.cleanup()


def bearer(app: FastAPI) -> dict[str, str]:
    """Sign up (again, if a generated call deleted the user) and log in."""
    client = TestClient(app)
    client.post("/api/v1/users", json={"username": USERNAME, "password": PASSWORD})
    token = client.post("/api/v1/token", data={"username": USERNAME, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@schema.parametrize()
@hypothesis.settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
)
def test_every_operation_honours_the_contract(case: Any) -> None:
    case.call_and_validate(headers=bearer(APP))
