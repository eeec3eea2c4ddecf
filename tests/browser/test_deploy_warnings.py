"""模型管理 in chromium: an administrator uploads a model drawn elsewhere (a user task without lane
or form); the page says it deployed and lists the defaults it took per element; the version list
marks the version that starts and its defaults. Screenshots at 1366 and 390 px wide, no page wider
than the window."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.pages import login
from tests.conformance.support import MODELS
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser
WIDTHS = ((1366, 768), (390, 844))


def test_deploy_page_lists_the_defaults_a_model_took(db, live_server, page, tmp_path):
    make_user("dw_admin", ("SYS_ADMIN", "ALL", None))
    db.session.commit()
    login(page, live_server, "dw_admin", PASSWORD)
    page.goto(f"{live_server}/admin/models")
    page.set_input_files("input[name=files]", str(MODELS / "cf_bare_user_task.bpmn"))
    page.click("button:has-text('部署')")
    page.wait_for_selector(".alert-warning")
    warning = page.inner_text(".alert-warning")
    assert "approve" in warning and "默认使用通用审批表单 F-00" in warning and "默认由流程发起人办理" in warning
    assert "发起用此版" in page.inner_text("table.table-hover") and "默认设置 2" in page.inner_text("table.table-hover")
    folder = Path(os.environ.get("PF_SHOTS", tmp_path))
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(folder / f"deploy_warnings_{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
