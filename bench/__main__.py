"""`make bench`: in one run, on this machine —
1. one P1 task completion through the app (HTTP + PostgreSQL) next to the engine floor (the
   same model in memory: deserialize, complete, serialize), as a ratio, and the stack floor
   (bare Flask round trip under gunicorn + the smallest durable move transaction) beside it, one
   of each taken after every measured approval;
2. the two-step approval model with 1 and 4 concurrent clients against gunicorn + PostgreSQL:
   completed instances/s and complete latency p50/p95, next to the in-memory floors;
3. 待办 latency with 100,000 open tasks;
4. background work: 10,000 due reminders through scheduler → outbox → RQ workers (1 and 2) beside
   the in-process floor, and how late timers fire under that load;
5. execution data: 10,000 rows imported from one Excel file in process and through the upload
   page + an RQ worker, a correction of all of them, 5,000 rows by API;
6. 预警看板 with 10,000 project-years × 12 months: the page and GET /api/v1/warnings through gunicorn
   (p50/p95) and the queries in-process with their plans;
7. P2's batch start for 10,000 project-years (bench/p2_batch.py): instances/s, the slowest request
   meanwhile, peak memory, the longest transaction;
8. P3's month for 10,000 project-years (bench/p3_month.py): the import of their 10,000 execution rows,
   then the monthly step of every instance on the scheduler and RQ workers — rows/s, the time until
   every warning exists, instances/s, the longest transaction, peak memory.
BENCH_ONLY=requests,background,execution,monitoring,p2batch,p3month (any of them, comma-separated) runs
only those parts (1–3, 4, 5, 6, 7, 8); BENCH_ONLY=p1 runs part 1 alone (the P1 step and its floors).
Results go to stdout and bench/results/<timestamp>.json."""
from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import background, env, execution, floor, inbox, load, monitoring, p2_batch, p3_month
from bench.p1 import p1_step_costs

ROOT = Path(__file__).resolve().parent.parent
FILL = {"subject": "购置办公设备一批", "amount": "12.5", "purpose": "为新设立的科室购置必要的办公设备与耗材，" * 4,
        "items": [{"item": f"设备与耗材明细第{i}项", "quantity": 2, "unit_price": "0.35"} for i in range(25)]}
UNITS = [("D01-U01", "D01", "FD-EDU"), ("D01-U02", "D01", "FD-EDU"), ("D02-U01", "D02", "FD-SOC"),
         ("D03-U01", "D03", "FD-ECO"), ("D03-U02", "D03", "FD-ECO")]


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "20"))
    results: dict[str, object] = {"machine": {"cpus": os.cpu_count()}, "started": datetime.now().isoformat()}
    db_url, redis_url = env.services()
    app = env.make_app(db_url, redis_url)
    from engine.base.db import db
    from tests.factories import deploy_example, make_user
    from web.setup import create_schema, deploy_shipped_models, load_demo_data

    with app.app_context():
        create_schema()
        deploy_shipped_models()
        deploy_example()
        load_demo_data("bench-pass")
        pairs = []
        for i, (unit, _dept, _div) in enumerate(UNITS * 2):
            make_user(f"bf{i}", ("UNIT_FILER", "UNIT", unit))
            make_user(f"bh{i}", ("UNIT_HEAD", "UNIT", unit))
            pairs.append((f"bf{i}", f"bh{i}"))
        db.session.commit()
    parts = set((os.environ.get("BENCH_ONLY") or "requests,background,execution,monitoring,p2batch,p3month").split(","))
    if "requests" in parts:
        _requests_and_engine(app, db_url, pairs, seconds, results)
    elif "p1" in parts:
        _p1_only(app, db_url, results)
    if "background" in parts:
        with app.app_context():
            results["background_reminders"] = background.reminders(UNITS * 6)
            results["background_timer_delay"] = background.timer_delay(UNITS * 6)
            background.cleanup()
    if "execution" in parts:
        with app.app_context():
            results["execution_import"] = execution.run("bench-pass")
    if "monitoring" in parts:
        results["warning_board_10k"] = _warning_board(app)
    if "p2batch" in parts:
        total = int(os.environ.get("BENCH_P2_PROJECT_YEARS", "10000"))
        with app.app_context():
            year = p2_batch.busiest_year()
            results["p2_batch_seed"] = p2_batch.seed(year, total)
            db.engine.dispose()  # nothing of this process's pool is held while the batch runs
            results["p2_batch_start"] = p2_batch.run(db_url, year, total, "bench-pass")
    if "p3month" in parts:
        with app.app_context():
            results["p3_month"] = p3_month.run(db_url, "bench-pass", int(os.environ.get("BENCH_P3_N", "10000")))
    _report(results)


