"""The shipped models' own diagram information as people see it on the instance page (issue 13):
P1 and P2 (a request that entered the library), P3 at its monthly timer and P7 at its notice, at
1366×768 and 390×844. bpmn-js imports each drawing without a warning, every flow is drawn with its
waypoints and no page scrolls sideways. Screenshots (the page's diagram card, and the whole diagram
fitted at 1366) go to the test's tmp dir; DIAGRAM_SHOTS=<dir> keeps them for a human look."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.browser.pages import login

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from p1_driver import ALL, CORE, Flow, set_packs  # noqa: E402
from p2_driver import P2Flow  # noqa: E402
from p3_driver import P3Flow, deploy_p1_p2_p3, start_demo_year  # noqa: E402

pytestmark = pytest.mark.browser
PASSWORD = "demo-pass"
WIDTHS = ((1366, 768), (390, 844))
VIEWER = "document.querySelector('#diagram .diagram-view').viewer"


def _shoot_parts(page, stem: Path) -> None:
    """The whole diagram at scale 1, 1800 px at a time (a human looks at these, not the test)."""
    page.set_viewport_size({"width": 1900, "height": 1500})
    page.evaluate(f"""() => {{ const box = document.querySelector('#diagram .bpmn-diagram');
        box.style.height = '1400px'; {VIEWER}.get('canvas').resized(); }}""")
    box = page.evaluate(f"""() => {{ const b = {VIEWER}.get('canvas').getActiveLayer().getBBox();
        return {{x: b.x, y: b.y, width: b.width, height: b.height}}; }}""")
    page.evaluate(f"{VIEWER}.get('canvas').zoom(1)")
    x, part = box["x"] - 20, 0
    while x < box["x"] + box["width"]:
        page.evaluate(f"{VIEWER}.get('canvas').viewbox({{x: {x}, y: {box['y'] - 20}, width: 1800, height: 1400}})")
        page.locator("#diagram .bpmn-diagram").screenshot(path=f"{stem}_part{part}.png")
        x, part = x + 1700, part + 1


def test_shipped_diagrams_draw_cleanly(live_server, browser, db, tmp_path):
    from budget.demo import load_demo
    from tests.integration.p7_driver import PERF, P7Flow, deploy_p7

    load_demo(PASSWORD)
    deploy_p1_p2_p3()
    deploy_p7()
    set_packs(CORE)
    p1 = Flow("P-D05-002")
    p1.intake()
    p2 = P2Flow(p1)
    start_demo_year("P-D01-002", 2025, ALL)
    p3 = P3Flow(code="P-D01-002", people=("filer.d01u01", "dept.d01", "fund.edu"))
    p7 = P7Flow("AUDIT", n_findings=2)
    shots = Path(os.environ.get("DIAGRAM_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    cases = (("p1", p1.officer, p1.instance.id), ("p2", p2.officer, p2.instance.id),
             ("p3", "dept.d01", p3.instance.id), ("p7", PERF, p7.instance.id))
    for name, who, instance_id in cases:
        for width, height in WIDTHS:
            context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
            page = context.new_page()
            page.set_default_timeout(20000)
            warnings: list[str] = []
            page.on("console", lambda m, seen=warnings: seen.append(m.text) if m.type in ("warning", "error") else None)
            try:
                login(page, live_server, who, PASSWORD)
                page.goto(f"{live_server}/instances/{instance_id}")
                page.wait_for_selector('#diagram .diagram-view[data-state="ready"]')
                assert "自动排布" not in page.locator("#diagram .diagram-status").inner_text(), name
                drawn = page.evaluate(f"""() => {VIEWER}.get('elementRegistry')
                    .filter(e => e.type === 'bpmn:SequenceFlow').map(e => e.waypoints.length)""")
                assert drawn and min(drawn) >= 2, name
                page.locator("#diagram").scroll_into_view_if_needed()
                page.locator("#diagram").screenshot(path=str(shots / f"{name}_diagram_{width}.png"))
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
                if width > 1000 and os.environ.get("DIAGRAM_SHOTS"):  # the drawing at full size, in parts
                    _shoot_parts(page, shots / name)
                assert not [w for w in warnings if "import" in w.lower() or "bpmn" in w.lower()], warnings
            finally:
                context.close()
