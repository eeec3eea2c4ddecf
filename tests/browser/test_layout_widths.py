"""Every page a clerk works in fits the window (issue 10, point 8): 待办, the filer's F-01 with its
indicator grid, the filer's F-02 (F-01/F-04 as read-only context, editable grids), the officer's
F-02 in review mode (the filer's tables read-only), the instance page and the supervision pages,
at 1366×768 and at 390×844. No page scrolls sideways (wide grids
scroll inside themselves), read-only context holds no input, the grid's selects are not cut off.
Screenshots are saved under the test's tmp dir for a human look."""
from __future__ import annotations

import pytest

from tests.browser.pages import login

pytestmark = pytest.mark.browser
PASSWORD = "demo-pass"
WIDTHS = ((1366, 768), (390, 844))
NO_INPUTS = ("document.querySelectorAll('section.context :is(input, select, textarea),"
             " .field.readonly :is(input, select, textarea)').length")


def test_pages_fit_1366_and_390_and_read_only_is_text(live_server, browser, db, tmp_path):
    from budget.demo import load_demo
    from tests.integration.p1_driver import Flow, deploy_p1, dept_exante_form

    load_demo(PASSWORD)
    deploy_p1()
    exante = Flow("P-D05-001")
    exante.intake()  # → ut_p1_dept_exante for filer.d05u02, F-01/F-04 as context
    f02 = exante.task(exante.filer.username, "ut_p1_dept_exante").id
    fresh = Flow("P-D05-002", unit="D05-U02", year=None)  # the same filer's empty F-01/F-04
    f01 = fresh.task(fresh.filer.username, "ut_p1_fill").id
    reviewed = Flow("P-D05-002")
    reviewed.intake()
    reviewed.do(reviewed.filer.username, "ut_p1_dept_exante", dept_exante_form("P-D05-002", 299))
    review = reviewed.task(reviewed.officer, "ut_p1_dept_exante_confirm").id
    pages = {exante.filer.username: [("todo", "/todo"), ("f01", f"/tasks/{f01}"), ("f02", f"/tasks/{f02}"),
                                     ("instance", f"/instances/{exante.instance.id}")],
             reviewed.officer: [("review", f"/tasks/{review}")],
             "perf.1": [("supervision", "/supervision/instances"), ("projects", "/supervision/projects")]}
    for width, height in WIDTHS:
        for who, visits in pages.items():
            context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
            page = context.new_page()
            try:
                login(page, live_server, who, PASSWORD)
                for name, path in visits:
                    page.goto(live_server + path)
                    page.screenshot(path=str(tmp_path / f"{name}_{width}.png"), full_page=True)
                    assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
                    assert page.evaluate(NO_INPUTS) == 0, (name, width)
                    if name == "f02":  # the indicator grid is context here: a plain table that scrolls
                        grid = page.locator("section.context .table-responsive table.grid").filter(has_text="一级指标")
                        assert grid.count() == 1 and grid.locator("input, select").count() == 0
                        assert page.locator("fieldset.repeat[data-path=annual_need] .add-row").is_visible()
                    if name == "review":  # F-02 as the officer sees it: the filer's tables are text
                        need = page.locator(".field.readonly-list").filter(has_text="分年度支出需求")
                        assert need.locator("table.grid td").count() >= 2
                        assert page.locator("fieldset.repeat").count() == 0
                    if name == "f01":  # the editable grid: every select wide enough for its label
                        page.click("fieldset.repeat[data-path=indicators] .add-row")
                        widths = page.locator("fieldset.repeat[data-path=indicators] select").evaluate_all(
                            "els => els.map(e => e.getBoundingClientRect().width)")
                        assert widths and min(widths) >= 100, widths
                        assert page.evaluate("document.documentElement.scrollWidth") <= width
            finally:
                context.close()
