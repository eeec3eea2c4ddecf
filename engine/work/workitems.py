"""Work items for a user task that has just become ready: who gets it (assignee expression,
signers, role + data scope), its due date and priority, separation of duties, deputies, and
what happens when nobody could act (docs/design.md, "Approval operations")."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from engine.base.db import db, utcnow
from engine.base.errors import Incident
from engine.base.models import HumanTask, ProcessInstance, SignStep
from engine.definitions.properties import properties
from engine.definitions.steprules import StepRules, as_usernames, rules_of
from engine.time.calendar import deadline, end_of_day
from engine.work.can_act import anyone_can_act

SKIP = "SKIP"


def open_items(instance: ProcessInstance, workflow: Any, task: Any, *,
               assign_to: str | None = None, via: str | None = None) -> list[HumanTask] | str:
    """Add the work items of a newly ready task; SKIP when nobody can act and the step says so."""
    spec = task.task_spec
    props = properties(spec)
    rules = rules_of(spec)
    base = dict(
        spiff_task_id=task.id, instance_id=instance.id, process_key=instance.process_key,
        task_name=spec.bpmn_id, title=spec.bpmn_name or spec.bpmn_id, lane=spec.lane,
        form_key=props.get("formKey"), form_mode=props.get("formMode"),
        scope_unit=instance.scope_unit, scope_dept=instance.scope_dept, scope_division=instance.scope_division,
        business_key=instance.business_key, instance_title=instance.title, year=instance.year,
        priority=rules.priority, due_at=_due_at(workflow, task, rules),
        excluded=_excluded(instance, workflow, task, rules) or None,
        status="READY",  # set now, not at INSERT: this move reads it before the flush
    )
    if assign_to:  # 退回 straight back / 拿回: the step goes to the person who had it
        return [_add(HumanTask(**base, assignee=assign_to, assigned_via=via))]
    if rules.sign_mode:
        signers = as_usernames(_evaluate(workflow, task, rules.signers, "signers"))
        if signers:
            return open_sign_step(instance, task.id, base, signers, rules.sign_mode,
                                  str(rules.pass_ratio) if rules.pass_ratio else None, rules.reject_rule)
    assignee = None
    if rules.assignee:
        names = as_usernames(_evaluate(workflow, task, rules.assignee, "assignee"))
        assignee = names[0] if names else None
    elif not spec.lane and instance.started_by:
        assignee = instance.started_by  # drawn without a lane: the initiator's (a deploy warning says so)
    item = HumanTask(**base, assignee=assignee, assigned_via="MODEL" if assignee else None)
    if not anyone_can_act(item):
        if rules.no_candidate == "SKIP":
            return SKIP
        if rules.no_candidate == "FAIL":
            raise Incident(f"步骤 “{item.title}” 没有可办理的人员（角色 {item.lane}，范围 "
                           f"{item.scope_unit or item.scope_dept or item.scope_division or '全部'}）")
        item.fallback = True  # ADMIN: the process administrators see it in 待办
    return [_add(item)]


def due_at(rules: StepRules) -> datetime | None:
    """`dueIn`: calendar time from now (P5D, PT4H) or working days against the holiday calendar
    (5WD: the end of the 5th working day after today, 23:59:59 Asia/Shanghai)."""
    if rules.due_working_days:
        return deadline(rules.due_working_days)
    return utcnow() + rules.due_in if rules.due_in else None


def open_sign_step(instance: ProcessInstance, spiff_task_id: uuid.UUID, base: dict[str, Any], signers: list[str],
                   mode: str, ratio: str | None, reject_rule: str) -> list[HumanTask]:
    now = utcnow()  # the round starts now: its signers are the items created from now on
    db.session.add(SignStep(instance_id=instance.id, spiff_task_id=spiff_task_id, mode=mode, ratio=ratio,
                            reject_rule=reject_rule, opened_at=now))
    items = []
    for seq, name in enumerate(signers):
        order = seq if mode == "SEQUENTIAL" else 0
        items.append(_add(HumanTask(**{**base, "status": "READY" if order == 0 else "WAITING"}, assignee=name,
                                    assigned_via="SIGN", sign_seq=order, created_at=now)))
    return items


def _add(item: HumanTask) -> HumanTask:
    item.id = uuid.uuid4()
    db.session.add(item)
    return item


def _due_at(workflow: Any, task: Any, rules: StepRules) -> datetime | None:
    """`dueAt` (an expression over the task data: a deadline the business fixes, such as 人大批准 +
    20 days) or else `dueIn`. A date means the end of that day (23:59:59 Asia/Shanghai)."""
    if not rules.due_at:
        return due_at(rules)
    value = _evaluate(workflow, task, rules.due_at, "dueAt")
    if value is None or value == "":
        return None
    try:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            return end_of_day(value)
        else:
            moment = datetime.fromisoformat(str(value))
    except ValueError as err:
        raise Incident(f"任务 {task.task_spec.bpmn_id} 的 dueAt 须为日期或时间，而不是 “{value}”") from err
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _evaluate(workflow: Any, task: Any, expression: str | None, what: str) -> Any:
    if not expression:
        return None
    try:
        return workflow.script_engine.evaluate(task, expression)
    except Exception as err:  # noqa: BLE001
        raise Incident(f"任务 {task.task_spec.bpmn_id} 的 {what} 表达式出错：{err}") from err


def _excluded(instance: ProcessInstance, workflow: Any, task: Any, rules: StepRules) -> list[str]:
    """Separation of duties: who completed the named earlier steps may not act on this one."""
    if not rules.separate_from:
        return []
    names = set()
    steps = [s for s in rules.separate_from if s not in ("initiator", "previous")]
    if "initiator" in rules.separate_from and instance.started_by:
        names.add(instance.started_by)
    done = select(HumanTask.task_name, HumanTask.completed_by, HumanTask.completed_at).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "COMPLETED")
    rows = db.session.execute(done.order_by(HumanTask.completed_at.desc())).all()
    if "previous" in rules.separate_from and rows:
        names.add(rows[0].completed_by)
    names |= {r.completed_by for r in rows if r.task_name in steps}
    return sorted(n for n in names if n)
