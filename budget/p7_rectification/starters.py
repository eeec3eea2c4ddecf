"""Starting P7 (processes §5.9): `msg_start_rectification {source_type, source_id}` makes ONE case per
source event, however often and however concurrently it is sent. The starter inserts the case row
itself with ON CONFLICT on uq_rectification_case_source: a second delivery of the same source waits
on the first's insert and then declines (None → SKIPPED). Case codes RC-{year}-{seq3} are numbered
under a transaction advisory lock, so two different sources never draw the same number."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert

from budget.calc.rectification import SOURCE_ZH, case_code
from budget.models import (
    Department,
    Jurisdiction,
    Project,
    ProjectYear,
    RectificationCase,
    RectificationRequest,
)
from budget.models.rectification import RECT_SOURCES
from budget.shared.helpers import today
from budget.shared.lookups import as_uuid
from engine.base import hooks
from engine.base.convert import plain
from engine.base.db import db

PROCESS = "p7_rectification"
_CODE_LOCK = "perfflow.rectification_case_code"
_SOURCE_NS = uuid.UUID("6f1d1c9e-7a5b-4c1e-9a53-2b0c7d2e9a11")  # ids of sources that are not uuids


def source_uuid(raw: Any) -> uuid.UUID:
    """The source id as stored: a uuid as given, any other text as a stable uuid5 of it."""
    try:
        return as_uuid(raw)
    except (ValueError, TypeError, AttributeError):
        return uuid.uuid5(_SOURCE_NS, str(raw))


def monitoring_findings(source_id: uuid.UUID) -> list[dict[str, Any]]:
    """A monitoring message without findings (posted by hand): the RectificationRequest F-11 wrote for
    the warning holds them (its status is the pickup's, budget.rect_sources)."""
    request = db.session.scalars(select(RectificationRequest).where(
        RectificationRequest.source_type == "MONITORING", RectificationRequest.source_id == source_id)
        .order_by(RectificationRequest.created_at.desc())).first()
    if request is None:
        return []
    return [{"description": f.get("text") or f.get("description") or "", "category": f.get("category") or "MANAGEMENT",
             "severity": f.get("severity") or "HIGH"} for f in request.findings or []]


@hooks.message_starter(PROCESS)
def start_from_message(message: str, correlation: dict[str, Any], payload: dict[str, Any]) -> hooks.StartSpec | None:
    if message != "msg_start_rectification":
        return None
    source_type = str(correlation.get("source_type") or payload.get("source_type") or "")
    if source_type not in RECT_SOURCES:
        return None
    source_id = source_uuid(correlation.get("source_id") or payload.get("source_id"))
    py = db.session.scalars(select(ProjectYear).where(
        ProjectYear.project_id == as_uuid(payload["project_id"]),
        ProjectYear.fiscal_year == int(payload["fiscal_year"]))).first()
    if py is None:
        return None
    project = db.session.get(Project, py.project_id)
    findings = list(payload.get("findings") or [])
    if source_type == "MONITORING" and not findings:
        findings = monitoring_findings(source_id)
    case_id = _claim(source_type, source_id, py, project, findings, payload)
    if case_id is None:  # the source event has its case (and its instance) already
        return None
    dept = project.department
    division = dept.fund_division.code if dept.fund_division else None
    jurisdiction = db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.created_at)).first()
    code = db.session.scalar(select(RectificationCase.code).where(RectificationCase.id == case_id))
    data = {
        "case_id": str(case_id), "case_code": code, "project_id": str(project.id), "project_year_id": str(py.id),
        "fiscal_year": py.fiscal_year, "packs": list(jurisdiction.packs) if jurisdiction else ["CORE"],
        "source_type": source_type, "source_id": str(source_id), "grade": payload.get("grade"),
        "monitoring_red_unresolved": bool(payload.get("monitoring_red_unresolved", source_type == "MONITORING")),
        "large_diff": bool(payload.get("large_diff")), "cost_poor": bool(payload.get("cost_poor")),
        "dept_code": dept.code, "unit_code": project.unit.code,
        # the issuer: FIN_FUND of the project's division for a monitoring case, else FIN_PERF (§5.9 lanes)
        "issuer_role": "FIN_FUND" if source_type == "MONITORING" else "FIN_PERF",
    }
    return hooks.StartSpec(data=data, business_key=project.code,
                           title=f"{project.name} 整改（{SOURCE_ZH.get(source_type, source_type)}，{code}）",
                           scope={"unit": project.unit.code, "dept": dept.code, "division": division},
                           year=py.fiscal_year)


def _claim(source_type: str, source_id: uuid.UUID, py: ProjectYear, project: Project,
           findings: list[dict[str, Any]], payload: dict[str, Any]) -> uuid.UUID | None:
    """Insert the case unless the source has one; its id, or None when the source is taken."""
    db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": _CODE_LOCK})
    year = today().year
    prefix = f"RC-{year}-"
    last = db.session.scalar(select(func.max(RectificationCase.code)).where(RectificationCase.code.like(f"{prefix}%")))
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    dept = db.session.get(Department, project.department_id)
    values = dict(
        id=uuid.uuid4(), code=case_code(year, seq), source_type=source_type, source_id=source_id,
        source_label=(payload.get("source_label") or SOURCE_ZH.get(source_type, source_type))[:200],
        grade=payload.get("grade"), project_year_id=py.id, responsible_dept_id=dept.id,
        responsible_unit_id=project.unit_id, findings=plain(findings), status="CREATED", created_by="system")
    return db.session.execute(insert(RectificationCase).values(**values).on_conflict_do_nothing(
        constraint="uq_rectification_case_source").returning(RectificationCase.id)).scalar()
