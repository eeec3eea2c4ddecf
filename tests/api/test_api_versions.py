"""Versions under control over JSON (issue 13 point 4): activate a version (404 unknown, 422 without a
reason, 403 for anyone but a system administrator, a no-op when already active), preview and run a
migration (202, progress by GET), move a token; all in the generated OpenAPI."""
from __future__ import annotations

import pytest

from engine.dispatch import queue
from tests.factories import EXAMPLE_MODEL, deploy_example, expense, make_user
from tests.integration.test_versions import variant

KEY = "ex_two_step_approval"


@pytest.fixture()
def world(db, client, token_for):
    deploy_example()
    make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("head", ("UNIT_HEAD", "UNIT", "D01-U01"))
    make_user("admin", ("SYS_ADMIN", "ALL", None))
    make_user("padmin", ("PROCESS_ADMIN", "ALL", None))
    db.session.commit()
    filer = token_for("filer")
    created = client.post(f"/api/v1/process-models/{KEY}/instances", json={}, headers=filer).get_json()
    client.post(f"/api/v1/tasks/{created['ready_tasks'][0]['id']}/complete", json={"data": expense()}, headers=filer)
    admin = token_for("admin")
    upload = client.post("/api/v1/process-models", headers=admin, content_type="multipart/form-data",
                         data={"files": [(__import__("io").BytesIO(variant(add_precheck=True)), EXAMPLE_MODEL.name)]})
    assert upload.status_code == 201 and upload.get_json()["version"] == 2
    return {"instance": created["id"], "admin": admin, "padmin": token_for("padmin"), "filer": filer,
            "head": token_for("head")}


def test_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/process-models/{key}/versions/{n}/activate", "/process-models/{key}/migrations/preview",
                 "/process-models/{key}/migrations", "/instances/{id}/move-token"):
        assert "post" in paths[path], path
    assert "get" in paths["/migration-runs/{id}"] and "get" in paths["/process-models/{key}/audit"]
    body = paths["/instances/{id}/move-token"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert sorted(body["required"]) == ["reason", "to_element"]


def test_activate_a_version(client, world):
    admin = world["admin"]
    url = f"/api/v1/process-models/{KEY}/versions/1/activate"
    assert client.post(url, json={"reason": "回退"}, headers=world["padmin"]).status_code == 403
    assert client.post(f"/api/v1/process-models/{KEY}/versions/7/activate", json={"reason": "x"},
                       headers=admin).status_code == 404
    missing = client.post(url, json={}, headers=admin)
    assert missing.status_code == 422 and list(missing.get_json()["errors"]) == ["reason"]
    done = client.post(url, json={"reason": "第2版有误"}, headers=admin)
    assert done.status_code == 200 and done.get_json()["changed"] is True and done.get_json()["version"] == 1
    again = client.post(url, json={"reason": "第2版有误"}, headers=admin)
    assert again.status_code == 200 and again.get_json()["changed"] is False
    audit = client.get(f"/api/v1/process-models/{KEY}/audit", headers=admin).get_json()
    assert audit["active"] == 1 and [(a["action"], a["from_version"], a["to_version"]) for a in audit["audit"]] == [
        ("activate", 2, 1)]
    started = client.post(f"/api/v1/process-models/{KEY}/instances", json={}, headers=world["filer"]).get_json()
    assert started["version"] == 1


def test_preview_and_migrate(client, world):
    admin, url = world["admin"], f"/api/v1/process-models/{KEY}/migrations"
    assert client.post(f"{url}/preview", json={"from": 1, "to": 2}, headers=world["head"]).status_code == 403
    bad = client.post(f"{url}/preview", json={"from": 1}, headers=admin)
    assert bad.status_code == 422 and "to" in bad.get_json()["errors"]
    preview = client.post(f"{url}/preview", json={"from": 1, "to": 2}, headers=admin)
    assert preview.status_code == 200
    [row] = preview.get_json()
    assert row["ok"] and row["tasks"][0]["element"] == row["tasks"][0]["to_element"] == "ut_ex_approve"
    assert client.post(url, json={"from": 1, "to": 2}, headers=admin).status_code == 422  # no reason
    started = client.post(url, json={"from": 1, "to": 2, "reason": "新增部门初审",
                                     "instance_ids": [world["instance"]]}, headers=admin)
    assert started.status_code == 202 and started.get_json()["total"] == 1
    queue.drain()
    progress = client.get(f"/api/v1/migration-runs/{started.get_json()['id']}", headers=admin).get_json()
    assert (progress["status"], progress["done"], progress["failed"]) == ("DONE", 1, 0)
    assert client.get("/api/v1/migration-runs/nope", headers=admin).status_code == 404
    instance = client.get(f"/api/v1/instances/{world['instance']}", headers=admin).get_json()
    assert instance["version"] == 2 and instance["history"][-1]["action_label"] == "迁移版本"


def test_move_token(client, world):
    i, url = world["instance"], f"/api/v1/instances/{world['instance']}/move-token"
    assert client.post(url, json={"to_element": "ut_ex_fill", "reason": "x"}, headers=world["head"]).status_code == 403
    assert client.post(url, json={"to_element": "ut_ex_fill"}, headers=world["padmin"]).status_code == 422
    refused = client.post(url, json={"to_element": "end_ex_approved", "reason": "x"}, headers=world["padmin"])
    assert refused.status_code == 409 and "不能直接移动" in refused.get_json()["message"]
    moved = client.post(url, json={"to_element": "ut_ex_fill", "reason": "重填金额"}, headers=world["padmin"])
    assert moved.status_code == 200 and moved.get_json()["current_steps"] == ["填写费用申请"]
    history = client.get(f"/api/v1/instances/{i}", headers=world["padmin"]).get_json()["history"]
    assert history[-1]["action"] == "move_token" and history[-1]["comment"] == "重填金额"
