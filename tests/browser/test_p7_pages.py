"""P7's forms as people see them (F-21 notice, F-22 plan, F-23 report, F-24 schedule / desk /
on-site) and the project page's 整改事项 section, at 1366×768 and 390×844: no page scrolls sideways,
each form shows its grid. Screenshots are saved under the test's tmp dir (and $P7_SHOTS when set)
for a human look."""
from __future__ import annotations

import os
import shutil
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.browser.pages import login

pytestmark = pytest.mark.browser
PASSWORD = "demo-pass"
WIDTHS = ((1366, 768), (390, 844))


def test_p7_forms_and_project_section_fit(live_server, browser, db, tmp_path):
    from budget.demo import load_demo
    from tests.integration.p7_driver import CODE, FILER, PERF, P7Flow, at, deploy_p7

    load_demo(PASSWORD)
    deploy_p7()
    shots = os.environ.get("P7_SHOTS")

    def look(who: str, name: str, path: str, text: str) -> None:
        for width, height in WIDTHS:
            context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
            page = context.new_page()
            try:
                login(page, live_server, who, PASSWORD)
                page.goto(live_server + path)
                file = tmp_path / f"{name}_{width}.png"
                page.screenshot(path=str(file), full_page=True)
                if name == "project":  # the page is long: the section on its own too
                    part = tmp_path / f"project_rectification_{width}.png"
                    page.locator("table.project-rectification").screenshot(path=str(part))
                    if shots:
                        shutil.copy(part, shots)
                if shots:
                    shutil.copy(file, shots)
                assert page.get_by_text(text).count() >= 1, (name, width)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            finally:
                context.close()

    desk = P7Flow("AUDIT", n_findings=3)
    look(PERF, "f21_notice", f"/tasks/{desk.task(PERF, 'ut_p7_notice').id}", "问题清单")
    desk.notice()
    look(FILER, "f22_plan", f"/tasks/{desk.task(FILER, 'ut_p7_plan').id}", "逐项整改计划")
    desk.plan()
    look(FILER, "f23_report", f"/tasks/{desk.task(FILER, 'ut_p7_report').id}", "逐项整改情况")
    desk.report(review=None)
    desk.case().random_draw = Decimal("0.5")
    db.session.commit()
    desk.review("ut_p7_report_review")
    look(PERF, "f24_desk", f"/tasks/{desk.task(PERF, 'ut_p7_desk_verify').id}", "对标销号")
    onsite = P7Flow("FISCAL_KEY_EVAL", grade="中", n_findings=2)
    onsite.notice()
    onsite.plan()
    onsite.report()
    look(PERF, "f24_schedule", f"/tasks/{onsite.task(PERF, 'ut_p7_schedule').id}", "核查人员")
    planned = onsite.form(PERF, "ut_p7_schedule")["window_from"] + timedelta(days=7)
    onsite.do(PERF, "ut_p7_schedule", {"planned_date": planned, "checkers": ["perf.2", "center.1"]})
    onsite.tick_at(at(planned))
    look("perf.2", "f24_onsite", f"/tasks/{onsite.task('perf.2', 'ut_p7_onsite').id}", "对标销号")
    look(PERF, "project", f"/projects/{CODE}", "整改事项")
