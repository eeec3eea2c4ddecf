"""P3's monthly step at scale (issue 11 point 10): 10,000 project-years, each with a running
`p3_monitoring` instance waiting at its monthly timer, then —

1. one month's cumulative payments for all of them as one Excel file through the real import path
   (the 执行数据 upload page under gunicorn → `execution.check` → staged `execution.apply` chunks →
   `execution.activate`, on one RQ worker, as bench/execution.py), rows/s;
2. the engine clock at the 5th 09:00 of the next month: the scheduler (`web.scheduler`, its tick
   claims due timers 500 per transaction) and `BENCH_P3_WORKERS` RQ workers run every instance's
   `timer.fire` — the monthly step — until every MonitoringWarning DT-06 should raise exists and every
   instance waits again (at next month's timer or at the unit's F-10), instances/s; meanwhile the
   oldest open transaction (pg_stat_activity every 50 ms) and the processes' peak RSS are sampled.

The seed is not timed: projects and EXECUTING project-years by bulk INSERT (as bench/execution.py),
then every P3 instance started the product's way — `msg_budget_approved` per project-year (what P2's
end throws), its `message.deliver` job run here, the P3 starter deciding — with the engine clock in
April, so each start runs months 1–3 at once (P3 always starts at data month 1; no warning before
month 4, `warn_start_month`) and waits at month 4's timer (May 5th 09:00).

Figures: budget 100 万 each; April's cumulative payment (time progress 4/12 = 33.33 %) puts 5 % of the
project-years 31 pp behind (RED, DT-06 LAG_30), 10 % 18 pp behind (YELLOW, LAG_15), the rest 3 pp
(GREEN). `BENCH_P3_N` scales the run down for quick runs."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.sampling import Memory, Sampler, Transactions
from engine.base.db import db, utcnow

ROOT = Path(__file__).resolve().parent.parent
YEAR, MONTH = 2025, 4
PREFIX = "P-BM-"
BUDGET = Decimal("1000000.00")
P3 = "p3_monitoring"
# 元 paid to the end of April out of 100 万: lag 31.33 pp (RED), 18.33 (YELLOW), 3.33 (GREEN)
FIGURES = {"RED": 20_000, "YELLOW": 150_000, "GREEN": 300_000}


def level_of(i: int) -> str:
    """Every 20th project-year RED (5 %), two of every 20 YELLOW (10 %), the rest GREEN."""
    return "RED" if i % 20 == 0 else "YELLOW" if i % 20 in (1, 2) else "GREEN"


def expected(total: int) -> dict[str, int]:
    levels = [level_of(i) for i in range(total)]
    return {level: levels.count(level) for level in FIGURES}


def _projects(total: int) -> list[tuple[str, Any]]:
    """`total` projects with an EXECUTING FY year of 100 万 (bulk inserts; the demo's first unit)."""
    from budget.models import Department, Project, ProjectYear

    unit = db.session.scalars(select(Department).where(Department.parent_id.is_not(None))
                              .order_by(Department.code)).first()
    now = utcnow()
    projects = [dict(id=uuid.uuid4(), code=f"{PREFIX}{i:05d}", name=f"监控压测项目{i:05d}", department_id=unit.parent_id,
                     unit_id=unit.id, library_status="ACTIVE", created_at=now, updated_at=now) for i in range(total)]
    years = [dict(id=uuid.uuid4(), project_id=p["id"], fiscal_year=YEAR, requested=BUDGET, arranged=BUDGET,
                  cycle_status="EXECUTING", created_at=now, updated_at=now) for p in projects]
    for start in range(0, total, 2000):
        db.session.execute(insert(Project), projects[start:start + 2000])
        db.session.execute(insert(ProjectYear), years[start:start + 2000])
    db.session.commit()
    return [(p["code"], p["id"]) for p in projects]


def seed(total: int) -> dict[str, Any]:
    """The projects, then one P3 start per project-year: `msg_budget_approved` sent in batches of 500
    (one commit each), every delivery its own `message.deliver` job on `BENCH_P3_SEED_WORKERS` RQ
    workers whose clock says April 6th — months 1–3 run at once, month 4's timer waits."""
    from budget.calc import monitoring as calc
    from engine.moves import mailbox

    t0 = time.perf_counter()
    projects = _projects(total)
    april = calc.run_at(YEAR, MONTH - 1) + timedelta(days=1)
    procs = _spawn(["web.worker"] * int(os.environ.get("BENCH_P3_SEED_WORKERS", "2")), april)
    try:
        for start in range(0, total, 500):
            for _code, project_id in projects[start:start + 500]:
                mailbox.send("msg_budget_approved", {"project_id": str(project_id), "fiscal_year": YEAR}, source=None)
            db.session.commit()  # pushed to RQ after the commit
        while (waiting := _waiting_at_month(MONTH)) < total and time.perf_counter() - t0 < 7200:
            time.sleep(2)
    finally:
        _stop(procs)
    assert waiting == total, (waiting, total)
    seconds = time.perf_counter() - t0
    return {"instances": waiting, "seconds": round(seconds, 1), "starts_per_s": round(total / seconds, 1),
            "how": "bulk-inserted projects and EXECUTING years; every P3 instance started by msg_budget_approved"
                   " and the P3 starter on RQ workers, months 1–3 run at the start (clock on April 6th)"}


def _spawn(modules: list[str], moment: datetime) -> list[subprocess.Popen]:
    """Workers / schedulers whose engine clock reads `moment` now (PERFFLOW_CLOCK_SHIFT, as `make run`)."""
    shift = (moment - datetime.now(UTC)).total_seconds()
    spawn_env = {**os.environ, "PERFFLOW_CLOCK_SHIFT": str(shift), "SWEEP_GRACE_SECONDS": "30",
                 "WORKER_MAINTENANCE_SECONDS": "60"}
    return [subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=spawn_env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL) for module in modules]


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=60)


