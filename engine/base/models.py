"""The engine's tables: model versions, instances and the side tables kept in the same
transaction as every move (../shared/DESIGN.md §2)."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from engine.base.db import db, new_id, utcnow


class ProcessModelVersion(db.Model):
    __tablename__ = "process_model_version"
    __table_args__ = (UniqueConstraint("key", "version"), UniqueConstraint("key", "content_hash"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    # The model's content, read once per process when its specs are parsed (engine.definitions.specs):
    # deferred, so that finding the newest versions (every message delivery and start) does not
    # fetch and decode every model's XML.
    files: Mapped[dict[str, str]] = mapped_column(JSONB, deferred=True, deferred_group="content")  # name -> XML
    forms: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, deferred=True,
                                                  deferred_group="content")  # form key -> definition
    processes: Mapped[list[str]] = mapped_column(JSONB, default=list)  # process ids in the set
    deployed_by: Mapped[str | None] = mapped_column(String(80))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # how this version moves form data (engine.definitions.taskdata): "tasks" = each user task's submission in
    # its own namespace, published only through declared outputs; "flat" = merged into task data
    # (versions deployed before namespaces; their models read form fields by name)
    data_flow: Mapped[str] = mapped_column(String(8), default="tasks", server_default="tasks")
    # What deployment defaulted (a step without lane or form, a lane that names no role): element-level
    # warnings, [{file, element_id, message}] (docs/design.md, "Models from other tools").
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    # The version new instances start from is the one activated last: a deployment activates its
    # version, and so does deploying again the content of an older one (a rollback).
    activated_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=text("now()"))


class ProcessInstance(db.Model):
    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_instance_key_status", "process_key", "status"),
        Index("ix_instance_started_by", "started_by", "started_at"),
        Index("ix_instance_started_at", "started_at"),  # 流程监管, newest first
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    model_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_model_version.id"))
    process_key: Mapped[str] = mapped_column(String(80))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="RUNNING")  # RUNNING COMPLETED ERROR CANCELLED
    business_key: Mapped[str | None] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    scope_unit: Mapped[str | None] = mapped_column(String(40))
    scope_dept: Mapped[str | None] = mapped_column(String(40), index=True)
    scope_division: Mapped[str | None] = mapped_column(String(40))
    year: Mapped[int | None]
    started_by: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_event: Mapped[str | None] = mapped_column(String(80))
    current_steps: Mapped[list[str]] = mapped_column(JSONB, default=list)  # titles of ready tasks
    incident: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text, default="")  # Spiff workflow JSON without the spec
    serializer_version: Mapped[str] = mapped_column(String(10))
    moves: Mapped[int] = mapped_column(default=0)
    has_waits: Mapped[bool] = mapped_column(default=False)  # timers or message subscriptions open
    # 退回 with "straight back": {"target", "returner_step", "returner", "skip": {step: data}}
    resubmit: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class HumanTask(db.Model):
    """A work item: one person's (or one role's) share of a ready user task. Usually one per
    engine task; a multi-signer step has one per signer. Its id is its own — an engine task
    id comes back when a step is returned to, and the history of both rounds must stay."""

    __tablename__ = "human_task"
    __table_args__ = (
        # Partial indexes over open tasks only: the inbox is a UNION ALL of per-scope lookups.
        Index("ix_task_open_unit", "lane", "scope_unit", "created_at", postgresql_where=text("status = 'READY'")),
        Index("ix_task_open_dept", "lane", "scope_dept", "created_at", postgresql_where=text("status = 'READY'")),
        Index("ix_task_open_div", "lane", "scope_division", "created_at",
              postgresql_where=text("status = 'READY'")),
        Index("ix_task_open_lane", "lane", "created_at", postgresql_where=text("status = 'READY'")),
        Index("ix_task_open_assignee", "assignee", "created_at", postgresql_where=text("status = 'READY'")),
        Index("ix_task_open_fallback", "created_at", postgresql_where=text("status = 'READY' AND fallback")),
        Index("ix_task_done_by", "completed_by", "completed_at"),
        Index("ix_task_instance", "instance_id", "status"),
        Index("ix_task_spiff", "spiff_task_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    spiff_task_id: Mapped[uuid.UUID]
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    process_key: Mapped[str] = mapped_column(String(80))
    task_name: Mapped[str] = mapped_column(String(120))  # BPMN element id
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(40))
    form_key: Mapped[str | None] = mapped_column(String(80))
    form_mode: Mapped[str | None] = mapped_column(String(40))
    assignee: Mapped[str | None] = mapped_column(String(80))
    # MODEL (assignee expression) CLAIM TRANSFER DELEGATE RETURN RECLAIM PROXY HANDOVER SIGN
    assigned_via: Mapped[str | None] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(80))  # 委派: who decides once it comes back
    delegation: Mapped[str | None] = mapped_column(String(10))  # PENDING RESOLVED
    proxy_for: Mapped[str | None] = mapped_column(String(80))  # 代理: whose task the assignee does
    excluded: Mapped[list[str] | None] = mapped_column(JSONB)  # separation of duties
    fallback: Mapped[bool] = mapped_column(default=False)  # nobody could act: the process administrators
    scope_unit: Mapped[str | None] = mapped_column(String(40))
    scope_dept: Mapped[str | None] = mapped_column(String(40))
    scope_division: Mapped[str | None] = mapped_column(String(40))
    business_key: Mapped[str | None] = mapped_column(String(80))
    instance_title: Mapped[str] = mapped_column(String(200), default="")
    year: Mapped[int | None]
    # READY WAITING (a signer not yet up) COMPLETED CANCELLED
    status: Mapped[str] = mapped_column(String(12), default="READY")
    priority: Mapped[int] = mapped_column(default=0)  # 0 普通 1 紧急 2 特急
    sign_seq: Mapped[int | None]  # multi-signer steps: signers with the lowest open seq are up
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]  # first opened by someone who may act (拿回 is refused after)
    claimed_at: Mapped[datetime | None]
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # 暂存
    draft_at: Mapped[datetime | None]
    draft_by: Mapped[str | None] = mapped_column(String(80))
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(80))
    decision: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    submission: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # the validated form data


class SignStep(db.Model):
    """A user task with several signers (会签 ALL / 或签 ANY / 依次 SEQUENTIAL / 票签 RATIO),
    from the model or made so by 加签."""

    __tablename__ = "sign_step"
    __table_args__ = (Index("ix_sign_step_task", "instance_id", "spiff_task_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    spiff_task_id: Mapped[uuid.UUID]
    mode: Mapped[str] = mapped_column(String(12))  # ALL ANY SEQUENTIAL RATIO
    ratio: Mapped[str | None] = mapped_column(String(10))  # "2/3"
    reject_rule: Mapped[str] = mapped_column(String(8), default="VETO")  # VETO COUNT
    status: Mapped[str] = mapped_column(String(12), default="OPEN")  # OPEN DECIDED CANCELLED
    result: Mapped[str | None] = mapped_column(String(12))  # APPROVE REJECT
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)  # this round's signers come after it


class Opinion(db.Model):
    """审批意见, typed by the action that carried it; free comments have no task."""

    __tablename__ = "opinion"
    __table_args__ = (Index("ix_opinion_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_id: Mapped[uuid.UUID | None]
    task_name: Mapped[str | None] = mapped_column(String(120))
    step_title: Mapped[str | None] = mapped_column(String(200))
    # approve reject return transfer delegate resolve add_signer remove_signer withdraw reclaim urge comment cc
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(80))
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[str]] = mapped_column(JSONB, default=list)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CarbonCopy(db.Model):
    """抄送: a copy of an instance to a person, by a model step or by an actor."""

    __tablename__ = "carbon_copy"
    __table_args__ = (
        UniqueConstraint("instance_id", "to_user", "task_name", name="uq_cc_once_per_step"),
        Index("ix_cc_inbox", "to_user", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_name: Mapped[str] = mapped_column(String(120), default="")  # the step that copied ("" = manual)
    step_title: Mapped[str] = mapped_column(String(200), default="")
    to_user: Mapped[str] = mapped_column(String(80))
    from_user: Mapped[str] = mapped_column(String(80))  # "system" for a model step
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class Notification(db.Model):
    """In-app notifications (催办, 抄送, 转办, reminders …); e-mail and webhook copies are
    `NotificationDelivery` rows sent by the queue (engine.dispatch.channels)."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user", "username", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # urge cc transfer delegate return …
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[uuid.UUID | None]
    task_id: Mapped[uuid.UUID | None]
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class Deputy(db.Model):
    """代理: while it runs, the deputy sees and acts on what the principal would."""

    __tablename__ = "deputy"
    __table_args__ = (Index("ix_deputy_deputy", "deputy", "starts_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    principal: Mapped[str] = mapped_column(String(80), index=True)
    deputy: Mapped[str] = mapped_column(String(80))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]


class Timer(db.Model):
    """A waiting timer of an instance, or the next occurrence of a model's timer start event
    (instance_id NULL, process_key set). Fired once: WAITING → DUE by a conditional update that
    also writes the job that runs it."""

    __tablename__ = "engine_timer"
    __table_args__ = (Index("ix_timer_due", "due_at", postgresql_where=text("status = 'WAITING'")),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    instance_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"),
                                                          index=True)
    process_key: Mapped[str | None] = mapped_column(String(80))  # timer start events
    task_id: Mapped[uuid.UUID | None]
    task_name: Mapped[str] = mapped_column(String(120))
    event_type: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime | None]
    raw_value: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="WAITING")  # WAITING DUE FIRED CANCELLED
    fired_at: Mapped[datetime | None]
    fired_count: Mapped[int] = mapped_column(default=0)


