"""A page GET, a page POST and a refused POST (422) each deserialize the workflow once; so do the
API's task view and completion. Counted with the engine's own counter (engine.moves.serializer.LOADS)
over real requests through the test client."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.base.db import db as _db
from engine.moves import serializer
from tests.factories import PASSWORD, expense
from tests.pages.conftest import form_of, only_task


def loads(request: Callable[[], Any]) -> tuple[Any, int]:
    """The reply and how many workflow loads it took, in a fresh session as every real request has
    (the tests share one app context, hence one session, across requests)."""
    _db.session.remove()
    before = serializer.LOADS
    reply = request()
    return reply, serializer.LOADS - before


def test_task_page_get_post_and_refused_post_load_the_workflow_once(people, login):
    filer = login("f1")
    task_id = filer.post("/start/ex_three_step_review").location.rsplit("/", 1)[-1]

    page, n = loads(lambda: filer.get(f"/tasks/{task_id}"))
    assert page.status_code == 200 and n == 1
    refused, n = loads(lambda: filer.post(f"/tasks/{task_id}", data={**form_of(expense()), "amount": "abc"}))
    assert refused.status_code == 422 and "须为数字" in refused.get_data(as_text=True) and n == 1
    done, n = loads(lambda: filer.post(f"/tasks/{task_id}", data=form_of(expense())))
    assert done.status_code == 302 and n == 1

    head = login("h1")
    check = only_task(people["h1"])
    no_opinion, n = loads(lambda: head.post(f"/tasks/{check.id}/return", data={"opinion": ""}))
    assert no_opinion.status_code == 422 and "退回须填写审批意见" in no_opinion.get_data(as_text=True) and n == 1
    claimed, n = loads(lambda: head.post(f"/tasks/{check.id}/claim"))
    assert claimed.status_code == 302 and n == 1


def test_api_task_view_and_completion_load_the_workflow_once(client, people):
    token = client.post("/api/v1/auth/token", json={"username": "f1", "password": PASSWORD}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    started = client.post("/api/v1/process-models/ex_three_step_review/instances", json={}, headers=auth)
    task_id = started.get_json()["ready_tasks"][0]["id"]

    shown, n = loads(lambda: client.get(f"/api/v1/tasks/{task_id}", headers=auth))
    assert shown.status_code == 200 and n == 1
    refused, n = loads(lambda: client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}, headers=auth))
    assert refused.status_code == 422 and n == 1
    done, n = loads(lambda: client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": expense()},
                                        headers=auth))
    assert done.status_code == 200 and n == 1
