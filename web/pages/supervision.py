"""Supervisor pages: every instance in one's scope with filters, the project library, and one
project's page (its record, requests and instances, and history)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from budget import dossier
from budget.library import STATUS_LABELS, project_library
from engine.base.errors import NotFound
from engine.work import supervision
from web.inputs import query_int
from web.pages.monitoring_actions import running_years
from web.paging import page_args
from web.presenters import event_json, instance_json

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
projects_bp = Blueprint("projects", __name__, url_prefix="/projects")


def _filters(names: tuple[str, ...]) -> dict[str, Any]:
    found: dict[str, Any] = {k: request.args.get(k, "").strip()[:200] for k in names}
    if "year" in found and query_int(found["year"], 1900, 2999) is None:
        found["year"] = ""
    return found


@bp.get("/instances")
@login_required
def instances():  # noqa: ANN201
    f = _filters(supervision.FILTERS)
    if f["status"] not in supervision.STATUSES:
        f["status"] = ""
    found = supervision.supervised(current_user, {**f, "year": int(f["year"]) if f["year"] else None}, *page_args())
    return render_template("supervision_instances.html", rows=[instance_json(i, False) for i in found.items],
                           found=found, filters=f)


@bp.get("/projects")
@login_required
def projects():  # noqa: ANN201
    f = _filters(("status", "dept", "year", "q"))
    if f["status"] not in STATUS_LABELS:
        f["status"] = ""
    found = project_library(current_user, f, *page_args())
    return render_template("supervision_projects.html", rows=found.items, found=found, filters=f,
                           statuses=STATUS_LABELS)


@projects_bp.get("/<ref>")
@login_required
def show(ref: str):  # noqa: ANN201
    """A project by id or code; "not found" outside the viewer's scope."""
    try:
        project, instances = dossier.find(ref[:100], current_user)
    except NotFound:
        return render_template("error.html", title="页面不存在", message=dossier.NOT_FOUND, code=404), 404
    events = [{**event_json(e), "instance_id": str(i.id), "instance_title": i.title, "process_key": i.process_key,
               "model_version_id": i.model_version_id}
              for e, i in supervision.history(instances)]
    return render_template("project.html", p=dossier.record(project),
                           instances=[instance_json(i, False) for i in instances], history=events,
                           monitoring=running_years(instances, current_user))
