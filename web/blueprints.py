"""Registers the page and API blueprints and the error handlers they share."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from web.api import api
    from web.api.spec import init_api
    from web.extensions import csrf
    from web.pages import register_pages

    csrf.exempt(api)  # bearer tokens, no cookies: CSRF does not apply
    init_api(app)  # registers the API blueprint and serves its generated OpenAPI document
    register_pages(app)

    @app.get("/healthz")
    def healthz():  # noqa: ANN202
        from web.health import health

        body = health()
        return body, (200 if body["status"] == "ok" else 503)
