"""Issue 13 point 5's reported bugs, each on PostgreSQL and the real engine, deployed through the
deploy API and run through the start and complete APIs like a model drawn in another tool."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.base.models import AuditEvent, HumanTask, Message, MessageSubscription, ProcessInstance, Timer
from engine.dispatch import queue
from engine.time import clock
from tests.conformance import support
from tests.factories import make_user


# 1. a multi-instance task whose members give no output item, a data output association with
#    nothing to give, a failing postscript: an incident with its element named, never a 500
@pytest.mark.parametrize(("key", "words"), [
    ("cf_mi_user_outputs", "多实例任务 “review” 的成员没有给出输出项 “review_result”"),
    ("cf_data_output_missing", "任务 “look” 的数据输出 “total” 没有值"),
    ("cf_postscript_fails", "not_defined_anywhere"),
])
def test_task_run_failures_are_incidents_not_500(app, client, admin, key, words):
    assert support.deploy(client, admin, support.model(key)).status_code == 201
    started = support.start(client, admin, key)
    assert started.status_code == 201, started.get_json()
    task_id, instance_id = started.get_json()["ready_tasks"][0]["id"], started.get_json()["id"]
    for _ in range(2):  # every retry: the same incident
        reply = support.complete(client, admin, task_id)
        assert reply.status_code == 422, reply.get_data(as_text=True)[:500]
        assert words in reply.get_json()["errors"]["_process"][0]
    shown = support.instance(client, admin, instance_id)
    assert shown["status"] == "RUNNING" and words in shown["incident"]
    page = app.test_client()
    page.post("/login", data={"username": "cf_admin", "password": "secret-pass"})
    assert page.get(f"/instances/{instance_id}").status_code == 200


# 2. a terminate end event ends the instance (it is no message to store)
def test_terminate_end_event_ends_the_instance(db, client, admin):
    assert support.deploy(client, admin, support.model("cf_terminate")).status_code == 201
    started = support.start(client, admin, "cf_terminate")
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["status"] == "COMPLETED" and body["end_event"] == "end_stop" and body["ready_tasks"] == []
    db.session.expire_all()
    assert db.session.scalars(select(HumanTask.status).where(HumanTask.instance_id == body["id"],
                                                             HumanTask.status == "READY")).all() == []
    assert db.session.scalars(select(Message)).all() == []


# 3. an event-based gateway waits for its timer and its message; the first to happen wins
def _gateway_instance(db, client, admin) -> str:
    assert support.deploy(client, admin, support.model("cf_event_gateway")).status_code == 201
    started = support.start(client, admin, "cf_event_gateway")
    assert started.status_code == 201, started.get_json()
    instance_id = started.get_json()["id"]
    timer = db.session.scalars(select(Timer).where(Timer.instance_id == instance_id)).one()
    sub = db.session.scalars(select(MessageSubscription).where(MessageSubscription.instance_id == instance_id)).one()
    assert (timer.task_name, timer.status, sub.message_name, sub.status) == (
        "which_first", "WAITING", "go_ahead", "WAITING")
    return instance_id


def _waits(db, instance_id: str) -> tuple[str, str]:
    db.session.expire_all()
    timer = db.session.scalars(select(Timer).where(Timer.instance_id == instance_id)).one()
    sub = db.session.scalars(select(MessageSubscription).where(MessageSubscription.instance_id == instance_id)).one()
    return timer.status, sub.status


def test_event_gateway_message_first(db, client, admin):
    instance_id = _gateway_instance(db, client, admin)
    reply = client.post("/api/v1/messages", headers=admin,
                        json={"name": "go_ahead", "message_id": "cf-go-1", "correlation": {}, "payload": {}})
    assert reply.status_code == 200 and reply.get_json()["status"] == "DELIVERED", reply.get_json()
    shown = support.instance(client, admin, instance_id)
    assert (shown["status"], shown["end_event"]) == ("COMPLETED", "end_message")
    assert _waits(db, instance_id) == ("CANCELLED", "DONE")


def test_event_gateway_timer_first(db, client, admin):
    instance_id = _gateway_instance(db, client, admin)
    clock.advance(timedelta(days=2, minutes=1))
    assert clock.tick()["timers"] == 1
    queue.drain()
    shown = support.instance(client, admin, instance_id)
    assert (shown["status"], shown["end_event"]) == ("COMPLETED", "end_timer")
    assert _waits(db, instance_id) == ("FIRED", "CANCELLED")


# 4. print() goes to the instance's history; tuple unpacking works
def test_print_and_tuple_unpacking(app, db, client, admin):
    assert support.deploy(client, admin, support.model("cf_script_print")).status_code == 201
    started = support.start(client, admin, "cf_script_print")
    assert started.status_code == 201, started.get_json()
    assert started.get_json()["status"] == "COMPLETED"
    shown = support.instance(client, admin, started.get_json()["id"])
    printed = [e for e in shown["history"] if e["action"] == "print"]
    # under the element's name, or its kind in Chinese when it has none; never its id
    assert [(e["action_label"], e["title"], e["comment"]) for e in printed] == [
        ("脚本输出", "Calculate", "sum is 15\n2\n12"), ("脚本输出", "脚本任务", "total 15")]
    db.session.expire_all()
    state = db.session.get(ProcessInstance, started.get_json()["id"]).state
    assert '"total":15' in state
    page = app.test_client()
    page.post("/login", data={"username": "cf_admin", "password": "secret-pass"})
    shown_page = page.get(f"/instances/{started.get_json()['id']}").get_data(as_text=True)
    assert "脚本输出" in shown_page and "sum is 15" in shown_page
    assert "<strong>Calculate</strong>" in shown_page and "<strong>脚本任务</strong>" in shown_page
    assert "st_unnamed" not in shown_page.split("办理记录")[-1]
    # the unnamed end event: its kind on the status line and in the history, not its id "end"
    assert "</span> · 结束事件</dd>" in shown_page and "<strong>结束事件</strong>" in shown_page
    assert "· end<" not in shown_page and "<strong>end</strong>" not in shown_page


# 5. a start event in a lane that is no role code: the process administrators start it
def test_team_lane_is_started_by_process_administrators(db, client, admin, token_for):
    make_user("cf_filer", ("UNIT_FILER", "UNIT", "U1"))
    make_user("cf_padmin", ("PROCESS_ADMIN", "ALL", None))
    db.session.commit()
    deployed = support.deploy(client, admin, support.model("cf_team_lane"))
    assert deployed.status_code == 201
    assert {"start", "fill"} <= {w["element_id"] for w in deployed.get_json()["warnings"]}
    assert support.start(client, token_for("cf_filer"), "cf_team_lane").status_code == 403
    for who in (admin, token_for("cf_padmin")):
        started = support.start(client, who, "cf_team_lane")
        assert started.status_code == 201, started.get_json()
    # the team lane's task goes to the process administrators too
    done = support.run_through(client, token_for("cf_padmin"), started.get_json())
    assert done.status_code == 200 and done.get_json()["status"] == "COMPLETED", done.get_json()


def test_lane_with_a_code_no_role_has_falls_back_to_process_administrators(db, client, admin, token_for):
    """Lanes "A" and "B" (as SpiffWorkflow's lanes.bpmn draws them) look like role codes but name
    no role the system knows or anybody holds: started and worked by the process administrators."""
    make_user("cf_filer", ("UNIT_FILER", "UNIT", "U1"))
    make_user("cf_padmin", ("PROCESS_ADMIN", "ALL", None))
    db.session.commit()
    deployed = support.deploy(client, admin, support.model("cf_unknown_role_lane"))
    assert deployed.status_code == 201, deployed.get_json()
    said = {(w["element_id"], w["message"].split("：")[0]) for w in deployed.get_json()["warnings"]}
    assert {("start", "开始事件所在泳道 “A” 不是系统中已有的角色"), ("ask", "泳道 “A” 不是系统中已有的角色"),
            ("answer", "泳道 “B” 不是系统中已有的角色")} <= said, said
    refused = support.start(client, token_for("cf_filer"), "cf_unknown_role_lane")
    assert refused.status_code == 403 and "由流程管理员发起" in refused.get_json()["message"]
    padmin = token_for("cf_padmin")
    started = support.start(client, padmin, "cf_unknown_role_lane")
    assert started.status_code == 201, started.get_json()
    done = support.run_through(client, padmin, started.get_json())
    assert done.status_code == 200 and done.get_json()["status"] == "COMPLETED", done.get_json()
    # once somebody holds role "A", it is a role: its holders start it, and no warning says otherwise
    make_user("cf_a_holder", ("A", "ALL", None))
    db.session.commit()
    again = support.deploy(client, admin, {"cf_unknown_role_lane.bpmn": support.model("cf_unknown_role_lane")[
        "cf_unknown_role_lane.bpmn"].replace(b'name="Answer"', b'name="Answer it"')})
    assert "“A”" not in str(again.get_json()["warnings"]) and "“B”" in str(again.get_json()["warnings"])
    assert support.start(client, token_for("cf_a_holder"), "cf_unknown_role_lane").status_code == 201
    assert support.start(client, padmin, "cf_unknown_role_lane").status_code == 403


def test_start_without_a_role_lane_is_offered_to_process_administrators_only(app, db, client, admin, token_for):
    """A start event with no lane, or in a team lane: the process administrators get its 新建 button
    and may start it through the API; a clerk gets neither."""
    make_user("cf_filer", ("UNIT_FILER", "UNIT", "U1"))
    make_user("cf_padmin", ("PROCESS_ADMIN", "ALL", None))
    db.session.commit()
    for key in ("cf_bare_user_task", "cf_team_lane"):
        assert support.deploy(client, admin, support.model(key)).status_code == 201
    buttons = {}
    for username in ("cf_admin", "cf_padmin", "cf_filer"):
        page = app.test_client()
        page.post("/login", data={"username": username, "password": "secret-pass"})
        html = page.get("/todo").get_data(as_text=True)
        buttons[username] = {name for name in ("新建：A bare user task", "新建：Team lanes") if name in html}
    assert buttons == {"cf_admin": {"新建：A bare user task", "新建：Team lanes"},
                       "cf_padmin": {"新建：A bare user task", "新建：Team lanes"}, "cf_filer": set()}
    for key in ("cf_bare_user_task", "cf_team_lane"):
        assert support.start(client, token_for("cf_filer"), key).status_code == 403
        assert support.start(client, token_for("cf_padmin"), key).status_code == 201


# 6. a user task without lane and form: deployed with defaults and a warning; the initiator does it
def test_user_task_without_lane_or_form_deploys_with_defaults(app, db, client, admin, token_for):
    make_user("cf_padmin", ("PROCESS_ADMIN", "ALL", None))
    make_user("cf_other", ("PROCESS_ADMIN", "ALL", None))
    db.session.commit()
    deployed = support.deploy(client, admin, support.model("cf_bare_user_task"))
    assert deployed.status_code == 201, deployed.get_json()
    body = deployed.get_json()
    assert body["forms"] == ["F-00"]
    assert [w["element_id"] for w in body["warnings"]] == ["approve", "approve"]
    assert body["warnings"][0]["message"].startswith("任务不在泳道中：默认由流程发起人办理")
    assert body["warnings"][1]["message"].startswith("任务没有表单（属性 formKey）：默认使用通用审批表单 F-00")
    starter = token_for("cf_padmin")  # a start without a lane is the process administrators' (point 5)
    started = support.start(client, starter, "cf_bare_user_task")
    assert started.status_code == 201, started.get_json()
    task = started.get_json()["ready_tasks"][0]
    assert (task["assignee"], task["form_key"]) == ("cf_padmin", "F-00")
    assert support.complete(client, token_for("cf_other"), task["id"]).status_code in (403, 404)
    done = support.complete(client, starter, task["id"])
    assert done.status_code == 200 and done.get_json()["status"] == "COMPLETED"
    # the deploy page shows the warnings
    page = app.test_client()
    page.post("/login", data={"username": "cf_admin", "password": "secret-pass"})
    files = support.model("cf_bare_user_task")
    import io

    shown = page.post("/admin/models", content_type="multipart/form-data",
                      data={"files": [(io.BytesIO(c), n) for n, c in files.items()]}).get_data(as_text=True)
    assert "默认使用通用审批表单 F-00" in shown and "默认由流程发起人办理" in shown


# 7. deploying older content again makes it the version that starts; a start may name its version
def test_redeploying_older_content_activates_it_and_start_takes_a_version(db, client, admin):
    first = support.model("cf_bare_user_task")
    second = {n: c.replace(b'name="Approve"', b'name="Approve it"') for n, c in first.items()}
    assert support.deploy(client, admin, first).get_json()["version"] == 1
    assert support.deploy(client, admin, second).get_json()["version"] == 2
    assert support.start(client, admin, "cf_bare_user_task").get_json()["version"] == 2
    again = support.deploy(client, admin, first)
    assert again.status_code == 200 and again.get_json()["version"] == 1 and again.get_json()["created"] is False
    assert support.start(client, admin, "cf_bare_user_task").get_json()["version"] == 1
    listed = client.get("/api/v1/process-models", headers=admin).get_json()
    assert [(m["key"], m["version"]) for m in listed] == [("cf_bare_user_task", 1)]
    assert support.start(client, admin, "cf_bare_user_task", version=2).get_json()["version"] == 2
    missing = support.start(client, admin, "cf_bare_user_task", version=9)
    assert missing.status_code == 404 and "没有版本 9" in str(missing.get_json())
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "incident")).all() == []


# the sweep found it: an ISO 8601 timer value written unquoted is Python to Spiff (R6/P1D divides
# two names) and fails when the timer starts; deployment refuses it at the element instead
def test_unquoted_iso_timer_value_is_refused_at_deployment(client, admin):
    files = {n: c.replace(b'"P1D"', b"P1D") for n, c in support.model("cf_boundary_timer").items()}
    refused = support.deploy(client, admin, files)
    assert refused.status_code == 400
    assert refused.get_json()["errors"] == [{"file": "cf_boundary_timer.bpmn", "element_id": "too_late",
                                             "message": '定时器表达式是 Python 表达式：ISO 8601 的值须加引号，写作 "P1D"'}]




# the second sweep found it: Spiff connects a message-started event sub-process to the process's
# start in the spec the first time its message arrives, and the spec is shared by every instance of
# the version: an instance started after that created the sub-process at its start and had two
# WAITING subscriptions for its start event (that task's and the standing one), so one posted
# message ran it twice
def _waiting(db, instance_id: str) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(MessageSubscription.message_name).where(
        MessageSubscription.instance_id == instance_id, MessageSubscription.status == "WAITING")).all())


def _ping(client, admin, db, n: int) -> dict[str, int]:
    """Post cf_es_ping (no correlation: every waiting instance takes it); how often each instance
    that took it has run the event sub-process so far."""
    reply = client.post("/api/v1/messages", headers=admin, json={
        "name": "cf_es_ping", "message_id": f"cf-ping-{n}", "correlation": {}, "payload": {}})
    assert reply.status_code == 200 and reply.get_json()["status"] == "DELIVERED", reply.get_json()
    taken = [r["instance_id"] for r in reply.get_json()["results"]]
    assert len(taken) == len(set(taken)), reply.get_json()  # each instance took it once
    return {i: len(db.session.scalars(select(AuditEvent.id).where(
        AuditEvent.instance_id == i, AuditEvent.task_name == "note_ping")).all()) for i in taken}


def test_non_interrupting_message_start_runs_once_per_message(db, client, admin):
    assert support.deploy(client, admin, support.model("cf_event_subprocess_starts")).status_code == 201
    both = ["cf_es_ping", "cf_es_stop"]
    first = support.start(client, admin, "cf_event_subprocess_starts").get_json()["id"]
    assert _waiting(db, first) == both
    assert _ping(client, admin, db, 1) == {first: 1}
    assert _waiting(db, first) == both
    second = support.start(client, admin, "cf_event_subprocess_starts").get_json()["id"]
    assert _waiting(db, second) == both  # was: two for cf_es_ping
    for n in (2, 3, 4):  # the event sub-process runs once per message
        assert _ping(client, admin, db, n) == {first: n, second: n - 1}
        assert _waiting(db, first) == _waiting(db, second) == both
    shown = support.instance(client, admin, second)
    assert shown["status"] == "RUNNING" and len(shown["ready_tasks"]) == 1
    assert support.complete(client, admin, shown["ready_tasks"][0]["id"]).status_code == 200
    assert _waiting(db, second) == both  # the main path ended; the timer start still waits, as on Spiff
