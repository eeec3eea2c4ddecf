"""Ex-ante assessment records (entities §3.4) of a P1 request: the round being worked on, and
the score part of an F-02 / F-03 submission or of `exante.conclude`'s parameters."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from budget.calc.money import annual_need_yuan, to_decimal, wan_to_yuan
from budget.calc.scores import DIMS, assessment_total
from budget.models import ExAnteAssessment, Project, ProjectYear
from budget.shared.lookups import as_uuid
from budget.shared.status import change_library_status
from engine.base.convert import plain as jsonable
from engine.base.db import db


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


def ensure_exante(project: Project, actor: str | None) -> None:
    """An assessment has started: DEPT_APPROVED → EXANTE (rules §4.2), whatever the model did."""
    if project.library_status == "DEPT_APPROVED":
        change_library_status(project, "EXANTE", actor)


def apply_scores(row: ExAnteAssessment, values: Mapping[str, Any]) -> None:
    """Copy the score part of an F-02/F-03 submission (or service parameters) onto the record."""
    for dim in DIMS:
        if values.get(dim) is not None:
            setattr(row, dim, to_decimal(values[dim]))
    total = assessment_total(values, {d: getattr(row, d) for d in DIMS})
    if total is not None:
        row.total_score = total
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
