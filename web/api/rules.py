"""Decision tables and rule settings over JSON (issue 13 point 3): an instance's automated decisions
with their "why"; the tables' versions, drafts, what-if and activation; a jurisdiction's rule packs
and thresholds under versions. Tables and settings are the system administrator's (403 otherwise)."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g
from marshmallow import Schema, fields

from budget.shared import rule_settings
from engine.base.errors import Forbidden
from engine.views.decisions import for_instance
from engine.work import rule_tables
from engine.work.access import is_admin
from web.api import api
from web.api.auth import require_token
from web.api.common import in_scope, visible_instance
from web.api.schemas import _int, _obj, _s, _when, always
from web.api.spec import fails
from web.inputs import Input, Text
from web.transactions import atomic


def _admin_only() -> None:
    if not is_admin(g.api_user):
        raise Forbidden("仅系统管理员可管理决策表和规则设置")


def admin_first(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Under @require_token: 403 by role before the body is read."""
    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        _admin_only()
        return fn(*args, **kwargs)
    return checked


@always
class DecisionOut(Schema):
    id = fields.Integer()
    at = _when()
    task_title = fields.String()
    decision_id = fields.String()
    table_name = fields.String()
    table_version = _int(metadata={"description": "所用决策表版本；null：未登记版本的部署文件"})
    packs = fields.List(fields.String())
    rows = fields.List(fields.String(), metadata={"description": "命中的规则行 id（如 dt06_r4）"})
    row_numbers = fields.List(fields.Integer())
    why = fields.String(metadata={"description": "中文说明：哪张表第几行命中、输入值与结论"})
    inputs = _obj()
    outputs = _obj()


@api.get("/instances/<id>/decisions")
@require_token
@in_scope("instance")
@api.response(200, DecisionOut(many=True))
@fails(404)
def instance_decisions(id: str):  # noqa: ANN201, A002
    """流程实例的自动决策（每次决策表求值：表、版本、规则包、命中行、输入、输出和中文说明）"""
    return [d.__dict__ for d in for_instance(visible_instance(id, g.api_user))]


@always
class TableOut(Schema):
    decision_id = fields.String()
    name = fields.String()
    in_force = _int(metadata={"description": "现行版本号"})
    versions = fields.Integer()
    drafts = fields.Integer()
    decisions = fields.Integer(metadata={"description": "已记录的自动决策数"})


@always
class TableVersionOut(Schema):
    id = fields.UUID()
    decision_id = fields.String()
    version = fields.Integer()
    name = fields.String()
    status = fields.String(metadata={"description": "DRAFT 草稿 / ACTIVE 已启用 / DISCARDED 已放弃"})
    source = fields.String(metadata={"description": "deploy 随模型部署 / editor 管理员编辑"})
    based_on = _int()
    note = fields.String()
    effective_from = _when(metadata={"description": "生效时间；null：自始有效"})
    created_by = _s()
    created_at = _when()
    activated_by = _s()
    activated_at = _when()
    content_hash = fields.String()


class TableVersionDetailOut(TableVersionOut):
    content = fields.String(required=True)


class DraftInput(Input):
    content = Text(max_length=500_000, metadata={"description": "完整的 DMN 文件（与 cells 二选一）"})
    based_on = fields.Integer(load_default=None, allow_none=True,
                              metadata={"description": "以哪个版本为底稿（cells 时必填，默认现行版本）"})
    cells = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict,
                        metadata={"description": "单元格 id → 新表达式（如 {\"dt06_r4_in3\": \"? >= 25\"}）"})
    descriptions = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict,
                               metadata={"description": "规则行 id → 中文注释（可含 {输入名} 占位）"})
    note = Text(max_length=500, metadata={"description": "修改说明"})


class ActivateInput(Input):
    effective_from = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "生效时间（含时区）；缺省或早于现在：立即生效"})


@always
class ChangedOut(Schema):
    decision = fields.Integer()
    instance_id = fields.String()
    title = fields.String(metadata={"description": "流程实例标题（含项目名称）"})
    task_title = fields.String()
    at = fields.String()
    old_rows = fields.List(fields.String())
    new_rows = fields.List(fields.String())
    old = _obj()
    new = _obj()


@always
class WhatIfOut(Schema):
    id = fields.UUID()
    status = fields.String(metadata={"description": "QUEUED / RUNNING / DONE / FAILED"})
    against_version = _int(metadata={"description": "对照的现行版本"})
    total = fields.Integer()
    done = fields.Integer()
    changed = fields.List(fields.Nested(ChangedOut))


def _draft_content(decision_id: str, body: dict[str, Any]) -> tuple[str, int | None]:
    if body["content"]:
        return body["content"], body["based_on"]
    base = (rule_tables.version_of(decision_id, body["based_on"]) if body["based_on"]
            else rule_tables.in_force_version(decision_id))
    if base is None:
        rule_tables.version_of(decision_id, 0)  # 404
    return rule_tables.with_cells(base.content, body["cells"], body["descriptions"]), base.version


@api.get("/decision-tables")
@require_token
@api.response(200, TableOut(many=True))
@fails(403)
def list_tables():  # noqa: ANN201
    """决策表及其现行版本（系统管理员）"""
    _admin_only()
    return [t.__dict__ for t in rule_tables.tables()]


@api.get("/decision-tables/<decision_id>/versions")
@require_token
@api.response(200, TableVersionOut(many=True))
@fails(403, 404)
def list_table_versions(decision_id: str):  # noqa: ANN201
    """一张决策表的全部版本（系统管理员）"""
    _admin_only()
    found = rule_tables.versions(decision_id)
    if not found:
        rule_tables.version_of(decision_id, 0)
    return found


