"""A SpiffWorkflow error while a task runs (here a failing postscript) is an incident on its
instance: 422 `_process`, nothing of the move kept, the task still ready, the reason shown on the
instance page, in the API and in the queue view; every retry answers the same, never a 500."""
from __future__ import annotations

from sqlalchemy import func, select

from engine.base.models import AuditEvent, HumanTask, ProcessInstance
from tests.factories import EXAMPLE_MODEL, expense, make_user

POSTSCRIPT = '<spiffworkflow:postScript>approved_by_nobody = undefined_name + 1</spiffworkflow:postScript>'


def _failing_model() -> bytes:
    xml = EXAMPLE_MODEL.read_text(encoding="utf-8").replace("ex_two_step_approval", "inc_postscript")
    head, sep, tail = xml.partition('<spiffworkflow:property name="formKey" value="EX-01" />\n        </spiffworkflow:properties>')
    assert sep
    return (head + sep + "\n        " + POSTSCRIPT + tail).encode()


def test_a_failing_postscript_is_an_incident_and_the_task_stays_ready(app, db, client, token_for):
    from engine.definitions.deploy import deploy

    make_user("inc_f", ("UNIT_FILER", "UNIT", "U1"))
    make_user("inc_admin", ("SYS_ADMIN", "ALL", None))
    deploy({"inc_postscript.bpmn": _failing_model()}, "test")
    db.session.commit()
    filer, admin = token_for("inc_f"), token_for("inc_admin")
    started = client.post("/api/v1/process-models/inc_postscript/instances", json={"data": {}}, headers=filer)
    assert started.status_code == 201, started.get_json()
    instance_id, task_id = started.get_json()["id"], started.get_json()["ready_tasks"][0]["id"]
    moves_before = db.session.get(ProcessInstance, instance_id).moves

    for _ in range(2):  # a retry meets the same incident, not a 500 and not a half-applied move
        reply = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": expense()}, headers=filer)
        assert reply.status_code == 422, reply.get_data(as_text=True)
        assert "undefined_name" in reply.get_json()["errors"]["_process"][0]

    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance_id)
    assert instance.status == "RUNNING" and instance.moves == moves_before
    assert "undefined_name" in instance.incident
    assert db.session.get(HumanTask, task_id).status == "READY"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "complete")) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "incident")) == 2

    shown = client.get(f"/api/v1/instances/{instance_id}", headers=filer).get_json()
    assert "undefined_name" in shown["incident"]
    queue = client.get("/api/v1/admin/queue", headers=admin).get_json()
    assert [i["instance_id"] for i in queue["incidents"]["items"]] == [instance_id]

    page = app.test_client()
    page.post("/login", data={"username": "inc_admin", "password": "secret-pass"})
    assert "undefined_name" in page.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "undefined_name" in page.get("/admin/queue").get_data(as_text=True)
