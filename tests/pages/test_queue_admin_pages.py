"""任务队列 (/admin/queue): administrators see queue depth, failed jobs with their error, 重试 and
丢弃, timers with their due time and kept messages; the page still answers without Redis."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.base import config as engine_config
from engine.base.db import db as _db
from engine.base.db import utcnow
from engine.base.models import AuditEvent, Message, Outbox, Timer
from engine.dispatch import queue
from tests.factories import make_user
from tests.pages.conftest import PersonClient
from web.labels import QUEUES as QUEUE_NAMES


@queue.job("test.always_fails", max_attempts=1)
def _always_fails(payload: dict) -> None:
    raise RuntimeError(f"模拟的失败：外部系统无响应 {payload.get('n')}\n第二行细节")


@queue.job("test.fails_thrice", max_attempts=3)
def _fails_thrice(payload: dict) -> None:
    raise RuntimeError("模拟的失败：稍后再试")


def failed_job(instance_id: str | None = None, n: int = 1) -> Outbox:
    job_id = queue.enqueue("test.always_fails", {"n": n}, instance_id=uuid.UUID(instance_id) if instance_id else None)
    _db.session.commit()
    queue.drain()
    return row(job_id)


def row(job_id: uuid.UUID) -> Outbox:
    _db.session.expire_all()
    return _db.session.get(Outbox, job_id)


@pytest.fixture()
def redis_down(app):
    """The engine's Redis points at a closed port for the test; the setting comes back after."""
    with engine_config.override(redis_url="redis://127.0.0.1:1"):
        yield


def test_a_failed_job_shows_with_its_error_and_the_queues(submitted, login):
    instance_id, _filer = submitted()
    job = failed_job(instance_id)
    assert job.status == "FAILED" and job.attempts == 1
    page = login("admin").get("/admin/queue").get_data(as_text=True)
    assert "任务队列" in page and 'href="/admin/queue"' in page  # the nav link
    assert "队列概况" in page and "队列服务正常" in page
    for name in queue.QUEUES:  # by name (web/labels.py): 常规, 定时器, 通知
        assert f"<td>{QUEUE_NAMES['zh'][name]}</td>" in page
    assert "失败任务（1）" in page and "test.always_fails" in page
    assert "RuntimeError: 模拟的失败：外部系统无响应 1</summary>" in page  # the first line …
    assert "第二行细节" in page and "Traceback" in page  # … and the full text, expandable
    assert f'href="/instances/{instance_id}"' in page
    assert f'action="/admin/queue/jobs/{job.id}/retry"' in page and f'action="/admin/queue/jobs/{job.id}/discard"' in page


def test_retry_makes_it_pending_again_and_discard_gives_it_up(submitted, login):
    instance_id, _filer = submitted()
    job = failed_job(instance_id)
    admin = login("admin")

    reply = admin.post(f"/admin/queue/jobs/{job.id}/retry", follow_redirects=True)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "已重新排队：test.always_fails" in page
    again = row(job.id)
    assert again.status == "PENDING" and again.max_attempts == 2 and again.available_at <= utcnow()
    assert "重试中（1）" in page and "失败任务（0）" in page

    reply = admin.post(f"/admin/queue/jobs/{job.id}/retry", follow_redirects=True)
    assert "重试未成功：只有失败或已丢弃的任务可以重试" in reply.get_data(as_text=True)

    queue.drain()  # the fresh attempt fails too: FAILED again, two attempts counted
    assert row(job.id).status == "FAILED" and row(job.id).attempts == 2

    reply = admin.post(f"/admin/queue/jobs/{job.id}/discard", data={"reason": "外部系统已下线"}, follow_redirects=True)
    page = reply.get_data(as_text=True)
    assert "已丢弃：test.always_fails" in page and "失败任务（0）" in page
    assert row(job.id).status == "DISCARDED"
    audit = _db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(("job_retry", "job_discard")))
                                .order_by(AuditEvent.id)).all()
    assert [(a.action, a.actor, str(a.instance_id)) for a in audit] == [
        ("job_retry", "admin", instance_id), ("job_discard", "admin", instance_id)]
    assert audit[1].comment == "外部系统已下线"

    reply = admin.post(f"/admin/queue/jobs/{job.id}/discard", follow_redirects=True)
    assert "丢弃未成功：" in reply.get_data(as_text=True) and row(job.id).status == "DISCARDED"
    reply = admin.post(f"/admin/queue/jobs/{uuid.uuid4()}/retry", follow_redirects=True)
    assert "重试未成功：后台任务不存在" in reply.get_data(as_text=True)
    reply = admin.post("/admin/queue/jobs/not-an-id/discard", follow_redirects=True)
    assert "丢弃未成功：编号无效" in reply.get_data(as_text=True)


