"""Swagger UI at ``/docs``, served with its own assets (no CDN, works offline).

Both pages carry a Content-Security-Policy that allows only this origin's scripts and
the page's own inline script (by its SHA-256 hash), and refuses to be framed
(``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``, against clickjacking).
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import TYPE_CHECKING

from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["install_docs", "protected"]

ASSETS = "/docs/assets"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def _policy(page: bytes) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    # Swagger UI sets inline styles and shows data: images (icons); nothing else is needed.
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def protected(page: HTMLResponse) -> HTMLResponse:
    """Return the page again, with its CSP and frame protection headers."""
    body = bytes(page.body)
    headers = {"Content-Security-Policy": _policy(body), "X-Frame-Options": "DENY"}
    return HTMLResponse(body, headers=headers)


def install_docs(app: FastAPI, openapi_url: str) -> None:
    """Serve Swagger UI for ``openapi_url`` at ``/docs`` from the installed bundle."""
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui-assets")
    ui = protected(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )
    )
    redirect = protected(get_swagger_ui_oauth2_redirect_html())

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(bytes(ui.body), headers=dict(ui.headers.items()))

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return HTMLResponse(bytes(redirect.body), headers=dict(redirect.headers.items()))
