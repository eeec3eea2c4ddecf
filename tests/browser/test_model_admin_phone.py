"""The model's versions page and 版本与迁移 (versions, the migration preview, a run's refusals, the
model audit) read on a phone (390 px): every table stacks its rows — each cell under its column's
name — so none scrolls sideways inside its box; at 1366 they stay tables. Screenshots at 1366×768
and 390×844 (PF_SHOTS=<dir> keeps them)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.definitions.deploy import deploy
from engine.dispatch import queue
from engine.moves import migration, versions
from engine.moves.runtime import complete_task, start_process
from engine.work.inbox import todo
from tests.browser.pages import login
from tests.factories import EXAMPLE_MODEL, PASSWORD, expense, make_user
from tests.integration.test_versions import variant

pytestmark = [pytest.mark.browser, pytest.mark.slow]
KEY = "ex_two_step_approval"
# Each table's own box (the .table-responsive around it) must not be wider inside than outside.
SIDEWAYS = ("() => [...document.querySelectorAll('main table')].filter(t => {"
            " const box = t.closest('.table-responsive') || t.parentElement;"
            " return box.scrollWidth > box.clientWidth + 1 || t.getBoundingClientRect().right > innerWidth + 1; })"
            ".map(t => t.className)")


def test_versions_and_migrations_stack_on_a_phone(db, browser, live_server, tmp_path):
    deploy({EXAMPLE_MODEL.name: EXAMPLE_MODEL.read_bytes()}, "test")
    filer = make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("head", ("UNIT_HEAD", "UNIT", "D01-U01"))
    admin = make_user("ph_admin", ("SYS_ADMIN", "ALL", None), name="模型管理员")
    db.session.commit()
    for _ in range(2):
        start_process(KEY, filer)
        db.session.commit()
    first = todo(filer)[0]
    complete_task(first.id, filer, expense())  # one at 单位审核, one at 填写
    db.session.commit()
    deploy({EXAMPLE_MODEL.name: variant(add_precheck=True)}, "ph_admin")
    deploy({EXAMPLE_MODEL.name: variant(drop_approve=True)}, "ph_admin")  # v3 drops 单位审核
    db.session.commit()
    versions.activate(KEY, 2, admin, "第3版删除了单位审核，先回到第2版，等各单位确认后再启用新的审批流程")
    run = migration.start_run(KEY, 1, 3, admin, "试迁移到第3版")
    db.session.commit()
    queue.drain()  # the one at 单位审核 cannot go to v3: a refusal on the run
    folder = Path(os.environ.get("PF_SHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    visits = [("model_versions", f"/admin/models/{KEY}/versions"),
              ("model_migrations", f"/admin/models/{KEY}/migrations?from=1&to=3&run={run.id}")]
    for width, height in ((1366, 768), (390, 844)):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        try:
            login(page, live_server, "ph_admin", PASSWORD)
            for name, path in visits:
                page.goto(live_server + path)
                page.screenshot(path=str(folder / f"{name}_{width}.png"), full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
                assert page.evaluate(SIDEWAYS) == [], (name, width)
                heads = page.locator("main table thead").first
                assert heads.is_visible() is (width > 575), (name, width)  # a phone reads labels per cell
            page.goto(live_server + visits[1][1])
            assert page.locator(".migration-preview tr.table-danger").count() == 1
            assert "单位审核" in page.locator(".run-failures").inner_text()
            assert "切换启用版本" in page.locator(".audit-table").inner_text()
            if width == 390:
                cell = page.locator(".audit-table td[data-label='原因']", has_text="第3版删除了单位审核")
                assert cell.is_visible() and cell.bounding_box()["width"] <= width
        finally:
            context.close()
