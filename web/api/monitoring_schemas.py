"""What `GET /api/v1/warnings` takes and returns (预警看板 as data): the filters, and a warning with
its DT-06 reasons, DT-07 suggestion and response — codes, with their Chinese names beside them."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from web.api.schemas import Paging, _names, _s, _when, always, typed
from web.inputs import Int, Line


class WarningQuery(Paging):
    year = Int(lo=1900, hi=2999)
    month = Int(lo=1, hi=12)
    project_code = Line(metadata={"description": "项目编码，如 P-D04-001"})
    department = Line(metadata={"description": "主管部门代码，如 D04"})
    level = fields.String(load_default=None, validate=validate.OneOf(("RED", "YELLOW"), error="须为 RED 或 YELLOW"))
    key_only = Line(metadata={"description": "非空：只看重点监控"})


@always
class MonitoringWarning(Schema):
    id = fields.String()
    project_code = fields.String()
    project_name = fields.String()
    department = fields.String(metadata={"description": "主管部门代码"})
    department_name = fields.String()
    year = fields.Integer(metadata={"description": "预算年度"})
    month = fields.Integer(metadata={"description": "监控月份 1–12（截至月末）"})
    level = fields.String(metadata={"enum": ["RED", "YELLOW"]})
    level_name = fields.String()
    key_monitoring = fields.Boolean(metadata={"description": "重点监控（DT-06 第 1 行）"})
    recovery_review = fields.Boolean(metadata={"description": "年底支出风险，需研究收回或调剂"})
    rule_row = fields.Integer(metadata={"description": "作出判定的 DT-06 规则行"})
    reasons = _names()
    reason_names = _names()
    lag_pp = typed("string", "decimal", nullable=False, metadata={"description": "时间进度 − 执行率，百分点"})
    exec_rate = typed("string", "decimal", nullable=False, metadata={"description": "执行率 %"})
    time_progress = typed("string", "decimal", nullable=False, metadata={"description": "时间进度 %"})
    consecutive_count = fields.Integer(metadata={"description": "连续预警月数（红色：连续红色月数）"})
    suggested_response = _s(metadata={"description": "DT-07 处置建议"})
    suggested_response_name = _s()
    raised_at = _when()
    response_due = typed("string", "date")
    response = _s(metadata={"description": "处置结果（未处置为 null）"})
    response_name = _s()
    response_state = _s(metadata={"enum": ["OPEN", "OVERDUE", "CLOSED", None],
                                  "description": "未处置时：OPEN 待响应 / OVERDUE 逾期；已办结为 CLOSED"})
    decided_by = _s()
    closed_at = _when()
