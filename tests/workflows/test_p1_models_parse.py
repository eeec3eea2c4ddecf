"""P1 and its call activities: they parse with the spiff validator, follow docs/design.md, and every
branch of P1 runs to its end event in memory (raw SpiffWorkflow, canned form data and services)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import ServiceTask, UserTask

ROOT = Path(__file__).resolve().parents[2]
WF = ROOT / "workflows"
FILES = {
    "p1_project_intake": WF / "p1_intake/p1_project_intake.bpmn",
    "ca4_fiscal_exante": WF / "p1_intake/ca4_fiscal_exante.bpmn",
    "ca1_expert_panel": WF / "common/ca1_expert_panel.bpmn",
    "ca2_third_party_engagement": WF / "common/ca2_third_party_engagement.bpmn",
}
DMNS = ["dt_01_exante_requirement", "dt_02_exante_conclusion", "dt_05_major_key"]
SERVICES = {
    "experts.select", "panel.aggregate", "thirdparty.candidates", "engagement.create",
    "project.set_status", "exante.conclude", "project.enter_library", "project.record_classification",
}
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
ALL = ["CORE", "SD", "SZ", "QP", "FJ", "JN"]
CORE = ["CORE"]


# =========================================================================== structure

@pytest.mark.parametrize("pid", list(FILES))
def test_each_file_parses_alone_with_validator(pid):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(FILES[pid]))
    assert pid in parser.get_process_ids()


@pytest.mark.parametrize("stem", DMNS)
def test_dmn_parses_and_decision_id_is_file_stem(stem):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_dmn_file(str(WF / "dmn" / f"{stem}.dmn"))
    assert stem in parser.dmn_parsers
    table = parser.get_engine(stem, None).decision_table
    inputs = [i.expression for i in table.inputs]
    assert inputs[0] == "packs"
    assert table.hit_policy == ("UNIQUE" if stem.startswith("dt_02") else "COLLECT")
    prefix = stem[:5].replace("_", "")   # dt01 / dt02 / dt05
    assert [r.id for r in table.rules] == [f"{prefix}_r{i}" for i in range(1, len(table.rules) + 1)]


def _all_specs(specs):
    spec, subs = specs["p1_project_intake"]
    assert set(subs) == {"ca4_fiscal_exante", "ca1_expert_panel", "ca2_third_party_engagement", "sp_expert_opinions"}
    yield "p1_project_intake", spec
    yield from subs.items()


def test_conventions(specs):
    user_tasks = {}
    for pid, spec in _all_specs(specs):
        for ts in spec.task_specs.values():
            if isinstance(ts, UserTask):
                props = ts.extensions.get("properties", {})
                assert ts.lane, f"{pid}.{ts.name} has no lane"
                assert props.get("formKey"), f"{pid}.{ts.name} has no formKey"
                assert ts.name.startswith("ut_")
                user_tasks[ts.name] = (ts.lane, props)
            if isinstance(ts, ServiceTask):
                assert ts.operation_name in SERVICES, ts.operation_name
                assert ts.lane == "SYSTEM", ts.name
    assert user_tasks["ut_expert_opinion"][0] == "EXPERT"
    assert user_tasks["ut_expert_opinion"][1]["assignee"] == "expert"
    assert user_tasks["ut_tp_accept"] == ("TP_LEAD", {
        "formKey": "F-26", "formMode": "accept", "verdicts": "APPROVE,RETURN", "assignee": "tp_lead",
        "inputs": "ut_tp_select.*", "outputs": "tp_accept_verdict=verdict",
        "completionHandler": "common.record_engagement_accept"})
    assert user_tasks["ut_fe_assess_tp"][0] == "THIRD_PARTY"
    assert user_tasks["ut_fe_assess_center"][0] == "FIN_CENTER"
    assert user_tasks["ut_p1_dept_review"][1]["verdicts"] == "APPROVE,RETURN,REJECT"
    p1 = specs["p1_project_intake"][0]
    for eid in ("ut_p1_fill", "ut_p1_unit_approve", "gw_p1_unit", "ut_p1_dept_review", "gw_p1_dept",
                "st_p1_cutoff", "brt_p1_classify", "brt_p1_exante_req", "st_p1_agg", "gw_p1_need_dept_exante",
                "ut_p1_dept_exante", "ut_p1_dept_exante_confirm", "brt_p1_dept_conclusion", "gw_p1_dept_concl",
                "gw_p1_fiscal", "ut_p1_fin_decide", "ca_p1_fiscal_exante", "gw_p1_fiscal_concl",
                "ut_p1_revise_after_fiscal", "st_p1_enter_library", "msg_p1_in_library",
                "end_p1_in_library", "end_p1_not_admitted", "end_p1_rejected"):
        assert eid in p1.task_specs, eid
    assert {ts.lane for ts in p1.task_specs.values() if ts.lane} == {
        "UNIT_FILER", "UNIT_HEAD", "DEPT_OFFICER", "FIN_PERF", "SYSTEM"}


def test_engine_deployment_rules(specs, db):
    """engine.definitions.validate: lanes, known forms and modes, scripts compile in the sandbox, and
    every service operator and named task handler is registered by budget. Inside the app, as a
    deployment runs: create_app registers the role codes a lane may name (engine.base.hooks
    REGISTRY.roles); without it this test passed only after another file had made the app."""
    import budget  # noqa: F401  (registers the handlers and helpers)
    from engine.definitions.validate import check_specs
    from forms import load_definitions

    spec, subs = specs["p1_project_intake"]
    errors, used = check_specs({"p1_project_intake": spec, **subs}, {}, load_definitions())
    assert errors == []
    assert used == {"F-00", "F-01", "F-02", "F-03", "F-04", "F-05", "F-06", "F-26", "F-PANEL"}  # CA-1 JOINT: F-06


def test_called_processes_declare_io(specs):
    _spec, subs = specs["p1_project_intake"]
    io = {pid: ([v.bpmn_id for v in subs[pid].io_specification.data_inputs],
                [v.bpmn_id for v in subs[pid].io_specification.data_outputs])
          for pid in ("ca1_expert_panel", "ca2_third_party_engagement", "ca4_fiscal_exante")}
    assert io["ca4_fiscal_exante"][1] == ["conclusion", "recommended_amount", "annual_need"]
    assert io["ca1_expert_panel"][1] == ["panel_score", "panel_verdict", "opinions"]
    assert "engagement_id" in io["ca2_third_party_engagement"][1]


@pytest.mark.parametrize("path", list(FILES.values()), ids=list(FILES))
def test_diagram_interchange_covers_every_element(path):
    doc = etree.parse(str(path))
    elements = {e.get("id") for e in doc.iter() if e.get("id") and isinstance(e.tag, str)
                and etree.QName(e).namespace == NS["bpmn"]
                and etree.QName(e).localname not in (
                    "definitions", "process", "laneSet", "ioSpecification", "dataInput", "dataOutput",
                    "inputSet", "outputSet", "message", "collaboration", "inputDataItem", "outputDataItem",
                    "multiInstanceLoopCharacteristics", "timerEventDefinition", "messageEventDefinition",
                    "conditionExpression")}
    shown = {e.get("bpmnElement") for e in doc.iterfind(".//bpmndi:BPMNShape", NS)}
    shown |= {e.get("bpmnElement") for e in doc.iterfind(".//bpmndi:BPMNEdge", NS)}
    assert elements - shown == set()
    for edge in doc.iterfind(".//bpmndi:BPMNEdge", NS):
        assert len(edge) >= 2


# =========================================================================== walks


def intake(run, sample, code, *, unit_return=False, dept_return=False, form=None):
    run.complete("ut_p1_fill", **(form or sample.fill(code)))
    if unit_return:
        run.complete("ut_p1_unit_approve", verdict="RETURN")
        run.complete("ut_p1_fill", **(form or sample.fill(code)))
    run.complete("ut_p1_unit_approve", verdict="APPROVE")
    if dept_return:
        run.complete("ut_p1_dept_review", verdict="RETURN")
        run.complete("ut_p1_fill", **(form or sample.fill(code)))
        run.complete("ut_p1_unit_approve", verdict="APPROVE")
    run.complete("ut_p1_dept_review", verdict="APPROVE")


def dept_exante(run, sample, key, *, confirm_return=False, recommended=None):
    form = sample.scores(key, recommended_amount=Decimal(recommended) if recommended else None, annual_need=None)
    run.complete("ut_p1_dept_exante", **form)
    if confirm_return:
        run.complete("ut_p1_dept_exante_confirm", verdict="RETURN")
        run.complete("ut_p1_dept_exante", **form)
    run.complete("ut_p1_dept_exante_confirm", verdict="APPROVE")


def dims(sample, key):
    return {k: v for k, v in sample.scores(key).items() if k.startswith("dim_")}


def expert_form(sample, key, verdict="SUPPORT"):
    return {**dims(sample, key), "expert_verdict": verdict, "comment": "ok"}


def fiscal(run, sample, key, *, performer, recommended, override=None, tp_return=False, absent=None,
           firm=("TP-C", "tp.c.lead")):
    """Drive CA-4 (and CA-2 / CA-1 inside it) from ut_fe_scope to its end."""
    run.complete("ut_fe_scope", fe_performer=performer, focus_points="必要性、资金测算")
    if performer == "THIRD_PARTY":
        assert run.ready_names() == ["ut_tp_select"]
        if tp_return:
            run.complete("ut_tp_select", firm="TP-D", tp_lead="tp.d.lead", contract_amount=Decimal("12"))
            assert run.assignee(run.task("ut_tp_accept")) == "tp.d.lead"
            run.complete("ut_tp_accept", verdict="RETURN", conflict_declaration=False)
        run.complete("ut_tp_select", firm=firm[0], tp_lead=firm[1], contract_amount=Decimal("12"))
        run.complete("ut_tp_accept", _who=firm[1], verdict="APPROVE", conflict_declaration=True)
        assess = "ut_fe_assess_tp"
        assert run.assignee(run.task(assess)) == firm[1]
    else:
        assess = "ut_fe_assess_center"
        assert run.assignee(run.task(assess)) is None
    run.complete(assess, **sample.scores(key), recommended_amount=Decimal(recommended),
                 annual_need=[{"year": 2026, "amount": Decimal(recommended)}], key_findings="…")
    # CA-1 expert panel
    run.complete("ut_panel_confirm", experts=["expert.e01", "expert.e06", "expert.e09"])
    experts = sorted(run.assignee(t) for t in run.ready() if t.task_spec.name == "ut_expert_opinion")
    assert experts == ["expert.e01", "expert.e06", "expert.e09"]
    for t in run.ready():
        assert t.task_spec.lane == "EXPERT"
    for who in experts:
        if who == absent:
            continue
        run.complete("ut_expert_opinion", _who=who, **expert_form(sample, key))
    if absent:
        assert run.ready_names() == ["ut_expert_opinion"]
        run.fire_timer("tm_expert_opinion_due", expert=absent)
    chair = run.task("ut_panel_chair")
    opinions = chair.data["opinions"]
    assert sorted(o["expert"] for o in opinions) == experts
    assert [o["absent"] for o in opinions].count(True) == (1 if absent else 0)
    assert chair.data["panel_score"] == sum(dims(sample, key).values())
    run.complete("ut_panel_chair", panel_verdict="PASS", comment="同意")
    confirm = run.task("ut_fe_confirm")
    assert confirm.data["opinions"] == opinions and confirm.data["panel_verdict"] == "PASS"
    run.complete("ut_fe_confirm", conclusion_override=override, override_reason="x" if override else None)


def assert_clean_caller_data(run):
    """The call activities only hand back their declared outputs."""
    data = run.data_after("ca_p1_fiscal_exante")
    for leaked in ("experts", "opinions", "panel_type", "tp_candidates", "fe_performer", "engagement_id",
                   "expert", "tp_lead", "conclusion_override", "spiff__st_fe_conclude_result"):
        assert leaked not in data, leaked
    assert {"conclusion", "recommended_amount", "annual_need"} <= set(data)


def statuses(run):
    return [p["status"] for p in run.services.of("project.set_status")]


def ended(run, end):
    assert run.wf.is_completed(), run.ready_names()
    assert run.completed_ends() == [end]
    assert run.ready() == []


def in_library_event(run):
    events = run.events()
    assert [e.event_definition.name for e in events] == ["msg_project_in_library"]
    return events[0].payload


def test_no_exante_straight_into_library(run_p1, sample):
    run = run_p1(sample.initial("P-D05-002", CORE))
    intake(run, sample, "P-D05-002", unit_return=True, dept_return=True)
    ended(run, "end_p1_in_library")
    # no ex-ante at all: DEPT_APPROVED, then st_p1_status_exante writes DEPT_APPROVED again (no-op)
    assert statuses(run) == ["DEPT_APPROVED", "DEPT_APPROVED"]
    payload = in_library_event(run)
    assert payload == {"project_id": "id-P-D05-002", "request_year": 2026, "exante_conclusion": None,
                       "recommended_amount": None}
    assert run.seen.count("ut_p1_fill") == 3


def test_dept_exante_support_fiscal_none(run_p1, sample):
    run = run_p1(sample.initial("P-D05-002", ALL))
    intake(run, sample, "P-D05-002")
    dept_exante(run, sample, "P-D05-002", confirm_return=True, recommended=299)
    ended(run, "end_p1_in_library")
    assert statuses(run) == ["DEPT_APPROVED", "EXANTE"]
    (rec,) = run.services.of("exante.conclude")
    assert rec["assessor_type"] == "DEPT_SELF" and rec["conclusion"] == "SUPPORT" and rec["total_score"] == 80
    assert run.services.of("project.enter_library") == [{}]   # the handler reads the task data
    lib = run.data_after("st_p1_enter_library")
    assert (lib["conclusion"], lib["recommended_amount"], lib["fiscal_exante"]) == ("SUPPORT", Decimal(299), "NONE")
    assert in_library_event(run)["exante_conclusion"] == "SUPPORT"


def test_support_after_revision_then_support_in_round_2(run_p1, sample):
    run = run_p1(sample.initial("P-D05-001", ALL))
    intake(run, sample, "P-D05-001")
    dept_exante(run, sample, "P-D05-001")
    assert run.ready_names() == ["ut_p1_fill"]
    assert run.task("ut_p1_fill").data["rev_round"] == 1
    intake(run, sample, "P-D05-001")
    dept_exante(run, sample, "P-D05-001/2")
    ended(run, "end_p1_in_library")
    assert statuses(run) == ["DEPT_APPROVED", "EXANTE", "DRAFT", "DEPT_APPROVED", "EXANTE"]
    assert [c["conclusion"] for c in run.services.of("exante.conclude")] == ["SUPPORT_AFTER_REVISION", "SUPPORT"]
    d = run.data_after("st_p1_agg")
    assert d["dt01_rows"] == ["dt01_r2", "dt01_r8"]   # COLLECT lists are not merged with round 1


def test_revision_rounds_are_bounded(run_p1, sample):
    run = run_p1(sample.initial("P-D05-001", ALL))
    for _ in range(3):
        intake(run, sample, "P-D05-001")
        dept_exante(run, sample, "P-D05-001")
    ended(run, "end_p1_not_admitted")
    assert run.data_after("st_p1_not_admitted")["rev_round"] == 2
    assert statuses(run)[-1] == "NOT_ADMITTED" and statuses(run).count("DRAFT") == 2
    assert run.events() == []


def test_not_support_veto(run_p1, sample):
    run = run_p1(sample.initial("P-D11-001", ALL))
    intake(run, sample, "P-D11-001")
    dept_exante(run, sample, "P-D11-001")
    ended(run, "end_p1_not_admitted")
    assert run.data_after("brt_p1_dept_conclusion")["dt02_row"] == "dt02_r1"
    assert statuses(run) == ["DEPT_APPROVED", "EXANTE", "NOT_ADMITTED"]


def test_dept_reject(run_p1, sample):
    run = run_p1(sample.initial("P-D01-001", ALL))
    run.complete("ut_p1_fill", **sample.fill("P-D01-001"))
    run.complete("ut_p1_unit_approve", verdict="APPROVE")
    run.complete("ut_p1_dept_review", verdict="REJECT")
    ended(run, "end_p1_rejected")
    assert statuses(run) == ["NOT_ADMITTED"]


@pytest.mark.parametrize("code", ["P-D03-001", "P-D01-001"])
def test_optional_fiscal_declined(run_p1, sample, code):
    run = run_p1(sample.initial(code, ALL))
    intake(run, sample, code)
    dept_exante(run, sample, code)
    assert run.ready_names() == ["ut_p1_fin_decide"]
    run.complete("ut_p1_fin_decide", verdict="REJECT", reason="部门评估充分")
    ended(run, "end_p1_in_library")
    assert run.data_after("st_p1_enter_library")["fiscal_exante"] == "OPTIONAL"


def test_optional_fiscal_accepted_by_fin_center(run_p1, sample):
    run = run_p1(sample.initial("P-D03-001", ALL))
    intake(run, sample, "P-D03-001")
    dept_exante(run, sample, "P-D03-001", recommended=10000)
    run.complete("ut_p1_fin_decide", verdict="APPROVE")
    fiscal(run, sample, "P-D03-001", performer="FIN_CENTER", recommended=9000)
    ended(run, "end_p1_in_library")
    assert_clean_caller_data(run)
    fe = run.services.of("exante.conclude")[-1]
    assert fe["assessor_type"] == "FISCAL" and fe["conclusion"] == "SUPPORT" and fe["engagement_id"] is None
    assert run.data_after("st_p1_enter_library")["recommended_amount"] == Decimal(9000)
    assert run.services.of("experts.select")[0] == {
        "panel_type": "EXANTE", "domain": "FC214", "n_experts": 3, "dept_code": "D03"}


def test_required_fiscal_third_party_with_panel(run_p1, sample):
    """P-D02-001: dept SUPPORT, fiscal REQUIRED by a third party (CA-2 returned once, then accepted),
    CA-1 with three experts of whom one lets the P7D timer expire."""
    run = run_p1(sample.initial("P-D02-001", ALL))
    intake(run, sample, "P-D02-001")
    dept_exante(run, sample, "P-D02-001", recommended=15000)
    assert run.ready_names() == ["ut_fe_scope"]
    fiscal(run, sample, "P-D02-001", performer="THIRD_PARTY", recommended=13800, tp_return=True,
           absent="expert.e06")
    ended(run, "end_p1_in_library")
    assert_clean_caller_data(run)
    # an engagement is created per selection, before the lead accepts or returns it
    assert [p["tp_lead"] for p in run.services.of("engagement.create")] == ["tp.d.lead", "tp.c.lead"]
    assert run.services.of("engagement.create")[0]["object_id"] == "id-P-D02-001"
    (agg,) = run.services.of("panel.aggregate")
    assert [o["absent"] for o in agg["opinions"]].count(True) == 1
    fe = run.services.of("exante.conclude")[-1]
    assert fe["assessor_type"] == "FISCAL" and fe["engagement_id"] == "ENG-2" and fe["panel_verdict"] == "PASS"
    assert fe["matched_rows"] == ["dt02_r3"] and fe["dim_necessity"] == 22
    assert in_library_event(run)["recommended_amount"] == Decimal(13800)


def test_required_fiscal_key_support_after_revision(run_p1, sample):
    """P-D04-002 renewal: no dept ex-ante, fiscal key by FIN_CENTER, 74 → revise, recommended 1,500."""
    run = run_p1(sample.initial("P-D04-002", ALL))
    intake(run, sample, "P-D04-002")
    assert run.ready_names() == ["ut_fe_scope"]
    fiscal(run, sample, "P-D04-002", performer="FIN_CENTER", recommended=1500)
    assert run.ready_names() == ["ut_p1_revise_after_fiscal"]
    assert run.task("ut_p1_revise_after_fiscal").task_spec.lane == "UNIT_FILER"
    run.complete("ut_p1_revise_after_fiscal", **sample.fill("P-D04-002"))
    ended(run, "end_p1_in_library")
    fe = run.services.of("exante.conclude")[-1]
    assert fe["assessor_type"] == "FISCAL_KEY" and fe["conclusion"] == "SUPPORT_AFTER_REVISION"
    assert statuses(run) == ["DEPT_APPROVED", "EXANTE"]
    assert run.data_after("st_p1_enter_library")["recommended_amount"] == Decimal(1500)


def test_fiscal_override_not_support(run_p1, sample):
    """P-D10-001 by TP-A: DT-02 says SUPPORT_AFTER_REVISION, FIN_PERF overrides to NOT_SUPPORT."""
    run = run_p1(sample.initial("P-D10-001", ALL))
    intake(run, sample, "P-D10-001")
    fiscal(run, sample, "P-D10-001", performer="THIRD_PARTY", recommended=10500, override="NOT_SUPPORT",
           firm=("TP-A", "tp.a.lead"))
    ended(run, "end_p1_not_admitted")
    fe = run.services.of("exante.conclude")[-1]
    assert (fe["rule_conclusion"], fe["conclusion"], fe["override_reason"]) == (
        "SUPPORT_AFTER_REVISION", "NOT_SUPPORT", "x")
    assert statuses(run)[-1] == "NOT_ADMITTED"


def test_assessment_escalation_timer_is_non_interrupting(run_p1, sample):
    run = run_p1(sample.initial("P-D04-002", CORE))
    intake(run, sample, "P-D04-002")
    run.complete("ut_fe_scope", fe_performer="FIN_CENTER", focus_points="")
    run.fire_timer("tm_fe_assess_center_due")
    assert run.ready_names() == ["ut_fe_assess_center"]
    assert run.data_after("st_fe_escalate")["fe_escalated"] is True


def test_intake_cutoff_moves_request_year(run_p1, sample, clock):
    import datetime as dt
    clock.today = dt.date(2025, 10, 15)   # after the 2025-08-31 cut-off for FY2026
    run = run_p1(sample.initial("P-D05-002", CORE))
    intake(run, sample, "P-D05-002")
    ended(run, "end_p1_in_library")
    d = run.data_after("st_p1_inputs")
    assert d["request_year"] == 2027 and d["cutoff_shifted"] is True
    assert d["request_wan"] == Decimal(299)   # no 2027 row: first requested year
    assert in_library_event(run)["request_year"] == 2027


def test_in_year_request_is_not_moved_by_cutoff(run_p1, sample, clock):
    import datetime as dt
    clock.today = dt.date(2026, 3, 1)
    run = run_p1(sample.initial("P-D05-002", CORE, in_year=True))
    intake(run, sample, "P-D05-002")
    d = run.data_after("st_p1_agg")
    assert d["request_year"] == 2026 and d["cutoff_shifted"] is False
    assert d["dt01_rows"] == ["dt01_r6"] and d["dept_exante"] is True   # CORE row 6: in-year request
