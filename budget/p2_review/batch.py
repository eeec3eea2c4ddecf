"""The budget division's batch start of P2 (processes §5.1 `msg_budget_prep_start`, §5.0 item 7):
one message per project-year not yet started, sent by a queue job in chunks (no request or
transaction holds the whole batch); each message starts its instance in its own delivery job, and
the message starter claims the project-year, so repeating the batch — or a rolling start racing it
— never gives a project-year a second instance. Progress = the run's project-years now claimed."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Uuid, bindparam, func, select

from budget.models import BudgetPrepRun, Project, ProjectYear
from budget.p2_review.milestones import jurisdiction_code
from budget.shared.helpers import TZ
from engine.base.db import db, utcnow
from engine.dispatch import queue
from engine.moves import mailbox

WATCH = timedelta(minutes=30)  # a start that never comes (a cancelled project) stops the refreshing
CHUNK = 200  # messages per send job: one short transaction each
STARTABLE = ("IN_LIBRARY", "ACTIVE")  # [A] a continuing ACTIVE project's new year is reviewed too


def _eligible(year: int) -> Any:
    return select(ProjectYear.id).join(Project, Project.id == ProjectYear.project_id).where(
        ProjectYear.fiscal_year == year, ProjectYear.cycle_status.is_(None), ProjectYear.requested > 0,
        Project.library_status.in_(STARTABLE), Project.deleted.is_(False))


def eligible_count(year: int) -> int:
    return db.session.scalar(select(func.count()).select_from(_eligible(year).subquery())) or 0


def start_batch(year: int, submit_due: date, actor: str | None) -> BudgetPrepRun:
    """Record the run and owe its first chunk; the page's request ends here."""
    ids = [str(i) for i in db.session.scalars(_eligible(year).order_by(ProjectYear.id))]
    run = BudgetPrepRun(id=uuid.uuid4(), jurisdiction=jurisdiction_code(), fiscal_year=year, submit_due=submit_due,
                        project_year_ids=ids, total=len(ids), sent=0, status="SENDING" if ids else "SENT",
                        created_by=actor)
    db.session.add(run)
    if ids:
        queue.enqueue("p2.prep_send", {"run_id": str(run.id), "offset": 0}, key=f"p2prep:{run.id}:0")
    return run


@queue.job("p2.prep_send")
def send_chunk(payload: dict[str, Any]) -> None:
    run = db.session.scalar(select(BudgetPrepRun).where(BudgetPrepRun.id == uuid.UUID(payload["run_id"]))
                            .with_for_update())
    offset = int(payload["offset"])
    if run is None or run.sent > offset:  # a repeated job: this chunk went already
        return
    due = datetime.combine(run.submit_due, time(23, 59, 59), TZ).isoformat()
    chunk = run.project_year_ids[offset:offset + CHUNK]
    years = dict(db.session.execute(select(ProjectYear.id, ProjectYear.project_id).where(
        ProjectYear.id.in_([uuid.UUID(i) for i in chunk]))).all())
    for py_id in chunk:
        project_id = years.get(uuid.UUID(py_id))
        if project_id is None:
            continue
        mailbox.send("msg_budget_prep_start", {
            "jurisdiction": run.jurisdiction, "fiscal_year": run.fiscal_year, "project_id": str(project_id),
            "submit_due_iso": due}, correlation={"jurisdiction": run.jurisdiction, "fiscal_year": run.fiscal_year})
    run.sent = offset + len(chunk)
    if run.sent < run.total:
        queue.enqueue("p2.prep_send", {"run_id": str(run.id), "offset": run.sent}, key=f"p2prep:{run.id}:{run.sent}")
    else:
        run.status = "SENT"


# the run's project-years now claimed, counted where the ids are (not 10,000 bound parameters)
_RUN_IDS = select(func.jsonb_array_elements_text(BudgetPrepRun.project_year_ids).cast(Uuid)).where(
    BudgetPrepRun.id == bindparam("run"))
_STARTED = select(func.count()).select_from(ProjectYear).where(ProjectYear.id.in_(_RUN_IDS),
                                                                ProjectYear.cycle_status.is_not(None))


def progress(run: BudgetPrepRun) -> dict[str, Any]:
    """How far the run is: messages sent, project-years started (claimed) among its own."""
    started = db.session.scalar(_STARTED, {"run": run.id}) if run.total else 0
    done = (started or 0) >= run.total
    return {"run": run, "total": run.total, "sent": run.sent, "started": started or 0, "done": done,
            "sending": run.status == "SENDING",  # a new batch waits only for the sending, not each start
            "watch": not done and utcnow() - run.created_at < WATCH,  # the page refreshes itself meanwhile
            "percent": round(100 * (started or 0) / run.total) if run.total else 100}


def runs(year: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(BudgetPrepRun).where(BudgetPrepRun.fiscal_year == year)
                              .order_by(BudgetPrepRun.created_at.desc()).limit(5))
    return [progress(r) for r in rows]
