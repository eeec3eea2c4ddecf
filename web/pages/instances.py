"""The instance page: status, current steps, who may act, 审批意见, 审批预测, the timeline, and
the operations around an instance (their routes are in web.pages.instance_ops)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import and_, or_, select

from engine.base.db import db
from engine.base.errors import NotFound
from engine.base.identity import RoleAssignment, User
from engine.base.models import HumanTask, Opinion, ProcessInstance
from engine.moves import interactions, token
from engine.moves.interventions import may_intervene
from engine.moves.state import load_workflow, read_workflow
from engine.views import decisions
from engine.views.diagram import instance_diagram
from engine.work import attachments
from engine.work.inbox import candidates, ready_tasks
from web.api.common import path_uuid, visible_instance
from web.presenters import diagram_json, instance_json, opinion_json

bp = Blueprint("instances", __name__, url_prefix="/instances")


@bp.get("/<instance_id>")
@login_required
def show(instance_id: str):  # noqa: ANN201
    try:
        instance = visible_instance(instance_id, current_user)
    except NotFound:
        return render_template("error.html", message="流程实例不存在或您无权查看"), 404
    return render_template("instance.html", i=instance_json(instance), x=_extras(instance, current_user),
                           sub=request.args.get("sub", "")[:40])


@bp.get("/<instance_id>/diagram")
@login_required
def diagram(instance_id: str):  # noqa: ANN201
    """The diagram's data for the viewer (dist/diagram.js): the API's GET /instances/{id}/diagram
    under the session, so the pages need no token."""
    try:
        instance = visible_instance(instance_id, current_user)
        sub = path_uuid(request.args["sub"], "子流程") if request.args.get("sub") else None
        return jsonify(diagram_json(instance_diagram(instance, sub)))
    except NotFound as err:
        return jsonify(error="not_found", message=str(err) or "流程实例不存在或您无权查看"), 404


def _extras(instance: ProcessInstance, user: User) -> dict[str, Any]:
    running = instance.status == "RUNNING"
    opinions = db.session.scalars(select(Opinion).where(Opinion.instance_id == instance.id).order_by(Opinion.id))
    last = None
    if running:  # 拿回: only the viewer's latest completion in this instance
        last = db.session.scalar(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.completed_by == user.username,
            HumanTask.status == "COMPLETED").order_by(HumanTask.completed_at.desc()).limit(1))
    if last is not None and any(t.task_name == last.task_name and t.assignee == user.username
                                for t in ready_tasks(instance.id)):
        last = None  # the step is in the viewer's hands again (撤回, 退回): nothing to take back
    return {
        "running": running,
        "opinions": [opinion_json(o) for o in opinions],
        "prediction": interactions.predict(instance, load_workflow(instance)) if running else [],
        "reclaimable": last,
        "may_withdraw": running and instance.started_by == user.username,
        "attachments": attachments.of_instance(instance.id),
        "admin": _admin_panel(instance, user) if may_intervene(user) else None,
        "decisions": decisions.for_instance(instance),
    }


def _admin_panel(instance: ProcessInstance, user: User) -> dict[str, Any]:
    """What an administrator may do to this instance now (engine.moves.interventions decides again)."""
    live = instance.status in ("RUNNING", "SUSPENDED")
    open_rows = list(db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status.in_(("READY", "WAITING")))
        .order_by(HumanTask.created_at))) if live else []
    touched = db.session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "COMPLETED").limit(1)) is not None
    return {
        "live": live, "suspended": instance.status == "SUSPENDED",
        "retry": instance.status == "RUNNING" and bool(instance.incident),
        "draft": live and not touched and len(open_rows) == 1 and instance.started_by is not None,
        "reassign": [{"item": r, "people": _people_for(instance, r)} for r in open_rows],
        # 移动到…: per current step, the completed steps before it and the next steps after it
        "moves": token.targets(read_workflow(instance)) if instance.status == "RUNNING" else [],
    }


def _people_for(instance: ProcessInstance, row: HumanTask) -> list[User]:
    """Whom a work item may be reassigned to, for the select: its candidates, then the people of
    the instance's unit and department (a searchable people picker comes with the picker work)."""
    near = select(RoleAssignment.user_id).where(or_(
        and_(RoleAssignment.scope_type == "UNIT", RoleAssignment.scope_id == instance.scope_unit),
        and_(RoleAssignment.scope_type == "DEPARTMENT", RoleAssignment.scope_id == instance.scope_dept)))
    people = {u.username: u for u in candidates(row, limit=50)}
    for u in db.session.scalars(select(User).where(User.id.in_(near), User.active.is_(True))
                                .order_by(User.username).limit(100)):
        people.setdefault(u.username, u)
    return [u for u in people.values() if u.username != row.assignee and u.username not in (row.excluded or [])]