class MessageSubscription(db.Model):
    __tablename__ = "message_subscription"
    # By instance: every move of an instance with waits reads its rows (sidetables._sync_waits), and
    # P3 keeps two standing subscriptions per running year — without it, a scan of all of them.
    __table_args__ = (Index("ix_msgsub_name", "message_name", postgresql_where=text("status = 'WAITING'")),
                      Index("ix_msgsub_instance", "instance_id"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_id: Mapped[uuid.UUID]
    message_name: Mapped[str] = mapped_column(String(120))
    correlation: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="WAITING")


class Message(db.Model):
    """A message thrown by an instance (or sent from outside), kept until a receiver took it:
    WAITING (nobody catches it yet) → DELIVERED, or EXPIRED after its time to live."""

    __tablename__ = "engine_message"
    __table_args__ = (Index("ix_message_waiting", "name", postgresql_where=text("status = 'WAITING'")),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    correlation: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    source_instance_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(12), default="WAITING")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    delivered_to: Mapped[list[str]] = mapped_column(JSONB, default=list)  # instance ids
    # Posted from outside (POST /api/v1/messages): the client's id (idempotency), who posted it
    # and what each instance made of it (engine.moves.inbound).
    client_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    sender: Mapped[str | None] = mapped_column(String(80))
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)


