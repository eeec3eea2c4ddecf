"""A jurisdiction's rule settings under versions (issue 13 point 3): the rule packs it applies and
its §4.4 threshold overrides (`rule_params`), each version DRAFT → ACTIVE from an effective date.
The version in force at a moment is the ACTIVE one with the latest effective date not after it;
with none, the jurisdiction's own columns (what the database held before versions)."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from budget.models._base import JSON, RecordMixin, one_of
from engine.base.db import db

RULE_SETTING_STATUSES = ("DRAFT", "ACTIVE", "DISCARDED")


class JurisdictionRuleVersion(RecordMixin, db.Model):
    __tablename__ = "jurisdiction_rule_version"
    __table_args__ = (one_of("status", RULE_SETTING_STATUSES), UniqueConstraint("jurisdiction_id", "version"),
                      Index("ix_jrv_in_force", "jurisdiction_id", "status", "effective_from"))

    jurisdiction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jurisdiction.id"))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="DRAFT")
    packs: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["CORE"])
    rule_params: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    effective_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    activated_by: Mapped[str | None] = mapped_column(String(80))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
