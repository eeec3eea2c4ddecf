"""The /api/v1 contract on PostgreSQL: tokens, models, instances, tasks, attachments."""
from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import jsonify

from tests.factories import ROOT, deploy_example, expense, make_user

EXAMPLE = ROOT / "tests" / "models" / "ex_two_step_approval.bpmn"


@pytest.fixture()
def users(db):
    deploy_example()
    make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("h1", ("UNIT_HEAD", "UNIT", "D01-U01"))
    make_user("h2", ("UNIT_HEAD", "UNIT", "D02-U01"))
    make_user("root", ("SYS_ADMIN", "ALL", None))
    db.session.commit()


def test_token_required_and_bad_password(client, users):
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.get("/api/v1/tasks", headers={"Authorization": "Bearer nope"}).status_code == 401
    bad = client.post("/api/v1/auth/token", json={"username": "f1", "password": "wrong"})
    assert bad.status_code == 401
    missing = client.post("/api/v1/auth/token", json={})
    assert missing.status_code == 422 and set(missing.get_json()["errors"]) == {"username", "password"}


def test_full_round_trip(client, users, token_for):
    filer, head, other = token_for("f1"), token_for("h1"), token_for("h2")
    created = client.post("/api/v1/process-models/ex_two_step_approval/instances", json={}, headers=filer)
    assert created.status_code == 201
    instance_id = created.get_json()["id"]
    tasks = client.get("/api/v1/tasks", headers=filer).get_json()
    assert [t["name"] for t in tasks] == ["ut_ex_fill"]
    task = tasks[0]
    assert {"id", "name", "title", "process_key", "instance_id", "lane", "form_key", "business_key", "due"} <= set(task)
    detail = client.get(f"/api/v1/tasks/{task['id']}", headers=filer).get_json()
    assert detail["form"]["key"] == "EX-01" and "subject" in detail["form"]["json_schema"]["properties"]
    assert detail["form"]["ui"]["sections"]

    bad = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"amount": "abc"}}, headers=filer)
    assert bad.status_code == 422
    assert {"subject", "amount", "purpose", "items"} <= set(bad.get_json()["errors"])
    assert client.get("/api/v1/tasks", headers=filer).get_json()[0]["id"] == task["id"]  # still ready

    denied = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": expense()}, headers=head)
    assert denied.status_code == 403
    ok = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": expense()}, headers=filer)
    assert ok.status_code == 200
    again = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": expense()}, headers=filer)
    assert again.status_code == 409

    assert client.get("/api/v1/tasks", headers=other).get_json() == []
    approve = client.get("/api/v1/tasks", headers=head).get_json()[0]
    done = client.post(f"/api/v1/tasks/{approve['id']}/complete", json={"data": {"verdict": "APPROVE"}}, headers=head)
    assert done.status_code == 200 and done.get_json()["status"] == "COMPLETED"

    inst = client.get(f"/api/v1/instances/{instance_id}", headers=filer).get_json()
    assert inst["status"] == "COMPLETED" and inst["ready_tasks"] == []
    assert [h["action"] for h in inst["history"]][:1] == ["start"]
    assert any(h["decision"] == "APPROVE" and h["actor"] == "h1" for h in inst["history"])
    assert client.get(f"/api/v1/instances/{instance_id}", headers=other).status_code == 404


def test_verdict_restricted_by_task(client, users, token_for):
    filer, head = token_for("f1"), token_for("h1")
    client.post("/api/v1/process-models/ex_two_step_approval/instances", json={}, headers=filer)
    task = client.get("/api/v1/tasks", headers=filer).get_json()[0]
    client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": expense()}, headers=filer)
    approve = client.get("/api/v1/tasks", headers=head).get_json()[0]
    reject = client.post(f"/api/v1/tasks/{approve['id']}/complete",
                         json={"data": {"verdict": "REJECT", "comment": "不符合规定，不予同意。"}}, headers=head)
    assert reject.status_code == 422 and "verdict" in reject.get_json()["errors"]
    no_reason = client.post(f"/api/v1/tasks/{approve['id']}/complete", json={"data": {"verdict": "RETURN"}},
                            headers=head)
    assert no_reason.status_code == 422 and "comment" in no_reason.get_json()["errors"]


def test_attachments(client, users, token_for):
    headers = token_for("f1")
    response = client.post("/api/v1/attachments", headers=headers,
                           data={"file": (io.BytesIO(b"%PDF-1.4 demo"), "report.pdf")})
    assert response.status_code == 201
    body = response.get_json()
    assert body["size"] == 13 and len(body["sha256"]) == 64 and body["name"] == "report.pdf"
    assert client.post("/api/v1/attachments", headers=headers, data={}).status_code == 422


