"""A long Excel export made in the background (the X-03 绩效监控表, the ledgers V-02/V-04/X-05 of a
large selection) or a queued bulk 催办 (URGE): who asked, for what, how far it is (`done`/`total`
drive the progress bar) and the file (or, for URGE, the outcome) when done."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from budget.models._base import JSON, RecordMixin, one_of
from engine.base.db import db

# X03 绩效监控表; X05 整改台账; V02 工作台账; V04 逾期清单; URGE a bulk 催办 (not a file: `outcome`)
EXPORT_KINDS = ("X03", "X05", "V02", "V04", "URGE")
EXPORT_STATUSES = ("QUEUED", "WRITING", "DONE", "FAILED")


class ExportRun(RecordMixin, db.Model):
    __tablename__ = "export_run"
    __table_args__ = (one_of("kind", EXPORT_KINDS), one_of("status", EXPORT_STATUSES))

    kind: Mapped[str] = mapped_column(String(8))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(8), default="QUEUED")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    attachment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("attachment.id"))
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[dict | None] = mapped_column(JSON)  # URGE: whom each 催办 reached, what was refused
