"""One RED warning in the pages, on the real `p3_monitoring` (issue 11 point 8): a project taken
through P1 and P2 on the engine starts P3 with `msg_budget_approved`; its payments lag so far that
the monthly timer (fired with the engine's clock) raises a RED warning (DT-06). Then in chromium the
unit opens the corrective plan from 待办 (F-10), the department confirms it, the fund division decides
暂缓拨款 on F-11 and the treasury finds the hold on /payment-holds and releases it with a note; the
instance goes back to waiting for next month's run. Screenshots at 1366 and 390 px wide go to $SHOTS
(default: the test's tmp dir); no page is wider than its viewport."""
from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from budget.calc.monitoring import run_at
from tests.browser.pages import go_to, login, logout

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from p1_driver import CORE, set_packs  # noqa: E402
from p3_driver import P3Flow, deploy_p1_p2_p3, small_through_p2  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "demo-pass-1"
EXPLANATION = "受配套政策出台滞后和政府采购流程影响，项目资金拨付进度明显慢于时间进度，单位已制定纠偏措施加快推进。"
REASON = "连续红色预警，单位纠偏措施尚未见效，暂缓拨款至整改到位后再行拨付。"
RELEASE_NOTE = "单位已提交整改报告，资金管理处同意恢复拨款"


def shoot(page, shots: Path, name: str) -> None:
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    # back at the top, as the clerk found the page: otherwise Chromium's scroll anchor, picked at
    # 390 px, moves the page on the next edit — between mousedown and mouseup of 提交
    page.evaluate("window.scrollTo(0, 0)")


def open_from_todo(page, base: str, who: str, title: str) -> None:
    """Sign in as `who` and open the step called `title` from 待办 (signing out whoever was in)."""
    if page.locator("header .me .dropdown-toggle").count():
        logout(page)
    login(page, base, who, PASSWORD)
    page.click(f"table.tasks a:has-text('{title}')")
    page.wait_for_url(f"{base}/tasks/*")


def submit(page, base: str) -> None:
    page.click("button.primary")
    page.wait_for_url(f"{base}/todo")


def test_red_warning_to_payment_hold_and_release(live_server, page, db, tmp_path):
    from budget.demo import load_demo
    from budget.models import PaymentHold

    load_demo(PASSWORD)
    deploy_p1_p2_p3()
    set_packs(CORE)
    p = P3Flow(small_through_p2())
    shots = Path(os.environ.get("SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    for month in (1, 2, 3):  # no lag warning before DT-06's warn_start_month (4)
        p.run_month(month, 2 * month)
    p.run_month(4, 8)  # 8 万 of 260 万 (3.08 %) against 33.33 %: 30 points behind, RED
    (warning,) = p.warnings()
    assert (warning.month, warning.level, warning.suggested_response) == (4, "RED", "REQUIRE_CORRECTIVE_PLAN")
    assert p.ready() == ["ut_p3_unit_corrective"]

    # the unit's corrective plan (F-10), opened from 待办
    open_from_todo(page, live_server, p.filer, "纠偏")
    body = page.inner_text("main")
    assert "红色预警" in body
    page.check("input[name=cause_categories][value=INSTITUTION]")
    page.check("input[name=cause_categories][value=SETTLEMENT]")
    page.fill("textarea[name=explanation]", EXPLANATION)
    page.click("fieldset.repeat .add-row")
    page.fill("[name='measures.0.measure']", "倒排工期，按周调度资金拨付进度。")
    page.fill("[name='measures.0.owner']", "项目负责人")
    page.fill("[name='measures.0.due_date']", f"{p.fiscal_year}-09-30")
    shoot(page, shots, "f10-corrective")
    submit(page, live_server)
    assert p.ready() == ["ut_p3_dept_confirm"]

    # the department confirms, judging the measures not yet enough: the fund division follows up
    open_from_todo(page, live_server, p.officer, "确认")
    page.select_option("select[name=unit_response_ok]", "false")
    page.check("input[name=verdict][value=APPROVE]")
    shoot(page, shots, "f10-review")
    submit(page, live_server)
    assert p.ready() == ["ut_p3_fund_followup"]

    # the fund division's 暂缓拨款 (F-11), what it rests on shown read-only
    open_from_todo(page, live_server, p.fund, "处置")
    body = page.inner_text("main")
    assert "最近三个月监控情况" in body and "本年度预警记录" in body and "暂缓拨款" in body
    page.check("input[name=decision][value=PAYMENT_HOLD]")
    page.fill("input[name=hold_until]", f"{p.fiscal_year}-09-30")
    page.fill("textarea[name=reason]", REASON)
    shoot(page, shots, "f11-fund-followup")
    submit(page, live_server)
    assert p.year().hold_payment is True

    # the treasury finds it on 暂缓拨款 and releases it
    logout(page)
    login(page, live_server, "treasury.1", PASSWORD)
    go_to(page, "暂缓拨款")
    page.wait_for_url(f"{live_server}/payment-holds")
    main = page.inner_text("main")
    assert p.year().project.name in main and f"{p.fiscal_year}-09-30" in main
    shoot(page, shots, "treasury-holds")
    page.fill("article.hold input[name=note]", RELEASE_NOTE)
    page.click("article.hold button:has-text('解除暂缓')")
    page.wait_for_url(f"{live_server}/payment-holds")
    main = page.inner_text("main")
    assert "已解除暂缓拨款" in main and "目前没有暂缓拨款的项目" in main
    shoot(page, shots, "treasury-released")

    (hold,) = db.session.scalars(select(PaymentHold).where(PaymentHold.project_year_id == p.py_id)).all()
    assert (hold.status, hold.warning_id, hold.released_by, hold.release_note) == (
        "RELEASED", warning.id, "treasury.1", RELEASE_NOTE)
    assert hold.created_at <= hold.released_at < hold.created_at + timedelta(hours=1)  # the engine's time
    assert p.year().hold_payment is False
    db.session.refresh(warning)
    assert (warning.response, warning.decided_by) == ("PAYMENT_HOLD", p.fund)
    db.session.refresh(p.instance)
    assert p.instance.status == "RUNNING" and p.ready() == []
    assert p.month_timer_due() == run_at(p.fiscal_year, 5)  # May's run, on June 5