def _bench_instances() -> Any:
    from engine.base.models import ProcessInstance

    return select(ProcessInstance.id).where(ProcessInstance.process_key == P3,
                                            ProcessInstance.business_key.like(f"{PREFIX}%"))


def _waiting_at_month(month: int) -> int:
    """Bench instances whose month-`month` timer (`tm_p3_next`, due on the run date) waits."""
    from budget.calc import monitoring as calc
    from engine.base.models import Timer

    found = db.session.scalar(select(func.count(func.distinct(Timer.instance_id))).where(
        Timer.instance_id.in_(_bench_instances().scalar_subquery()), Timer.status == "WAITING",
        Timer.due_at == calc.run_at(YEAR, month)))
    db.session.rollback()
    return found or 0


def workbook(codes: list[str]) -> bytes:
    """April's cumulative payments of every bench project-year (the import page's template)."""
    from tests.integration.execution_support import filled

    return filled([code, None, YEAR, MONTH, FIGURES[level_of(i)]] for i, code in enumerate(codes))


def progress() -> dict[str, int]:
    """Where the monthly step stands: month-4 timers fired, warnings by level, instances waiting
    again (at a later timer — next month's, or F-10's deadline — or at an open work item)."""
    from budget.calc import monitoring as calc
    from budget.models import MonitoringWarning, Project, ProjectYear
    from engine.base.models import HumanTask, Timer

    run = calc.run_at(YEAR, MONTH)
    ours = _bench_instances().scalar_subquery()
    month_timers = dict(db.session.execute(select(Timer.status, func.count()).where(
        Timer.instance_id.in_(ours), Timer.due_at == run).group_by(Timer.status)).all())
    levels = dict(db.session.execute(select(MonitoringWarning.level, func.count()).join(
        ProjectYear, ProjectYear.id == MonitoringWarning.project_year_id).join(Project).where(
        Project.code.like(f"{PREFIX}%"), MonitoringWarning.fiscal_year == YEAR, MonitoringWarning.month == MONTH)
        .group_by(MonitoringWarning.level)).all())
    later = select(Timer.instance_id).where(Timer.instance_id.in_(ours), Timer.status == "WAITING", Timer.due_at > run)
    open_items = select(HumanTask.instance_id).where(HumanTask.instance_id.in_(ours), HumanTask.status == "READY")
    waiting = db.session.scalar(select(func.count()).select_from(later.union(open_items).subquery()))
    db.session.rollback()
    return {"timers_claimed": month_timers.get("DUE", 0) + month_timers.get("FIRED", 0),
            "timers_fired": month_timers.get("FIRED", 0), "YELLOW": levels.get("YELLOW", 0), "RED": levels.get("RED", 0),
            "waiting_again": waiting or 0}


