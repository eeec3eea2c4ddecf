"""The instance's diagram in chromium (issue 13 points 1 and 6): a running P1 request highlights the
path taken (state classes on bpmn-js's SVG elements), a click shows the step's history in the panel;
a P3 year waits at its monthly timer with the due time on the diagram; a model without diagram
information is laid out in the browser; 流程监管 opens a row's diagram in a dialog. Screenshots at
1366×768 and 390×844 go to the test's tmp dir (DIAGRAM_SHOTS=<dir> keeps them for a human look);
no page scrolls sideways."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.browser.pages import login

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from p1_driver import ALL, CORE, Flow, set_packs, user  # noqa: E402
from p3_driver import P3Flow, deploy_p1_p2_p3, start_demo_year  # noqa: E402

pytestmark = pytest.mark.browser
PASSWORD = "demo-pass"
WIDTHS = ((1366, 768), (390, 844))
MODELS = Path(__file__).parents[1] / "models"


ZOOM = "document.querySelector('#diagram .diagram-view').viewer.get('canvas').zoom()"


def _touch_drag(page, dx: int) -> float:
    """Drag one finger across the diagram (synthetic touch events); how far the viewbox moved."""
    return page.evaluate("""(dx) => {
      const canvas = document.querySelector('#diagram .diagram-view').viewer.get('canvas');
      const box = document.querySelector('#diagram .bpmn-diagram');
      const r = box.getBoundingClientRect();
      const at = (x) => new Touch({identifier: 1, target: box, clientX: x, clientY: r.top + r.height / 2});
      const before = canvas.viewbox().x;
      const x0 = r.left + r.width / 2;
      box.dispatchEvent(new TouchEvent('touchstart', {touches: [at(x0)], bubbles: true}));
      box.dispatchEvent(new TouchEvent('touchmove', {touches: [at(x0 + dx)], bubbles: true, cancelable: true}));
      box.dispatchEvent(new TouchEvent('touchend', {touches: [], bubbles: true}));
      return canvas.viewbox().x - before;
    }""", dx)


def _classes(page, element_id: str) -> list[str]:
    return page.locator(f'.djs-element[data-element-id="{element_id}"]').first.get_attribute("class").split()


def test_instance_diagram_highlights_path_and_shows_history(live_server, browser, db, tmp_path):
    from budget.demo import load_demo
    from engine.definitions.deploy import deploy
    from engine.moves.runtime import start_process

    load_demo(PASSWORD)
    deploy_p1_p2_p3()
    deploy({"msg_catcher.bpmn": (MODELS / "msg_catcher.bpmn").read_bytes()}, "test")
    set_packs(CORE)
    flow = Flow("P-D05-002")
    flow.fill()
    flow.unit_approve(comment="同意申报，资金测算依据充分。")
    head_name = user(flow.head).name
    waiting = start_process("msg_catcher", flow.filer, {"project_id": "P-TEST-9"})
    db.session.commit()
    start_demo_year("P-D01-002", 2025, ALL)
    p3 = P3Flow(code="P-D01-002", people=("filer.d01u01", "dept.d01", "fund.edu"))
    shots = Path(os.environ.get("DIAGRAM_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)

    def open_page(who: str, path: str, width: int, height: int):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(20000)
        login(page, live_server, who, PASSWORD)
        page.goto(live_server + path)
        return context, page

    def ready(page, scope: str = "#diagram") -> None:
        page.wait_for_selector(f'{scope} .diagram-view[data-state="ready"]')

    for width, height in WIDTHS:
        # P1 midway: the path taken is green, the department's review is the active step
        context, page = open_page(flow.officer, f"/instances/{flow.instance.id}", width, height)
        try:
            ready(page)
            for done in ("start_p1", "ut_p1_fill", "ut_p1_unit_approve", "gw_p1_unit"):
                assert "state-completed" in _classes(page, done), done
            for taken in ("f_p1_04", "f_p1_05", "f_p1_07"):
                assert "flow-taken" in _classes(page, taken), taken
            assert "flow-taken" not in _classes(page, "f_p1_06")  # 退回 was not taken
            assert "state-active" in _classes(page, "ut_p1_dept_review")
            assert not any(c.startswith("state-") for c in _classes(page, "ut_p1_dept_exante"))
            page.locator('.djs-element[data-element-id="ut_p1_unit_approve"]').first.click()
            panel = page.locator("#diagram .diagram-panel")
            panel.locator(".diagram-history").wait_for()
            text = panel.inner_text()
            assert "单位审核" in text and head_name in text and "同意" in text and "同意申报，资金测算依据充分。" in text
            page.locator('.djs-element[data-element-id="ut_p1_dept_review"]').first.click()
            assert "办理中" in panel.inner_text() and user(flow.officer).name in panel.inner_text()
            if width < 576:  # a phone: one finger drags the diagram (diagram-js itself pans by mouse only)
                assert _touch_drag(page, dx=-120) == pytest.approx(120 / page.evaluate(ZOOM), abs=2)
            page.locator("#diagram").scroll_into_view_if_needed()
            page.screenshot(path=str(shots / f"p1_midway_{width}.png"), full_page=True)
            page.locator("#diagram").screenshot(path=str(shots / f"p1_midway_diagram_{width}.png"))
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            context.close()

        # P3 waits at its monthly timer: the event is marked waiting with its due time
        context, page = open_page("dept.d01", f"/instances/{p3.instance.id}", width, height)
        try:
            ready(page)
            assert "state-waiting" in _classes(page, "tm_p3_next")
            due = p3.month_timer_due()
            badge = page.locator(".diagram-badge.state-waiting").first.inner_text()
            assert badge.startswith("到期") and due is not None
            # a flow back to the month's run crosses the event's middle: click its upper edge
            page.locator('.djs-element[data-element-id="tm_p3_next"]').first.click(position={"x": 10, "y": 3})
            assert "到期时间" in page.locator("#diagram .diagram-panel").inner_text()
            page.locator("#diagram").screenshot(path=str(shots / f"p3_timer_diagram_{width}.png"))
            page.screenshot(path=str(shots / f"p3_timer_{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            context.close()

    # a model drawn without diagram information: laid out in the browser, the message wait marked
    context, page = open_page(flow.filer.username, f"/instances/{waiting.id}", 1366, 768)
    try:
        ready(page)
        assert "state-waiting" in _classes(page, "msg_mc_in_library")
        assert "flow-taken" in _classes(page, "f_mc_1")
        assert "自动排布" in page.locator("#diagram .diagram-status").inner_text()
        page.locator("#diagram").screenshot(path=str(shots / "auto_layout_1366.png"))
    finally:
        context.close()

    # 流程监管: each row opens its diagram in a dialog (full screen on a phone)
    for width, height in WIDTHS:
        context, page = open_page(flow.officer, "/supervision/instances", width, height)
        try:
            row = page.locator("tr", has_text=flow.instance.title).first
            row.locator("button.show-diagram").click()
            ready(page, "#diagram-modal")
            assert "state-active" in _classes(page, "ut_p1_dept_review")
            assert page.locator("#diagram-modal .open-instance").get_attribute("href").endswith(str(flow.instance.id))
            page.screenshot(path=str(shots / f"supervision_dialog_{width}.png"))
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            context.close()
