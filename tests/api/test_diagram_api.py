"""`GET /api/v1/instances/{id}/diagram` (issue 13 point 1) on the real engine: a P1 request midway
(completed steps and the flows taken, the department's review ready with its candidates' names, the
unit head's verdict and opinion in the history), P2 waiting at its submission timer (due time), a
message catch with its correlation (a model without diagram information), and 404 outside the
caller's scope."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.base.identity import User
from engine.base.models import Timer
from engine.moves.runtime import start_process
from tests.factories import PASSWORD

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from p1_driver import CORE, Flow, set_packs, user  # noqa: E402
from p2_driver import P2Flow, deploy_p1_p2  # noqa: E402

MODELS = Path(__file__).parents[1] / "models"


@pytest.fixture()
def demo(db):
    from budget.demo import load_demo
    from engine.definitions.deploy import deploy

    load_demo(PASSWORD)
    deploy_p1_p2()
    deploy({"msg_catcher.bpmn": (MODELS / "msg_catcher.bpmn").read_bytes()}, "test")
    set_packs(CORE)
    db.session.commit()
    return db


def _diagram(client, headers, instance_id, **query):
    """The reply, validated against the generated OpenAPI document's schema for its status."""
    from tests.api.test_openapi_document import Checker

    reply = client.get(f"/api/v1/instances/{instance_id}/diagram", headers=headers, query_string=query)
    Checker(client.get("/api/v1/openapi.json").get_json())("/instances/{id}/diagram", "get", reply)
    return reply.status_code, reply.get_json()


def test_p1_midway_p2_timer_and_message_wait(demo, client, token_for):
    flow = Flow("P-D05-002")
    flow.fill()
    flow.unit_approve(comment="同意申报，资金测算依据充分。")
    officer = token_for(flow.officer)

    status, body = _diagram(client, officer, flow.instance.id)
    assert status == 200, body
    assert body["process_id"] == "p1_project_intake" and body["has_layout"] is True
    assert body["xml"].startswith("<?xml") and 'id="ut_p1_dept_review"' in body["xml"]
    states = {e["id"]: e for e in body["elements"]}
    for done in ("start_p1", "st_p1_init", "gw_p1_fill_merge", "ut_p1_fill", "ut_p1_unit_approve", "gw_p1_unit"):
        assert states[done]["state"] == "COMPLETED", (done, states.get(done))
    assert {"f_p1_01", "f_p1_02", "f_p1_03", "f_p1_04", "f_p1_05", "f_p1_07"} <= set(body["flows"])
    assert not {"f_p1_06", "f_p1_08", "f_p1_09"} & set(body["flows"])  # not taken (yet)
    review = states["ut_p1_dept_review"]
    assert (review["state"], review["state_label"]) == ("ACTIVE", "办理中")
    officer_name = demo.session.scalar(select(User.name).where(User.username == flow.officer))
    assert officer_name in review["actors"] and flow.officer not in review["actors"]  # names, not usernames
    (approved,) = [h for h in states["ut_p1_unit_approve"]["history"] if h["action"] == "complete"]
    head_name = demo.session.scalar(select(User.name).where(User.username == flow.head))
    assert (approved["actor_name"], approved["decision"], approved["decision_label"]) == (head_name, "APPROVE", "同意")
    assert approved["comment"] == "同意申报，资金测算依据充分。" and approved["at"]
    assert "end_p1_in_library" not in states and "ut_p1_dept_exante" not in states

    # 404 outside the caller's scope, as for the instance itself; a made-up child too
    outsider = token_for("dept.d03")
    assert client.get(f"/api/v1/instances/{flow.instance.id}", headers=outsider).status_code == 404
    assert _diagram(client, outsider, flow.instance.id)[0] == 404
    assert _diagram(client, officer, flow.instance.id, sub=str(flow.instance.id))[0] == 404

    # P2 starts from the library entry and waits at the unit's confirmation with its deadline timer
    flow.dept_review()
    p2 = P2Flow(flow)
    status, body = _diagram(client, officer, p2.instance.id)
    assert status == 200, body
    states = {e["id"]: e for e in body["elements"]}
    due = demo.session.scalar(select(Timer.due_at).where(Timer.instance_id == p2.instance.id,
                                                         Timer.task_name == "tm_p2_submit_due"))
    timer = states["tm_p2_submit_due"]
    assert (timer["state"], timer["state_label"]) == ("WAITING", "等待中")
    assert timer["due_at"] is not None and timer["due_at"][:16] == due.isoformat()[:16]
    assert states["ut_p2_confirm_request"]["state"] == "ACTIVE" and states["ut_p2_confirm_request"]["actors"]

    # a message catch waits with its correlation; this model has no diagram information
    waiting = start_process("msg_catcher", user(flow.filer.username), {"project_id": "P-TEST-9"})
    demo.session.commit()
    status, body = _diagram(client, token_for(flow.filer.username), waiting.id)
    assert status == 200, body
    assert body["has_layout"] is False
    (catch,) = [e for e in body["elements"] if e["id"] == "msg_mc_in_library"]
    assert (catch["state"], catch["message"], catch["correlation"]) == (
        "WAITING", "msg_project_in_library", {"project_id": "P-TEST-9"})
    assert body["flows"] == ["f_mc_1"]


