"""Who holds a work item: 认领/释放, 转办, 委派 and its return, 加签/减签, 离职转办 and 代理.
None of these moves the engine; they change work items under the instance's row lock and
leave an opinion, an audit row and a notification."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from engine.base.db import db, utcnow
from engine.base.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.base.identity import User
from engine.base.models import AuditEvent, Deputy, HumanTask, ProcessInstance, SignStep
from engine.moves.runtime import lock_item, may_decide
from engine.work import signing
from engine.work.access import PROCESS_ADMIN_ROLES, acting_as
from engine.work.audit import audit
from engine.work.opinions import add_opinion, notify


def claim(item_id: uuid.UUID, actor: User) -> HumanTask:
    instance, row = lock_item(item_id, actor)
    if row.status != "READY":
        raise Conflict("任务已被处理，请刷新")
    if row.assignee:
        raise Conflict(f"任务已由 {row.assignee} 认领" if row.assigned_via == "CLAIM" else "任务已指定办理人")
    if acting_as(actor, row) is None:
        raise Forbidden("您不是该任务的候选办理人")
    row.assignee, row.assigned_via, row.claimed_at = actor.username, "CLAIM", utcnow()
    audit(instance, actor, "claim", row=row)
    return row


def release(item_id: uuid.UUID, actor: User) -> HumanTask:
    instance, row = lock_item(item_id, actor)
    if row.status != "READY":
        raise Conflict("任务已被处理，请刷新")
    if row.assigned_via != "CLAIM" or row.assignee != actor.username:
        raise Forbidden("只能释放自己认领的任务")
    row.assignee, row.assigned_via, row.claimed_at = None, None, None
    audit(instance, actor, "release", row=row)
    return row


def transfer(item_id: uuid.UUID, actor: User, to: str, opinion: str = "") -> HumanTask:
    """转办: `to` takes the task over and decides it. A signer's item never goes to someone who
    already signs (or signed) in the same round: one person, one vote."""
    instance, row = lock_item(item_id, actor)
    acting = may_decide(row, actor)
    person = _target(row, to, actor)
    if row.sign_seq is not None:
        _not_a_signer_yet(row, person.username)
    row.assignee, row.assigned_via, row.owner, row.delegation = person.username, "TRANSFER", None, None
    row.claimed_at, row.opened_at = None, None
    add_opinion(instance, actor, "transfer", row=row, text=opinion)
    audit(instance, actor, "transfer", row=row, comment=opinion,
          detail=_on_behalf({"to": person.username}, acting, actor))
    notify([person.username], "transfer", f"转办给您：{row.title}（{instance.title}）", body=opinion,
           instance=instance, row=row, by=actor.username)
    return row


def delegate(item_id: uuid.UUID, actor: User, to: str, opinion: str = "") -> HumanTask:
    """委派: `to` works on it, then it comes back to the owner to decide."""
    instance, row = lock_item(item_id, actor)
    acting = may_decide(row, actor)
    person = _target(row, to, actor)
    row.owner = row.owner or acting
    row.assignee, row.assigned_via, row.delegation, row.opened_at = person.username, "DELEGATE", "PENDING", None
    add_opinion(instance, actor, "delegate", row=row, text=opinion)
    audit(instance, actor, "delegate", row=row, comment=opinion,
          detail=_on_behalf({"to": person.username}, acting, actor))
    notify([person.username], "delegate", f"委派给您：{row.title}（{instance.title}）", body=opinion,
           instance=instance, row=row, by=actor.username)
    return row


def resolve(item_id: uuid.UUID, actor: User, opinion: str) -> HumanTask:
    """The delegate hands the task back to its owner with their opinion."""
    instance, row = lock_item(item_id, actor)
    if row.status != "READY":
        raise Conflict("任务已被处理，请刷新")
    if row.delegation != "PENDING" or row.assignee != actor.username:
        raise Forbidden("只有被委派人可以交回")
    if not (opinion or "").strip():
        raise ValidationFailed({"opinion": ["交回时须填写处理意见"]})
    owner = row.owner
    row.assignee, row.assigned_via, row.delegation, row.opened_at = owner, "DELEGATE", "RESOLVED", None
    add_opinion(instance, actor, "resolve", row=row, text=opinion)
    audit(instance, actor, "resolve", row=row, comment=opinion, detail={"to": owner})
    notify([owner] if owner else [], "resolve", f"委派已交回：{row.title}（{instance.title}）", body=opinion,
           instance=instance, row=row, by=actor.username)
    return row


def add_signers(item_id: uuid.UUID, actor: User, users: list[str], position: str, order: str = "PARALLEL",
                opinion: str = "") -> list[HumanTask]:
    """加签: BEFORE (they sign first, then it comes back), AFTER (they sign after the actor), or
    WITH (alongside, now). Several added signers sign in sequence or in parallel (`order`)."""
    instance, row = lock_item(item_id, actor)
    acting = may_decide(row, actor)
    position, order = position.upper(), order.upper()
    errors: dict[str, list[str]] = {}
    if position not in ("BEFORE", "AFTER", "WITH"):
        errors["position"] = ["加签方式须为 BEFORE（前加签）、AFTER（后加签）或 WITH（并加签）"]
    if order not in ("SEQUENTIAL", "PARALLEL"):
        errors["order"] = ["须为 SEQUENTIAL（依次）或 PARALLEL（同时）"]
    names = list(dict.fromkeys(u.strip() for u in users if u and u.strip()))
    if not names:
        errors["users"] = ["请选择加签人"]
    if errors:
        raise ValidationFailed(errors)
    people = [_target(row, name, actor, field="users") for name in names]
    if row.sign_seq is None:  # a single approver's task becomes a multi-signer step (all must approve)
        db.session.add(SignStep(instance_id=instance.id, spiff_task_id=row.spiff_task_id, mode="ALL",
                                opened_at=row.created_at))
        row.sign_seq = 0
    rows = signing.signers(row)
    taken = {r.assignee for r in rows if r.status in signing.OPEN}
    if dup := [p.username for p in people if p.username in taken]:
        raise ValidationFailed({"users": [f"{'、'.join(dup)} 已在本环节待签"]})
    signed = {r.completed_by for r in rows if r.status == "COMPLETED"} | {actor.username, row.assignee}
    if dup := [p.username for p in people if p.username in signed]:  # one person, one vote per round
        raise ValidationFailed({"users": [f"{'、'.join(dup)} 已在本环节签署，同一人不能在一个环节签署两次"]})
    levels = len(people) if order == "SEQUENTIAL" and position != "WITH" else 1
    mine = row.sign_seq or 0
    if position == "WITH":
        first = mine
    else:
        first = mine if position == "BEFORE" else mine + 1
        for r in rows:
            if r.sign_seq is not None and (r.sign_seq > mine or (position == "BEFORE" and r.sign_seq >= mine)):
                r.sign_seq += levels
    added = []
    for i, person in enumerate(people):
        item = HumanTask(**_copy(row), id=uuid.uuid4(), assignee=person.username, assigned_via="SIGN",
                         sign_seq=first + (i if levels > 1 else 0), status="WAITING")
        db.session.add(item)
        added.append(item)
    open_rows = [r for r in rows if r.status in signing.OPEN] + added
    low = min(r.sign_seq or 0 for r in open_rows)
    for r in open_rows:  # whoever has the lowest sequence number is up
        r.status = "READY" if (r.sign_seq or 0) == low else "WAITING"
    add_opinion(instance, actor, "add_signer", row=row, text=opinion)
    audit(instance, actor, "add_signer", row=row, comment=opinion, detail=_on_behalf(
        {"users": [p.username for p in people], "position": position, "order": order}, acting, actor))
    notify([i.assignee for i in added if i.status == "READY"], "sign", f"请会签：{row.title}（{instance.title}）",
           instance=instance, row=row, by=actor.username)
    return added


def remove_signer(item_id: uuid.UUID, actor: User, opinion: str = "") -> HumanTask:
    """减签: take a pending signer off a multi-signer step (by a signer of that step or an admin)."""
    instance, row = lock_item(item_id, actor)
    if row.sign_seq is None or row.status not in signing.OPEN:
        raise Conflict("只能减去多人审批环节中尚未签署的人")
    step = signing.step_of(row)
    rows = signing.signers(row, step)
    rights = [who for r in rows if r.id != row.id and (who := acting_as(actor, r))]
    acting = actor.username if actor.username in rights else next(iter(rights), None)
    if acting is None and not _is_admin(actor):
        raise Forbidden("只有本环节的办理人或流程管理员可以减签")
    remaining = [r for r in rows if r.status in signing.OPEN and r.id != row.id]
    if not remaining:
        raise ValidationFailed({"task": ["减签后须至少保留一位待签人"]})
    if step is not None and signing.outcome(step, [r for r in rows if r.id != row.id]):
        raise ValidationFailed({"task": ["减签后本环节即可得出结论，请由待签人直接办理"]})
    row.status = "CANCELLED"
    signing.promote([r for r in rows if r.id != row.id])
    add_opinion(instance, actor, "remove_signer", row=row, text=opinion)
    audit(instance, actor, "remove_signer", row=row, comment=opinion,
          detail=_on_behalf({"user": row.assignee}, acting, actor))
    return row


def handover(from_user: str, to_user: str, actor: User) -> int:
    """离职转办: every open task assigned to `from_user` (or owned through 委派) goes to `to_user`."""
    if not _is_admin(actor):
        raise Forbidden("只有管理员可以办理离职转办")
    target = db.session.scalar(select(User).where(User.username == to_user, User.active.is_(True)))
    if target is None or to_user == from_user:
        raise ValidationFailed({"to": ["接收人不存在、已停用或与原办理人相同"]})
    mine = (HumanTask.assignee == from_user) | (HumanTask.owner == from_user)
    open_ = HumanTask.status.in_(("READY", "WAITING"))
    # Instances first, in id order, as every other move locks them; then their items.
    instance_ids = db.session.scalars(select(HumanTask.instance_id).where(open_, mine).distinct()).all()
    db.session.execute(select(ProcessInstance.id).where(ProcessInstance.id.in_(instance_ids))
                       .order_by(ProcessInstance.id).with_for_update())
    rows = [r for r in db.session.scalars(select(HumanTask).where(open_, mine).execution_options(
        populate_existing=True)) if not (r.excluded and to_user in r.excluded)]
    for row in rows:
        if row.assignee == from_user:
            row.assignee, row.assigned_via = to_user, "HANDOVER" if row.assigned_via != "SIGN" else "SIGN"
        if row.owner == from_user:
            row.owner = to_user
        db.session.add(_audit_row(row, actor, from_user, to_user))
    leaver = db.session.scalar(select(User.name).where(User.username == from_user)) or from_user
    notify([to_user] if rows else [], "handover", f"{leaver} 的 {len(rows)} 项待办已转给您", by=actor.username)
    return len(rows)


def set_deputy(principal: User, deputy: str, starts_on: date, ends_on: date) -> Deputy:
    errors: dict[str, list[str]] = {}
    person = db.session.scalar(select(User).where(User.username == deputy, User.active.is_(True)))
    if person is None or deputy == principal.username:
        errors["deputy"] = ["代理人不存在、已停用或是本人"]
    if ends_on < starts_on:
        errors["ends_on"] = ["结束日期不能早于开始日期"]
    if errors:
        raise ValidationFailed(errors)
    row = Deputy(principal=principal.username, deputy=deputy, starts_on=starts_on, ends_on=ends_on)
    db.session.add(row)
    return row


def cancel_deputy(deputy_id: uuid.UUID, actor: User) -> Deputy:
    row = db.session.scalar(select(Deputy).where(Deputy.id == deputy_id).with_for_update()
                            .execution_options(populate_existing=True))  # a concurrent cancel has committed
    if row is None or (row.principal != actor.username and not _is_admin(actor)):
        raise NotFound("代理设置不存在")
    if row.cancelled_at is not None:
        raise Conflict("该代理已取消")
    row.cancelled_at = utcnow()
    return row


def _target(row: HumanTask, username: str, actor: User, field: str = "to") -> User:
    person = db.session.scalar(select(User).where(User.username == (username or "").strip(), User.active.is_(True)))
    if person is None:
        raise ValidationFailed({field: [f"用户 “{username}” 不存在或已停用"]})
    if person.username == actor.username:
        raise ValidationFailed({field: ["不能选择自己"]})
    if row.excluded and person.username in row.excluded:
        raise ValidationFailed({field: [f"{person.username} 已办理前序环节，按职责分离不能办理本环节"]})
    return person


def _not_a_signer_yet(row: HumanTask, username: str) -> None:
    """转办 of a signer's item: refused to someone with an open or completed item in this round."""
    for other in signing.signers(row):
        if other.id != row.id and username in (other.assignee, other.completed_by):
            done = "已在本环节签署" if other.status == "COMPLETED" else "已是本环节的待签人"
            raise ValidationFailed({"to": [f"{username} {done}，同一人不能在一个环节签署两次"]})


def _on_behalf(detail: dict[str, object], acting: str | None, actor: User) -> dict[str, object]:
    """代理: the audit detail names the principal whose right was used (as complete_task does)."""
    if acting and acting != actor.username:
        detail["on_behalf_of"] = acting
    return detail


def _copy(row: HumanTask) -> dict[str, object]:
    keep = ("spiff_task_id", "instance_id", "process_key", "task_name", "title", "lane", "form_key", "form_mode",
            "scope_unit", "scope_dept", "scope_division", "business_key", "instance_title", "year", "priority",
            "due_at", "excluded")
    return {k: getattr(row, k) for k in keep}


def _is_admin(user: User) -> bool:
    return any(a.role in PROCESS_ADMIN_ROLES and a.valid_on() for a in user.roles)


def _audit_row(row: HumanTask, actor: User, from_user: str, to_user: str):  # noqa: ANN202
    return AuditEvent(actor=actor.username, action="handover", instance_id=row.instance_id, task_id=row.id,
                      task_name=row.task_name, title=row.title, lane=row.lane,
                      detail={"from": from_user, "to": to_user})
