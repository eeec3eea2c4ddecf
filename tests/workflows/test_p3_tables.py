"""DT-06 (UNIQUE and its COLLECT variant) and DT-07 with the FY2025 monitoring series of sample-data
§8.6, through the shipped tables and the shipped scripts around them (`st_p3_rule_inputs`, `st_p3_levels`, read from the P3 model),
month by month with consecutive RED and the department's last judgement carried like P3 does."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from budget.calc import monitoring as calc

ROOT = Path(__file__).resolve().parents[2]
ALL = ["CORE", "SD", "SZ", "QP", "FJ", "JN"]
CORE = ["CORE"]
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


def _script(step: str) -> str:
    doc = etree.parse(str(ROOT / "workflows/p3_monitoring/p3_monitoring.bpmn"))
    (script,) = doc.xpath(f"//bpmn:scriptTask[@id='{step}']/bpmn:script", namespaces=NS)
    return script.text


CHAIN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="t_p3_rules" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="i" scriptFormat="python"><bpmn:incoming>f0</bpmn:incoming><bpmn:outgoing>f1</bpmn:outgoing>
      <bpmn:script>{_script("st_p3_rule_inputs")}</bpmn:script></bpmn:scriptTask>
    <bpmn:businessRuleTask id="w"><bpmn:extensionElements><spiffworkflow:calledDecisionId>dt_06_monitoring_warning</spiffworkflow:calledDecisionId></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:businessRuleTask id="r"><bpmn:extensionElements><spiffworkflow:calledDecisionId>dt_06_monitoring_reasons</spiffworkflow:calledDecisionId></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:scriptTask id="l" scriptFormat="python"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>{_script("st_p3_levels")}</bpmn:script></bpmn:scriptTask>
    <bpmn:businessRuleTask id="p"><bpmn:extensionElements><spiffworkflow:calledDecisionId>dt_07_monitoring_response</spiffworkflow:calledDecisionId></bpmn:extensionElements>
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="i" /><bpmn:sequenceFlow id="f1" sourceRef="i" targetRef="w" /><bpmn:sequenceFlow id="f2" sourceRef="w" targetRef="r" />
    <bpmn:sequenceFlow id="f3" sourceRef="r" targetRef="l" /><bpmn:sequenceFlow id="f4" sourceRef="l" targetRef="p" />
    <bpmn:sequenceFlow id="f5" sourceRef="p" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
""".encode()


@pytest.fixture(scope="module")
def chain_spec():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_str(CHAIN)
    parser.add_dmn_files([str(p) for p in (ROOT / "workflows/dmn").glob("dt_0[67]_*.dmn")])
    return parser.get_spec("t_p3_rules")


class Year:
    """One project-year's months through the rules, carrying what P3 carries between months."""

    def __init__(self, spec, engine, *, packs=ALL, major=True, operator=">=", fiscal_year=2025):
        self.spec, self.engine, self.packs, self.major = spec, engine, packs, major
        self.operator, self.fiscal_year = operator, fiscal_year
        self.consecutive_red, self.unit_response_ok = 0, None

    def month(self, m: int, exec_rate: str, *, possibility=None, overrun=Decimal(0), response_ok=None) -> dict:
        progress = calc.time_progress(self.fiscal_year, m)
        figures = calc.execution(Decimal(exec_rate) * 1000, Decimal(100000), progress)
        wf = BpmnWorkflow(self.spec, script_engine=self.engine)
        wf.task_tree.data.update({
            "packs": self.packs, "month": m, "lag_pp": figures.lag_pp, "is_major": self.major,
            "worst_possibility": possibility, "max_cost_overrun_pct": overrun, "exec_rate": figures.exec_rate,
            "warn_start_month": 4, "sd_key_operator": self.operator, "consecutive_red": self.consecutive_red,
            "unit_response_ok": self.unit_response_ok})
        wf.do_engine_steps()
        assert wf.is_completed()
        d = wf.get_tasks(spec_name="p")[0].data
        self.consecutive_red = d["consecutive_red"]
        if response_ok is not None:
            self.unit_response_ok = response_ok
        return d


def outcome(d: dict) -> tuple:
    return d["level"], d["reason"], d["dt06_row"], d["key_monitoring"], d["suggested_response"], d["consecutive_red"]


# P-D08-001 (major): 0 0 2 5 8 10 25 30 30; unit_response_ok M5 T, M6 T, M7 F
D08 = ["0", "0", "2", "5", "8", "10", "25", "30", "30"]
D08_RESPONSES = {5: True, 6: True, 7: False}


def test_p_d08_001_red_consecutive_key_and_payment_hold(chain_spec, make_engine):
    year = Year(chain_spec, make_engine())
    seen = {m: outcome(year.month(m, D08[m - 1], response_ok=D08_RESPONSES.get(m))) for m in range(1, 10)}
    assert [seen[m][0] for m in (1, 2, 3)] == ["GREEN"] * 3  # lag ≥ 15 from M2, but warnings start in month 4
    assert seen[4] == ("YELLOW", "LAG_15", 7, False, "REQUIRE_EXPLANATION", 0)
    assert seen[5] == ("RED", "LAG_30", 4, False, "REQUIRE_CORRECTIVE_PLAN", 1)
    assert seen[6] == ("RED", "SD_KEY_40PP", 1, True, "KEY_MONITORING", 2)  # lag exactly 40.00: ">=" (R1)
    assert seen[7] == ("RED", "LAG_30", 4, False, "REQUIRE_CORRECTIVE_PLAN", 3)  # M6 judged adequate
    assert seen[8] == ("RED", "LAG_30", 4, False, "PROPOSE_PAYMENT_HOLD", 4)  # M7 not adequate, RED ≥ 2 months
    assert seen[9] == ("RED", "SD_KEY_40PP", 1, True, "KEY_MONITORING", 5)


