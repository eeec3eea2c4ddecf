"""The model editor's session routes (issue 13 point 2, /work contract "t-modeler-contract"):
administrators only, 404 for an unknown model, element errors with 422 for bad shapes, and the
same checks as the upload — validate.json gives exactly the messages a deployment gives."""
from __future__ import annotations

import pytest

from engine.base.errors import DeploymentError
from engine.definitions.deploy import deploy
from tests.factories import EXAMPLE_MODEL

KEY = "ex_two_step_approval"
NAME = EXAMPLE_MODEL.name
XML = EXAMPLE_MODEL.read_text(encoding="utf-8")
# a user task without a lane (a default: warning) and a completion handler nobody registered (error)
BROKEN = XML.replace("<bpmn:flowNodeRef>ut_ex_approve</bpmn:flowNodeRef>", "").replace(
    '<spiffworkflow:property name="formKey" value="EX-01" />',
    '<spiffworkflow:property name="formKey" value="EX-01" />\n'
    '          <spiffworkflow:property name="completionHandler" value="no.such_handler" />')
UNLANED = XML.replace("<bpmn:flowNodeRef>ut_ex_approve</bpmn:flowNodeRef>", "")

ROUTES = [("get", "/admin/models/catalogue.json", None), ("get", f"/admin/models/{KEY}/model.json", None),
          ("post", f"/admin/models/{KEY}/validate.json", {"files": {NAME: XML}}),
          ("post", "/admin/models/check-expression.json", {"kind": "condition", "text": "a > 1"}),
          ("put", f"/admin/models/{KEY}/draft.json", {"files": {NAME: XML}}),
          ("delete", f"/admin/models/{KEY}/draft.json", None),
          ("post", f"/admin/models/{KEY}/deploy.json", {"files": {NAME: XML}}),
          ("get", f"/admin/models/{KEY}/versions.json", None), ("get", f"/admin/models/{KEY}/versions", None),
          ("get", f"/admin/models/{KEY}/compare?from=1&to=1", None), ("get", "/admin/models/new", None),
          ("get", "/admin/models/forms/F-00/preview", None)]


@pytest.fixture()
def admin(login):
    return login("admin")


def test_only_administrators(login):
    clerk = login("f1")
    for method, url, body in ROUTES:
        assert getattr(clerk, method)(url, json=body).status_code == 403, url


def test_unknown_model_or_version_is_404(admin):
    for method, url, body in ROUTES:
        if KEY in url:
            reply = getattr(admin, method)(url.replace(KEY, "no_such_model"), json=body)
            assert reply.status_code == 404, url
    assert admin.get(f"/admin/models/{KEY}/compare?from=1&to=9").status_code == 404
    assert admin.get(f"/admin/models/{KEY}/compare?from=1&to=99999999999").status_code == 404
    assert admin.get("/admin/models/forms/F-99/preview").status_code == 404
    assert admin.get("/admin/models/forms/F-00/preview?mode=nope").status_code == 404
    missing = admin.get("/admin/models/no_such_model/model.json")
    assert missing.get_json()["error"] == "not_found"


