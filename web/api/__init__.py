"""JSON API under /api/v1, the same permissions as the pages (docs/design.md)."""
from __future__ import annotations

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")

from web.api import (  # noqa: E402, F401
    auth,
    errors,
    models,
    notification_settings,
    openapi,
    operations,
    projects,
    queue_admin,
    tasks,
)
