"""待办 at scale: 100,000 open tasks spread over the 示例市 units, departments and divisions."""
from __future__ import annotations

import random
import time
import uuid
from typing import Any

from sqlalchemy import insert, select

from bench.stats import summary_ms
from engine.base.db import db
from engine.base.identity import User
from engine.base.models import HumanTask, ProcessInstance, ProcessModelVersion
from engine.work.inbox import todo

LANES = [("UNIT_FILER", 0.35), ("UNIT_HEAD", 0.2), ("DEPT_OFFICER", 0.2), ("FIN_FUND", 0.1),
         ("FIN_PERF", 0.1), ("DEPT_HEAD", 0.05)]


def seed(total: int, units: list[tuple[str, str, str]], seed_value: int = 20251015) -> None:
    """`units`: (unit, dept, division) codes. One instance per 100 tasks (the FK needs them)."""
    rng = random.Random(seed_value)
    version = db.session.scalar(select(ProcessModelVersion).limit(1))
    lanes, weights = zip(*LANES, strict=True)
    instances, tasks = [], []
    for i in range(0, total, 100):
        unit, dept, division = units[(i // 100) % len(units)]
        iid = uuid.uuid4()
        instances.append({"id": iid, "model_version_id": version.id, "process_key": version.key,
                          "version": version.version, "status": "RUNNING", "title": f"压测事项{i}",
                          "scope_unit": unit, "scope_dept": dept, "scope_division": division, "state": "",
                          "serializer_version": "1.5", "moves": 0, "current_steps": [], "year": 2026})
        for _ in range(min(100, total - i)):
            tid = uuid.uuid4()
            tasks.append({"id": tid, "spiff_task_id": tid, "instance_id": iid, "process_key": version.key,
                          "task_name": "ut_bench", "title": "压测任务", "lane": rng.choices(lanes, weights)[0],
                          "scope_unit": unit, "scope_dept": dept, "scope_division": division,
                          "business_key": f"P-BENCH-{i}", "instance_title": f"压测事项{i}", "year": 2026,
                          "status": "READY", "created_at": _spread(rng)})
    for chunk in range(0, len(instances), 2000):
        db.session.execute(insert(ProcessInstance), instances[chunk:chunk + 2000])
    for chunk in range(0, len(tasks), 5000):
        db.session.execute(insert(HumanTask), tasks[chunk:chunk + 5000])
    db.session.commit()
    db.session.execute(db.text("ANALYZE human_task"))
    db.session.commit()


def _spread(rng: random.Random) -> Any:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(seconds=rng.randint(0, 90 * 86400))


def measure(usernames: list[str], reps: int = 200) -> dict[str, Any]:
    result = {}
    for name in usernames:
        user = db.session.scalar(select(User).where(User.username == name))
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            rows = todo(user, limit=50)
            times.append(time.perf_counter() - t0)
        result[name] = {**summary_ms(times), "rows": len(rows)}
        db.session.rollback()
    return result
