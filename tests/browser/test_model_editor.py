"""The model editor in chromium (issue 13 points 2 and 6). One journey, one page: an administrator opens
P1 in the editor, adds a lane (role picker) and a user task in it (palette, then 更改类型), names it and
picks its form through the panel (with the form's preview), connects it after 填报 — the task with two
outgoing flows is pinned red with the deployment's own message, the listed error selects it — fixes the
flows, types a script with a syntax error (shown under the box as typed), repairs it, deploys (version 2)
and starts a P1 request that reaches the new step. The same model opens read-only on a phone.
Screenshots at 1366×768 and 390×844 (MODELER_SHOTS=<dir> keeps them for a human look)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.browser.pages import login
from tests.unit.test_modeler_roundtrip import _specs

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from p1_driver import Flow, deploy_p1  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "demo-pass"
KEY = "p1_project_intake"
MODELER = "document.querySelector('.modeler-canvas').modeler"
SETTLED = '#model-editor[data-validation="ok"], #model-editor[data-validation="errors"]'


def _call(page, body: str, arg=None):  # noqa: ANN001, ANN202
    """Run `body` in the page with `m` = the bpmn-js Modeler and `arg`."""
    return page.evaluate(f"(arg) => {{ const m = {MODELER}; {body} }}", arg)


def _point(page, element_id: str, where: str = "center", at: tuple[float, float] | None = None) -> tuple[float, float]:
    """Where on the page to click an element: a shape's centre (or its left edge: a lane's label), a
    connection's longest segment's middle, or the diagram point `at`; scrolled into view first."""
    return tuple(_call(page, """
      const e = m.get('elementRegistry').get(arg.id);
      const canvas = m.get('canvas');
      const onScreen = (x, y) => {
        let vb = canvas.viewbox();
        if (!(x > vb.x + 60 && x < vb.x + vb.width - 60 && y > vb.y + 60 && y < vb.y + vb.height - 60)) {
          canvas.viewbox({x: x - vb.width / 2, y: y - vb.height / 2, width: vb.width, height: vb.height});
          vb = canvas.viewbox();  // a lane is wider than the window: bring the point to the middle
        }
        const r = canvas.getContainer().getBoundingClientRect();
        return [r.left + (x - vb.x) * vb.scale, r.top + (y - vb.y) * vb.scale];
      };
      if (arg.at) return onScreen(arg.at[0], arg.at[1]);
      if (!e.waypoints) return onScreen(arg.where === 'left' ? e.x + 15 : e.x + e.width / 2, e.y + e.height / 2);
      let best = null;
      for (let i = 1; i < e.waypoints.length; i++) {
        const a = e.waypoints[i - 1], b = e.waypoints[i];
        const length = Math.abs(a.x - b.x) + Math.abs(a.y - b.y);
        if (!best || length > best.length) best = {length, x: (a.x + b.x) / 2, y: (a.y + b.y) / 2};
      }
      return onScreen(best.x, best.y);
    """, {"id": element_id, "where": where, "at": at}))


def _click(page, element_id: str, where: str = "center") -> None:
    x, y = _point(page, element_id, where)
    page.mouse.click(x, y)
    assert _call(page, "return m.get('selection').get().map(e => e.id);") == [element_id]


def _selected(page) -> str:
    return _call(page, "return m.get('selection').get()[0].id;")


def _pad(page, action: str) -> None:
    page.locator(f'.djs-context-pad.open .entry[data-action="{action}"]').click()


def _connect(page, source: str, target: str) -> None:
    _click(page, source)
    _pad(page, "connect")
    x, y = _point(page, target)
    page.mouse.move(x, y, steps=5)
    page.mouse.click(x, y)


def _pick(page, name: str, typed: str, choose: str) -> None:
    """Choose `choose` in the panel's Tom Select named `name` after typing `typed`."""
    wrapper = page.locator(f'.editor-panel select[data-name="{name}"] + .ts-wrapper')
    wrapper.locator(".ts-control").click()
    page.keyboard.type(typed, delay=20)
    wrapper.locator(".ts-dropdown .option", has_text=choose).first.click()
    page.keyboard.press("Escape")


def _settle(page, state: str) -> None:
    """Wait for the validation after the last change (debounced) to report `state`."""
    page.wait_for_function("s => { const d = document.getElementById('model-editor').dataset;"
                           " return d.validation === s; }", arg=state)


