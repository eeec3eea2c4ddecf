"""版本与迁移 of one process model (/admin/models/<key>/migrations, issue 13 point 4): the versions with
the active one marked and 设为启用版本 (a rollback, with a reason); the migration of running
instances from one version to another — a preview per instance, then a queued batch whose progress
the page follows; the model's audit. System administrators only (engine.moves.versions, migration)."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from engine.base.db import db
from engine.base.model_admin import MigrationRun
from engine.base.models import ProcessInstance
from engine.moves import migration, versions
from web.inputs import query_int
from web.pages.admin import admin_required
from web.pages.outcome import attempt, flash_failure, not_found_page
from web.paging import page_args

bp = Blueprint("admin_versions", __name__, url_prefix="/admin/models")
AUDIT_LABELS = {"activate": "切换启用版本", "migrate": "迁移实例"}


def _running(key: str) -> dict[int, int]:
    """Running and suspended instances per version number."""
    rows = db.session.execute(select(ProcessInstance.version, func.count()).where(
        ProcessInstance.process_key == key, ProcessInstance.status.in_(migration.MIGRATABLE))
        .group_by(ProcessInstance.version))
    return dict(rows.all())


def _run(key: str, raw: str | None) -> MigrationRun | None:
    try:
        run = db.session.get(MigrationRun, uuid.UUID(raw)) if raw else None
    except ValueError:
        return None
    return run if run is not None and run.process_key == key else None


@bp.get("/<key>/migrations")
@admin_required
def migrations(key: str):  # noqa: ANN201
    outcome = attempt(lambda: versions.versions_of(key))
    if not outcome.ok:
        return not_found_page("流程模型不存在")
    found = outcome.value
    active = versions.active_version(key)
    running = _running(key)
    numbers = [v.version for v in found]
    source = query_int(request.args.get("from"), 1, 10**6)
    target = query_int(request.args.get("to"), 1, 10**6)
    plan = None
    if source in numbers and target in numbers and source != target:
        page, per_page = page_args()
        plan = migration.preview(key, source, target, current_user, page=page, per_page=per_page)
        db.session.rollback()  # a preview is thrown away
    runs = list(db.session.scalars(select(MigrationRun).where(MigrationRun.process_key == key)
                                   .order_by(MigrationRun.created_at.desc()).limit(5)))
    return render_template(
        "admin_model_migrations.html", key=key, versions=found, active=active, running=running,
        source=source or next((n for n in sorted(running) if n != active.version), None), target=target or active.version,
        plan=plan, run=_run(key, request.args.get("run")), runs=runs, audit=versions.model_audit(key),
        audit_labels=AUDIT_LABELS)


@bp.post("/<key>/versions/<number>/activate")
@admin_required
def activate(key: str, number: str):  # noqa: ANN201
    outcome = attempt(lambda: versions.activate(key, query_int(number, 1, 10**6) or 0, current_user,
                                                request.form.get("reason") or ""))
    if outcome.status == 404:
        return not_found_page("流程模型版本不存在")
    if outcome.ok:
        flash(f"第{number}版已设为启用版本" if outcome.value[1] else f"第{number}版本来就是启用版本")
    else:
        flash_failure("设为启用版本", outcome)
    return redirect(url_for("admin_versions.migrations", key=key))


@bp.post("/<key>/migrations")
@admin_required
def start(key: str):  # noqa: ANN201
    form = request.form
    source, target = query_int(form.get("from"), 1, 10**6), query_int(form.get("to"), 1, 10**6)
    chosen = None if form.get("all") == "1" else _ids(form.getlist("instance_id"))  # all: not only this page

    def go() -> Any:
        return migration.start_run(key, source or 0, target or 0, current_user, form.get("reason") or "", chosen)

    outcome = attempt(go)
    if outcome.status == 404:
        return not_found_page("流程模型版本不存在")
    if not outcome.ok:
        flash_failure("迁移", outcome)
        return redirect(url_for("admin_versions.migrations", key=key, **{"from": source, "to": target}))
    flash(f"已开始迁移 {outcome.value.total} 个流程实例：第{source}版 → 第{target}版")
    return redirect(url_for("admin_versions.migrations", key=key, run=outcome.value.id))


def _ids(raw: list[str]) -> list[uuid.UUID]:
    out = []
    for value in raw:
        try:
            out.append(uuid.UUID(value))
        except ValueError:
            continue
    return out
