"""The administrator's interventions and opening a notification over JSON (issue 10 points 12, 14):
documented in the generated OpenAPI, field-level 422s, 404 outside the caller's scope, 403 in it
for anyone but a process administrator, 409 when the instance's state does not allow it."""
from __future__ import annotations

import pytest

from tests.factories import deploy_example, expense, make_user

OPS = ("suspend", "resume", "terminate", "retry", "delete-draft")


@pytest.fixture()
def world(db, client, token_for):
    deploy_example()
    make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("head", ("UNIT_HEAD", "UNIT", "D01-U01"))
    make_user("head2", ("UNIT_HEAD", "UNIT", "D01-U01"))
    make_user("admin", ("SYS_ADMIN", "ALL", None))
    make_user("outsider", ("UNIT_HEAD", "UNIT", "D02-U01"))
    db.session.commit()
    head = token_for("filer")
    created = client.post("/api/v1/process-models/ex_two_step_approval/instances", json={}, headers=head)
    fill = created.get_json()["ready_tasks"][0]["id"]
    done = client.post(f"/api/v1/tasks/{fill}/complete", json={"data": expense()}, headers=head).get_json()
    return {"instance": created.get_json()["id"], "task": done["ready_tasks"][0]["id"],
            "admin": token_for("admin"), "head": token_for("head"), "outsider": token_for("outsider"),
            "filer": head}


def test_every_intervention_is_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for op in OPS:
        assert "post" in paths[f"/instances/{{id}}/{op}"], op
    assert "post" in paths["/tasks/{id}/reassign"] and "post" in paths["/notifications/{id}/open"]
    body = paths["/instances/{id}/terminate"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["reason"]


def test_suspend_resume_terminate_over_json(client, world):
    i, admin = world["instance"], world["admin"]
    r = client.post(f"/api/v1/instances/{i}/suspend", json={"reason": "核查"}, headers=admin)
    assert r.status_code == 200 and r.get_json()["status"] == "SUSPENDED"
    moved = client.post(f"/api/v1/tasks/{world['task']}/complete", json={"data": {"verdict": "APPROVE"}},
                        headers=world["head"])
    assert moved.status_code == 409
    assert client.post(f"/api/v1/instances/{i}/suspend", json={}, headers=admin).status_code == 409
    assert client.post(f"/api/v1/instances/{i}/resume", json={}, headers=admin).get_json()["status"] == "RUNNING"
    missing = client.post(f"/api/v1/instances/{i}/terminate", json={}, headers=admin)
    assert missing.status_code == 422 and list(missing.get_json()["errors"]) == ["reason"]
    blank = client.post(f"/api/v1/instances/{i}/terminate", json={"reason": ""}, headers=admin)
    assert blank.status_code == 422 and list(blank.get_json()["errors"]) == ["reason"]
    ended = client.post(f"/api/v1/instances/{i}/terminate", json={"reason": "项目撤销"}, headers=admin)
    assert ended.status_code == 200 and ended.get_json() == {
        "instance_id": i, "status": "TERMINATED", "current_steps": [], "ready_tasks": []}
    history = [e["action"] for e in client.get(f"/api/v1/instances/{i}", headers=admin).get_json()["history"]]
    assert history[-3:] == ["suspend", "resume", "terminate"]


@pytest.mark.parametrize("op", OPS)
def test_refused_to_others(client, world, op):
    i = world["instance"]
    body = {"reason": "x"}
    assert client.post(f"/api/v1/instances/{i}/{op}", json=body, headers=world["head"]).status_code == 403
    out = client.post(f"/api/v1/instances/{i}/{op}", json=body, headers=world["outsider"])
    assert out.status_code == 404
    assert out.get_json() == client.post(f"/api/v1/instances/00000000-0000-0000-0000-000000000000/{op}",
                                         json=body, headers=world["outsider"]).get_json()


def test_reassign_and_its_refusals(client, world):
    url = f"/api/v1/tasks/{world['task']}/reassign"
    assert client.post(url, json={"to": "head2"}, headers=world["head"]).status_code == 403
    assert client.post(url, json={"to": "head2"}, headers=world["outsider"]).status_code == 404
    bad = client.post(url, json={"to": "nobody"}, headers=world["admin"])
    assert bad.status_code == 422 and list(bad.get_json()["errors"]) == ["to"]
    assert list(client.post(url, json={}, headers=world["admin"]).get_json()["errors"]) == ["to"]
    ok = client.post(url, json={"to": "head2", "reason": "休假"}, headers=world["admin"])
    assert ok.status_code == 200 and ok.get_json()["assignee"] == "head2"


def test_retry_without_an_incident_and_delete_of_a_submitted_request_conflict(client, world):
    i, admin = world["instance"], world["admin"]
    assert client.post(f"/api/v1/instances/{i}/retry", json={}, headers=admin).status_code == 409
    assert client.post(f"/api/v1/instances/{i}/delete-draft", json={}, headers=admin).status_code == 409


def test_opening_a_notification_marks_it_read_and_says_where_to_go(client, world):
    i = world["instance"]
    assert client.post(f"/api/v1/instances/{i}/urge", json={}, headers=world["filer"]).status_code == 200
    notes = client.get("/api/v1/notifications", headers=world["head"]).get_json()
    (urge,) = [n for n in notes if n["kind"] == "urge"]
    opened = client.post(f"/api/v1/notifications/{urge['id']}/open", headers=world["head"])
    assert opened.get_json() == {"landing": "task", "id": world["task"]}
    assert [n["read"] for n in client.get("/api/v1/notifications", headers=world["head"]).get_json()
            if n["id"] == urge["id"]] == [True]
    client.post(f"/api/v1/tasks/{world['task']}/complete", json={"data": {"verdict": "APPROVE"}},
                headers=world["head"])
    again = client.post(f"/api/v1/notifications/{urge['id']}/open", headers=world["head"]).get_json()
    assert again == {"landing": "instance", "id": i}
    assert client.post(f"/api/v1/notifications/{urge['id']}/open", headers=world["filer"]).status_code == 404
