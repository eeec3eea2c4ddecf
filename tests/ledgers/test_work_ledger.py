"""工作台账 V-02 on PostgreSQL and the real engine: P3's monthly report and warning explanation of a
demo year read at several as_of dates (NOT_DUE → DUE_SOON → OVERDUE → DONE_LATE; DONE_ON_TIME),
P7's plan and report of a case whose report due was moved by a 约谈 later, grouping and scope."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from budget.ledgers.asof import AsOf
from budget.ledgers.work import LedgerFilters, ledger_page
from budget.models import Project
from engine.base.db import db
from engine.time import clock
from tests.ledgers.conftest import rect_case, submit_report, user


def rows(who: str, day: date, **f):  # noqa: ANN201
    return ledger_page(user(who), AsOf(day), LedgerFilters(**f), 1, 100)


def monthly(who: str, day: date, month: int) -> dict:
    found = [r for r in rows(who, day, source="P3").items if r["deliverable"] == "MONTHLY_MONITORING"
             and r["due"].month == month + 1]
    assert len(found) == 1, found
    return found[0]


def test_a_monthly_report_through_its_statuses(p3_year):
    p = p3_year
    # Opened 2025-07-05, due 2025-07-31 (the end of the month it is read in).
    assert monthly("perf.1", date(2025, 7, 10), 6)["status"] == "NOT_DUE"
    soon = monthly("perf.1", date(2025, 7, 28), 6)
    assert soon["status"] == "DUE_SOON" and soon["days_late"] == 0 and soon["submitted_at"] is None
    assert monthly("perf.1", date(2025, 7, 31), 6)["status"] == "DUE_SOON"
    late = monthly("perf.1", date(2025, 8, 3), 6)
    assert (late["status"], late["days_late"]) == ("OVERDUE", 3)
    project = db.session.scalars(select(Project).where(Project.code == "P-D01-002")).one()
    assert (late["object_name"], late["dept_code"], late["source"]) == (project.name, "D01", "P3")
    assert late["responsible"] is None and late["lane"] == "UNIT_FILER"  # unclaimed: the filers of the unit
    # Before it existed it is not there at all.
    assert [r for r in rows("perf.1", date(2025, 7, 4), source="P3").items if r["due"] == date(2025, 7, 31)] == []
    clock.travel_to(datetime(2025, 8, 4, 3, tzinfo=UTC))  # 11:00 Shanghai, 4 days late
    p.report()
    db.session.commit()
    done = monthly("perf.1", date(2025, 8, 10), 6)
    assert (done["status"], done["days_late"]) == ("DONE_LATE", 4) and done["responsible"] == "filer.d01u01"
    assert monthly("perf.1", date(2025, 8, 3), 6)["status"] == "OVERDUE"  # as of before it was done
    assert monthly("perf.1", date(2025, 7, 28), 6)["status"] == "DUE_SOON"
    p.run_month(7, 3250)
    clock.travel_to(datetime(2025, 8, 20, 3, tzinfo=UTC))
    p.report_only(unit_cost=42)
    db.session.commit()
    on_time = monthly("perf.1", date(2025, 9, 30), 7)
    assert (on_time["status"], on_time["days_late"]) == ("DONE_ON_TIME", 0)
    explained = [r for r in rows("perf.1", date(2025, 9, 30)).items if r["deliverable"] == "WARNING_RESPONSE"]
    assert len(explained) == 1 and explained[0]["status"] == "DONE_ON_TIME"


def test_grouping_filters_and_scope(p3_year):
    day = date(2025, 8, 3)
    found = rows("perf.1", day)
    (d01,) = [g for g in found.extra["groups"] if g["dept_code"] == "D01"]
    assert d01["total"] == found.total and d01["OVERDUE"] == 1 and d01["DONE_ON_TIME"] >= 1
    assert rows("perf.1", day, status="OVERDUE").total == 1
    assert rows("perf.1", day, status="OVERDUE").extra["groups"] == found.extra["groups"]  # counts ignore status
    assert rows("perf.1", day, deliverable="WARNING_RESPONSE").total == 1
    assert rows("perf.1", day, source="P2").total == 0
    assert rows("dept.d01", day).total == found.total  # their department
    assert rows("dept.d04", day).total == 0  # another department
    assert rows("dept.d04", day, dept="D01").total == 0  # asking for it shows nothing
    assert rows("fund.edu", day).total == found.total  # the fund division of D01
    assert rows("perf.1", day, year=2024).total == 0


def test_p7_plan_and_report_with_a_due_date_moved_later(p3_year):
    case = rect_case("RC-2025-901", "P-D01-002", notice=date(2025, 9, 1), plan_due=date(2025, 9, 15),
                     report_due=date(2025, 10, 31))
    db.session.commit()

    def p7(day: date) -> dict[str, dict]:
        return {r["deliverable"]: r for r in rows("perf.1", day, source="P7").items}

    assert p7(date(2025, 8, 31)) == {}
    at = p7(date(2025, 9, 13))
    assert at["RECT_PLAN"]["status"] == "DUE_SOON" and at["RECT_REPORT"]["status"] == "NOT_DUE"
    assert at["RECT_PLAN"]["responsible"] == "filer.d01u01" and at["RECT_PLAN"]["dept_code"] == "D01"
    # The 约谈 on 2025-11-20 sets a new report due (2025-12-10); the ledger for 11月15日 keeps the old one.
    clock.travel_to(datetime(2025, 11, 20, 2, tzinfo=UTC))
    case.report_due = date(2025, 12, 10)
    db.session.commit()
    nov15 = p7(date(2025, 11, 15))["RECT_REPORT"]
    assert (nov15["due"], nov15["status"], nov15["days_late"]) == (date(2025, 10, 31), "OVERDUE", 15)
    dec1 = p7(date(2025, 12, 1))["RECT_REPORT"]
    assert (dec1["due"], dec1["status"]) == (date(2025, 12, 10), "NOT_DUE")
    submit_report(case, datetime(2025, 12, 12, 2, tzinfo=UTC))
    db.session.commit()
    done = p7(date(2025, 12, 31))["RECT_REPORT"]
    assert (done["status"], done["days_late"]) == ("DONE_LATE", 2)
    assert p7(date(2025, 12, 11))["RECT_REPORT"]["status"] == "OVERDUE"
    assert p7(date(2025, 12, 31))["RECT_PLAN"]["status"] == "OVERDUE"  # never submitted
    assert rows("dept.d04", date(2025, 12, 31), source="P7").total == 0
