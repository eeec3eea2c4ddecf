"""One project as its page and the API show it: the record (F-01 fields, per-year amounts),
its performance targets and indicators, its ex-ante assessments, and the instances behind it
(its requests: P1 now, the later families too — they share the project code as business key).
Visible to whom the 项目库 shows it, and to whoever may see one of its instances; anyone else
gets "not found" (docs/design.md, "Project page")."""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.calc.adjustment import OPERATORS
from budget.calc.rectification import CASE_STATUS_ZH, SOURCE_ZH
from budget.calc.status import STATUS_LABELS
from budget.classification import ASSESSORS, CONCLUSIONS, of_year
from budget.library import in_library_scope
from budget.models import (
    ExAnteAssessment,
    IssueItem,
    PerformanceTarget,
    Project,
    ProjectYear,
    RectificationCase,
)
from engine.base.db import db
from engine.base.errors import NotFound
from engine.base.identity import User
from engine.base.models import ProcessInstance
from engine.work.supervision import of_business_key
from forms.indicators import L1_LABELS, L2_LABELS

NOT_FOUND = "项目不存在或您无权查看"
OBJECT_TYPES = {"PROJECT": "项目", "POLICY": "政策", "SPECIAL_FUND": "专项资金", "DEPT_OVERALL": "部门整体",
                "TRANSFER": "转移支付"}


def find(ref: str, user: User) -> tuple[Project, list[ProcessInstance]]:
    """The project by id or code with the instances `user` may see; NotFound outside their scope."""
    try:
        where = Project.id == uuid.UUID(ref)
    except ValueError:
        where = Project.code == ref
    project = db.session.scalar(select(Project).where(where, Project.deleted.is_(False)))
    if project is None:
        raise NotFound(NOT_FOUND)
    instances = of_business_key(project.code, user)
    if not instances and not in_library_scope(user, project.id):
        raise NotFound(NOT_FOUND)
    return project, instances


def record(project: Project) -> dict[str, Any]:
    """The project's record for display: fields, years with amounts (元), targets, assessments."""
    responsible = db.session.get(User, project.responsible_person_id) if project.responsible_person_id else None
    return {
        "id": str(project.id), "code": project.code, "name": project.name,
        "object_type": project.object_type, "object_type_label": OBJECT_TYPES.get(project.object_type, ""),
        "dept": project.department.code, "dept_name": project.department.name,
        "unit": project.unit.code, "unit_name": project.unit.name,
        "new_or_continuing": project.new_or_continuing, "start_year": project.start_year,
        "end_year": project.end_year, "total_amount": project.total_amount, "function_category": project.function_category,
        "library_status": project.library_status,
        "library_status_label": STATUS_LABELS.get(project.library_status, project.library_status),
        "is_major_flag": project.is_major_flag,
        "responsible_person": responsible.username if responsible else None,
        "responsible_person_name": responsible.name if responsible else None,
        "legal_basis": project.legal_basis, "necessity_text": project.necessity_text,
        "content_text": project.content_text,
        "years": [_year(y) for y in project.years],
        "rect_cases": rect_cases(project),
    }


def rect_cases(project: Project) -> list[dict[str, Any]]:
    """The project's rectification cases (P7), newest first, named as GET /api/v1/rectification-cases
    names them: code, source and status (codes and words), deadlines, issues closed (销号 or waived)
    of all, rounds, and the instance behind each."""
    cases = db.session.scalars(select(RectificationCase).join(ProjectYear).where(
        ProjectYear.project_id == project.id).order_by(RectificationCase.created_at.desc())).all()
    counts: dict[Any, list[int]] = {c.id: [0, 0] for c in cases}
    for case_id, status in db.session.execute(select(IssueItem.case_id, IssueItem.status).where(
            IssueItem.case_id.in_(list(counts)))):
        counts[case_id][1] += 1
        counts[case_id][0] += status in ("CLOSED", "WAIVED")
    return [{"id": str(c.id), "code": c.code, "source_type": c.source_type,
             "source_name": SOURCE_ZH.get(c.source_type, c.source_type), "source_label": c.source_label,
             "status": c.status, "status_name": CASE_STATUS_ZH.get(c.status, c.status), "plan_due": c.plan_due,
             "report_due": c.report_due, "closed": counts[c.id][0], "issue_count": counts[c.id][1],
             "rounds": c.re_round, "rect_state": c.rect_state, "late": c.rect_state in ("OVERDUE", "NOT_RECTIFIED"),
             "instance_id": c.instance_id} for c in cases]


def _year(y: ProjectYear) -> dict[str, Any]:
    target = db.session.scalar(select(PerformanceTarget).where(PerformanceTarget.project_year_id == y.id)
                               .order_by(PerformanceTarget.version_no.desc()).limit(1))
    assessments = list(db.session.scalars(select(ExAnteAssessment).where(ExAnteAssessment.project_year_id == y.id)
                                          .order_by(ExAnteAssessment.created_at, ExAnteAssessment.round)))
    last = next((a for a in reversed(assessments) if a.conclusion is not None), None)
    return {
        "fiscal_year": y.fiscal_year, "funding_source": y.funding_source, "requested": y.requested,
        "requested_other": y.requested_other, "exante_recommended": y.exante_recommended,
        "review_approved": y.review_approved, "arranged": y.arranged, "adjusted": y.adjusted,
        "executed": y.executed, "cycle_status": y.cycle_status,
        "target": _target(target) if target else None,
        "assessments": [_assessment(a) for a in assessments],
        **of_year(y, last),
    }


def _target(t: PerformanceTarget) -> dict[str, Any]:
    return {
        "version_no": t.version_no, "framework": t.framework, "status": t.status,
        "overall_goal": t.overall_goal, "annual_goal": t.annual_goal, "review_grade": t.review_grade,
        "indicators": [{
            "l1": i.l1, "l1_label": L1_LABELS.get(i.l1, i.l1), "l2": i.l2, "l2_label": L2_LABELS.get(i.l2, i.l2),
            "name": i.name, "operator": i.operator, "target": _target_value(i.operator, i.target_value, i.target_text),
            "unit": i.unit, "weight": i.weight, "is_common": i.is_common,
        } for i in t.indicators],
    }


def _target_value(operator: str, value: Decimal | None, text: str | None) -> str:
    if value is None:
        return text or ""
    return f"{OPERATORS.get(operator, '')}{value.normalize():f}"


def _assessment(a: ExAnteAssessment) -> dict[str, Any]:
    return {
        "assessor_type": a.assessor_type, "assessor_label": ASSESSORS.get(a.assessor_type, a.assessor_type),
        "round": a.round, "performer": a.performer, "total_score": a.total_score,
        "conclusion": a.conclusion, "conclusion_label": CONCLUSIONS.get(a.conclusion or "", a.conclusion),
        "recommended_amount": a.recommended_amount, "status": a.status,
    }
