"""After the inline scripts moved to static/app.js under a CSP without 'unsafe-inline': the 丢弃
confirm dialog of the queue page still asks (dismiss keeps the job, accept discards it), the
repeating-group rows still add and remove, and chromium reports no CSP violation."""
from __future__ import annotations

import uuid

import pytest

from engine.base.db import db as _db
from engine.base.models import Outbox
from engine.dispatch import queue
from tests.browser.pages import login
from tests.factories import PASSWORD, deploy_example, make_user

pytestmark = pytest.mark.browser


@queue.job("test.browser_fails", max_attempts=1)
def _fails(payload: dict) -> None:
    raise RuntimeError("模拟的失败")


def _status(job_id: uuid.UUID) -> str:
    _db.session.expire_all()
    return _db.session.get(Outbox, job_id).status


def test_confirm_dialog_rows_and_no_csp_violation(live_server, page, db):
    deploy_example()
    make_user("root", ("SYS_ADMIN", "ALL", None), name="管理员")
    make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"), name="经办人甲")
    db.session.commit()
    job_id = queue.enqueue("test.browser_fails", {})
    db.session.commit()
    queue.drain()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    login(page, live_server, "root", PASSWORD)
    page.goto(f"{live_server}/admin/queue")
    form = f"form[action$='/jobs/{job_id}/discard']"
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.click(f"{form} button")
    page.wait_for_timeout(300)
    assert asked == ["丢弃后该任务不再执行，确定吗？"] and _status(job_id) == "FAILED"
    page.once("dialog", lambda d: d.accept())
    page.click(f"{form} button")
    page.wait_for_load_state()
    page.wait_for_timeout(300)
    assert _status(job_id) == "DISCARDED"

    page.context.clear_cookies()
    login(page, live_server, "f1", PASSWORD)
    page.click("text=新建：费用申请（示例）")
    page.wait_for_selector("h1:has-text('填写费用申请')")
    rows = "fieldset.repeat tbody tr"
    before = page.locator(rows).count()
    page.click("fieldset.repeat .add-row")
    page.click("fieldset.repeat .add-row")
    assert page.locator(rows).count() == before + 2
    page.locator(f"{rows} .remove-row").first.click()
    assert page.locator(rows).count() == before + 1
    names = page.locator(f"{rows} input[name^='items.']").evaluate_all("els => els.map(e => e.name)")
    assert all(n.startswith(f"items.{i}.") for i, n in
               ((int(n.split(".")[1]), n) for n in names)) and {int(n.split(".")[1]) for n in names} == set(
        range(before + 1))
    assert violations == []
