"""The model editor's /api/v1 twins (issue 13 point 2): the same operations as the session routes
under /admin/models/… (web/pages/model_api.py, web/pages/model_versions.py), through the same
web.model_service calls, for a token; system administrators only."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, jsonify
from marshmallow import fields, validate

from engine.base.errors import DeploymentError, Forbidden
from engine.definitions import expression_check, model_templates
from engine.work.access import is_admin
from forms.fields import INT_MAX
from web import model_service as service
from web.api import api
from web.api import model_editor_schemas as out
from web.api.auth import require_token
from web.api.spec import fails
from web.inputs import Input
from web.model_catalogue import catalogue
from web.model_schemas import DraftInput, ExpressionInput, FilesInput, NewModelInput
from web.transactions import atomic


def admin_only(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Under @require_token: 403 by role before the body is read; a file set that the deployment
    refuses is 422 with its element errors (the upload's older route answers 400)."""

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not is_admin(g.api_user):
            raise Forbidden("只有系统管理员可以编辑流程模型")
        try:
            return fn(*args, **kwargs)
        except DeploymentError as err:
            return jsonify(errors=[e.as_dict() for e in err.errors]), 422

    return checked


def _invalid(fn: Callable[..., Any]) -> Callable[..., Any]:
    return api.alt_response(422, schema=out.EditorErrors, description="校验失败")(fn)


_VERSION = validate.Range(min=1, max=INT_MAX, error="版本号须为正整数")


class CompareQuery(Input):
    from_version = fields.Integer(required=True, data_key="from", validate=_VERSION, metadata={"description": "旧版本号"})
    to_version = fields.Integer(required=True, data_key="to", validate=_VERSION, metadata={"description": "新版本号"})


@api.get("/process-models/catalogue")
@require_token
@admin_only
@api.response(200, out.Catalogue)
@fails(403)
def model_catalogue():  # noqa: ANN201
    """模型编辑器可选项：角色、表单、处理器、服务、决策表、任务属性与步骤规则（系统管理员）"""
    return catalogue()


@api.get("/process-models/templates")
@require_token
@admin_only
@api.response(200, out.TemplateOut(many=True))
@fails(403)
def model_templates_list():  # noqa: ANN201
    """新建模型可用的模板（系统管理员）"""
    return [{"code": t.code, "name": t.name, "description": t.description}
            for t in model_templates.available(service.templates_dir())]


@api.post("/process-models/new")
@require_token
@admin_only
@api.arguments(NewModelInput)
@api.response(201, out.NewModel, description="已由模板建立草稿")
@fails(403, 422)
def model_new(body: dict[str, Any]):  # noqa: ANN201
    """由模板新建模型：保存为草稿，返回编辑器地址（系统管理员）"""
    atomic(lambda: service.new_model(body, g.api_user.username))
    return {"key": body["key"], "editor_url": service.editor_url(body["key"])}, 201


@api.get("/process-models/<key>/model")
@require_token
@admin_only
@api.response(200, out.EditableModel)
@fails(403, 404)
def model_json(key: str):  # noqa: ANN201
    """编辑器打开的模型：有草稿时为草稿，否则为当前启用版本的文件（系统管理员）"""
    return service.model(key)


@api.post("/process-models/<key>/validate")
@require_token
@admin_only
@api.arguments(FilesInput)
@api.response(200, out.CheckResult, description="检查已完成（有错误时也是 200）")
@_invalid
@fails(403, 404)
def model_validate(body: dict[str, Any], key: str):  # noqa: ANN201
    """按部署的检查校验文件集，不写入任何内容（系统管理员）"""
    return service.validate(key, body["files"])


@api.post("/process-models/check-expression")
@require_token
@admin_only
@api.arguments(ExpressionInput)
@api.response(200, out.ExpressionCheck)
@fails(403, 422)
def check_expression(body: dict[str, Any]):  # noqa: ANN201
    """检查脚本、条件或表达式能否在引擎沙箱中编译（行、列、中文说明）"""
    return {"errors": expression_check.check(body["kind"], body["text"])}


@api.put("/process-models/<key>/draft")
@require_token
@admin_only
@api.arguments(DraftInput)
@api.response(200, out.DraftSaved)
@_invalid
@fails(403, 404)
def model_draft_save(body: dict[str, Any], key: str):  # noqa: ANN201
    """保存草稿（不部署；有校验错误也保存）（系统管理员）"""
    return atomic(lambda: service.save_draft(key, body["files"], body["note"], g.api_user.username))


@api.delete("/process-models/<key>/draft")
@require_token
@admin_only
@api.response(204)
@fails(403, 404)
def model_draft_delete(key: str):  # noqa: ANN201
    """删除草稿（系统管理员）"""
    atomic(lambda: service.discard_draft(key))
    return "", 204


@api.post("/process-models/<key>/deploy")
@require_token
@admin_only
@api.arguments(FilesInput)
@api.response(201, out.EditorDeployed, description="新版本")
@api.alt_response(200, schema=out.EditorDeployed, description="内容相同，返回已有版本", success=True)
@_invalid
@fails(403, 404)
def model_deploy(body: dict[str, Any], key: str):  # noqa: ANN201
    """部署编辑后的文件集为新版本并删除草稿（系统管理员）"""
    version, created = atomic(lambda: service.deploy(key, body["files"], g.api_user.username))
    reply = service.deployed(version, created, f"/admin/models/{key}/versions")
    return reply, 201 if created else 200


@api.get("/process-models/<key>/versions")
@require_token
@admin_only
@api.response(200, out.VersionRow(many=True))
@fails(403, 404)
def model_versions(key: str):  # noqa: ANN201
    """模型的全部版本，最新在前：部署人、部署与启用时间、是否当前启用（系统管理员）"""
    return service.versions(key)


@api.get("/process-models/<key>/compare")
@require_token
@admin_only
@api.arguments(CompareQuery, location="query")
@api.response(200, out.Comparison)
@fails(403, 404, 422)
def model_compare(query: dict[str, Any], key: str):  # noqa: ANN201
    """比较两个版本：新增、删除、修改的元素及修改的属性（不比较图形位置）（系统管理员）"""
    return service.comparison(key, query["from_version"], query["to_version"])
