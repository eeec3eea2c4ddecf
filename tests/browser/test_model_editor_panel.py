"""The model editor's panel and pins in chromium (issue 13 point 2, the polish of round 14): a service
task's operator parameters are named in Chinese (the code small after it); the panel's heading follows
the name as it is typed, the caret stays and bpmn-js's undo takes the name back; a validation badge is
not covered by bpmn-js's context pad when its element is selected; leaving with unsaved changes asks
first (beforeunload) and 放弃草稿 returns to the deployed version after a confirmation.
Screenshots at 1366×768 and 390×844 (MODELER_SHOTS=<dir> keeps them for a human look)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.definitions.deploy import closure_files, deploy
from tests.browser.pages import login
from tests.browser.test_model_editor import KEY, MODELER, SETTLED, _call, _click, _settle
from tests.factories import PASSWORD, ROOT, make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ADMIN = "me_admin"


@pytest.fixture()
def editor(db, live_server, browser, tmp_path):
    """The P1 editor open at 1366×768 for a system administrator; (page, shots folder, dialogs seen)."""
    make_user(ADMIN, ("SYS_ADMIN", "ALL", None), name="模型管理员")
    deploy(closure_files(ROOT / "workflows")["p1_project_intake"], ADMIN)
    db.session.commit()
    shots = Path(os.environ.get("MODELER_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(20000)
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(str(err)))
    login(page, live_server, ADMIN, PASSWORD)
    _open(page, live_server)
    yield page, shots
    context.close()
    assert not problems, problems


def _open(page, base: str) -> None:
    page.goto(f"{base}/admin/models/{KEY}/editor")
    page.wait_for_selector('#model-editor[data-state="ready"]')
    page.wait_for_selector(SETTLED)


def _until(page, seen, seconds: float = 5) -> None:
    """Let the page run until `seen()` is true (a dialog arrives through Playwright's event loop)."""
    for _ in range(int(seconds * 10)):
        if seen():
            return
        page.wait_for_timeout(100)
    raise AssertionError("nothing seen")


def _name(page, element_id: str) -> str | None:
    return _call(page, "return m.get('elementRegistry').get(arg).businessObject.name;", element_id)


def test_operator_parameters_are_named_in_chinese(editor):
    page, shots = editor
    panel = page.locator(".editor-panel")
    _click(page, "st_p1_dept_approved")
    assert panel.locator('select[data-name="operator"]').input_value() == "project.set_status"
    label = panel.locator('[data-field="param:status"] label')
    assert label.locator(".field-code").inner_text() == "status"  # the code, small, for administrators
    assert label.inner_text().startswith("项目库状态")
    panel.screenshot(path=str(shots / "editor_panel_operator_1366.png"))

    _click(page, "st_p1_classified")  # every parameter of an operator with many
    labels = panel.locator("[data-field^='param:'] label").evaluate_all(
        "els => els.map(l => [l.childNodes[0].textContent, (l.querySelector('.field-code') || {}).textContent])")
    assert labels and all(code and text != code for text, code in labels), labels
    assert ["是否重大项目", "is_major"] in labels

    _click(page, "st_p1_dept_conclude")  # an operator reading extra parameters (**scores) names them too
    extra = panel.locator('[data-field="param:total_score"] label')
    assert extra.inner_text().startswith("总分") and "未登记" not in panel.inner_text()
    panel.screenshot(path=str(shots / "editor_panel_operator_extras_1366.png"))


def test_heading_follows_the_name_as_typed(editor):
    page, shots = editor
    panel = page.locator(".editor-panel")
    _click(page, "ut_p1_unit_approve")
    heading = panel.locator("h2")
    assert heading.inner_text() == "单位审核"
    name = panel.locator('input[data-name="name"]')
    name.click()
    page.keyboard.press("End")
    page.keyboard.type("负责人复核", delay=30)
    heading.filter(has_text="单位审核负责人复核").wait_for()  # before any blur
    page.wait_for_function(f"() => {MODELER}.get('elementRegistry').get('ut_p1_unit_approve')"
                           ".businessObject.name === '单位审核负责人复核'")  # the model (and canvas) too
    # typing on in the middle: the caret stays where it was, the input keeps the focus
    page.keyboard.press("Home")
    page.keyboard.type("新", delay=30)
    page.wait_for_function(f"() => {MODELER}.get('elementRegistry').get('ut_p1_unit_approve')"
                           ".businessObject.name === '新单位审核负责人复核'")
    assert page.evaluate("() => document.activeElement.dataset.name") == "name"
    assert name.evaluate("i => [i.selectionStart, i.selectionEnd]") == [1, 1]
    page.keyboard.type("的")
    assert name.input_value() == "新的单位审核负责人复核"
    page.wait_for_function(f"() => {MODELER}.get('elementRegistry').get('ut_p1_unit_approve')"
                           ".businessObject.name === '新的单位审核负责人复核'")
    assert heading.inner_text() == "新的单位审核负责人复核"
    page.screenshot(path=str(shots / "editor_heading_typed_1366.png"))

    # bpmn-js's undo takes the name back, a pause at a time, and the panel follows
    name.press("Tab")
    steps = 0
    while _name(page, "ut_p1_unit_approve") != "单位审核":
        assert _call(page, "return m.get('commandStack').canUndo();") and steps < 5, steps
        _call(page, "m.get('commandStack').undo();")
        steps += 1
    assert 1 <= steps <= 4  # one step per pause in the typing, not one per key
    assert heading.inner_text() == "单位审核" and name.input_value() == "单位审核"
    _call(page, "m.get('commandStack').redo();")
    assert _name(page, "ut_p1_unit_approve") != "单位审核"


def test_badge_stays_readable_beside_the_context_pad(editor):
    page, shots = editor
    # 填报 gets a second outgoing flow: an error pinned on it
    _call(page, "const r = m.get('elementRegistry');"
                "m.get('modeling').connect(r.get('ut_p1_fill'), r.get('st_p1_dept_approved'));")
    _settle(page, "errors")
    _click(page, "ut_p1_fill")  # selected: bpmn-js opens its context pad beside it
    pad = page.locator(".djs-context-pad.open")
    badge = page.locator('.pin-badge[data-element="ut_p1_fill"]')
    assert pad.is_visible() and badge.is_visible()
    page.screenshot(path=str(shots / "editor_badge_selected_1366.png"))
    b, p = badge.bounding_box(), pad.bounding_box()
    apart = (b["x"] + b["width"] <= p["x"] or p["x"] + p["width"] <= b["x"]
             or b["y"] + b["height"] <= p["y"] or p["y"] + p["height"] <= b["y"])
    assert apart, (b, p)
    # and it covers no other element's name: the task's own box is where it sits
    task = page.locator('.djs-element[data-element-id="ut_p1_fill"] .djs-visual').first.bounding_box()
    assert b["y"] + b["height"] <= task["y"] + 1 and b["x"] >= task["x"] - 1, (b, task)
    assert badge.inner_text()


def test_leaving_unsaved_changes_asks_and_discarding_returns_to_the_deployed_version(editor, live_server):
    page, shots = editor
    dialogs: list[tuple[str, str]] = []
    answer = {"beforeunload": False, "confirm": False}

    def on_dialog(dialog) -> None:  # noqa: ANN001
        dialogs.append((dialog.type, dialog.message))
        (dialog.accept if answer.get(dialog.type) else dialog.dismiss)()

    page.on("dialog", on_dialog)
    versions = page.locator(".editor-toolbar a", has_text="版本")
    versions.click()  # nothing changed: it leaves without asking
    page.wait_for_url("**/versions")
    assert dialogs == []
    _open(page, live_server)

    # a change not saved: leaving asks, staying keeps it
    _click(page, "ut_p1_unit_approve")
    name = page.locator('.editor-panel input[data-name="name"]')
    name.fill("单位负责人审核")
    name.press("Tab")
    page.wait_for_selector('#model-editor[data-dirty="1"]')
    versions.click()
    _until(page, lambda: dialogs)
    assert [t for t, _ in dialogs] == ["beforeunload"], dialogs
    assert page.url.endswith("/editor") and _name(page, "ut_p1_unit_approve") == "单位负责人审核"

    # saved as a draft: leaving no longer asks
    page.locator("[data-action=save]").click()
    page.locator(".editor-result", has_text="草稿已保存").wait_for()
    assert page.locator("#model-editor").get_attribute("data-dirty") == ""
    dialogs.clear()
    versions.click()
    page.wait_for_url("**/versions")
    assert dialogs == []

    # the draft opens; 放弃草稿 asks first — dismissed, the draft stays
    _open(page, live_server)
    assert "草稿" in page.locator(".editor-source").inner_text()
    assert _name(page, "ut_p1_unit_approve") == "单位负责人审核"
    discard = page.locator("[data-action=discard]")
    discard.click()
    _until(page, lambda: dialogs)
    assert [t for t, _ in dialogs] == ["confirm"] and "放弃草稿" in dialogs[0][1]
    assert "草稿" in page.locator(".editor-source").inner_text()
    assert page.evaluate(f"fetch('/admin/models/{KEY}/model.json').then(r => r.json()).then(m => m.source)") == "draft"

    # accepted: the page opens the deployed version again, without asking about leaving
    dialogs.clear()
    answer["confirm"] = True
    with page.expect_navigation():
        discard.click()
    page.wait_for_selector('#model-editor[data-state="ready"]')
    page.wait_for_selector(SETTLED)
    assert [t for t, _ in dialogs] == ["confirm"]
    assert "第 1 版（正在使用）" in page.locator(".editor-source").inner_text()
    assert _name(page, "ut_p1_unit_approve") == "单位审核"
    assert discard.is_disabled()
    page.screenshot(path=str(shots / "editor_discarded_1366.png"))

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: read-only, nothing wider than it
    page.goto(f"{live_server}/admin/models/{KEY}/editor")
    page.wait_for_selector('#model-editor[data-state="ready"]')
    page.screenshot(path=str(shots / "editor_phone_390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
