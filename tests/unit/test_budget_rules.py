"""Pure domain rules of P1: money, panel aggregation, status machine, dispatch, helpers."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import budget  # noqa: F401  (registers handlers)
from budget.domains import domain_of
from budget.handlers.application import record_application
from budget.handlers.experts import aggregate
from budget.handlers.helpers import intake_cutoff
from budget.handlers.records import route
from budget.handlers.writers import (
    record_dept_review,
    record_fin_decision,
    record_fiscal_scores,
    record_unit_approval,
)
from budget.money import wan_to_yuan, yuan_to_wan
from budget.status import can_change
from engine.base.hooks import REGISTRY


def test_money_round_trip():
    assert wan_to_yuan(Decimal("3000")) == Decimal("30000000.00")
    assert wan_to_yuan(Decimal("0.0001")) == Decimal("1.00")
    assert wan_to_yuan(Decimal("1.23456")) == Decimal("12345.60")
    assert wan_to_yuan(None) is None
    assert yuan_to_wan(Decimal("150000000.00")) == Decimal("15000")


def op(expert, total, verdict, absent=False):
    return {"expert": expert, "total_score": Decimal(total), "expert_verdict": verdict, "absent": absent}


def test_aggregate_plain_mean_below_five():
    r = aggregate([op("e01", "82", "SUPPORT"), op("e02", "78", "REVISE"), op("e03", "85", "SUPPORT")])
    assert r["panel_score"] == Decimal("81.67")
    assert r["panel_verdict_proposed"] == "PASS"
    assert r["panel_any_reject"] is False
    assert r["panel_summary"]["dropped"] == []


def test_aggregate_drops_max_and_min_from_five_present():
    ops = [op("e01", "90", "SUPPORT"), op("e02", "80", "SUPPORT"), op("e03", "70", "REVISE"),
           op("e04", "60", "NOT_SUPPORT"), op("e06", "85", "REVISE"), op("e07", "99", "SUPPORT", absent=True)]
    r = aggregate(ops)
    assert r["panel_summary"]["present"] == 5
    assert set(r["panel_summary"]["dropped"]) == {"e01", "e04"}
    assert r["panel_score"] == Decimal("78.33")  # (80 + 70 + 85) / 3
    assert r["panel_verdict_proposed"] == "REVISE"  # 2 PASS (absent e07 not counted), 2 REVISE: tie → severer
    assert r["panel_any_reject"] is True
    assert r["panel_summary"]["absent"] == ["e07"]


def test_aggregate_tie_goes_to_the_more_severe_verdict():
    r = aggregate([op("e01", "80", "SUPPORT"), op("e02", "70", "REVISE")])
    assert r["panel_verdict_proposed"] == "REVISE"


def test_aggregate_sums_dimensions_when_no_total_and_handles_nobody_present():
    dims = {"dim_necessity": 20, "dim_economy": 15, "dim_target": 15, "dim_feasibility": 15, "dim_financing": 12}
    r = aggregate([{"expert": "e01", "expert_verdict": "SUPPORT", **dims}])
    assert r["panel_score"] == Decimal("77.00")
    assert r["panel_summary"]["dim_means"]["dim_necessity"] == Decimal("20.00")
    empty = aggregate([op("e01", "80", "SUPPORT", absent=True)])
    assert empty["panel_score"] is None and empty["panel_verdict_proposed"] is None


@pytest.mark.parametrize(("current", "new", "ok"), [
    ("DRAFT", "SUBMITTED", True), ("SUBMITTED", "DRAFT", True), ("SUBMITTED", "DEPT_APPROVED", True),
    ("DEPT_APPROVED", "EXANTE", True), ("EXANTE", "DRAFT", True), ("EXANTE", "NOT_ADMITTED", True),
    ("DEPT_APPROVED", "IN_LIBRARY", True), ("IN_LIBRARY", "ACTIVE", True), ("ACTIVE", "CANCELLED", True),
    ("EXANTE", "WITHDRAWN", True), ("IN_LIBRARY", "IN_LIBRARY", True),
    ("DRAFT", "IN_LIBRARY", False), ("SUBMITTED", "IN_LIBRARY", False), ("NOT_ADMITTED", "DRAFT", False),
    ("ACTIVE", "WITHDRAWN", False), ("ACTIVE", "DRAFT", False), ("IN_LIBRARY", "EXANTE", False),
])
def test_library_transitions(current, new, ok):
    assert can_change(current, new) is ok


def test_dispatch_table():
    assert route(["F-01", "F-04"], None, "ut_p1_fill") is record_application
    assert route(["F-04", "F-01"], "edit", "ut_p1_revise_after_fiscal") is record_application
    assert route(["F-00"], None, "ut_p1_unit_approve") is record_unit_approval
    assert route(["F-00"], None, "ut_p1_fin_decide") is record_fin_decision
    assert route(["F-00"], None, "ut_ex_approve") is None  # F-00 elsewhere: no domain record
    assert route(["F-05"], "dept", "ut_p1_dept_review") is record_dept_review
    assert route(["F-03"], "assess", "ut_fe_assess") is record_fiscal_scores
    assert route(["F-03"], "expert", "ut_expert_opinion") is None
    assert route(["F-05"], "expert", "ut_expert_opinion") is None


def test_helpers_and_registrations():
    assert intake_cutoff(2026) == date(2025, 8, 31)
    assert REGISTRY.helpers["intake_cutoff"](2027) == date(2026, 8, 31)
    assert isinstance(REGISTRY.helpers["today"](), date)
    assert domain_of("214") == "TRANSPORT" and domain_of(209) == "SOCIAL_SECURITY" and domain_of("223") == "GENERAL"
    for name in ("experts.select", "panel.aggregate", "thirdparty.candidates", "engagement.create",
                 "project.set_status", "exante.conclude", "project.enter_library"):
        assert name in REGISTRY.services
