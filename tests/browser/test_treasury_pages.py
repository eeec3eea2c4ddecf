"""One RED warning in the pages: the fund division decides a payment hold on F-11 (what it rests on
shown read-only), the treasury finds it on 暂缓拨款 and releases it with a note. Screenshots at 1366
and 390 px wide go to $SHOTS (default /tmp/perfflow-shots); no page is wider than its viewport.
Driven through the test-only process of tests/integration/p3_calls_driver.py until P3's own test
data exists."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from p3_calls_driver import FUND, Run, setup, warning, year  # noqa: E402

from tests.browser.pages import login  # noqa: E402

pytestmark = pytest.mark.browser
PASSWORD = "demo-pass-1"
SHOTS = Path(os.environ.get("SHOTS", "/tmp/perfflow-shots"))
REASON = "连续两个月红色预警，重点监控发现资金拨付条件未落实，暂缓拨款至整改到位。"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_red_warning_payment_hold_then_release(live_server, page, db):
    setup()
    run = Run("f11", warning_id=warning().id)
    task = run.task(FUND, "ut_p3_fund_followup")
    login(page, live_server, FUND, PASSWORD)
    page.goto(f"{live_server}/tasks/{task.id}")
    body = page.inner_text("main")
    assert "最近三个月监控情况" in body and "执行进度滞后时间进度" in body and "暂缓拨款" in body
    page.check("input[name=decision][value=PAYMENT_HOLD]")
    page.fill("input[name=hold_until]", "2099-10-31")
    page.fill("textarea[name=reason]", REASON)
    shoot(page, "f11-fund-followup")
    page.click("button.primary")
    page.wait_for_url(f"{live_server}/todo")
    assert year().hold_payment is True
    page.click("header .me button")
    login(page, live_server, "treasury.1", PASSWORD)
    page.click("nav >> text=暂缓拨款")
    page.wait_for_url(f"{live_server}/payment-holds")
    assert "农业产业化龙头企业扶持资金" in page.inner_text("main") and "2099-10-31" in page.inner_text("main")
    shoot(page, "treasury-holds")
    page.fill("article.hold input[name=note]", "单位已提交整改报告，资金管理处同意恢复拨款")
    page.click("article.hold button:has-text('解除暂缓')")
    page.wait_for_url(f"{live_server}/payment-holds")
    assert "已解除暂缓拨款" in page.inner_text("main") and "目前没有暂缓拨款的项目" in page.inner_text("main")
    shoot(page, "treasury-released")
    assert year().hold_payment is False
