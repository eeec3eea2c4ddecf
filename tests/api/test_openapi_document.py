"""The OpenAPI document is generated from the routes and their schemas: it lists exactly the routes
the app serves under /api/v1, marks what is required, names every error status, and real
responses validate against the schemas it documents."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.factories import deploy_example, expense, make_user

OPS_MODEL = Path(__file__).resolve().parent.parent / "models" / "ops_review.bpmn"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture()
def doc(client) -> dict[str, Any]:
    reply = client.get("/api/v1/openapi.json")
    assert reply.status_code == 200
    return reply.get_json()


def _served(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            found |= {(path, m.lower()) for m in rule.methods - IGNORED_METHODS}
    return found


def _documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method) for path, item in doc["paths"].items() for method in item if method != "parameters"}


def test_the_document_lists_exactly_the_routes_the_app_serves(app, doc):
    served, documented = _served(app), _documented(doc)
    assert served - documented == set(), "routes missing from the document"
    assert documented - served == set(), "documented routes the app does not serve"
    assert len(served) > 40 and doc["servers"] == [{"url": "/api/v1"}] and doc["openapi"] == "3.1.0"


def _operation(doc: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return doc["paths"][path][method]


def _body_schema(doc: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    return _operation(doc, path, method)["requestBody"]["content"]["application/json"]["schema"]


def test_required_fields_and_error_statuses_are_documented(doc):
    required = {
        "/instances/{id}/cc": {"to"}, "/instances/{id}/comments": {"text"}, "/tasks/{id}/transfer": {"to"},
        "/tasks/{id}/delegate": {"to"}, "/tasks/batch-complete": {"ids"}, "/tasks/{id}/signers": {"users"},
        "/me/deputies": {"deputy", "starts_on", "ends_on"}, "/auth/token": {"username", "password"},
        "/admin/users/{username}/handover": {"to"},
    }
    for path, names in required.items():
        assert set(_body_schema(doc, path).get("required", [])) == names, path
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method == "parameters" or path == "/openapi.json":
                continue
            codes = set(op["responses"])
            if op.get("security") != []:
                assert "401" in codes, (path, method)
            if "{" in path:
                assert "404" in codes, (path, method)
            if "requestBody" in op or any(p["in"] == "query" for p in op.get("parameters", [])):
                assert "422" in codes, (path, method)
    for path in ("/tasks", "/projects", "/cc"):
        assert "422" in _operation(doc, path, "get")["responses"], path
    assert "429" in _operation(doc, "/instances/{id}/urge", "post")["responses"]
    assert {"200", "201", "400", "403", "422"} <= set(_operation(doc, "/process-models", "post")["responses"])
    error = doc["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/FieldErrors"}
    signers = _operation(doc, "/tasks/{id}/signers", "get")["responses"]["200"]["content"]["application/json"]
    assert signers["schema"] == {"$ref": "#/components/schemas/Signers"}  # an object, not an array


class Checker:
    """Validates a real reply against the schema the document gives for its path, method and status."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def __call__(self, path: str, method: str, reply: Any) -> Any:
        responses = self.doc["paths"][path][method]["responses"]
        found = responses[str(reply.status_code)]
        if "$ref" in found:
            found = self.doc["components"]["responses"][found["$ref"].rsplit("/", 1)[-1]]
        media = reply.mimetype
        assert media in found["content"], (path, method, reply.status_code, media)
        if media == "application/json":
            schema = {**found["content"][media]["schema"], "components": self.doc["components"]}
            Draft202012Validator(schema).validate(reply.get_json())
        return reply.get_json() if media == "application/json" else reply.data


@pytest.fixture()
def people(db):
    from engine.definitions.deploy import deploy

    deploy_example()
    deploy({OPS_MODEL.name: OPS_MODEL.read_bytes()}, "test")
    make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("h1", ("UNIT_HEAD", "UNIT", "D01-U01"))
    make_user("stranger", ("UNIT_FILER", "UNIT", "D09-U09"))
    for name in ("e1", "v1", "other"):
        make_user(name)
    db.session.commit()


