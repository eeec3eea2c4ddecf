"""Starting a P1 request (processes §5.3): the DRAFT project and the instance's initial data."""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.calc.domains import domain_of
from budget.calc.intake import default_request_year
from budget.models import Department, Jurisdiction, Project
from budget.shared.helpers import today
from budget.shared.rule_settings import in_force as rules_in_force
from engine.base.db import db
from engine.base.identity import User

PLACEHOLDER_NAME = "（新项目，待填报）"


def filer_units(actor: User) -> list[str]:
    return sorted({r.scope_id for r in actor.roles
                   if r.role == "UNIT_FILER" and r.scope_type == "UNIT" and r.scope_id and r.valid_on()})


def resolve_unit(actor: User, unit_code: str | None) -> Department:
    units = filer_units(actor)
    if unit_code is None:
        if len(units) != 1:
            raise ValueError("请选择申报单位" if units else f"{actor.username} 不是任何单位的经办人")
        unit_code = units[0]
    if unit_code not in units:
        raise PermissionError(f"{actor.username} 不是 {unit_code} 的经办人")
    unit = db.session.scalars(select(Department).where(Department.code == unit_code)).first()
    if unit is None or unit.kind != "UNIT":
        raise ValueError(f"单位 {unit_code} 不存在")
    return unit


def next_code(dept: Department) -> str:
    """P-{dept}-{seq3}. The department row lock serialises concurrent requests of one department."""
    db.session.execute(select(Department.id).where(Department.id == dept.id).with_for_update())
    prefix = f"P-{dept.code}-"
    codes = db.session.scalars(select(Project.code).where(Project.code.like(prefix + "%")))
    seqs = [int(c[len(prefix):]) for c in codes if c[len(prefix):].isdigit()]
    return f"{prefix}{max(seqs, default=0) + 1:03d}"


CODE_PATTERN = re.compile(r"P-(?P<dept>[A-Z0-9]+)-\d{3}")


class CodeRefused(ValueError):
    """An explicit project code that cannot be used (pattern, department, taken)."""


def explicit_code(dept: Department, code: str) -> str:
    """A project code given by the caller (an import of a project known by its code elsewhere):
    P-{dept}-{seq3}, of this department, not taken. The department row lock serialises it with
    `next_code`, so a numbered request cannot take it meanwhile."""
    db.session.execute(select(Department.id).where(Department.id == dept.id).with_for_update())
    match = CODE_PATTERN.fullmatch(str(code).strip())
    if match is None:
        raise CodeRefused(f"项目编码 {code} 格式应为 P-部门编码-三位序号（如 P-{dept.code}-001）")
    if match["dept"] != dept.code:
        raise CodeRefused(f"项目编码 {code} 不属于 {dept.name}（应以 P-{dept.code}- 开头）")
    if db.session.scalars(select(Project.id).where(Project.code == match[0])).first() is not None:
        raise CodeRefused(f"项目编码 {code} 已被使用")
    return match[0]


def department_domain(dept: Department) -> str:
    """Best guess before F-01 names a 功能分类: the domain of most of the department's projects."""
    cats = db.session.scalars(select(Project.function_category).where(
        Project.department_id == dept.id, Project.function_category.is_not(None)))
    common = Counter(domain_of(c) for c in cats).most_common(1)
    return common[0][0] if common else "GENERAL"


COMMON_INDICATORS = (  # JN pack T15: in every target, weight 0, monitoring only
    ("预算执行进度", "累计支出数 ÷ 序时进度应支出数 × 100%"),
    ("预算到项目率", "已细化到具体项目的预算数 ÷ 年初预算数 × 100%"),
    ("预算支出率", "累计支出数 ÷ 全年预算数 × 100%"),
)


def prefilled_target(packs: list[str]) -> dict[str, Any]:
    """The F-04 grid starts with the JN common indicators already in place (V9)."""
    if "JN" not in packs:
        return {}
    return {"indicators": [
        {"l1": "OUTPUT", "l2": "OUT_TIME", "name": name, "kind": "QUANT", "operator": "GE",
         "target_value": Decimal("100"), "unit": "%", "weight": Decimal("0"), "value_basis": "PLAN",
         "calc_method": method, "data_source": "预算管理一体化系统", "is_common": True}
        for name, method in COMMON_INDICATORS]}


def new_request(actor: User, unit_code: str | None = None, request_year: int | None = None,
                in_year: bool = False, code: str | None = None) -> dict[str, Any]:
    """Create the DRAFT project for a new request; return what the engine needs to start P1.
    `code`: the project's existing code when it is imported (checked by `explicit_code`), else
    the department's next number."""
    unit = resolve_unit(actor, unit_code)
    dept = unit.department
    year = int(request_year) if request_year else default_request_year(today(), in_year)
    jurisdiction = db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.created_at)).first()
    project = Project(
        code=explicit_code(dept, code) if code else next_code(dept), name=PLACEHOLDER_NAME, department_id=dept.id, unit_id=unit.id,
        library_status="DRAFT", new_or_continuing="NEW", responsible_person_id=None,
        created_by=actor.username, updated_by=actor.username,
    )
    db.session.add(project)
    db.session.flush()
    division = dept.fund_division.code if dept.fund_division else None
    rules = rules_in_force(jurisdiction)
    return {
        "data": {
            "project_id": str(project.id), "project_code": project.code, "request_year": year,
            "packs": rules.packs, "in_year": bool(in_year),
            "is_major_flag": project.is_major_flag, "cost_catalog": project.cost_catalog,
            "dept_code": dept.code, "unit_code": unit.code, "domain": department_domain(dept),
            **prefilled_target(rules.packs),
        },
        "business_key": project.code,
        "title": f"{unit.name} 项目申报（{year}年度）{project.code}",
        "scope_unit": unit.code, "scope_dept": dept.code, "scope_division": division,
    }
