"""P3's monthly step racing an execution-data import of the same month (real threads, each with its
own connection): the month's monitoring record is written once, from one consistent version of the
treasury's figure (the version it names is the figure it holds), and the correction is not lost —
the month after reads it. The import is the real one (budget.execution: staged, made current in one
swap) and a correction posted through the API's writer races along."""
from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from execution_support import filled
from p1_driver import ROOT
from sqlalchemy import select

from budget.calc import monitoring as calc
from budget.demo import load_demo
from budget.execution import imports, posting
from budget.models import ExecutionRecord, MonitoringRecord, Project, ProjectYear
from engine.base.db import db
from engine.base.models import Outbox, ProcessInstance
from engine.dispatch import queue
from engine.moves import mailbox
from engine.time import clock

W = Decimal
YEAR, CODE = 2025, "P-D01-002"  # the demo's FY2025 years are EXECUTING; 6,500 万
pytestmark = pytest.mark.slow


@pytest.fixture()
def p3_running(db):
    """P3 started for P-D01-002's FY2025 by msg_budget_approved, the clock in late January 2025."""
    from engine.definitions.deploy import closure_files, deploy

    load_demo("demo-pass-1")
    deploy(closure_files(ROOT / "workflows")["p3_monitoring"], "test")
    db.session.commit()
    clock.travel_to(calc.run_at(YEAR, 1) - timedelta(days=10))
    py = year()
    mailbox.send("msg_budget_approved", {"project_id": str(py.project_id), "fiscal_year": YEAR}, source=None)
    db.session.commit()
    queue.drain()
    (instance,) = db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "p3_monitoring"))
    return instance


def year() -> ProjectYear:
    db.session.expire_all()
    return db.session.scalars(select(ProjectYear).join(Project).where(
        Project.code == CODE, ProjectYear.fiscal_year == YEAR)).one()


def post(month: int, yuan: int, note: str | None = None) -> None:
    item = {"project_code": CODE, "year": YEAR, "month": month, "executed_cum": str(yuan), **({"note": note} if note else {})}
    reply = posting.post_records([item], "treasury.1")
    assert not reply.errors, reply.errors
    db.session.commit()


def pending(kind_prefix: str) -> list:
    db.session.rollback()
    return list(db.session.scalars(select(Outbox.id).where(Outbox.status == "PENDING",
                                                           Outbox.kind.like(kind_prefix + "%"))))


def auto_records(month: int) -> list[MonitoringRecord]:
    db.session.expire_all()
    return list(db.session.scalars(select(MonitoringRecord).where(
        MonitoringRecord.project_year_id == year().id, MonitoringRecord.period_month == month,
        MonitoringRecord.kind == "AUTO_EXECUTION")))


def versions(month: int) -> dict[int, tuple[Decimal, bool]]:
    db.session.expire_all()
    rows = db.session.scalars(select(ExecutionRecord).where(ExecutionRecord.project_year_id == year().id,
                                                            ExecutionRecord.month == month))
    return {r.version: (r.executed_cum, r.is_current) for r in rows}


def race(app, month: int, first: int, imported: int, posted: int) -> None:
    """The month's run (its timer job) against an Excel correction's writing jobs and an API post."""
    clock.travel_to(calc.run_at(YEAR, month) - timedelta(days=1))
    post(month, first)
    clock.travel_to(calc.run_at(YEAR, month) + timedelta(minutes=1))
    assert clock.tick()["timers"] == 1
    (timer_job,) = pending("timer.")
    imp, fresh = imports.submit(f"更正{month}.xlsx", filled([[CODE, None, YEAR, month, imported, "国库更正"]]),
                                "treasury.1")
    db.session.commit()
    assert fresh
    (check,) = pending("execution.check")
    assert queue.execute(check) == "done"  # the file checked first: what races is the writing
    barrier, failures = threading.Barrier(3), []

    def guarded(fn) -> None:  # noqa: ANN001
        with app.app_context():
            barrier.wait()
            try:
                fn()
            except Exception as err:  # noqa: BLE001
                db.session.rollback()
                failures.append(repr(err))

    def monthly_step() -> None:
        assert queue.execute(timer_job) == "done"

    def importer() -> None:
        while jobs := pending("execution."):
            for job in jobs:
                queue.execute(job)

    threads = [threading.Thread(target=guarded, args=(fn,)) for fn in
               (monthly_step, importer, lambda: post(month, posted, "接口更正"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads) and not failures, failures
    queue.drain()
    bad = db.session.scalars(select(Outbox).where(Outbox.status != "DONE")).all()
    assert not bad, [(b.kind, b.status, b.last_error) for b in bad]


@pytest.mark.parametrize("rounds", [3])
def test_monthly_step_racing_an_import_of_the_same_month(app, p3_running, rounds):
    figures = {}
    for month in range(1, rounds + 1):
        first, imported, posted = 1_000_000 * month, 1_000_000 * month + 30_000, 1_000_000 * month + 70_000
        race(app, month, first, imported, posted)
        (record,) = auto_records(month)  # written once
        seen = versions(month)
        assert sorted(seen) == [1, 2, 3] and sum(cur for _, cur in seen.values()) == 1
        # one consistent version: the figure the record holds is the one of the version it names
        assert record.execution_version in seen and record.executed_cum == seen[record.execution_version][0]
        assert {v[0] for v in seen.values()} == {W(first), W(imported), W(posted)}
        figures[month] = next(fig for fig, cur in seen.values() if cur)
    # no lost correction: the next month (no figure of its own yet) carries the corrected one forward
    clock.travel_to(calc.run_at(YEAR, rounds + 1) + timedelta(minutes=1))
    assert clock.tick()["timers"] == 1
    queue.drain()
    (after,) = auto_records(rounds + 1)
    assert after.executed_cum == figures[rounds] and after.details["carried_from_month"] == rounds
    assert after.execution_version == 3
