"""DT-14 (COLLECT, deadline = the minimum of the matched rows) and DT-15 (UNIQUE, the random draw)
through the shipped tables, and DT-14's aggregation as st_p7_create applies it
(budget.calc.rectification.requirement)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from budget.calc import rectification as calc

ROOT = Path(__file__).resolve().parents[2]
CHAIN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="t_p7_{d}" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="r"><bpmn:extensionElements><spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId></bpmn:extensionElements>
      <bpmn:incoming>f0</bpmn:incoming><bpmn:outgoing>f1</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="r" /><bpmn:sequenceFlow id="f1" sourceRef="r" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture(scope="module")
def specs():
    out = {}
    for d, decision in (("14", "dt_14_rectification_requirement"), ("15", "dt_15_followup_mode")):
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_str(CHAIN.format(d=d, decision=decision).encode())
        parser.add_dmn_files([str(ROOT / f"workflows/dmn/{decision}.dmn")])
        out[d] = parser.get_spec(f"t_p7_{d}")
    return out


def run(spec, engine, **data):
    wf = BpmnWorkflow(spec, script_engine=engine)
    wf.task_tree.data.update({"packs": ["CORE"], **data})
    wf.do_engine_steps()
    assert wf.is_completed()
    return wf.get_tasks(spec_name="r")[0].data


def dt14(specs, engine, source_type, grade=None, red=False, large_diff=False, cost_poor=False) -> calc.Requirement:
    d = run(specs["14"], engine, source_type=source_type, grade=grade, monitoring_red_unresolved=red,
            large_diff=large_diff, cost_poor=cost_poor)
    return calc.requirement(d.get("req_plan"), d.get("req_report"), d.get("req_plan_days"), d.get("req_report_days"),
                            d.get("req_hold"), d.get("req_rows"))


@pytest.mark.parametrize(("case", "expected"), [
    (("FISCAL_KEY_EVAL", "良"), (True, True, 30, 90, False, [1])),
    (("FISCAL_KEY_EVAL", "差"), (True, True, 30, 60, True, [1, 4])),  # report: min(90, 60)
    (("DEPT_KEY_EVAL", "中"), (True, True, 30, 90, False, [2])),
    (("DEPT_KEY_EVAL", "良"), (False, False, 30, None, False, [])),  # no row: an explanation, 30 days
    (("RE_EVAL", "中"), (True, True, 30, 90, False, [3])),
    (("AUDIT", None), (True, True, 30, 90, False, [7])),
    (("SPOT_CHECK", "良", False, True), (False, False, 15, None, False, [6])),
    (("COST_ANALYSIS", None, False, False, True), (False, False, 30, None, False, [8])),
])
def test_dt14_rows_and_minimum(specs, make_engine, case, expected):
    req = dt14(specs, make_engine(), *case)
    assert (req.plan_required, req.report_required, req.plan_days, req.report_days, req.budget_hold, req.rows) == expected


def test_dt14_monitoring_red_plan_only_and_minimum_over_rows(specs, make_engine):
    req = dt14(specs, make_engine(), "MONITORING", red=True)
    assert (req.plan_required, req.report_required, req.plan_days, req.rows) == (True, False, 15, [5])
    # an audit that also shows a large self/review difference: plan 15 (min of 30 and 15), report 90
    both = dt14(specs, make_engine(), "AUDIT", large_diff=True)
    assert (both.plan_required, both.report_required, both.plan_days, both.report_days, both.rows) == (
        True, True, 15, 90, [6, 7])


@pytest.mark.parametrize(("inputs", "expected"), [
    (("FISCAL_KEY_EVAL", 12, 100, 1, "0.9"), ("ONSITE", 3, 9, 1)),  # wide scope
    (("FISCAL_KEY_EVAL", 0, 5000, 1, "0.9"), ("ONSITE", 3, 9, 1)),  # large funds (inclusive)
    (("FISCAL_KEY_EVAL", 0, 100, 3, "0.9"), ("ONSITE", 3, 9, 1)),  # long duration
    (("FISCAL_KEY_EVAL", 4, "4999.99", 2, "0.05"), ("DESK", 1, 3, 2)),  # row 2 before the random row
    (("AUDIT", 12, 9000, 7, "0.1999"), ("ONSITE", 3, 9, 3)),
    (("AUDIT", 12, 9000, 7, "0.2"), ("DESK", 1, 3, 4)),
])
def test_dt15_mode(specs, make_engine, inputs, expected):
    source_type, districts, annual, years, draw = inputs
    d = run(specs["15"], make_engine(), source_type=source_type, scope_districts=districts, annual_wan=Decimal(annual),
            duration_years=years, random_draw=Decimal(draw))
    assert (d["followup_mode"], d["window_min_months"], d["window_max_months"], d["followup_rule_row"]) == expected


def test_calc_helpers():
    assert calc.case_code(2025, 7) == "RC-2025-007"
    assert calc.conclusion(["CLOSED", "PARTIAL"]) == "PARTIAL" and calc.conclusion(["NOT_RECTIFIED"]) == "NONE_CLOSED"
    assert calc.re_rectify_state(1) == (None, False) and calc.re_rectify_state(2) == ("NOT_RECTIFIED", True)
    from datetime import date
    assert calc.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
