"""Process models: list, deploy (multipart BPMN/DMN), start instances, read instances."""
from __future__ import annotations

from flask import current_app, g, jsonify, request

from engine.base.errors import DeploymentError, ElementError, Forbidden
from engine.base.models import ProcessInstance
from engine.definitions.deploy import deploy, latest_versions
from engine.moves import interactions
from engine.moves.runtime import start_process
from engine.work.access import is_admin
from engine.work.inbox import ready_tasks
from web.api import api
from web.api.auth import require_token
from web.api.common import path_uuid
from web.presenters import instance_json, task_json, version_json
from web.transactions import atomic


@api.get("/process-models")
@require_token
def list_models():  # noqa: ANN201
    return jsonify([version_json(v) for v in latest_versions()])


def read_upload() -> dict[str, bytes]:
    """The uploaded .bpmn/.dmn files, size-checked; anything else is an element-level error."""
    limit = current_app.config["MODEL_FILE_MAX_BYTES"]
    files: dict[str, bytes] = {}
    errors: list[ElementError] = []
    for storage in request.files.getlist("files") + request.files.getlist("file"):
        name = (storage.filename or "").rsplit("/", 1)[-1]
        if not name.endswith((".bpmn", ".dmn")):
            errors.append(ElementError(name or None, None, "只接受 .bpmn 和 .dmn 文件"))
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
def upload_models():  # noqa: ANN201
    if not is_admin(g.api_user):
        raise Forbidden("只有系统管理员可以部署流程模型")
    files = read_upload()
    key = request.form.get("key") or None
    version, created = atomic(lambda: deploy(files, g.api_user.username, key=key))
    return jsonify({**version_json(version), "created": created}), 201 if created else 200


@api.post("/process-models/<key>/instances")
@require_token
def start(key: str):  # noqa: ANN201
    body = request.get_json(silent=True) or {}
    data = body.get("data") or {}
    if not isinstance(data, dict):
        return jsonify(errors={"data": ["须为 JSON 对象"]}), 422
    instance = atomic(lambda: start_process(key, g.api_user, data))
    body = instance_json(instance, with_history=False)
    body["ready_tasks"] = [task_json(t) for t in ready_tasks(instance.id)]
    return jsonify(body), 201


def visible_instance(instance_id: str, user) -> ProcessInstance:  # noqa: ANN001
    """404, not 403, for ids one may not see: no oracle."""
    return interactions.visible_instance(path_uuid(instance_id, "流程实例"), user)


@api.get("/instances/<instance_id>")
@require_token
def get_instance(instance_id: str):  # noqa: ANN201
    return jsonify(instance_json(visible_instance(instance_id, g.api_user)))
