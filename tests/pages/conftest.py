"""Page tests through Flask's test client: one logged-in client per person, the three-step model."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import g
from flask.testing import FlaskClient

from engine.base.db import db as _db
from engine.base.models import HumanTask
from engine.work.inbox import todo
from tests.factories import PASSWORD, deploy_example, deploy_three_step, expense, make_user

UNIT = "D01-U01"


@pytest.fixture()
def people(db):
    deploy_three_step()
    deploy_example()
    users = {
        "f1": make_user("f1", ("UNIT_FILER", "UNIT", UNIT), name="经办人甲"),
        "h1": make_user("h1", ("UNIT_HEAD", "UNIT", UNIT), name="负责人乙"),
        "a1": make_user("a1", ("FIN_PERF", "ALL", None), name="绩效处丙"),
        "o1": make_user("o1", ("FIN_PERF", "ALL", None), name="绩效处丁"),
        "x1": make_user("x1", ("UNIT_FILER", "UNIT", "D09-U09"), name="外单位戊"),
        "admin": make_user("admin", ("SYS_ADMIN", "ALL", None), name="管理员"),
    }
    db.session.commit()
    return users


class PersonClient(FlaskClient):
    """The test's app context is shared by every request, and Flask-Login caches the user in
    `g`: forget it before each request so each client is its own cookie's user again."""

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture()
def login(app, people) -> Callable[[str], FlaskClient]:
    def as_user(username: str) -> FlaskClient:
        client = PersonClient(app, app.response_class, use_cookies=True)
        reply = client.post("/login", data={"username": username, "password": PASSWORD})
        assert reply.status_code == 302, reply.get_data(as_text=True)
        return client

    return as_user


def form_of(data: dict) -> dict[str, str]:
    """The example's nested data as the dotted names the task form posts."""
    flat = {k: str(v) for k, v in data.items() if not isinstance(v, list)}
    for i, row in enumerate(data.get("items", [])):
        flat.update({f"items.{i}.{k}": str(v) for k, v in row.items()})
    return flat


def only_task(user) -> HumanTask:  # noqa: ANN001
    tasks = todo(user)
    assert len(tasks) == 1, [t.title for t in tasks]
    return tasks[0]


@pytest.fixture()
def submitted(people, login):
    """A three-step request the filer started and submitted through the pages: it waits at 初审."""

    def make() -> tuple[str, FlaskClient]:
        filer = login("f1")
        started = filer.post("/start/ex_three_step_review")
        assert started.status_code == 302 and "/tasks/" in started.location
        task_id = started.location.rsplit("/", 1)[-1]
        done = filer.post(f"/tasks/{task_id}", data=form_of(expense()))
        assert done.status_code == 302, done.get_data(as_text=True)
        return str(_db.session.get(HumanTask, task_id).instance_id), filer

    return make
