"""The engine's tables: model versions, instances and the side tables kept in the same
transaction as every move (../shared/DESIGN.md §2)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import db, new_id, utcnow


class ProcessModelVersion(db.Model):
    __tablename__ = "process_model_version"
    __table_args__ = (UniqueConstraint("key", "version"), UniqueConstraint("key", "content_hash"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    files: Mapped[dict[str, str]] = mapped_column(JSONB)  # file name -> XML text
    forms: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)  # form key -> definition
    processes: Mapped[list[str]] = mapped_column(JSONB, default=list)  # process ids in the set
    deployed_by: Mapped[str | None] = mapped_column(String(80))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessInstance(db.Model):
    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_instance_key_status", "process_key", "status"),
        Index("ix_instance_started_by", "started_by", "started_at"),
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


class HumanTask(db.Model):
    """One row per ready (and later completed/cancelled) user task; the inbox queries this."""

    __tablename__ = "human_task"
    __table_args__ = (
        # Partial indexes over open tasks only: the inbox is a UNION ALL of per-scope lookups.
        Index("ix_task_open_unit", "lane", "scope_unit", "created_at", postgresql_where=text("status = 'READY'")),
        Index("ix_task_open_dept", "lane", "scope_dept", "created_at", postgresql_where=text("status = 'READY'")),
        Index("ix_task_open_div", "lane", "scope_division", "created_at",
              postgresql_where=text("status = 'READY'")),
        Index("ix_task_open_lane", "lane", "created_at", postgresql_where=text("status = 'READY'")),
        Index("ix_task_open_assignee", "assignee", "created_at", postgresql_where=text("status = 'READY'")),
        Index("ix_task_done_by", "completed_by", "completed_at"),
        Index("ix_task_instance", "instance_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the Spiff task id
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    process_key: Mapped[str] = mapped_column(String(80))
    task_name: Mapped[str] = mapped_column(String(120))  # BPMN element id
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(40))
    form_key: Mapped[str | None] = mapped_column(String(80))
    form_mode: Mapped[str | None] = mapped_column(String(40))
    assignee: Mapped[str | None] = mapped_column(String(80))
    scope_unit: Mapped[str | None] = mapped_column(String(40))
    scope_dept: Mapped[str | None] = mapped_column(String(40))
    scope_division: Mapped[str | None] = mapped_column(String(40))
    business_key: Mapped[str | None] = mapped_column(String(80))
    instance_title: Mapped[str] = mapped_column(String(200), default="")
    year: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(12), default="READY")  # READY COMPLETED CANCELLED
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(80))
    decision: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)


class Timer(db.Model):
    __tablename__ = "engine_timer"
    __table_args__ = (Index("ix_timer_due", "due_at", postgresql_where=text("status = 'WAITING'")),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_id: Mapped[uuid.UUID]
    task_name: Mapped[str] = mapped_column(String(120))
    event_type: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime | None]
    raw_value: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="WAITING")  # WAITING FIRED CANCELLED


class MessageSubscription(db.Model):
    __tablename__ = "message_subscription"
    __table_args__ = (Index("ix_msgsub_name", "message_name", postgresql_where=text("status = 'WAITING'")),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_id: Mapped[uuid.UUID]
    message_name: Mapped[str] = mapped_column(String(120))
    correlation: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="WAITING")


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
    """Jobs committed with the state change that caused them; dispatched after commit."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "created_at", postgresql_where=text("done_at IS NULL")),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    instance_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
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
