"""逾期清单 V-04: the work ledger's OVERDUE rows at D with what was done about them — the highest
escalation stage the reminder engine reached (reminder rows, views.md §7.3), the last reminder
(when, to whom) and the number of 催办 (`urge` audit rows of the instance since the row opened),
each counted up to D. Rows without an instance (a case written without P7) have none of these."""
from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from budget.ledgers.asof import AsOf
from budget.ledgers.work import LedgerFilters, ledger_page
from engine.base.db import db
from engine.base.models import AuditEvent, HumanTask, Reminder
from engine.base.paging import Page

STAGE_ZH = {"OVERDUE_1": "逾期提醒", "OVERDUE_REPEAT": "逾期重复提醒", "ESCALATED_HEAD": "已升级至负责人",
            "ESCALATED_FIN": "已升级至财政"}
_RANK = {"OVERDUE_1": 1, "OVERDUE_REPEAT": 2, "ESCALATED_HEAD": 3, "ESCALATED_FIN": 4}


def stage_of(occasion: str) -> str | None:
    return "OVERDUE_REPEAT" if occasion.startswith("OVERDUE_REPEAT") else (occasion if occasion in _RANK else None)


def overdue_page(user: Any, at: AsOf, f: LedgerFilters, page: int, per_page: int) -> Page[dict[str, Any]]:
    found = ledger_page(user, at, LedgerFilters(year=f.year, dept=f.dept, status="OVERDUE", source=f.source,
                                                deliverable=f.deliverable), page, per_page)
    with_actions(found.items, at)
    return found


def with_actions(rows: list[dict[str, Any]], at: AsOf) -> None:
    """Adds stage, last_reminder_at, last_reminder_to and urge_count to each row (two queries)."""
    ids = {uuid.UUID(r["instance_id"]) for r in rows if _is_uuid(r.get("instance_id"))}
    reminders: dict[tuple[str, str], list[Any]] = defaultdict(list)
    urges: dict[str, list[Any]] = defaultdict(list)
    if ids:
        query = (select(HumanTask.instance_id, HumanTask.task_name, Reminder.occasion, Reminder.sent_at,
                        Reminder.created_at, Reminder.recipients)
                 .join(HumanTask, HumanTask.id == Reminder.task_id)
                 .where(HumanTask.instance_id.in_(ids), Reminder.created_at <= at.cutoff))
        for r in db.session.execute(query):
            reminders[(str(r.instance_id), r.task_name)].append(r)
            reminders[(str(r.instance_id), "*")].append(r)
        for u in db.session.execute(select(AuditEvent.instance_id, AuditEvent.at, AuditEvent.detail).where(
                AuditEvent.instance_id.in_(ids), AuditEvent.action == "urge", AuditEvent.at <= at.cutoff)):
            urges[str(u.instance_id)].append(u)
    for row in rows:
        inst = row.get("instance_id") or ""
        step = row["key"].split(":")[1] if row["source"] != "P7" else "*"
        mine = [r for r in reminders.get((inst, step), []) if r.created_at.date() >= row["due"]]
        stages = [s for s in (stage_of(r.occasion) for r in mine) if s]
        row["stage"] = max(stages, key=_RANK.__getitem__) if stages else None
        sent = [r for r in mine if r.sent_at is not None and r.sent_at <= at.cutoff]
        last = max(sent, key=lambda r: r.sent_at) if sent else None
        row["last_reminder_at"] = last.sent_at if last else None
        row["last_reminder_to"] = list(last.recipients or []) if last else []
        row["urge_count"] = sum(1 for u in urges.get(inst, []) if u.at.date() >= row["opened"])
        row["may_urge"] = bool(inst) and row.get("submitted_at") is None


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False
