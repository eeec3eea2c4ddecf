"""整改来源登记 (/rectification-sources, issue 12 points 2–3): the performance division registers an
evaluation's findings, an audit observer an audit's (V-14: its one write); one page, the audit
observer sees fewer fields. The form carries an idempotency key made when the page is drawn, so a
double click or a second tab registers once (budget.rect_sources.registration)."""
from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from budget.rect_sources import registration as reg
from engine.base.db import db
from engine.base.errors import Conflict, NotFound, ValidationFailed

bp = Blueprint("rect_sources", __name__)
GRID_ROWS = 5  # finding rows drawn; blank ones are no finding
FINDING_FIELDS = ("description", "category", "severity", "owner_unit", "suggested_measure")


def _render(errors: dict[str, list[str]] | None = None, status: int = 200):  # noqa: ANN202
    allowed = reg.allowed_types(current_user)
    rows, total = reg.sources_for(current_user, 1, 30)
    values = request.form if errors else {}
    return render_template(
        "rect_sources.html", types=[(t, reg.TYPE_NAMES[t]) for t in allowed], audit_only=allowed == ("AUDIT",),
        projects=reg.projects_for(current_user), severities=reg.SEVERITY_NAMES, grid_rows=GRID_ROWS,
        sources=rows, total=total, errors=errors or {}, values=values,
        key=values.get("idempotency_key") or uuid.uuid4().hex), status


@bp.get("/rectification-sources")
@login_required
def index():  # noqa: ANN201
    if not reg.may_register(current_user):
        abort(403)
    return _render()


def _findings(form: Any) -> list[dict[str, str]]:
    return [{f: form.get(f"findings.{i}.{f}", "") for f in FINDING_FIELDS} for i in range(GRID_ROWS)]


@bp.post("/rectification-sources")
@login_required
def register():  # noqa: ANN201
    if not reg.may_register(current_user):
        abort(403)
    form, errors = request.form, {}
    allowed = reg.allowed_types(current_user)
    source_type = form.get("source_type") or (allowed[0] if allowed == ("AUDIT",) else "")
    try:
        project_id = uuid.UUID(form.get("project_id", ""))
    except ValueError:
        errors["project_id"] = ["请选择项目"]
    year = form.get("eval_year", "").strip()
    if not year.isdigit() or not 2000 <= int(year) <= 2100:
        errors["eval_year"] = ["请填写年度（如 2024）"]
    score = None
    if source_type != "AUDIT" and form.get("score", "").strip():
        try:
            score = Decimal(form["score"].strip())
            if not 0 <= score <= 100:
                errors["score"] = ["得分须在 0–100 之间"]
        except InvalidOperation:
            errors["score"] = ["得分须为数字"]
    if not source_type:
        errors["source_type"] = ["请选择来源类型"]
    if errors:
        return _render(errors, 422)
    try:
        source, created = reg.register(current_user, reg.Registration(
            source_type=source_type, project_id=project_id, eval_year=int(year), findings=_findings(form),
            client_key=form.get("idempotency_key", "")[:64] or uuid.uuid4().hex, score=score,
            large_diff=bool(form.get("large_diff")), cost_poor=bool(form.get("cost_poor"))))
    except ValidationFailed as err:
        db.session.rollback()
        return _render(err.errors, 422)
    except NotFound as err:
        db.session.rollback()
        return _render({"project_id": [str(err)]}, 422)
    except Conflict as err:
        db.session.rollback()
        return _render({"_form": [str(err)]}, 409)
    state = "已启动整改" if source.message_status == "STARTED" else "整改流程尚未部署，部署后自动启动"
    flash(f"已登记：{source.source_label}（{state}）" if created else "该表单此前已提交，未重复登记")
    return redirect(url_for("rect_sources.index"))
