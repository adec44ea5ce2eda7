"""The service's own endpoints: the root's links, health and version.

Health follows draft-inadarei-api-health-check.
"""

import time
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from microblog_server.api.deps import ServicesDep
from microblog_server.api.openapi import problems
from microblog_server.api.schemas import Health, Liveness, RootLinks, RootOut, VersionOut
from microblog_server.version import package_version

__all__ = ["HEALTH_MEDIA_TYPE", "router"]

HEALTH_MEDIA_TYPE = "application/health+json"

router = APIRouter(tags=["service"])

#: The paths the root links to, below the request's base URL.
_ROOT_LINKS = {
    "users": "api/v1/users",
    "me": "api/v1/me",
    "search": "api/v1/search",
    "token": "api/v1/token",
    "openapi": "api/v1/openapi.json",
    "docs": "docs",
    "health": "health",
    "version": "api/version",
}


@router.get("/", response_model=RootOut, summary="Where to start", operation_id="getRoot")
async def root(request: Request) -> RootOut:
    """Link to the users, the caller, search, login, the OpenAPI document, docs and health."""
    base = str(request.base_url)
    return RootOut(links=RootLinks(**{name: base + path for name, path in _ROOT_LINKS.items()}))


@router.get("/openapi.json", include_in_schema=False)
async def openapi_document(request: Request) -> JSONResponse:
    """The OpenAPI document, also here: where tools look for it first."""
    return JSONResponse(request.app.openapi())


@router.get(
    "/api/v1",
    response_model=RootOut,
    summary="Where to start in API v1",
    operation_id="getApiRoot",
    responses=problems(429, 500),
)
async def api_root(request: Request) -> RootOut:
    """The same links as ``/``: a client that starts at the API's root finds the rest."""
    return await root(request)


class HealthResponse(JSONResponse):
    """A JSON response with the health check media type."""

    media_type = HEALTH_MEDIA_TYPE


@router.get(
    "/health",
    response_model=Health,
    response_class=HealthResponse,
    summary="Health, with the database",
    responses={503: {"description": "The database does not answer", "model": Health}},
    operation_id="getHealth",
)
async def health(services: ServicesDep, request: Request) -> HealthResponse:
    """Check the database (and Redis when shared); 200 ``pass``/``warn`` or 503 ``fail``.

    Without the database the node cannot serve: ``fail``, so a load balancer takes it
    out. Without Redis it still serves, each node on its own (rate limits per node, every
    token checked in the database): ``warn``, and it stays in. ``revocations:listener``
    says whether the node hears the others' token revocations (``warn`` while not).
    """
    database = await _probe(services.check_database)
    if database["status"] == "pass":
        request.app.state.outage.answered()
    checks = {"database:responseTime": [database]}
    status = "pass" if database["status"] == "pass" else "fail"
    optional = (
        ("redis:responseTime", services.check_redis, REDIS_FALLBACK),
        ("revocations:listener", services.check_revocations, LISTENER_DOWN),
    )
    for name, check, degraded in optional:
        if check is None:
            continue
        result = await _probe(check)
        if result["status"] != "pass":
            # The node still serves without it: "warn", which keeps it in the balancer.
            result["status"] = "warn"
            result["output"] = degraded
            status = "warn" if status == "pass" else status
        checks[name] = [result]
    body = Health(status=status, checks=checks)
    headers = {"Cache-Control": "no-store"}
    if status == "fail":
        headers["Retry-After"] = "5"
    return HealthResponse(
        body.model_dump(),
        status_code=503 if status == "fail" else 200,
        headers=headers,
    )


#: What a node does while Redis does not answer (docs/service/deployment.md).
REDIS_FALLBACK = (
    "Redis does not answer: rate limits count per node, and every token is checked in the database"
)


#: What a node does while it does not hear the other nodes' revocations.
LISTENER_DOWN = (
    "not subscribed to the revocations of the other nodes: every token is checked in the "
    "database until the subscription is back"
)


async def _probe(check: Callable[[], bool]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        ok = await run_in_threadpool(check)
    except Exception:  # noqa: BLE001 - any failure of the probe means "fail"
        ok = False
    elapsed = round((time.perf_counter() - started) * 1000, 3)
    return {"status": "pass" if ok else "fail", "observedValue": elapsed, "observedUnit": "ms"}


@router.get(
    "/health/live",
    response_model=Liveness,
    response_class=HealthResponse,
    summary="Liveness (the process only)",
    operation_id="getLiveness",
)
async def live() -> HealthResponse:
    """Answer ``pass`` while the process runs."""
    return HealthResponse(Liveness().model_dump(), headers={"Cache-Control": "no-store"})


@router.get(
    "/api/version",
    response_model=VersionOut,
    summary="Versions",
    responses=problems(429, 500),
    operation_id="getVersion",
)
async def version() -> VersionOut:
    """Return the installed package's version and the API versions served."""
    return VersionOut(version=package_version(), api_versions=["v1"])
