"""整改来源 (issue 12 points 2–3): `POST /rectification-sources` registers an evaluation's findings
(预算绩效管理处: the evaluation types) or an audit's (审计观察员: AUDIT) and sends
`msg_start_rectification` once (budget.rect_sources); `GET /rectification-sources` lists the
registrations in the caller's scope. Other roles 403; a project outside the scope 404."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from budget.models.rect_source import REGISTERED_SOURCES
from budget.rect_sources import registration as reg
from engine.base.errors import Forbidden
from forms import messages as M
from web.api import api
from web.api.auth import require_token
from web.api.common import TOTAL
from web.api.schemas import Paging, _s, always, typed
from web.api.spec import fails
from web.inputs import Input, Int, Text

_FLAG = {"required": M.REQUIRED, "null": M.REQUIRED, "invalid": "须为 true 或 false"}


class SourceInput(Input):
    source_type = fields.String(required=True, validate=validate.OneOf(REGISTERED_SOURCES, error="来源类型无效"),
                                metadata={"enum": list(REGISTERED_SOURCES),
                                          "description": "FISCAL_KEY_EVAL 财政重点评价、DEPT_KEY_EVAL 部门重点评价、RE_EVAL 再评价、"
                                                         "SPOT_CHECK 抽查复核、COST_ANALYSIS 成本分析（预算绩效管理处）；AUDIT 审计发现（审计观察员）"},
                                error_messages={"required": "请选择来源类型", "null": "请选择来源类型", "invalid": M.NOT_STRING})
    project_id = fields.UUID(required=True, metadata={"description": "项目 id"},
                             error_messages={"required": "请选择项目", "null": "请选择项目", "invalid": "项目 id 无效"})
    eval_year = Int(lo=2000, hi=2100, required=True, metadata={"description": "评价（审计）所涉预算年度"})
    score = fields.Decimal(places=2, allow_none=True, load_default=None, allow_nan=False,
                           validate=validate.Range(0, 100, error="得分须在 0–100 之间"),
                           metadata={"description": "评价得分 0–100（等级按评价等级规则由得分得出）", "minimum": 0, "maximum": 100},
                           error_messages={"invalid": "得分须为数字"})
    large_diff = fields.Boolean(load_default=False, error_messages=_FLAG, metadata={"description": "自评与复核差异大"})
    cost_poor = fields.Boolean(load_default=False, error_messages=_FLAG, metadata={"description": "成本分析较差"})
    findings = fields.List(fields.Dict(keys=fields.String()), required=True,
                           validate=validate.Length(max=reg.MAX_FINDINGS, error=f"问题不超过 {reg.MAX_FINDINGS} 条"),
                           metadata={"description": "问题：[{description, category, severity HIGH/MEDIUM/LOW, "
                                                    "owner_unit（单位代码，可空）, suggested_measure}]"},
                           error_messages={"required": "请至少填写一条问题", "invalid": "须为问题列表"})
    idempotency_key = Text(required="请给出表单编号（同一编号只登记一次）", max_length=64,
                           metadata={"description": "表单编号：同一编号再次提交时返回首次登记的来源，不再登记"})


class SourceQuery(Paging):
    pass


@always
class Finding(Schema):
    description = fields.String()
    category = fields.String()
    severity = fields.String()
    owner_unit = _s()
    suggested_measure = _s()


@always
class Source(Schema):
    id = fields.String(metadata={"description": "来源 id（msg_start_rectification 的 source_id）"})
    source_type = fields.String()
    source_type_name = fields.String()
    project_id = fields.String()
    project_code = fields.String()
    project_name = fields.String()
    eval_year = fields.Integer()
    score = typed("string", "decimal")
    grade = _s()
    large_diff = fields.Boolean()
    cost_poor = fields.Boolean()
    source_label = fields.String()
    findings = fields.List(fields.Nested(Finding))
    registered_by = fields.String()
    registered_at = typed("string", "date-time", nullable=False)
    message_status = fields.String(metadata={"description": "WAITING_P7 待整改流程接收；STARTED 已启动整改"})
    message_id = _s()
    instance_id = _s()


@always
class Registered(Source):
    created = fields.Boolean(metadata={"description": "false：同一表单编号此前已登记，本次未重复登记"})


def registrar(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Under @require_token: 403 for a role that registers nothing, before the body is read."""
    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not reg.may_register(g.api_user):
            raise Forbidden("仅预算绩效管理处（评价发现）和审计观察员（审计发现）可登记整改来源")
        return fn(*args, **kwargs)
    return checked


@api.post("/rectification-sources")
@require_token
@registrar
@api.arguments(SourceInput)
@api.response(201, Registered)
@fails(403, 404, 409, 422)
def register_source(body: dict[str, Any]):  # noqa: ANN201
    """登记整改来源（评价发现：预算绩效管理处；审计发现：审计观察员），每次登记发出一条启动整改消息"""
    source, created = reg.register(g.api_user, reg.Registration(
        source_type=body["source_type"], project_id=body["project_id"], eval_year=body["eval_year"],
        findings=body["findings"], client_key=body["idempotency_key"], score=body.get("score"),
        large_diff=body["large_diff"], cost_poor=body["cost_poor"]))
    rows, _ = reg.sources_for(g.api_user, only=source.id)
    return {**rows[0], "created": created}, 201


@api.get("/rectification-sources")
@require_token
@api.arguments(SourceQuery, location="query")
@api.response(200, Source(many=True), headers=TOTAL)
@fails(403, 422)
def list_sources(query: dict[str, Any]):  # noqa: ANN201
    """已登记的整改来源（我的数据范围内，最新在前，分页）"""
    if not reg.may_see(g.api_user):
        raise Forbidden("仅预算绩效管理处、审计观察员可查看整改来源登记")
    rows, total = reg.sources_for(g.api_user, query["page"], query["per_page"])
    return rows, 200, {"X-Total-Count": str(total)}



