"""Pages in a real browser: log in, fill the example form, see per-field errors, approve."""
from __future__ import annotations

import pytest

from tests.browser.pages import login
from tests.factories import PASSWORD, deploy_example, make_user

pytestmark = pytest.mark.browser


def test_example_form_errors_then_submit(live_server, page, db):
    deploy_example()
    make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"), name="经办人甲")
    make_user("h1", ("UNIT_HEAD", "UNIT", "D01-U01"), name="负责人乙")
    db.session.commit()
    base = live_server
    login(page, base, "f1", PASSWORD)
    page.click("text=新建：费用申请（示例）")
    page.wait_for_selector("h1:has-text('填写费用申请')")
    page.click("button:has-text('提交')")  # empty: Chinese errors per field, task stays
    page.wait_for_selector(".field-error[data-for=subject]")
    assert "必填" in page.inner_text(".field-error[data-for=subject]")
    page.fill("input[name=subject]", "购置办公设备")
    page.fill("input[name=amount]", "1.2")
    page.fill("textarea[name=purpose]", "为新设立的科室购置必要的办公设备。")
    page.click("fieldset.repeat .add-row")
    page.fill("input[name='items.0.item']", "打印机")
    page.fill("input[name='items.0.quantity']", "2")
    page.fill("input[name='items.0.unit_price']", "0.3")
    page.click("button:has-text('提交')")
    page.wait_for_url(f"{base}/todo")
    assert "已提交" in page.inner_text(".flash")
    page.screenshot(path="/tmp/pf-todo.png")
