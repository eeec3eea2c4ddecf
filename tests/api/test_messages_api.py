"""POST /api/v1/messages on the real engine and PostgreSQL (issue 11, point 3): correlation with
two waiting instances, a correlation nobody waits for, one failing instance that does not undo the
others, a message start event, the same message id twice (in turn and in parallel), and who may
send what."""
from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from engine.base.models import HumanTask, Message, MessageSubscription, ProcessInstance
from engine.definitions.deploy import deploy
from engine.moves.runtime import start_process
from engine.moves.state import load_workflow
from tests.factories import PASSWORD, make_user

MODELS = Path(__file__).resolve().parent.parent / "models"
NPC = "msg_npc_budget_approved"


@pytest.fixture()
def people(db):
    make_user("mm_admin", ("SYS_ADMIN", "ALL", None))
    make_user("mm_budget", ("FIN_BUDGET", "ALL", None))
    make_user("mm_filer", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("mm_filer2", ("UNIT_FILER", "UNIT", "D02-U01"))
    for name in ("msg_npc_wait.bpmn", "msg_in_year_start.bpmn", "msg_adjust_wait.bpmn"):
        deploy({name: (MODELS / name).read_bytes()}, "test")
    db.session.commit()


def waiting(db, fiscal_year: int, divisor: int = 1) -> ProcessInstance:
    instance = start_process("msg_npc_wait", _user(db, "mm_filer"),
                             {"jurisdiction": "SAMPLE-CITY", "fiscal_year": fiscal_year, "divisor": divisor})
    db.session.commit()
    return instance


def _user(db, username: str):
    from engine.base.identity import User

    return db.session.scalar(select(User).where(User.username == username))


def ready(db, instance: ProcessInstance) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(HumanTask.task_name).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "READY")))


def npc_body(fiscal_year: object = 2026, message_id: str = "npc-2026-1", **extra: object) -> dict:
    return {"name": NPC, "message_id": message_id,
            "correlation": {"jurisdiction": "SAMPLE-CITY", "fiscal_year": fiscal_year},
            "payload": {"npc_approval_date": "2026-01-15"}, **extra}


def test_message_moves_every_correlated_waiting_instance(client, db, people, token_for):
    first, second, next_year = waiting(db, 2026), waiting(db, 2026), waiting(db, 2027)
    reply = client.post("/api/v1/messages", json=npc_body(), headers=token_for("mm_budget"))
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["status"] == "DELIVERED" and body["duplicate"] is False
    assert sorted(r["instance_id"] for r in body["results"]) == sorted([str(first.id), str(second.id)])
    assert {r["outcome"] for r in body["results"]} == {"DELIVERED"}
    assert all(r["current_steps"] == ["批复"] for r in body["results"])
    assert ready(db, first) == ready(db, second) == ["ut_nw_next"] and ready(db, next_year) == []
    data = load_workflow(db.session.get(ProcessInstance, first.id)).get_tasks(spec_name="ut_nw_next")[0].data
    assert data["npc"] == {"jurisdiction": "SAMPLE-CITY", "fiscal_year": 2026, "npc_approval_date": "2026-01-15"}
    assert str(data["approved_on"]) == "2026-01-15"
    message = db.session.scalar(select(Message))
    assert message.client_id == "npc-2026-1" and message.sender == "mm_budget" and len(message.results) == 2


def test_message_nobody_waits_for_moves_nothing_and_is_kept(client, db, people, token_for):
    instance = waiting(db, 2026)
    reply = client.post("/api/v1/messages", json=npc_body(fiscal_year=2030), headers=token_for("mm_budget"))
    assert reply.status_code == 200
    assert reply.get_json()["status"] == "WAITING" and reply.get_json()["results"] == []
    assert ready(db, instance) == []
    assert db.session.scalar(select(MessageSubscription.status)) == "WAITING"


def test_one_failing_instance_does_not_undo_the_others(client, db, people, token_for):
    good, bad = waiting(db, 2026), waiting(db, 2026, divisor=0)
    body = client.post("/api/v1/messages", json=npc_body(), headers=token_for("mm_admin")).get_json()
    outcome = {r["instance_id"]: r for r in body["results"]}
    assert outcome[str(good.id)]["outcome"] == "DELIVERED"
    assert outcome[str(bad.id)]["outcome"] == "FAILED" and "division by zero" in outcome[str(bad.id)]["error"]
    assert ready(db, good) == ["ut_nw_next"] and ready(db, bad) == []
    db.session.expire_all()
    failed = db.session.get(ProcessInstance, bad.id)
    assert failed.status == "RUNNING" and failed.incident  # still waiting, with the incident shown
    assert db.session.scalar(select(MessageSubscription.status).where(
        MessageSubscription.instance_id == bad.id)) == "WAITING"


