"""Server-rendered pages, Chinese first."""
from __future__ import annotations

from flask import Flask


def register_pages(app: Flask) -> None:
    from web.pages import admin, auth, inbox, instances, supervision, tasks

    for module in (auth, inbox, tasks, instances, supervision, admin):
        app.register_blueprint(module.bp)

    @app.context_processor
    def _globals() -> dict[str, object]:
        from flask_login import current_user

        from web.pages.nav import nav_items

        return {"nav_items": nav_items(current_user) if current_user.is_authenticated else []}
