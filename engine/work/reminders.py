"""Reminders and escalation of open work items with a due date (../shared/domain/views.md §7.3;
docs/design.md "Reminders and escalation").

Every occasion fires at DUE_HOUR (09:00 Asia/Shanghai) of a day counted from the due day D (the
Asia/Shanghai date of `due_at`), in calendar days:

    T_MINUS_7 / T_MINUS_3 / T_MINUS_1   D-7, D-3, D-1   assignee, or every candidate if unclaimed
    DUE                                 D
    OVERDUE_1, OVERDUE_REPEAT_<n>       D+1, then D+1+3n
    ESCALATED_HEAD                      D+3             the head (domain hook, "HEAD")
    ESCALATED_FIN                       D+7             the finance bureau (domain hook, "FIN")

The scan (`scan_reminders`, on every scheduler tick) is one INSERT … SELECT over the open items:
per item and family (the item's own reminders; the head; finance) only the latest occasion
reached by `now` is a candidate, so an item late by ten days gets one overdue reminder, not four.
A before-due occasion whose time lies before the item was opened is not sent at all (an item
opened the day before its deadline gets T_MINUS_1, not "7 days left"). The unique
(task_id, occasion) makes each occasion happen once; a `reminder.send` job is queued for every
row inserted, and the job — not the scan — finds the recipients and calls notify.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import defer

from engine.base import config, hooks
from engine.base.db import db, utcnow
from engine.base.identity import RoleAssignment, User
from engine.base.models import HumanTask, Outbox, ProcessInstance, Reminder
from engine.dispatch import queue
from engine.time import clock
from engine.time.calendar import LOCAL
from engine.work.access import PROCESS_ADMIN_ROLES
from engine.work.inbox import candidates
from engine.work.opinions import notify

SEND = "reminder.send"
DUE, OVERDUE_1, OVERDUE_REPEAT = "DUE", "OVERDUE_1", "OVERDUE_REPEAT_"
ESCALATED_HEAD, ESCALATED_FIN = "ESCALATED_HEAD", "ESCALATED_FIN"
STAGES = {ESCALATED_HEAD: "HEAD", ESCALATED_FIN: "FIN"}  # occasion → escalation stage of the hook
_LOCK = "perfflow.reminders"  # one scan at a time; the unique key would make a second harmless anyway
_MAX_PEOPLE = 500  # candidates or role holders told per work item


@dataclass(frozen=True)
class Settings:
    days_before: tuple[int, ...]  # ascending
    repeat_days: int
    head_days: int  # < 1: no escalation to the head
    fin_days: int  # < 1: no escalation to finance
    due_hour: int


def settings() -> Settings:
    cfg = config.current()
    before = sorted({int(d) for d in cfg.reminder_days_before})
    if any(d < 1 for d in before):
        raise ValueError("REMINDER_DAYS_BEFORE: 到期前提醒天数须为正整数")
    hour = cfg.due_hour
    if not 0 <= hour <= 23:
        raise ValueError("DUE_HOUR: 提醒时刻须在 0–23 之间")
    return Settings(tuple(before), max(1, cfg.overdue_repeat_days), cfg.escalate_head_days,
                    cfg.escalate_fin_days, hour)


def reached_day(now: datetime, s: Settings) -> date:
    """The last day whose DUE_HOUR (Asia/Shanghai) `now` has passed: an occasion k days from the
    due day D is reached when D + k <= this day."""
    return (now.astimezone(LOCAL) - timedelta(hours=s.due_hour)).date()


def occasion_sql(s: Settings) -> str:
    """The scan in one statement. `x` is the number of days from the due day to the reached day;
    the values spliced in are validated integers, everything else is bound."""
    hour = f"TIME '{s.due_hour:02d}:00'"
    repeat = s.repeat_days
    before = "\n".join(
        f"            WHEN x >= -{n} THEN CASE WHEN (due_day - {n} + {hour}) AT TIME ZONE :tz >= created_at"
        f" THEN 'T_MINUS_{n}' END" for n in s.days_before)
    escalations = "".join(
        f"\n        UNION ALL SELECT id, due_at, '{occasion}' FROM aged WHERE x >= {days}"
        for occasion, days in ((ESCALATED_HEAD, s.head_days), (ESCALATED_FIN, s.fin_days)) if days >= 1)
    return f"""
    WITH aged AS (
        SELECT id, due_at, created_at, due_day, CAST(:day AS date) - due_day AS x
        FROM (SELECT id, due_at, created_at, (due_at AT TIME ZONE :tz)::date AS due_day
              FROM human_task
              WHERE status = 'READY' AND due_at IS NOT NULL AND due_at < :horizon) AS open_items
    ), reached AS (
        SELECT id, due_at, CASE
            WHEN x >= 1 THEN CASE WHEN (x - 1) / {repeat} = 0 THEN '{OVERDUE_1}'
                                  ELSE '{OVERDUE_REPEAT}' || ((x - 1) / {repeat})::text END
            WHEN x = 0 THEN '{DUE}'
{before}
        END AS occasion
        FROM aged{escalations}
    ), fresh AS (
        INSERT INTO reminder (task_id, occasion, due_at, status, created_at)
        SELECT r.id, r.occasion, r.due_at, 'QUEUED', :now FROM reached AS r
        WHERE r.occasion IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM reminder AS s WHERE s.task_id = r.id AND s.occasion = r.occasion)
        ORDER BY r.id, r.occasion
        ON CONFLICT (task_id, occasion) DO NOTHING
        RETURNING id, task_id
    ), jobs AS (
        -- one `{SEND}` job per new row, laid out as queue.enqueue lays out one
        INSERT INTO outbox (id, kind, queue, key, payload, instance_id, status, created_at, available_at,
                            attempts, max_attempts)
        SELECT gen_random_uuid(), :kind, :queue, 'reminder:' || f.id, jsonb_build_object('reminder_id', f.id),
               t.instance_id, 'PENDING', :queued_at, :queued_at, 0, :max_attempts
        FROM fresh AS f JOIN human_task AS t ON t.id = f.task_id
        ORDER BY f.id
        ON CONFLICT (key) DO NOTHING
        RETURNING id, queue
    )
    SELECT id, queue FROM jobs
    """


@clock.periodic
def scan_reminders(now: datetime) -> int:
    """The scheduler's pass (its own transaction, committed by the tick). Another scheduler
    scanning at the same moment makes this one skip the tick."""
    if not db.session.scalar(text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"), {"k": _LOCK}):
        return 0
    return record_due(now)


def record_due(now: datetime) -> int:
    """Insert the reminder rows reached by `now` that do not exist yet, with one `reminder.send`
    job each (key `reminder:<id>`, dispatched to RQ after the commit like queue.enqueue's), in one
    statement; the number recorded. Safe to run concurrently: a row another transaction inserted
    is skipped (ON CONFLICT DO NOTHING, rows taken in one order so two scans never deadlock)."""
    s = settings()
    day = reached_day(now, s)
    last = day + timedelta(days=(s.days_before[-1] if s.days_before else 0) + 1)
    horizon = datetime.combine(last, clock_time(0), LOCAL)  # due days after this reach nothing yet
    spec = queue.JOBS[SEND]
    jobs = db.session.execute(text(occasion_sql(s)), {
        "tz": str(LOCAL), "day": day, "horizon": horizon, "now": now, "kind": SEND, "queue": spec.queue,
        "queued_at": utcnow(), "max_attempts": spec.max_attempts}).all()
    queue.push_after_commit([(j.id, j.queue) for j in jobs])
    return len(jobs)


def move_due(row: HumanTask, due: datetime) -> None:
    """A work item's deadline moved by the business (a 约谈 sets a new report date): the occasions
    already reached for the old deadline stay as history, renamed `<occasion>~<old due day>`, so
    the unique (task_id, occasion) lets the new deadline's T−7 … escalation happen again."""
    if row.due_at is not None and row.due_at != due:
        suffix = "~" + row.due_at.astimezone(LOCAL).strftime("%Y%m%d")
        db.session.execute(update(Reminder).where(Reminder.task_id == row.id, ~Reminder.occasion.contains("~"))
                           .values(occasion=Reminder.occasion + suffix).execution_options(synchronize_session=False))
    row.due_at = due


# -- who hears of it ----------------------------------------------------------------------------

def actors(row: HumanTask) -> list[str]:
    """Whose task it is: the assignee, or every candidate of the lane within the scope when
    unclaimed (the process administrators when nobody could take it); never an excluded person."""
    if row.assignee:
        names = [row.assignee]
    else:
        names = [u.username for u in candidates(row, limit=_MAX_PEOPLE)]
        if not names and row.fallback:
            names = list(db.session.scalars(
                select(User.username).join(RoleAssignment).where(RoleAssignment.role.in_(PROCESS_ADMIN_ROLES),
                                                                 User.active.is_(True))
                .order_by(User.username).distinct().limit(_MAX_PEOPLE)))
    excluded = set(row.excluded or ())
    return [n for n in dict.fromkeys(names) if n not in excluded]


def escalation_recipients(row: HumanTask, stage: str, own: list[str] | None = None) -> list[str]:
    """Who the domain names for `stage` ("HEAD", "FIN"), less the item's own actors `own` (they get
    their own reminder; escalation is for someone above them)."""
    mine = set(actors(row) if own is None else own)
    names = [n for fn in hooks.REGISTRY.escalation_targets for n in (fn(row, stage) or ())]
    return [n for n in dict.fromkeys(names) if n and n not in mine]


def role_holders(role: str, row: HumanTask) -> list[str]:
    """Active users holding `role` with a data scope covering the work item's (for the domain's
    escalation hook: UNIT_HEAD of the unit, DEPT_HEAD of the department, FIN_FUND of the division)."""
    probe = HumanTask(lane=role, assignee=None, scope_unit=row.scope_unit, scope_dept=row.scope_dept,
                      scope_division=row.scope_division)
    return [u.username for u in candidates(probe, limit=_MAX_PEOPLE)]


def recipients(row: HumanTask, occasion: str, own: list[str]) -> list[str]:
    """The active users a reminder of `occasion` goes to, given the item's actors `own`."""
    names = escalation_recipients(row, STAGES[occasion], own) if occasion in STAGES else own
    if not names:
        return []
    active = set(db.session.scalars(select(User.username).where(User.username.in_(names), User.active.is_(True))))
    return [n for n in names if n in active]


# -- the job ------------------------------------------------------------------------------------

def _failed(job: Outbox, error: str) -> None:
    reminder = db.session.get(Reminder, int(job.payload.get("reminder_id", 0)))
    if reminder is not None and reminder.status == "QUEUED":
        reminder.status = "FAILED"


@queue.job(SEND, queue="notify", on_failed=_failed)
def send(payload: dict[str, Any]) -> None:
    """Deliver one reminder row: nothing if the item was completed or cancelled meanwhile."""
    reminder = db.session.get(Reminder, int(payload["reminder_id"]))
    if reminder is None or reminder.status != "QUEUED":
        return
    row = db.session.get(HumanTask, reminder.task_id)
    people: list[str] = []
    if row is not None and row.status == "READY":
        own = actors(row)
        people = recipients(row, reminder.occasion, own)
    instance = db.session.get(ProcessInstance, row.instance_id, options=[defer(ProcessInstance.state)]) \
        if people and row is not None else None
    if instance is not None and instance.status == "SUSPENDED":
        people = []  # 暂停: nobody is reminded of work that cannot be done now
    if people and row is not None:
        title, body = message(row, reminder, instance, own)
        notify(people, "escalate" if reminder.occasion in STAGES else "remind", title, body=body,
               instance=instance, row=row)
    reminder.status, reminder.recipients, reminder.sent_at = ("SENT" if people else "SKIPPED"), people, utcnow()


def message(row: HumanTask, reminder: Reminder, instance: ProcessInstance | None,
            own: list[str]) -> tuple[str, str]:
    """Title and body, in Chinese; the days are counted from the scan's day to the due day."""
    due = reminder.due_at.astimezone(LOCAL)
    days = (reminder.created_at.astimezone(LOCAL).date() - due.date()).days  # < 0 before, > 0 after
    name = row.instance_title or (instance.title if instance else "") or row.business_key or ""
    subject = f"{row.title} — {name}" if name else row.title
    occasion = reminder.occasion
    if occasion in STAGES:
        title = f"【逾期升级】{subject}（已逾期{max(days, 1)}天）"
    elif occasion.startswith("T_MINUS_"):
        title = f"【即将到期】{subject}（{max(-days, 1)}天后到期）"
    elif occasion == DUE:
        when = f"已于 {due:%H:%M} 到期" if reminder.created_at >= reminder.due_at else f"{due:%H:%M} 前办理"
        title = f"【今日到期】{subject}（{when}）"
    else:
        title = f"【已逾期{max(days, 1)}天】{subject}"
    who = "、".join(_names(own[:5])) + ("等" if len(own) > 5 else "") if own else "（无）"
    body = f"办理事项：{row.title}\n所属流程：{name or '—'}\n到期时间：{due:%Y-%m-%d %H:%M}\n当前办理人：{who}"
    if occasion == ESCALATED_FIN:
        body += "\n已逾期超过规定时限，列入通报候选。"
    return title, body


def _names(usernames: list[str]) -> list[str]:
    """People by name in a reminder's text (one query)."""
    found = dict(db.session.execute(select(User.username, User.name).where(User.username.in_(usernames))).tuples().all())
    return [found.get(u) or u for u in usernames]