def test_catalogue_names_everything(admin):
    cat = admin.get("/admin/models/catalogue.json").get_json()
    assert {"code": "UNIT_FILER", "name": "项目单位经办人"} in cat["roles"]
    f00 = next(f for f in cat["forms"] if f["key"] == "F-00")
    assert f00["name"] == "通用审批" and f00["preview_url"] == "/admin/models/forms/F-00/preview"
    assert {"code": "APPROVE", "name": "同意"} in f00["verdicts"]
    assert {"name": "verdict", "label": "审核结论", "type": "enum", "required": True} in f00["fields"]
    f02 = next(f for f in cat["forms"] if f["key"] == "F-02")
    assert f02["modes"] == [{"code": "edit", "name": "填报"}, {"code": "review", "name": "审核"}]
    handlers = {h["name"]: h["label"] for h in cat["handlers"]}
    assert "p1.record_unit_approval" in handlers and all(handlers.values())
    select = next(o for o in cat["operators"] if o["name"] == "experts.select")
    assert [p["id"] for p in select["parameters"]] == ["panel_type", "domain", "n_experts", "dept_code"]
    assert [p["label"] for p in select["parameters"]] == ["专家组类型", "专业领域", "抽取人数", "主管部门（回避）"]
    conclude = {p["id"]: p for p in next(o for o in cat["operators"] if o["name"] == "exante.conclude")["parameters"]}
    assert conclude["total_score"] == {"id": "total_score", "type": "any", "required": False, "label": "总分"}
    assert all(o["label"] for o in cat["operators"])
    decisions = {d["id"]: d for d in cat["decisions"]}
    assert decisions["dt_01_exante_requirement"]["name"] and decisions["dt_01_exante_requirement"]["inputs"]
    assert [r["name"] for r in cat["step_rules"]] == [
        "assignee", "signers", "multiSign", "passRatio", "rejectRule", "dueIn", "dueAt", "priority", "returnTo",
        "resubmit", "opinionRequired", "batchApprove", "reclaimable", "ccTo", "separateFrom", "noCandidate"]
    multi = next(r for r in cat["step_rules"] if r["name"] == "multiSign")
    assert multi["kind"] == "choice" and [c["value"] for c in multi["choices"]] == ["ALL", "ANY", "SEQUENTIAL", "RATIO"]
    assert [p["name"] for p in cat["task_properties"]] == [
        "formKey", "formMode", "formContext", "verdicts", "inputs", "outputs", "completionHandler"]
    kinds = {"text", "expression", "choice", "multichoice", "bool", "duration", "int", "steps", "form", "role", "handler"}
    assert {r["kind"] for r in cat["step_rules"] + cat["task_properties"]} <= kinds


def test_form_preview_is_the_task_form_disabled(admin):
    html = admin.get("/admin/models/forms/F-02/preview?mode=review").get_data(as_text=True)
    assert "<fieldset disabled>" in html and "评估实施方" in html and "审核" in html and "<html" not in html


def test_model_json_opens_the_active_version(admin):
    body = admin.get(f"/admin/models/{KEY}/model.json").get_json()
    assert (body["key"], body["source"], body["version"], body["main_file"], body["draft"]) == (
        KEY, "version", 1, NAME, None)
    assert body["files"] == {NAME: XML} and body["name"]


def test_validate_gives_the_deployments_messages(admin):
    checked = admin.post(f"/admin/models/{KEY}/validate.json", json={"files": {NAME: BROKEN}})
    assert checked.status_code == 200
    errors, warnings = checked.get_json()["errors"], checked.get_json()["warnings"]
    assert errors == [{"file": NAME, "element_id": "ut_ex_fill", "message": "完成处理器 “no.such_handler” 未注册"}]
    assert [w["element_id"] for w in warnings] == ["ut_ex_approve"] and "泳道" in warnings[0]["message"]
    with pytest.raises(DeploymentError) as upload:  # what the upload (page and API) calls
        deploy({NAME: BROKEN.encode()}, "admin")
    assert [e.as_dict() for e in upload.value.errors] == errors
    deployed = admin.post(f"/admin/models/{KEY}/deploy.json", json={"files": {NAME: BROKEN}})
    assert deployed.status_code == 422 and deployed.get_json() == {"errors": errors}
    fixed = admin.post(f"/admin/models/{KEY}/deploy.json", json={"files": {NAME: UNLANED}})
    assert fixed.status_code == 201
    assert fixed.get_json() == {"version": 2, "created": True, "warnings": warnings,
                                "versions_url": f"/admin/models/{KEY}/versions"}


def test_validate_reports_bad_xml_on_its_file(admin):
    body = admin.post(f"/admin/models/{KEY}/validate.json", json={"files": {NAME: "<bpmn:definitions"}}).get_json()
    assert len(body["errors"]) == 1 and body["errors"][0]["file"] == NAME and body["warnings"] == []