def import_month(codes: list[str], password: str) -> dict[str, Any]:
    """April's file through the upload page and one RQ worker (bench/execution.py's path), the
    world's clock on May 4th (the treasury's figures arrive before the run)."""
    from bench import execution
    from budget.calc import monitoring as calc

    content = workbook(codes)
    may_4th = calc.run_at(YEAR, MONTH) - timedelta(days=1)
    os.environ["PERFFLOW_CLOCK_SHIFT"] = str((may_4th - datetime.now(UTC)).total_seconds())
    try:
        found = execution.through_stack(content, len(codes), password)
    finally:
        os.environ.pop("PERFFLOW_CLOCK_SHIFT", None)
    return {"file_kb": round(len(content) / 1024, 1), **found}


def monthly_step(db_url: str, total: int, limit: float = 7200) -> dict[str, Any]:
    """The clock at May 5th 09:00: one scheduler and `BENCH_P3_WORKERS` RQ workers until every
    warning exists and every instance waits again."""
    from budget.calc import monitoring as calc

    workers = int(os.environ.get("BENCH_P3_WORKERS", "2"))
    want = expected(total)
    db.engine.dispose()  # the bench process holds no connection while the step runs
    xacts = Transactions(db_url)
    t0 = time.perf_counter()
    procs = _spawn(["web.worker"] * workers + ["web.scheduler"], calc.run_at(YEAR, MONTH) + timedelta(seconds=1))
    memory = Memory({"rq_workers": [p.pid for p in procs[:workers]], "scheduler": [procs[-1].pid]})
    samplers = [Sampler(xacts.probe, 0.05), Sampler(memory.probe, 0.5)]
    for sampler in samplers:
        sampler.start()
    marks: dict[str, float] = {}
    timeline: list[tuple[float, dict[str, int]]] = []
    try:
        while (elapsed := time.perf_counter() - t0) < limit:
            now = progress()
            if "first_timer_claimed" not in marks and now["timers_claimed"]:
                marks["first_timer_claimed"] = elapsed
            if "all_timers_claimed" not in marks and now["timers_claimed"] >= total:
                marks["all_timers_claimed"] = elapsed
            if "all_timers_fired" not in marks and now["timers_fired"] >= total:
                marks["all_timers_fired"] = elapsed
            if "every_warning" not in marks and now["YELLOW"] >= want["YELLOW"] and now["RED"] >= want["RED"]:
                marks["every_warning"] = elapsed
            if not timeline or elapsed - timeline[-1][0] >= 30:
                timeline.append((round(elapsed, 1), now))
            if now["timers_fired"] >= total and now["waiting_again"] >= total and "every_warning" in marks:
                break
            time.sleep(1.0)
        seconds = time.perf_counter() - t0
    finally:
        for sampler in samplers:
            sampler.halt.set()
        for sampler in samplers:
            sampler.join(timeout=30)
        _stop(procs)
    final = progress()
    jobs = _jobs()
    return {"instances": total, "rq_workers": workers, "expected_warnings": {k: want[k] for k in ("YELLOW", "RED")},
            "found": final, "seconds_until_every_warning": _round(marks.get("every_warning")),
            "seconds_until_first_timer_claimed": _round(marks.get("first_timer_claimed")),
            "seconds_until_all_timers_claimed": _round(marks.get("all_timers_claimed")),
            "seconds_until_all_timers_fired": _round(marks.get("all_timers_fired")),
            "seconds_until_every_instance_waits": round(seconds, 1), "instances_per_s": round(total / seconds, 1),
            "instances_per_s_after_first_claim": round(total / (seconds - marks.get("first_timer_claimed", 0)), 1),
            "timer_fire_jobs": jobs, "timeline_s": timeline, "longest_transaction": xacts.longest,
            "peak_rss": memory.peak}


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _jobs() -> dict[str, int]:
    """The month's timer.fire jobs by status, and how many needed more than one attempt."""
    from engine.base.models import Outbox

    rows = db.session.execute(select(Outbox.status, func.count(), func.count().filter(Outbox.attempts > 1)).where(
        Outbox.kind == "timer.fire", Outbox.instance_id.in_(_bench_instances().scalar_subquery()))
        .group_by(Outbox.status)).all()
    db.session.rollback()
    return {**{status: n for status, n, _ in rows}, "retried": sum(r for *_, r in rows)}


def run(db_url: str, password: str, total: int) -> dict[str, Any]:
    results: dict[str, Any] = {"project_years": total}
    results["seed"] = seed(total)
    codes = [f"{PREFIX}{i:05d}" for i in range(total)]
    results["import"] = import_month(codes, password)
    results["monthly_step"] = monthly_step(db_url, total)
    return results
