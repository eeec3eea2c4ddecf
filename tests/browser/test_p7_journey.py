"""From the finding to 对标销号 in chromium (issue 12 point 6), on the real `p7_rectification`: the
performance division registers a 部门重点评价's two findings on /rectification-sources (the project
picked by its name); the scheduler's tick sends them and P7 starts; perf.1 issues the notice (F-21)
from 待办, the unit's filer writes the plan (F-22), the department head signs it inside the form,
perf.1 accepts it; the same for the report (F-23, evidence uploaded per issue); DT-15 picks DESK
(the case's draw preset, as P7 keeps a draw once made) and perf.1's desk check (F-24) closes every
issue. The case is CLOSED with `msg_rectification_closed`, the project page shows 已销号 and 2/2,
and the rectification ledger shows 销号率 100 % for 示例市教育局. Screenshots at 1366 px (and 390 px
for the project page and the ledger) go to $SHOTS (default: the test's tmp dir).

A 财政重点评价 cannot take the desk path with the demo's projects: DT-15 row 1 sends every fiscal
key evaluation of a project of ≥ 3 years to ONSITE whatever the draw, and every FY2025 demo project
runs ≥ 3 years; a department key evaluation graded 中 (DT-14 row 2: plan 30 d, report 90 d) reaches
DT-15 row 4, where the draw decides."""
from __future__ import annotations

import os
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.pages import go_to, login, logout, pick_person

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from p7_driver import CODE, FILER, HEAD, PERF, deploy_p7  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "demo-pass-1"
FINDINGS = [("绩效目标设置不够细化，产出指标缺少量化标准", "目标管理"),
            ("资金拨付进度滞后于项目实施进度，年末集中支出", "资金管理")]
MEASURE = "细化绩效目标和产出指标，明确拨付审批时限，按月通报执行进度并建立整改台账。"
DONE_TEXT = "已修订项目资金管理办法，建立月度执行台账并按月通报，相关问题已整改到位。"
SUMMARY = ("针对部门重点评价指出的问题，单位成立整改工作专班，逐项制定整改措施，明确责任人和完成时限。"
           "目前已修订资金管理办法、细化绩效目标、建立执行台账和月度通报制度，项目执行进度明显加快，"
           "整改工作全面完成，相关制度已印发执行。")


def shoot(page, shots: Path, name: str, widths: tuple[int, ...] = (1366,)) -> None:
    for width in widths:
        page.set_viewport_size({"width": width, "height": 768 if width > 500 else 844})
        page.wait_for_timeout(100)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.evaluate("window.scrollTo(0, 0)")


def sign_in(page, base: str, who: str) -> None:
    if page.locator("header .me .dropdown-toggle").count():
        logout(page)
    login(page, base, who, PASSWORD)


def open_from_todo(page, base: str, who: str, title: str) -> None:
    """Sign in as `who` and open the step called exactly `title` from 待办."""
    sign_in(page, base, who)
    page.locator("table.tasks").get_by_role("link", name=title, exact=True).first.click()
    page.wait_for_url(f"{base}/tasks/*")


def submit(page, base: str) -> None:
    page.click("button.primary")
    page.wait_for_url(f"{base}/todo")


def sign(page) -> None:
    """The department head's sign-off inside F-22/F-23: 签批 是, 同意报送."""
    page.select_option("select[name=dept_head_signoff]", "true")
    page.check("input[name=verdict][value=APPROVE]")