class AuditEvent(db.Model):
    """Append-only trail: who did what, when, with which decision and opinion."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    instance_id: Mapped[uuid.UUID | None]
    task_id: Mapped[uuid.UUID | None]
    task_name: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(40))
    decision: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class Outbox(db.Model):
    """Jobs committed with the state change that caused them (engine.dispatch.queue): the truth of what
    background work is owed. RQ only carries their ids; a lost Redis loses nothing."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "available_at", postgresql_where=text("status = 'PENDING'")),
        Index("ix_outbox_key", "key", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(60))
    queue: Mapped[str] = mapped_column(String(40), default="default")
    key: Mapped[str | None] = mapped_column(String(200))  # dedupe: one job per key, ever
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    instance_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(12), default="PENDING")  # PENDING DONE FAILED DISCARDED
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    last_error: Mapped[str | None] = mapped_column(Text)


class Attachment(db.Model):
    __tablename__ = "attachment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str | None] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    instance_id: Mapped[uuid.UUID | None]
    task_id: Mapped[uuid.UUID | None]  # the work item it was attached on, if any


class HolidayDay(db.Model):
    """工作日历 (engine.time.calendar): a day of one jurisdiction that breaks the Monday–Friday rule —
    HOLIDAY (法定节假日, off even on a weekday) or WORKDAY (调休上班, worked even on a weekend)."""

    __tablename__ = "holiday_day"
    __table_args__ = (db.CheckConstraint("kind IN ('HOLIDAY', 'WORKDAY')", name="kind"),)

    jurisdiction: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # HOLIDAY WORKDAY
    name: Mapped[str] = mapped_column(String(80), default="")  # 春节, 国庆节 …


class SiteFlag(db.Model):
    """A fact about this installation, set by a setup step: `demo_data` is written by the demo
    loader only, so the login page lists the demo accounts where — and only where — they exist."""

    __tablename__ = "site_flag"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationPreference(db.Model):
    """通知设置 (engine.dispatch.channels): the channels a person wants besides the in-app notification,
    which is always on, and where they go."""

    __tablename__ = "notification_preference"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(200))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    channels: Mapped[list[str]] = mapped_column(JSONB, default=list)  # "email", "webhook"
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationDelivery(db.Model):
    """One notification sent to one person over one channel (e-mail, robot webhook); its job
    `notify.deliver` carries the key `delivery:<id>`, the id is the idempotency key outside."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        Index("ix_delivery_user", "username", "created_at"),
        db.CheckConstraint("channel IN ('email', 'webhook')", name="channel"),
        db.CheckConstraint("status IN ('PENDING', 'SENT', 'FAILED')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    notification_id: Mapped[uuid.UUID]
    username: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(500))  # the address or URL at the time it was sent
    status: Mapped[str] = mapped_column(String(10), default="PENDING")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Reminder(db.Model):
    """One reminder occasion of an open work item (engine.work.reminders; views.md §7.3): T_MINUS_7,
    T_MINUS_3, T_MINUS_1, DUE, OVERDUE_1, OVERDUE_REPEAT_<n>, ESCALATED_HEAD, ESCALATED_FIN. The
    unique (task_id, occasion) is what makes each occasion happen once: the scan inserts with
    ON CONFLICT DO NOTHING and queues a `reminder.send` job only for the rows it inserted."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("task_id", "occasion", name="uq_reminder_once"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("human_task.id", ondelete="CASCADE"))
    occasion: Mapped[str] = mapped_column(String(30))
    due_at: Mapped[datetime]  # the deadline it was about
    status: Mapped[str] = mapped_column(String(8), default="QUEUED")  # QUEUED SENT SKIPPED FAILED
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # the scan's `now` that reached it
    sent_at: Mapped[datetime | None]
    recipients: Mapped[list[str] | None] = mapped_column(JSONB)


# The reminder scan's lookup: open work items by deadline (partial, like the inbox indexes).
Index("ix_task_open_due", HumanTask.due_at, postgresql_where=text("status = 'READY' AND due_at IS NOT NULL"))

