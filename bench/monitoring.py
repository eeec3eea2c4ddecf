"""预警看板 at scale (issue 11 point 10): 10,000 project-years × 12 monthly execution records over
the 示例市 units, a warning for every month DT-06 would flag (lag ≥ 15 from April, key monitoring
for major projects ≥ 40 behind in June–September), then the board's page and `GET /api/v1/warnings`
timed through gunicorn (p50/p95) for a supervisor (ALL), a fund division and a department officer,
and the queries timed in-process with their plans (EXPLAIN ANALYZE) to judge the indexes."""
from __future__ import annotations

import random
import re
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import requests
from sqlalchemy import insert, select, text

from bench.stats import summary_ms
from budget.models import Department, MonitoringRecord, MonitoringWarning, Project, ProjectYear
from engine.base.db import db
from engine.base.identity import User

YEAR = 2025
VIEWERS = ("perf.1", "fund.eco", "dept.d04")


def seed(project_years: int = 10_000, seed_value: int = 20251015) -> dict[str, int]:
    """Bulk rows through Core (the shapes P3 writes); returns how many of each."""
    rng = random.Random(seed_value)
    units = list(db.session.execute(select(Department.id, Department.parent_id).where(Department.kind == "UNIT")))
    projects, years, records, warnings = [], [], [], []
    now = datetime.now(UTC)
    for n in range(project_years):
        unit_id, dept_id = units[n % len(units)]
        pid, pyid = uuid.uuid4(), uuid.uuid4()
        budget = Decimal(rng.randint(50, 20_000) * 10_000)
        major = budget >= Decimal(10_000_000)
        projects.append({"id": pid, "code": f"P-BM-{n:05d}", "name": f"压测监控项目{n:05d}", "department_id": dept_id,
                         "unit_id": unit_id, "library_status": "ACTIVE", "start_year": YEAR, "end_year": YEAR + 2})
        years.append({"id": pyid, "project_id": pid, "fiscal_year": YEAR, "requested": budget, "arranged": budget,
                      "adjusted": budget, "cycle_status": "EXECUTING", "is_major": major})
        behind = rng.choice((0, 0, 0, 5, 10, 20, 35, 50))  # most on track, a tail far behind
        rate, red_run, warn_run = Decimal(0), 0, 0
        for month in range(1, 13):
            progress = (Decimal(month * 100) / 12).quantize(Decimal("0.01"))
            rate = max(rate, min(progress, max(Decimal(0), progress - behind - rng.randint(0, 6))))
            lag = progress - rate
            rid = uuid.uuid4()
            level, row, reasons, key = _dt06(month, lag, major)
            records.append({"id": rid, "project_year_id": pyid, "fiscal_year": YEAR, "period_month": month,
                            "kind": "AUTO_EXECUTION", "annual_budget": budget,
                            "executed_cum": (budget * rate / 100).quantize(Decimal("0.01")), "exec_rate": rate,
                            "time_progress": progress, "lag_pp": lag, "execution_version": 1, "status": "AUTO",
                            "warning_level": level, "key_monitoring": key, "indicator_progress": [],
                            "cost_tracking": [], "details": {}})
            red_run = red_run + 1 if level == "RED" else 0
            warn_run = warn_run + 1 if level != "GREEN" else 0
            if level != "GREEN":
                warnings.append({"id": uuid.uuid4(), "monitoring_record_id": rid, "project_year_id": pyid,
                                 "fiscal_year": YEAR, "month": month, "level": level, "key_monitoring": key,
                                 "rule_row": row, "reasons": reasons, "lag_pp": lag, "exec_rate": rate,
                                 "time_progress": progress, "consecutive_count": red_run if level == "RED" else warn_run,
                                 "suggested_response": "KEY_MONITORING" if key else "REQUIRE_EXPLANATION",
                                 "raised_at": now, "response_due": date(YEAR, min(month + 1, 12), 12),
                                 "response": "EXPLAINED" if month < 12 else None})
    for table, rows, size in ((Project, projects, 2000), (ProjectYear, years, 2000), (MonitoringRecord, records, 5000),
                              (MonitoringWarning, warnings, 5000)):
        for i in range(0, len(rows), size):
            db.session.execute(insert(table), rows[i:i + size])
    db.session.commit()
    for table in ("project", "project_year", "monitoring_record", "monitoring_warning"):
        db.session.execute(text(f"ANALYZE {table}"))
    db.session.commit()
    return {"project_years": len(years), "records": len(records), "warnings": len(warnings),
            "warnings_month_12": sum(1 for w in warnings if w["month"] == 12)}


