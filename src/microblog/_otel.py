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

Telemetry listens to a call by extending its observer (:class:`TracedObserver`, see
``_observe.py``). While the SDK's CLIENT span is open it sets OpenTelemetry's
suppression key for HTTP instrumentation, so the requests instrumentation, when an app
has it on too, does not record a second CLIENT span for the same request.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from microblog._observe import Observer, Watching, redacted
from microblog._send import AttemptFailed
from microblog._version import __version__

try:
    from opentelemetry import context, metrics, propagate, trace
    from opentelemetry.context import _SUPPRESS_HTTP_INSTRUMENTATION_KEY
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
    from contextlib import AbstractContextManager

    import requests
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import Span, TracerProvider

    from microblog._errors import MicroblogError
    from microblog._hooks import Hooks
    from microblog._observe import Call
    from microblog._outcome import Outcome

__all__ = ["Telemetry", "TracedObserver", "available", "operation_of"]

_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)


def available() -> bool:
    """Whether ``opentelemetry-api`` is installed."""
    return trace is not None


def operation_of(method: str, template: str | None) -> str:
    """The SDK operation a call performs (``microposts.get``), or ``"{method} {template}"``.

    The route names it: a template the resources built carries its ``operation``.
    """
    known = getattr(template, "operation", None)
    return known or f"{method} {template or 'request'}"


def _full_url(url: str) -> str:
    """``url`` without userinfo and with every query value ``REDACTED``."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, "", "", "")) + redacted(url)


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

    def observer(self, hooks: Hooks) -> TracedObserver:
        """The observer that records calls here as well as logging them."""
        return TracedObserver(hooks, self)


class TracedObserver(Observer):
    """An ``Observer`` that also records spans, events and metrics (see the module)."""

    def __init__(self, hooks: Hooks, telemetry: Telemetry) -> None:
        super().__init__(hooks)
        self.telemetry = telemetry

    def operation(self, call: Call) -> AbstractContextManager[Span]:
        """Start the INTERNAL span of a logical call, current for its attempts."""
        return self.telemetry.operation(call)

    def sending(self, call: Call, prepared: requests.PreparedRequest) -> Watching:
        """The CLIENT span of one request, timed for the histogram."""
        return _ClientSpan(self.telemetry, call, prepared)

    def retrying(
        self,
        call: Call,
        outcome: Outcome,
        error: MicroblogError,
        delay: float,
        *,
        elapsed: float,
        attempts: int | None,
    ) -> None:
        """Record a retry on the call's span and in the counter."""
        trace.get_current_span().add_event(
            "retry",
            {"attempt": call.attempt, "delay_s": delay, "error.type": type(error).__name__},
        )
        attributes = {"http.request.method": call.method}
        if call.template:
            attributes["url.template"] = call.template
        self.telemetry.retries.add(1, attributes)
        super().retrying(call, outcome, error, delay, elapsed=elapsed, attempts=attempts)

    def rate_limit_wait(self, call: Call, delay: float) -> None:
        """Record a rate-limit wait on the current span and in the counter."""
        super().rate_limit_wait(call, delay)
        trace.get_current_span().add_event("rate_limit_wait", {"delay_s": delay})
        self.telemetry.rate_limit_waits.add(1)

    def revalidated(self, call: Call) -> None:
        """Record that the cached response was still fresh (a 304)."""
        trace.get_current_span().add_event("revalidated", {"http.response.status_code": 304})


class _ClientSpan(Watching):
    """The CLIENT span of one request: opened around its send, closed with its outcome."""

    __slots__ = ("_call", "_metric", "_span", "_span_context", "_started", "_suppressed", "_tm")

    def __init__(self, telemetry: Telemetry, call: Call, prepared: requests.PreparedRequest):
        parts = urlsplit(prepared.url or "")
        method = prepared.method or call.method
        self._metric: dict[str, Any] = {
            "http.request.method": method,
            "server.address": parts.hostname or "",
            "server.port": parts.port or (443 if parts.scheme == "https" else 80),
        }
        if call.template:
            self._metric["url.template"] = call.template
        attributes = {
            **self._metric,
            "url.full": _full_url(prepared.url or ""),
            "microblog.request_id": call.request_id,
        }
        if call.sends:
            attributes["http.request.resend_count"] = call.sends
        call.sends += 1
        self._tm = telemetry
        self._span_context = telemetry.tracer.start_as_current_span(
            f"{method} {call.template}" if call.template else method,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        )
        self._span = self._span_context.__enter__()
        propagate.inject(prepared.headers)
        # The requests instrumentation, if on, would record this request again.
        self._suppressed = context.attach(
            context.set_value(_SUPPRESS_HTTP_INSTRUMENTATION_KEY, True)  # noqa: FBT003
        )
        self._started = time.perf_counter()

    def answered(self, status: int) -> None:
        """Record the answer's status (an error status sets ``error.type``)."""
        self._span.set_attribute("http.response.status_code", status)
        self._metric["http.response.status_code"] = status
        if status >= 400:
            self._span.set_attribute("error.type", str(status))
            self._span.set_status(Status(StatusCode.ERROR))
            self._metric["error.type"] = str(status)

    def __exit__(self, *exc: object) -> None:
        context.detach(self._suppressed)
        error = exc[1] if len(exc) > 1 else None
        if isinstance(error, BaseException):
            name = _error_type(error)
            self._span.set_attribute("error.type", name)
            self._span.set_status(Status(StatusCode.ERROR))
            self._metric["error.type"] = name
        self._tm.duration.record(time.perf_counter() - self._started, self._metric)
        self._span_context.__exit__(None, None, None)


def _error_type(error: BaseException) -> str:
    """``error.type``: the failure kind of an unanswered request, else the class name."""
    if isinstance(error, AttemptFailed):
        return error.failure
    failed = getattr(error, "failed", None)  # the transport's _Answered
    outcome = getattr(failed, "outcome", None)
    if outcome is not None and outcome.failure is not None:
        return str(outcome.failure)
    return type(error).__qualname__
