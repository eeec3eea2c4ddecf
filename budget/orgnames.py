"""Names of the departments and units an instance's scope codes point at: a clerk reads
示例市生态环境局（本级）, not D05 D05-U01."""
from __future__ import annotations

from sqlalchemy import select

from budget.models import Department
from engine.base.db import db


def org_label(dept_code: str | None, unit_code: str | None) -> str:
    """The unit's name when it already names its department (本级, or 示例市生态环境局 · 监测站),
    else department and unit; codes only for what the organisation table does not know."""
    codes = [c for c in (dept_code, unit_code) if c]
    if not codes:
        return ""
    names = dict(db.session.execute(select(Department.code, Department.name).where(Department.code.in_(codes))).all())
    dept = names.get(dept_code or "", dept_code or "")
    unit = names.get(unit_code or "", unit_code or "")
    if not unit:
        return dept
    if not dept or unit.startswith(dept):
        return unit
    return f"{dept} · {unit}"
