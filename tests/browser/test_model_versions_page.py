"""版本与迁移 in chromium (issue 13 point 4): the administrator previews the migration of running
instances from version 1 to version 2 (one maps, one refused when v3 dropped its step is not part
of it), starts the batch (confirm dialog), and the progress bar reaches done; the instance page's
移动到… dialog offers the steps by name. Screenshots at 1366 and 390 (PF_SHOTS=<dir> keeps them)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.definitions.deploy import deploy
from engine.dispatch import queue
from engine.moves.runtime import complete_task, start_process
from engine.work.inbox import todo
from tests.browser.pages import login
from tests.factories import EXAMPLE_MODEL, PASSWORD, expense, make_user
from tests.integration.test_versions import variant

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTHS = ((1366, 768), (390, 844))
KEY = "ex_two_step_approval"


def test_preview_migrate_and_follow_the_progress(db, live_server, page, tmp_path):
    deploy({EXAMPLE_MODEL.name: EXAMPLE_MODEL.read_bytes()}, "test")
    filer = make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("head", ("UNIT_HEAD", "UNIT", "D01-U01"))
    make_user("mv_admin", ("SYS_ADMIN", "ALL", None))
    db.session.commit()
    instances = []
    for _ in range(3):
        instances.append(start_process(KEY, filer))
        db.session.commit()
    first = todo(filer)[0]
    complete_task(first.id, filer, expense())
    db.session.commit()
    deploy({EXAMPLE_MODEL.name: variant(add_precheck=True)}, "mv_admin")
    db.session.commit()
    folder = Path(os.environ.get("PF_SHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(name: str) -> None:
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(folder / f"{name}_{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        page.set_viewport_size({"width": 1366, "height": 768})

    login(page, live_server, "mv_admin", PASSWORD)
    page.goto(f"{live_server}/admin/models/{KEY}/migrations")
    assert "启用中" in page.locator(".versions-table").inner_text()
    page.select_option("#m-from", "1")
    page.select_option("#m-to", "2")
    page.click("button:has-text('预览')")
    summary = page.locator(".migration-summary").inner_text()
    assert "3 个流程中 3 个可以迁移" in summary, summary
    preview = page.locator(".migration-preview").inner_text()
    assert "人工环节 “单位审核” → “单位审核”" in preview and "人工环节 “填写费用申请” → “填写费用申请”" in preview
    page.fill("#m-reason", "新增部门初审")
    shoot("migrations_preview")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.click("button:has-text('开始迁移')")
    page.wait_for_selector(".migration-run")
    assert asked and "第1版迁移到第2版" in asked[0]
    assert "正在迁移" in page.locator(".run-summary").inner_text()
    queue.drain()  # the worker
    page.wait_for_selector(".migration-run[data-status='DONE']", timeout=15000)  # the page polls itself
    assert "共 3 个实例，已迁移 3 个" in page.locator(".run-summary").inner_text()
    assert page.locator(".migration-run progress").get_attribute("value") == "3"
    assert "迁移实例（3 个流程）" in page.locator(".audit-table").inner_text()
    shoot("migrations_done")

    # the instance whose 填写 is done: at 单位审核, on version 2 now
    page.goto(f"{live_server}/instances/{first.instance_id}")
    page.click("#op-move summary")
    options = page.locator("#op-move select option").all_inner_texts()
    assert "填写费用申请" in options
    page.select_option("#op-move select", label="填写费用申请")
    page.fill("#op-move input[name=reason]", "金额需重填")
    shoot("instance_move")
    page.once("dialog", lambda d: d.accept())
    page.click("#op-move button:has-text('移动')")
    page.wait_for_selector("text=流程已移动")
    assert "填写费用申请" in page.locator("main").inner_text()
