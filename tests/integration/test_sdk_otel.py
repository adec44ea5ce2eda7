"""OpenTelemetry spans and metrics of real calls, read from opentelemetry-sdk's in-memory parts."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import microblog

from .conftest import PASSWORD, no_wait

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog.testing import LocalServer


class Telemetry:
    """An SDK tracer and meter provider whose output the test reads back."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def spans(self, kind: SpanKind | None = None) -> list[ReadableSpan]:
        return [s for s in self.exporter.get_finished_spans() if kind is None or s.kind == kind]

    def points(self, name: str) -> list[Any]:
        data = self.reader.get_metrics_data()
        assert data is not None
        return [
            point
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
            if metric.name == name
            for point in metric.data.data_points
        ]


@pytest.fixture(autouse=True)
def no_faults_left(faults_cleared: None) -> None:
    """Every test here leaves no fault behind."""


@pytest.fixture
def otel() -> Telemetry:
    return Telemetry()


@pytest.fixture
def token(server: LocalServer, new_username: Callable[[], str]) -> str:
    return server.token_for(*server.create_user(new_username(), password=PASSWORD))


def traced(server: LocalServer, token: str, otel: Telemetry, **options: Any) -> microblog.Client:
    return microblog.Client(
        server.url,
        token=token,
        sleep=no_wait,
        tracer_provider=otel.tracer_provider,
        meter_provider=otel.meter_provider,
        **options,
    )


def test_a_retried_get_is_one_operation_span_over_one_client_span_per_attempt(
    server: LocalServer, token: str, otel: Telemetry
) -> None:
    with traced(server, token, otel) as client:
        post_id = client.microposts.create("traced").id
        otel.exporter.clear()
        server.inject(503, times=1, method="GET", path="/api/v1/microposts/")
        client.microposts.get(post_id)

    (operation,) = otel.spans(SpanKind.INTERNAL)
    first, second = otel.spans(SpanKind.CLIENT)
    assert operation.name == "microblog microposts.get"
    assert [e.name for e in operation.events] == ["retry"]
    assert first.name == second.name == "GET /api/v1/microposts/{id}"
    for span in (first, second):
        assert span.parent is not None
        assert span.parent.span_id == operation.context.span_id
        attributes = span.attributes or {}
        assert attributes["http.request.method"] == "GET"
        assert attributes["url.template"] == "/api/v1/microposts/{id}"
        assert attributes["url.full"] == f"{server.url}/api/v1/microposts/{post_id}"
        assert attributes["server.address"] == "127.0.0.1"
        assert attributes["server.port"] == int(server.url.rsplit(":", 1)[1])
        assert attributes["microblog.request_id"]
    assert first.attributes is not None
    assert second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "503"
    assert first.status.status_code == StatusCode.ERROR
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.response.status_code"] == 200
    assert second.attributes["http.request.resend_count"] == 1
    assert "error.type" not in second.attributes


