"""N people completing one task at the same moment on PostgreSQL: exactly one wins, the others
get a clean conflict, nothing is applied twice."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from engine.base.db import db as _db
from engine.base.errors import Conflict
from engine.base.identity import User
from engine.base.models import AuditEvent, HumanTask
from engine.moves.runtime import complete_task, start_process
from engine.work.inbox import todo
from tests.factories import deploy_example, expense, make_user

THREADS = 8


def test_concurrent_completions_one_winner(app, db):
    deploy_example()
    filer = make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"))
    db.session.commit()
    start_process("ex_two_step_approval", filer)
    db.session.commit()
    task_id = todo(filer)[0].id

    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        with app.app_context():
            user = _db.session.scalar(select(User).where(User.username == "f1"))
            barrier.wait()
            try:
                complete_task(task_id, user, expense())
                _db.session.commit()
                result = "ok"
            except Conflict:
                _db.session.rollback()
                result = "conflict"
            except Exception as err:  # noqa: BLE001
                _db.session.rollback()
                result = f"error: {err!r}"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["ok"], outcomes
    db.session.expire_all()
    completions = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "complete"))
    assert completions == 1
    ready = db.session.scalars(select(HumanTask.task_name).where(HumanTask.status == "READY")).all()
    assert ready == ["ut_ex_approve"]
