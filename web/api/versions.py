"""Versions under control over JSON (issue 13 point 4): make a version the active one (a rollback,
audited), preview and run the migration of running instances to another version, follow a run's
progress; the model's audit. System administrators only (403 before the body is read). Moving a
token is an intervention on an instance: web/api/interventions.py."""
from __future__ import annotations

import uuid
from typing import Any

from flask import g
from marshmallow import Schema, fields

from engine.base.errors import NotFound
from engine.moves import migration, versions
from web.api import api
from web.api.auth import require_token
from web.api.common import TOTAL, page_reply
from web.api.rules import _n, admin_first
from web.api.schemas import Paging, _int, _obj, _s, _when, always
from web.api.spec import fails
from web.inputs import Input, Int, Text
from web.transactions import atomic


class ActivateVersionInput(Input):
    reason = Text(required="请填写切换原因", metadata={"description": "为何切换启用版本，记入模型审计并通知管理员"})


class MigrationPreviewInput(Input):
    from_version = Int(lo=1, required=True, data_key="from", metadata={"description": "原版本号"})
    to_version = Int(lo=1, required=True, data_key="to", metadata={"description": "目标版本号"})


class MigrationInput(MigrationPreviewInput):
    instance_ids = fields.List(fields.UUID(), load_default=None, allow_none=True,
                               metadata={"description": "要迁移的流程实例；不填则迁移原版本全部运行中和已暂停的实例"})
    reason = Text(required="请填写迁移原因", metadata={"description": "迁移原因，记入每个实例的时间线"})


@always
class ActivatedVersion(Schema):
    key = fields.String()
    version = fields.Integer()
    name = _s()
    activated_at = _when()
    changed = fields.Boolean(metadata={"description": "false：该版本本已启用，未做任何改动"})


@always
class TaskMappingOut(Schema):
    kind = fields.String(metadata={"description": "人工环节 / 定时器 / 消息等待 / 调用子流程 / 子流程 / 自动环节"})
    state = fields.String()
    element = fields.String()
    name = fields.String()
    to_element = _s()
    to_name = _s()
    ok = fields.Boolean()
    reason = _s()


@always
class InstancePreviewOut(Schema):
    instance_id = fields.String()
    title = fields.String()
    business_key = _s()
    status = fields.String()
    ok = fields.Boolean(metadata={"description": "能否迁移"})
    reasons = fields.List(fields.String(), metadata={"description": "不能迁移的原因（中文）"})
    tasks = fields.List(fields.Nested(TaskMappingOut))


@always
class MigrationResultOut(Schema):
    instance_id = fields.String()
    title = _s()
    ok = fields.Boolean()
    reason = _s()


@always
class MigrationRunOut(Schema):
    id = fields.UUID()
    process_key = fields.String()
    from_version = fields.Integer()
    to_version = fields.Integer()
    reason = fields.String()
    status = fields.String(metadata={"description": "QUEUED / DONE"})
    total = fields.Integer()
    done = fields.Integer(metadata={"description": "已迁移"})
    failed = fields.Integer(metadata={"description": "未能迁移（原样保留）"})
    results = fields.List(fields.Nested(MigrationResultOut))
    requested_by = _s()
    created_at = _when()
    finished_at = _when()


@always
class ModelAuditOut(Schema):
    at = _when()
    actor = fields.String()
    action = fields.String(metadata={"description": "activate（切换启用版本）/ migrate（迁移实例）"})
    from_version = _int()
    to_version = _int()
    reason = fields.String()
    detail = _obj()


@always
class ModelVersionsOut(Schema):
    key = fields.String()
    active = fields.Integer(metadata={"description": "新实例使用的版本"})
    versions = fields.List(fields.Nested(lambda: VersionRowOut()))
    audit = fields.List(fields.Nested(ModelAuditOut))


@always
class VersionRowOut(Schema):
    version = fields.Integer()
    name = _s()
    deployed_by = _s()
    deployed_at = _when()
    activated_at = _when()
    active = fields.Boolean()


@api.post("/process-models/<key>/versions/<n>/activate")
@require_token
@admin_first
@api.arguments(ActivateVersionInput)
@api.response(200, ActivatedVersion)
@fails(403, 404, 422)
def activate_version(body: dict[str, Any], key: str, n: str):  # noqa: ANN201
    """设为启用版本（系统管理员）：新发起的流程和定时启动使用该版本；记入模型审计，通知流程管理员和系统管理员"""
    version, changed = atomic(lambda: versions.activate(key, _n(n), g.api_user, body["reason"]))
    return {"key": version.key, "version": version.version, "name": version.name,
            "activated_at": version.activated_at, "changed": changed}


@api.get("/process-models/<key>/audit")
@require_token
@admin_first
@api.response(200, ModelVersionsOut)
@fails(403, 404)
def model_audit(key: str):  # noqa: ANN201
    """模型的版本与审计记录：切换启用版本、迁移实例（系统管理员）"""
    found = versions.versions_of(key)
    active = versions.active_version(key)
    rows = [{"version": v.version, "name": v.name, "deployed_by": v.deployed_by, "deployed_at": v.deployed_at,
             "activated_at": v.activated_at, "active": v.id == active.id} for v in found]
    return {"key": key, "active": active.version, "versions": rows,
            "audit": versions.model_audit(key)}


@api.post("/process-models/<key>/migrations/preview")
@require_token
@admin_first
@api.arguments(MigrationPreviewInput)
@api.arguments(Paging, location="query")
@api.response(200, InstancePreviewOut(many=True), headers=TOTAL)
@fails(403, 404, 422)
def migration_preview(body: dict[str, Any], query: dict[str, Any], key: str):  # noqa: ANN201
    """迁移预览（分页，?page=&per_page=，总数在 X-Total-Count）：原版本运行中/已暂停实例（按发起时间）的
    当前环节对应到目标版本的哪个环节，不能迁移的说明原因"""
    found = atomic(lambda: migration.preview(key, body["from_version"], body["to_version"], g.api_user,
                                             page=query["page"], per_page=query["per_page"]))
    return page_reply(found, [p.as_dict() for p in found.items])


@api.post("/process-models/<key>/migrations")
@require_token
@admin_first
@api.arguments(MigrationInput)
@api.response(202, MigrationRunOut)
@fails(403, 404, 422)
def start_migration(body: dict[str, Any], key: str):  # noqa: ANN201
    """批量迁移（排队执行，每个实例单独一个事务；不能迁移的实例原样保留并报告）"""
    return atomic(lambda: migration.start_run(key, body["from_version"], body["to_version"], g.api_user,
                                              body["reason"], body["instance_ids"])), 202


@api.get("/migration-runs/<id>")
@require_token
@admin_first
@api.response(200, MigrationRunOut)
@fails(403, 404)
def migration_progress(id: str):  # noqa: ANN201, A002
    """迁移进度与每个实例的结果"""
    try:
        run_id = uuid.UUID(id)
    except ValueError:
        raise NotFound("迁移任务不存在") from None
    return migration.run_of(run_id)
