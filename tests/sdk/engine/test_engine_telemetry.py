"""The observer and its telemetry, without HTTP: what one request and one retry record."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pytest
import requests
import responses
from opentelemetry import context
from opentelemetry.context import _SUPPRESS_HTTP_INSTRUMENTATION_KEY
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import microblog
import microblog._otel
from microblog._observe import Observer
from microblog._otel import Telemetry
from microblog._outcome import Outcome
from microblog._send import AttemptFailed


@dataclass
class FakeCall:
    method: str = "GET"
    url: str = "http://127.0.0.1:8000/api/v1/me"
    template: str | None = "/api/v1/me"
    attempt: int = 1
    sends: int = 0
    request_id: str = "rid-1"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def telemetry(exporter: InMemorySpanExporter) -> Telemetry:
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    meters = MeterProvider(metric_readers=[InMemoryMetricReader()])
    return Telemetry(tracer_provider, meters)


def prepared() -> requests.PreparedRequest:
    return requests.Request("GET", "http://127.0.0.1:8000/api/v1/me?q=secret").prepare()


def test_a_request_is_one_client_span_with_the_instrumentation_suppressed(
    telemetry: Telemetry, exporter: InMemorySpanExporter
) -> None:
    observer = telemetry.observer(microblog.Hooks())
    request = prepared()

    with observer.sending(FakeCall(), request) as seen:
        assert context.get_value(_SUPPRESS_HTTP_INSTRUMENTATION_KEY) is True
        seen.answered(404)
    assert not context.get_value(_SUPPRESS_HTTP_INSTRUMENTATION_KEY)

    (span,) = exporter.get_finished_spans()
    assert (span.name, span.kind) == ("GET /api/v1/me", SpanKind.CLIENT)
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 404
    assert span.attributes["error.type"] == "404"
    assert span.attributes["url.full"] == "http://127.0.0.1:8000/api/v1/me?q=REDACTED"
    assert "traceparent" in request.headers


def test_a_request_without_an_answer_names_its_failure_kind(
    telemetry: Telemetry, exporter: InMemorySpanExporter
) -> None:
    observer = telemetry.observer(microblog.Hooks())

    with pytest.raises(AttemptFailed), observer.sending(FakeCall(), prepared()):
        raise AttemptFailed("timeout", sent=True)

    (span,) = exporter.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["error.type"] == "timeout"


def test_a_retry_is_an_event_the_hooks_and_the_log_hear_once(
    telemetry: Telemetry, exporter: InMemorySpanExporter
) -> None:
    heard: list[object] = []
    observer = telemetry.observer(
        microblog.Hooks(on_retry=heard.append, on_rate_limit_wait=heard.append)
    )
    error = microblog.RateLimitError(status_code=429, retry_after=2.0)

    with observer.operation(FakeCall()):
        observer.retrying(FakeCall(), Outcome(status=429), error, 2.0, elapsed=0.1, attempts=4)

    (span,) = exporter.get_finished_spans()
    assert [event.name for event in span.events] == ["retry", "rate_limit_wait"]
    assert [type(h).__name__ for h in heard] == ["RetryEvent", "float"]


def test_the_plain_observer_records_nothing_and_costs_a_no_op() -> None:
    observer = Observer(microblog.Hooks())
    with observer.sending(FakeCall(), prepared()) as seen:
        seen.answered(200)
    assert observer.sending(FakeCall(), prepared()) is seen


def test_telemetry_restates_no_route_template() -> None:
    assert "/api/v1" not in inspect.getsource(microblog._otel)


def test_each_operation_span_is_named_by_the_route_it_called(
    exporter: InMemorySpanExporter, telemetry: Telemetry
) -> None:
    base = "http://127.0.0.1:8000/api/v1"
    bob = {"username": "bob"}
    post = {"id": 7, "user": "bob", "text": "hi", "referenced": None, "mentions": []}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(f"{base}/token", json={"access_token": "t"})
        mock.get(f"{base}/users/bob", json=bob)
        mock.get(f"{base}/me", json=bob)
        mock.post(f"{base}/users/bob/following", json={})
        mock.get(f"{base}/microposts/7", json=post)
        mock.get(f"{base}/users/bob/collection/7", json=post)
        mock.get(f"{base}/users/bob/collection", json={"result": [post], "next": None})
        client = microblog.Client(
            "http://127.0.0.1:8000",
            username="bob",
            password="pw",
            tracer_provider=telemetry._tracer_provider,
        )
        client.users.get("bob").follow("bob")
        client.microposts.get(7).refresh()
        list(client.microposts.list(author="bob"))

    names = [s.name for s in exporter.get_finished_spans() if s.kind == SpanKind.INTERNAL]
    assert names == [
        "microblog login",
        "microblog users.get",
        "microblog user.follow",
        "microblog microposts.get",
        "microblog micropost.refresh",
        "microblog microposts.list",
    ]
