"""Schemas of the execution-data API (web/api/execution.py): the rows a client posts (documented
only: every row is checked by budget.execution.checks, whatever it holds, so that a wrong row is
a row-level error like in the Excel) and the replies."""
from __future__ import annotations

from marshmallow import Schema, fields

from budget.execution.posting import ROWS_MAX
from web.api.schemas import Paging, always, typed
from web.inputs import Int, Line

ITEM = {
    "type": "object",
    "required": ["project_code", "year", "month", "executed_cum"],
    "properties": {
        "project_code": {"type": "string", "maxLength": 20, "description": "项目编码，如 P-D01-001"},
        "year": {"type": "integer", "minimum": 2000, "maximum": 2100, "description": "预算年度（须已批复）"},
        "month": {"type": "integer", "minimum": 1, "maximum": 12, "description": "截至该月月末的累计数"},
        "executed_cum": {"type": ["string", "number"], "description": "累计支付数，单位元，最多两位小数，如 \"1234.56\""},
        "note": {"type": ["string", "null"], "maxLength": 500, "description": "备注（更正时建议写明原因）"},
        "project_name": {"type": ["string", "null"], "description": "仅供核对，与编码不符时给出提示"},
    },
}
BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "array", "minItems": 1, "maxItems": ROWS_MAX, "items": ITEM}}}}


@always
class RowError(Schema):
    row = fields.Integer(metadata={"description": "行号：列表中的下标，从 0 起"})
    field = fields.String(metadata={"description": "字段名，如 executed_cum；_row 整行，_body 整个请求"})
    message = fields.String(metadata={"description": "中文说明"})


@always
class ExecutionReply(Schema):
    accepted = fields.Integer(metadata={"description": "首次登记的月份数"})
    unchanged = fields.Integer(metadata={"description": "与当前数相同、未新增记录的月份数"})
    corrected = fields.Integer(metadata={"description": "数额不同、新增一个版本（更正）的月份数"})
    errors = fields.List(fields.Nested(RowError), metadata={"description": "逐行错误；有错误时整批均未写入"})
    warnings = fields.List(fields.Nested(RowError), metadata={"description": "提示（如项目名称与编码不符），不影响写入"})


class ExecutionQuery(Paging):
    year = Int(lo=2000, hi=2100)
    month = Int(lo=1, hi=12)
    project_code = Line(metadata={"description": "项目编码"})


@always
class ExecutionVersion(Schema):
    version = fields.Integer()
    executed_cum = typed("string", "decimal", nullable=False, metadata={"description": "元"})
    current = fields.Boolean()
    source = fields.String(metadata={"enum": ["EXCEL", "API", "MANUAL", "DEMO"]})
    note = fields.String(allow_none=True)
    recorded_at = typed("string", "date-time", nullable=False)
    recorded_by = fields.String(allow_none=True)


@always
class ExecutionMonth(Schema):
    project_code = fields.String()
    year = fields.Integer()
    month = fields.Integer()
    executed_cum = typed("string", "decimal", nullable=False, metadata={"description": "当前数，元"})
    version = fields.Integer(metadata={"description": "当前数的版本"})
    versions = fields.List(fields.Nested(ExecutionVersion), metadata={"description": "全部版本，旧在前"})
