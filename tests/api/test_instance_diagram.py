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
    reply = client.get(f"/api/v1/instances/{instance_id}/diagram", headers=headers, query_string=query)
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
