"""The service's own endpoints: health (RFC draft-inadarei-api-health-check) and version."""

import time

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from microblog_server.api.deps import ServicesDep
from microblog_server.api.openapi import problems
from microblog_server.api.schemas import Health, Liveness, VersionOut
from microblog_server.version import package_version

__all__ = ["HEALTH_MEDIA_TYPE", "router"]

HEALTH_MEDIA_TYPE = "application/health+json"

router = APIRouter(tags=["service"])


class HealthResponse(JSONResponse):
    """A JSON response with the health check media type."""

    media_type = HEALTH_MEDIA_TYPE


@router.get(
    "/health",
    response_model=Health,
    response_class=HealthResponse,
    summary="Health, with the database",
    responses={503: {"description": "The database does not answer", "model": Health}},
)
async def health(services: ServicesDep) -> HealthResponse:
    """Check the database; 200 ``pass`` or 503 ``fail`` with ``Retry-After``."""
    started = time.perf_counter()
    try:
        ok = await run_in_threadpool(services.check_database)
    except Exception:  # noqa: BLE001 - any failure of the probe means "fail"
        ok = False
    elapsed = round((time.perf_counter() - started) * 1000, 3)
    status = "pass" if ok else "fail"
    body = Health(
        status=status,
        checks={
            "database:responseTime": [
                {"status": status, "observedValue": elapsed, "observedUnit": "ms"}
            ]
        },
    )
    headers = {"Cache-Control": "no-store"}
    if not ok:
        headers["Retry-After"] = "5"
    return HealthResponse(body.model_dump(), status_code=200 if ok else 503, headers=headers)


@router.get(
    "/health/live",
    response_model=Liveness,
    response_class=HealthResponse,
    summary="Liveness (the process only)",
)
async def live() -> HealthResponse:
    """Answer ``pass`` while the process runs."""
    return HealthResponse(Liveness().model_dump(), headers={"Cache-Control": "no-store"})


@router.get(
    "/api/version", response_model=VersionOut, summary="Versions", responses=problems(429, 500)
)
async def version() -> VersionOut:
    """Return the installed package's version and the API versions served."""
    return VersionOut(version=package_version(), api_versions=["v1"])