def test_bad_shapes_are_element_errors_with_422(admin):
    for method, url, body in [("post", f"/admin/models/{KEY}/validate.json", {}),
                              ("put", f"/admin/models/{KEY}/draft.json", {"files": "x"}),
                              ("put", f"/admin/models/{KEY}/draft.json", {"files": {"../x.bpmn": XML}}),
                              ("post", f"/admin/models/{KEY}/deploy.json", {"files": {}}),
                              ("post", "/admin/models/check-expression.json", {"kind": "sql", "text": "1"})]:
        reply = getattr(admin, method)(url, json=body)
        assert reply.status_code == 422, (url, body)
        errors = reply.get_json()["errors"]
        assert errors and all(set(e) == {"file", "element_id", "message"} for e in errors)


def test_check_expression_points_at_the_mistake(admin):
    def check(kind: str, text: str) -> list:
        return admin.post("/admin/models/check-expression.json", json={"kind": kind, "text": text}).get_json()["errors"]

    assert check("condition", "verdict == 'APPROVE'") == []
    assert check("script", "print(total)\na, b = 1, 2") == []
    [bad] = check("script", "x = 1\nif x\n    y = 2")
    assert (bad["line"], bad["column"]) == (2, 5) and "冒号" in bad["message"]
    [sandboxed] = check("expression", "amount.__class__")
    assert sandboxed["line"] == 1 and "下划线" in sandboxed["message"]
    [imported] = check("script", "x = 1\nimport os")  # the engine's sandbox refuses it at deployment too
    assert imported["line"] == 2 and "不能导入模块" in imported["message"]


def test_draft_round_trip_and_deploy_clears_it(admin):
    changed = XML.replace('name="单位审核"', 'name="单位负责人审核"')
    saved = admin.put(f"/admin/models/{KEY}/draft.json", json={"files": {NAME: BROKEN}, "note": "改审核步骤"})
    assert saved.status_code == 200 and saved.get_json()["saved_by_name"] == "管理员"
    opened = admin.get(f"/admin/models/{KEY}/model.json").get_json()
    assert (opened["source"], opened["version"], opened["files"]) == ("draft", None, {NAME: BROKEN})
    assert opened["draft"]["note"] == "改审核步骤" and opened["draft"]["saved_by_name"] == "管理员"
    assert admin.delete(f"/admin/models/{KEY}/draft.json").status_code == 204
    assert admin.get(f"/admin/models/{KEY}/model.json").get_json()["source"] == "version"

    admin.put(f"/admin/models/{KEY}/draft.json", json={"files": {NAME: changed}})
    assert admin.post(f"/admin/models/{KEY}/deploy.json", json={"files": {NAME: changed}}).status_code == 201
    opened = admin.get(f"/admin/models/{KEY}/model.json").get_json()
    assert (opened["source"], opened["version"], opened["draft"]) == ("version", 2, None)
    again = admin.post(f"/admin/models/{KEY}/deploy.json", json={"files": {NAME: changed}})
    assert again.status_code == 200 and again.get_json()["created"] is False
    versions = admin.get(f"/admin/models/{KEY}/versions.json").get_json()
    assert [(v["version"], v["active"], v["deployed_by_name"]) for v in versions] == [
        (2, True, "管理员"), (1, False, "test")]
    assert set(versions[0]) >= {"version", "deployed_by_name", "deployed_at", "activated_at", "active", "warnings"}


def test_every_handler_has_a_chinese_name():
    import budget  # noqa: F401  (registers the handlers)
    from engine.base.hooks import REGISTRY
    from web.handler_labels import HANDLER_LABELS

    shipped = {name for name in set(REGISTRY.task_handlers) | set(REGISTRY.services)
               if not name.startswith("test.")}  # other test modules register their own in the same registry
    assert shipped <= set(HANDLER_LABELS)