def test_real_replies_validate_against_their_documented_schemas(client, doc, people, token_for):
    check, filer, head, stranger = Checker(doc), token_for("f1"), token_for("h1"), token_for("stranger")
    started = client.post("/api/v1/process-models/ops_review/instances", headers=filer,
                          json={"data": {"experts": ["e1"], "voters": ["v1"], "cc_list": []}})
    instance_id = check("/process-models/{key}/instances", "post", started)["id"]
    tasks = check("/tasks", "get", client.get("/api/v1/tasks", headers=filer))
    fill = tasks[0]["id"]
    detail = check("/tasks/{id}", "get", client.get(f"/api/v1/tasks/{fill}", headers=filer))
    assert detail["operations"]["may_submit"] is True
    check("/tasks", "get", client.get("/api/v1/tasks?limit=x&sort=sideways", headers=filer))
    check("/tasks/{id}/complete", "post", client.post(f"/api/v1/tasks/{fill}/complete", headers=filer,
                                                      json={"data": {"amount": "abc"}}))
    check("/tasks/{id}", "get", client.get(f"/api/v1/tasks/{fill}", headers=stranger))  # 404
    upload = check("/attachments", "post", client.post(
        "/api/v1/attachments", headers=filer, content_type="multipart/form-data",
        data={"instance_id": instance_id, "file": (io.BytesIO(b"%PDF-1.4 demo"), "report.pdf")}))
    listed = check("/instances/{id}/attachments", "get",
                   client.get(f"/api/v1/instances/{instance_id}/attachments", headers=filer))
    assert [a["id"] for a in listed] == [upload["id"]]
    download = client.get(f"/api/v1/attachments/{upload['id']}", headers=filer)
    assert download.status_code == 200 and download.data == b"%PDF-1.4 demo"
    assert "application/octet-stream" in doc["paths"]["/attachments/{id}"]["get"]["responses"]["200"]["content"]
    done = check("/tasks/{id}/complete", "post", client.post(f"/api/v1/tasks/{fill}/complete", headers=filer,
                                                             json={"data": expense()}))
    review = next(t["id"] for t in done["ready_tasks"] if t["name"] == "ut_check")
    check("/tasks/{id}/signers", "get", client.get(f"/api/v1/tasks/{review}/signers", headers=head))
    check("/tasks/{id}/claim", "post", client.post(f"/api/v1/tasks/{review}/claim", headers=head))
    check("/tasks/{id}/signers", "post", client.post(f"/api/v1/tasks/{review}/signers", headers=head,
                                                     json={"users": ["other"]}))
    signers = check("/tasks/{id}/signers", "get", client.get(f"/api/v1/tasks/{review}/signers", headers=head))
    assert signers["mode"] == "ALL" and [s["assignee"] for s in signers["signers"]] == ["h1", "other"]
    check("/tasks/{id}/returnable", "get", client.get(f"/api/v1/tasks/{review}/returnable", headers=head))
    check("/instances/{id}", "get", client.get(f"/api/v1/instances/{instance_id}", headers=filer))
    check("/instances/{id}/prediction", "get", client.get(f"/api/v1/instances/{instance_id}/prediction",
                                                          headers=filer))
    check("/instances/{id}/comments", "post", client.post(f"/api/v1/instances/{instance_id}/comments",
                                                          headers=filer, json={}))
    check("/instances/{id}/comments", "post", client.post(f"/api/v1/instances/{instance_id}/comments",
                                                          headers=filer, json={"text": "材料已补充"}))
    check("/instances/{id}/opinions", "get", client.get(f"/api/v1/instances/{instance_id}/opinions", headers=filer))
    check("/instances/{id}/cc", "post", client.post(f"/api/v1/instances/{instance_id}/cc", headers=filer,
                                                    json={"to": "other", "note": "请知悉"}))
    check("/cc", "get", client.get("/api/v1/cc", headers=token_for("other")))
    check("/notifications", "get", client.get("/api/v1/notifications", headers=token_for("other")))
    check("/tasks/batch-complete", "post", client.post("/api/v1/tasks/batch-complete", headers=head,
                                                       json={"ids": [review, "nope"]}))
    check("/me/deputies", "post", client.post("/api/v1/me/deputies", headers=head,
                                              json={"deputy": "other", "starts_on": "2020-01-01",
                                                    "ends_on": "2099-12-31"}))
    check("/process-models", "get", client.get("/api/v1/process-models", headers=filer))
    check("/projects", "get", client.get("/api/v1/projects?year=abc", headers=filer))
    check("/me/notification-settings", "get", client.get("/api/v1/me/notification-settings", headers=filer))
    check("/auth/token", "post", client.post("/api/v1/auth/token", json={"username": "f1"}))
    check("/tasks", "get", client.get("/api/v1/tasks"))  # 401


def test_field_errors_keep_the_contract_shape(client, people, token_for):
    """Schema refusals are the same `{"errors": {"field.path": [中文]}}` the engine's are."""
    head = token_for("h1")
    bad = client.post("/api/v1/tasks/batch-complete", headers=head, json={"ids": [], "data": []})
    assert bad.status_code == 422 and bad.get_json() == {"errors": {"ids": ["须为 1–100 个任务 id 的列表"],
                                                                    "data": ["须为对象"]}}
    cc = client.post("/api/v1/instances/00000000-0000-0000-0000-000000000000/cc", headers=head, json=[1])
    assert cc.status_code == 422 and cc.get_json() == {"errors": {"_body": ["请求体须为 JSON 对象"]}}
    users = client.post("/api/v1/tasks/00000000-0000-0000-0000-000000000000/signers", headers=head,
                        json={"users": [1]})
    assert users.get_json() == {"errors": {"users": ["须为用户名列表"]}}
    deputy = client.post("/api/v1/me/deputies", headers=head, json={"deputy": "other", "starts_on": "明天"})
    assert deputy.get_json() == {"errors": {"starts_on": ["须为日期，格式 YYYY-MM-DD"], "ends_on": ["必填项"]}}
