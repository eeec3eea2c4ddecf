"""What the 执行数据 page and `GET /execution-records` read: imports with their progress, an
import's corrections (更正: the figure before and after), and each month's versions."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select, tuple_

from budget.execution.imports import RUNNING
from budget.models import ExecutionImport, ExecutionRecord, Project, ProjectYear
from engine.base.db import db, utcnow
from engine.base.paging import Page, paged

WATCH = timedelta(minutes=30)  # a running import older than this stops the page refreshing itself


def progress(imp: ExecutionImport) -> dict[str, Any]:
    running = imp.status in RUNNING
    return {"import": imp, "running": running, "watch": running and utcnow() - imp.created_at < WATCH,
            "percent": round(100 * imp.done / imp.total) if imp.total else (0 if running else 100)}


def recent(limit: int = 20) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(ExecutionImport).order_by(ExecutionImport.created_at.desc()).limit(limit))
    return [progress(i) for i in rows]


def find(import_id: str) -> ExecutionImport | None:
    try:
        key = uuid.UUID(import_id)
    except ValueError:
        return None
    return db.session.get(ExecutionImport, key)


@dataclass
class Correction:
    code: str
    name: str
    year: int
    month: int
    old: Decimal | None
    new: Decimal
    version: int
    current: bool


def corrections(imp: ExecutionImport, limit: int = 500) -> list[Correction]:
    """The months this import corrected, with the figure each replaced (staged rows too while the
    import runs: `old` is then the figure current now)."""
    e = ExecutionRecord
    rows = db.session.execute(
        select(Project.code, Project.name, e.fiscal_year, e.month, e.replaced_cum, e.executed_cum, e.version,
               e.is_current, e.project_year_id)
        .join(ProjectYear, ProjectYear.id == e.project_year_id).join(Project, Project.id == ProjectYear.project_id)
        .where(e.import_id == imp.id, e.version > 1).order_by(Project.code, e.month).limit(limit)).all()
    return [Correction(c, n, y, m, old, new, v, cur) for c, n, y, m, old, new, v, cur, _ in rows]


def _effective() -> Any:
    """Rows that are records: posted, or of an import that finished (not rows still staged)."""
    done = select(ExecutionImport.id).where(ExecutionImport.status == "DONE")
    return or_(ExecutionRecord.import_id.is_(None), ExecutionRecord.import_id.in_(done))


def versions(year: int | None, month: int | None, code: str | None, page: int, per_page: int) -> Page[dict[str, Any]]:
    """A page of months (project, year, month: the current figure) each with every version, oldest
    first; ordered by project code, year, month."""
    e = ExecutionRecord
    months = (select(Project.code, e).join(ProjectYear, ProjectYear.id == e.project_year_id)
              .join(Project, Project.id == ProjectYear.project_id).where(e.is_current.is_(True)))
    if year is not None:
        months = months.where(e.fiscal_year == year)
    if month is not None:
        months = months.where(e.month == month)
    if code:
        months = months.where(Project.code == code)
    found = paged(months.order_by(Project.code, e.fiscal_year, e.month), page, per_page, scalars=False)
    pairs = [(rec.project_year_id, rec.month) for _, rec in found.items]
    history: dict[tuple[uuid.UUID, int], list[ExecutionRecord]] = {}
    if pairs:
        for rec in db.session.scalars(select(e).where(tuple_(e.project_year_id, e.month).in_(pairs), _effective())
                                      .order_by(e.version)):
            history.setdefault((rec.project_year_id, rec.month), []).append(rec)
    return found.map(lambda item: {
        "project_code": item[0], "year": item[1].fiscal_year, "month": item[1].month,
        "executed_cum": item[1].executed_cum, "version": item[1].version,
        "versions": [{"version": r.version, "executed_cum": r.executed_cum, "current": r.is_current,
                      "source": r.source, "note": r.note, "recorded_at": r.created_at, "recorded_by": r.created_by}
                     for r in history.get((item[1].project_year_id, item[1].month), [])]})
