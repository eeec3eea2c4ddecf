"""The ledgers' Excel files: up to SYNC_LIMIT rows the request writes them; more are queued as an
ExportRun (kinds V02, V04, X05) for the `ledgers.export` job, which writes them with progress
committed on a connection of its own and keeps the file for its requester only (the X-03 pattern
of budget/monitoring_views/export_runs.py)."""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import select, update

from budget.ledgers import export as X
from budget.ledgers.asof import AsOf
from budget.ledgers.overdue import with_actions
from budget.ledgers.rectification import CaseFilters, all_cases, count_cases
from budget.ledgers.urging import progress
from budget.ledgers.work import LedgerFilters, all_rows, count_rows
from budget.models import ExportRun
from engine.base.db import db, utcnow
from engine.base.identity import User
from engine.base.models import Attachment
from engine.dispatch import queue

SYNC_LIMIT = 500  # rows (cases for X-05) a request writes itself
BATCH = 500  # rows between two progress commits
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLES = {"V02": "工作台账", "V04": "逾期清单", "X05": "整改台账"}


def count(kind: str, user: User, p: dict[str, Any]) -> int:
    at = AsOf(date.fromisoformat(p["as_of"]))
    if kind == "X05":
        return count_cases(user, at, _case_filters(p))
    return count_rows(user, at, _ledger_filters(kind, p))


def file_name(kind: str, p: dict[str, Any]) -> str:
    return f"{TITLES[kind]}_{p['as_of']}{('_' + p['dept']) if p.get('dept') else ''}.xlsx"


def build(kind: str, user: User, p: dict[str, Any], counted: Any = None) -> bytes:
    """The workbook; `counted(n)` hears how many rows (cases for X-05) are written."""
    at, person = AsOf(date.fromisoformat(p["as_of"])), X.People()
    if kind == "X05":
        source: Iterator[dict[str, Any]] = all_cases(user, at, _case_filters(p), date.fromisoformat(p["today"]))
        rows = (line for case in _tick(source, counted) for line in X.x05_rows(case, person))
        return X.write(TITLES[kind], X.X05, rows, p["scope_text"])
    found = _tick(all_rows(user, at, _ledger_filters(kind, p)), counted)
    if kind == "V04":
        return X.write(TITLES[kind], X.V04, (X.v04_cells(r, person) for r in _acted(found, at)), p["scope_text"])
    return X.write(TITLES[kind], X.V02, (X.v02_cells(r, person) for r in found), p["scope_text"])


def start(kind: str, user: User, p: dict[str, Any]) -> ExportRun:
    run = ExportRun(id=uuid.uuid4(), kind=kind, status="QUEUED", total=count(kind, user, p), filters=p,
                    created_by=user.username)
    db.session.add(run)
    queue.enqueue("ledgers.export", {"run_id": str(run.id)}, key=f"ledger-export:{run.id}")
    return run


@queue.job("ledgers.export", timeout=1800, max_attempts=2)
def write_run(payload: dict[str, Any]) -> None:
    run = db.session.get(ExportRun, uuid.UUID(payload["run_id"]))
    if run is None or run.status == "DONE":
        return
    user = db.session.scalar(select(User).where(User.username == run.created_by))
    run_id = run.id
    progress(run_id, 0, "WRITING")
    body = build(run.kind, user, run.filters, lambda n: progress(run_id, n) if n % BATCH == 0 else None)
    attachment = Attachment(id=uuid.uuid4(), name=file_name(run.kind, run.filters), content_type=XLSX, size=len(body),
                            sha256=hashlib.sha256(body).hexdigest(), content=body, uploaded_by=run.created_by)
    db.session.add(attachment)
    db.session.flush()
    db.session.execute(update(ExportRun).where(ExportRun.id == run_id).values(
        status="DONE", attachment_id=attachment.id, done=run.total, finished_at=utcnow(), updated_at=utcnow()))


def _ledger_filters(kind: str, p: dict[str, Any]) -> LedgerFilters:
    return LedgerFilters(year=p.get("year"), dept=p.get("dept") or "", source=p.get("source") or "",
                         deliverable=p.get("deliverable") or "",
                         status="OVERDUE" if kind == "V04" else (p.get("status") or ""))


def _case_filters(p: dict[str, Any]) -> CaseFilters:
    return CaseFilters(year=p.get("year"), dept=p.get("dept") or "", status=p.get("status") or "",
                       source=p.get("source") or "")


def _tick(rows: Iterator[dict[str, Any]], counted: Any) -> Iterator[dict[str, Any]]:
    for n, row in enumerate(rows, start=1):
        yield row
        if counted:
            counted(n)


def _acted(rows: Iterator[dict[str, Any]], at: AsOf, batch: int = 200) -> Iterator[dict[str, Any]]:
    """V-04's reminder and 催办 columns, fetched a batch of rows at a time."""
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            with_actions(chunk, at)
            yield from chunk
            chunk = []
    with_actions(chunk, at)
    yield from chunk