@api.get("/decision-tables/<decision_id>/versions/<v>")
@require_token
@api.response(200, TableVersionDetailOut)
@fails(403, 404)
def get_table_version(decision_id: str, v: str):  # noqa: ANN201
    """一个版本（含 DMN 内容）"""
    _admin_only()
    return rule_tables.version_of(decision_id, _n(v))


@api.post("/decision-tables/<decision_id>/versions")
@require_token
@admin_first
@api.arguments(DraftInput)
@api.response(201, TableVersionOut)
@fails(403, 404, 422)
def add_table_draft(body: dict[str, Any], decision_id: str):  # noqa: ANN201
    """保存草稿版本（整份 DMN，或在底稿上改单元格）；表达式语法错误逐单元格以中文返回 422"""
    _admin_only()

    def go() -> Any:
        content, based_on = _draft_content(decision_id, body)
        return rule_tables.add_draft(decision_id, content, g.api_user.username, note=body["note"], based_on=based_on)
    return atomic(go)


@api.post("/decision-tables/<decision_id>/versions/<v>/what-if")
@require_token
@api.response(200, WhatIfOut)
@fails(403, 404, 409)
def table_what_if(decision_id: str, v: str):  # noqa: ANN201
    """试算：用该草稿重算现行版本作出的每一次决策，列出结论会改变的决策（超过 300 次时排队，返回进度）"""
    _admin_only()
    return atomic(lambda: rule_tables.start_what_if(rule_tables.version_of(decision_id, _n(v)), g.api_user.username))


@api.get("/what-if-runs/<id>")
@require_token
@api.response(200, WhatIfOut)
@fails(403, 404)
def what_if_progress(id: str):  # noqa: ANN201, A002
    """试算进度与结果"""
    _admin_only()
    return rule_tables.what_if_run(id)


@api.post("/decision-tables/<decision_id>/versions/<v>/activate")
@require_token
@admin_first
@api.arguments(ActivateInput)
@api.response(200, TableVersionOut)
@fails(403, 404, 409, 422)
def activate_table(body: dict[str, Any], decision_id: str, v: str):  # noqa: ANN201
    """启用草稿（自生效时间起用于新的自动决策；记审计，通知绩效管理处和系统管理员）"""
    _admin_only()
    return atomic(lambda: rule_tables.activate(rule_tables.version_of(decision_id, _n(v)), g.api_user,
                                               body["effective_from"]))


# --- a jurisdiction's rule packs and thresholds -------------------------------------------------------------

@always
class RuleSettingsVersionOut(Schema):
    version = fields.Integer()
    status = fields.String()
    packs = fields.List(fields.String())
    rule_params = _obj()
    note = fields.String()
    effective_from = _when()
    created_by = _s()
    activated_by = _s()
    activated_at = _when()


@always
class RuleSettingsOut(Schema):
    jurisdiction = fields.String()
    name = fields.String()
    in_force = fields.Nested(Schema.from_dict({
        "version": _int(required=True), "packs": fields.List(fields.String(), required=True),
        "rule_params": _obj(required=True)}, name="RuleSettingsInForce"))
    versions = fields.List(fields.Nested(RuleSettingsVersionOut))


class RuleSettingsInput(Input):
    packs = fields.List(fields.String(), required=True, metadata={"description": "CORE、SD、SZ、QP、FJ、JN 中的若干个"},
                        error_messages={"required": "请选择规则包"})
    rule_params = fields.Dict(keys=fields.String(), load_default=dict,
                              metadata={"description": "§4.4 阈值覆盖（warn_start_month 等）"})
    note = Text(max_length=500)


def _settings(code: str) -> dict[str, Any]:
    j = rule_settings.jurisdiction(code)
    now = rule_settings.in_force(j)
    return {"jurisdiction": j.code, "name": j.name, "versions": rule_settings.versions(j),
            "in_force": {"version": now.version, "packs": now.packs, "rule_params": now.rule_params}}


@api.get("/jurisdictions/<code>/rule-settings")
@require_token
@api.response(200, RuleSettingsOut)
@fails(403, 404)
def get_rule_settings(code: str):  # noqa: ANN201
    """辖区的规则包与阈值：现行设置和全部版本（系统管理员）"""
    _admin_only()
    return _settings(code)


@api.post("/jurisdictions/<code>/rule-settings")
@require_token
@admin_first
@api.arguments(RuleSettingsInput)
@api.response(201, RuleSettingsVersionOut)
@fails(403, 404, 422)
def add_rule_settings(body: dict[str, Any], code: str):  # noqa: ANN201
    """保存规则设置草稿"""
    _admin_only()
    return atomic(lambda: rule_settings.add_draft(rule_settings.jurisdiction(code), body["packs"], body["rule_params"],
                                                  g.api_user.username, body["note"]))


@api.post("/jurisdictions/<code>/rule-settings/<v>/activate")
@require_token
@admin_first
@api.arguments(ActivateInput)
@api.response(200, RuleSettingsVersionOut)
@fails(403, 404, 409, 422)
def activate_rule_settings(body: dict[str, Any], code: str, v: str):  # noqa: ANN201
    """启用规则设置（自生效时间起新发起的流程适用；记审计并通知）"""
    _admin_only()

    def go() -> Any:
        j = rule_settings.jurisdiction(code)
        return rule_settings.activate(j, rule_settings.version_of(j, _n(v)), g.api_user, body["effective_from"])
    return atomic(go)


def _n(v: str) -> int:
    """A version number from the path; anything else is a version that does not exist."""
    return int(v) if v.isdigit() and len(v) < 9 else 0