def _upload(client, headers, *files):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/api/v1/process-models", headers=headers, data=data, content_type="multipart/form-data")


def test_model_upload_versions_and_refusals(client, users, token_for):
    admin = token_for("root")
    assert _upload(client, token_for("f1"), ("a.bpmn", EXAMPLE.read_bytes())).status_code == 403
    same = _upload(client, admin, ("ex_two_step_approval.bpmn", EXAMPLE.read_bytes()))
    assert same.status_code == 200 and same.get_json()["created"] is False
    changed = EXAMPLE.read_bytes().replace("单位审核".encode(), "单位负责人审核".encode())
    new = _upload(client, admin, ("ex.bpmn", changed))
    assert new.status_code == 201 and new.get_json()["version"] >= 2
    # Camunda's older suffix is BPMN too (issue 13 point 5); a plain .xml is not taken
    older = _upload(client, admin, ("ex.bpmn20.xml", changed.replace("单位负责人审核".encode(), "单位领导审核".encode())))
    assert older.status_code == 201 and older.get_json()["version"] == new.get_json()["version"] + 1, older.get_json()
    plain_xml = _upload(client, admin, ("ex.xml", changed))
    assert plain_xml.status_code == 400
    assert plain_xml.get_json()["errors"] == [{"file": "ex.xml", "element_id": None,
                                               "message": "只接受 .bpmn、.bpmn20.xml 和 .dmn 文件"}]

    cases = {
        "doctype": EXAMPLE.read_bytes().replace(b"<bpmn:definitions", b'<!DOCTYPE x [<!ENTITY e "x">]><bpmn:definitions', 1),
        "broken": b"<bpmn:definitions><unclosed>",
        "unknown form": changed.replace(b'value="EX-01" />\n        </spiffworkflow:properties>\n      </bpmn:extensionElements>\n      <bpmn:incoming>f_ex_1',
                                        b'value="F-99" />\n        </spiffworkflow:properties>\n      </bpmn:extensionElements>\n      <bpmn:incoming>f_ex_1'),
        "bad condition": changed.replace(b'verdict == "RETURN"', b'verdict === "RETURN"'),
        "unknown handler": changed.replace(
            b'<spiffworkflow:property name="formKey" value="F-00" />',
            b'<spiffworkflow:property name="completionHandler" value="p9.no_such_handler" />'
            b'<spiffworkflow:property name="formKey" value="F-00" />'),
    }
    versions_before = len(client.get("/api/v1/process-models", headers=admin).get_json())
    for label, content in cases.items():
        response = _upload(client, admin, ("x.bpmn", content))
        assert response.status_code == 400, (label, response.get_json())
        errors = response.get_json()["errors"]
        assert errors and all({"file", "element_id", "message"} <= set(e) for e in errors), label
        if label == "unknown form":
            assert any(e["element_id"] in ("ut_ex_fill", "ut_ex_approve") for e in errors), (label, errors)
        if label == "bad condition":
            assert any(e["element_id"] == "gw_ex_verdict" for e in errors), errors
        if label == "unknown handler":
            assert errors == [{"file": "x.bpmn", "element_id": "ut_ex_approve",
                               "message": "完成处理器 “p9.no_such_handler” 未注册"}], errors
    assert len(client.get("/api/v1/process-models", headers=admin).get_json()) == versions_before
    # a step without a lane deploys (issue 13 point 5): the initiator does it, and a warning says so
    no_lane = _upload(client, admin, ("x.bpmn", changed.replace(b"<bpmn:flowNodeRef>ut_ex_approve</bpmn:flowNodeRef>", b"")))
    assert no_lane.status_code == 201, no_lane.get_json()
    assert [w["element_id"] for w in no_lane.get_json()["warnings"]] == ["ut_ex_approve"]


def test_health_and_openapi(client, db):
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "ok", "db": "ok", "queue": "ok"}
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.") and "/tasks/{id}/complete" in doc["paths"]



def test_json_responses_use_the_one_converter(app):
    """Every API reply goes through the app's JSON provider (jsonify): Decimal → its exact text,
    never a float; dates ISO 8601; UUIDs and sets as the converter gives them."""
    when = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    with app.test_request_context():
        reply = jsonify({"amount": Decimal("12.50"), "rows": [{"unit_price": Decimal("0.3500")}],
                         "due": date(2025, 8, 31), "at": when, "id": ident, "packs": {"QP", "CORE"}, "名称": "甲"})
    assert json.loads(reply.get_data(as_text=True)) == {
        "amount": "12.50", "rows": [{"unit_price": "0.3500"}], "due": "2025-08-31",
        "at": "2025-03-01T09:30:00+00:00", "id": str(ident), "packs": ["CORE", "QP"], "名称": "甲"}
    assert "名称" in reply.get_data(as_text=True)  # not \u-escaped
