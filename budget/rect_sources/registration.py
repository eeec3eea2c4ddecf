"""Registering a source (issue 12 points 2–3): the performance division registers an evaluation's
findings (FISCAL_KEY_EVAL … COST_ANALYSIS), an audit observer an audit's (AUDIT — its one write).
One registration is one row whose id is the message's `source_id`; the form's idempotency key is
UNIQUE, so a double click or a second tab inserts nothing and answers the first registration. The
message is then sent at once (budget.rect_sources.sender), or kept until P7 is deployed."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from budget.calc.arrangement import grade_of
from budget.library import scope_clause
from budget.models import Department, Project, ProjectYear, RectificationSource
from budget.models.rect_source import EVAL_SOURCES
from budget.models.rectification import SEVERITIES
from budget.rect_sources import pickup
from engine.base.db import db, utcnow
from engine.base.errors import Conflict, Forbidden, NotFound, ValidationFailed

TYPE_NAMES = {"FISCAL_KEY_EVAL": "财政重点评价", "DEPT_KEY_EVAL": "部门重点评价", "RE_EVAL": "再评价",
              "SPOT_CHECK": "抽查复核", "COST_ANALYSIS": "成本分析", "AUDIT": "审计发现", "MONITORING": "运行监控"}
SEVERITY_NAMES = {"HIGH": "严重", "MEDIUM": "一般", "LOW": "轻微"}
ROLE_SOURCES = {"FIN_PERF": EVAL_SOURCES, "OBS_AUDIT": ("AUDIT",)}  # who registers which
MAX_FINDINGS = 30


def allowed_types(user: Any) -> tuple[str, ...]:
    roles = user.role_codes()
    return tuple(t for role, types in ROLE_SOURCES.items() if role in roles for t in types)


def may_register(user: Any) -> bool:
    return bool(allowed_types(user))


def may_see(user: Any) -> bool:
    """Who reads the registrations: those who register, and the administrators."""
    return may_register(user) or bool(user.role_codes() & {"SYS_ADMIN", "PROCESS_ADMIN"})


@dataclass(frozen=True)
class Registration:
    source_type: str
    project_id: uuid.UUID
    eval_year: int
    findings: list[dict[str, Any]]
    client_key: str
    score: Decimal | None = None
    large_diff: bool = False
    cost_poor: bool = False


def project_in_scope(user: Any, project_id: uuid.UUID) -> Project:
    """404 for a project outside the caller's data scope (no oracle)."""
    dept, unit = aliased(Department), aliased(Department)
    query = (select(Project).join(dept, Project.department_id == dept.id).join(unit, Project.unit_id == unit.id)
             .where(Project.id == project_id, Project.deleted.is_(False)))
    if (scope := scope_clause(user, dept, unit)) is not None:
        query = query.where(scope)
    project = db.session.scalar(query)
    if project is None:
        raise NotFound("项目不存在或不在您的数据范围内")
    return project


def projects_for(user: Any) -> list[tuple[Project, list[int]]]:
    """The projects the caller may register findings for, by name, with their budget years."""
    dept, unit = aliased(Department), aliased(Department)
    query = (select(Project, ProjectYear.fiscal_year).join(ProjectYear, ProjectYear.project_id == Project.id)
             .join(dept, Project.department_id == dept.id).join(unit, Project.unit_id == unit.id)
             .where(Project.deleted.is_(False)).order_by(Project.name, ProjectYear.fiscal_year))
    if (scope := scope_clause(user, dept, unit)) is not None:
        query = query.where(scope)
    found: dict[uuid.UUID, tuple[Project, list[int]]] = {}
    for project, year in db.session.execute(query):
        found.setdefault(project.id, (project, []))[1].append(year)
    return list(found.values())


