"""The approval operations in a real browser: 退回 with "直达退回人" (the resubmission skips the
steps in between and lands with whoever returned it), then 转办 to a colleague who completes it;
the instance page shows both with their opinions."""
from __future__ import annotations

import pytest

from tests.browser.pages import login, pick_person
from tests.browser.pages import logout as sign_out
from tests.factories import PASSWORD, deploy_example, deploy_three_step, make_user

pytestmark = pytest.mark.browser
RETURN_OPINION = "单价依据不足，请补充询价记录后重新提交。"
TRANSFER_OPINION = "本人出差，请丁处长代为审批。"


def logout(page) -> None:
    sign_out(page)
    page.wait_for_url("**/login")


def submit_form(page, base: str) -> None:
    page.click(".submit-bar button.primary")
    page.wait_for_url(f"{base}/todo")


def approve(page, base: str, title: str) -> None:
    page.click(f"table.list a:has-text('{title}')")
    page.check("input[name=verdict][value=APPROVE]")
    submit_form(page, base)


def return_jump_back(page, base: str, title: str, target: str) -> None:
    page.click(f"table.list a:has-text('{title}')")
    page.click("#op-return summary")
    page.select_option("#op-return select[name=target]", label=target)
    page.check("#op-return input[name=resubmit][value=JUMP_BACK]")
    page.fill("#op-return textarea[name=opinion]", RETURN_OPINION)
    page.click("#op-return button:has-text('确认退回')")
    page.wait_for_url(f"{base}/todo")
    assert "已退回" in page.inner_text(".flash")


def fill_expense(page) -> None:
    page.fill("input[name=subject]", "购置办公设备")
    page.fill("input[name=amount]", "1.2")
    page.fill("textarea[name=purpose]", "为新设立的科室购置必要的办公设备。")
    page.click("fieldset.repeat .add-row")
    page.fill("input[name='items.0.item']", "打印机")
    page.fill("input[name='items.0.quantity']", "2")
    page.fill("input[name='items.0.unit_price']", "0.3")


def todo_titles(page) -> list[str]:
    return page.locator("table.list.tasks tbody td:nth-child(2) a").all_inner_texts()


@pytest.fixture()
def staff(db):
    make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"), name="经办人甲")
    make_user("h1", ("UNIT_HEAD", "UNIT", "D01-U01"), name="负责人乙")
    make_user("a1", ("FIN_PERF", "ALL", None), name="绩效处丙")
    make_user("o1", name="绩效处丁")  # no role: sees the task only once it is transferred to them
    db.session.commit()


def test_two_step_return_straight_back_to_the_returner(live_server, page, db, staff):
    deploy_example()
    base = live_server
    login(page, base, "f1", PASSWORD)
    page.click("text=新建：费用申请（示例）")
    fill_expense(page)
    submit_form(page, base)
    logout(page)

    login(page, base, "h1", PASSWORD)
    return_jump_back(page, base, "单位审核", "填写费用申请（经办人甲）")
    assert "单位审核" not in todo_titles(page)
    logout(page)

    login(page, base, "f1", PASSWORD)
    page.click("table.list a:has-text('填写费用申请')")
    assert RETURN_OPINION in page.inner_text("section.opinions")
    assert page.input_value("input[name=subject]") == "购置办公设备"  # what was filed comes back
    submit_form(page, base)
    logout(page)

    login(page, base, "h1", PASSWORD)
    assert todo_titles(page) == ["单位审核"]
    page.click("table.list a:has-text('单位审核')")
    assert "经退回流转而来" in page.inner_text("p.note")


def test_three_step_return_jumps_back_past_the_checker_then_transfer(live_server, page, db, staff):
    deploy_three_step()
    base = live_server
    login(page, base, "f1", PASSWORD)
    page.click("text=新建：费用申请（三级审核示例）")
    page.wait_for_selector("h1:has-text('填报')")
    fill_expense(page)
    submit_form(page, base)
    logout(page)

    login(page, base, "h1", PASSWORD)
    approve(page, base, "初审")
    logout(page)

    login(page, base, "a1", PASSWORD)
    return_jump_back(page, base, "审批", "填报（经办人甲）")
    logout(page)

    login(page, base, "f1", PASSWORD)
    page.click("table.list a:has-text('填报')")
    opinions = page.inner_text("section.opinions")
    assert RETURN_OPINION in opinions and "退回" in opinions and "绩效处丙" in opinions
    submit_form(page, base)
    logout(page)

    login(page, base, "h1", PASSWORD)
    assert "初审" not in todo_titles(page)  # the checker is skipped: 直达退回人
    logout(page)

    login(page, base, "a1", PASSWORD)
    assert todo_titles(page) == ["审批"]
    page.click("table.list a:has-text('审批')")
    page.click("#op-transfer summary")
    pick_person(page, "#op-transfer select[name=to]", "丁", "绩效处丁")  # part of the Chinese name
    assert page.input_value("#op-transfer select[name=to]") == "o1"  # the form still posts the username
    page.fill("#op-transfer textarea[name=opinion]", TRANSFER_OPINION)
    page.click("#op-transfer button:has-text('确认转办')")
    page.wait_for_url(f"{base}/todo")
    assert "已转办给 绩效处丁" in page.inner_text(".flash")
    assert todo_titles(page) == []
    logout(page)

    login(page, base, "o1", PASSWORD)
    assert page.locator("header nav .count.unread").count() == 1  # the 转办 notification
    assert todo_titles(page) == ["审批"]
    page.click("table.list a:has-text('审批')")
    assert TRANSFER_OPINION in page.inner_text("section.opinions")
    page.check("input[name=verdict][value=APPROVE]")
    submit_form(page, base)

    page.click("header nav a:has-text('已办')")
    page.click("table.list a:has-text('审批')")
    page.wait_for_selector("ol.timeline")
    assert "已结束" in page.inner_text("dl.facts")
    timeline = page.locator("ol.timeline li")
    returned = timeline.filter(has_text="退回").filter(has_text=RETURN_OPINION)
    assert returned.count() == 1 and "→ 填报（重新提交后直达退回人）" in returned.inner_text()
    transferred = timeline.filter(has_text="转办").filter(has_text=TRANSFER_OPINION)
    assert transferred.count() == 1 and "→ 绩效处丁" in transferred.inner_text()
    assert timeline.filter(has_text="直达跳过").filter(has_text="初审").count() == 1
    opinions = page.inner_text("#opinions")
    assert RETURN_OPINION in opinions and TRANSFER_OPINION in opinions
    page.screenshot(path="/tmp/pf-approval-ops-instance.png", full_page=True)
