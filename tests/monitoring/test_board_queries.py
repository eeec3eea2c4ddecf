"""预警看板 queries on PostgreSQL over the §8.6 series: the month's warnings most severe first,
the counts by level, the rows' series and report figures, the filters and the data scope."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from budget.monitoring_views.board import WarningFilters, board, latest_month, warnings_page
from engine.base.db import db
from engine.base.identity import User

TODAY = date(2025, 10, 12)


def _user(name: str) -> User:
    return db.session.scalars(select(User).where(User.username == name)).one()


def test_the_latest_month_is_the_default(year_2025):
    assert latest_month(_user("perf.1")) == (2025, 9)
    assert latest_month(_user("perf.1"), 2024) is None


def test_september_most_severe_first_with_counts(year_2025):
    found = board(_user("perf.1"), WarningFilters(year=2025, month=9), 1, 20, TODAY)
    codes = [(r["project_code"], r["level"], r["key_monitoring"]) for r in found.items]
    # RED key monitoring first (D08-001 lag 45, major, SD month 9), then YELLOW by lag (20, 15,
    # the July report's 有可能, the July cost overrun of 11.22 %); D04-002 (lag 7) is GREEN.
    assert codes == [("P-D08-001", "RED", True), ("P-D01-002", "YELLOW", False), ("P-D07-002", "YELLOW", False),
                     ("P-D04-001", "YELLOW", False), ("P-D03-002", "YELLOW", False)]
    assert found.extra["counts"] == {"RED": 1, "YELLOW": 4, "KEY": 1}
    assert found.extra["monitored"] == 7
    top = found.items[0]
    assert top["reasons"] == ["SD_KEY_40PP", "LAG_30", "LAG_15"] and top["rule_row"] == 1
    assert top["lag_pp"] == Decimal("45.00") and top["consecutive_count"] == 5
    assert top["suggested_response"] == "KEY_MONITORING" and top["response_state"] == "OPEN"
    assert [p["exec_rate"] for p in top["series"]] == [Decimal(x) for x in ("0", "0", "2", "5", "8", "10", "25", "30", "30")]
    d04 = next(r for r in found.items if r["project_code"] == "P-D04-001")
    assert d04["reasons"] == ["TARGET_AT_RISK"] and d04["worst_possibility"] == "POSSIBLE"
    d03 = next(r for r in found.items if r["project_code"] == "P-D03-002")
    assert d03["reasons"] == ["COST_OVERRUN_10"] and d03["max_cost_overrun"] == Decimal("11.22")


def test_filters_level_key_department(year_2025):
    perf = _user("perf.1")
    assert warnings_page(perf, WarningFilters(year=2025, month=9, level="YELLOW"), 1, 20).total == 4
    assert [r["project_code"] for r in warnings_page(perf, WarningFilters(year=2025, month=9, key_only=True), 1, 20).items] \
        == ["P-D08-001"]
    assert warnings_page(perf, WarningFilters(year=2025, month=9, dept="D04"), 1, 20).total == 1
    whole_year = warnings_page(perf, WarningFilters(year=2025, project_code="P-D08-001"), 1, 50)
    assert [r["month"] for r in whole_year.items] == [9, 8, 7, 6, 5, 4]
    june = next(r for r in whole_year.items if r["month"] == 6)
    assert june["key_monitoring"] and june["response"] == "WATCH"
    july = next(r for r in whole_year.items if r["month"] == 7)
    assert july["suggested_response"] == "PROPOSE_PAYMENT_HOLD" and july["response"] == "PAYMENT_HOLD"


def test_a_department_officer_sees_only_their_department(year_2025):
    officer = _user("dept.d04")
    found = board(officer, WarningFilters(year=2025, month=9), 1, 20, TODAY)
    assert {r["department"] for r in found.items} == {"D04"}
    assert found.extra["monitored"] == 2  # D04-001 and D04-002
    assert warnings_page(officer, WarningFilters(year=2025, dept="D08"), 1, 20).total == 0
    fund = _user("fund.eco")  # 经济建设处: D03 and D08
    assert {r["department"] for r in board(fund, WarningFilters(year=2025, month=9), 1, 20, TODAY).items} == {"D03", "D08"}


def test_unanswered_past_due_is_overdue(year_2025):
    found = board(_user("perf.1"), WarningFilters(year=2025, month=9), 1, 20, date(2025, 10, 30))
    assert {r["response_state"] for r in found.items} == {"OVERDUE"}
