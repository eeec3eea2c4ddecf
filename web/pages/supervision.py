"""Supervisor pages: every instance with filters, and the project library."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import exists, select

from budget.library import STATUS_LABELS, project_library
from engine.base.db import db
from engine.base.models import HumanTask, ProcessInstance
from engine.work.access import SUPERVISOR_ROLES
from web.inputs import query_int
from web.presenters import instance_json

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
FILTERS = ("process_key", "status", "dept", "step", "year", "q")


def _scoped(query):  # noqa: ANN001, ANN202
    """Supervisors with an ALL scope see everything; others their departments/units."""
    roles = [a for a in current_user.roles if a.valid_on()]
    if any(a.scope_type == "ALL" and a.role in SUPERVISOR_ROLES for a in roles):
        return query
    depts = [a.scope_id for a in roles if a.scope_type == "DEPARTMENT"]
    units = [a.scope_id for a in roles if a.scope_type == "UNIT"]
    divisions = [a.scope_id for a in roles if a.scope_type == "DIVISION"]
    return query.where(ProcessInstance.scope_dept.in_(depts) | ProcessInstance.scope_unit.in_(units)
                       | ProcessInstance.scope_division.in_(divisions))


@bp.get("/instances")
@login_required
def instances():  # noqa: ANN201
    f = {k: request.args.get(k, "").strip() for k in FILTERS}
    query = _scoped(select(ProcessInstance))
    if f["process_key"]:
        query = query.where(ProcessInstance.process_key == f["process_key"])
    if f["status"]:
        query = query.where(ProcessInstance.status == f["status"])
    if f["dept"]:
        query = query.where(ProcessInstance.scope_dept == f["dept"])
    if (year := query_int(f["year"], 1900, 2999)) is not None:
        query = query.where(ProcessInstance.year == year)
    if f["q"]:
        like = f"%{f['q']}%"
        query = query.where(ProcessInstance.title.ilike(like) | ProcessInstance.business_key.ilike(like))
    if f["step"]:
        query = query.where(exists().where(HumanTask.instance_id == ProcessInstance.id, HumanTask.status == "READY",
                                           HumanTask.title.ilike(f"%{f['step']}%")))
    rows = db.session.scalars(query.order_by(ProcessInstance.started_at.desc()).limit(200))
    return render_template("supervision_instances.html", rows=[instance_json(i, False) for i in rows],
                           filters=f)


@bp.get("/projects")
@login_required
def projects():  # noqa: ANN201
    f = {k: request.args.get(k, "").strip() for k in ("status", "dept", "year", "q")}
    if query_int(f["year"], 1900, 2999) is None:
        f["year"] = ""
    return render_template("supervision_projects.html", rows=project_library(current_user, f), filters=f,
                           statuses=STATUS_LABELS)
