"""The budget division's batch start of P2 (`msg_budget_prep_start`) on the real engine and
PostgreSQL: one instance per not-yet-started project-year, sent in chunks by queue jobs, safe to
repeat, never a second instance next to a rolling start."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from p1_driver import CORE, Flow, set_packs
from p2_driver import P2, P2Flow, deploy_p1_p2
from sqlalchemy import func, select

from budget.demo import load_demo
from budget.models import BudgetPrepRun, Project, ProjectYear
from budget.p2_review import batch
from engine.base.db import db
from engine.base.models import Message, ProcessInstance
from engine.dispatch import queue
from engine.moves import mailbox


@pytest.fixture()
def p2(db):
    load_demo("demo-pass-1")
    deploy_p1_p2()
    set_packs(CORE)
    return db


def instances(year: int) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(select(ProcessInstance.business_key, func.count()).where(
        ProcessInstance.process_key == P2, ProcessInstance.year == year).group_by(ProcessInstance.business_key))
    return dict(rows.all())


def test_batch_starts_every_project_year_once_in_chunks(p2, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK", 4)  # several send jobs, as 10,000 project-years would need
    year = 2026  # §8.3: the demo's FY2026 requests are in the library, none started
    expected = set(db.session.scalars(select(Project.code).join(ProjectYear).where(
        ProjectYear.fiscal_year == year, ProjectYear.requested > 0, ProjectYear.cycle_status.is_(None),
        Project.library_status.in_(("IN_LIBRARY", "ACTIVE")))))
    assert len(expected) > 8 and batch.eligible_count(year) == len(expected)
    due = date.today() + timedelta(days=20)
    run = batch.start_batch(year, due, "budget.1")
    db.session.commit()
    assert (run.total, run.sent, run.status) == (len(expected), 0, "SENDING")
    assert batch.progress(run)["started"] == 0
    queue.drain()
    db.session.refresh(run)
    assert (run.sent, run.status) == (len(expected), "SENT")
    started = instances(year)
    assert set(started) == expected and set(started.values()) == {1}
    shown = batch.progress(run)
    assert (shown["started"], shown["done"], shown["percent"]) == (len(expected), True, 100)
    one = db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == P2)).first()
    assert one.title.endswith(f"绩效目标审核与批复（{year}年度）") and one.scope_division
    # again: nothing left to start, no run sends anything, no instance doubles
    again = batch.start_batch(year, due, "budget.1")
    db.session.commit()
    queue.drain()
    assert (again.total, again.status) == (0, "SENT") and instances(year) == started
    # a message for an already started project-year (a repeated send) is declined
    (py_project,) = db.session.scalars(select(Project.id).where(Project.code == sorted(expected)[0]))
    mailbox.send("msg_budget_prep_start", {"jurisdiction": run.jurisdiction, "fiscal_year": year,
                                           "project_id": str(py_project), "submit_due_iso": "2030-01-01T00:00:00+08:00"})
    db.session.commit()
    queue.drain()
    assert instances(year) == started
    assert db.session.scalar(select(func.count()).select_from(BudgetPrepRun)) == 2


def test_batch_skips_the_project_year_a_rolling_start_has(p2):
    flow = Flow("P-D05-002")
    flow.intake()
    rolling = P2Flow(flow)
    year = rolling.instance.year
    assert batch.eligible_count(year) == 0
    run = batch.start_batch(year, date.today() + timedelta(days=10), "budget.1")
    db.session.commit()
    queue.drain()
    assert run.total == 0 and len(rolling.instances()) == 1
    assert db.session.scalar(select(func.count()).select_from(Message).where(
        Message.name == "msg_budget_prep_start")) == 0
