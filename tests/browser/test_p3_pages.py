"""P3's task pages as their people see them (F-09 edit with the cost block and its review, F-10
explain / corrective / review, F-11) and the project page's monitoring buttons, at 1366×768 and
390×844: names, not codes; nothing scrolls sideways; the read-only figures are text. A demo FY2025
year (P-D01-002, packs ALL) is driven by tests/integration/p3_driver.py up to each page. Screenshots
go to the test's tmp dir (P3_SHOTS=<dir> keeps them elsewhere for a human look)."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from tests.browser.pages import login

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from p1_driver import ALL  # noqa: E402
from p3_driver import P3Flow, deploy_p1_p2_p3, start_demo_year  # noqa: E402

pytestmark = pytest.mark.browser
PASSWORD = "demo-pass"
WIDTHS = ((1366, 768), (390, 844))
CODES = re.compile(r"\b(?:ut|st|gw|tm)_p3_\w+|\b(?:UNIT_FILER|DEPT_OFFICER|FIN_FUND|LAG_\d+|REQUIRE_\w+|PAYMENT_HOLD|"
                   r"TARGET_ADJUST|EXPLAINED|CORRECTIVE_PLAN|YELLOW|RED|GREEN|CERTAIN|POSSIBLE|OUT_COST|D01-U01)\b")


def test_p3_task_pages_fit_and_speak_chinese(live_server, browser, db, tmp_path):
    from budget.demo import load_demo

    load_demo(PASSWORD)
    deploy_p1_p2_p3()
    start_demo_year("P-D01-002", 2025, ALL)
    p = P3Flow(code="P-D01-002", people=("filer.d01u01", "dept.d01", "fund.edu"))
    shots = Path(os.environ.get("P3_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)

    def look(who: str, name: str, path: str) -> None:
        for width, height in WIDTHS:
            context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
            page = context.new_page()
            try:
                login(page, live_server, who, PASSWORD)
                page.goto(live_server + path)
                page.screenshot(path=str(shots / f"{name}_{width}.png"), full_page=True)
                page.screenshot(path=str(shots / f"{name}_{width}_top.png"))
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
                text = page.locator("main").inner_text()
                assert not CODES.findall(text), (name, CODES.findall(text))
                if name == "f10_corrective":  # the measures grid fits: on a phone its rows stack
                    page.click("fieldset.repeat[data-path=measures] .add-row")
                    box = page.locator("fieldset.repeat[data-path=measures] .table-responsive")
                    assert box.evaluate("e => e.scrollWidth <= e.clientWidth"), width
                    page.screenshot(path=str(shots / f"{name}_{width}_row.png"), full_page=True)
            finally:
                context.close()

    def task(who: str, name: str) -> str:
        return f"/tasks/{p.task(who, name).id}"

    for month, paid in ((1, 65), (2, 130), (3, 195)):
        p.run_month(month, paid)
    p.run_month(4, 650)  # 10 % against 33 %: YELLOW
    look(p.filer, "f10_explain", task(p.filer, "ut_p3_unit_explain"))
    p.explain()
    look(p.officer, "f10_review", task(p.officer, "ut_p3_dept_confirm"))
    p.confirm()
    p.run_month(5)  # RED
    look(p.filer, "f10_corrective", task(p.filer, "ut_p3_unit_corrective"))
    p.corrective()
    p.confirm(ok=False)
    look(p.fund, "f11", task(p.fund, "ut_p3_fund_followup"))
    p.do(p.fund, "ut_p3_fund_followup", {"decision": "WATCH", "reason": "单位已制定纠偏措施，继续跟踪下月执行进度。"})
    p.run_month(6, 2600)
    p.report()
    p.run_month(7, 3250)  # report and cost month
    look(p.filer, "f09_edit", task(p.filer, "ut_p3_unit_report"))
    p.report_only(unit_cost=42)
    look(p.officer, "f09_review", task(p.officer, "ut_p3_dept_check"))
    shown = p.form(p.officer, "ut_p3_dept_check")  # the department reads the names beside the answers
    assert [r["name"] for r in shown["cost_tracking"]] == ["单位综合成本"] and str(shown["lag_pp"]) == "8.33"
    assert shown["indicator_progress"][0]["name"] == "年度任务完成数量"
    look(p.filer, "project_unit", "/projects/P-D01-002")
    look(p.officer, "project_dept", "/projects/P-D01-002")
