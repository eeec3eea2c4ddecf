"""What the initiator and the people concerned hear about a request (issue 10 point 12): a step
returned or refused it, it ended (with its end event's name: 已入库, 未入库, …), it was withdrawn,
terminated, suspended, resumed or reassigned. Engine-level, so every process gets them; each
event is one `notify` call with the recipients deduplicated, so each person hears it once.
Messages name the process and the step by their Chinese names."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from engine.base.db import db
from engine.base.identity import User
from engine.base.models import HumanTask, ProcessInstance, ProcessModelVersion
from engine.work.opinions import notify
from engine.work.reminders import actors

RETURNS = {"RETURN"}
REFUSALS = {"REJECT", "NOT_SUPPORT", "FAIL", "NOT_ADMIT"}


def process_name(instance: ProcessInstance) -> str:
    name = db.session.scalar(select(ProcessModelVersion.name).where(
        ProcessModelVersion.id == instance.model_version_id))
    return name or instance.process_key


def request_label(instance: ProcessInstance) -> str:
    """`项目申报入库与事前绩效评估「某项目」`: the process by its name, then the request's own title."""
    name = process_name(instance)
    return name if instance.title in ("", name) else f"{name}「{instance.title}」"


def _people(names: Iterable[str | None], actor: User | str | None) -> list[str]:
    me = actor.username if isinstance(actor, User) else actor
    return [n for n in dict.fromkeys(names) if n and n not in (me, "system")]


def _by(actor: User | None) -> str | None:
    return actor.username if actor else None


def concerned(instance: ProcessInstance) -> list[str]:
    """The initiator, then everyone who completed a step of the request."""
    done = db.session.scalars(select(HumanTask.completed_by).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "COMPLETED",
        HumanTask.completed_by.is_not(None)).order_by(HumanTask.completed_at))
    return [n for n in [instance.started_by, *done] if n]


def decided(instance: ProcessInstance, row: HumanTask, decision: str | None, comment: str | None,
            actor: User) -> None:
    """A step's verdict sends the request back (RETURN) or refuses it (REJECT …) and the request
    runs on: the initiator hears it. (A verdict that ends the request is told by `ended`.)"""
    if decision in RETURNS:
        kind, what = "return", "退回"
    elif decision in REFUSALS:
        kind, what = "reject", "未予同意"
    else:
        return
    notify(_people([instance.started_by], actor), kind,
           f"【{'退回' if kind == 'return' else '不同意'}】{request_label(instance)}在“{row.title}”被{what}",
           body=comment or "", instance=instance, by=_by(actor))


def returned(instance: ProcessInstance, row: HumanTask, target: HumanTask, opinion: str, actor: User) -> None:
    """退回 (the operation): the person the target step goes back to, and the initiator."""
    notify(_people([target.completed_by, instance.started_by], actor), "return",
           f"【退回】{request_label(instance)}在“{row.title}”被退回至“{target.title}”", body=opinion,
           instance=instance, by=actor.username)


def ended(instance: ProcessInstance, end_name: str | None, actor: User | None,
          verdict: tuple[HumanTask, str | None, str | None] | None = None) -> None:
    """The request reached an end event: the initiator and everyone who took a step hear how it
    ended, by the end event's name; the verdict that ended it, if any, is said in the same notice."""
    outcome = end_name or "已办结"
    body = ""
    if verdict is not None:
        row, _decision, comment = verdict
        body = f"“{row.title}”：{comment}" if comment else ""
    notify(_people(concerned(instance), actor), "end", f"【办结】{request_label(instance)}：{outcome}",
           body=body, instance=instance, by=_by(actor))


def holders(open_rows: list[HumanTask]) -> list[str]:
    """Who has the request in hand: each open item's assignee, or its candidates when unclaimed."""
    return [name for row in open_rows for name in actors(row)]


def withdrawn(instance: ProcessInstance, open_rows: list[HumanTask], opinion: str, actor: User) -> None:
    """撤回: whoever had the request in hand (their items were cancelled)."""
    notify(_people(holders(open_rows), actor), "withdraw",
           f"【撤回】{request_label(instance)}已由发起人撤回", body=opinion, instance=instance, by=actor.username)


def intervened(instance: ProcessInstance, kind: str, what: str, reason: str, actor: User,
               open_rows: list[HumanTask]) -> None:
    """An administrator's 暂停 / 恢复 / 终止 / 删除: the initiator and whoever has it in hand."""
    notify(_people([instance.started_by, *holders(open_rows)], actor), kind,
           f"【{what}】{request_label(instance)}已由管理员{what}", body=reason, instance=instance,
           by=actor.username)


def reassigned(instance: ProcessInstance, row: HumanTask, before: str | None, reason: str, actor: User) -> None:
    """改派: the new holder is told it is theirs, the one before that it was taken from them."""
    label = request_label(instance)
    notify(_people([row.assignee], actor), "reassign", f"【改派】“{row.title}”（{label}）已由管理员改派给您",
           body=reason, instance=instance, row=row, by=actor.username)
    if before and before != row.assignee:
        notify(_people([before], actor), "reassign", f"【改派】“{row.title}”（{label}）已由管理员改派他人办理",
               body=reason, instance=instance, by=actor.username)
