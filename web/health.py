"""`/healthz`: database and queue reachability."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import text

from engine.base.db import db


def health() -> dict[str, str]:
    result = {"status": "ok", "db": "ok", "queue": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as err:  # noqa: BLE001
        db.session.rollback()
        result.update(status="degraded", db=f"error: {type(err).__name__}")
    try:
        from redis import Redis

        Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=1).ping()
    except Exception as err:  # noqa: BLE001
        result.update(status="degraded", queue=f"error: {type(err).__name__}")
    return result
