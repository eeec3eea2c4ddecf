"""What administrators keep about process models rather than instances (issue 13): the editor's
drafts (one per model key, files saved without deploying; deploying the key deletes its draft), the
model audit (which version starts, migrations) and migration runs."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from engine.base.db import db, new_id, utcnow


class ModelDraft(db.Model):
    __tablename__ = "model_draft"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    files: Mapped[dict[str, str]] = mapped_column(JSONB)  # name -> XML text, as the editor sent them
    note: Mapped[str] = mapped_column(Text, default="")
    saved_by: Mapped[str | None] = mapped_column(String(80))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelAudit(db.Model):
    """What an administrator did to a process model rather than to one instance: which version
    starts (a rollback), a migration of running instances (docs/design.md "Versions and migration")."""

    __tablename__ = "model_audit"
    __table_args__ = (Index("ix_model_audit_key", "process_key", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    process_key: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))  # activate, migrate
    from_version: Mapped[int | None]
    to_version: Mapped[int | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class MigrationRun(db.Model):
    """A batch moving running instances of one model from version A to version B: one queue job
    per instance, each its own transaction; `done`/`failed` of `total` drive the progress bar."""

    __tablename__ = "migration_run"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    process_key: Mapped[str] = mapped_column(String(80), index=True)
    from_version: Mapped[int]
    to_version: Mapped[int]
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(8), default="QUEUED")  # QUEUED, DONE
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    # [{"instance_id", "title", "ok", "reason"}], one per instance as it is handled
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    requested_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
