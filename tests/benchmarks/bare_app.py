"""The ceiling: a bare FastAPI app answering with the same JSON as the service, no work.

Served with ``uvicorn tests.benchmarks.bare_app:app --workers 2`` next to the real
service, it shows what the framework and server alone cost on this machine.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

__all__ = ["ITEM", "PAGE", "app"]

ITEM: dict[str, Any] = {
    "id": 1,
    "href": "http://127.0.0.1:8000/api/v1/users/bench_user/collection/1",
    "user": "bench_user",
    "text": "a micropost to read again and again",
    "referenced": None,
    "mentions": [],
    "timestamp": "2026-11-23T16:27:56.553032Z",
    "updated_at": None,
}
PAGE: dict[str, Any] = {
    "result": [{**ITEM, "id": n} for n in range(1, 21)],
    "next": "http://127.0.0.1:8000/api/v1/users/bench_user/timeline?cursor=abc&size=20",
    "previous": None,
}

app = FastAPI()


@app.get("/item")
def item() -> JSONResponse:
    """The same JSON as ``GET /api/v1/microposts/{id}``."""
    return JSONResponse(ITEM, headers={"ETag": '"0123456789abcdef0123456789abcdef"'})


@app.get("/page")
def page() -> JSONResponse:
    """The same JSON as a timeline page of 20."""
    return JSONResponse(PAGE)


@app.post("/post", status_code=201)
def post() -> JSONResponse:
    """The same JSON as a created micropost."""
    return JSONResponse(ITEM, status_code=201)
