"""The dmn-js decision-table editor (issue 13 point 3.5): its own bundle, loaded only on its page,
opens DT-06 under the CSP without a console error, a cell edited by keyboard is saved as a draft the
server checked, and the annotations column shows the rows' Chinese. Screenshots at 1366/390."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.base.decision_models import DecisionTableVersion
from engine.definitions.deploy import deploy_folder
from engine.work.rule_tables import grid
from tests.browser.pages import login

pytestmark = pytest.mark.browser
PASSWORD = "demo-pass"
ROOT = Path(__file__).resolve().parents[2]


def test_dmn_editor_edits_a_cell_into_a_draft(live_server, browser, db, tmp_path):
    from budget.demo import load_demo

    load_demo(PASSWORD)
    deploy_folder(ROOT / "workflows")
    db.session.commit()
    shots = Path(os.environ.get("RULES_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    url = live_server + "/admin/rules/tables/dt_06_monitoring_warning/editor"
    for width, height in ((1366, 768), (390, 844)):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m, seen=problems: seen.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, seen=problems: seen.append(str(e)))
        try:
            login(page, live_server, "admin", PASSWORD)
            page.goto(url)
            page.wait_for_selector("#dmn-editor[data-ready='1']")
            assert page.locator(".tjs-table").count() == 1
            assert "执行率 {exec_rate}% 慢于时间进度 {lag_pp} 个百分点（30 个百分点及以上）→ 红色预警" in \
                page.locator(".tjs-table").inner_text()
            # the editor speaks Chinese (our translate module): no When/Then/Hit policy
            head = page.locator(".tjs-container").inner_text()
            assert "条件" in head and "结果" in head and "命中方式：" in head and "注释" in head, head[:300]
            for english in ("When", "Then", "Hit policy", "Annotations", "View DRD"):
                assert english not in page.locator("#dmn-editor").inner_text(), english
            page.screenshot(path=str(shots / f"dmn_editor_{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert problems == [], problems
        finally:
            context.close()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        login(page, live_server, "admin", PASSWORD)
        assert "dmn_editor.js" not in page.content()  # the bundle is the editor page's only
        page.goto(url)
        page.wait_for_selector("#dmn-editor[data-ready='1']")
        cell = page.locator("td[data-element-id='dt06_r4_in3']")
        cell.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("? >= 25")
        page.locator("h1").click()
        page.get_by_label("修改说明").fill("红色预警滞后阈值调为 25 个百分点")
        page.get_by_role("button", name="保存为草稿").click()
        page.wait_for_url("**/admin/rules/tables/dt_06_monitoring_warning?base=2*")
        assert "已保存为草稿第2版" in page.locator("main").inner_text()
    finally:
        context.close()
    db.session.expire_all()
    draft = db.session.scalar(select(DecisionTableVersion).where(
        DecisionTableVersion.decision_id == "dt_06_monitoring_warning", DecisionTableVersion.version == 2))
    assert draft.status == "DRAFT" and draft.note == "红色预警滞后阈值调为 25 个百分点"
    cells = {entry: text for rule in grid(draft.content).rules for entry, text in rule.inputs}
    assert cells["dt06_r4_in3"] == "? >= 25" and cells["dt06_r7_in3"] == "? >= 15"
