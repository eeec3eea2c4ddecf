"""Decision tables as data (issue 13 point 3): the registered versions of each DMN table with their
effective dates, the log of every automated decision an instance took, and what-if runs of a draft
over that log (docs/design.md "Decision tables and rule versions")."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from engine.base.db import db, new_id, utcnow


class DecisionTableVersion(db.Model):
    """One version of a DMN decision table (docs/design.md "Decision tables and rule versions"):
    DRAFT → ACTIVE from `effective_from`; the version in force for a decision is the ACTIVE one
    with the latest `effective_from` not after the moment of the decision. Deployment registers a
    shipped table's content once (by hash); administrators add drafts and activate them."""

    __tablename__ = "decision_table_version"
    __table_args__ = (UniqueConstraint("decision_id", "version"),
                      Index("ix_dtv_active", "decision_id", "status", "effective_from"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    decision_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="DRAFT")  # DRAFT, ACTIVE, DISCARDED
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(10), default="editor")  # deploy | editor
    based_on: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    effective_from: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_by: Mapped[str | None] = mapped_column(String(80))
    activated_at: Mapped[datetime | None]


class DecisionRecord(db.Model):
    """Every automated decision (a business-rule task's evaluation), written in the move's
    transaction: the table and version used, the packs in force, the rows that matched, inputs
    (every name the table reads) and outputs."""

    __tablename__ = "decision_record"
    __table_args__ = (Index("ix_decision_instance", "instance_id", "id"),
                      Index("ix_decision_table_version", "decision_id", "table_version"))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    instance_id: Mapped[uuid.UUID]
    task_id: Mapped[uuid.UUID | None]
    task_name: Mapped[str] = mapped_column(String(120))
    task_title: Mapped[str | None] = mapped_column(String(200))
    decision_id: Mapped[str] = mapped_column(String(80))
    table_version: Mapped[int | None]  # None: the deployed file, no registered version
    content_hash: Mapped[str] = mapped_column(String(64))
    packs: Mapped[list[str] | None] = mapped_column(JSONB)
    rows: Mapped[list[str]] = mapped_column(JSONB, default=list)  # matched rule ids, in order
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    outputs: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class WhatIfRun(db.Model):
    """A what-if of a draft table over the stored decisions of the version in force, run by a queue
    job when there are many (progress `done`/`total`), else in the request."""

    __tablename__ = "what_if_run"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    table_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decision_table_version.id"))
    against_version: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(8), default="QUEUED")  # QUEUED, RUNNING, DONE, FAILED
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    changed: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

