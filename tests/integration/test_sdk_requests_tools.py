"""The requests world's test and tracing tools see a default client's calls.

Each tool patches a different public seam of requests or urllib3: ``responses`` the
``HTTPAdapter.send`` of every adapter, requests-mock and the OpenTelemetry
instrumentation ``Session.send``, vcrpy the urllib3 connection classes, betamax the
adapter mounted on a session. A ``microblog.Client()`` made with no special setup goes
through each of them (design/sdk.md, "Added in 0.3").
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest
import requests_mock
import responses
import vcr
from betamax import Betamax
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pytest_recording.network import blocking_context

import microblog
from microblog.testing import LocalServer

from .conftest import PASSWORD

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


def _user(username: str = "MOCKED") -> dict[str, object]:
    return {
        "id": 1,
        "username": username,
        "display_name": "Mocked",
        "bio": "",
        "created_at": "2026-01-01T00:00:00Z",
        "followers_count": 0,
        "following_count": 0,
        "microposts_count": 0,
    }


@pytest.fixture
def token(server: LocalServer, new_username: Callable[[], str]) -> str:
    username, password = server.create_user(new_username(), password=PASSWORD)
    return server.token_for(username, password)


def test_responses_answers_a_default_client() -> None:
    url = "http://127.0.0.1:9"
    with responses.RequestsMock() as mock:
        mock.get(f"{url}/api/v1/users/bob", json=_user())
        with microblog.Client(url, token="t", cache=False) as client:
            assert client.users.get("bob").username == "MOCKED"
        assert len(mock.calls) == 1


def test_requests_mock_answers_a_default_client_even_with_real_http(
    server: LocalServer, token: str
) -> None:
    with requests_mock.Mocker(real_http=True) as mock:
        mock.get(f"{server.url}/api/v1/users/bob", json=_user())
        with microblog.Client(server.url, token=token, cache=False) as client:
            assert client.users.get("bob").username == "MOCKED"
        assert mock.call_count == 1


def test_the_requests_mock_fixture_answers_a_default_client(
    requests_mock: requests_mock.Mocker,
) -> None:
    url = "http://127.0.0.1:9"
    requests_mock.get(f"{url}/api/v1/users/bob", json=_user())
    with microblog.Client(url, token="t", cache=False) as client:
        assert client.users.get("bob").username == "MOCKED"
    assert requests_mock.called_once


def test_vcrpy_records_against_a_local_server_and_replays_without_it(tmp_path: Path) -> None:
    cassette = str(tmp_path / "users.yaml")
    recorder = vcr.VCR(filter_headers=["authorization"], match_on=["method", "path"])
    with LocalServer() as server:
        server.create_user("bob")
        url, token = server.url, server.token_for("bob")
        with recorder.use_cassette(cassette, record_mode="once") as recorded:
            with microblog.Client(url, token=token) as client:
                assert client.users.get("bob").username == "bob"
        assert len(recorded.requests) == 1
        assert "Bearer" not in (tmp_path / "users.yaml").read_text()

    # The server is gone and the network blocked: only the cassette can answer.
    with blocking_context(), recorder.use_cassette(cassette, record_mode="none") as replayed:
        with microblog.Client(url, token="t") as client:
            assert client.users.get("bob").username == "bob"
        assert replayed.play_count == 1


PYTEST_RECORDING_TEST = """
import os

import pytest

import microblog


@pytest.fixture(scope="module")
def vcr_config():
    return {"filter_headers": ["authorization"], "match_on": ["method", "path"]}


@pytest.mark.vcr
@pytest.mark.block_network
def test_bob():
    with microblog.Client(os.environ["SERVICE_URL"], token=os.environ["SERVICE_TOKEN"]) as c:
        assert c.users.get("bob").username == "bob"
"""


def test_pytest_recording_records_then_replays_with_the_network_blocked(tmp_path: Path) -> None:
    (tmp_path / "test_app.py").write_text(textwrap.dedent(PYTEST_RECORDING_TEST))

    def run_pytest(*options: str, url: str, token: str) -> subprocess.CompletedProcess[str]:
        env = {"SERVICE_URL": url, "SERVICE_TOKEN": token, "PATH": ""}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]
        return subprocess.run(
            [*command, "test_app.py"],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": ""},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    with LocalServer() as server:
        server.create_user("bob")
        url, token = server.url, server.token_for("bob")
        recorded = run_pytest("--record-mode=once", url=url, token=token)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert (tmp_path / "cassettes" / "test_app" / "test_bob.yaml").exists()

    replayed = run_pytest("--record-mode=none", "--block-network", url=url, token="t")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr


def test_betamax_records_and_replays_a_default_clients_session(tmp_path: Path) -> None:
    with LocalServer() as server:
        server.create_user("bob")
        url, token = server.url, server.token_for("bob")
        with microblog.Client(url, token=token) as client:
            with Betamax(client.session, cassette_library_dir=str(tmp_path)) as recorder:
                recorder.use_cassette("bob", record="once")
                assert client.users.get("bob").username == "bob"
            assert (tmp_path / "bob.json").exists()

    with microblog.Client(url, token=token) as client:
        with Betamax(client.session, cassette_library_dir=str(tmp_path)) as recorder:
            recorder.use_cassette("bob", record="none")
            assert client.users.get("bob").username == "bob"


@pytest.fixture
def instrumented() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = RequestsInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        yield exporter
    finally:
        instrumentor.uninstrument()


def test_the_requests_instrumentation_sees_a_default_clients_calls(
    server: LocalServer, token: str, instrumented: InMemorySpanExporter
) -> None:
    with microblog.Client(server.url, token=token) as client:
        client.users.get(client.me().username)

    spans = [s for s in instrumented.get_finished_spans() if s.kind == SpanKind.CLIENT]
    assert [s.name for s in spans] == ["GET", "GET"]


def test_one_client_span_per_attempt_with_the_sdks_tracing_and_the_instrumentation(
    server: LocalServer, token: str, instrumented: InMemorySpanExporter
) -> None:
    ours = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ours))
    with microblog.Client(server.url, token=token, tracer_provider=provider) as client:
        client.me()

    assert [s.name for s in ours.get_finished_spans() if s.kind == SpanKind.CLIENT] == [
        "GET /api/v1/me"
    ]
    assert [s for s in instrumented.get_finished_spans() if s.kind == SpanKind.CLIENT] == []
