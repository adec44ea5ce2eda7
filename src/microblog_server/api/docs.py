"""Swagger UI at ``/docs``, served with its own assets (no CDN, works offline)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.responses import HTMLResponse

__all__ = ["install_docs"]

ASSETS = "/docs/assets"


def install_docs(app: FastAPI, openapi_url: str) -> None:
    """Serve Swagger UI for ``openapi_url`` at ``/docs`` from the installed bundle."""
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
