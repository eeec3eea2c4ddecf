"""The sweep (issue 13 point 5): every model of ../shared/conformance (MIWG reference models and
their bpmn.io exports) and our construct models in tests/models/conformance, deployed through the
deploy API and run through the APIs as their initiator (user tasks completed, messages posted,
timers let fire on the engine's clock), compared with the same files run on bare SpiffWorkflow
3.2: the same end (event and data), the same failure (an incident), or refused at deployment with
Chinese element-level messages."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine.base.models import MessageSubscription, ProcessInstance, Timer
from engine.dispatch import queue
from engine.moves.state import load_workflow
from engine.time import clock
from tests.conformance import bare, support
from tests.conftest import empty_database
from tests.factories import PASSWORD, ROOT, make_user

CORPUS = ROOT.parent / "shared" / "conformance"
# One database for the whole sweep (emptied once at its end): every case deploys its own key and
# leaves nothing waiting that a later case's message could reach; emptying ~80 times cost ~2 s each.
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _case(name: str, messages: tuple[str, ...] = (), fire_timers: bool = False) -> Any:
    return pytest.param(support.model(name), name, messages, fire_timers, id=name)


CONSTRUCTS = [
    _case("cf_mi_collections"),  # parallel and sequential MI, collections and cardinality, items
    _case("cf_mi_user_outputs"),  # MI user task whose members give no output item: both fail
    _case("cf_data_objects"),  # data object, data output and input associations
    _case("cf_data_output_missing"),  # a data output association with nothing to give: both fail
    _case("cf_postscript"),  # pre- and post-scripts on a user task and a script task
    _case("cf_postscript_fails"),
    _case("cf_terminate"),
    _case("cf_event_gateway", messages=("go_ahead",)),
    _case("cf_event_gateway", fire_timers=True),
    _case("cf_script_print"),
    _case("cf_team_lane"),
    _case("cf_bare_user_task"),
    _case("cf_error_escalation_signal"),  # error end → error boundary, escalation, signal throw/catch
    _case("cf_boundary_timer"),  # interrupting timer boundary event: the step is done first
    _case("cf_boundary_timer", fire_timers=True),  # ... and the timer fires first
    _case("cf_event_subprocess"),  # an error event sub-process
    _case("cf_call_activity"),  # a call activity with data inputs and outputs
    _case("cf_payloads"),  # error, escalation and signal payloads (spiffworkflow:payloadExpression)
    _case("cf_boundary_kinds"),  # standard loop, inclusive gateway, manual task ...
    _case("cf_boundary_kinds", messages=("cancel_request",)),  # ... cancelled by a message boundary event
]
MIWG = [pytest.param({p.name: p.read_bytes()}, None, (), False, id=str(p.relative_to(CORPUS)))
        for p in sorted(CORPUS.rglob("*.bpmn"))]


@pytest.fixture(scope="module")
def sweep_db(app):
    from engine.base.db import db as _db

    with app.app_context():
        make_user("cf_sweeper", ("SYS_ADMIN", "ALL", None))
        _db.session.commit()
        yield _db
        empty_database(_db)


@pytest.fixture(scope="module")
def sweeper(app, sweep_db) -> tuple[Any, dict[str, str]]:
    client = app.test_client()
    reply = client.post("/api/v1/auth/token", json={"username": "cf_sweeper", "password": PASSWORD})
    return client, {"Authorization": f"Bearer {reply.get_json()['token']}"}


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if not k.startswith("_form:")}


def _posted(client: Any, admin: dict[str, str], db: Any, instance_id: str, name: str) -> bool:
    waits = db.session.scalars(select(MessageSubscription).where(
        MessageSubscription.instance_id == instance_id, MessageSubscription.message_name == name,
        MessageSubscription.status == "WAITING")).first()
    if waits is None:
        return False
    reply = client.post("/api/v1/messages", headers=admin,
                        json={"name": name, "message_id": f"sweep-{instance_id}-{name}", "correlation": {},
                              "payload": {}})
    assert reply.status_code == 200, reply.get_json()
    return True


def _run(client: Any, admin: dict[str, str], db: Any, key: str, messages: tuple[str, ...],
         fire_timers: bool) -> tuple[str, Any]:
    """Drive the instance like bare.run drives Spiff: messages, then timers, then user tasks."""
    started = support.start(client, admin, key)
    if started.status_code == 422:
        return "incident", started.get_json()
    if started.status_code == 403 and "系统消息启动" in started.get_json()["message"]:
        return "message start", None  # only its message starts it (docs/design.md, BPMN conventions)
    assert started.status_code == 201, started.get_data(as_text=True)[:300]
    instance_id, pending = started.get_json()["id"], list(messages)
    for _ in range(50):
        db.session.expire_all()
        shown = support.instance(client, admin, instance_id)
        if shown["status"] != "RUNNING":
            break
        if pending and _posted(client, admin, db, instance_id, pending[0]):
            pending.pop(0)
            continue
        if fire_timers and db.session.scalars(select(Timer).where(
                Timer.instance_id == instance_id, Timer.status == "WAITING")).first():
            clock.advance(timedelta(days=3650))
            clock.tick()
            queue.drain()
            clock.back_to_real_time()
            fire_timers = False
            continue
        ready = client.get(f"/api/v1/instances/{instance_id}", headers=admin).get_json()
        tasks = [t for t in (ready.get("ready_tasks") or ready.get("tasks") or []) if t.get("status", "READY") == "READY"]
        if not tasks:
            break
        reply = support.complete(client, admin, tasks[0]["id"])
        if reply.status_code == 422:
            return "incident", reply.get_json()
        assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance_id)
    return instance.status, instance


@pytest.mark.parametrize(("files", "key", "messages", "fire_timers"), CONSTRUCTS + MIWG)
def test_same_result_as_bare_spiffworkflow_or_refused(sweep_db, sweeper, files, key, messages, fire_timers):
    db, (client, admin) = sweep_db, sweeper
    db.session.rollback()
    deployed = support.deploy(client, admin, files)
    assert deployed.status_code in (200, 201, 400), deployed.get_data(as_text=True)[:300]
    if deployed.status_code == 400:
        errors = deployed.get_json()["errors"]
        assert errors and all(e["message"] and CHINESE.search(e["message"]) for e in errors), errors
        assert all(e["element_id"] or e["file"] for e in errors), errors
        assert key is None, f"our construct model {key} was refused: {errors}"
        return
    key = deployed.get_json()["key"]
    reference = bare.run(files, key, messages=messages, fire_timers=fire_timers)
    outcome, detail = _run(client, admin, db, key, messages, fire_timers)
    if reference.error is not None:
        assert outcome == "incident" or (outcome == "RUNNING" and detail.incident), (reference.error, outcome)
        return
    if not reference.completed:
        assert outcome in ("RUNNING", "message start"), (reference, outcome)
        return
    assert outcome == "COMPLETED", (reference, outcome, detail if outcome == "incident" else detail.incident)
    assert detail.end_event == reference.ended_at
    assert _plain(dict(load_workflow(detail).data)) == reference.data
