"""Drafts of models being edited (engine.base.model_admin): saved whatever their state, never
deployed by saving; a successful deploy of the key removes its draft. Writes take the key's model
lock (deploy.lock_model), so two first saves of one key cannot both insert."""
from __future__ import annotations

from sqlalchemy import delete, select

from engine.base.db import db, utcnow
from engine.base.model_admin import ModelDraft
from engine.definitions.deploy import lock_model


def get(key: str) -> ModelDraft | None:
    return db.session.scalar(select(ModelDraft).where(ModelDraft.key == key))


def save(key: str, files: dict[str, str], saved_by: str | None, note: str = "") -> ModelDraft:
    lock_model(key)
    draft = get(key)
    if draft is None:
        draft = ModelDraft(key=key)
        db.session.add(draft)
    draft.files, draft.note, draft.saved_by, draft.saved_at = dict(files), note or "", saved_by, utcnow()
    db.session.flush()
    return draft


def discard(key: str) -> bool:
    """Remove the key's draft; whether there was one."""
    return bool(db.session.execute(delete(ModelDraft).where(ModelDraft.key == key)).rowcount)
