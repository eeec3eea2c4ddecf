"""budget.calc.monitoring: run dates, report months, time progress, execution figures, parameters."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from budget.calc import monitoring as calc


def test_run_dates_are_the_fifth_at_nine_shanghai():
    assert calc.run_at(2025, 1) == datetime(2025, 2, 5, 9, tzinfo=calc.TZ)
    assert calc.run_at(2025, 12) == datetime(2026, 1, 5, 9, tzinfo=calc.TZ)
    assert calc.run_at(2025, 4).isoformat() == "2025-05-05T09:00:00+08:00"  # a holiday: not moved


def test_report_months_per_pack():
    assert calc.report_months(["CORE"]) == ([7], [])
    assert calc.report_months(["CORE", "SD", "SZ", "QP", "FJ", "JN"]) == ([6, 7, 8, 9], [7])
    assert calc.report_months(["CORE", "FJ", "QP"]) == ([7, 8], [7])


def test_time_progress_modes():
    assert calc.two(calc.time_progress(2025, 7)) == Decimal("58.33")
    assert calc.time_progress(2025, 9) == Decimal("75.000000")
    assert calc.two(calc.time_progress(2025, 6, "LINEAR_DAY")) == Decimal("49.59")  # Jun 30 = day 181/365
    # approved in-year on Jul 1: 91 of 183 days by Sep 30; before the approval nothing elapsed
    assert calc.two(calc.time_progress(2025, 9, approved_on=date(2025, 7, 1))) == Decimal("49.73")
    assert calc.time_progress(2025, 3, approved_on=date(2025, 7, 1)) == Decimal(0)


def test_execution_figures_and_data_error():
    f = calc.execution(Decimal("250000"), Decimal("1000000"), calc.time_progress(2025, 7))
    assert (f.exec_rate, calc.two(f.lag_pp), f.data_error) == (Decimal("25.00"), Decimal("33.33"), False)
    assert calc.execution(Decimal("1000100"), Decimal("1000000"), Decimal(50)).data_error is False  # × 1.0001
    assert calc.execution(Decimal("1000100.01"), Decimal("1000000"), Decimal(50)).data_error is True


def test_overrun_and_possibility():
    assert calc.overrun_pct(Decimal("10.90"), Decimal("9.80")) == Decimal("11.22")
    assert calc.max_overrun(None) == 0 and calc.max_overrun([{"actual_unit_cost": 9, "target_value": 10}]) == 0
    assert calc.worst_possibility([{"possibility": "CERTAIN"}, {"possibility": "POSSIBLE"}]) == "POSSIBLE"
    assert calc.worst_possibility([]) is None


def test_rule_params_defaults_and_overrides():
    assert calc.rule_params(None)["sd_key_operator"] == ">=" and calc.rule_params({})["warn_start_month"] == 4
    p = calc.rule_params({"sd_key_operator": ">", "warn_start_month": "5", "unknown": 1})
    assert (p["sd_key_operator"], p["warn_start_month"], "unknown" in p) == (">", 5, False)
    assert calc.rule_params({"sd_key_operator": "=="})["sd_key_operator"] == ">="
