"""Columns every domain record carries (entities §3 preamble) and small column helpers."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from engine.base.db import new_id, utcnow

# PostgreSQL only (DESIGN §3): JSONB everywhere, no SQLite variant.
JSON = JSONB
MONEY = Numeric(18, 2)  # 元
SCORE = Numeric(5, 2)
PCT = Numeric(7, 2)


class RecordMixin:
    """Surrogate uuid id plus who/when. `created_by`/`updated_by` hold usernames (the engine's
    audit trail uses usernames too), so records stay readable after a user is deactivated."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(80))
    updated_by: Mapped[str | None] = mapped_column(String(80))


def one_of(column: str, values: tuple[str, ...], name: str | None = None) -> CheckConstraint:
    """CHECK column IN (...): enums stay plain strings (easy migrations) but the DB refuses typos."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IS NULL OR {column} IN ({quoted})", name=name or column)
