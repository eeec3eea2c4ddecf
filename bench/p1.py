"""P1: one task completion (单位审核, F-00 APPROVE) through the app vs the engine floor."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select

from bench import floor, stack
from bench.stats import summary_ms

FILER, HEAD, PASSWORD = "filer.d03u01", "head.d03u01", "bench-pass"


def _indicator(l1: str, l2: str, name: str, value: str, unit: str, weight: int, op: str = "GE") -> dict[str, Any]:
    return {"l1": l1, "l2": l2, "name": name, "kind": "QUANT", "operator": op, "target_value": value, "unit": unit,
            "weight": weight, "value_basis": "PLAN", "calc_method": "按年度统计口径计算", "data_source": "统计台账"}


def application(name: str, year: int) -> dict[str, Any]:
    """A realistic F-01 + F-04 submission (money in 万元)."""
    return {
        "name": name, "object_type": "PROJECT", "project_class": "SPECIFIC", "function_category": "214",
        "one_off_type": "CAPITAL_CONSTRUCTION", "new_or_continuing": "NEW", "start_year": year,
        "end_year": year + 2, "legal_basis": "《示例省农村公路条例》及市政府常务会议纪要〔2025〕12号",
        "necessity_text": "全市农村公路临水临崖路段安全防护设施缺失较多，" * 3,
        "content_text": "新建波形护栏、警示标志及减速设施，整治急弯陡坡路段，" * 3,
        "annual_requests": [{"year": year, "fiscal_amount": "1200.5", "other_amount": "0"},
                            {"year": year + 1, "fiscal_amount": "800", "other_amount": "100"}],
        "funding_source": "GENERAL", "responsible_person": HEAD, "attachments": ["00000000-0000-0000-0000-000000000001"],
        "overall_goal": "三年内完成全市农村公路安全隐患路段整治，事故率明显下降。",
        "annual_goal": "完成隐患路段整治300公里，新增护栏150公里。", "has_service_objects": True,
        "indicators": [
            *[{**_indicator("OUTPUT", "OUT_TIME", name, "100", "%", 0), "is_common": True}
              for name in ("预算执行进度", "预算到项目率", "预算支出率")],  # JN pack
            _indicator("OUTPUT", "OUT_QTY", "隐患路段整治里程", "300", "公里", 15),
            _indicator("OUTPUT", "OUT_QLT", "工程验收合格率", "100", "%", 10, "EQ"),
            _indicator("OUTPUT", "OUT_TIME", "年度任务完成率", "90", "%", 10),
            _indicator("OUTPUT", "OUT_COST", "每公里综合造价", "38", "万元/公里", 15, "LE"),
            _indicator("EFFECT", "EFF_SOC", "隐患路段事故下降率", "20", "%", 30),
            _indicator("SATISFACTION", "SAT_SERVICE", "沿线群众满意度", "90", "%", 10),
        ],
    }


def p1_step_costs(base: str, workflows: Path, db_url: str, workers: int, n: int = 200,
                  warmup: int = 50) -> dict[str, Any]:
    """n approvals measured after `warmup` unmeasured ones, so that every gunicorn worker has run the
    step's statements often enough to have them compiled and prepared (psycopg prepares a statement
    on its 5th execution per connection). Each approval is followed by one echo round trip, one
    floor move transaction and one engine-floor step, so app and floors see the same machine load
    (a ratio of two sequential measurements moved 1.8×–3.6× run to run on a quiet machine)."""
    from engine.base.db import db
    from engine.base.models import HumanTask, ProcessInstance

    session = requests.Session()

    def token(user: str) -> dict[str, str]:
        body = session.post(f"{base}/api/v1/auth/token", json={"username": user, "password": PASSWORD}).json()
        return {"Authorization": f"Bearer {body['token']}"}

    filer, head = token(FILER), token(HEAD)
    for i in range(n + warmup):
        started = session.post(f"{base}/api/v1/process-models/p1_project_intake/instances", json={}, headers=filer)
        started.raise_for_status()
        body = started.json()
        fill = body["ready_tasks"][0]
        year = body["year"]
        done = session.post(f"{base}/api/v1/tasks/{fill['id']}/complete",
                            json={"data": application(f"农村公路安全生命防护工程（压测{i}）", year)}, headers=filer)
        if done.status_code != 200:
            raise RuntimeError(f"P1 fill refused: {done.status_code} {done.text[:500]}")
    approvals = [t for t in session.get(f"{base}/api/v1/tasks?limit=500", headers=head).json()
                 if t["name"] == "ut_p1_unit_approve"]
    db.session.expire_all()
    sample = db.session.scalar(select(ProcessInstance).join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
                               .where(HumanTask.id == approvals[0]["id"]))
    spec, subs = floor.load_spec(workflows, "p1_project_intake")

    def engine_step() -> float:
        return floor.one_step(spec, subs, sample.state, "ut_p1_unit_approve", {"verdict": "APPROVE"}, 1)["p50_ms"] / 1000

    def approve(task: dict[str, Any]) -> float:
        t0 = time.perf_counter()
        response = session.post(f"{base}/api/v1/tasks/{task['id']}/complete", json={"data": {"verdict": "APPROVE"}},
                                headers=head)
        elapsed = time.perf_counter() - t0
        response.raise_for_status()
        return elapsed

    floor.one_step(spec, subs, sample.state, "ut_p1_unit_approve", {"verdict": "APPROVE"}, 20)  # warm-up
    tight = floor.one_step(spec, subs, sample.state, "ut_p1_unit_approve", {"verdict": "APPROVE"}, 200)
    echo, move = stack.EchoFloor(workers), stack.MoveFloor(db_url, len(sample.state), len(approvals))
    try:
        series: dict[str, list[float]] = {"app": [], "http": [], "move": [], "engine": []}
        for i, task in enumerate(approvals):
            times = {"app": approve(task), "http": echo.one(), "move": move.one(), "engine": engine_step()}
            if i >= warmup:
                for part, seconds in times.items():
                    series[part].append(seconds)
    finally:
        echo.close()
        move.close()
    app_cost, engine_floor = summary_ms(series["app"]), summary_ms(series["engine"])
    http, move_cost = summary_ms(series["http"]), summary_ms(series["move"])
    total = http["p50_ms"] + move_cost["p50_ms"] + engine_floor["p50_ms"]
    paired = sorted(a / (h + m + e) for a, h, m, e in zip(*series.values(), strict=True))
    return {"step": "ut_p1_unit_approve", "state_bytes": len(sample.state), "app_http_db": app_cost,
            "engine_floor": engine_floor, "ratio_p50": round(app_cost["p50_ms"] / engine_floor["p50_ms"], 2),
            "stack_floor": {"http_round_trip": http, "move_transaction": move_cost, "sum_p50_ms": round(total, 3),
                            "ratio_sum_to_engine_floor": round(total / engine_floor["p50_ms"], 2),
                            "ratio_app_to_stack_floor": round(app_cost["p50_ms"] / total, 2),
                            "ratio_paired_median": round(paired[len(paired) // 2], 2),
                            # the engine floor in a tight loop (warm caches, as measured before the interleaving)
                            "engine_floor_tight_loop": tight,
                            "ratio_with_tight_loop_engine_floor": round(
                                app_cost["p50_ms"] / (http["p50_ms"] + move_cost["p50_ms"] + tight["p50_ms"]), 2)}}
