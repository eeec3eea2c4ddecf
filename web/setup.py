"""Bringing a database to a usable state: schema, shipped models, demo data."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from engine.base.db import db


def create_schema() -> None:
    """Apply the Alembic migrations (the only way the schema changes)."""
    from flask_migrate import upgrade

    upgrade(directory=str(Path(current_app.root_path).parent / "migrations"))


def deploy_shipped_models() -> list[str]:
    from engine.definitions.deploy import deploy_folder

    results = deploy_folder(Path(current_app.config["WORKFLOWS_DIR"]))
    db.session.commit()
    return [f"{v.key} v{v.version}{'（新）' if created else ''}" for v, created in results]


def load_holidays(jurisdiction: str | None = None, *, replace: bool = False) -> str:
    """The shipped State Council holiday arrangements (engine/data/holidays_cn.yaml) for each
    year the jurisdiction has no day of yet; `replace` overwrites the shipped years."""
    from engine.time.calendar import default_jurisdiction, load_shipped

    where = jurisdiction or default_jurisdiction()
    loaded = load_shipped(where, replace=replace)
    db.session.commit()
    if not loaded:
        return f"{where} 的工作日历已存在，未改动"
    return f"{where} 载入 " + "、".join(f"{year} 年 {count} 天" for year, count in sorted(loaded.items()))


def load_demo_data(password: str, history: bool = False) -> dict[str, object]:
    """The demo data; with `history`, 示例市's year played on the engine once (budget.demo_history)."""
    from budget.demo import load_demo

    return load_demo(password, history=history)  # commits itself


def demo_clock_shift() -> float | None:
    """Seconds the demo world's clock runs ahead of (negative: behind) real time, when the history ran."""
    from budget.demo_history import demo_clock_offset

    return demo_clock_offset()
