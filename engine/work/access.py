"""Who may act on a task, start a process or see an instance (docs/design.md, data scope).
One policy module; the inbox query in engine.work.inbox is its SQL twin."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from engine.base.db import db
from engine.base.identity import RoleAssignment, User
from engine.base.models import Deputy
from engine.definitions.properties import is_role_code

# Observers (人大, 审计, 其他监督; domain README roles): they read, never speak in an instance
# (评论, 催办, 抄送) — the one list of read-only roles.
READ_ONLY_ROLES = frozenset({"OBS_NPC", "OBS_AUDIT", "OBS_OTHER"})
# Roles that see every instance read-only (supervision); acting still needs the lane's role.
SUPERVISOR_ROLES = {"FIN_PERF", "FIN_BUDGET", "FIN_LEADER", "SYS_ADMIN", *READ_ONLY_ROLES}


def covers(assignment: RoleAssignment, scope_unit: str | None, scope_dept: str | None,
           scope_division: str | None) -> bool:
    kind, ident = assignment.scope_type, assignment.scope_id
    if kind == "ALL":
        return True
    if kind == "UNIT":
        return ident is not None and ident == scope_unit
    if kind == "DEPARTMENT":
        return ident is not None and ident == scope_dept
    if kind == "DIVISION":
        return ident is not None and ident == scope_division
    return False  # ENGAGEMENT: only tasks assigned by name


PROCESS_ADMIN_ROLES = {"SYS_ADMIN", "PROCESS_ADMIN"}  # they take the tasks nobody else can


def principals(user: User, on: date | None = None) -> list[User]:
    """The users `user` stands in for today (代理), cached on the user object per request."""
    cache = user.__dict__.setdefault("_principals", {})
    on = on or date.today()
    if on not in cache:
        cache[on] = list(db.session.scalars(
            select(User).join(Deputy, Deputy.principal == User.username)
            .where(Deputy.deputy == user.username, Deputy.starts_on <= on, Deputy.ends_on >= on,
                   Deputy.cancelled_at.is_(None), User.active.is_(True))))
    return cache[on]


def acting_as(user: User, task: Any) -> str | None:
    """Whose right lets `user` act on `task`: their own username, a principal's (代理), or None."""
    if not user.active or task.status != "READY":
        return None
    if task.excluded and user.username in task.excluded:
        return None  # separation of duties
    if _may_act_self(user, task):
        return user.username
    for person in principals(user):  # asked only when the user's own right does not reach (one query saved)
        if _may_act_self(person, task):
            return person.username
    if task.fallback and any(a.role in PROCESS_ADMIN_ROLES and a.valid_on() for a in user.roles):
        return user.username
    return None


def _may_act_self(user: User, task: Any) -> bool:
    if task.assignee:
        return task.assignee == user.username
    return any(
        a.role == task.lane and a.valid_on() and covers(a, task.scope_unit, task.scope_dept, task.scope_division)
        for a in user.roles
    )


def can_act(user: User, task: Any) -> bool:
    return acting_as(user, task) is not None


def can_start(user: User, lane: str | None) -> bool:
    """The start lane's role starts it; a start in no lane or in a lane that names no role (a team,
    drawn in another tool) is started by the process administrators."""
    if lane == "SYSTEM":
        return user.active
    if lane is None or not is_role_code(lane):
        return user.active and any(a.role in PROCESS_ADMIN_ROLES and a.valid_on() for a in user.roles)
    return user.active and any(a.role == lane and a.valid_on() for a in user.roles)


def can_view_instance(user: User, instance: Any, participants: set[str] | None = None) -> bool:
    if instance.started_by == user.username or (participants and user.username in participants):
        return True
    for a in user.roles:
        if not a.valid_on():
            continue
        if a.role in SUPERVISOR_ROLES and a.scope_type == "ALL":
            return True
        if covers(a, instance.scope_unit, instance.scope_dept, instance.scope_division):
            return True
    return False


def can_see_task(user: User, task: Any, instance: Any, participants: set[str] | None = None) -> bool:
    """May `user` see the work item at all: act on it, or see its instance themselves or for a
    principal they stand in for (代理). What they may not see is "not found", never "forbidden"."""
    if can_act(user, task):
        return True
    return any(can_view_instance(person, instance, participants) for person in (user, *principals(user)))


def read_only(user: User) -> bool:
    """An observer: every role the user holds today is a read-only one (and there is one). They may
    read what they see but not speak in it: 评论, 催办, 抄送 need visible and not read_only."""
    roles = {a.role for a in user.roles if a.valid_on()}
    return bool(roles) and roles <= READ_ONLY_ROLES


def is_admin(user: User) -> bool:
    return any(a.role == "SYS_ADMIN" and a.valid_on() for a in user.roles)