def test_traceparent_is_injected_into_each_request(
    server: LocalServer, token: str, otel: Telemetry
) -> None:
    sent: list[str] = []

    def look(
        request: microblog.Request,
        call_next: Callable[[microblog.Request], microblog.RawResponse],
    ) -> microblog.RawResponse:
        sent.append(request.headers["traceparent"])
        return call_next(request)

    with traced(server, token, otel, middleware=[look]) as client:
        client.me()

    (span,) = otel.spans(SpanKind.CLIENT)
    (header,) = sent
    assert header.startswith(f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-")


def test_an_unanswered_request_has_its_failure_as_error_type(
    server: LocalServer, token: str, otel: Telemetry
) -> None:
    server.inject(drop="before", times=1, method="GET", path="/api/v1/me")
    with traced(server, token, otel) as client:
        client.me()

    first = otel.spans(SpanKind.CLIENT)[0]
    assert first.attributes is not None
    assert first.attributes["error.type"] in {"lost", "connect"}
    assert "http.response.status_code" not in first.attributes


def test_a_failed_call_marks_its_operation_span(
    server: LocalServer, token: str, otel: Telemetry
) -> None:
    with traced(server, token, otel) as client, pytest.raises(microblog.NotFoundError):
        client.microposts.get(987654321)

    (operation,) = otel.spans(SpanKind.INTERNAL)
    assert operation.status.status_code == StatusCode.ERROR


def test_revalidations_and_rate_limit_waits_are_events_and_counted(
    server: LocalServer, token: str, otel: Telemetry
) -> None:
    with traced(server, token, otel) as client:
        post_id = client.microposts.create("cached").id
        client.microposts.get(post_id)
        otel.exporter.clear()
        server.inject(429, times=1, method="GET", headers={"Retry-After": "1"})
        client.microposts.get(post_id)  # a 429, then a 304 from the cache

    (operation,) = otel.spans(SpanKind.INTERNAL)
    assert [e.name for e in operation.events] == ["retry", "rate_limit_wait", "revalidated"]
    (retries,) = otel.points("microblog.client.retries")
    assert retries.value == 1
    assert retries.attributes["url.template"] == "/api/v1/microposts/{id}"
    (waits,) = otel.points("microblog.client.rate_limit_waits")
    assert waits.value == 1


def test_the_duration_histogram_has_one_point_set_per_template_and_status(
    server: LocalServer, token: str, otel: Telemetry
) -> None:
    with traced(server, token, otel) as client:
        for text in ("one", "two"):
            client.microposts.create(text)

    points = otel.points("http.client.request.duration")
    creates = [p for p in points if p.attributes.get("http.request.method") == "POST"]
    (create,) = creates
    assert create.count == 2
    assert create.attributes["url.template"] == "/api/v1/users/{username}/collection"
    assert create.attributes["http.response.status_code"] == 201
    assert 0 < create.sum < 60  # seconds, not milliseconds


def test_query_values_and_secrets_never_reach_the_telemetry(
    server: LocalServer, otel: Telemetry, new_username: Callable[[], str]
) -> None:
    username, password = server.create_user(new_username(), password=PASSWORD)
    tokens: list[str] = []
    with microblog.Client(
        server.url,
        username=username,
        password=password,
        hooks=microblog.Hooks(on_new_token=tokens.append),
        tracer_provider=otel.tracer_provider,
        meter_provider=otel.meter_provider,
    ) as client:
        list(client.microposts.search("my secret words", limit=1))

    search = next(s for s in otel.spans(SpanKind.CLIENT) if s.name == "GET /api/v1/search")
    assert search.attributes is not None
    assert "text=REDACTED" in str(search.attributes["url.full"])
    assert "login" in {s.name.split()[-1] for s in otel.spans(SpanKind.INTERNAL)}
    everything = repr([s.to_json() for s in otel.spans()]) + repr(otel.reader.get_metrics_data())
    for secret in (password, *tokens, "secret"):
        assert secret not in everything


GLOBAL_SCRIPT = """
import sys
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
import microblog

client = microblog.Client(sys.argv[1], token=sys.argv[2])
client.me()  # nothing configured yet: not traced, at no cost
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
client.me()  # the same client, traced from now on
print(sorted(span.name for span in exporter.get_finished_spans()))
"""


def test_without_providers_the_global_ones_are_used_once_the_app_sets_them(
    server: LocalServer, token: str
) -> None:
    # In a child process: a global provider can be set once per process.
    result = subprocess.run(
        [sys.executable, "-c", GLOBAL_SCRIPT, server.url, token],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['GET /api/v1/me', 'microblog users.me']"


def test_without_the_api_nothing_is_traced_and_providers_say_what_to_install(
    server: LocalServer, token: str, otel: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("microblog._settings.otel_available", lambda: False)
    with microblog.Client(server.url, token=token) as client:
        assert client.me().username
    with pytest.raises(ImportError, match=r"microblog\[otel\]"):
        microblog.Client(server.url, token=token, tracer_provider=otel.tracer_provider)
