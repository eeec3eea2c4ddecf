"""Whether anybody can act on a new work item: its assignee is active, or an active person holds the
item's lane role in its scope, valid today, and is not excluded from it. Nobody → the step's
`noCandidate` (the process administrators by default: docs/design.md "Approval operations").

A move opens items on the same lanes again and again, so a "yes" is remembered for a minute per
process — but keyed by the **people generation**: every commit that changes a person's `active` or
`username` or any role assignment (through the ORM, in any process) bumps a counter in Redis and
empties this process's memory at once, so the next item after a role is taken away or a person
is deactivated is asked afresh. "Nobody" is never remembered. Without Redis the memory is this
process's only (tests, the demo); a change written by hand in SQL is seen within the minute."""
from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

from sqlalchemy import and_, event, exists, inspect, or_, select
from sqlalchemy.orm import ORMExecuteState, Session

from engine.base.db import db
from engine.base.identity import RoleAssignment, User
from engine.base.models import HumanTask
from engine.dispatch import queue

log = logging.getLogger(__name__)
TTL = 60.0  # seconds a "yes" is reused within one people generation
GENERATION_KEY = "perfflow:people-generation"
_remembered: dict[tuple[Any, ...], float] = {}


def forget() -> None:
    """Drop this process's remembered answers."""
    _remembered.clear()


def anyone_can_act(item: HumanTask) -> bool:
    generation = _generation()
    key = (generation, date.today(), item.assignee, item.lane, item.scope_unit, item.scope_dept,
           item.scope_division, tuple(item.excluded or ()))
    if generation is not None and time.monotonic() - _remembered.get(key, float("-inf")) < TTL:
        return True
    found = _ask(item)
    if found and generation is not None:
        _remembered[key] = time.monotonic()
    return found


def _ask(item: HumanTask) -> bool:
    with db.session.no_autoflush:  # people are not what the move changes: its new rows stay one INSERT
        return _exists(item)


def _exists(item: HumanTask) -> bool:
    if item.assignee:
        return bool(db.session.scalar(select(exists().where(User.username == item.assignee, User.active.is_(True)))))
    today = date.today()  # as RoleAssignment.valid_on and the inbox read validity
    scope = or_(
        RoleAssignment.scope_type == "ALL",
        and_(RoleAssignment.scope_type == "UNIT", RoleAssignment.scope_id == item.scope_unit),
        and_(RoleAssignment.scope_type == "DEPARTMENT", RoleAssignment.scope_id == item.scope_dept),
        and_(RoleAssignment.scope_type == "DIVISION", RoleAssignment.scope_id == item.scope_division),
    )
    valid = and_(or_(RoleAssignment.valid_from.is_(None), RoleAssignment.valid_from <= today),
                 or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= today))
    query = select(exists().where(RoleAssignment.user_id == User.id, RoleAssignment.role == item.lane, scope,
                                  valid, User.active.is_(True), ~User.username.in_(item.excluded or [])))
    return bool(db.session.scalar(query))


def _generation() -> bytes | None:
    """The people generation shared by every process (b"local" without Redis); None when Redis
    cannot be read — then nothing remembered is trusted."""
    connection = queue.redis_connection()
    if connection is None:
        return b"local"
    try:
        return connection.get(GENERATION_KEY) or b"0"
    except Exception as err:  # noqa: BLE001  (Redis down: ask the database every time)
        log.warning("people generation unreadable, asking the database: %s", err)
        return None


# --- what counts as a change of people -------------------------------------------------------------------------

_PEOPLE_COLUMNS = ("active", "username")


def _changes_people(obj: Any, deleted: bool = False) -> bool:
    if isinstance(obj, RoleAssignment):
        return True
    if isinstance(obj, User):
        state = inspect(obj)
        return deleted or any(state.attrs[name].history.has_changes() for name in _PEOPLE_COLUMNS)
    return False


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    if (any(_changes_people(o) for o in session.dirty) or any(isinstance(o, RoleAssignment) for o in session.new)
            or any(_changes_people(o, deleted=True) for o in session.deleted)):
        session.info["people_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    """update(User)/delete(RoleAssignment) statements do not pass through the flush."""
    if (state.is_update or state.is_delete) and state.bind_mapper is not None and \
            state.bind_mapper.class_ in (User, RoleAssignment):
        state.session.info["people_changed"] = True


@event.listens_for(Session, "after_commit")
def _bump(session: Session) -> None:
    if not session.info.pop("people_changed", False):
        return
    forget()
    connection = queue.redis_connection()
    if connection is None:
        return
    try:
        connection.incr(GENERATION_KEY)
    except Exception as err:  # noqa: BLE001  (the other processes then see it within TTL)
        log.warning("people generation not bumped: %s", err)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("people_changed", None)