def test_a_call_activity_opens_its_child(db, app, client, token_for):
    """CA-5 runs as a subworkflow of the instance: the call activity is in progress and names its
    child, whose own diagram (`sub`) shows the plan step ready."""
    from p3_calls_driver import PERF, Run, setup, warning

    setup()
    run = Run("ca5", warning_id=warning(key=True, suggested="WATCH").id)
    user(PERF).set_password(PASSWORD)  # the driver's demo has its own password
    db.session.commit()
    perf = token_for(PERF)
    status, body = _diagram(client, perf, run.instance.id)
    assert status == 200, body
    call = {e["id"]: e for e in body["elements"]}["ca_fx_key_monitoring"]
    assert call["state"] == "ACTIVE" and call["child"]
    status, child = _diagram(client, perf, run.instance.id, sub=call["child"])
    assert status == 200, child
    assert (child["process_id"], child["parent_element"], child["sub"]) == (
        "ca5_key_monitoring", "ca_fx_key_monitoring", call["child"])
    assert 'id="ut_km_plan"' in child["xml"] and child["has_layout"] is True
    plan = {e["id"]: e for e in child["elements"]}["ut_km_plan"]
    assert plan["state"] == "ACTIVE" and plan["actors"]
    assert "ca_fx_key_monitoring" not in {e["id"] for e in child["elements"]}

    page = app.test_client()  # the instance page shows the child with a way back; its data route is scoped too
    page.post("/login", data={"username": PERF, "password": PASSWORD})
    html = page.get(f"/instances/{run.instance.id}?sub={call['child']}").get_data(as_text=True)
    assert "返回主流程" in html and f"/instances/{run.instance.id}/diagram?sub={call['child']}" in html
    assert page.get(f"/instances/{run.instance.id}/diagram?sub={call['child']}").get_json()["sub"] == call["child"]
    outsider = app.test_client()
    assert outsider.post("/login", data={"username": "dept.d03", "password": "demo-pass-1"}).status_code == 302
    assert outsider.get(f"/instances/{run.instance.id}/diagram").status_code == 404


def test_an_incident_is_marked_on_the_element_it_happened_on(db, client, token_for):
    """A failing postscript: the move is refused, and the diagram marks the step whose script failed."""
    from engine.definitions.deploy import deploy
    from tests.api.test_task_run_incidents import _failing_model
    from tests.factories import expense, make_user

    make_user("dg_f", ("UNIT_FILER", "UNIT", "U1"))
    deploy({"inc_postscript.bpmn": _failing_model()}, "test")
    db.session.commit()
    filer = token_for("dg_f")
    started = client.post("/api/v1/process-models/inc_postscript/instances", json={"data": {}}, headers=filer).get_json()
    task = started["ready_tasks"][0]
    assert client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": expense()}, headers=filer).status_code == 422
    status, body = _diagram(client, filer, started["id"])
    assert status == 200, body
    marked = [e for e in body["elements"] if e["state"] == "INCIDENT"]
    assert [e["id"] for e in marked] == [task["name"]] and "undefined_name" in marked[0]["incident"]
    assert "undefined_name" in body["incident"]
    assert [h["action"] for h in marked[0]["history"]] == ["incident"]


def test_steps_a_return_reset_keep_their_history(demo, client, token_for):
    """退回 resets the branch in the task tree: the unit head's step is no longer on the path, but its
    click panel still lists the earlier round (who approved, with which opinion) and the return."""
    flow = Flow("P-D05-002")
    flow.fill()
    flow.unit_approve(comment="同意申报，测算依据充分。")
    officer = token_for(flow.officer)
    review = flow.task(flow.officer, "ut_p1_dept_review")
    steps = client.get(f"/api/v1/tasks/{review.id}/returnable", headers=officer).get_json()
    (fill,) = [s for s in steps if s["name"] == "ut_p1_fill"]
    reply = client.post(f"/api/v1/tasks/{review.id}/return", headers=officer,
                        json={"target": fill["id"], "opinion": "绩效指标不够具体，请补充量化指标。"})
    assert reply.status_code == 200, reply.get_json()

    status, body = _diagram(client, officer, flow.instance.id)
    assert status == 200, body
    states = {e["id"]: e for e in body["elements"]}
    assert states["ut_p1_fill"]["state"] == "ACTIVE"
    approve = states["ut_p1_unit_approve"]
    assert (approve["state"], approve["state_label"]) == (None, "此前经过")
    assert [(h["action"], h["decision"], h["comment"]) for h in approve["history"]] == [
        ("complete", "APPROVE", "同意申报，测算依据充分。")]
    assert "f_p1_05" not in body["flows"]
    returned = [h for h in states["ut_p1_dept_review"]["history"] if h["action"] == "return"]
    assert returned and returned[0]["comment"] == "绩效指标不够具体，请补充量化指标。"
