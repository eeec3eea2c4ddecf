"""Execution data at city scale: 10,000 project-years with an approved FY budget, one month's
cumulative payments for all of them as one Excel file —

1. in process (the floor: `queue.drain()` here, no HTTP, no Redis): check + chunks + activation,
   rows/s; the peak of Python allocations of reading + checking the file (tracemalloc);
2. through the stack: the upload page under gunicorn, one RQ worker process running the jobs, the
   browser's polling of the progress page meanwhile — upload to DONE, rows/s, the slowest request,
   the worker's peak resident memory (VmHWM);
3. a correction file for all 10,000 months (every row a new version) the same way in process;
4. `POST /api/v1/execution-records` with 5,000 rows (the per-request limit) — latency.

P3's monthly step after such an import (time until every warning exists): bench/p3_month.py."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tracemalloc
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import delete, insert, select

from bench import env
from bench.stats import summary_ms
from engine.base.db import db, utcnow

ROOT = Path(__file__).resolve().parent.parent
YEAR, MONTH = 2025, 1
PREFIX = "P-BX-"
BUDGET = Decimal("1000000.00")


def seed(total: int) -> list[str]:
    """`total` projects, each with an EXECUTING FY year of 100 万 (bulk inserts; the demo's
    departments)."""
    from budget.models import Department, Project, ProjectYear

    unit = db.session.scalars(select(Department).where(Department.parent_id.is_not(None))).first()
    now = utcnow()
    codes = [f"{PREFIX}{i:05d}" for i in range(total)]
    projects = [dict(id=uuid.uuid4(), code=c, name=f"压测项目{c[-5:]}", department_id=unit.parent_id, unit_id=unit.id,
                     library_status="ACTIVE", created_at=now, updated_at=now) for c in codes]
    years = [dict(id=uuid.uuid4(), project_id=p["id"], fiscal_year=YEAR, requested=BUDGET, arranged=BUDGET,
                  cycle_status="EXECUTING", created_at=now, updated_at=now) for p in projects]
    for start in range(0, total, 2000):
        db.session.execute(insert(Project), projects[start:start + 2000])
        db.session.execute(insert(ProjectYear), years[start:start + 2000])
    db.session.commit()
    return codes


def workbook_of(codes: list[str], figure: int) -> bytes:
    from tests.integration.execution_support import filled

    return filled([c, None, YEAR, MONTH, figure + i % 1000] for i, c in enumerate(codes))


def _clear() -> None:
    from budget.models import ExecutionImport, ExecutionRecord
    from engine.base.models import Outbox

    db.session.execute(delete(ExecutionRecord))
    db.session.execute(delete(ExecutionImport))
    db.session.execute(delete(Outbox).where(Outbox.kind.like("execution.%")))
    db.session.commit()


def in_process(content: bytes, rows: int) -> dict[str, Any]:
    from budget.execution import imports
    from budget.models import ExecutionImport
    from engine.dispatch import queue

    t0 = time.perf_counter()
    imp, _ = imports.submit("bench.xlsx", content, "treasury.1")
    db.session.commit()
    queue.drain(limit=1000)
    seconds = time.perf_counter() - t0
    db.session.expire_all()
    imp = db.session.get(ExecutionImport, imp.id)
    assert imp.status == "DONE", (imp.status, imp.errors[:3])
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds, 1),
            "accepted": imp.accepted, "corrected": imp.corrected, "unchanged": imp.unchanged,
            "chunks": -(-rows // imports.CHUNK)}


def check_memory(content: bytes) -> dict[str, Any]:
    """Peak Python allocations of the heaviest part, reading and checking the whole file (the
    timed runs go without tracemalloc, which slows Python several times)."""
    from budget.execution import imports, workbook
    from budget.execution.checks import Checker
    from budget.shared.helpers import today

    tracemalloc.start()
    raw = workbook.read_rows(content, imports.ROWS_MAX, imports.UNZIPPED_MAX_BYTES)
    outcome = Checker(workbook.LABELS, today()).check(raw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    db.session.rollback()
    return {"rows": len(outcome.rows), "peak_python_mb": round(peak / 2**20, 1)}


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"VmHWM:\s+(\d+) kB", text)
    return round(int(found.group(1)) / 1024, 1) if found else None


def through_stack(content: bytes, rows: int, password: str) -> dict[str, Any]:
    server, base = env.gunicorn(workers=int(os.environ.get("BENCH_WORKERS", "3")))
    worker = subprocess.Popen([sys.executable, "-m", "web.worker"], cwd=ROOT, env=os.environ.copy(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        s = requests.Session()
        s.post(f"{base}/login", data={"username": "treasury.1", "password": password,
                                       "csrf_token": _csrf(s.get(f"{base}/login").text)})
        token = _csrf(s.get(f"{base}/execution").text)
        t0 = time.perf_counter()
        sent = s.post(f"{base}/execution/upload", data={"csrf_token": token},
                      files={"file": ("十月.xlsx", content)}, allow_redirects=False)
        upload_s = time.perf_counter() - t0
        assert sent.status_code == 302, sent.text[:500]
        detail = base + sent.headers["Location"] if sent.headers["Location"].startswith("/") else sent.headers["Location"]
        polls: list[float] = []
        peak = None
        while time.perf_counter() - t0 < 900:
            p0 = time.perf_counter()
            page = s.get(detail)
            polls.append(time.perf_counter() - p0)
            peak = _vm_hwm_mb(worker.pid) or peak
            if "已全部写入并生效" in page.text:
                break
            assert "未导入" not in page.text and "导入失败" not in page.text, page.text[:2000]
            time.sleep(0.25)
        else:
            raise RuntimeError("the import did not finish in 900 s")
        seconds = time.perf_counter() - t0
        return {"rows": rows, "seconds_upload_to_done": round(seconds, 2), "rows_per_s": round(rows / seconds, 1),
                "upload_request_ms": round(upload_s * 1000, 1), "progress_page": summary_ms(polls),
                "slowest_request_ms": round(max([upload_s, *polls]) * 1000, 1), "worker_peak_rss_mb": peak}
    finally:
        for proc in (worker, server):
            proc.terminate()
        for proc in (worker, server):
            proc.wait(timeout=30)


def api_post(codes: list[str], password: str) -> dict[str, Any]:
    from budget.execution.posting import ROWS_MAX

    server, base = env.gunicorn(workers=1)
    try:
        token = requests.post(f"{base}/api/v1/auth/token", json={"username": "treasury.1", "password": password}).json()
        headers = {"Authorization": f"Bearer {token['token']}"}
        body = [{"project_code": c, "year": YEAR, "month": MONTH + 1, "executed_cum": str(200_000 + i % 1000)}
                for i, c in enumerate(codes[:ROWS_MAX])]
        times = []
        for _ in range(2):  # the first writes 5,000 months, the second finds them all unchanged
            t0 = time.perf_counter()
            reply = requests.post(f"{base}/api/v1/execution-records", json=body, headers=headers)
            times.append(time.perf_counter() - t0)
            assert reply.status_code == 200, reply.text[:500]
        return {"rows": len(body), "first_ms": round(times[0] * 1000, 1), "repeat_unchanged_ms": round(times[1] * 1000, 1),
                "rows_per_s_first": round(len(body) / times[0], 1), "last_reply": reply.json() | {"warnings": []}}
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(password: str, total: int = 10_000) -> dict[str, Any]:
    codes = seed(total)
    first, fixed = workbook_of(codes, 100_000), workbook_of(codes, 150_000)
    results: dict[str, Any] = {"project_years": total, "file_kb": round(len(first) / 1024, 1)}
    results["check_memory"] = check_memory(first)
    results["in_process"] = in_process(first, total)
    results["correction_in_process"] = in_process(fixed, total)
    _clear()
    results["through_stack"] = through_stack(first, total, password)
    stack = results["through_stack"]
    stack["ratio_to_in_process"] = round(stack["seconds_upload_to_done"] / results["in_process"]["seconds"], 2)
    results["api_5000_rows"] = api_post(codes, password)
    _clear()
    _unseed()
    return results


def _unseed() -> None:
    """The bench's projects go again, so later parts (the warning board) count only their own."""
    from budget.models import Project, ProjectYear

    ids = select(Project.id).where(Project.code.like(f"{PREFIX}%")).scalar_subquery()
    db.session.execute(delete(ProjectYear).where(ProjectYear.project_id.in_(ids)))
    db.session.execute(delete(Project).where(Project.code.like(f"{PREFIX}%")))
    db.session.commit()
