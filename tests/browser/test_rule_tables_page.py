"""决策表与规则 in a real browser (issue 13 point 6): the administrator changes DT-06's RED lag from
30 to 25 pp in the cell editor (a bad cell first: a Chinese error on it), saves a draft, and sees the
what-if list — the stored P3 decision that turns YELLOW → RED — before activating; the instance page
answers "why" under 自动决策. Screenshots at 1366 and 390 (RULES_SHOTS=<dir> keeps them)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.browser.pages import login

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from p1_driver import CORE, set_packs  # noqa: E402
from p3_driver import P3Flow, deploy_p1_p2_p3, small_through_p2  # noqa: E402

pytestmark = pytest.mark.browser
PASSWORD = "demo-pass"
WIDTHS = ((1366, 768), (390, 844))


def test_draft_threshold_shows_what_if_before_activation(live_server, browser, db, tmp_path):
    from budget.demo import load_demo

    load_demo(PASSWORD)
    deploy_p1_p2_p3()
    set_packs(CORE)
    p = P3Flow(small_through_p2())
    for month in range(1, 4):
        p.run_month(month, 5 * month)
    p.run_month(4, 20)  # lag 25.64 pp: YELLOW today, RED under a 25 pp threshold
    instance_path = f"/instances/{p.instance.id}"
    shots = Path(os.environ.get("RULES_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str, width: int) -> None:
        page.screenshot(path=str(shots / f"{name}_{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        login(page, live_server, "admin", PASSWORD)
        page.goto(live_server + "/admin/rules")
        page.get_by_role("row", name="DT-06 监控预警 第1版").get_by_role("link", name="查看与编辑").click()
        cell = page.get_by_label("第4行 滞后百分点")
        assert cell.input_value() == "? >= 30"
        cell.fill("? >= >= 25")
        page.get_by_role("button", name="保存为草稿").click()
        assert "第 4 行“滞后百分点”列：表达式语法错误（第 6 列附近）" in page.locator("#editor").inner_text()
        page.get_by_label("第4行 滞后百分点").fill("? >= 25")
        page.locator("input[name='desc:dt06_r4']").fill(
            "执行率 {exec_rate}% 慢于时间进度 {lag_pp} 个百分点（25 个百分点及以上）→ 红色预警")
        page.get_by_label("修改说明").fill("红色预警滞后阈值调为 25 个百分点")
        page.get_by_role("button", name="保存为草稿").click()
        assert "已保存为草稿第2版" in page.locator("main").inner_text()
        page.get_by_role("row", name="第2版").get_by_role("button", name="试算").click()
        summary = page.locator(".what-if-summary").inner_text()
        assert "重算了现行版本作出的 4 次决策" in summary and "1 次结论会改变" in summary
        rows = page.locator(".what-if-list tbody tr")
        assert rows.count() == 1
        assert p.instance.title in rows.first.inner_text()
        # what changes, in the words a person reads: labels and values in Chinese, rows by number
        changed = rows.first.inner_text()
        assert "预警等级：黄色预警 → 红色预警" in changed and "第7行 → 第4行" in changed, changed
        assert "原因：执行进度滞后≥15个百分点 → 执行进度滞后≥30个百分点" in changed, changed
        shown = page.locator("main").inner_text()
        for code in ("YELLOW", "LAG_", "dt06_r", "lag_pp", "warn_start_month 预警"):
            assert code not in shown, code
        assert page.get_by_role("button", name="启用第2版").is_visible()  # not active before the admin says so
        what_if_url = page.url
    finally:
        context.close()

    for width, height in WIDTHS:
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        try:
            login(page, live_server, "admin", PASSWORD)
            page.goto(live_server + "/admin/rules")
            shoot(page, "rules_index", width)
            page.goto(live_server + "/admin/rules/tables/dt_06_monitoring_warning?base=2")
            shoot(page, "rule_table", width)
            page.get_by_role("row", name="第2版").get_by_role("button", name="试算").click()
            assert page.locator(".what-if-list tbody tr").count() == 1
            shoot(page, "what_if", width)
            page.goto(live_server + instance_path)
            why = page.locator("#decisions").inner_text()
            assert "DT-06 监控预警 第7行命中：执行率 7.69% 慢于时间进度 25.64 个百分点" in why
            shoot(page, "instance_decisions", width)
        finally:
            context.close()
    assert what_if_url
