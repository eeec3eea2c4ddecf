"""P2's batch start at scale (issue 11 point 10): 10,000 IN_LIBRARY project-years of one budget year,
started by the budget division's real batch (the 预算年度 page's POST → `budget.p2_review.batch` send
jobs → one `message.deliver` job per project-year) on RQ workers and the scheduler as `make run`
starts them, with gunicorn serving the pages meanwhile.

The project-years are NOT made through P1: they are bulk copies (INSERT … SELECT) of the demo's
IN_LIBRARY project-years of that year (project, project-year), each with a copy of one target that
the domain's own code made from bench/p1.py's application (goals, nine indicators) — so the seed
takes seconds and the message starter reads the shapes P1 leaves.

Reported: instances/s and the time until every instance exists; the slowest request while the batch
runs (the progress page and 待办 through the API, polled in turn); peak memory (RSS) of the workers
and of the web processes; the longest open transaction seen in pg_stat_activity during the run."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select, text

from bench import env
from bench.sampling import Memory, Sampler, Transactions
from bench.stats import summary_ms
from budget.models import Indicator, PerformanceTarget, Project, ProjectYear
from budget.p2_review import batch
from engine.base.db import db
from engine.base.models import ProcessInstance

ROOT = Path(__file__).resolve().parent.parent
P2 = "p2_target_joint_review"
COPIED = {"project": Project.__table__, "project_year": ProjectYear.__table__,
          "performance_target": PerformanceTarget.__table__, "indicator": Indicator.__table__}


def busiest_year() -> int:
    """The fiscal year with the most project-years the batch would start."""
    eligible = batch._eligible(ProjectYear.fiscal_year).with_only_columns(ProjectYear.fiscal_year, func.count())
    return db.session.execute(eligible.group_by(ProjectYear.fiscal_year).order_by(func.count().desc())).first()[0]


def _copy(table: str, overrides: dict[str, str], source: str, params: dict[str, Any] | None = None) -> int:
    """INSERT INTO table SELECT every column of the template row `t`, some replaced by SQL expressions."""
    columns = [c.name for c in COPIED[table].columns]
    values = [overrides.get(c, f"t.{c}") for c in columns]
    return db.session.execute(text(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"), params or {}).rowcount


def _first_target(year_id: Any) -> Any:
    """The target P1's application leaves (F-04 of bench/p1.py: goals and nine indicators), made by
    the domain's own code for one project-year; the others get copies of it."""
    from bench.p1 import application
    from budget.shared.targets import new_target_version

    py = db.session.get(ProjectYear, year_id)
    sub = application("压测", py.fiscal_year)
    return new_target_version(py, sub, {}, "bench").id


def seed(year: int, total: int) -> dict[str, Any]:
    """Copies of the year's eligible demo project-years until `total` are eligible, each with a target
    of nine indicators; one statement per table."""
    t0 = time.perf_counter()
    templates = db.session.execute(batch._eligible(year).add_columns(ProjectYear.project_id)
                                   .order_by(ProjectYear.id)).all()
    db.session.execute(text("CREATE TEMP TABLE bench_copy (n int, tpl_project uuid, tpl_year uuid,"
                            " project uuid, year uuid, target uuid) ON COMMIT DROP"))
    db.session.execute(text(
        "INSERT INTO bench_copy SELECT g.n, tpl.project_id, tpl.id, gen_random_uuid(), gen_random_uuid(),"
        " gen_random_uuid() FROM generate_series(1, :missing) AS g(n)"
        " JOIN (SELECT id, project_id, row_number() OVER (ORDER BY id) - 1 AS k"
        "       FROM project_year WHERE id = ANY(:ids)) tpl ON tpl.k = (g.n - 1) % :count"),
        {"missing": total - len(templates), "ids": [t.id for t in templates], "count": len(templates)})
    rows = {"project": _copy("project", {"id": "c.project", "code": "'P-BN-' || lpad(c.n::text, 6, '0')",
                                         "name": "left(t.name, 80) || '（压测' || c.n || '）'"},
                             "FROM bench_copy c JOIN project t ON t.id = c.tpl_project")}
    rows["project_year"] = _copy("project_year", {"id": "c.year", "project_id": "c.project", "target_id": "NULL"},
                                 "FROM bench_copy c JOIN project_year t ON t.id = c.tpl_year")
    first = db.session.scalar(text("SELECT year FROM bench_copy WHERE n = 1"))
    target = _first_target(first)
    db.session.execute(text("UPDATE bench_copy SET target = :t WHERE n = 1"), {"t": target})
    others = {"target": target, "first": first}
    rows["performance_target"] = 1 + _copy(
        "performance_target", {"id": "c.target", "project_year_id": "c.year"},
        "FROM bench_copy c CROSS JOIN performance_target t WHERE t.id = :target AND c.year <> :first", others)
    rows["indicator"] = _copy("indicator", {"id": "gen_random_uuid()", "target_id": "c.target"},
                              "FROM bench_copy c CROSS JOIN indicator t WHERE t.target_id = :target AND c.year <> :first",
                              others)
    db.session.execute(text("UPDATE project_year y SET target_id = c.target FROM bench_copy c WHERE y.id = c.year"))
    db.session.commit()
    eligible = batch.eligible_count(year)
    db.session.rollback()
    assert eligible == total, (eligible, total)
    return {"fiscal_year": year, "project_years": eligible, "demo_templates": len(templates),
            "seconds": round(time.perf_counter() - t0, 2), "rows": rows,
            "how": "bulk INSERT … SELECT copies of the demo's IN_LIBRARY project-years, each with a copy of"
                   " one P1-made target of 9 indicators (not through P1)"}


