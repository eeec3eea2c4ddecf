"""Process models: list, deploy (multipart BPMN/DMN), start instances, read instances."""
from __future__ import annotations

from typing import Any

from flask import current_app, g, request

from engine.base.errors import DeploymentError, ElementError, Forbidden
from engine.definitions.deploy import deploy, latest_versions
from engine.moves.runtime import start_process
from engine.work.access import is_admin
from engine.work.inbox import ready_tasks
from web.api import api
from web.api import schemas as out
from web.api.auth import require_token
from web.api.common import visible_instance
from web.api.spec import fails
from web.inputs import StartInput
from web.presenters import instance_json, task_json, version_json
from web.transactions import atomic


@api.get("/process-models")
@require_token
@api.response(200, out.ModelVersion(many=True))
def list_models():  # noqa: ANN201
    """已部署流程模型（每个 key 的最新版本）"""
    return [version_json(v) for v in latest_versions(content=True)]


MODEL_SUFFIXES = (".bpmn", ".bpmn20.xml", ".dmn")  # .bpmn20.xml: Camunda's and Activiti's older BPMN suffix


def read_upload() -> dict[str, bytes]:
    """The uploaded model files, size-checked; anything else is an element-level error. What a file
    is (BPMN or DMN) is read from its content (engine.definitions.specs.kind_of), not its suffix."""
    limit = current_app.config["MODEL_FILE_MAX_BYTES"]
    files: dict[str, bytes] = {}
    errors: list[ElementError] = []
    for storage in request.files.getlist("files") + request.files.getlist("file"):
        name = (storage.filename or "").rsplit("/", 1)[-1]
        if not name.lower().endswith(MODEL_SUFFIXES):
            errors.append(ElementError(name or None, None, "只接受 .bpmn、.bpmn20.xml 和 .dmn 文件"))
            continue
        content = storage.read(limit + 1)
        if len(content) > limit:
            errors.append(ElementError(name, None, f"文件超过大小上限 {limit // 1024} KB"))
            continue
        files[name] = content
    if errors:
        raise DeploymentError(errors)
    return files


@api.post("/process-models")
@require_token
@api.arguments(out.ModelUploadInput, location="multipart")
@api.response(201, out.DeployedVersion, description="新版本")
@api.alt_response(200, schema=out.DeployedVersion, description="内容相同，返回已有版本", success=True)
@fails(400, 403, 422)
def upload_models(_form: dict[str, Any]):  # noqa: ANN201
    """上传并部署 BPMN/DMN 文件集（系统管理员）"""
    if not is_admin(g.api_user):
        raise Forbidden("只有系统管理员可以部署流程模型")
    files = read_upload()
    key = request.form.get("key") or None
    version, created = atomic(lambda: deploy(files, g.api_user.username, key=key))
    return {**version_json(version), "created": created}, 201 if created else 200


@api.post("/process-models/<key>/instances")
@require_token
@api.arguments(StartInput)
@api.response(201, out.StartedInstance)
@fails(403, 404, 422)
def start(body: dict[str, Any], key: str):  # noqa: ANN201
    """发起流程实例（当前启用的版本，或 version 指定的版本）"""
    instance = atomic(lambda: start_process(key, g.api_user, body["data"], version=body.get("version")))
    return {**instance_json(instance, with_history=False), "ready_tasks": [task_json(t) for t in ready_tasks(instance.id)]}


@api.get("/instances/<id>")
@require_token
@api.response(200, out.Instance)
@fails(404)
def get_instance(id: str):  # noqa: ANN201
    """流程实例：状态、当前步骤、待办、时间线"""
    return instance_json(visible_instance(id, g.api_user))
