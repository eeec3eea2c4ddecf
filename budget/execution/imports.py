"""An Excel upload of execution data, as queue jobs (docs/design.md "Execution data (issue 11)"):

1. the request stores the file and owes `execution.check` — nothing else (a repeated file, by
   sha256, is recognised and not queued again);
2. `execution.check` reads the workbook and checks EVERY row; any error → REJECTED with the
   row-level errors, nothing written; else the checked rows are kept on the import (IMPORTING);
3. `execution.apply` stages CHUNK rows per job (one short transaction each, `done`/`total` for
   the progress bar): new versions written under the import id, not current;
4. `execution.activate` makes them all current in one short transaction — readers see the file
   entirely or not at all. A job that fails for good marks the import FAILED and removes its
   staged rows."""
from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy import select

from budget.execution import workbook, writing
from budget.execution.checks import CheckedRow, Checker
from budget.models import ExecutionImport
from budget.shared.helpers import today
from engine.base.db import db, utcnow
from engine.base.errors import ValidationFailed
from engine.base.models import Outbox
from engine.dispatch import queue
from engine.work.attachments import clean_name, without_folders

CHUNK = 1000  # rows per apply job
FILE_MAX_BYTES = 5 * 1024 * 1024  # a 10,000-row file is ~300 KB
UNZIPPED_MAX_BYTES = 100 * 1024 * 1024
ROWS_MAX = 20_000  # a month of a large city is ~10,000 project-years; more → split the file
REPEATED = ("QUEUED", "CHECKING", "IMPORTING", "DONE", "REJECTED")  # a failed import may be retried
RUNNING = ("QUEUED", "CHECKING", "IMPORTING")


def _file_errors(name: str, content: bytes) -> list[str]:
    errors = []
    if not name.lower().endswith(".xlsx"):
        errors.append("请上传 Excel 工作簿（.xlsx），可从本页下载模板")
    if not content:
        errors.append("文件为空")
    elif len(content) > FILE_MAX_BYTES:
        errors.append(f"文件超过大小上限 {FILE_MAX_BYTES // (1024 * 1024)} MB，请分批导入")
    elif not content.startswith(b"PK\x03\x04"):
        errors.append("文件内容不是 Excel 工作簿（.xlsx）")
    return errors


def submit(filename: str, content: bytes, actor: str | None) -> tuple[ExecutionImport, bool]:
    """Record the upload and owe its check; (the import, True) — or (the earlier import of the
    same file, False) when this exact file came before and did not fail."""
    name = clean_name(without_folders(filename or ""))
    errors = _file_errors(name, content)
    if errors:
        raise ValidationFailed({"file": errors})
    digest = hashlib.sha256(content).hexdigest()
    earlier = db.session.scalars(select(ExecutionImport).where(
        ExecutionImport.sha256 == digest, ExecutionImport.status.in_(REPEATED))
        .order_by(ExecutionImport.created_at.desc()).limit(1)).first()
    if earlier is not None:
        return earlier, False
    imp = ExecutionImport(id=uuid.uuid4(), filename=name, sha256=digest, content=content, status="QUEUED",
                          errors=[], warnings=[], created_by=actor)
    db.session.add(imp)
    queue.enqueue("execution.check", {"import_id": str(imp.id)}, key=f"exec-check:{imp.id}")
    return imp, True


def _locked(payload: dict[str, Any]) -> ExecutionImport | None:
    return db.session.scalar(select(ExecutionImport).where(ExecutionImport.id == uuid.UUID(payload["import_id"]))
                             .with_for_update())


def _failed(row: Outbox, message: str) -> None:
    imp = _locked(row.payload)
    if imp is None or imp.status not in RUNNING:
        return
    writing.discard_staged(imp.id)
    imp.status, imp.rows, imp.finished_at = "FAILED", None, utcnow()
    imp.errors = [{"row": 0, "field": "文件", "message": f"导入未完成（系统错误，可重新上传）：{message[:300]}"}]


def _reject(imp: ExecutionImport, errors: list[dict[str, Any]]) -> None:
    imp.status, imp.errors, imp.finished_at = "REJECTED", errors, utcnow()


@queue.job("execution.check", timeout=600, on_failed=_failed)
def check(payload: dict[str, Any]) -> None:
    imp = _locked(payload)
    if imp is None or imp.status != "QUEUED":
        return
    try:
        raw = workbook.read_rows(imp.content or b"", ROWS_MAX, UNZIPPED_MAX_BYTES)
    except workbook.FileProblem as problem:
        _reject(imp, [{"row": 0, "field": "文件", "message": problem.message}])
        return
    outcome = Checker(workbook.LABELS, today()).check(raw)
    imp.total, imp.warnings = len(raw), outcome.warnings
    if outcome.errors:
        _reject(imp, sorted(outcome.errors, key=lambda e: e["row"]))
        return
    imp.status, imp.done, imp.rows = "IMPORTING", 0, [r.as_json() for r in outcome.rows]
    queue.enqueue("execution.apply", {"import_id": str(imp.id), "offset": 0}, key=f"exec-apply:{imp.id}:0")


@queue.job("execution.apply", on_failed=_failed)
def apply(payload: dict[str, Any]) -> None:
    imp = _locked(payload)
    offset = int(payload["offset"])
    if imp is None or imp.status != "IMPORTING" or imp.done > offset:  # a repeated job: done already
        return
    rows = [CheckedRow.from_json(r) for r in (imp.rows or [])[offset:offset + CHUNK]]
    writing.lock_years(r.project_year_id for r in rows)
    tally = writing.stage(rows, imp.created_by, imp.id)
    imp.accepted += tally.accepted
    imp.corrected += tally.corrected
    imp.unchanged += tally.unchanged
    imp.done = offset + len(rows)
    nxt = ("execution.apply", {"import_id": str(imp.id), "offset": imp.done}, f"exec-apply:{imp.id}:{imp.done}")
    if imp.done >= imp.total:
        nxt = ("execution.activate", {"import_id": str(imp.id)}, f"exec-activate:{imp.id}")
    queue.enqueue(nxt[0], nxt[1], key=nxt[2])


@queue.job("execution.activate", on_failed=_failed)
def activate(payload: dict[str, Any]) -> None:
    imp = _locked(payload)
    if imp is None or imp.status != "IMPORTING":
        return
    writing.make_current(imp.id)
    imp.status, imp.rows, imp.finished_at = "DONE", None, utcnow()
