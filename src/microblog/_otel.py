"""OpenTelemetry traces and metrics for the client's calls (extra ``microblog[otel]``).

Only ``opentelemetry-api`` is used; the application brings the SDK, exporters and
propagators. Per logical call, one INTERNAL span named after the SDK operation
(``microblog microposts.get``) with events for retries, rate-limit waits and 304
revalidations; under it one CLIENT span per request sent, named
``"{method} {url.template}"`` with the HTTP client semantic-convention attributes, its
``traceparent`` injected through the global propagator. Metrics: the histogram
``http.client.request.duration`` (s) per request and the counters
``microblog.client.retries`` and ``microblog.client.rate_limit_waits``.

``url.full`` never holds credentials (userinfo is dropped) and every query value is
``REDACTED`` (the search text and cursors are the user's data). Names are templates,
never raw paths, so they stay low-cardinality.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from microblog._send import AttemptFailed
from microblog._version import __version__

try:
    from opentelemetry import metrics, propagate, trace
    from opentelemetry.metrics import NoOpMeterProvider
    from opentelemetry.trace import (
        NoOpTracerProvider,
        ProxyTracerProvider,
        SpanKind,
        Status,
        StatusCode,
    )

    # What the API returns before the app set a provider: its no-op proxies. The meter's
    # proxy class is not exported, so it is known by the one the API hands out unset.
    _SILENT_TRACERS: frozenset[type] = frozenset({ProxyTracerProvider, NoOpTracerProvider})
    _SILENT_METERS: frozenset[type] = frozenset(
        {
            NoOpMeterProvider,
            type(metrics._internal._PROXY_METER_PROVIDER),
        }
    )
except ImportError:  # pragma: no cover - the dev environment has the API
    trace = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    import requests
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import Span, TracerProvider

__all__ = ["Call", "Telemetry", "available", "operation_of"]


class Call(Protocol):
    """What telemetry reads of a logical call (``microblog._call.Call``)."""

    method: str
    template: str | None
    attempt: int
    sends: int

    @property
    def request_id(self) -> str:
        """The call's ``X-Request-ID``."""


C = TypeVar("C", bound=Call)

# The SDK operation behind each (method, template), for the INTERNAL span's name.
_OPERATIONS = {
    ("POST", "/api/v1/token"): "login",
    ("DELETE", "/api/v1/token"): "logout",
    ("GET", "/api/v1/me"): "users.me",
    ("POST", "/api/v1/users"): "users.create",
    ("GET", "/api/v1/users"): "users.list",
    ("GET", "/api/v1/users/{username}"): "users.get",
    ("PATCH", "/api/v1/users/{username}"): "user.save",
    ("DELETE", "/api/v1/users/{username}"): "user.delete",
    ("GET", "/api/v1/users/{username}/collection"): "microposts.list",
    ("POST", "/api/v1/users/{username}/collection"): "microposts.create",
    ("POST", "/api/v1/users/{username}/collection/batch"): "microposts.create_many",
    ("GET", "/api/v1/users/{username}/collection/{id}"): "micropost.refresh",
    ("PATCH", "/api/v1/users/{username}/collection/{id}"): "micropost.save",
    ("DELETE", "/api/v1/users/{username}/collection/{id}"): "micropost.delete",
    ("GET", "/api/v1/microposts/{id}"): "microposts.get",
    ("GET", "/api/v1/users/{username}/timeline"): "microposts.timeline",
    ("GET", "/api/v1/users/{username}/following"): "user.following",
    ("POST", "/api/v1/users/{username}/following"): "user.follow",
    ("DELETE", "/api/v1/users/{username}/following/{followed}"): "user.unfollow",
    ("GET", "/api/v1/users/{username}/followers"): "user.followers",
    ("GET", "/api/v1/search"): "microposts.search",
}
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)


def available() -> bool:
    """Whether ``opentelemetry-api`` is installed."""
    return trace is not None


def operation_of(method: str, template: str | None) -> str:
    """The SDK operation a call performs (``microposts.get``), or ``"{method} {template}"``."""
    known = _OPERATIONS.get((method, template or ""))
    return known or f"{method} {template or 'request'}"


