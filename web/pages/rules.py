"""决策表与规则 for the system administrator (issue 13 point 3): the tables and their versions, a plain
cell editor that saves a draft (Chinese errors per cell), the what-if of a draft before it is
activated, activation from an effective date; a jurisdiction's rule packs and thresholds."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from budget.models import Jurisdiction
from budget.models.org import PACKS
from budget.shared import rule_settings
from engine.base.db import db
from engine.base.errors import Conflict, NotFound, ValidationFailed
from engine.base.now import SHANGHAI
from engine.work import rule_tables
from web.pages.admin import admin_required
from web.rule_labels import value_text
from web.transactions import atomic

bp = Blueprint("rules", __name__, url_prefix="/admin/rules")


@bp.errorhandler(NotFound)
def _not_found(err: NotFound):  # noqa: ANN202
    """A table, version, run or jurisdiction that does not exist: the error page, 404."""
    return render_template("error.html", message=str(err)), 404


def _when(raw: str | None) -> datetime | None:
    """A datetime-local field, read as Beijing time; empty: now."""
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise ValidationFailed({"effective_from": ["生效时间格式不正确"]}) from None


@bp.get("")
@admin_required
def index():  # noqa: ANN201
    jurisdictions = list(db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.created_at)))
    settings = [(j, rule_settings.in_force(j), rule_settings.versions(j)) for j in jurisdictions]
    return render_template("admin_rules.html", tables=rule_tables.tables(), settings=settings, packs=PACKS,
                           pack_names=rule_settings.PACK_NAMES, described=rule_settings.described, errors={})


@bp.post("/jurisdictions/<code>")
@admin_required
def save_settings(code: str):  # noqa: ANN201
    form = request.form
    try:
        params = json.loads(form.get("rule_params") or "{}")
        if not isinstance(params, dict):
            raise ValueError
    except ValueError:
        flash("阈值参数须为 JSON 对象，如 {\"warn_start_month\": 4}", "error")
        return redirect(url_for("rules.index"))

    def go() -> Any:
        j = rule_settings.jurisdiction(code)
        row = rule_settings.add_draft(j, form.getlist("packs"), params, current_user.username, form.get("note", ""))
        if form.get("activate"):
            rule_settings.activate(j, row, current_user, _when(form.get("effective_from")))
        return row
    try:
        row = atomic(go)
    except ValidationFailed as err:
        for messages in err.errors.values():
            for m in messages:
                flash(m, "error")
        return redirect(url_for("rules.index"))
    flash(f"已保存规则设置第{row.version}版" + ("并启用" if row.status == "ACTIVE" else "（草稿）"), "success")
    return redirect(url_for("rules.index"))


@bp.post("/jurisdictions/<code>/<v>/activate")
@admin_required
def activate_settings(code: str, v: str):  # noqa: ANN201
    def go() -> Any:
        j = rule_settings.jurisdiction(code)
        return rule_settings.activate(j, rule_settings.version_of(j, _n(v)), current_user, _when(request.form.get("effective_from")))
    try:
        atomic(go)
        flash(f"规则设置第{_n(v)}版已启用", "success")
    except (Conflict, ValidationFailed) as err:
        flash(str(getattr(err, "errors", None) or err), "error")
    return redirect(url_for("rules.index"))


def _table_page(decision_id: str, *, base_version: int | None = None, errors: dict[str, list[str]] | None = None,
                values: dict[str, str] | None = None, what_if: Any = None, draft: Any = None, status: int = 200):  # noqa: ANN202
    versions = rule_tables.versions(decision_id)
    if not versions:
        rule_tables.version_of(decision_id, 0)  # 404
    in_force = rule_tables.in_force_version(decision_id)
    base = rule_tables.version_of(decision_id, base_version) if base_version else (in_force or versions[0])
    grid = rule_tables.grid(base.content)
    # the what-if's rows as row numbers: the old ones of the version in force, the new ones of the draft
    old_rows = rule_tables.grid(in_force.content).row_numbers() if what_if and in_force else {}
    return render_template("admin_rule_table.html", decision_id=decision_id, versions=versions, in_force=in_force,
                           base=base, grid=grid, errors=errors or {}, values=values or {},
                           what_if=what_if, draft=draft, old_rows=old_rows, new_rows=grid.row_numbers(),
                           output_labels=grid.output_labels(), value_text=value_text), status


@bp.get("/tables/<decision_id>")
@admin_required
def table(decision_id: str):  # noqa: ANN201
    return _table_page(decision_id, base_version=request.args.get("base", type=int))


@bp.post("/tables/<decision_id>")
@admin_required
def save_draft(decision_id: str):  # noqa: ANN201
    """The grid's cells and annotations as a new draft on top of the version it was opened from."""
    form = request.form
    base_version = form.get("base", type=int)
    cells = {k.removeprefix("cell:"): v for k, v in form.items() if k.startswith("cell:")}
    descriptions = {k.removeprefix("desc:"): v for k, v in form.items() if k.startswith("desc:")}

    def go() -> Any:
        base = rule_tables.version_of(decision_id, base_version)
        content = rule_tables.with_cells(base.content, cells, descriptions)
        return rule_tables.add_draft(decision_id, content, current_user.username, note=form.get("note", ""),
                                     based_on=base.version)
    try:
        draft = atomic(go)
    except ValidationFailed as err:
        return _table_page(decision_id, base_version=base_version, errors=err.errors,
                           values={**{f"cell:{k}": v for k, v in cells.items()},
                                   **{f"desc:{k}": v for k, v in descriptions.items()}}, status=422)
    flash(f"已保存为草稿第{draft.version}版；启用前请先试算", "success")
    return redirect(url_for("rules.table", decision_id=decision_id, base=draft.version, _anchor="versions"))


