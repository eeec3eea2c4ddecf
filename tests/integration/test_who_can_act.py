"""Whether anybody can act on a new work item is remembered for a minute (a move opens items on
the same lanes again and again), but never past a change of people: a role taken away, a person
deactivated, a role that has expired — here, or committed by another process — and the next item
goes to the process administrators (fallback) at once. Real PostgreSQL and Redis; the other process
is a real one."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.base.identity import RoleAssignment, User
from engine.base.models import HumanTask
from engine.moves.runtime import complete_task, start_process
from tests.factories import deploy_example, expense, make_user

ROOT = Path(__file__).resolve().parents[2]
KEY = "ex_two_step_approval"


@pytest.fixture()
def people(db):
    deploy_example()
    users = {"filer": make_user("wc_filer", ("UNIT_FILER", "UNIT", "D01-U01")),
             "head": make_user("wc_head", ("UNIT_HEAD", "UNIT", "D01-U01")),
             "admin": make_user("wc_admin", ("PROCESS_ADMIN", "ALL", None))}
    db.session.commit()
    return users


def approval(db, filer: User) -> HumanTask:  # noqa: ANN001
    """A new request, filled in: its 单位审核 item (UNIT_HEAD of D01-U01)."""
    instance = start_process(KEY, filer)
    db.session.commit()
    fill = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                     HumanTask.task_name == "ut_ex_fill"))
    complete_task(fill.id, filer, expense())
    db.session.commit()
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                     HumanTask.task_name == "ut_ex_approve"))


def test_a_role_taken_away_is_seen_by_the_next_item(db, people):
    assert approval(db, people["filer"]).fallback is False  # the head can act: remembered
    db.session.delete(people["head"].roles[0])
    db.session.commit()
    assert approval(db, people["filer"]).fallback is True


def test_a_deactivated_person_is_seen_by_the_next_item(db, people):
    assert approval(db, people["filer"]).fallback is False
    people["head"].active = False
    db.session.commit()
    assert approval(db, people["filer"]).fallback is True


def test_an_expired_role_does_not_count(db, people):
    assert approval(db, people["filer"]).fallback is False
    people["head"].roles[0].valid_to = date.today() - timedelta(days=1)
    db.session.commit()
    assert approval(db, people["filer"]).fallback is True


def test_a_role_taken_away_by_another_process_is_seen_by_the_next_item(db, people, database_url, redis_url):
    assert approval(db, people["filer"]).fallback is False
    script = textwrap.dedent(f"""
        from sqlalchemy import delete, select
        from web import create_app
        from engine.base.db import db
        from engine.base.identity import RoleAssignment, User
        app = create_app(SQLALCHEMY_DATABASE_URI={database_url!r}, REDIS_URL={redis_url!r}, TESTING=True,
                         SECRET_KEY="other-process")
        with app.app_context():
            head = db.session.scalar(select(User).where(User.username == "wc_head"))
            db.session.execute(delete(RoleAssignment).where(RoleAssignment.user_id == head.id))
            db.session.commit()
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert db.session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == people["head"].id)) is None
    assert approval(db, people["filer"]).fallback is True
