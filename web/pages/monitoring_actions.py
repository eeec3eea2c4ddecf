"""The project page's two messages into a running P3 (绩效运行监控): 申请调整绩效目标 (the unit's
`msg_target_adjust_request`, opening F-13 in its 待办) and 项目已提前完成 (the department's
`msg_project_completed_early`, confirmed first: the year's monitoring then ends after the month in
course). Sent through the same delivery and sender rules as POST /api/v1/messages; the form carries
a message id made when the page was drawn, so a second click delivers nothing twice."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from budget import dossier
from budget.shared.helpers import today
from budget.shared.message_catalogue import find
from engine.base.db import db
from engine.base.errors import EngineError, NotFound
from engine.base.models import HumanTask, ProcessInstance
from engine.moves.inbound import post
from web.messaging import may_send, sender_reach
from web.pages.outcome import not_found_page

bp = Blueprint("monitoring_actions", __name__, url_prefix="/projects")
P3 = "p3_monitoring"
ADJUST, EARLY = "msg_target_adjust_request", "msg_project_completed_early"
ACTIONS = {"target-adjust": ADJUST, "completed-early": EARLY}
ADJUST_DEADLINE = (10, 31)  # F-13: no requests after Oct 31 of the year (budget.p3_monitoring.adjustment)


def running_years(instances: list[ProcessInstance], user: Any) -> list[dict[str, Any]]:
    """Per running P3 instance the page shows: which of the two messages `user` may send."""
    rows = []
    for i in instances:
        if i.process_key != P3 or i.status != "RUNNING" or i.year is None:
            continue
        adjust_open = today() <= date(i.year, *ADJUST_DEADLINE)
        rows.append({"year": i.year, "instance_id": str(i.id), "adjust_open": adjust_open,
                     "can_adjust": may_send(user, find(ADJUST), i), "can_complete": may_send(user, find(EARLY), i),
                     "message_id": str(uuid.uuid4()), "today": today().isoformat()})
    return [r for r in rows if r["can_adjust"] or r["can_complete"]]


def _completion_date(year: int) -> date | str:
    raw = (request.form.get("completion_date") or "").strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return "请填写项目完成日期"
    if day.year != year or day > today():
        return f"完成日期应在 {year} 年内且不晚于今天"
    return day


@bp.post("/<ref>/monitoring/<int:year>/<action>")
@login_required
def send(ref: str, year: int, action: str):  # noqa: ANN201
    name = ACTIONS.get(action)
    try:
        project, instances = dossier.find(ref[:100], current_user)
    except NotFound:
        return not_found_page(dossier.NOT_FOUND)
    running = [i for i in instances if i.process_key == P3 and i.year == year and i.status == "RUNNING"]
    back = redirect(url_for("projects.show", ref=project.code))
    if name is None or not running:
        flash("该年度的绩效运行监控未在进行中", "error")
        return back
    payload: dict[str, Any] = {}
    if name == EARLY:
        day = _completion_date(year)
        if isinstance(day, str):
            flash(day, "error")
            return back
        payload["completion_date"] = day.isoformat()
    message_id = (request.form.get("message_id") or "").strip()[:100] or str(uuid.uuid4())
    kind = find(name)
    try:
        posted = post(name, {"project_id": str(project.id), "fiscal_year": year}, payload,
                      client_id=f"page:{message_id}", sender=current_user, reach=sender_reach(current_user, kind))
    except EngineError as err:
        db.session.rollback()
        flash(f"{kind.label}未成功：{err}", "error")
        return back
    failed = [r.get("error") for r in posted.results if r["outcome"] == "FAILED"]
    if failed:
        flash(f"{kind.label}未成功：{failed[0]}", "error")
        return back
    if not any(r["outcome"] == "DELIVERED" for r in posted.results) and not posted.duplicate:
        flash(f"{kind.label}未送达：该年度的绩效运行监控未在等待此消息", "error")
        return back
    if name == EARLY:
        flash(f"已登记项目于 {payload['completion_date']} 提前完成：本月监控结束后，{year} 年度运行监控随即关闭")
        return back
    task = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == running[0].id, HumanTask.task_name == "ut_p3_adjust_request",
        HumanTask.status == "READY").order_by(HumanTask.created_at.desc())).first()
    flash("已发起绩效目标调整申请，请填写调整内容后提交主管部门审核")
    return redirect(url_for("tasks.show", task_id=task.id)) if task is not None else back