class _Requests:
    """The progress page and 待办 through the API, one after the other, timed."""

    def __init__(self, base: str, page: requests.Session, token: str, year: int) -> None:
        self.base, self.page, self.year = base, page, year
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Bearer {token}"
        self.times: dict[str, list[float]] = {"progress_page": [], "todo_api": []}
        self.slowest: dict[str, Any] = {"ms": 0.0}

    def probe(self) -> None:
        for name, call in (("progress_page", lambda: self.page.get(f"{self.base}/budget-year?year={self.year}")),
                           ("todo_api", lambda: self.api.get(f"{self.base}/api/v1/tasks?limit=50"))):
            t0 = time.perf_counter()
            response = call()
            seconds = time.perf_counter() - t0
            self.times[name].append(seconds)
            if seconds * 1000 > self.slowest["ms"]:
                self.slowest = {"ms": round(seconds * 1000, 1), "request": name, "status": response.status_code}


def _sign_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base}/login").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    done = session.post(f"{base}/login", data={"csrf_token": csrf, "username": username, "password": password})
    done.raise_for_status()
    return session


def _csrf(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', session.get(url).text).group(1)


def _counts(year: int) -> tuple[int, int]:
    """(P2 instances of the year, messages sent by the newest run)."""
    started = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.process_key == P2, ProcessInstance.year == year))
    sent = db.session.scalar(text("SELECT sent FROM budget_prep_run ORDER BY created_at DESC LIMIT 1")) or 0
    db.session.rollback()
    return started or 0, sent


def run(db_url: str, year: int, total: int, password: str, limit: float = 3600) -> dict[str, Any]:
    """The batch through the page with gunicorn, `BENCH_P2_WORKERS` RQ workers (make run: 1) and the scheduler."""
    workers = int(os.environ.get("BENCH_P2_WORKERS", "1"))
    server, base = env.gunicorn(workers=int(os.environ.get("BENCH_WORKERS", "5")))
    spawn_env = {**os.environ, "SWEEP_GRACE_SECONDS": "30", "WORKER_MAINTENANCE_SECONDS": "60"}
    procs = [subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=spawn_env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for module in ["web.worker"] * workers + ["web.scheduler"]]
    samplers: list[Sampler] = []
    try:
        page = _sign_in(base, "budget.1", password)
        token = requests.post(f"{base}/api/v1/auth/token", json={"username": "budget.1", "password": password})
        polls = _Requests(base, page, token.json()["token"], year)
        polls.probe()  # warm: the first request of each gunicorn worker is not the batch's cost
        polls.times = {k: [] for k in polls.times}
        polls.slowest = {"ms": 0.0}
        xacts = Transactions(db_url)
        memory = Memory({"rq_workers": [p.pid for p in procs[:workers]], "scheduler": [procs[-1].pid],
                          "web": [server.pid]})
        samplers = [Sampler(xacts.probe, 0.05), Sampler(memory.probe, 0.5), Sampler(polls.probe, 1.0)]
        csrf = _csrf(page, f"{base}/budget-year?year={year}")
        due = (date.today() + timedelta(days=20)).isoformat()
        for sampler in samplers:
            sampler.start()
        t0 = time.perf_counter()
        posted = page.post(f"{base}/budget-year/batch", data={"csrf_token": csrf, "year": str(year), "submit_due": due},
                           allow_redirects=False)
        post_ms = (time.perf_counter() - t0) * 1000
        assert posted.status_code == 302, (posted.status_code, posted.text[:300])
        sent_s, timeline = None, []
        while time.perf_counter() - t0 < limit:
            started, sent = _counts(year)
            elapsed = time.perf_counter() - t0
            if sent_s is None and sent >= total:
                sent_s = elapsed
            if not timeline or elapsed - timeline[-1][0] >= 30:
                timeline.append((round(elapsed, 1), started))
            if started >= total:
                break
            time.sleep(0.5)
        all_s = time.perf_counter() - t0
    finally:
        for sampler in samplers:
            sampler.halt.set()
        for sampler in samplers:
            sampler.join(timeout=30)
        for p in procs:
            p.terminate()
        server.terminate()
        for p in [*procs, server]:
            p.wait(timeout=30)
    started, _ = _counts(year)
    return {"project_years": total, "instances": started, "rq_workers": workers, "web_workers": 5,
            "batch_request_ms": round(post_ms, 1), "seconds_until_all_sent": round(sent_s, 1) if sent_s else None,
            "seconds_until_every_instance": round(all_s, 1), "instances_per_s": round(started / all_s, 1),
            "started_timeline_s": timeline, "requests_during": {k: summary_ms(v) for k, v in polls.times.items()},
            "slowest_request": polls.slowest, "peak_rss": memory.peak, "longest_transaction": xacts.longest}
