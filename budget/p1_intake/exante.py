"""Ex-ante assessment steps of P1 and CA-4 (processes §5.2, §5.3 rows 7–13): the unit's
self-assessment, the fiscal assessment's scores, the department's confirmation and the
conclusion DT-02 (or FIN_PERF's override) reached."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from budget.calc.reviews import returns_it
from budget.models import ExAnteAssessment
from budget.p1_intake.assessments import (
    apply_scores,
    ensure_exante,
    fiscal_type_in_use,
    latest_assessment,
    open_assessment,
)
from budget.shared.lookups import project_of, project_year, request_year, username
from budget.shared.opinions import add_opinion, returned_opinion
from engine.base import hooks
from engine.base.db import db
from engine.base.hooks import ServiceContext, TaskCompleted


@hooks.task_handler("p1.record_dept_exante")
def record_dept_exante(event: TaskCompleted) -> None:
    """F-02 edit at `ut_p1_dept_exante`: the unit's self-assessment, SUBMITTED for confirmation."""
    write_assessment(event, "DEPT_SELF", performer_default="SELF")


@hooks.task_handler("p1.record_fiscal_scores")
def record_fiscal_scores(event: TaskCompleted) -> None:
    """F-03 assess at CA-4's `ut_fe_assess_tp` / `ut_fe_assess_center`: the fiscal (key) assessment
    by a third party or FIN_CENTER."""
    assessor = "FISCAL_KEY" if event.data.get("fiscal_key") else "FISCAL"
    write_assessment(event, assessor, performer_default=getattr(event.task, "lane", None))


def write_assessment(event: TaskCompleted, assessor_type: str, performer_default: str | None) -> None:
    actor = username(event.actor)
    project = project_of(event.data, lock=True)
    py = project_year(project, request_year(event.data), actor=actor)
    db.session.flush()
    ensure_exante(project, actor)
    row = open_assessment(py, assessor_type, actor)
    values = dict(event.submission)
    values.setdefault("performer", performer_default)
    values.setdefault("engagement_id", event.data.get("engagement_id"))
    values.setdefault("trigger_reasons", event.data.get("exante_reasons") or event.data.get("trigger_reasons"))
    apply_scores(row, values)
    row.status, row.updated_by = "SUBMITTED", actor


def dept_exante_id(data: Mapping[str, Any]) -> uuid.UUID:
    """The unit's self-assessment awaiting the department's confirmation."""
    project = project_of(data)
    py = project.year(request_year(data))
    row = latest_assessment(py, "DEPT_SELF") if py else None
    if row is None:
        raise ValueError(f"项目 {project.code} 没有待确认的部门事前评估")
    return row.id


@hooks.task_handler("p1.record_exante_review", on_return=returned_opinion("EXANTE", dept_exante_id))
def record_exante_review(event: TaskCompleted) -> None:
    """F-02 review at `ut_p1_dept_exante_confirm`: opinion; RETURN sends the assessment back."""
    row = db.session.get(ExAnteAssessment, dept_exante_id(event.data))
    add_opinion(event, "EXANTE", row.id)
    if returns_it(event.submission.get("verdict")):
        row.status = "RETURNED"
    row.updated_by = username(event.actor)


@hooks.service("exante.conclude", params={
    "assessor_type": "评估主体", "conclusion": "评估结论", "total_score": "总分", "dim_necessity": "立项必要性得分",
    "dim_economy": "投入经济性得分", "dim_target": "绩效目标合理性得分", "dim_feasibility": "实施方案可行性得分",
    "dim_financing": "筹资合规性得分", "financing_compliant": "筹资是否合规", "matched_rows": "命中的规则行",
    "annual_need": "分年度资金需求", "recommended_amount": "建议安排金额（万元）", "panel_score": "专家组评分",
    "panel_verdict": "专家组结论", "rule_conclusion": "规则给出的结论", "engagement_id": "第三方委托",
    "override_reason": "改变结论的理由"})
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
