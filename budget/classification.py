"""A project-year as P1 left it, for the project library, the project page and the API: its
classification (is_major, is_key, fiscal_key with the DT-05/DT-01 rows that decided them) and its
ex-ante results (requirements, conclusion, recommended amount). Codes and values for the API,
Chinese labels beside them for the pages. Years decided before the classification was recorded
(migration d11a00000001) have `classification: null`; their conclusion and amount still show."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from budget.calc.classification import FISCAL_EXANTE_LABELS, PACK_LABELS, REASON_LABELS, kinds, rule_row
from budget.models import ExAnteAssessment, ProjectYear
from engine.base.db import db

CONCLUSIONS = {"SUPPORT": "予以支持", "SUPPORT_AFTER_REVISION": "调整完善后予以支持", "NOT_SUPPORT": "不予支持"}
ASSESSORS = {"DEPT_SELF": "部门事前评估", "FISCAL": "财政事前评估", "FISCAL_KEY": "财政重点事前评估"}


def concluded(year_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ExAnteAssessment]:
    """The last concluded ex-ante assessment of each project-year (the fiscal one comes after the
    department's), in one query for a page of the library."""
    ids = list(year_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(ExAnteAssessment).where(
        ExAnteAssessment.project_year_id.in_(ids), ExAnteAssessment.conclusion.is_not(None))
        .order_by(ExAnteAssessment.created_at, ExAnteAssessment.round))
    return {a.project_year_id: a for a in rows}  # later rows overwrite earlier ones


def classification(y: ProjectYear) -> dict[str, Any] | None:
    if y.is_major is None and y.classification is None:
        return None
    c = y.classification or {}
    rows = [*c.get("dt05_rows", []), *c.get("dt01_rows", [])]
    return {
        "is_major": y.is_major, "is_key": y.is_key, "fiscal_key": y.fiscal_key,
        "labels": kinds(y.is_major, y.is_key, y.fiscal_key),
        "rules": [rule_row(r) for r in rows],
        "packs": c.get("packs", []), "packs_label": "、".join(PACK_LABELS.get(p, p) for p in c.get("packs", [])),
        "decided_at": c.get("decided_at"),
    }


def exante(y: ProjectYear, last: ExAnteAssessment | None) -> dict[str, Any]:
    c = y.classification or {}
    fiscal = c.get("fiscal_exante")
    reasons = list(c.get("exante_reasons", []))
    return {
        "dept_required": c.get("dept_exante"), "fiscal_required": fiscal,
        "fiscal_required_label": FISCAL_EXANTE_LABELS.get(fiscal or "", None),
        "reasons": reasons, "reason_labels": [REASON_LABELS.get(r, r) for r in reasons],
        "conclusion": last.conclusion if last else None,
        "conclusion_label": CONCLUSIONS.get(last.conclusion or "") if last else None,
        "assessor_type": last.assessor_type if last else None,
        "assessor_label": ASSESSORS.get(last.assessor_type) if last else None,
        "total_score": last.total_score if last else None,
        "recommended_amount": y.exante_recommended,
    }


def of_year(y: ProjectYear, last: ExAnteAssessment | None) -> dict[str, Any]:
    return {"classification": classification(y), "exante": exante(y, last)}