def test_a_retrying_job_shows_its_next_attempt(people, login):
    job_id = queue.enqueue("test.fails_thrice", {"n": 2})
    _db.session.commit()
    queue.drain()
    job = row(job_id)
    assert job.status == "PENDING" and job.attempts == 1 and job.available_at > utcnow()
    page = login("admin").get("/admin/queue").get_data(as_text=True)
    assert "重试中（1）" in page and "1 / 3" in page and "模拟的失败" in page
    assert f'action="/admin/queue/jobs/{job_id}/discard"' in page
    assert f'action="/admin/queue/jobs/{job_id}/retry"' not in page  # PENDING: not retried by hand


def test_timers_show_their_due_time_in_beijing_and_overdue_ones_are_counted(submitted, login):
    instance_id, _filer = submitted()
    _db.session.add(Timer(process_key="p_monthly", task_name="start_tm_monthly", event_type="CycleTimerEventDefinition",
                          due_at=datetime(2030, 1, 2, 1, 30, tzinfo=UTC)))
    _db.session.add(Timer(instance_id=uuid.UUID(instance_id), task_id=uuid.uuid4(), task_name="tm_remind",
                          event_type="DurationTimerEventDefinition", due_at=utcnow() - timedelta(hours=2)))
    _db.session.add(Timer(process_key="p_old", task_name="start_old", event_type="TimeDateEventDefinition",
                          due_at=utcnow(), status="FIRED"))
    _db.session.commit()
    page = login("admin").get("/admin/queue").get_data(as_text=True)
    assert "2030-01-02 09:30:00" in page  # 01:30 UTC is 09:30 in Asia/Shanghai
    assert "定时发起 p_monthly" in page and "start_tm_monthly" in page and "循环" in page
    assert "tm_remind" in page and "已过期未触发" in page and f'href="/instances/{instance_id}"' in page
    assert "有 1 个定时器已过到期时间却仍未触发" in page and "调度器（scheduler）可能没有运行" in page
    assert "start_old" not in page  # fired timers are history
    assert page.index("tm_remind") < page.index("start_tm_monthly")  # by due time


def test_waiting_and_expired_messages(people, login):
    now = utcnow()
    _db.session.add(Message(name="msg_project_ready", payload={"project_id": "P-D01-007"}, status="WAITING",
                            created_at=now, expires_at=now + timedelta(days=30)))
    _db.session.add(Message(name="msg_too_late", payload={"n": 1}, status="EXPIRED",
                            created_at=now - timedelta(days=31), expires_at=now - timedelta(days=1)))
    _db.session.add(Message(name="msg_taken", payload={}, status="DELIVERED", created_at=now))
    _db.session.commit()
    page = login("admin").get("/admin/queue").get_data(as_text=True)
    assert "等待接收（1）" in page and "msg_project_ready" in page and "P-D01-007" in page
    assert "已过期（1）" in page and "msg_too_late" in page
    assert "msg_taken" not in page


def test_the_page_answers_without_redis(submitted, login, redis_down):
    instance_id, _filer = submitted()
    job = failed_job(instance_id)
    admin = login("admin")
    reply = admin.get("/admin/queue")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "队列服务不可用" in page
    assert "失败任务（1）" in page and "test.always_fails" in page  # the database side still shows
    reply = admin.post(f"/admin/queue/jobs/{job.id}/retry", follow_redirects=True)
    assert reply.status_code == 200 and "已重新排队" in reply.get_data(as_text=True)
    assert row(job.id).status == "PENDING"  # kept for the sweeper


def test_others_are_kept_out_and_process_admins_only_read(app, submitted, login):
    instance_id, _filer = submitted()
    job = failed_job(instance_id)
    anonymous = PersonClient(app, app.response_class, use_cookies=True)
    assert anonymous.get("/admin/queue").status_code == 302  # to the login page
    filer = login("f1")
    assert filer.get("/admin/queue").status_code == 403
    assert filer.post(f"/admin/queue/jobs/{job.id}/retry").status_code == 403
    assert 'href="/admin/queue"' not in filer.get("/todo").get_data(as_text=True)

    make_user("pa", ("PROCESS_ADMIN", "ALL", None), name="流程管理员")
    _db.session.commit()
    reader = login("pa")
    page = reader.get("/admin/queue").get_data(as_text=True)
    assert "test.always_fails" in page and 'href="/admin/queue"' in page
    assert "重试和丢弃由系统管理员操作" in page and "/retry" not in page
    assert reader.post(f"/admin/queue/jobs/{job.id}/retry").status_code == 403
    assert reader.post(f"/admin/queue/jobs/{job.id}/discard").status_code == 403
    assert row(job.id).status == "FAILED"
