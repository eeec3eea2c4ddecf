"""The instance page's 管理员干预 panel and opening a notification from the list (issue 10 points 12
and 14): administrators see the panel and its buttons act; others do not see it and their posts
are refused (403 in scope, 404 outside); a notice link marks read and lands on the task, or on the
instance once the task moved on."""
from __future__ import annotations

from sqlalchemy import select

from engine.base.db import db as _db
from engine.base.models import AuditEvent, Notification, ProcessInstance
from engine.moves.runtime import complete_task, start_process
from engine.work.inbox import todo
from tests.factories import expense


def submitted(people) -> tuple[str, str]:
    instance = start_process("ex_two_step_approval", people["f1"])
    _db.session.commit()
    complete_task(todo(people["f1"])[0].id, people["f1"], expense())
    _db.session.commit()
    return str(instance.id), str(todo(people["h1"])[0].id)


def test_admin_panel_only_for_administrators_and_its_posts_refused_to_others(people, login):
    instance, task = submitted(people)
    admin, head, outsider = login("admin"), login("h1"), login("x1")
    page = admin.get(f"/instances/{instance}").get_data(as_text=True)
    assert 'id="admin-panel"' in page and "暂停" in page and "终止原因" in page
    assert "负责人乙" in page.split('id="admin-panel"')[1]  # the reassign select offers names
    assert 'id="admin-panel"' not in head.get(f"/instances/{instance}").get_data(as_text=True)
    assert head.post(f"/instances/{instance}/admin/suspend", data={}).status_code == 403
    assert outsider.post(f"/instances/{instance}/admin/suspend", data={}).status_code == 404
    assert head.post(f"/instances/{instance}/reassign", data={"item_id": task, "to": "f1"}).status_code == 403
    _db.session.expire_all()
    assert _db.session.get(ProcessInstance, instance).status == "RUNNING"


def test_admin_buttons_act_and_show_in_the_timeline(people, login):
    instance, task = submitted(people)
    admin = login("admin")
    assert admin.post(f"/instances/{instance}/admin/suspend", data={"reason": "核查"}).status_code == 302
    page = admin.get(f"/instances/{instance}").get_data(as_text=True)
    assert "流程已暂停" in page and "已暂停" in page and ">恢复</button>" in page
    admin.post(f"/instances/{instance}/admin/resume", data={})
    refused = admin.post(f"/instances/{instance}/admin/terminate", data={"reason": ""}, follow_redirects=True)
    assert "请填写终止原因" in refused.get_data(as_text=True)
    admin.post(f"/instances/{instance}/admin/terminate", data={"reason": "项目撤销"})
    page = admin.get(f"/instances/{instance}").get_data(as_text=True)
    assert "已终止" in page and "项目撤销" in page
    kinds = _db.session.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == instance)).all()
    assert kinds[-3:] == ["suspend", "resume", "terminate"]


def test_a_notice_link_marks_read_and_lands_on_the_task_then_the_instance(people, login):
    instance, task = submitted(people)
    filer, head = login("f1"), login("h1")
    assert filer.post(f"/instances/{instance}/urge", data={"message": "请尽快"}).status_code == 302
    note = _db.session.scalar(select(Notification).where(Notification.username == "h1"))
    listing = head.get("/notifications").get_data(as_text=True)
    assert f"/notifications/{note.id}/open" in listing
    opened = head.get(f"/notifications/{note.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/tasks/{task}")
    _db.session.expire_all()
    assert _db.session.get(Notification, note.id).read_at is not None
    complete_task(todo(people["h1"])[0].id, people["h1"], {"verdict": "APPROVE"})
    _db.session.commit()
    later = head.get(f"/notifications/{note.id}/open")
    assert later.headers["Location"].endswith(f"/instances/{instance}")
    assert head.get(later.headers["Location"]).status_code == 200
    assert filer.get(f"/notifications/{note.id}/open").status_code == 404
