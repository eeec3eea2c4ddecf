"""Bringing a database to a usable state: schema, shipped models, demo data."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from engine.db import db


def create_schema() -> None:
    """Apply the Alembic migrations (the only way the schema changes)."""
    from flask_migrate import upgrade

    upgrade(directory=str(Path(current_app.root_path).parent / "migrations"))


def deploy_shipped_models() -> list[str]:
    from engine.deploy import deploy_folder

    results = deploy_folder(Path(current_app.config["WORKFLOWS_DIR"]))
    db.session.commit()
    return [f"{v.key} v{v.version}{'（新）' if created else ''}" for v, created in results]


def load_demo_data(password: str) -> dict[str, object]:
    from budget.demo import load_demo

    return load_demo(password)  # commits itself