@bp.get("/tables/<decision_id>/editor")
@admin_required
def editor(decision_id: str):  # noqa: ANN201
    """dmn-js's decision-table editor over a version (the one in force unless ?base=N)."""
    return _editor_page(decision_id, request.args.get("base", type=int))


def _editor_page(decision_id: str, base_version: int | None, *, content: str | None = None,
                 errors: dict[str, list[str]] | None = None, status: int = 200):  # noqa: ANN202
    base = (rule_tables.version_of(decision_id, base_version) if base_version
            else rule_tables.in_force_version(decision_id) or rule_tables.version_of(decision_id, 0))
    return render_template("admin_dmn_editor.html", decision_id=decision_id, base=base,
                           content=content or base.content, errors=errors or {}), status


@bp.post("/tables/<decision_id>/editor")
@admin_required
def save_from_editor(decision_id: str):  # noqa: ANN201
    form = request.form
    base_version = form.get("base", type=int)
    content = form.get("content", "")
    try:
        draft = atomic(lambda: rule_tables.add_draft(decision_id, content, current_user.username,
                                                     note=form.get("note", ""), based_on=base_version))
    except ValidationFailed as err:
        return _editor_page(decision_id, base_version, content=content, errors=err.errors, status=422)
    flash(f"已保存为草稿第{draft.version}版；启用前请先试算", "success")
    return redirect(url_for("rules.table", decision_id=decision_id, base=draft.version, _anchor="versions"))


@bp.post("/tables/<decision_id>/<v>/what-if")
@admin_required
def what_if(decision_id: str, v: str):  # noqa: ANN201
    draft = rule_tables.version_of(decision_id, _n(v))
    run = atomic(lambda: rule_tables.start_what_if(draft, current_user.username))
    return _table_page(decision_id, base_version=draft.version, what_if=run, draft=draft)


@bp.get("/what-if/<run_id>")
@admin_required
def what_if_run(run_id: str):  # noqa: ANN201
    run = rule_tables.what_if_run(run_id)
    draft = db.session.get(rule_tables.DecisionTableVersion, run.table_version_id)
    return _table_page(draft.decision_id, base_version=draft.version, what_if=run, draft=draft)


@bp.post("/tables/<decision_id>/<v>/activate")
@admin_required
def activate(decision_id: str, v: str):  # noqa: ANN201
    try:
        row = atomic(lambda: rule_tables.activate(rule_tables.version_of(decision_id, _n(v)), current_user,
                                                  _when(request.form.get("effective_from"))))
        flash(f"第{row.version}版已启用，自 {row.effective_from.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 起生效", "success")
    except (Conflict, ValidationFailed) as err:
        flash(str(getattr(err, "errors", None) or err), "error")
    return redirect(url_for("rules.table", decision_id=decision_id))


def _n(v: str) -> int:
    """A version number from the path; anything else is a version that does not exist."""
    return int(v) if v.isdigit() and len(v) < 9 else 0
