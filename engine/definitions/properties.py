"""A BPMN element's `spiffworkflow:properties` and the form keys a user task names: read by
deployment checks, step rules and every move, so they sit below all of them."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import exists, select

from engine.base.db import db
from engine.base.hooks import REGISTRY
from engine.base.identity import RoleAssignment

# A step drawn elsewhere without a form gets the generic approval form (docs/design.md, "Models
# from other tools"): deployment warns, every move reads the same default through properties().
DEFAULT_FORM = "F-00"
_ROLE_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def form_keys(value: str | None) -> list[str]:
    return [k.strip() for k in (value or "").split("+") if k.strip()]


def properties(task_spec: Any) -> dict[str, str]:
    found = dict(getattr(task_spec, "extensions", {}) or {}).get("properties", {}) or {}
    if getattr(task_spec, "manual", False) and not found.get("formKey"):
        return {**found, "formKey": DEFAULT_FORM}
    return found


def has_own_form(task_spec: Any) -> bool:
    own = dict(getattr(task_spec, "extensions", {}) or {}).get("properties", {}) or {}
    return bool(form_keys(own.get("formKey")))


def names_role(lane: str | None) -> bool:
    """Does the lane name a role that exists: a role code the system knows (its labelled roles,
    engine.base.hooks.REGISTRY.roles), SYSTEM, or one somebody is assigned? A lane drawn elsewhere
    may look like a code and name none ("A", "B"): its steps and its start go to the process
    administrators, as a team lane's do."""
    if not is_role_code(lane):
        return False
    if lane == "SYSTEM" or lane in REGISTRY.roles:
        return True
    return db.session.scalar(select(exists().where(RoleAssignment.role == lane))) or False


def is_role_code(lane: str | None) -> bool:
    """Lanes name role codes (UNIT_FILER); a lane drawn elsewhere may name a team ("Finance team")."""
    return bool(lane) and _ROLE_CODE.match(lane) is not None
