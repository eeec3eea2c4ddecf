"""A registered source of rectification (issue 12 point 2): an evaluation's findings registered by
the performance division (P4/P5 will send the same message later) or an audit finding registered
by an audit observer (V-14). Its id is `msg_start_rectification`'s `source_id`, so one registration
is one source event; `client_key` (the form's idempotency key) makes a double submit one row."""
from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from budget.models._base import JSON, SCORE, RecordMixin, one_of
from engine.base.db import db

EVAL_SOURCES = ("FISCAL_KEY_EVAL", "DEPT_KEY_EVAL", "RE_EVAL", "SPOT_CHECK", "COST_ANALYSIS")
REGISTERED_SOURCES = (*EVAL_SOURCES, "AUDIT")
# WAITING_P7: kept, no P7 deployed to catch it yet (picked up later); STARTED: P7 has its case.
SEND_STATUSES = ("WAITING_P7", "STARTED")


class RectificationSource(RecordMixin, db.Model):
    __tablename__ = "rectification_source"
    __table_args__ = (one_of("source_type", REGISTERED_SOURCES), one_of("message_status", SEND_STATUSES),
                      one_of("grade", ("优", "良", "中", "差")))

    source_type: Mapped[str] = mapped_column(String(16))
    project_year_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_year.id"), index=True)
    eval_year: Mapped[int]
    score: Mapped[Decimal | None] = mapped_column(SCORE)
    grade: Mapped[str | None] = mapped_column(String(2))
    large_diff: Mapped[bool] = mapped_column(default=False)
    cost_poor: Mapped[bool] = mapped_column(default=False)
    source_label: Mapped[str] = mapped_column(String(200))
    findings: Mapped[list] = mapped_column(JSON, default=list)  # as in the message
    registered_by: Mapped[str] = mapped_column(String(80))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client_key: Mapped[str] = mapped_column(String(64), unique=True)
    message_status: Mapped[str] = mapped_column(String(10), default="WAITING_P7", index=True)
    message_id: Mapped[uuid.UUID | None]
    instance_id: Mapped[str | None] = mapped_column(String(36))
