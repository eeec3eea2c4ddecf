"""The X-03 export of a large selection, made by a queue job instead of the request: the request
records an ExportRun and owes a `monitoring.x03_export` job; the job writes the workbook batch by
batch (progress committed on its own connection after each batch, so the page's bar moves while the
job's transaction is still open), stores it as an attachment and marks the run DONE. Only the
person who asked sees the run and its file. Selections up to SYNC_LIMIT download at once."""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select, update

from budget.models import ExportRun
from budget.monitoring_views import x03
from budget.monitoring_views.export import write_x03
from engine.base.db import db, utcnow
from engine.base.identity import User
from engine.base.models import Attachment
from engine.dispatch import queue

SYNC_LIMIT = 500  # project-years: above this the export is queued (500 × 10 indicators: 2.7 s under load)
BATCH = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_name(f: x03.X03Filters) -> str:
    return f"绩效监控表_{f.year}年1-{f.month}月{('_' + f.dept) if f.dept else ''}.xlsx"


def start(user: User, f: x03.X03Filters, scope_text: str) -> ExportRun:
    run = ExportRun(id=uuid.uuid4(), kind="X03", status="QUEUED", total=x03.x03_count(user, f),
                    filters={"year": f.year, "month": f.month, "dept": f.dept, "project_code": f.project_code,
                             "scope_text": scope_text}, created_by=user.username)
    db.session.add(run)
    queue.enqueue("monitoring.x03_export", {"run_id": str(run.id)}, key=f"x03:{run.id}")
    return run


@queue.job("monitoring.x03_export", timeout=1800, max_attempts=2)
def write_run(payload: dict[str, Any]) -> None:
    run = db.session.scalar(select(ExportRun).where(ExportRun.id == uuid.UUID(payload["run_id"])))
    if run is None or run.status == "DONE":
        return
    user = db.session.scalar(select(User).where(User.username == run.created_by))
    p = run.filters
    f = x03.X03Filters(year=p["year"], month=p["month"], dept=p["dept"], project_code=p["project_code"])
    _progress(run.id, 0, "WRITING")
    body = write_x03(_counted(run.id, x03.x03_all(user, f, BATCH)), f.year, f.month, p["scope_text"])
    attachment = Attachment(id=uuid.uuid4(), name=file_name(f), content_type=XLSX, size=len(body),
                            sha256=hashlib.sha256(body).hexdigest(), content=body, uploaded_by=run.created_by)
    db.session.add(attachment)
    db.session.flush()
    db.session.execute(update(ExportRun).where(ExportRun.id == run.id).values(
        status="DONE", attachment_id=attachment.id, done=run.total, finished_at=utcnow(), updated_at=utcnow()))


def _counted(run_id: uuid.UUID, rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for done, row in enumerate(rows, start=1):
        yield row
        if done % BATCH == 0:
            _progress(run_id, done)


def _progress(run_id: uuid.UUID, done: int, status: str | None = None) -> None:
    """Committed on a connection of its own: the page reads it while the job's transaction is open."""
    values: dict[str, Any] = {"done": done, "updated_at": utcnow(), **({"status": status} if status else {})}
    with db.engine.begin() as conn:
        conn.execute(update(ExportRun).where(ExportRun.id == run_id).values(**values))