def _full_url(url: str) -> str:
    """``url`` without userinfo and with every query value ``REDACTED``."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = "&".join(f"{key}=REDACTED" for key, _ in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class Telemetry:
    """The tracer, meter and instruments a client records its calls with.

    Args:
        tracer_provider: The provider of the client's tracer (the global one when None).
        meter_provider: The provider of the client's meter (the global one when None).
    """

    def __init__(
        self, tracer_provider: TracerProvider | None, meter_provider: MeterProvider | None
    ) -> None:
        self._tracer_provider = tracer_provider
        self._live = False
        self._meter_provider = meter_provider
        self.tracer = trace.get_tracer("microblog", __version__, tracer_provider)
        meter = metrics.get_meter("microblog", __version__, meter_provider)
        self.duration = meter.create_histogram(
            "http.client.request.duration",
            unit="s",
            description="Duration of HTTP client requests.",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.retries = meter.create_counter(
            "microblog.client.retries", unit="{retry}", description="Retries of SDK calls."
        )
        self.rate_limit_waits = meter.create_counter(
            "microblog.client.rate_limit_waits",
            unit="{wait}",
            description="Waits for a rate limit (the client's own pacing or the service's).",
        )

    def live(self) -> bool:
        """Whether any provider records: when none does, a call skips telemetry entirely.

        Asked per call (a global provider the app sets later counts from then on). The
        API's no-op spans are not free (about a fifth of a call's CPU), so an app that
        never configured OpenTelemetry pays nothing for the API being installed.
        """
        if self._live:
            return True
        tracers = self._tracer_provider or trace.get_tracer_provider()
        meters = self._meter_provider or metrics.get_meter_provider()
        if type(tracers) in _SILENT_TRACERS and type(meters) in _SILENT_METERS:
            return False
        self._live = True  # a provider, once there, stays (the API sets globals once)
        return True

    def operation(self, call: Call) -> AbstractContextManager[Span]:
        """Start the INTERNAL span of a logical call, current for its attempts."""
        attributes: dict[str, Any] = {
            "http.request.method": call.method,
            "microblog.request_id": call.request_id,
        }
        if call.template:
            attributes["url.template"] = call.template
        return self.tracer.start_as_current_span(
            f"microblog {operation_of(call.method, call.template)}",
            kind=SpanKind.INTERNAL,
            attributes=attributes,
        )

    def send(
        self,
        call: C,
        prepared: requests.PreparedRequest,
        send: Callable[[C, requests.PreparedRequest], requests.Response],
    ) -> requests.Response:
        """Send ``prepared`` with ``send`` inside a CLIENT span, timing it for the histogram."""
        parts = urlsplit(prepared.url or "")
        method = prepared.method or call.method
        metric: dict[str, Any] = {
            "http.request.method": method,
            "server.address": parts.hostname or "",
            "server.port": parts.port or (443 if parts.scheme == "https" else 80),
        }
        if call.template:
            metric["url.template"] = call.template
        attributes = {
            **metric,
            "url.full": _full_url(prepared.url or ""),
            "microblog.request_id": call.request_id,
        }
        if call.sends:
            attributes["http.request.resend_count"] = call.sends
        call.sends += 1
        name = f"{method} {call.template}" if call.template else method
        with self.tracer.start_as_current_span(
            name,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            propagate.inject(prepared.headers)
            started = time.perf_counter()
            try:
                response = send(call, prepared)
            except BaseException as error:
                kind = _error_type(error)
                span.set_attribute("error.type", kind)
                span.set_status(Status(StatusCode.ERROR))
                metric["error.type"] = kind
                self.duration.record(time.perf_counter() - started, metric)
                raise
            status = response.status_code
            span.set_attribute("http.response.status_code", status)
            metric["http.response.status_code"] = status
            if status >= 400:
                span.set_attribute("error.type", str(status))
                span.set_status(Status(StatusCode.ERROR))
                metric["error.type"] = str(status)
            self.duration.record(time.perf_counter() - started, metric)
            return response

    def retried(self, call: Call, delay: float, error: BaseException) -> None:
        """Record a retry on the call's span and in the counter."""
        trace.get_current_span().add_event(
            "retry",
            {"attempt": call.attempt, "delay_s": delay, "error.type": type(error).__name__},
        )
        attributes = {"http.request.method": call.method}
        if call.template:
            attributes["url.template"] = call.template
        self.retries.add(1, attributes)

    def rate_limit_wait(self, delay: float) -> None:
        """Record a rate-limit wait on the current span and in the counter."""
        trace.get_current_span().add_event("rate_limit_wait", {"delay_s": delay})
        self.rate_limit_waits.add(1)

    def revalidated(self) -> None:
        """Record that the cached response was still fresh (a 304)."""
        trace.get_current_span().add_event("revalidated", {"http.response.status_code": 304})


def _error_type(error: BaseException) -> str:
    """``error.type``: the failure kind of an unanswered request, else the class name."""
    if isinstance(error, AttemptFailed):
        return error.failure
    failed = getattr(error, "failed", None)  # the transport's _Answered
    outcome = getattr(failed, "outcome", None)
    if outcome is not None and outcome.failure is not None:
        return str(outcome.failure)
    return type(error).__qualname__
