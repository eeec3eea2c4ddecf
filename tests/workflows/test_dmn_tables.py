"""DT-01 / DT-05 / DT-02 against the FY2026 intake samples (sample-data.md §8.5), packs ALL and {CORE}.

DT-05 and DT-01 are evaluated through P1 itself (st_p1_inputs → DT-05 → st_p1_classify_agg → DT-01 →
st_p1_agg), so the shipped aggregation scripts are what is tested; DT-02 runs in a one-task BPMN.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

ALL = ["CORE", "SD", "SZ", "QP", "FJ", "JN"]
CORE = ["CORE"]

# code -> (is_major, is_key, dt05 rows, dept_exante, fiscal_exante, fiscal_key, alternatives, cost_benefit, dt01 rows)
EXPECTED_ALL = {
    "P-D02-001": (True, True, [2, 3, 4], True, "REQUIRED", False, True, True, [1, 2, 3, 4, 7, 8]),
    "P-D03-001": (True, True, [2, 3], True, "OPTIONAL", False, True, True, [1, 2, 3, 7, 8]),
    "P-D01-001": (True, True, [2, 3], True, "OPTIONAL", False, False, True, [1, 2, 3, 8]),
    "P-D05-001": (False, True, [3], True, "NONE", False, False, False, [2, 8]),
    "P-D05-002": (False, False, [], True, "NONE", False, False, False, [2]),
    "P-D11-001": (True, True, [2, 3], True, "OPTIONAL", False, True, True, [1, 2, 3, 7, 8]),
    "P-D04-002": (True, False, [2], False, "REQUIRED", True, False, False, [5]),
    "P-D10-001": (True, True, [2, 4], False, "REQUIRED", True, False, False, [5]),
}
EXPECTED_CORE = {
    "P-D02-001": (True, False, [2], True, "OPTIONAL", False, False, False, [1]),
    "P-D03-001": (True, False, [2], True, "OPTIONAL", False, False, False, [1]),
    "P-D01-001": (True, False, [2], True, "OPTIONAL", False, False, False, [1]),
    "P-D05-001": (False, False, [], False, "NONE", False, False, False, []),
    "P-D05-002": (False, False, [], False, "NONE", False, False, False, []),
    "P-D11-001": (True, False, [2], True, "OPTIONAL", False, False, False, [1]),
    "P-D04-002": (True, False, [2], False, "REQUIRED", True, False, False, [5]),
    "P-D10-001": (True, False, [2], False, "REQUIRED", True, False, False, [5]),
}


def classify(run_p1, sample, code, packs, **initial):
    run = run_p1(sample.initial(code, packs, **initial))
    run.complete("ut_p1_fill", **sample.fill(code))
    run.complete("ut_p1_unit_approve", verdict="APPROVE")
    run.complete("ut_p1_dept_review", verdict="APPROVE")
    return run, run.data_after("st_p1_agg")


@pytest.mark.parametrize(
    ("packs", "code", "expected"),
    [("ALL", c, e) for c, e in EXPECTED_ALL.items()] + [("CORE", c, e) for c, e in EXPECTED_CORE.items()],
)
def test_dt05_dt01_fy2026_intake(run_p1, sample, packs, code, expected):
    major, key, rows05, dept, fiscal, fkey, alt, cb, rows01 = expected
    _run, d = classify(run_p1, sample, code, ALL if packs == "ALL" else CORE)
    assert (d["is_major"], d["is_key"]) == (major, key)
    assert d["dt05_rows"] == [f"dt05_r{i}" for i in rows05]
    assert d["dept_exante"] is dept
    assert d["fiscal_exante"] == fiscal
    assert d["fiscal_key"] is fkey
    assert d["alternatives_required"] is alt
    assert d["cost_benefit_required"] is cb
    assert d["dt01_rows"] == [f"dt01_r{i}" for i in rows01]
    assert d["request_wan"] == Decimal(sample.PROJECTS[code][5])


def test_thresholds_at_the_edges(run_p1, sample):
    # SD row 4 is exclusive (> 10,000): P-D03-001 at 10,000 is not hit, 10,001 is.
    _r, d = classify(run_p1, sample, "P-D03-001", ALL)
    assert "dt01_r4" not in d["dt01_rows"] and "dt05_r4" not in d["dt05_rows"]
    run = run_p1(sample.initial("P-D03-001", ALL))
    form = sample.fill("P-D03-001")
    for row in form["annual_requests"]:
        row["fiscal_amount"] = Decimal("10000.01")
    run.complete("ut_p1_fill", **form)
    run.complete("ut_p1_unit_approve", verdict="APPROVE")
    run.complete("ut_p1_dept_review", verdict="APPROVE")
    d = run.data_after("st_p1_agg")
    assert d["fiscal_exante"] == "REQUIRED" and "dt01_r4" in d["dt01_rows"] and "dt05_r4" in d["dt05_rows"]
    # FJ 300 inclusive, 299 not
    _r, d = classify(run_p1, sample, "P-D05-001", ALL)
    assert "dt01_r8" in d["dt01_rows"] and d["is_key"] is True
    _r, d = classify(run_p1, sample, "P-D05-002", ALL)
    assert "dt01_r8" not in d["dt01_rows"] and d["is_key"] is False


def test_in_year_and_manual_flags(run_p1, sample):
    _r, d = classify(run_p1, sample, "P-D05-002", CORE, in_year=True, is_major_flag=True)
    assert d["dt05_rows"] == ["dt05_r1"] and d["is_major"] and d["is_key"]
    assert set(d["dt01_rows"]) == {"dt01_r1", "dt01_r6"}
    assert d["dept_exante"] and d["fiscal_exante"] == "OPTIONAL"
    assert d["exante_reasons"] == ["NEW_MAJOR", "IN_YEAR_REQUEST"] and "exante_reason" not in d


def test_large_influence_gives_alternatives_below_5000(run_p1, sample):
    _r, d = classify(run_p1, sample, "P-D01-001", ALL)
    assert d["alternatives_required"] is False
    run = run_p1(sample.initial("P-D01-001", ALL))
    run.complete("ut_p1_fill", **sample.fill("P-D01-001", large_influence=True))
    run.complete("ut_p1_unit_approve", verdict="APPROVE")
    run.complete("ut_p1_dept_review", verdict="APPROVE")
    assert run.data_after("st_p1_agg")["alternatives_required"] is True


# --------------------------------------------------------------------------- DT-02 in a one-task BPMN

DT02_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="t_dt02" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="brt">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>dt_02_exante_conclusion</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="brt" />
    <bpmn:sequenceFlow id="f2" sourceRef="brt" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture(scope="module")
def dt02_spec():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_str(DT02_BPMN)
    parser.add_dmn_file(str(Path(__file__).resolve().parents[2] / "workflows/dmn/dt_02_exante_conclusion.dmn"))
    return parser.get_spec("t_dt02")


# key in SCORES -> (conclusion, library_allowed, matched row)
EXPECTED_DT02 = {
    "P-D02-001": ("SUPPORT", True, "dt02_r3"),                    # 82
    "P-D03-001": ("SUPPORT", True, "dt02_r3"),                    # 84
    "P-D01-001": ("SUPPORT", True, "dt02_r3"),                    # 85
    "P-D05-001": ("SUPPORT_AFTER_REVISION", False, "dt02_r4"),    # round 1: 76
    "P-D05-001/2": ("SUPPORT", True, "dt02_r3"),                  # round 2: 81
    "P-D05-002": ("SUPPORT", True, "dt02_r3"),                    # 80 inclusive
    "P-D11-001": ("NOT_SUPPORT", False, "dt02_r1"),               # veto 13/25 < 0.6 (and 58 < 60)
    "P-D04-002": ("SUPPORT_AFTER_REVISION", False, "dt02_r4"),    # 74
    "P-D10-001": ("SUPPORT_AFTER_REVISION", False, "dt02_r4"),    # 71
}


@pytest.mark.parametrize("packs", [ALL, CORE], ids=["ALL", "CORE"])
@pytest.mark.parametrize("key", list(EXPECTED_DT02))
def test_dt02_fy2026_samples(dt02_spec, make_engine, sample, packs, key):
    wf = BpmnWorkflow(dt02_spec, script_engine=make_engine())
    wf.task_tree.data.update({"packs": packs, **sample.scores(key)})
    wf.do_engine_steps()
    assert wf.is_completed()
    d = wf.get_tasks(spec_name="brt")[0].data
    assert (d["conclusion"], d["library_allowed"], d["dt02_row"]) == EXPECTED_DT02[key]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"dim_necessity": Decimal(15), "total_score": Decimal(95)}, "dt02_r1"),   # exactly 0.6 -> not vetoed
        ({"dim_necessity": Decimal("14.9"), "total_score": Decimal(95)}, "dt02_r1"),
        ({"dim_necessity": Decimal(25), "total_score": Decimal(95), "financing_compliant": False}, "dt02_r2"),
        ({"dim_necessity": Decimal(25), "total_score": Decimal(60)}, "dt02_r4"),
        ({"dim_necessity": Decimal(25), "total_score": Decimal("59.99")}, "dt02_r5"),
    ],
)
def test_dt02_edges(dt02_spec, make_engine, scores, expected):
    data = {"packs": CORE, "financing_compliant": True, **scores}
    if expected == "dt02_r1" and scores["dim_necessity"] == 15:
        expected = "dt02_r3"   # 15 / 25 = 0.6 is not < 0.6
    wf = BpmnWorkflow(dt02_spec, script_engine=make_engine())
    wf.task_tree.data.update(data)
    wf.do_engine_steps()
    assert wf.get_tasks(spec_name="brt")[0].data["dt02_row"] == expected
