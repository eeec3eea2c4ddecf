"""Pure domain rules (budget.calc, no database): money, scores, panel draw and aggregation, status
machine, review outcomes, firms' order, dates; and the registrations the shipped models rely on."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest

import budget  # noqa: F401  (registers handlers)
from budget.calc.domains import domain_of
from budget.calc.intake import default_request_year, intake_cutoff
from budget.calc.money import annual_need_yuan, shares, wan_to_yuan, yuan_to_wan
from budget.calc.panel import aggregate, draw_panel
from budget.calc.parties import has_conflict, rank_firms
from budget.calc.reviews import dept_review_statuses, returns_it, unit_approval_status
from budget.calc.scores import assessment_total, dims_total
from budget.calc.status import IllegalTransition, can_change, check_change
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


def test_check_change_is_idempotent_and_names_the_project():
    assert check_change("P-D03-001", "DRAFT", "SUBMITTED") is True
    assert check_change("P-D03-001", "IN_LIBRARY", "IN_LIBRARY") is False
    with pytest.raises(IllegalTransition, match="P-D03-001 不能从「草稿」"):
        check_change("P-D03-001", "DRAFT", "IN_LIBRARY")
    with pytest.raises(IllegalTransition, match="未知的项目库状态"):
        check_change("P-D03-001", "DRAFT", "LOST")


def test_review_outcomes():
    assert [unit_approval_status(v) for v in ("APPROVE", "RETURN", None)] == ["SUBMITTED", "DRAFT", None]
    assert dept_review_statuses("REJECT") == ("NOT_ADMITTED", "REJECTED")
    assert dept_review_statuses("RETURN") == ("DRAFT", "RETURNED")
    assert dept_review_statuses(None) == (None, None)
    assert returns_it("RETURN") and returns_it("REJECT") and not returns_it("APPROVE")


def test_scores_total():
    dims = {"dim_necessity": 22, "dim_economy": "15", "dim_target": Decimal("16"), "dim_feasibility": 16.5,
            "dim_financing": 13}
    assert dims_total(dims) == Decimal("82.5")
    assert dims_total({**dims, "dim_target": None}) is None
    assert assessment_total({"total_score": "80"}, dims) == Decimal("80")  # an entered total wins
    assert assessment_total({}, dims) == Decimal("82.5")


def test_money_of_forms():
    assert annual_need_yuan([{"year": 2026, "amount": Decimal("1100")}, {"year": 2027, "amount": None}]) == {
        "2026": "11000000.00"}
    assert annual_need_yuan({"2027": "0.5"}) == {"2027": "5000.00"} and annual_need_yuan(None) == {}
    assert shares([{"source": "GENERAL", "share": Decimal("70")}, {"source": "GOV_FUND", "share": 30}]) == {
        "GENERAL": "70", "GOV_FUND": "30"}
    assert shares([]) is None


@dataclass(eq=False)
class Person:
    name: str
    domains: list[str] = field(default_factory=list)


def test_draw_panel_is_reproducible_and_keeps_a_fiscal_seat():
    pool = [Person("h1", ["HEALTH"]), Person("h2", ["HEALTH"]), Person("h3", ["HEALTH"]),
            Person("f1", ["FISCAL_PERF"]), Person("g1", ["GENERAL"])]
    drawn = draw_panel(pool, "HEALTH", 3, seed="instance-1EXANTE")
    assert len({p.name for p in drawn}) == 3
    assert sum("FISCAL_PERF" in p.domains for p in drawn) == 1 and sum("HEALTH" in p.domains for p in drawn) == 2
    assert [p.name for p in draw_panel(pool, "HEALTH", 3, seed="instance-1EXANTE")] == [p.name for p in drawn]
    assert len(draw_panel(pool[:2], "HEALTH", 3, seed="x")) == 2  # a small pool gives what it has


@dataclass
class Firm:
    id: int
    tier: str
    code: str


def test_rank_firms_and_conflicts():
    firms = [Firm(1, "B", "TP-B"), Firm(2, "A", "TP-A"), Firm(3, "A", "TP-C")]
    assert [f.code for f in rank_firms(firms, {2: 3})] == ["TP-C", "TP-A", "TP-B"]  # tier, then load
    assert has_conflict(["D02"], "D02-U01") and has_conflict(["D02-U01"], "D02")
    assert not has_conflict(["D02"], "D03") and not has_conflict(None, "D02")


def test_default_request_year():
    assert default_request_year(date(2025, 8, 31)) == 2026
    assert default_request_year(date(2025, 9, 1)) == 2027  # past 2026's cut-off
    assert default_request_year(date(2025, 9, 1), in_year=True) == 2025


def test_helpers_and_registrations():
    assert intake_cutoff(2026) == date(2025, 8, 31)
    assert REGISTRY.helpers["intake_cutoff"](2027) == date(2026, 8, 31)
    assert isinstance(REGISTRY.helpers["today"](), date)
    assert domain_of("214") == "TRANSPORT" and domain_of(209) == "SOCIAL_SECURITY" and domain_of("223") == "GENERAL"
    for name in ("experts.select", "panel.aggregate", "thirdparty.candidates", "engagement.create",
                 "project.set_status", "exante.conclude", "project.enter_library"):
        assert name in REGISTRY.services
    assert "p1_project_intake" in REGISTRY.starters
