"""The shipped P3 model: parses with the validator and its DMN, follows the conventions (lanes, forms,
ids, services in SYSTEM), its diagram shows every element, and both event sub-processes start by a
correlated, non-interrupting message."""
from __future__ import annotations

from pathlib import Path

from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import ServiceTask, UserTask

ROOT = Path(__file__).resolve().parents[2]
P3 = ROOT / "workflows/p3_monitoring/p3_monitoring.bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}


def _spec():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(P3))
    parser.add_dmn_files([str(p) for p in (ROOT / "workflows/dmn").glob("*.dmn")])
    return parser.get_spec("p3_monitoring"), parser.get_subprocess_specs("p3_monitoring", require_call_activity_specs=False)


def test_p3_parses_and_follows_conventions():
    spec, subs = _spec()
    assert spec.start.trigger_specs == ["sp_p3_adjust", "sp_p3_completed"]
    tasks = {**spec.task_specs, **{k: v for s in subs.values() if s for k, v in s.task_specs.items()}}
    users = {n: ts for n, ts in tasks.items() if isinstance(ts, UserTask)}
    assert {n: ts.lane for n, ts in users.items()} == {
        "ut_p3_unit_report": "UNIT_FILER", "ut_p3_dept_check": "DEPT_OFFICER", "ut_p3_unit_explain": "UNIT_FILER",
        "ut_p3_unit_corrective": "UNIT_FILER", "ut_p3_dept_confirm": "DEPT_OFFICER",
        "ut_p3_fund_followup": "FIN_FUND", "ut_p3_adjust_request": "UNIT_FILER", "ut_p3_adjust_dept": "DEPT_OFFICER"}
    forms = {n: (ts.extensions["properties"]["formKey"], ts.extensions["properties"].get("formMode"))
             for n, ts in users.items()}
    assert forms["ut_p3_unit_report"] == ("F-09", "edit") and forms["ut_p3_dept_check"] == ("F-09", "review")
    assert forms["ut_p3_unit_corrective"] == ("F-10", "corrective") and forms["ut_p3_fund_followup"][0] == "F-11"
    assert forms["ut_p3_adjust_request"][0] == "F-13" and forms["ut_p3_adjust_dept"][0] == "F-00"
    for ts in tasks.values():
        if isinstance(ts, ServiceTask):
            assert ts.lane == "SYSTEM" and ts.operation_name.startswith("p3."), ts.name
    for eid in ("st_p3_init", "tm_p3_next", "st_p3_load_execution", "gw_p3_report_month", "brt_p3_warning",
                "brt_p3_response", "st_p3_counters", "gw_p3_level", "ca_p3_key_monitoring", "gw_p3_fin_decision",
                "gw_p3_continue", "st_p3_close", "msg_p3_closed"):
        assert eid in spec.task_specs, eid
    assert spec.task_specs["ca_p3_key_monitoring"].spec == "ca5_key_monitoring"
    assert spec.task_specs["ca_p3_target_adjust"].spec == "ca3_target_review"


def test_event_subprocesses_are_correlated_non_interrupting_message_starts():
    doc = etree.parse(str(P3))
    for sp in ("sp_p3_adjust", "sp_p3_completed"):
        (start,) = doc.xpath(f"//bpmn:subProcess[@id='{sp}']/bpmn:startEvent", namespaces=NS)
        assert start.get("isInterrupting") == "false"
        assert "project_id" in start.xpath(".//*[local-name()='property' and @name='correlate']/@value")[0]


def test_diagram_interchange_covers_every_element():
    doc = etree.parse(str(P3))
    skip = {"definitions", "process", "laneSet", "ioSpecification", "dataInput", "dataOutput", "inputSet", "outputSet",
            "message", "collaboration", "timerEventDefinition", "messageEventDefinition", "conditionExpression"}
    elements = {e.get("id") for e in doc.iter() if isinstance(e.tag, str) and e.get("id")
                and etree.QName(e).namespace == NS["bpmn"] and etree.QName(e).localname not in skip}
    shown = {e.get("bpmnElement") for e in doc.iterfind(".//bpmndi:BPMNShape", NS)}
    shown |= {e.get("bpmnElement") for e in doc.iterfind(".//bpmndi:BPMNEdge", NS)}
    assert elements - shown == set()
