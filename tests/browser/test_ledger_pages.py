"""The ledgers as their people see them: 逾期清单's 催办 clicked (confirmed, then the flash says whom
it reached and the row's count goes up), 工作台账 and 整改台账 at 1366×768 and 390×844 — names,
not codes, nothing wider than the window. Data: P-D01-002's FY2025 on the real engine
(tests/ledgers/conftest.py) and a rectification case written through the models. Screenshots go
to the test's tmp dir (LEDGER_SHOTS=<dir> keeps them for a human look)."""
from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from engine.base.db import db as _db
from engine.time import clock
from tests.browser.pages import login
from tests.factories import PASSWORD
from tests.ledgers.conftest import build_p3_year, rect_case

pytestmark = pytest.mark.browser
WIDTHS = ((1366, 768), (390, 844))
CODES = re.compile(r"\b(?:ut|st)_p\d_\w+|\b(?:UNIT_FILER|DEPT_OFFICER|OVERDUE|DUE_SOON|NOT_DUE|DONE_LATE|DONE_ON_TIME|"
                   r"MONTHLY_MONITORING|RECT_PLAN|RECT_REPORT|MONITORING|NOTIFIED|ESCALATED_\w+)\b")


def test_overdue_urge_and_the_ledgers_fit(live_server, browser, db, tmp_path):
    build_p3_year()
    rect_case("RC-2025-903", "P-D01-002", notice=date(2025, 6, 20), plan_due=date(2025, 7, 5),
              report_due=date(2025, 7, 25), issues=2)
    _db.session.commit()
    clock.travel_to(datetime(2025, 8, 3, 2, tzinfo=UTC))
    shots = Path(os.environ.get("LEDGER_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        login(page, live_server, "perf.1", PASSWORD)
        page.goto(f"{live_server}/ledgers/overdue")
        row = page.locator("tr.overdue-row", has_text="月度监控填报（6月）")
        assert row.locator(".urge-count").inner_text() == "0"
        questions: list[str] = []
        page.once("dialog", lambda d: (questions.append(d.message), d.accept()))
        row.locator("button.urge-one").click()
        page.wait_for_load_state()
        assert questions and "确定催办" in questions[0]
        flash = page.locator("main").inner_text()
        assert "已催办 1 项，送达：" in flash and "filer" not in flash  # names, not usernames
        assert page.locator("tr.overdue-row", has_text="月度监控填报（6月）").locator(".urge-count").inner_text() == "1"
    finally:
        context.close()

    # Bulk 催办 by the department's officer: the selected rows, a confirmation, whom it reached.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        login(page, live_server, "dept.d01", PASSWORD)
        page.goto(f"{live_server}/ledgers/overdue")
        page.locator("tr.overdue-row", has_text="月度监控填报（6月）").locator("input.pick").check()
        page.fill("#bulk-urge input[name=message]", "请本周内报送6月监控表")
        questions.clear()
        page.once("dialog", lambda d: (questions.append(d.message), d.accept()))
        page.locator("button.bulk-urge").click()
        page.wait_for_load_state()
        assert questions and "确定向所选事项的办理人催办" in questions[0]
        assert "已催办 1 项，送达：" in page.locator("main").inner_text()
        assert page.locator("tr.overdue-row", has_text="月度监控填报（6月）").locator(".urge-count").inner_text() == "2"
    finally:
        context.close()

    for width, height in WIDTHS:
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        try:
            login(page, live_server, "perf.1", PASSWORD)
            for name in ("work", "overdue", "rectification"):
                page.goto(f"{live_server}/ledgers/{name}")
                page.screenshot(path=str(shots / f"ledger_{name}_{width}.png"), full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
                text = page.locator("main").inner_text()
                assert not CODES.findall(text), (name, CODES.findall(text))
            for name in ("work", "overdue", "rectification"):  # in the header's navigation
                assert page.locator(f"header a[href='/ledgers/{name}']").count() == 1
        finally:
            context.close()