def _warning_board(app: Any) -> dict[str, object]:
    """Part 5: seed 10,000 project-years × 12 months, then time the board in-process and over HTTP."""
    with app.app_context():
        t0 = time.perf_counter()
        seeded = monitoring.seed(10_000)
        seeded["seed_s"] = round(time.perf_counter() - t0, 1)
        found = {"seeded": seeded, "in_process": monitoring.in_process(), "plans": monitoring.plans()}
    server, base = env.gunicorn(workers=int(os.environ.get("BENCH_WORKERS", "5")))
    try:
        found["http"] = monitoring.over_http(base, "bench-pass")
    finally:
        server.terminate()
    return found


def _requests_and_engine(app: Any, db_url: str, pairs: list[tuple[str, str]], seconds: float,
                         results: dict[str, object]) -> None:
    """Parts 1–3: the engine floors, the app under load through HTTP, 待办 at 100,000 tasks."""
    from tests.factories import EXAMPLE_MODEL

    example = {EXAMPLE_MODEL.name: EXAMPLE_MODEL.read_bytes()}
    spec, subs = floor.load_spec(ROOT / "workflows", "ex_two_step_approval", example)
    from forms import compile_task_form, load_definitions

    clean, errors = compile_task_form(["EX-01"], None, load_definitions()).validate(FILL, {})
    assert not errors, errors  # the floor gets what the app's validation hands the engine
    floor.two_step(spec, subs, clean, 50, True)  # warm-up
    results["two_step_floor_S0"] = floor.two_step(spec, subs, clean, 500, False)
    results["two_step_floor_S1"] = floor.two_step(spec, subs, clean, 500, True)

    workers = int(os.environ.get("BENCH_WORKERS", "5"))
    server, base = env.gunicorn(workers=workers)
    try:
        tokens = _tokens(base, [u for pair in pairs for u in pair])
        token_pairs = [(tokens[f], tokens[h]) for f, h in pairs]
        load.run(base, token_pairs[:1], FILL, 3)  # warm-up
        results["two_step_app_1_client"] = load.run(base, token_pairs[:1], FILL, seconds)
        results["two_step_app_4_clients"] = load.run(base, token_pairs[:4], FILL, seconds)
        with app.app_context():
            results["p1_step"] = p1_step_costs(base, ROOT / "workflows", db_url, workers)
            inbox.seed(100_000, UNITS * 6)
            results["todo_100k_sql"] = inbox.measure(["bf0", "bh3", "dept.d03", "fund.soc", "perf.1"])
        results["todo_100k_api"] = _todo_api(base, tokens["bf0"])
    finally:
        server.terminate()


def _p1_only(app: Any, db_url: str, results: dict[str, object]) -> None:
    """Part 1 alone: the P1 step through the app beside its floors (for paired runs of two versions)."""
    workers = int(os.environ.get("BENCH_WORKERS", "5"))
    server, base = env.gunicorn(workers=workers)
    try:
        with app.app_context():
            results["p1_step"] = p1_step_costs(base, ROOT / "workflows", db_url, workers)
    finally:
        server.terminate()


def _tokens(base: str, usernames: list[str]) -> dict[str, str]:
    import requests

    return {u: requests.post(f"{base}/api/v1/auth/token", json={"username": u, "password": "secret-pass"}).json()["token"]
            for u in usernames}


def _todo_api(base: str, token: str, reps: int = 200) -> dict[str, float]:
    import requests

    from bench.stats import summary_ms

    session, times = requests.Session(), []
    for _ in range(reps):
        t0 = time.perf_counter()
        response = session.get(f"{base}/api/v1/tasks?limit=50", headers={"Authorization": f"Bearer {token}"})
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200
    return summary_ms(times)


def _report(results: dict[str, object]) -> None:
    s1 = results.get("two_step_floor_S1")
    for key in ("two_step_app_1_client", "two_step_app_4_clients"):
        if s1 and key in results:
            app_run = results[key]
            app_run["ratio_p50_to_floor_S1"] = round(app_run["complete"]["p50_ms"] / s1["p50_ms"], 1)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"→ {path}")


if __name__ == "__main__":
    main()