def test_sd_key_operator_strict_and_core_pack(chain_spec, make_engine):
    strict = Year(chain_spec, make_engine(), operator=">")
    core = Year(chain_spec, make_engine(), packs=CORE)
    for m in range(1, 7):
        s = strict.month(m, D08[m - 1], response_ok=D08_RESPONSES.get(m))
        c = core.month(m, D08[m - 1], response_ok=D08_RESPONSES.get(m))
    assert outcome(s) == ("RED", "LAG_30", 4, False, "REQUIRE_CORRECTIVE_PLAN", 2)  # 40.00 is not > 40
    assert s["warning_reasons"] == ["LAG_30", "LAG_15"]
    assert outcome(c)[:4] == ("RED", "LAG_30", 4, False)  # no SD pack: no key monitoring


def test_secondary_reasons_listed_in_row_order(chain_spec, make_engine):
    d = Year(chain_spec, make_engine()).month(6, "10", possibility="POSSIBLE")
    assert d["warning_reasons"] == ["SD_KEY_40PP", "LAG_30", "TARGET_AT_RISK", "LAG_15"]


def test_p_d04_001_m7_possible_is_yellow(chain_spec, make_engine):
    d = Year(chain_spec, make_engine()).month(7, "45", possibility="POSSIBLE")
    assert outcome(d)[:5] == ("YELLOW", "TARGET_AT_RISK", 6, False, "REQUIRE_EXPLANATION")


def test_p_d03_002_m7_cost_overrun_is_yellow(chain_spec, make_engine):
    overrun = calc.max_overrun([{"actual_unit_cost": Decimal("10.90"), "target_value": Decimal("9.80")}])
    assert overrun == Decimal("11.22")
    d = Year(chain_spec, make_engine()).month(7, "57", possibility="CERTAIN", overrun=overrun)
    assert outcome(d)[:5] == ("YELLOW", "COST_OVERRUN_10", 8, False, "REQUIRE_EXPLANATION")
    assert Year(chain_spec, make_engine()).month(7, "57", overrun=Decimal("20.01"))["reason"] == "COST_OVERRUN_20"


@pytest.mark.parametrize(("month", "exec_rate", "expected"), [
    (6, "12", ("RED", "LAG_30")),     # 38 pp
    (7, "17.33", ("RED", "LAG_30")),  # 41 pp but not a major project: no key monitoring
    (8, "40", ("YELLOW", "LAG_15")),
    (9, "60", ("YELLOW", "LAG_15")),  # exactly 15.00 pp: ≥ 15 (inclusive)
])
def test_p_d07_002_not_major(chain_spec, make_engine, month, exec_rate, expected):
    d = Year(chain_spec, make_engine(), major=False).month(month, exec_rate)
    assert (d["level"], d["reason"]) == expected and d["key_monitoring"] is False


def test_p_d04_002_and_year_end_risk(chain_spec, make_engine):
    year = Year(chain_spec, make_engine())
    levels = [year.month(m, e, response_ok=True)["level"] for m, e in enumerate(["0", "0", "0", "0", "0", "12", "40"], 1)]
    assert levels == ["GREEN", "GREEN", "GREEN", "RED", "RED", "RED", "YELLOW"]
    d = Year(chain_spec, make_engine(), major=False).month(10, "45")
    assert outcome(d)[:5] == ("RED", "YEAR_END_RISK", 3, False, "PROPOSE_RECOVER_OR_REALLOCATE")
    assert d["recovery_review"] is True


def test_impossible_target_is_red_and_green_is_none(chain_spec, make_engine):
    d = Year(chain_spec, make_engine()).month(7, "58", possibility="IMPOSSIBLE")
    assert outcome(d)[:3] == ("RED", "TARGET_IMPOSSIBLE", 2)
    d = Year(chain_spec, make_engine()).month(7, "58", possibility="CERTAIN")
    assert (d["level"], d["suggested_response"], d["warning_reasons"]) == ("GREEN", "NONE", [])


def test_collect_variant_has_the_unique_rows():
    """The COLLECT table repeats the UNIQUE table's rows 1–8 (same conditions, same reasons)."""
    def rows(stem):
        doc = etree.parse(str(ROOT / f"workflows/dmn/{stem}.dmn"))
        ns = {"d": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
        return [([e.text or "" for e in r.xpath("d:inputEntry/d:text", namespaces=ns)],
                 r.xpath("d:outputEntry/d:text", namespaces=ns)) for r in doc.xpath("//d:rule", namespaces=ns)]
    unique, collect = rows("dt_06_monitoring_warning"), rows("dt_06_monitoring_reasons")
    assert len(unique) == 9 and len(collect) == 8
    for (u_in, u_out), (c_in, c_out) in zip(unique, collect, strict=False):
        assert u_in == c_in and u_out[3].text == c_out[0].text
