"""The model's versions, the comparison of P1 v1 with a v2 whose unit approval step changed, and a
new model from a template, in chromium at 1366 and 390 px wide (screenshots; no page wider than
the window). The new model's redirect goes to the editor page of branch modeler-ui."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from engine.definitions.deploy import closure_files, deploy
from tests.browser.pages import login
from tests.factories import PASSWORD, ROOT, make_user

pytestmark = pytest.mark.browser
WIDTHS = ((1366, 768), (390, 844))
MAIN = "p1_intake/p1_project_intake.bpmn"


def _shots(page, folder: Path, name: str) -> None:
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(folder / f"{name}_{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)


def test_versions_compare_and_new_model(db, live_server, page, tmp_path):
    started = time.monotonic()
    make_user("mv_admin", ("SYS_ADMIN", "ALL", None), name="模型管理员")
    files = closure_files(ROOT / "workflows")["p1_project_intake"]
    deploy(files, "mv_admin")
    changed = files[MAIN].decode().replace('<bpmn:userTask id="ut_p1_unit_approve" name="单位审核">',
                                           '<bpmn:userTask id="ut_p1_unit_approve" name="单位负责人审核">').replace(
        '<spiffworkflow:property name="formContext" value="ut_p1_fill" />\n'
        '          <spiffworkflow:property name="verdicts" value="APPROVE,RETURN" />',
        '<spiffworkflow:property name="formContext" value="ut_p1_fill" />\n'
        '          <spiffworkflow:property name="verdicts" value="APPROVE,RETURN" />\n'
        '          <spiffworkflow:property name="dueIn" value="5WD" />')
    assert changed != files[MAIN].decode()
    deploy({**files, MAIN: changed.encode()}, "mv_admin")
    db.session.commit()
    folder = Path(os.environ.get("PF_SHOTS", tmp_path))
    login(page, live_server, "mv_admin", PASSWORD)

    page.goto(f"{live_server}/admin/models")
    assert "新建模型" in page.inner_text("main")
    _shots(page, folder, "model_admin")
    page.click("a:has-text('版本')")
    page.wait_for_url("**/admin/models/p1_project_intake/versions")
    rows = page.inner_text("table.table-hover")
    assert "第 2 版" in rows and "当前启用" in rows and "模型管理员" in rows
    _shots(page, folder, "model_versions")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.click("button:has-text('比较所选两个版本')")
    page.wait_for_url("**/compare?*")
    assert "from=1" in page.url and "to=2" in page.url
    changed_text = page.inner_text(".changed")
    assert "用户任务" in changed_text and "单位负责人审核" in changed_text and "办理时限（dueIn）" in changed_text
    _shots(page, folder, "model_compare")

    page.goto(f"{live_server}/admin/models/new")
    _shots(page, folder, "model_new")
    page.fill("#new-key", "expense_claim")
    page.fill("#new-name", "费用报销")
    page.check("#tpl-single_approval")
    page.click("button:has-text('创建并打开编辑器')")
    page.wait_for_url("**/admin/models/expense_claim/editor")
    print(f"browser test took {time.monotonic() - started:.1f} s")
