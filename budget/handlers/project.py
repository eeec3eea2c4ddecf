"""P1 service tasks on the project record: status changes, ex-ante conclusion, entering the
library (processes §5.3 rows 10, 14, 15)."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.handlers._common import as_uuid, project_of, project_year, request_year, username
from budget.models import ExAnteAssessment, Project, ProjectYear
from budget.models.exante import DIMS
from budget.money import to_decimal, wan_to_yuan
from budget.status import change_library_status
from engine.base import hooks
from engine.base.convert import plain as jsonable
from engine.base.db import db
from engine.base.hooks import ServiceContext


@hooks.service("project.set_status")
def set_status(ctx: ServiceContext, status: str) -> dict[str, str]:
    project = project_of(ctx.data, lock=True)
    change_library_status(project, status, username(ctx.actor))
    return {"library_status": project.library_status}


def latest_assessment(py: ProjectYear, assessor_type: str) -> ExAnteAssessment | None:
    return db.session.scalars(
        select(ExAnteAssessment)
        .where(ExAnteAssessment.project_year_id == py.id, ExAnteAssessment.assessor_type == assessor_type)
        .order_by(ExAnteAssessment.round.desc(), ExAnteAssessment.created_at.desc())
    ).first()


def open_assessment(py: ProjectYear, assessor_type: str, actor: str | None) -> ExAnteAssessment:
    """The assessment being worked on; a new round once the previous one was concluded."""
    last = latest_assessment(py, assessor_type)
    if last is not None and last.status != "CONCLUDED":
        return last
    row = ExAnteAssessment(project_year_id=py.id, assessor_type=assessor_type,
                           round=(last.round + 1) if last else 1, created_by=actor)
    db.session.add(row)
    return row


def annual_need_yuan(value: Any) -> dict[str, str]:
    """F-02/F-03 `annual_need` (list of {year, amount} or {year: amount}, 万元) → {"2026": 元}."""
    if not value:
        return {}
    pairs = value.items() if isinstance(value, Mapping) else ((r.get("year"), r.get("amount")) for r in value)
    return {str(int(y)): str(wan_to_yuan(a)) for y, a in pairs if y is not None and a is not None}


def apply_scores(row: ExAnteAssessment, values: Mapping[str, Any]) -> None:
    """Copy the score part of an F-02/F-03 submission (or service parameters) onto the record."""
    for dim in DIMS:
        if values.get(dim) is not None:
            setattr(row, dim, to_decimal(values[dim]))
    dims = [getattr(row, d) for d in DIMS]
    if values.get("total_score") is not None:
        row.total_score = to_decimal(values["total_score"])
    elif all(d is not None for d in dims):
        row.total_score = sum(dims, Decimal(0))
    for key in ("performer", "rule_table_version"):
        if isinstance(values.get(key), str):
            setattr(row, key, values[key])
    if values.get("financing_compliant") is not None:
        row.financing_compliant = bool(values["financing_compliant"])
    comments = dict(row.dim_comments or {})
    for dim in DIMS:  # F-02/F-03 comment_necessity … → {"dim_necessity": text}
        if values.get("comment_" + dim[4:]):
            comments[dim] = values["comment_" + dim[4:]]
    for key in ("financing_basis", "alternatives_check", "alternatives_comment", "cost_benefit_check",
                "cost_benefit_comment"):
        if values.get(key) is not None:
            comments[key] = values[key]
    row.dim_comments = jsonable(comments)
    if values.get("alternatives"):  # F-02 sends [] when DT-01 asked for none: nothing to record
        row.alternatives = jsonable({"options": values["alternatives"], "chosen": values.get("alternative_chosen"),
                                     "reason": values.get("alternative_reason")})
    for key in ("cost_benefit", "key_findings", "report", "trigger_reasons", "matched_rows"):
        if values.get(key) is not None:
            setattr(row, key, jsonable(values[key]))
    if values.get("annual_need"):
        row.annual_need = annual_need_yuan(values["annual_need"])
    if values.get("recommended_amount") is not None:
        row.recommended_amount = wan_to_yuan(values["recommended_amount"])
    if values.get("engagement_id"):
        try:
            row.engagement_id = as_uuid(values["engagement_id"])
        except ValueError:  # F-02 lets a unit type a reference of an engagement made outside CA-2
            comments["engagement_ref"] = str(values["engagement_id"])
            row.dim_comments = jsonable(comments)


def ensure_exante(project: Project, actor: str | None) -> None:
    """An assessment has started: DEPT_APPROVED → EXANTE (rules §4.2), whatever the model did."""
    if project.library_status == "DEPT_APPROVED":
        change_library_status(project, "EXANTE", actor)


def fiscal_type_in_use(py: ProjectYear, assessor_type: str) -> str:
    """FISCAL vs FISCAL_KEY is the model's `fiscal_key` flag; conclude the open fiscal assessment
    whichever of the two the assess step recorded, rather than start an empty one."""
    if assessor_type not in ("FISCAL", "FISCAL_KEY"):
        return assessor_type
    for kind in (assessor_type, "FISCAL_KEY" if assessor_type == "FISCAL" else "FISCAL"):
        last = latest_assessment(py, kind)
        if last is not None and last.status != "CONCLUDED":
            return kind
    return assessor_type


@hooks.service("exante.conclude")
def conclude(ctx: ServiceContext, assessor_type: str, conclusion: str, **scores: Any) -> dict:
    """DT-02 (or FIN_PERF's override) decided: record the conclusion on the assessment."""
    project = project_of(ctx.data, lock=True)
    actor = username(ctx.actor)
    py = project_year(project, request_year(ctx.data), actor=actor)
    db.session.flush()
    ensure_exante(project, actor)
    row = open_assessment(py, fiscal_type_in_use(py, assessor_type), actor)
    apply_scores(row, scores)
    reason = scores.get("override_reason") or scores.get("conclusion_override_reason")
    if reason:
        row.conclusion_override_reason = reason
    row.conclusion, row.status, row.updated_by = conclusion, "CONCLUDED", actor
    db.session.flush()
    return {"exante_id": str(row.id)}


@hooks.service("project.enter_library")
def enter_library(ctx: ServiceContext) -> dict[str, str]:
    """入库: IN_LIBRARY, and the ex-ante recommended amounts per year (the request itself is not
    overwritten; P2's arrangement applies the recommendation, processes §5.3 row 14)."""
    project = project_of(ctx.data, lock=True)
    actor = username(ctx.actor)
    change_library_status(project, "IN_LIBRARY", actor)
    recommended = annual_need_yuan(ctx.data.get("annual_need"))
    if ctx.data.get("recommended_amount") is not None:
        recommended[str(request_year(ctx.data))] = str(wan_to_yuan(ctx.data["recommended_amount"]))
    for year, amount in recommended.items():
        py = project_year(project, int(year), actor=actor)
        py.exante_recommended = Decimal(amount)
    return {"library_status": project.library_status}

