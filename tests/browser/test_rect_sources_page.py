"""整改来源登记 in chromium (issue 12 point 2): the performance division picks the project by its
name in the searchable picker, fills a finding, sees the Chinese errors of a short description,
then registers once; the page and the audit observer's shorter one fit 1366 and 390 px."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.pages import login

pytestmark = pytest.mark.browser
PASSWORD = "demo-pass"
SHOTS = Path(os.environ.get("RECT_SHOTS", "/tmp/rect-sources-shots"))


def test_perf_registers_findings_picking_the_project_by_name(live_server, browser, db):
    from budget.demo import load_demo
    from budget.models import Project, RectificationSource

    load_demo(PASSWORD)
    project = db.session.scalars(select(Project).where(Project.code == "P-D04-002")).one()
    year = min(y.fiscal_year for y in project.years)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        login(page, live_server, "perf.1", PASSWORD)
        page.goto(live_server + "/rectification-sources")
        page.locator("#project_id + .ts-wrapper .ts-control").click()
        page.keyboard.type(project.name[:4])
        page.locator(".ts-dropdown .option").filter(has_text=project.name).first.click()
        page.select_option("#source_type", "FISCAL_KEY_EVAL")
        page.fill("#eval_year", str(year))
        page.fill("#score", "72")
        page.fill("#f0d", "短")
        page.fill("#f0c", "目标管理")
        page.click("button:has-text('登记并启动整改')")
        assert page.locator("[data-for='findings.0.description']").inner_text() == "请填写问题描述（至少 5 字）"
        page.fill("#f0d", "绩效目标设置不够细化，产出指标缺少量化标准")
        page.screenshot(path=str(SHOTS / "perf_1366.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        with page.expect_navigation():  # the reply's page, not the form still showing under load
            page.click("button:has-text('登记并启动整改')")
        assert "已登记：" in page.locator("body").inner_text()  # the flash
        assert page.locator("[data-for^='findings.1']").count() == 0  # blank rows are no finding
        assert page.locator("li.source").filter(has_text=project.name).count() == 1
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        page.screenshot(path=str(SHOTS / "perf_390.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
    db.session.expire_all()
    (source,) = db.session.scalars(select(RectificationSource)).all()
    assert (source.source_type, source.grade, source.project_year_id) == ("FISCAL_KEY_EVAL", "中", project.year(year).id)
    for width, height in ((1366, 768), (390, 844)):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        try:
            login(page, live_server, "obs.audit", PASSWORD)
            page.goto(live_server + "/rectification-sources")
            assert page.locator("#score").count() == 0 and page.locator("h1").inner_text() == "登记审计发现"
            page.screenshot(path=str(SHOTS / f"audit_{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            context.close()
