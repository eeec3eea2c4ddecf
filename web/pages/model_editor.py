"""The model editor page (issue 13 point 2): bpmn-js's Modeler with PerfFlow's properties panel,
served on the `admin` blueprint. The page is a shell; the browser (frontend/src/modeler.js) reads the
model and the catalogue from the contract's JSON routes under /admin/models/ and posts back to them."""
from __future__ import annotations

from flask import render_template, url_for
from sqlalchemy import select

from engine.base.db import db
from engine.base.models import ProcessModelVersion
from web.pages.admin import admin_required, bp


def _model_name(key: str) -> str:
    """The newest version's name; a model that only has a draft so far goes by its key."""
    name = db.session.scalar(select(ProcessModelVersion.name).where(ProcessModelVersion.key == key)
                             .order_by(ProcessModelVersion.version.desc()).limit(1))
    return name or key


@bp.get("/models/<key>/editor")
@admin_required
def model_editor(key: str):  # noqa: ANN201
    base = url_for("admin.models")  # /admin/models: every JSON route of the contract sits under it
    urls = {
        "model": f"{base}/{key}/model.json",
        "catalogue": f"{base}/catalogue.json",
        "validate": f"{base}/{key}/validate.json",
        "check": f"{base}/check-expression.json",
        "draft": f"{base}/{key}/draft.json",
        "deploy": f"{base}/{key}/deploy.json",
        "versions": f"{base}/{key}/versions",
        "start": url_for("inbox.todo"),
    }
    return render_template("admin_model_editor.html", key=key, name=_model_name(key), urls=urls)
