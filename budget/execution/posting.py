"""Execution records posted as JSON (`POST /api/v1/execution-records`): the same checks as the
Excel, all or nothing per request — any wrong row and nothing of the request is written, so a
caller never has to work out which half went in; it fixes the rows and sends the list again, and
what was already recorded comes back `unchanged` (idempotent on project, year and month)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from budget.execution import writing
from budget.execution.checks import KEYS, Checker, RawRow, as_int
from budget.models import Project, ProjectYear
from budget.shared.helpers import today
from engine.base.db import db

ROWS_MAX = 5000  # per request; a whole month of a large city goes as a file or in a few requests
JSON_KEYS = {"project_code": "project_code", "year": "year", "month": "month", "executed_cum": "executed_cum",
             "note": "note", "project_name": "project_name"}


@dataclass
class Reply:
    accepted: int = 0
    unchanged: int = 0
    corrected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _raw(items: list[Any]) -> tuple[list[RawRow], list[dict[str, Any]]]:
    rows, errors = [], []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append({"row": i, "field": "_row", "message": "每一行应为对象（含 project_code、year、month、executed_cum）"})
            continue
        extra = sorted(set(item) - set(KEYS))
        if extra:
            errors.append({"row": i, "field": extra[0][:100], "message": "不是执行数据的字段"})
        rows.append(RawRow(i, {k: item.get(k) for k in KEYS}))
    return rows, errors


def _lock(rows: list[RawRow]) -> None:
    """Lock the project-years the rows name before checking, so the check sees what is written."""
    codes = {str(r.values["project_code"]).strip() for r in rows if isinstance(r.values["project_code"], str)}
    years = {y for y in (as_int(r.values["year"]) for r in rows) if y is not None}
    if not codes or not years:
        return
    ids = db.session.scalars(select(ProjectYear.id).join(Project, Project.id == ProjectYear.project_id).where(
        Project.code.in_(codes), ProjectYear.fiscal_year.in_(years)))
    writing.lock_years(list(ids))


def post_records(items: list[Any], actor: str | None, source: str = "API") -> Reply:
    """Check every row; write them all (current at once) or none. The caller commits. `source`:
    API, or DEMO for the demo history's treasury figures (budget.demo_history)."""
    if len(items) > ROWS_MAX:
        return Reply(errors=[{"row": 0, "field": "_body", "message": f"一次最多 {ROWS_MAX} 行，请分批发送"}])
    if not items:
        return Reply(errors=[{"row": 0, "field": "_body", "message": "没有数据行"}])
    raw, errors = _raw(items)
    _lock(raw)
    outcome = Checker(JSON_KEYS, today()).check(raw)
    errors = sorted(errors + outcome.errors, key=lambda e: e["row"])
    if errors:
        return Reply(errors=errors, warnings=outcome.warnings)
    tally = writing.write_current(outcome.rows, source, actor)
    return Reply(tally.accepted, tally.unchanged, tally.corrected, [], outcome.warnings)