def test_administrator_edits_p1_deploys_and_starts_it(live_server, browser, db, tmp_path):
    from budget.demo import load_demo
    from engine.base.models import ProcessModelVersion

    load_demo(PASSWORD)
    deploy_p1()
    shots = Path(os.environ.get("MODELER_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(20000)
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(str(err)))
    try:
        login(page, live_server, "admin", PASSWORD)
        page.goto(f"{live_server}/admin/models/{KEY}/editor")
        page.wait_for_selector('#model-editor[data-state="ready"]')
        page.wait_for_selector(SETTLED)
        assert page.locator("#model-editor").get_attribute("data-validation") == "ok"
        assert "第 1 版" in page.locator(".editor-source").inner_text()
        assert page.locator("[data-action=deploy]").is_enabled()
        assert page.locator("[data-action=discard]").is_disabled()  # no draft yet
        # opened and exported unchanged by the real editor: the same specs as the deployed files
        model = page.evaluate(f"fetch('/admin/models/{KEY}/model.json').then(r => r.json())")
        exported = page.evaluate(f"{MODELER}.saveXML({{format: true}}).then(r => r.xml)")
        files = {n: x.encode() for n, x in model["files"].items()}
        assert _specs({**files, model["main_file"]: exported.encode()}) == _specs(files)  # the set has its DMN

        # a user task selected: its panel shows the lane's role by name, the form, the rules
        _click(page, "ut_p1_unit_approve")
        panel = page.locator(".editor-panel")
        assert "单位审核" in panel.locator("h2").inner_text()
        assert panel.locator('select[data-name="formKey"]').evaluate("s => [...s.selectedOptions].map(o => o.value)") == ["F-00"]
        assert panel.locator('select[data-name="completionHandler"]').input_value() == "p1.record_unit_approval"
        rules = page.evaluate("fetch('/admin/models/catalogue.json').then(r => r.json()).then(c => c.step_rules.map(r => r.name))")
        section = panel.locator("details.panel-section", has_text="审批规则")
        section.locator("summary").click()
        shown = section.locator("[data-field]").evaluate_all("els => els.map(e => e.dataset.field)")
        assert shown == rules  # one control per step rule of the catalogue, in its order
        page.screenshot(path=str(shots / "editor_user_task_1366.png"))
        panel.screenshot(path=str(shots / "editor_panel_rules_1366.png"))

        # a service task's operator, a business-rule task's decision, a condition: as the model has them
        _click(page, "st_p1_enter_library")
        assert panel.locator('select[data-name="operator"]').input_value() == "project.enter_library"
        _click(page, "brt_p1_classify")
        assert panel.locator('select[data-name="decision"]').input_value() == "dt_05_major_key"
        _call(page, "m.get('selection').select(m.get('elementRegistry').get(arg));", "f_p1_06")
        assert panel.locator('textarea[data-name="condition"]').input_value() == "unit_verdict == 'RETURN'"

        # a script with a syntax error: shown under the box as typed, with its line and column
        _click(page, "st_p1_init")
        script = panel.locator('textarea[data-name="script"]')
        original = script.input_value()
        script.click()
        page.keyboard.press("Control+End")
        page.keyboard.type("\nbroken = (1 +")
        page.wait_for_function("() => document.querySelector('.editor-panel textarea[data-name=script]')"
                               ".dataset.checked === 'error'")
        feedback = panel.locator(".code-errors").first.inner_text()
        assert "第 7 行" in feedback, feedback
        script.fill(original)
        page.wait_for_function("() => document.querySelector('.editor-panel textarea[data-name=script]')"
                               ".dataset.checked === 'ok'")

        # a new lane below 单位负责人's, its role picked by name
        lanes_before = set(_call(page, "return m.get('elementRegistry').filter(e => e.type === 'bpmn:Lane').map(e => e.id);"))
        _click(page, "lane_UNIT_HEAD", where="left")
        _pad(page, "lane-insert-below")
        new_lane = (set(_call(page, "return m.get('elementRegistry').filter(e => e.type === 'bpmn:Lane').map(e => e.id);"))
                    - lanes_before).pop()
        _click(page, new_lane, where="left")
        _pick(page, "role", "UNIT_HEAD", "UNIT_HEAD")
        assert _call(page, "return m.get('elementRegistry').get(arg).businessObject.name;", new_lane) == "UNIT_HEAD"

        # a task from the palette into the new lane, made a user task, named, its form picked
        task_entry = page.locator('.djs-palette .entry[data-action="create.task"]')
        assert task_entry.get_attribute("aria-label") == "任务"  # bpmn-js speaks Chinese (modeler_translate.js)
        task_entry.click()
        x, y = _call(page, """const r = m.get('elementRegistry');
          const above = r.get('ut_p1_unit_approve'), lane = r.get(arg);
          return [above.x + above.width / 2, lane.y + lane.height / 2];""", new_lane)  # no flow crosses there
        x, y = _point(page, "", at=(x, y))
        page.mouse.move(x, y, steps=5)
        page.mouse.click(x, y)
        page.keyboard.press("Escape")  # leave the label editor bpmn-js opens on a new task
        _pad(page, "replace")
        page.locator('.djs-popup .entry[data-id="replace-with-user-task"]').click()
        step = _selected(page)
        assert _call(page, "return m.get('elementRegistry').get(arg).type;", step) == "bpmn:UserTask"
        assert "发起人" not in panel.inner_text()  # it sits in a lane: the lane's role, not the default
        name = panel.locator('input[data-name="name"]')
        name.fill("单位负责人复核")
        name.press("Tab")
        _pick(page, "formKey", "F-00", "F-00")
        panel.locator(".form-preview summary").click()
        panel.locator(".form-preview-body[data-loaded]").wait_for()
        page.wait_for_function("() => !document.querySelector('.form-preview-body').textContent.includes('加载中')")

        # connected after 填报 while 填报 still goes on to 单位审核: pinned red, deploy disabled
        _connect(page, "ut_p1_fill", step)
        _settle(page, "errors")
        assert "pin-error" in page.locator('.djs-element[data-element-id="ut_p1_fill"]').first.get_attribute("class")
        badge = page.locator('.pin-badge[data-element="ut_p1_fill"]')
        assert badge.is_visible() and badge.inner_text()
        assert page.locator("[data-action=deploy]").is_disabled()
        page.locator(".editor-problems .problem-link").first.click()
        assert _selected(page) == "ut_p1_fill"
        page.screenshot(path=str(shots / "editor_pinned_error_1366.png"))

        # fixed: the new step leads on to 单位审核, the old flow goes
        _connect(page, step, "ut_p1_unit_approve")
        # the old flow runs under the new one from 填报: selected by id, deleted with its context pad
        _call(page, "m.get('selection').select(m.get('elementRegistry').get(arg));", "f_p1_04")
        _pad(page, "delete")
        _settle(page, "ok")
        assert page.locator(".pin-badge").count() == 0
        assert page.locator("#model-editor").get_attribute("data-dirty") == "1"

        page.locator("[data-action=save]").click()  # a draft first: kept, not deployed
        page.locator(".editor-result", has_text="草稿已保存").wait_for()
        assert "草稿，系统管理员 于" in page.locator(".editor-source").inner_text()
        assert page.locator("[data-action=discard]").is_enabled()
        page.locator("[data-action=deploy]").click()
        result = page.locator(".editor-result")
        result.get_by_text("已部署为版本 2").wait_for()
        assert {a.inner_text() for a in result.locator("a").all()} == {"版本", "发起"}
        assert page.locator("#model-editor").get_attribute("data-dirty") == ""
        assert page.locator("[data-action=discard]").is_disabled()  # the deploy took the draft
        assert not problems, problems
    finally:
        context.close()

    # the new version starts: a request filled in reaches the new step, with the lane's role
    version = db.session.query(ProcessModelVersion).filter_by(key=KEY, version=2).one()
    assert step in version.files[next(n for n in version.files if n.endswith("p1_project_intake.bpmn"))]
    flow = Flow("P-D05-002")
    assert flow.instance.model_version_id == version.id
    flow.fill()
    assert flow.ready() == [step]
    flow.task(flow.head, step)

    # a phone: the diagram read-only, a note, nothing wider than the screen
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        login(page, live_server, "admin", PASSWORD)
        page.goto(f"{live_server}/admin/models/{KEY}/editor")
        page.wait_for_selector('#model-editor[data-state="ready"]')
        assert page.get_by_text("请在电脑上编辑流程模型").is_visible()
        assert not page.locator(".editor-toolbar").is_visible() and not page.locator(".djs-palette").count()
        assert page.locator(f'.djs-element[data-element-id="{step}"]').count() == 1
        page.screenshot(path=str(shots / "editor_phone_390.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
