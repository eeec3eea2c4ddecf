"""The model's versions page, the comparison of two versions and a new model from a template
(issue 13 point 2): names and Chinese types, not codes; a new model is a draft that opens the editor."""
from __future__ import annotations

from tests.factories import EXAMPLE_MODEL

KEY = "ex_two_step_approval"
NAME = EXAMPLE_MODEL.name
XML = EXAMPLE_MODEL.read_text(encoding="utf-8")


def test_versions_page_and_compare(login):
    admin = login("admin")
    changed = XML.replace('name="单位审核"', 'name="单位负责人审核"').replace(
        '<spiffworkflow:property name="verdicts" value="APPROVE,RETURN" />',
        '<spiffworkflow:property name="verdicts" value="APPROVE,RETURN" />\n'
        '          <spiffworkflow:property name="dueIn" value="5WD" />')
    assert admin.post(f"/admin/models/{KEY}/deploy.json", json={"files": {NAME: changed}}).status_code == 201
    page = admin.get(f"/admin/models/{KEY}/versions").get_data(as_text=True)
    assert "第 2 版" in page and "第 1 版" in page and "当前启用" in page and "管理员" in page
    assert 'name="from" value="1" checked' in page and 'name="to" value="2" checked' in page
    assert f'href="/admin/models/{KEY}/editor"' in page

    html = admin.get(f"/admin/models/{KEY}/compare?from=1&to=2").get_data(as_text=True)
    assert "第 1 版 → 第 2 版" in html and "用户任务" in html and "单位负责人审核" in html
    assert "办理时限（dueIn）" in html and "5WD" in html and "单位审核" in html
    same = admin.get(f"/admin/models/{KEY}/compare?from=2&to=2").get_data(as_text=True)
    assert "内容相同" in same

    listing = admin.get("/admin/models").get_data(as_text=True)
    assert f"/admin/models/{KEY}/versions" in listing and "新建模型" in listing


def test_new_model_from_a_template(login):
    admin = login("admin")
    form = admin.get("/admin/models/new").get_data(as_text=True)
    assert "空白流程" in form and "单级审批" in form and "两级审批" in form
    for values, field in [({"key": "Bad-Key", "name": "x", "template": "blank"}, "小写字母开头"),
                          ({"key": KEY, "name": "x", "template": "blank"}, "已被使用"),
                          ({"key": "expense_claim", "name": "", "template": "blank"}, "请填写模型名称"),
                          ({"key": "expense_claim", "name": "x", "template": "nope"}, "请选择模板")]:
        reply = admin.post("/admin/models/new", data=values)
        assert reply.status_code == 422 and field in reply.get_data(as_text=True)
    made = admin.post("/admin/models/new", data={"key": "expense_claim", "name": "费用报销", "template": "single_approval"})
    assert made.status_code == 302 and made.headers["Location"] == "/admin/models/expense_claim/editor"
    opened = admin.get("/admin/models/expense_claim/model.json").get_json()
    assert (opened["source"], opened["name"], opened["main_file"]) == ("draft", "费用报销", "expense_claim.bpmn")
    assert "流程管理" not in opened["files"]["expense_claim.bpmn"]
    checked = admin.post("/admin/models/expense_claim/validate.json", json={"files": opened["files"]}).get_json()
    assert checked == {"errors": [], "warnings": []}
    assert admin.post("/admin/models/new", data={"key": "expense_claim", "name": "y", "template": "blank"}).status_code == 422
    listing = admin.get("/admin/models").get_data(as_text=True)  # the draft, by its name, under 未部署的草稿
    assert "未部署的草稿" in listing and 'href="/admin/models/expense_claim/editor">费用报销</a>' in listing
    deployed = admin.post("/admin/models/expense_claim/deploy.json", json={"files": opened["files"]})
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 1
    assert admin.get("/admin/models/expense_claim/model.json").get_json()["source"] == "version"


def test_templates_are_not_deployed_with_the_shipped_models(app):
    from pathlib import Path

    from engine.definitions.deploy import closure_files

    sets = closure_files(Path(app.config["WORKFLOWS_DIR"]))
    assert not any(name.startswith("templates/") for files in sets.values() for name in files)
    assert not any(key.startswith("template_") for key in sets)
