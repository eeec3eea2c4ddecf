"""预警看板 and 双监控 in chromium over the §8.6 series: the filters narrow the table, a row leads to
the project page, the ECharts canvases are drawn with a size, no page scrolls sideways at 1366 and
390 px. Screenshots are kept under the test's tmp dir (and MONITORING_SHOTS if set) for a look."""
from __future__ import annotations

import os
import shutil

import pytest

from tests.browser.pages import login

pytestmark = pytest.mark.browser
PASSWORD = "demo-pass"
CANVAS_SIZE = "el => { const c = el.querySelector('canvas'); return c ? [c.width, c.height] : [0, 0]; }"


@pytest.fixture()
def year_2025(db):
    from budget.demo import load_demo
    from tests.monitoring_series import write_series

    load_demo(PASSWORD)
    write_series()
    db.session.commit()


def _canvas(page, selector: str) -> list[int]:  # noqa: ANN001
    chart = page.locator(selector)
    chart.wait_for()
    page.wait_for_function(f"document.querySelector('{selector} canvas') !== null")
    return chart.evaluate(CANVAS_SIZE)


def test_warning_board_filters_row_and_chart(live_server, page, year_2025):
    login(page, live_server, "perf.1", PASSWORD)
    page.goto(f"{live_server}/monitoring/warnings")
    assert page.locator("h1").inner_text().endswith("2025 年 9 月（截至月末）")
    assert page.locator("tr.warning-row").count() == 5
    width, height = _canvas(page, ".chart-small")
    assert width > 100 and height > 100
    page.select_option("select[name=level]", "RED")
    page.click("form.filters button")
    page.wait_for_url("**level=RED**")
    assert page.locator("tr.warning-row").count() == 1
    row = page.locator("tr.warning-row").first
    text = row.inner_text()
    assert "重点监控" in text and ("待响应" in text or "逾期未响应" in text)
    assert row.locator("svg.sparkline polyline.spark-exec").get_attribute("points").count(",") == 9
    page.select_option("select[name=level]", "")
    page.select_option("select[name=dept]", "D04")
    page.select_option("select[name=month]", "7")
    page.click("form.filters button")
    page.wait_for_url("**dept=D04**")
    assert sorted(page.locator("tr.warning-row").evaluate_all("rs => rs.map(r => r.dataset.project)")) == \
        ["P-D04-001", "P-D04-002"]
    page.locator("tr.warning-row[data-project=P-D04-001] td.project a").click()
    page.wait_for_url("**/projects/P-D04-001")
    assert "高标准农田建设" in page.locator("h1").inner_text()


def test_monitoring_pages_fit_and_draw(live_server, browser, year_2025, tmp_path):
    keep = os.environ.get("MONITORING_SHOTS")
    visits = [("perf.1", "board", "/monitoring/warnings"), ("dept.d04", "board_dept", "/monitoring/warnings"),
              ("perf.1", "double", "/monitoring/double?year=2025&dept=D08"),
              ("dept.d04", "double_dept", "/monitoring/double?year=2025&project=P-D04-001")]
    for width, height in ((1366, 768), (390, 844)):
        for who, name, path in visits:
            context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
            page = context.new_page()
            try:
                login(page, live_server, who, PASSWORD)
                page.goto(live_server + path)
                for chart in page.locator(".chart[data-chart]").all():
                    chart.locator("canvas").wait_for()
                    w, h = chart.evaluate(CANVAS_SIZE)
                    assert w > 100 and h > 100, (name, width)
                shot = tmp_path / f"{name}_{width}.png"
                page.screenshot(path=str(shot), full_page=True)
                if keep:
                    os.makedirs(keep, exist_ok=True)
                    shutil.copy(shot, keep)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            finally:
                context.close()