def test_message_start_event_starts_an_instance_once_per_message_id(client, db, people, token_for):
    body = {"name": "msg_in_year_request", "message_id": "iy-1", "correlation": {"project_id": "P-D01-001"},
            "payload": {"in_year": True}}
    first = client.post("/api/v1/messages", json=body, headers=token_for("mm_budget")).get_json()
    (result,) = first["results"]
    assert result["outcome"] == "STARTED" and result["process_key"] == "msg_in_year_start"
    again = client.post("/api/v1/messages", json=body, headers=token_for("mm_budget"))
    assert again.status_code == 200
    assert again.get_json()["duplicate"] is True and again.get_json()["results"] == first["results"]
    (instance,) = db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "msg_in_year_start"))
    assert ready(db, instance) == ["ut_ms_budget"]
    data = load_workflow(instance).get_tasks(spec_name="ut_ms_budget")[0].data
    assert data["in_year"] == {"project_id": "P-D01-001", "in_year": True}
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    changed = client.post("/api/v1/messages", json={**body, "payload": {"in_year": False}},
                          headers=token_for("mm_budget"))
    assert changed.status_code == 409 and "已用于另一条消息" in changed.get_json()["message"]


def test_parallel_duplicates_deliver_once_and_answer_the_same(live_server, db, people):
    instances = [waiting(db, 2026) for _ in range(3)]
    token = requests.post(f"{live_server}/api/v1/auth/token", json={"username": "mm_budget", "password": PASSWORD},
                          timeout=10).json()["token"]
    barrier, replies = threading.Barrier(8), []

    def send() -> None:
        barrier.wait()
        replies.append(requests.post(f"{live_server}/api/v1/messages", json=npc_body(message_id="npc-par"),
                                     headers={"Authorization": f"Bearer {token}"}, timeout=60))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert Counter(r.status_code for r in replies) == {200: 8}
    bodies = [r.json() for r in replies]
    assert Counter(b["duplicate"] for b in bodies) == {False: 1, True: 7}
    assert all(b["results"] == bodies[0]["results"] and b["id"] == bodies[0]["id"] for b in bodies)
    assert {r["outcome"] for r in bodies[0]["results"]} == {"DELIVERED"} and len(bodies[0]["results"]) == 3
    db.session.expire_all()
    assert all(ready(db, i) == ["ut_nw_next"] for i in instances)
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    received = db.session.execute(select(func.count()).select_from(HumanTask).where(
        HumanTask.task_name == "ut_nw_next")).scalar()
    assert received == 3  # each instance moved once


def test_who_may_send_and_field_errors(client, db, people, token_for):
    instance = waiting(db, 2026)
    filer = client.post("/api/v1/messages", json=npc_body(), headers=token_for("mm_filer"))
    assert filer.status_code == 403 and "预算处" in filer.get_json()["message"]
    budget = token_for("mm_budget")
    unknown = client.post("/api/v1/messages", json={**npc_body(), "name": "msg_nonsense"}, headers=budget)
    assert unknown.status_code == 422 and unknown.get_json()["errors"] == {"name": ["未知的消息：msg_nonsense"]}
    missing = client.post("/api/v1/messages", json={**npc_body(), "correlation": {"jurisdiction": "SAMPLE-CITY"}},
                          headers=budget)
    assert missing.status_code == 422 and missing.get_json()["errors"] == {"correlation.fiscal_year": ["必填项"]}
    extra = client.post("/api/v1/messages", json={**npc_body(), "correlation": {
        "jurisdiction": "SAMPLE-CITY", "fiscal_year": 2026, "project_id": "x"}}, headers=budget)
    assert extra.status_code == 422 and "correlation.project_id" in extra.get_json()["errors"]
    bad_date = client.post("/api/v1/messages", json={**npc_body(), "payload": {"npc_approval_date": "明天"}},
                           headers=budget)
    assert bad_date.get_json()["errors"] == {"payload.npc_approval_date": ["须为日期，格式 YYYY-MM-DD"]}
    no_id = client.post("/api/v1/messages", json={k: v for k, v in npc_body().items() if k != "message_id"},
                        headers=budget)
    assert no_id.status_code == 422 and "message_id" in no_id.get_json()["errors"]
    assert ready(db, instance) == [] and db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_sender_role_reaches_only_its_data_scope(client, db, people, token_for):
    """msg_target_adjust_request is the unit's: a filer of another unit moves nothing of D01-U01."""
    mine = start_process("msg_adjust_wait", _user(db, "mm_filer"), {"project_id": "P-D01-001"})
    db.session.commit()
    body = {"name": "msg_target_adjust_request", "correlation": {"project_id": "P-D01-001", "fiscal_year": 2026}}
    other = client.post("/api/v1/messages", json={**body, "message_id": "adj-1"}, headers=token_for("mm_filer2"))
    assert other.status_code == 200 and other.get_json()["results"] == [] and ready(db, mine) == []
    own = client.post("/api/v1/messages", json={**body, "message_id": "adj-2"}, headers=token_for("mm_filer"))
    assert [r["outcome"] for r in own.get_json()["results"]] == ["DELIVERED"]
    assert ready(db, mine) == ["ut_mc_next"]
