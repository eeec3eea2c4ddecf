"""V-02 and V-10 over a case made by P7 on the real engine (p7_driver), not written through the
models: the plan missed (the boundary timer flags it, the ledger says OVERDUE and how late, then
DONE_LATE once the head signs), and the 约谈 moving the report's due date — the ledgers read as of a
day before the move keep the old date, after it the new one."""
from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from budget.demo import load_demo
from budget.ledgers.asof import AsOf
from budget.ledgers.rectification import CaseFilters, cases_page
from budget.ledgers.work import LedgerFilters, ledger_page
from tests.ledgers.conftest import user

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from p7_driver import HEAD, PERF, UNIT_HEAD, P7Flow, at, clock_today, deploy_p7  # noqa: E402

pytestmark = pytest.mark.slow


def work(day: date) -> dict[str, dict]:
    return {r["deliverable"]: r for r in ledger_page(user(PERF), AsOf(day), LedgerFilters(source="P7"), 1, 100).items}


def case_row(day: date) -> dict:
    (row,) = cases_page(user(PERF), AsOf(day), CaseFilters(), 1, 100, clock_today()).items
    return row


def test_a_p7_case_late_plan_and_interview_in_the_ledgers(db):
    load_demo("demo-pass-1")
    deploy_p7()
    p = P7Flow("AUDIT", n_findings=2)
    p.notice()
    case = p.case()
    plan_due, report_due = case.plan_due, case.report_due
    assert work(plan_due - timedelta(days=2))["RECT_PLAN"]["status"] == "DUE_SOON"

    # the plan missed: the timer flags the case; V-02 OVERDUE by 3 days, V-10 overdue 3 days
    p.tick_at(at(plan_due + timedelta(days=3)))
    assert p.case().plan_overdue
    late = work(plan_due + timedelta(days=3))["RECT_PLAN"]
    assert (late["status"], late["days_late"], late["due"]) == ("OVERDUE", 3, plan_due)
    assert late["responsible"] == "filer.d01u01"
    row = case_row(plan_due + timedelta(days=3))
    assert (row["code"], row["overdue_days"], row["plan_due"]) == (case.code, 3, plan_due)
    p.plan()  # written, signed and accepted 3 days late
    done = work(plan_due + timedelta(days=10))["RECT_PLAN"]
    assert (done["status"], done["days_late"]) == ("DONE_LATE", 3)
    assert work(plan_due + timedelta(days=2))["RECT_PLAN"]["status"] == "OVERDUE"  # as it stood then

    # the report missed too; the 约谈 at report due + 15 days moves it 20 days on
    p.tick_at(at(report_due + timedelta(days=16)))
    moved_on = clock_today()
    new_due = moved_on + timedelta(days=20)
    p.do(PERF, "ut_p7_interview", {"interview_date": moved_on, "interviewees": [HEAD, UNIT_HEAD],
                                   "interview_record": "约谈单位负责人，要求限期报送整改报告并落实整改责任。",
                                   "new_report_due": new_due})
    before = work(moved_on - timedelta(days=1))["RECT_REPORT"]
    assert (before["due"], before["status"], before["days_late"]) == (report_due, "OVERDUE", 15)
    after = work(moved_on)["RECT_REPORT"]
    assert (after["due"], after["status"], after["days_late"]) == (new_due, "NOT_DUE", 0)
    assert case_row(moved_on - timedelta(days=1))["report_due"] == report_due
    now = case_row(moved_on)
    assert (now["report_due"], now["interview_held"]) == (new_due, True)
    assert [i["deadline"] for i in now["issues"]] == [new_due, new_due]
