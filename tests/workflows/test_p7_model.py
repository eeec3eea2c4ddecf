"""The shipped P7 model: parses with its DMN, has every element of processes §5.9 with its id, the
lanes (issuer FIN_PERF or FIN_FUND, the unit, the department head's sign-off steps, the verifier),
forms and modes, services in SYSTEM named p7.*, and a diagram that shows every element."""
from __future__ import annotations

from pathlib import Path

from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import ServiceTask, UserTask

ROOT = Path(__file__).resolve().parents[2]
P7 = ROOT / "workflows/p7_rectification/p7_rectification.bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
SECTION_5_9 = (
    "brt_p7_req", "st_p7_create", "ut_p7_notice", "gw_p7_plan_required", "ut_p7_explain", "ut_p7_explain_accept",
    "end_p7_closed", "ut_p7_plan", "st_p7_plan_overdue", "ut_p7_plan_review", "gw_p7_report_required",
    "ut_p7_confirm_done", "ut_p7_report", "st_p7_report_overdue", "ut_p7_interview", "ut_p7_report_review",
    "brt_p7_followup", "gw_p7_mode", "ut_p7_desk_verify", "ut_p7_schedule", "tm_p7_check_date", "ut_p7_onsite",
    "st_p7_mark_items", "gw_p7_all_closed", "st_p7_close", "msg_p7_closed", "st_p7_re_rectify")


def _spec():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(P7))
    parser.add_dmn_files([str(p) for p in (ROOT / "workflows/dmn").glob("dt_1[45]_*.dmn")])
    return parser.get_spec("p7_rectification")


def test_p7_has_every_element_of_section_5_9_in_its_lane():
    spec = _spec()
    assert set(SECTION_5_9) <= set(spec.task_specs)
    users = {n: ts for n, ts in spec.task_specs.items() if isinstance(ts, UserTask)}
    props = {n: ts.extensions["properties"] for n, ts in users.items()}
    assert {n: ts.lane for n, ts in users.items()} == {
        "ut_p7_notice": "FIN_PERF", "ut_p7_notice_fund": "FIN_FUND", "ut_p7_explain": "UNIT_FILER",
        "ut_p7_explain_accept": "FIN_PERF", "ut_p7_plan": "UNIT_FILER", "ut_p7_plan_signoff": "DEPT_HEAD",
        "ut_p7_plan_review": "FIN_PERF", "ut_p7_confirm_done": "FIN_FUND", "ut_p7_report": "UNIT_FILER",
        "ut_p7_report_signoff": "DEPT_HEAD", "ut_p7_interview": "FIN_PERF", "ut_p7_report_review": "FIN_PERF",
        "ut_p7_desk_verify": "FIN_PERF", "ut_p7_schedule": "FIN_PERF", "ut_p7_onsite": "VERIFIER"}
    forms = {n: (p["formKey"], p.get("formMode")) for n, p in props.items()}
    assert forms["ut_p7_notice"] == ("F-21", "notice") and forms["ut_p7_explain"] == ("F-10", "rect_explain")
    assert forms["ut_p7_plan"] == ("F-22", "edit") and forms["ut_p7_plan_signoff"] == ("F-22", "signoff")
    assert forms["ut_p7_report"] == ("F-23", "edit") and forms["ut_p7_onsite"] == ("F-24", "onsite")
    assert forms["ut_p7_desk_verify"] == ("F-24", "desk") and forms["ut_p7_schedule"] == ("F-24", "schedule")
    assert props["ut_p7_plan"]["dueAt"] == "plan_due_iso" and props["ut_p7_report"]["dueAt"] == "report_due_iso"
    for ts in spec.task_specs.values():
        if isinstance(ts, ServiceTask):
            assert ts.lane == "SYSTEM" and ts.operation_name.startswith("p7."), ts.name


def test_boundary_timers_are_non_interrupting_on_plan_and_report():
    doc = etree.parse(str(P7))
    found = {b.get("id"): (b.get("attachedToRef"), b.get("cancelActivity"), b.xpath(".//bpmn:timeDate/text()", namespaces=NS)[0])
             for b in doc.iterfind(".//bpmn:boundaryEvent", NS)}
    assert found == {"tm_p7_plan_due": ("ut_p7_plan", "false", "plan_due_iso"),
                     "tm_p7_plan_signoff_due": ("ut_p7_plan_signoff", "false", "plan_due_iso"),  # the whole plan stage
                     "tm_p7_report_due": ("ut_p7_report", "false", "report_due_iso"),
                     "tm_p7_report_signoff_due": ("ut_p7_report_signoff", "false", "report_due_iso"),
                     "tm_p7_interview": ("ut_p7_report", "false", "interview_due_iso")}


def test_diagram_interchange_covers_every_element():
    doc = etree.parse(str(P7))
    skip = {"definitions", "process", "laneSet", "ioSpecification", "dataInput", "dataOutput", "inputSet", "outputSet",
            "message", "collaboration", "timerEventDefinition", "messageEventDefinition", "conditionExpression"}
    elements = {e.get("id") for e in doc.iter() if isinstance(e.tag, str) and e.get("id")
                and etree.QName(e).namespace == NS["bpmn"] and etree.QName(e).localname not in skip}
    shown = {e.get("bpmnElement") for e in doc.iterfind(".//bpmndi:BPMNShape", NS)}
    shown |= {e.get("bpmnElement") for e in doc.iterfind(".//bpmndi:BPMNEdge", NS)}
    assert elements - shown == set()
