"""Writing execution records, versioned and race-safe. Every writer first locks the project-years
it touches (`FOR NO KEY UPDATE`, in id order, so two writers never deadlock and foreign keys to the
row are not blocked), then compares with the current figure of each month: the same figure is
*unchanged* (nothing written), a different one is version n+1 (n = the highest version of the month,
staged ones included, so versions never collide) and the old row stays. The partial unique index
`uq_execution_record_current` is the last guard: never two current rows of a month.

Two ways in: `write_current` (the API: current at once, in the request's transaction) and, for an
Excel import, `stage` (chunk by chunk, not current, under the import id) then `make_current` (one
short transaction of two set-based statements when every chunk is in)."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import String, cast, func, insert, select, text, update

from budget.execution.checks import CheckedRow
from budget.models import ExecutionRecord, ProjectYear
from engine.base.db import db, new_id, utcnow


@dataclass
class Tally:
    accepted: int = 0  # a month recorded for the first time
    corrected: int = 0  # a month recorded before with another figure: a new version
    unchanged: int = 0  # the same figure again: nothing written
    corrections: list[dict] = field(default_factory=list)  # [{row, old, new}] for the reply


def lock_years(py_ids: Iterable[uuid.UUID]) -> None:
    ids = sorted(set(py_ids))
    if ids:
        db.session.execute(select(ProjectYear.id).where(ProjectYear.id.in_(ids)).order_by(ProjectYear.id)
                           .with_for_update(key_share=True))


def _state(rows: list[CheckedRow]) -> dict[tuple[uuid.UUID, int], tuple[int, uuid.UUID | None, Decimal | None]]:
    """Per month: (highest version, current row id, current figure)."""
    pairs = list({(r.project_year_id, r.month) for r in rows})
    if not pairs:
        return {}
    e = ExecutionRecord
    query = select(
        e.project_year_id, e.month, func.max(e.version),
        func.max(cast(e.id, String)).filter(e.is_current.is_(True)),  # at most one (the partial unique index)
        func.max(e.executed_cum).filter(e.is_current.is_(True)),
    ).where(e.project_year_id.in_({p for p, _ in pairs}), e.month.in_({m for _, m in pairs})
            ).group_by(e.project_year_id, e.month)
    wanted = set(pairs)
    return {(p, m): (v, uuid.UUID(cid) if cid else None, cum) for p, m, v, cid, cum in db.session.execute(query)
            if (p, m) in wanted}


def _new_rows(rows: list[CheckedRow], source: str, actor: str | None, import_id: uuid.UUID | None,
              current: bool) -> tuple[list[dict], list[uuid.UUID], Tally]:
    state = _state(rows)
    tally, fresh, superseded = Tally(), [], []
    now = utcnow()
    for r in rows:
        top, current_id, figure = state.get((r.project_year_id, r.month), (0, None, None))
        if current_id is not None and figure == r.executed_cum:
            tally.unchanged += 1
            continue
        if current_id is not None:
            tally.corrected += 1
            tally.corrections.append({"row": r.row, "old": figure, "new": r.executed_cum})
            superseded.append(current_id)
        else:
            tally.accepted += 1
        fresh.append(dict(
            id=new_id(), created_at=now, updated_at=now, created_by=actor, updated_by=actor,
            project_year_id=r.project_year_id, fiscal_year=r.fiscal_year, month=r.month,
            executed_cum=r.executed_cum, version=top + 1, is_current=current, source=source,
            import_id=import_id, note=r.note, replaced_cum=figure if current else None))
    return fresh, superseded, tally


def write_current(rows: list[CheckedRow], source: str, actor: str | None) -> Tally:
    """Record checked rows as current now (the caller's transaction; it holds `lock_years`)."""
    fresh, superseded, tally = _new_rows(rows, source, actor, None, current=True)
    if superseded:  # first: the partial unique index allows one current row per month
        db.session.execute(update(ExecutionRecord).where(ExecutionRecord.id.in_(superseded))
                           .values(is_current=False, updated_at=utcnow(), updated_by=actor))
    if fresh:
        db.session.execute(insert(ExecutionRecord), fresh)
    return tally


def stage(rows: list[CheckedRow], actor: str | None, import_id: uuid.UUID) -> Tally:
    """One chunk of an import: its new versions written, not current yet (the caller holds
    `lock_years` for the chunk's project-years)."""
    fresh, _superseded, tally = _new_rows(rows, "EXCEL", actor, import_id, current=False)
    if fresh:
        db.session.execute(insert(ExecutionRecord), fresh)
    return tally


_LOCK_IMPORT_YEARS = text("""
    SELECT py.id FROM project_year py
    WHERE py.id IN (SELECT DISTINCT project_year_id FROM execution_record WHERE import_id = :import_id)
    ORDER BY py.id FOR NO KEY UPDATE OF py""")
# An import's version replaces the current one only if it is newer: a figure posted (API) or
# imported after this import staged its row wins, and this row stays a kept, non-current version.
_RETIRE = text("""
    WITH retired AS (
        UPDATE execution_record cur SET is_current = false, updated_at = now()
        FROM execution_record own
        WHERE own.import_id = :import_id AND NOT own.is_current
          AND cur.project_year_id = own.project_year_id AND cur.month = own.month
          AND cur.is_current AND cur.version < own.version
        RETURNING own.id AS own_id, cur.executed_cum AS old)
    UPDATE execution_record own SET replaced_cum = retired.old FROM retired WHERE own.id = retired.own_id""")
_PROMOTE = text("""
    UPDATE execution_record own SET is_current = true, updated_at = now()
    WHERE own.import_id = :import_id AND NOT own.is_current
      AND NOT EXISTS (SELECT 1 FROM execution_record cur WHERE cur.project_year_id = own.project_year_id
                      AND cur.month = own.month AND cur.is_current)""")


def make_current(import_id: uuid.UUID) -> int:
    """The import's staged versions become current at once (one transaction); how many did."""
    params = {"import_id": import_id}
    db.session.execute(_LOCK_IMPORT_YEARS, params)
    db.session.execute(_RETIRE, params)
    return db.session.execute(_PROMOTE, params).rowcount


def discard_staged(import_id: uuid.UUID) -> None:
    """A failed import leaves nothing behind."""
    db.session.execute(ExecutionRecord.__table__.delete().where(
        ExecutionRecord.import_id == import_id, ExecutionRecord.is_current.is_(False)))