def _clean_findings(raw: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    # A grid row with nothing written is no finding (its severity select always has a value);
    # errors keep the row's own index, so the page marks the row the clerk filled.
    rows = [(i, r) for i, r in enumerate(raw)
            if any(str(v or "").strip() for k, v in r.items() if k != "severity")]
    if not rows:
        return [], {"findings": ["请至少填写一条问题"]}
    if len(rows) > MAX_FINDINGS:
        return [], {"findings": [f"问题不超过 {MAX_FINDINGS} 条"]}
    units = {d.code for d in db.session.scalars(select(Department).where(Department.code.in_(
        [str(r.get("owner_unit") or "").strip() for _, r in rows if r.get("owner_unit")])))}
    clean = []
    for i, r in rows:
        description = str(r.get("description") or "").strip()
        category = str(r.get("category") or "").strip()
        severity = str(r.get("severity") or "MEDIUM").strip()
        owner = str(r.get("owner_unit") or "").strip() or None
        if len(description) < 5:
            errors[f"findings.{i}.description"] = ["请填写问题描述（至少 5 字）"]
        if not category:
            errors[f"findings.{i}.category"] = ["请填写问题类别"]
        elif len(category) > 40:
            errors[f"findings.{i}.category"] = ["问题类别不超过 40 字"]
        if severity not in SEVERITIES:
            errors[f"findings.{i}.severity"] = ["严重程度须为 严重、一般 或 轻微"]
        if owner is not None and owner not in units:
            errors[f"findings.{i}.owner_unit"] = ["责任单位不存在"]
        clean.append({"description": description, "category": category, "severity": severity,
                      "owner_unit": owner, "suggested_measure": str(r.get("suggested_measure") or "").strip() or None})
    return clean, errors


def label(source_type: str, year: int, score: Decimal | None, grade: str | None) -> str:
    scored = f" {score.normalize():f}分（{grade}）" if score is not None else ""
    return f"{year}年度 {TYPE_NAMES[source_type]}{scored}"


def register(user: Any, reg: Registration) -> tuple[RectificationSource, bool]:
    """(the source, whether this call made it). Raises Forbidden / NotFound / ValidationFailed."""
    allowed = allowed_types(user)
    if not allowed:
        raise Forbidden("仅预算绩效管理处（评价发现）和审计观察员（审计发现）可登记整改来源")
    if reg.source_type not in allowed:
        names = "、".join(TYPE_NAMES[t] for t in allowed)
        raise ValidationFailed({"source_type": [f"您可登记的来源类型：{names}"]})
    project = project_in_scope(user, reg.project_id)
    findings, errors = _clean_findings(reg.findings)
    py = db.session.scalar(select(ProjectYear).where(ProjectYear.project_id == project.id,
                                                     ProjectYear.fiscal_year == reg.eval_year))
    if py is None:
        errors["eval_year"] = [f"该项目没有 {reg.eval_year} 年度的预算"]
    if errors:
        raise ValidationFailed(errors)
    source_type = reg.source_type
    score = reg.score if source_type != "AUDIT" else None
    grade = grade_of(score) if score is not None else None  # DT-08 / T9 grade bands
    values = dict(id=uuid.uuid4(), source_type=source_type, project_year_id=py.id, eval_year=reg.eval_year,
                  score=score, grade=grade, large_diff=reg.large_diff and source_type != "AUDIT",
                  cost_poor=reg.cost_poor and source_type != "AUDIT",
                  source_label=label(source_type, reg.eval_year, score, grade), findings=findings,
                  registered_by=user.username, registered_at=utcnow(), client_key=reg.client_key,
                  message_status="WAITING_P7", created_by=user.username, created_at=utcnow(), updated_at=utcnow())
    made = db.session.execute(insert(RectificationSource).values(**values).on_conflict_do_nothing(
        index_elements=["client_key"]).returning(RectificationSource.id)).scalar()
    db.session.commit()  # a concurrent twin waits on the key until this commits, then finds this row
    source = db.session.scalar(select(RectificationSource).where(RectificationSource.client_key == reg.client_key))
    if source.registered_by != user.username:
        raise Conflict("该表单编号已被他人使用，请刷新页面后重新填写")
    pickup.send_source(source.id)
    db.session.refresh(source)
    return source, made is not None


def sources_for(user: Any, page: int = 1, per_page: int = 50,
                only: uuid.UUID | None = None) -> tuple[list[dict[str, Any]], int]:
    """Registered sources in the caller's scope (an audit observer: the audit ones), newest first."""
    dept, unit = aliased(Department), aliased(Department)
    query = (select(RectificationSource, Project, ProjectYear)
             .join(ProjectYear, ProjectYear.id == RectificationSource.project_year_id)
             .join(Project, Project.id == ProjectYear.project_id)
             .join(dept, Project.department_id == dept.id).join(unit, Project.unit_id == unit.id))
    if (scope := scope_clause(user, dept, unit)) is not None:
        query = query.where(scope)
    if "FIN_PERF" not in user.role_codes() and "OBS_AUDIT" in user.role_codes():
        query = query.where(RectificationSource.source_type == "AUDIT")
    if only is not None:
        query = query.where(RectificationSource.id == only)
    total = db.session.scalar(select(db.func.count()).select_from(query.subquery())) or 0
    rows = db.session.execute(query.order_by(RectificationSource.registered_at.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return [as_row(s, p, y) for s, p, y in rows], total


def as_row(source: RectificationSource, project: Project, py: ProjectYear) -> dict[str, Any]:
    return {"id": str(source.id), "source_type": source.source_type, "source_type_name": TYPE_NAMES[source.source_type],
            "project_id": str(project.id), "project_code": project.code, "project_name": project.name,
            "eval_year": source.eval_year, "score": source.score, "grade": source.grade,
            "large_diff": source.large_diff, "cost_poor": source.cost_poor, "source_label": source.source_label,
            "findings": source.findings, "registered_by": source.registered_by,
            "registered_at": source.registered_at, "message_status": source.message_status,
            "message_id": str(source.message_id) if source.message_id else None, "instance_id": source.instance_id}
