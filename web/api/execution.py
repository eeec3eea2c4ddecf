"""Execution data by API (issue 11 point 4): `POST /execution-records` records a JSON list of
monthly cumulative payments — all rows or none (budget.execution.posting) — and
`GET /execution-records` lists months with every version. Who: the treasury and budget divisions
and system administrators write; the fund and performance divisions read as well."""
from __future__ import annotations

from typing import Any

from flask import g, request

from budget import execution
from budget.execution import posting, views
from engine.base.errors import Forbidden
from web.api import api
from web.api import execution_schemas as schemas
from web.api.auth import require_token
from web.api.common import TOTAL, page_reply
from web.api.spec import fails
from web.transactions import atomic

BODY_MAX_BYTES = 2 * 1024 * 1024  # ROWS_MAX rows of ~150 bytes, with room to spare


@api.post("/execution-records")
@require_token
@api.doc(requestBody=schemas.BODY)
@api.response(200, schemas.ExecutionReply)
@api.alt_response(422, schema=schemas.ExecutionReply, description="有错误的行（errors）：整批均未写入")
@fails(403)
def post_records():  # noqa: ANN201
    """登记执行数据：每行一个项目、年度、月份的累计支付数（元）。逐行检查（与 Excel 导入相同），任何一行有误则整批不写入，
    返回 422 与逐行错误；全部正确则写入并返回 200。相同数额视为未变化，不同数额新增版本（更正）；按项目、年度、月份幂等"""
    if not execution.may_write(g.api_user):
        raise Forbidden("无权登记执行数据（需要：国库处、预算处或系统管理员）")
    if (request.content_length or 0) > BODY_MAX_BYTES:
        reply = posting.Reply(errors=[{"row": 0, "field": "_body",
                                       "message": f"请求体超过 {BODY_MAX_BYTES // (1024 * 1024)} MB，请分批发送"}])
        return reply.__dict__, 422
    body = request.get_json(silent=True)
    if not isinstance(body, list):
        return posting.Reply(errors=[{"row": 0, "field": "_body", "message": "请求体须为 JSON 数组"}]).__dict__, 422
    reply = atomic(lambda: posting.post_records(body, g.api_user.username))
    return reply.__dict__, 422 if reply.errors else 200


@api.get("/execution-records")
@require_token
@api.arguments(schemas.ExecutionQuery, location="query")
@api.response(200, schemas.ExecutionMonth(many=True), headers=TOTAL)
@fails(403, 422)
def list_records(query: dict[str, Any]):  # noqa: ANN201
    """执行数据：按项目编码、年度、月份排序的月份（当前数及全部版本），可按年度、月份、项目编码筛选，分页"""
    if not execution.may_read(g.api_user):
        raise Forbidden("无权查看执行数据（需要：国库处、预算处、资金处、绩效处或系统管理员）")
    found = views.versions(query.get("year"), query.get("month"), query.get("project_code"),
                           query["page"], query["per_page"])
    return page_reply(found, list(found.items))
