"""People search for the pickers (转办, 委派, 加签, 抄送, 代理, 离职转办, 项目责任人): by name,
username, department or unit name, and role name, within who the caller may pick.

Who may be picked (docs/design.md, "People search"): administrators and finance-bureau staff
(a role of scope ALL or DIVISION) pick anyone; people of a department or unit pick the people of
their department (the department and all its units) and the finance bureau's staff; a firm's or
the expert pool's people (ENGAGEMENT) pick their own firm's colleagues and the finance bureau's
staff. Only active users. The moves keep their own checks (an active user, one person one vote,
本单位 for 项目责任人); this is the directory a picker reads, so nobody browses people outside
their reach."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, false, literal, or_, select
from sqlalchemy.orm import aliased, selectinload

from budget.models.org import Department
from engine.base.db import db
from engine.base.identity import RoleAssignment, User
from engine.work.access import READ_ONLY_ROLES, is_admin
from web.labels import ROLES, Labels, labels

MAX_LIMIT = 200
INITIAL_OPTIONS = 100  # what a picker's <select> holds without script; typing searches all
WIDE_SCOPES = ("ALL", "DIVISION")


@dataclass(frozen=True)
class Person:
    id: str
    username: str
    name: str
    org_code: str | None
    org_name: str
    department_name: str
    roles: list[dict[str, str]]

    @property
    def label(self) -> str:
        """姓名 · 单位 · 角色: what a picker shows."""
        parts = [self.name, self.org_name, "、".join(r["name"] for r in self.roles)]
        return " · ".join(p for p in parts if p)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "name": self.name, "org_code": self.org_code,
                "org_name": self.org_name, "department_name": self.department_name, "roles": self.roles,
                "label": self.label}


def _valid(on: date) -> Any:
    return and_(or_(RoleAssignment.valid_from.is_(None), RoleAssignment.valid_from <= on),
                or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= on))


def _holds(*conditions: Any) -> Any:
    """The user holds a role assignment, valid today, meeting `conditions`."""
    return exists().where(RoleAssignment.user_id == User.id, _valid(date.today()), *conditions)


def _finance_staff() -> Any:
    return _holds(RoleAssignment.scope_type.in_(WIDE_SCOPES), RoleAssignment.role.not_in(READ_ONLY_ROLES))


def _org_codes(departments: set[str]) -> set[str]:
    """The departments and every unit under them (org records)."""
    if not departments:
        return set()
    parent = aliased(Department)
    units = db.session.scalars(select(Department.code).join(parent, Department.parent_id == parent.id)
                               .where(parent.code.in_(departments)))
    return set(departments) | set(units)


def pickable(viewer: User) -> Any:
    """The clause of the people `viewer` may pick, or None for everyone."""
    today = date.today()
    roles = [a for a in viewer.roles if a.valid_on(today)]
    if is_admin(viewer) or any(a.scope_type in WIDE_SCOPES for a in roles):
        return None
    clauses = [_finance_staff()]
    names = labels()
    own = [a.scope_id for a in roles if a.scope_type in ("UNIT", "DEPARTMENT") and a.scope_id]
    if viewer.org_code and not any(a.scope_type == "ENGAGEMENT" for a in roles):
        own.append(viewer.org_code)
    departments = {d for d in map(names.department_of, own) if d}
    if departments:
        codes = _org_codes(departments)
        clauses.append(or_(User.org_code.in_(codes), *(User.org_code.like(f"{d}-%") for d in departments),
                           _holds(RoleAssignment.scope_type.in_(("UNIT", "DEPARTMENT")),
                                  or_(RoleAssignment.scope_id.in_(codes),
                                      *(RoleAssignment.scope_id.like(f"{d}-%") for d in departments)))))
    firms = {a.scope_id for a in roles if a.scope_type == "ENGAGEMENT" and a.scope_id}
    if firms:
        clauses.append(_holds(RoleAssignment.scope_type == "ENGAGEMENT", RoleAssignment.scope_id.in_(firms)))
    return or_(*clauses) if clauses else false()


def search(viewer: User, q: str = "", role: str | None = None, department: str | None = None,
           limit: int = 20, usernames: list[str] | None = None) -> list[Person]:
    """People `viewer` may pick, matching all that is given, by name."""
    names = labels()
    query = select(User).where(User.active.is_(True)).options(selectinload(User.roles))
    scope = pickable(viewer)
    if scope is not None:
        query = query.where(scope)
    if usernames is not None:
        query = query.where(User.username.in_(usernames))
    if role:
        query = query.where(_holds(RoleAssignment.role == role))
    if department:
        codes = _org_codes({department})
        query = query.where(or_(User.org_code.in_(codes), User.org_code.like(f"{department}-%"),
                                _holds(RoleAssignment.scope_id.in_(codes))))
    if q := (q or "").strip():
        query = query.where(_matches(q))
    rows = db.session.scalars(query.order_by(_nearest_first(viewer), User.name, User.username)
                              .limit(min(max(limit, 1), MAX_LIMIT)))
    return [_person(u, names) for u in rows]


def _nearest_first(viewer: User) -> Any:
    """People of the caller's own unit (or department) before the rest: whom one picks most."""
    own = {a.scope_id for a in viewer.roles if a.scope_type in ("UNIT", "DEPARTMENT") and a.scope_id}
    own |= {viewer.org_code} if viewer.org_code else set()
    if not own:
        return literal(0)
    return case((or_(User.org_code.in_(own), _holds(RoleAssignment.scope_id.in_(own))), 0), else_=1)


def _matches(q: str) -> Any:
    like = f"%{q}%"
    role_codes = {code for lang in ROLES.values() for code, name in lang.items() if q.lower() in name.lower()}
    orgs = db.session.scalars(select(Department.code).where(Department.name.ilike(like))).all()
    clauses = [User.name.ilike(like), User.username.ilike(like)]
    if role_codes:
        clauses.append(_holds(RoleAssignment.role.in_(role_codes)))
    if orgs:
        clauses.append(User.org_code.in_(orgs))
        clauses.append(_holds(RoleAssignment.scope_id.in_(orgs)))
    return or_(*clauses)


def _person(user: User, names: Labels) -> Person:
    today = date.today()
    valid = [a for a in user.roles if a.valid_on(today)]
    org = user.org_code or next((a.scope_id for a in valid if a.scope_type != "ALL" and a.scope_id), None)
    department = names.department_of(org)
    roles = [{"code": c, "name": names.role(c)} for c in dict.fromkeys(a.role for a in valid)]
    return Person(id=str(user.id), username=user.username, name=user.name or user.username, org_code=org,
                  org_name=names.org_or_blank(org), department_name=names.org_or_blank(department),
                  roles=roles)


def picker_options(viewer: User, selected: list[str]) -> list[dict[str, str]]:
    """The options a person picker renders: the first people of the caller's reach, and those
    already chosen (kept through a refused submission). Read once per request."""
    from flask import request

    cached = getattr(request, "_people_options", None)
    if cached is None:
        cached = [{"username": p.username, "label": p.label} for p in search(viewer, limit=INITIAL_OPTIONS)]
        request._people_options = cached  # type: ignore[attr-defined]
    shown = {o["username"] for o in cached}
    missing = [u for u in selected if u and u not in shown]
    extra: list[dict[str, str]] = []
    if missing:
        found = {p.username: p.label for p in search(viewer, usernames=missing, limit=len(missing))}
        extra = [{"username": u, "label": found.get(u, u)} for u in missing]
    return extra + cached
