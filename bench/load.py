"""Closed-loop HTTP clients (separate processes) against gunicorn: start → fill → approve."""
from __future__ import annotations

import multiprocessing as mp
import time
from typing import Any

import requests


def _client(base: str, filer: str, head: str, fill: dict[str, Any], seconds: float, out: Any) -> None:
    session = requests.Session()
    hf, hh = {"Authorization": f"Bearer {filer}"}, {"Authorization": f"Bearer {head}"}
    latencies: list[float] = []
    completed = errors = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = session.post(f"{base}/api/v1/process-models/ex_two_step_approval/instances", json={}, headers=hf)
        if started.status_code != 201:
            errors += 1
            continue
        task_id = started.json()["ready_tasks"][0]["id"]
        ok = True
        for headers, data in ((hf, fill), (hh, {"verdict": "APPROVE"})):
            t0 = time.perf_counter()
            response = session.post(f"{base}/api/v1/tasks/{task_id}/complete", json={"data": data}, headers=headers)
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 200:
                ok = False
                errors += 1
                break
            body = response.json()
            if body["ready_tasks"]:
                task_id = body["ready_tasks"][0]["id"]
        if ok and body["status"] == "COMPLETED":
            completed += 1
    out.put({"latencies": latencies, "completed": completed, "errors": errors})


def run(base: str, pairs: list[tuple[str, str]], fill: dict[str, Any], seconds: float) -> dict[str, Any]:
    from bench.stats import summary_ms

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_client, args=(base, f, h, fill, seconds, queue)) for f, h in pairs]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t0
    latencies = [x for r in results for x in r["latencies"]]
    completed = sum(r["completed"] for r in results)
    return {"clients": len(pairs), "seconds": round(elapsed, 1), "completed": completed,
            "errors": sum(r["errors"] for r in results),
            "instances_per_s": round(completed / seconds, 1), "complete": summary_ms(latencies)}