def _dt06(month: int, lag: Decimal, major: bool) -> tuple[str, int, list[str], bool]:
    reasons = [r for r, hit in (("SD_KEY_40PP", 6 <= month <= 9 and major and lag >= 40),
                                ("LAG_30", month >= 4 and lag >= 30), ("LAG_15", month >= 4 and lag >= 15)) if hit]
    if not reasons:
        return "GREEN", 9, [], False
    first = reasons[0]
    return ("RED" if first != "LAG_15" else "YELLOW", {"SD_KEY_40PP": 1, "LAG_30": 4, "LAG_15": 7}[first], reasons,
            first == "SD_KEY_40PP")


def in_process(reps: int = 30) -> dict[str, Any]:
    """The board's queries without HTTP, per viewer (default month = the latest with data)."""
    from budget.monitoring_views.board import WarningFilters, board, latest_month

    out: dict[str, Any] = {}
    for name in VIEWERS:
        user = db.session.scalar(select(User).where(User.username == name))
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            year, month = latest_month(user)
            found = board(user, WarningFilters(year=year, month=month), 1, 20, date(YEAR, 12, 20))
            times.append(time.perf_counter() - t0)
        out[name] = {**summary_ms(times), "rows": len(found.items), "total": found.total}
        db.session.rollback()
    return out


def plans() -> dict[str, str]:
    """EXPLAIN ANALYZE of the board's main statements for the ALL scope (the largest)."""
    from budget.monitoring_views.board import WarningFilters, latest_month, warnings_query

    user = db.session.scalar(select(User).where(User.username == "perf.1"))
    queries = {"warnings_page": warnings_query(user, WarningFilters(year=YEAR, month=12)).limit(20)}
    out = {}
    for name, query in queries.items():
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        rows = db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql)).scalars().all()
        out[name] = "\n".join(rows)
    t0 = time.perf_counter()
    latest_month(user)
    out["latest_month_ms"] = f"{(time.perf_counter() - t0) * 1000:.2f}"
    db.session.rollback()
    return out


def over_http(base: str, password: str, reps: int = 40) -> dict[str, Any]:
    """The page (default month) and the API (month 12, 50 a page) through gunicorn, per viewer."""
    out: dict[str, Any] = {}
    for name in VIEWERS:
        session = _signed_in(base, name, password)
        token = requests.post(f"{base}/api/v1/auth/token", json={"username": name, "password": password}).json()["token"]
        page_times, api_times = [], []
        for _ in range(3):  # warm the workers
            session.get(f"{base}/monitoring/warnings")
        for _ in range(reps):
            t0 = time.perf_counter()
            reply = session.get(f"{base}/monitoring/warnings")
            page_times.append(time.perf_counter() - t0)
            assert reply.status_code == 200 and "预警看板" in reply.text
            t0 = time.perf_counter()
            reply = session.get(f"{base}/api/v1/warnings?year={YEAR}&month=12&per_page=50",
                                headers={"Authorization": f"Bearer {token}"})
            api_times.append(time.perf_counter() - t0)
            assert reply.status_code == 200
        out[name] = {"page": summary_ms(page_times), "api": summary_ms(api_times),
                     "api_total": int(reply.headers["X-Total-Count"])}
    return out


def _signed_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    reply = session.post(f"{base}/login", data={"username": username, "password": password,
                                                 **({"csrf_token": token.group(1)} if token else {})})
    assert reply.ok and "/login" not in reply.url, reply.url
    return session
