"""Server-rendered pages, Chinese first."""
from __future__ import annotations

from flask import Flask


def register_pages(app: Flask) -> None:
    from web.pages import admin, auth, inbox, instances, supervision, tasks

    for module in (auth, inbox, tasks, instances, supervision, admin):
        app.register_blueprint(module.bp)

    @app.template_filter("cst")
    def _cst(value: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """Timestamps are stored in UTC and shown in 北京时间."""
        from datetime import datetime
        from zoneinfo import ZoneInfo

        if not isinstance(value, datetime):
            return "" if value is None else str(value)
        return value.astimezone(ZoneInfo("Asia/Shanghai")).strftime(fmt)

    @app.context_processor
    def _globals() -> dict[str, object]:
        from flask_login import current_user

        from web.pages.nav import nav_items

        return {"nav_items": nav_items(current_user) if current_user.is_authenticated else []}
