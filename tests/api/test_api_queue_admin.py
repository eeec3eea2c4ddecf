"""GET /api/v1/admin/queue and POST /api/v1/admin/jobs/{id}/retry|discard: the same view and
the same permissions as /admin/queue, JSON errors per the API's conventions."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from engine.base import config as engine_config
from engine.base.db import db as _db
from engine.base.db import utcnow
from engine.base.models import Message, Outbox, Timer
from engine.dispatch import queue
from tests.factories import make_user


@queue.job("test.api_always_fails", max_attempts=1)
def _always_fails(payload: dict) -> None:
    raise ValueError("接口测试：总是失败\n细节")


@pytest.fixture()
def users(db):
    make_user("admin", ("SYS_ADMIN", "ALL", None))
    make_user("pa", ("PROCESS_ADMIN", "ALL", None))
    make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"))
    db.session.commit()


def failed_job() -> uuid.UUID:
    job_id = queue.enqueue("test.api_always_fails", {"n": 1})
    _db.session.commit()
    queue.drain()
    return job_id


def status(job_id: uuid.UUID) -> str:
    _db.session.expire_all()
    return _db.session.get(Outbox, job_id).status


def test_overview(client, users, token_for):
    job_id = failed_job()
    queue.enqueue("test.api_always_fails", {"n": 2}, at=utcnow() + timedelta(hours=1))  # delayed
    _db.session.add(Timer(process_key="p_monthly", task_name="start_tm", event_type="CycleTimerEventDefinition",
                          due_at=datetime(2030, 1, 2, 1, 30, tzinfo=UTC)))
    _db.session.add(Message(name="msg_x", payload={"k": "v"}, status="WAITING", expires_at=utcnow() + timedelta(days=1)))
    _db.session.commit()
    reply = client.get("/api/v1/admin/queue", headers=token_for("admin"))
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["redis"]["available"] is True
    assert [q["name"] for q in body["redis"]["queues"]] == list(queue.QUEUES)
    assert body["redis"]["queues"][0]["queued"] >= 1  # dispatched after commit, no worker here
    kinds = {k["kind"]: k for k in body["outbox"]["by_kind"]}
    assert kinds["test.api_always_fails"] == {"queue": "default", "kind": "test.api_always_fails", "pending_due": 0,
                                              "pending_delayed": 1, "failed": 1, "done_24h": 0}
    assert body["outbox"]["oldest_due_seconds"] is None and body["outbox"]["stuck"] is False
    failed = body["failed_jobs"]
    assert failed["total"] == 1 and failed["items"][0]["id"] == str(job_id)
    assert failed["items"][0]["error"] == "ValueError: 接口测试：总是失败" and "细节" in failed["items"][0]["last_error"]
    timer = body["timers"]["items"][0]
    assert timer["start_event"] is True and timer["process_key"] == "p_monthly"
    assert datetime.fromisoformat(timer["due_at"]) == datetime(2030, 1, 2, 1, 30, tzinfo=UTC)
    assert body["timers"]["overdue"] == 0
    assert body["messages"]["waiting"]["total"] == 1 and body["messages"]["waiting"]["items"][0]["name"] == "msg_x"

    assert client.get("/api/v1/admin/queue", headers=token_for("pa")).status_code == 200  # process admin reads
    reply = client.get("/api/v1/admin/queue", headers=token_for("f1"))
    assert reply.status_code == 403 and reply.get_json()["error"] == "forbidden"
    assert client.get("/api/v1/admin/queue").status_code == 401


def test_stuck_due_jobs_are_flagged(client, users, token_for, app):
    queue.enqueue("test.api_always_fails", {"n": 3})
    _db.session.commit()
    row = _db.session.scalars(_db.select(Outbox)).one()
    row.available_at = utcnow() - timedelta(minutes=10)
    _db.session.commit()
    outbox = client.get("/api/v1/admin/queue", headers=token_for("admin")).get_json()["outbox"]
    assert outbox["totals"]["pending_due"] == 1
    assert outbox["oldest_due_seconds"] >= 600 and outbox["stuck"] is True


def test_retry_and_discard(client, users, token_for):
    job_id = failed_job()
    admin = token_for("admin")
    reply = client.post(f"/api/v1/admin/jobs/{job_id}/retry", headers=admin)
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["status"] == "PENDING" and reply.get_json()["max_attempts"] == 2
    assert status(job_id) == "PENDING"

    reply = client.post(f"/api/v1/admin/jobs/{job_id}/retry", headers=admin)
    assert reply.status_code == 409 and reply.get_json() == {"error": "conflict", "message": "只有失败或已丢弃的任务可以重试"}

    reply = client.post(f"/api/v1/admin/jobs/{job_id}/discard", headers=admin, json={"reason": "不再需要"})
    assert reply.status_code == 200 and reply.get_json()["status"] == "DISCARDED"
    assert status(job_id) == "DISCARDED"
    reply = client.post(f"/api/v1/admin/jobs/{job_id}/discard", headers=admin)
    assert reply.status_code == 409 and reply.get_json()["error"] == "conflict"
    reply = client.post(f"/api/v1/admin/jobs/{job_id}/retry", headers=admin)  # a discarded job comes back
    assert reply.status_code == 200 and status(job_id) == "PENDING"


def test_errors(client, users, token_for):
    job_id = failed_job()
    admin = token_for("admin")
    for path in (f"/admin/jobs/{uuid.uuid4()}/retry", "/admin/jobs/not-an-id/discard"):
        reply = client.post(f"/api/v1{path}", headers=admin)
        assert reply.status_code == 404 and reply.get_json() == {"error": "not_found", "message": "后台任务不存在"}
    reply = client.post(f"/api/v1/admin/jobs/{job_id}/retry", headers=admin, json={"reason": 5})
    assert reply.status_code == 422 and reply.get_json() == {"errors": {"reason": ["须为文本"]}}
    reply = client.post(f"/api/v1/admin/jobs/{job_id}/discard", headers=admin, json={"reason": "长" * 2001})
    assert reply.status_code == 422 and reply.get_json() == {"errors": {"reason": ["不超过 2000 字"]}}
    reply = client.post(f"/api/v1/admin/jobs/{job_id}/discard", headers=admin, json=["x"])
    assert reply.status_code == 422 and reply.get_json() == {"errors": {"_body": ["请求体须为 JSON 对象"]}}
    for user in ("pa", "f1"):  # reading is not acting; unknown ids are 403 too (no oracle)
        for path in (f"/admin/jobs/{job_id}/retry", f"/admin/jobs/{uuid.uuid4()}/discard"):
            reply = client.post(f"/api/v1{path}", headers=token_for(user))
            assert reply.status_code == 403 and reply.get_json()["error"] == "forbidden"
    assert status(job_id) == "FAILED"


def test_without_redis_the_database_side_still_answers(client, users, token_for, app):
    job_id = failed_job()
    with engine_config.override(redis_url="redis://127.0.0.1:1"):
        reply = client.get("/api/v1/admin/queue", headers=token_for("admin"))
        assert reply.status_code == 200
        body = reply.get_json()
        assert body["redis"]["available"] is False and body["redis"]["queues"] == [] and body["redis"]["error"]
        assert body["failed_jobs"]["items"][0]["id"] == str(job_id)


def test_documented_in_openapi(client, db):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/admin/queue"]) == {"get"}
    for action in ("retry", "discard"):
        operation = paths[f"/admin/jobs/{{id}}/{action}"]["post"]
        assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