def test_findings_to_the_last_issue_closed(live_server, page, db, tmp_path):
    from budget.demo import load_demo
    from budget.models import IssueItem, Project, RectificationCase, RectificationSource
    from engine.base.models import Message, ProcessInstance
    from engine.base.now import today
    from engine.dispatch import queue
    from engine.time import clock

    load_demo(PASSWORD)
    deploy_p7()
    project = db.session.scalars(select(Project).where(Project.code == CODE)).one()
    shots = Path(os.environ.get("SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    base = live_server

    # 1. FIN_PERF registers the evaluation's findings, the project picked by its name
    sign_in(page, base, PERF)
    go_to(page, "整改来源登记")
    page.locator("#project_id + .ts-wrapper .ts-control").click()
    page.keyboard.type(project.name[:4])
    page.locator(".ts-dropdown .option").filter(has_text=project.name).first.click()
    page.select_option("#source_type", "DEPT_KEY_EVAL")
    page.fill("#eval_year", "2025")
    page.fill("#score", "72")
    for i, (text, category) in enumerate(FINDINGS):
        page.fill(f"#f{i}d", text)
        page.fill(f"#f{i}c", category)
        page.select_option(f"#f{i}s", "HIGH")
    with page.expect_navigation():  # the reply's page, not the form still showing under load
        page.click("button:has-text('登记并启动整改')")
    assert "已登记：" in page.locator("body").inner_text()
    shoot(page, shots, "01-sources")

    # 2. the scheduler's tick sends the registration; P7's starter makes the case
    clock.tick()
    queue.drain()
    db.session.expire_all()
    (source,) = db.session.scalars(select(RectificationSource)).all()
    assert source.message_status == "STARTED"
    case = db.session.scalars(select(RectificationCase).where(RectificationCase.source_id == source.id)).one()
    assert (case.source_type, case.grade, case.requirement_rows) == ("DEPT_KEY_EVAL", "中", [2])
    instance = db.session.get(ProcessInstance, uuid.UUID(case.instance_id))

    # 3. the notice (F-21): every issue's owner picked by name
    open_from_todo(page, base, PERF, "下发整改通知")
    assert page.locator("select[name$='.owner_person']").count() == 2
    for i in range(2):
        pick_person(page, f"select[name='issues.{i}.owner_person']", "教育局", "示例市教育局（本级）")
    shoot(page, shots, "02-f21-notice")
    submit(page, base)

    # 4. the plan (F-22) by the unit's filer, signed by the department head, accepted by perf.1
    open_from_todo(page, base, FILER, "整改计划")
    for i in range(2):
        page.fill(f"textarea[name='plan_items.{i}.measures']", MEASURE)
        if not page.locator(f"select[name='plan_items.{i}.responsible_person'] option:checked").get_attribute("value"):
            pick_person(page, f"select[name='plan_items.{i}.responsible_person']", "教育局", "示例市教育局（本级）")
    shoot(page, shots, "03-f22-plan")
    submit(page, base)
    open_from_todo(page, base, HEAD, "主管部门负责人签批整改计划")
    sign(page)
    shoot(page, shots, "04-f22-signoff")
    submit(page, base)
    open_from_todo(page, base, PERF, "审核整改计划")
    page.check("input[name=verdict][value=APPROVE]")
    submit(page, base)

    # 5. the report (F-23) with evidence per issue, signed, accepted — DT-15 on the preset draw
    evidence = tmp_path / "整改佐证材料.pdf"
    evidence.write_bytes(b"%PDF-1.4 rectification evidence")
    open_from_todo(page, base, FILER, "整改报告")
    for i in range(2):
        page.select_option(f"select[name='report_items.{i}.status']", "SELF_DECLARED_DONE")
        page.fill(f"textarea[name='report_items.{i}.completion_text']", DONE_TEXT)
        page.set_input_files(f"input[name='_upload.report_items.{i}.evidence']", str(evidence))
    page.fill("textarea[name=overall_summary]", SUMMARY)
    shoot(page, shots, "05-f23-report")
    submit(page, base)
    db.session.expire_all()
    assert all(i.evidence for i in db.session.scalars(select(IssueItem).where(IssueItem.case_id == case.id)))
    open_from_todo(page, base, HEAD, "主管部门负责人签批整改报告")
    sign(page)
    submit(page, base)
    case = db.session.get(RectificationCase, case.id)
    case.random_draw = Decimal("0.5")  # DT-15 row 4 → DESK (the draw is made once per case: a preset one is kept)
    db.session.commit()
    open_from_todo(page, base, PERF, "审核整改报告")
    page.check("input[name=verdict][value=APPROVE]")
    submit(page, base)
    db.session.expire_all()
    case = db.session.get(RectificationCase, case.id)
    assert (case.followup_mode, case.followup_rule_row, case.status) == ("DESK", 4, "REPORT_ACCEPTED")

    # 6. the desk check (F-24 desk): 对标销号 of every issue
    check_report = tmp_path / "书面核查报告.pdf"
    check_report.write_bytes(b"%PDF-1.4 desk check")
    open_from_todo(page, base, PERF, "书面核查")
    page.fill("input[name=actual_date]", str(today()))
    page.check("input[name=methods][value=DOC_REVIEW]")
    for i in range(2):
        page.select_option(f"select[name='item_results.{i}.result']", "CLOSED")
        page.fill(f"textarea[name='item_results.{i}.evidence_checked']", "查阅整改台账、制度文件和佐证材料，整改到位")
    page.set_input_files("input[name='_upload.report']", str(check_report))
    shoot(page, shots, "06-f24-desk")
    submit(page, base)

    db.session.expire_all()
    case = db.session.get(RectificationCase, case.id)
    issues = db.session.scalars(select(IssueItem).where(IssueItem.case_id == case.id)).all()
    assert (case.status, case.rect_state) == ("CLOSED", "IN_TIME") and case.closed_at is not None
    assert [i.status for i in issues] == ["CLOSED", "CLOSED"]
    thrown = db.session.scalars(select(Message).where(Message.source_instance_id == instance.id)).all()
    assert [(m.name, m.payload) for m in thrown] == [("msg_rectification_closed", {"case_id": str(case.id)})]

    # 7. the project page and the rectification ledger
    page.goto(f"{base}/projects/{CODE}")
    row = page.locator("table.project-rectification tbody tr").filter(has_text=case.code)
    assert "已销号" in row.inner_text() and row.locator("td").last.inner_text().strip() == "2/2"
    shoot(page, shots, "07-project", (1366, 390))
    page.set_viewport_size({"width": 390, "height": 844})
    section = page.locator("h2", has_text="整改事项").locator("xpath=following-sibling::div[1]")
    section.screenshot(path=str(shots / "07-project-section-390.png"))  # the page is long: its section alone
    page.set_viewport_size({"width": 1366, "height": 768})
    go_to(page, "整改台账")
    rate = page.locator("table.close-rates tr[data-dept=D01]")
    assert rate.locator("td.rate").inner_text().strip() == "100.0%"
    shoot(page, shots, "08-ledger", (1366, 390))
