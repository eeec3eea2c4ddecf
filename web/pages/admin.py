"""Model administration (deployed models and versions, upload of a BPMN/DMN set) and 离职转办."""
from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from engine.base.db import db
from engine.base.errors import DeploymentError, ValidationFailed
from engine.base.model_admin import ModelDraft
from engine.base.models import ProcessModelVersion
from engine.definitions.deploy import deploy, latest_versions
from engine.moves import handoffs
from engine.work.access import is_admin
from web.api.models import read_upload
from web.labels import labels
from web.model_service import process_name
from web.pages.outcome import attempt, flash_failure
from web.transactions import atomic

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(fn):  # noqa: ANN001, ANN201
    @wraps(fn)
    @login_required
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if not is_admin(current_user):
            abort(403)
        return fn(*args, **kwargs)

    return wrapper


def _versions() -> list[ProcessModelVersion]:
    return list(db.session.scalars(select(ProcessModelVersion).order_by(
        ProcessModelVersion.key, ProcessModelVersion.version.desc())))


def _page(**kwargs: Any) -> str:
    """模型管理 with its versions, the active ones and the drafts of models being edited."""
    drafts = list(db.session.scalars(select(ModelDraft).order_by(ModelDraft.key)))
    return render_template("admin_models.html", versions=_versions(), active=_active(),
                           drafts=[(d, process_name(d.key, d.files, d.key)) for d in drafts], **kwargs)


def _active() -> set[Any]:
    """Ids of the versions new instances start from (one per key)."""
    return {v.id for v in latest_versions()}


@bp.get("/models")
@admin_required
def models():  # noqa: ANN201
    return _page(errors=None, deployed=None)


@bp.post("/models")
@admin_required
def upload():  # noqa: ANN201
    try:
        files = read_upload()
        version, created = atomic(lambda: deploy(files, current_user.username, key=request.form.get("key") or None))
    except DeploymentError as err:
        return _page(errors=err.errors, deployed=None), 400
    return _page(errors=None, deployed={"version": version, "created": created})


@bp.post("/handover")
@admin_required
def handover():  # noqa: ANN201
    """离职转办: every open task of one user goes to another."""
    source = (request.form.get("from_user") or "").strip()
    target = (request.form.get("to") or "").strip()

    def go() -> int:
        if not source:
            raise ValidationFailed({"from_user": ["请填写离职人员的用户名"]})
        if source == target:
            raise ValidationFailed({"to": ["接收人不能是离职人员本人"]})
        return handoffs.handover(source, target, current_user)

    outcome = attempt(go)
    if outcome.ok:
        names = labels()
        flash(f"已将 {names.person(source)} 的 {outcome.value} 项待办转给 {names.person(target)}" if outcome.value
              else f"{names.person(source)} 没有待办，无需转办")
    else:
        flash_failure("离职转办", outcome)
    return redirect(url_for("admin.models"))
