"""The OpenAPI 3.1 document of /api/v1 (the contract other tools are written against)."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from web.api import api

_ERR = {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
_FIELD_ERRORS = {"type": "object", "properties": {"errors": {
    "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}
_ELEMENT_ERRORS = {"type": "object", "properties": {"errors": {"type": "array", "items": {
    "type": "object", "properties": {"file": {"type": ["string", "null"]},
                                     "element_id": {"type": ["string", "null"]},
                                     "message": {"type": "string"}}}}}}


def _resp(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return body


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {"401": _resp("未登录或令牌无效", _ERR), **responses}, **extra}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _path_id(name: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}]


def document() -> dict[str, Any]:
    task = {"type": "object", "properties": {k: {"type": ["string", "null"]} for k in (
        "id", "name", "title", "process_key", "instance_id", "lane", "form_key", "business_key", "due")}}
    instance = {"type": "object", "properties": {
        "id": {"type": "string"}, "process_key": {"type": "string"}, "version": {"type": "integer"},
        "status": {"type": "string", "enum": ["RUNNING", "COMPLETED", "ERROR", "CANCELLED"]},
        "business_key": {"type": ["string", "null"]}, "ready_tasks": {"type": "array", "items": _ref("Task")},
        "history": {"type": "array", "items": {"type": "object"}}}}
    version = {"type": "object", "properties": {
        "key": {"type": "string"}, "version": {"type": "integer"}, "content_hash": {"type": "string"},
        "files": {"type": "array", "items": {"type": "string"}}}}
    multipart = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                                         "key": {"type": "string"}}}}}}
    paths = {
        "/auth/token": {"post": {
            "summary": "用户名密码换取访问令牌", "security": [],
            "requestBody": _json_body({"type": "object", "required": ["username", "password"], "properties": {
                "username": {"type": "string"}, "password": {"type": "string"}}}),
            "responses": {"200": _resp("令牌", {"type": "object", "properties": {"token": {"type": "string"}}}),
                          "401": _resp("用户名或密码错误", _ERR), "422": _resp("缺少字段", _FIELD_ERRORS)}}},
        "/process-models": {
            "get": _op("已部署流程模型（每个 key 的最新版本）",
                       {"200": _resp("列表", {"type": "array", "items": _ref("ModelVersion")})}),
            "post": _op("上传并部署 BPMN/DMN 文件集（系统管理员）", {
                "201": _resp("新版本", _ref("ModelVersion")), "200": _resp("内容相同，返回已有版本", _ref("ModelVersion")),
                "400": _resp("逐元素的错误", _ELEMENT_ERRORS), "403": _resp("无权限", _ERR)}, requestBody=multipart)},
        "/process-models/{key}/instances": {"post": _op("发起流程实例", {
            "201": _resp("实例", _ref("Instance")), "403": _resp("无权发起", _ERR), "404": _resp("模型不存在", _ERR),
            "422": _resp("数据错误", _FIELD_ERRORS)},
            parameters=_path_id("key"),
            requestBody=_json_body({"type": "object", "properties": {"data": {"type": "object"}}}))},
        "/tasks": {"get": _op("我的待办（我和我的角色在数据范围内可办理的任务）", {
            "200": _resp("任务", {"type": "array", "items": _ref("Task")})}, parameters=[
                {"name": n, "in": "query", "schema": {"type": "string"}}
                for n in ("process_key", "business_key", "year", "dept", "task_name", "priority", "overdue",
                          "sort", "limit", "offset")])},
        "/tasks/{id}": {"get": _op("任务详情：表单（JSON Schema + UI）与当前数据", {
            "200": _resp("任务", {"allOf": [_ref("Task"), {"type": "object", "properties": {
                "form": {"type": "object", "properties": {"key": {"type": "string"}, "json_schema": {"type": "object"},
                                                          "ui": {"type": "object"}}},
                "data": {"type": "object"}}}]}), "404": _resp("不存在或不可见", _ERR)}, parameters=_path_id("id"))},
        "/tasks/{id}/complete": {"post": _op("提交任务", {
            "200": _resp("已提交", {"type": "object"}), "403": _resp("不是办理人", _ERR),
            "404": _resp("不存在", _ERR), "409": _resp("任务已被处理", _ERR),
            "422": _resp("逐字段的校验错误（字段路径 → 中文提示）", _FIELD_ERRORS)},
            parameters=_path_id("id"),
            requestBody=_json_body({"type": "object", "properties": {"data": {"type": "object"}}}))},
        "/attachments": {"post": _op("上传附件；表单字段保存附件 id", {
            "201": _resp("附件", {"type": "object", "properties": {
                "id": {"type": "string"}, "name": {"type": "string"}, "size": {"type": "integer"},
                "sha256": {"type": "string"}}}), "422": _resp("文件缺失或超过上限", _FIELD_ERRORS)},
            requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}})},
        "/instances/{id}": {"get": _op("流程实例：状态、当前步骤、时间线", {
            "200": _resp("实例", _ref("Instance")), "404": _resp("不存在或不可见", _ERR)}, parameters=_path_id("id"))},
        "/projects": {"get": _op("项目库", {"200": _resp("项目", {"type": "array", "items": {"type": "object"}})},
                                 parameters=[{"name": n, "in": "query", "schema": {"type": "string"}}
                                             for n in ("status", "dept", "year", "q")])},
    }
    paths.update(_operation_paths())
    paths.update(_queue_admin_paths())
    return {
        "openapi": "3.1.0",
        "info": {"title": "PerfFlow 绩效流 API", "version": "1.0.0",
                 "description": "金额与分数以字符串返回以保持精确；请求可用数字或字符串。"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Task": task, "Instance": instance, "ModelVersion": version}},
        "paths": paths,
    }


def _operation_paths() -> dict[str, Any]:
    """The approval operations (docs/design.md, "Approval operations")."""
    text, names = {"type": "string"}, {"type": "array", "items": {"type": "string"}}

    def post(summary: str, props: dict[str, Any], ok: str = "200", param: str = "id",
             extra: dict[str, Any] | None = None) -> dict[str, Any]:
        responses = {ok: _resp("完成", {"type": "object"}), "403": _resp("无权办理", _ERR),
                     "404": _resp("不存在或不可见", _ERR), "409": _resp("状态已变化", _ERR),
                     "422": _resp("逐字段的错误", _FIELD_ERRORS), **(extra or {})}
        return {"post": _op(summary, responses, parameters=_path_id(param),
                            requestBody=_json_body({"type": "object", "properties": props}))}

    def get(summary: str) -> dict[str, Any]:
        return {"get": _op(summary, {"200": _resp("列表", {"type": "array", "items": {"type": "object"}}),
                                     "404": _resp("不存在或不可见", _ERR)}, parameters=_path_id("id"))}

    return {
        "/tasks/{id}/returnable": get("可退回的环节（最近的在前）"),
        "/tasks/{id}/return": post("退回到先前环节", {
            "target": text, "opinion": text, "resubmit": {"type": "string", "enum": ["RERUN", "JUMP_BACK"]}}),
        "/tasks/{id}/reclaim": post("拿回（自己最近一次办理，下一环节未查看未办理）", {"opinion": text}),
        "/instances/{id}/withdraw": post("发起人撤回", {"opinion": text}),
        "/tasks/{id}/claim": post("认领", {}),
        "/tasks/{id}/release": post("释放认领", {}),
        "/tasks/{id}/transfer": post("转办", {"to": text, "opinion": text}),
        "/tasks/{id}/delegate": post("委派（办理后交回原办理人决定）", {"to": text, "opinion": text}),
        "/tasks/{id}/resolve": post("被委派人交回", {"opinion": text}),
        "/tasks/{id}/signers": {**post("加签", {
            "users": names, "position": {"type": "string", "enum": ["BEFORE", "AFTER", "WITH"]},
            "order": {"type": "string", "enum": ["SEQUENTIAL", "PARALLEL"]}, "opinion": text}, ok="201"),
            **get("多人审批环节的签署情况")},
        "/tasks/{id}/remove-signer": post("减签（对待签人的任务调用）", {"opinion": text}),
        "/tasks/{id}/draft": post("暂存表单", {"data": {"type": "object"}}),
        "/tasks/batch-complete": {"post": _op("批量审批（模型允许的环节）", {
            "200": _resp("逐项结果", {"type": "array", "items": {"type": "object"}}),
            "422": _resp("参数错误", _FIELD_ERRORS)},
            requestBody=_json_body({"type": "object", "properties": {"ids": names, "data": {"type": "object"}}}))},
        "/instances/{id}/urge": post("催办（每人每实例 10 分钟一次）", {"message": text},
                                     extra={"429": _resp("过于频繁", _ERR)}),
        "/instances/{id}/cc": post("抄送", {"to": names, "note": text}, ok="201"),
        "/instances/{id}/comments": post("评论", {"text": text}, ok="201"),
        "/instances/{id}/opinions": get("审批意见（按时间）"),
        "/instances/{id}/prediction": get("审批预测：后续环节与候选办理人"),
        "/cc": {"get": _op("抄送我的", {"200": _resp("列表", {"type": "array", "items": {"type": "object"}})},
                           parameters=[{"name": "unread", "in": "query", "schema": {"type": "string"}}])},
        "/cc/{id}/read": post("标为已阅", {}),
        "/notifications": {"get": _op("我的通知", {"200": _resp("列表", {"type": "array", "items": {"type": "object"}})})},
        "/me/deputies": {"post": _op("设置代理人", {"201": _resp("代理", {"type": "object"}),
                                                  "422": _resp("逐字段的错误", _FIELD_ERRORS)},
                                     requestBody=_json_body({"type": "object", "properties": {
                                         "deputy": text, "starts_on": {"type": "string", "format": "date"},
                                         "ends_on": {"type": "string", "format": "date"}}}))},
        "/me/notification-settings": _notification_settings(),
        "/me/deputies/{id}": {"delete": _op("取消代理", {"200": _resp("已取消"), "404": _resp("不存在", _ERR)},
                                            parameters=_path_id("id"))},
        "/admin/users/{username}/handover": post("离职转办（管理员）", {"to": text}, param="username"),
    }


def _notification_settings() -> dict[str, Any]:
    """通知设置 (docs/design.md, "Notification channels")."""
    nullable = {"type": ["string", "null"]}
    channels = {"type": "array", "items": {"type": "string", "enum": ["email", "webhook"]},
                "description": "除站内消息（始终开启）外启用的渠道"}
    delivery = {"type": "object", "properties": {
        "id": {"type": "string"}, "channel": {"type": "string", "enum": ["email", "webhook"]},
        "target": {"type": "string", "description": "收件地址；webhook 只显示到主机名"},
        "title": {"type": "string"}, "status": {"type": "string", "enum": ["PENDING", "SENT", "FAILED"]},
        "status_label": {"type": "string"}, "attempts": {"type": "integer"}, "error": nullable,
        "created_at": {"type": "string"}, "sent_at": nullable}}
    settings = {"type": "object", "properties": {
        "in_app": {"type": "boolean", "const": True}, "email": nullable,
        "webhook_url": {**nullable, "description": "企业微信/钉钉群机器人地址，仅 http(s)"},
        "channels": channels, "updated_at": nullable,
        "available": {"type": "object", "description": "本系统已配置的渠道", "properties": {
            k: {"type": "boolean"} for k in ("in_app", "email", "webhook")}},
        "deliveries": {"type": "array", "items": delivery, "description": "最近 20 条发送记录"}}}
    body = {"type": "object", "description": "未提供的字段保持不变；null 清空", "properties": {
        "email": {**nullable, "maxLength": 200}, "webhook_url": {**nullable, "maxLength": 500},
        "channels": channels}}
    return {"get": _op("我的通知设置与最近发送记录", {"200": _resp("设置", settings)}),
            "put": _op("修改通知设置（电子邮件、机器人 webhook）", {
                "200": _resp("已保存", settings),
                "422": _resp("逐字段的错误（email、webhook_url、channels）", _FIELD_ERRORS)},
                requestBody=_json_body(body))}


def _queue_admin_paths() -> dict[str, Any]:
    """任务队列 (docs/design.md, "Queue view for administrators")."""
    when, nullable = {"type": ["string", "null"], "format": "date-time"}, {"type": ["string", "null"]}
    integer = {"type": "integer"}
    job = {"type": "object", "properties": {
        "id": {"type": "string"}, "kind": {"type": "string"}, "queue": {"type": "string"},
        "status": {"type": "string", "enum": ["PENDING", "DONE", "FAILED", "DISCARDED"]},
        "instance_id": nullable, "instance_title": nullable, "business_key": nullable,
        "attempts": integer, "max_attempts": integer,
        "error": {"type": "string", "description": "错误的第一行"}, "last_error": nullable,
        "payload": {"type": "object"}, "payload_summary": {"type": "string"}, "created_at": when,
        "available_at": {**when, "description": "失败：最后一次尝试的计划时间；重试中：下次尝试时间"},
        "done_at": when}}
    timer = {"type": "object", "properties": {
        "id": {"type": "string"}, "instance_id": nullable, "instance_title": nullable, "business_key": nullable,
        "process_key": nullable, "start_event": {"type": "boolean", "description": "模型的定时发起（无实例）"},
        "task_name": {"type": "string"}, "event_type": {"type": "string"}, "due_at": when,
        "status": {"type": "string", "enum": ["WAITING", "DUE"]}, "overdue": {"type": "boolean"},
        "fired_count": integer}}
    message = {"type": "object", "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "status": {"type": "string", "enum": ["WAITING", "EXPIRED"]},
        "payload": {"type": ["object", "null"]}, "payload_summary": {"type": "string"},
        "correlation": {"type": "object"}, "source_instance_id": nullable, "created_at": when, "expires_at": when}}

    def listed(item: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "description": "total 为总数，items 至多 100 条",
                "properties": {"total": integer, "items": {"type": "array", "items": item}}}

    counts = {k: integer for k in ("pending_due", "pending_delayed", "failed", "done_24h")}
    overview = {"type": "object", "properties": {
        "now": when, "limit": integer,
        "redis": {"type": "object", "description": "available 为 false 时 queues 为空，数据库部分照常返回", "properties": {
            "configured": {"type": "boolean"}, "available": {"type": "boolean"}, "error": nullable,
            "workers": {"type": ["integer", "null"]}, "queues": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, **{k: integer for k in (
                    "queued", "running", "failed", "scheduled", "deferred", "workers")}}}}}},
        "outbox": {"type": "object", "properties": {
            "by_kind": {"type": "array", "items": {"type": "object", "properties": {
                "queue": {"type": "string"}, "kind": {"type": "string"}, **counts}}},
            "totals": {"type": "object", "properties": counts}, "oldest_due_at": when,
            "oldest_due_seconds": {"type": ["integer", "null"]}, "stuck_after_seconds": integer,
            "stuck": {"type": "boolean", "description": "最早到期的待执行任务等待超过 stuck_after_seconds"}}},
        "failed_jobs": listed(job), "retrying_jobs": listed(job),
        "timers": {"allOf": [listed(timer), {"type": "object", "properties": {
            "waiting": integer, "due": integer, "overdue": {**integer, "description": "已过到期时间仍为 WAITING"},
            "oldest_overdue_at": when}}]},
        "messages": {"type": "object", "properties": {"waiting": listed(message), "expired": listed(message)}}}}

    def action(summary: str, conflict: str) -> dict[str, Any]:
        return {"post": _op(summary, {
            "200": _resp("处理后的任务", job), "403": _resp("不是系统管理员", _ERR),
            "404": _resp("任务不存在", _ERR), "409": _resp(conflict, _ERR),
            "422": _resp("逐字段的错误（reason、_body）", _FIELD_ERRORS)}, parameters=_path_id("id"),
            requestBody={"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"reason": {"type": "string", "maxLength": 2000,
                                                            "description": "说明，记入审计"}}}}}})}

    return {
        "/admin/queue": {"get": _op("任务队列概况（系统管理员、流程管理员）", {
            "200": _resp("概况", overview), "403": _resp("无权查看", _ERR)})},
        "/admin/jobs/{id}/retry": action("重试失败或已丢弃的后台任务（系统管理员）", "任务未失败也未丢弃"),
        "/admin/jobs/{id}/discard": action("丢弃失败或待执行的后台任务（系统管理员）", "任务已完成或已丢弃"),
    }


@api.get("/openapi.json")
def openapi():  # noqa: ANN201
    return jsonify(document())
