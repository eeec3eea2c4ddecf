"""Changing a project's library status: the one writer, applying budget.calc.status's rules."""
from __future__ import annotations

import uuid

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from budget.calc.status import LIBRARY_TRANSITIONS, check_change
from budget.models import Project
from engine.base import db as base_db
from engine.base.db import db

_PROJECT = Project.__table__
# The row locked and its old status read in the same UPDATE; only a change the state machine allows
# is written (`sources`: the statuses `new` may come from), so a refused one writes nothing.
_LOCKED = (select(_PROJECT.c.id, _PROJECT.c.library_status.label("old"))
           .where(_PROJECT.c.id == bindparam("pid")).with_for_update().subquery("locked"))
_SET_STATUS = (update(_PROJECT).where(_PROJECT.c.id == _LOCKED.c.id,
                                      _LOCKED.c.old.in_(bindparam("sources", expanding=True)))
               .values(library_status=bindparam("new"),
                       updated_by=func.coalesce(bindparam("actor"), _PROJECT.c.updated_by)).returning(_LOCKED.c.old))
_CURRENT = select(_PROJECT.c.code, _PROJECT.c.library_status).where(_PROJECT.c.id == bindparam("pid"))


def change_library_status(project: Project, new: str, actor: str | None = None) -> bool:
    """Apply a transition; returns False when already in `new` (idempotent). Raises
    IllegalTransition when the state machine forbids it."""
    if not check_change(project.code, project.library_status, new):
        return False
    project.library_status = new
    if actor:
        project.updated_by = actor
    return True


def set_library_status(project_id: uuid.UUID, new: str, actor: str | None = None) -> bool:
    """change_library_status for a project not loaded: lock, check and write in one statement (a
    hot step's handler need not load the whole record). Same answers: False when already `new`,
    IllegalTransition when forbidden, ValueError when there is no such project."""
    sources = sorted(s for s, targets in LIBRARY_TRANSITIONS.items() if s is not None and new in targets)
    loaded = db.session.identity_map.get(db.session.identity_key(Project, project_id))
    if loaded is not None or any(isinstance(o, Project) for o in db.session.new):
        db.session.flush()  # a project this session holds or adds: the statement must see its pending changes
    # otherwise the statement reads only the project's row, which nothing in the session changes:
    # the move's other changes stay for its one flush at commit
    # on the connection: the session's execute would flush the whole session first (SQLAlchemy #9809)
    written = base_db.write(_SET_STATUS, {"pid": project_id, "sources": sources, "new": new,
                                          "actor": actor}).first() if sources else None
    if written is None:  # not written: already `new`, forbidden or missing (the locked row says which)
        current = db.session.execute(_CURRENT.with_for_update(), {"pid": project_id}).first()
        if current is None:
            raise ValueError(f"项目 {project_id} 不存在")
        return check_change(current.code, current.library_status, new)  # False, or raises
    if loaded is not None:  # keep a copy this move already holds in step with the row
        set_committed_value(loaded, "library_status", new)
        if actor:
            set_committed_value(loaded, "updated_by", actor)
    return True
