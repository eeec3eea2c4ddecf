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
                for n in ("process_key", "business_key", "year", "dept", "task_name", "limit", "offset")])},
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


@api.get("/openapi.json")
def openapi():  # noqa: ANN201
    return jsonify(document())
