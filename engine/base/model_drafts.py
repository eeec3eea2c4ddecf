"""An administrator's unfinished model (issue 13 point 2): the editor's files saved without
deploying, one draft per model key. Deploying the key deletes its draft."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Text
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
