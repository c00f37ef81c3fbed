"""/docs (Swagger UI) and /redoc from local files: the fastapi-offline package ships both bundles.

FastAPI's own pages load them from a CDN and start Swagger UI with an inline script; these pages need no
network and no inline script, and send a Content-Security-Policy that keeps every request on this server.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/static-docs"

_SWAGGER = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>{title} – API</title>
<link rel="icon" href="{assets}/favicon.png"><link rel="stylesheet" href="{assets}/swagger-ui.css"></head>
<body><div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script><script src="/static/docs-init.js"></script></body></html>
"""

_REDOC = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>{title} – API</title>
<link rel="icon" href="{assets}/favicon.png"><style>body {{ margin: 0; }}</style></head>
<body><redoc spec-url="{openapi}"></redoc><script src="{assets}/redoc.standalone.js"></script></body></html>
"""


# Same-origin only: ReDoc's sidebar would otherwise fetch its vendor's logo from a CDN (it hides the image
# when that fails). Both bundles inject <style> elements and ReDoc searches in a blob: worker.
_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "worker-src 'self' blob:; connect-src 'self'")


def install(app: FastAPI) -> None:
    """Serve /docs and /redoc (the app must be created with docs_url=None and redoc_url=None)."""
    if not (ASSETS / "swagger-ui-bundle.js").is_file() or not (ASSETS / "redoc.standalone.js").is_file():
        raise RuntimeError(f"the Swagger UI / ReDoc files are missing from {ASSETS}: pip install fastapi-offline")
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="static-docs")
    values = {"title": app.title, "assets": ASSETS_URL, "openapi": app.openapi_url}

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return HTMLResponse(_SWAGGER.format(**values), headers={"content-security-policy": _CSP})

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return HTMLResponse(_REDOC.format(**values), headers={"content-security-policy": _CSP})
