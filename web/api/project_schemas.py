"""What the project library and the project page return (`GET /projects`, `GET /projects/{id}`):
a project, its years with their classification and ex-ante results, targets and indicators,
assessments, and the history of its instances. Split from `web.api.schemas`, whose helpers it uses."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from web.api.schemas import Event, InstanceSummary, _int, _names, _s, always, typed


@always
class RuleRow(Schema):
    id = fields.String(metadata={"description": "决策表规则行，如 dt05_r3"})
    table = fields.String(metadata={"description": "DT-05 或 DT-01"})
    row = fields.Integer()
    label = fields.String()
    when = fields.String()
    then = fields.String()


@always
class Classification(Schema):
    is_major = fields.Boolean(allow_none=True, metadata={"description": "重大项目（DT-05）"})
    is_key = fields.Boolean(allow_none=True, metadata={"description": "重点项目（DT-05）"})
    fiscal_key = fields.Boolean(allow_none=True, metadata={"description": "财政重点事前评估（DT-01）"})
    labels = _names()
    rules = fields.List(fields.Nested(RuleRow), metadata={"description": "作出认定的 DT-05、DT-01 规则行"})
    packs = _names()
    packs_label = fields.String()
    decided_at = _s(metadata={"description": "P1 作出认定的时间（ISO 8601）"})


@always
class ExanteResult(Schema):
    dept_required = fields.Boolean(allow_none=True, metadata={"description": "DT-01：需部门事前评估（未记录为 null）"})
    fiscal_required = _s(metadata={"enum": ["NONE", "OPTIONAL", "REQUIRED", None],
                                   "description": "DT-01：财政事前评估要求（未记录为 null）"})
    fiscal_required_label = _s()
    reasons = _names()
    reason_labels = _names()
    conclusion = _s(metadata={"description": "最后一次已得出结论的事前评估的结论"})
    conclusion_label = _s()
    assessor_type = _s()
    assessor_label = _s()
    total_score = typed("string", "decimal")
    recommended_amount = typed("string", "decimal", metadata={"description": "事前评估建议金额，元"})


def _classification() -> fields.Nested:
    return fields.Nested(Classification, allow_none=True, metadata={
        "description": "P1 的分类认定及其依据；在开始记录分类之前作出的认定为 null"})


@always
class ProjectYear(Schema):
    fiscal_year = fields.Integer()
    requested = typed("string", "decimal", metadata={"description": "元，精确小数的文本"})
    exante_recommended = typed("string", "decimal", metadata={"description": "元，精确小数的文本"})
    arranged = typed("string", "decimal", metadata={"description": "元，精确小数的文本"})
    cycle_status = _s()
    classification = _classification()
    exante = fields.Nested(ExanteResult)


@always
class Project(Schema):
    id = fields.String()
    code = fields.String()
    name = fields.String()
    object_type = _s()
    dept = _s()
    dept_name = _s()
    unit = _s()
    unit_name = _s()
    new_or_continuing = _s()
    start_year = _int()
    end_year = _int()
    library_status = _s()
    library_status_label = _s()
    is_major_flag = fields.Boolean(allow_none=True)
    years = fields.List(fields.Nested(ProjectYear))


def _yuan(**kw: Any) -> fields.Raw:
    return typed("string", "decimal", metadata={"description": "元，精确小数的文本"}, **kw)


@always
class Indicator(Schema):
    l1 = fields.String()
    l1_label = fields.String()
    l2 = fields.String()
    l2_label = fields.String()
    name = fields.String()
    operator = fields.String()
    target = fields.String(metadata={"description": "指标值（含比较符），定性指标为文字"})
    unit = _s()
    weight = typed("string", "decimal", nullable=False)
    is_common = fields.Boolean()


@always
class Target(Schema):
    version_no = fields.Integer()
    framework = fields.String()
    status = fields.String()
    overall_goal = _s()
    annual_goal = _s()
    review_grade = _s()
    indicators = fields.List(fields.Nested(Indicator))


@always
class Assessment(Schema):
    assessor_type = fields.String()
    assessor_label = fields.String()
    round = fields.Integer()
    performer = _s()
    total_score = typed("string", "decimal")
    conclusion = _s()
    conclusion_label = _s()
    recommended_amount = _yuan()
    status = fields.String()


@always
class ProjectYearRecord(Schema):
    fiscal_year = fields.Integer()
    funding_source = _s()
    requested = _yuan()
    requested_other = _yuan()
    exante_recommended = _yuan()
    review_approved = _yuan()
    arranged = _yuan()
    adjusted = _yuan()
    executed = _yuan()
    cycle_status = _s()
    target = fields.Nested(Target, allow_none=True, metadata={"description": "该年度最新版绩效目标"})
    assessments = fields.List(fields.Nested(Assessment))
    classification = _classification()
    exante = fields.Nested(ExanteResult)


@always
class ProjectCase(Schema):
    """A rectification case of the project: the fields of GET /api/v1/rectification-cases' items it
    shares (same names), without issues and follow-ups."""

    id = fields.String()
    code = fields.String()
    source_type = fields.String()
    source_name = _s()
    source_label = _s()
    status = fields.String()
    status_name = fields.String()
    plan_due = typed("string", "date")
    report_due = typed("string", "date")
    rounds = fields.Integer()
    issue_count = fields.Integer()
    closed = fields.Integer(metadata={"description": "已销号（含经批准无法整改）问题数"})
    rect_state = fields.String(metadata={"description": "NONE / IN_TIME / OVERDUE / NOT_RECTIFIED"})
    instance_id = _s()


@always
class ProjectRecord(Schema):
    id = fields.String()
    code = fields.String()
    name = fields.String()
    object_type = fields.String()
    object_type_label = fields.String()
    dept = fields.String()
    dept_name = fields.String()
    unit = fields.String()
    unit_name = fields.String()
    new_or_continuing = fields.String()
    start_year = _int()
    end_year = _int()
    total_amount = _yuan()
    function_category = _s()
    library_status = fields.String()
    library_status_label = fields.String()
    is_major_flag = fields.Boolean()
    responsible_person = _s()
    responsible_person_name = _s()
    legal_basis = _s()
    necessity_text = _s()
    content_text = _s()
    years = fields.List(fields.Nested(ProjectYearRecord))
    rect_cases = fields.List(fields.Nested(ProjectCase), metadata={"description": "项目的整改事项（P7），新的在前"})


@always
class ProjectEvent(Event):
    instance_id = fields.String()
    instance_title = _s()


@always
class ProjectDetail(Schema):
    project = fields.Nested(ProjectRecord)
    instances = fields.List(fields.Nested(InstanceSummary), metadata={"description": "调用者可查看的申报与流程"})
    history = fields.List(fields.Nested(ProjectEvent), metadata={"description": "这些流程的办理记录（最近 500 条）"})
