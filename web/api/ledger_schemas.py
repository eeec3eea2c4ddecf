"""What `GET /api/v1/ledger` (工作台账 V-02) and `GET /api/v1/rectification-cases` (整改台账 V-10)
take and return: the pages' rows as data — codes with their Chinese names beside them."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from budget.ledgers.deliverables import DELIVERABLE_ZH, SOURCES
from budget.ledgers.rectification import CASE_STATUS_ZH, SOURCE_ZH
from budget.ledgers.work import STATUSES
from web.api.schemas import Paging, _names, _s, _when, always, typed
from web.inputs import Int, Line

AS_OF = {"description": "截至日期 YYYY-MM-DD（上海时间当日结束）；缺省为今天"}


class LedgerQuery(Paging):
    as_of = fields.Date(load_default=None, metadata=AS_OF, error_messages={"invalid": "须为日期 YYYY-MM-DD"})
    year = Int(lo=1900, hi=2999)
    department = Line(metadata={"description": "主管部门代码，如 D04"})
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES, error="须为 " + " / ".join(STATUSES)))
    source = fields.String(load_default=None, validate=validate.OneOf(tuple(SOURCES), error="须为 P1 / P2 / P3 / P7"))
    deliverable = fields.String(load_default=None, validate=validate.OneOf(tuple(DELIVERABLE_ZH), error="未知的事项类型"))


@always
class LedgerRow(Schema):
    key = fields.String(metadata={"description": "行标识（实例:步骤:截止日 或 整改编号:事项）"})
    source = fields.String(metadata={"enum": list(SOURCES)})
    source_name = fields.String()
    deliverable = fields.String(metadata={"enum": list(DELIVERABLE_ZH)})
    deliverable_name = fields.String()
    object_name = _s(metadata={"description": "对象（项目名称）"})
    year = fields.Integer(allow_none=True)
    department = _s(metadata={"description": "主管部门代码"})
    department_name = _s()
    responsible = _s(metadata={"description": "责任人用户名（未认领为 null）"})
    responsible_name = fields.String()
    due = typed("string", "date", nullable=False)
    submitted_at = _when()
    status = fields.String(metadata={"enum": list(STATUSES)})
    status_name = fields.String()
    days_late = fields.Integer()


class CaseQuery(Paging):
    as_of = fields.Date(load_default=None, metadata=AS_OF, error_messages={"invalid": "须为日期 YYYY-MM-DD"})
    year = Int(lo=1900, hi=2999)
    department = Line(metadata={"description": "主管部门代码，如 D04"})
    status = fields.String(load_default=None, validate=validate.OneOf(tuple(CASE_STATUS_ZH), error="未知的整改状态"))
    source = fields.String(load_default=None, validate=validate.OneOf(tuple(SOURCE_ZH), error="未知的整改来源"))


@always
class CaseIssue(Schema):
    id = fields.String()
    seq = fields.Integer()
    description = fields.String()
    severity = fields.String()
    owner = _s()
    owner_name = fields.String()
    deadline = typed("string", "date")
    status = fields.String()
    status_name = fields.String()
    result = _s(metadata={"description": "回头看核查结果 CLOSED / PARTIAL / NOT_RECTIFIED"})
    result_name = _s()
    rounds = fields.Integer()
    closed_at = typed("string", "date", metadata={"description": "销号日期"})


@always
class FollowUp(Schema):
    round = fields.Integer()
    mode = fields.String()
    mode_name = _s()
    planned_date = typed("string", "date")
    actual_date = typed("string", "date")
    conclusion = _s()
    conclusion_name = _s()


@always
class RectificationCaseOut(Schema):
    id = fields.String()
    code = fields.String()
    source_type = fields.String()
    source_name = _s()
    source_label = _s()
    project_code = fields.String()
    project_name = fields.String()
    year = fields.Integer()
    department = fields.String()
    department_name = fields.String()
    unit_name = fields.String()
    owners = _names()
    notice_date = typed("string", "date")
    plan_due = typed("string", "date")
    report_due = typed("string", "date")
    plan_submitted_at = _when()
    report_submitted_at = _when()
    status = fields.String()
    status_name = fields.String()
    overdue_days = fields.Integer()
    followup_mode = fields.String()
    followup_mode_name = _s()
    followups = fields.List(fields.Nested(FollowUp))
    rounds = fields.Integer()
    interview_held = fields.Boolean()
    issue_count = fields.Integer()
    closed = fields.Integer(metadata={"description": "已销号（含经批准无法整改）问题数"})
    issues = fields.List(fields.Nested(CaseIssue))
