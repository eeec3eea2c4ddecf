"""The model editor's /api/v1 twins (issue 13 point 2): the same operations as the session routes,
for a token, administrators only, in the OpenAPI document."""
from __future__ import annotations

from tests.factories import EXAMPLE_MODEL, deploy_example, make_user

KEY = "ex_two_step_approval"
NAME = EXAMPLE_MODEL.name
XML = EXAMPLE_MODEL.read_text(encoding="utf-8")
BROKEN = XML.replace('<spiffworkflow:property name="formKey" value="EX-01" />',
                     '<spiffworkflow:property name="formKey" value="EX-99" />')


def _people(db) -> None:
    make_user("admin", ("SYS_ADMIN", "ALL", None), name="管理员")
    make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"), name="经办人甲")
    deploy_example()
    db.session.commit()


def test_twins_for_administrators_only(client, db, token_for):
    _people(db)
    admin, clerk = token_for("admin"), token_for("f1")
    base = "/api/v1/process-models"
    calls = [("get", f"{base}/catalogue", None), ("get", f"{base}/templates", None),
             ("get", f"{base}/{KEY}/model", None), ("post", f"{base}/{KEY}/validate", {"files": {NAME: XML}}),
             ("post", f"{base}/check-expression", {"kind": "condition", "text": "a > 1"}),
             ("put", f"{base}/{KEY}/draft", {"files": {NAME: XML}}), ("delete", f"{base}/{KEY}/draft", None),
             ("post", f"{base}/{KEY}/deploy", {"files": {NAME: XML}}), ("get", f"{base}/{KEY}/versions", None),
             ("get", f"{base}/{KEY}/compare?from=1&to=1", None),
             ("post", f"{base}/new", {"key": "abc_model", "name": "x", "template": "blank"})]
    for method, url, body in calls:
        assert getattr(client, method)(url, json=body, headers=clerk).status_code == 403, url
        if KEY in url:
            assert getattr(client, method)(url.replace(KEY, "no_model"), json=body, headers=admin).status_code == 404

    cat = client.get(f"{base}/catalogue", headers=admin).get_json()
    assert {"code": "UNIT_FILER", "name": "项目单位经办人"} in cat["roles"] and cat["step_rules"]
    checked = client.post(f"{base}/{KEY}/validate", json={"files": {NAME: BROKEN}}, headers=admin)
    assert checked.status_code == 200
    assert checked.get_json()["errors"] == [{"file": NAME, "element_id": "ut_ex_fill", "message": "未知的表单 “EX-99”"}]
    refused = client.post(f"{base}/{KEY}/deploy", json={"files": {NAME: BROKEN}}, headers=admin)
    assert refused.status_code == 422 and refused.get_json() == {"errors": checked.get_json()["errors"]}
    shape = client.put(f"{base}/{KEY}/draft", json={"files": "x"}, headers=admin)
    assert shape.status_code == 422 and "files" in shape.get_json()["errors"]

    saved = client.put(f"{base}/{KEY}/draft", json={"files": {NAME: BROKEN}, "note": "试改"}, headers=admin)
    assert saved.status_code == 200 and saved.get_json()["saved_by_name"] == "管理员"
    assert client.get(f"{base}/{KEY}/model", headers=admin).get_json()["source"] == "draft"
    changed = XML.replace('name="单位审核"', 'name="单位负责人审核"')
    deployed = client.post(f"{base}/{KEY}/deploy", json={"files": {NAME: changed}}, headers=admin)
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2
    assert client.get(f"{base}/{KEY}/model", headers=admin).get_json()["draft"] is None
    assert [v["version"] for v in client.get(f"{base}/{KEY}/versions", headers=admin).get_json()] == [2, 1]
    diff = client.get(f"{base}/{KEY}/compare?from=1&to=2", headers=admin).get_json()
    [step] = diff["changed"]
    assert (step["id"], step["type_name"], step["changes"]) == ("ut_ex_approve", "用户任务", [
        {"property": "name", "label": "名称", "before": "单位审核", "after": "单位负责人审核"}])
    assert (diff["from"], diff["to"], diff["added"], diff["removed"]) == (1, 2, [], [])

    made = client.post(f"{base}/new", json={"key": "abc_model", "name": "演示", "template": "two_level_approval"},
                       headers=admin)
    assert made.status_code == 201 and made.get_json()["editor_url"] == "/admin/models/abc_model/editor"
    again = client.post(f"{base}/new", json={"key": "abc_model", "name": "演示", "template": "blank"}, headers=admin)
    assert again.status_code == 422 and again.get_json()["errors"]["key"] == ["模型标识 “abc_model” 已被使用"]
    assert client.delete(f"{base}/abc_model/draft", headers=admin).status_code == 204
    assert client.get(f"{base}/abc_model/model", headers=admin).status_code == 404
