"""What the API returns, as marshmallow schemas: responses are dumped through them and the OpenAPI
document is generated from them, so the two cannot differ. Query strings are parsed here too."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from engine.base.paging import MAX_PAGE, MAX_PER_PAGE
from forms import messages as M
from web.inputs import Input, Int, Line, Text


def always(cls: type[Schema]) -> type[Schema]:
    """Every field of a response is always present (null where it has no value)."""
    for field in cls._declared_fields.values():
        field.required = True
    return cls


def _s(**kw: Any) -> fields.String:
    return fields.String(allow_none=True, **kw)


def typed(kind: str, fmt: str | None = None, *, nullable: bool = True, **kw: Any) -> fields.Raw:
    """A value the app's JSON provider writes with the one converter (engine.base.convert:
    Decimal → exact text, dates ISO 8601): dumped as is, documented as the text it becomes."""
    meta = {"type": [kind, "null"] if nullable else kind, **({"format": fmt} if fmt else {}),
            **kw.pop("metadata", {})}
    return fields.Raw(metadata=meta, **kw)


def _when(**kw: Any) -> fields.Raw:
    return typed("string", "date-time", **kw)


def _int(**kw: Any) -> fields.Integer:
    return fields.Integer(allow_none=True, **kw)


def _names() -> fields.List:
    return fields.List(fields.String())


def _obj(**kw: Any) -> fields.Dict:
    return fields.Dict(keys=fields.String(), allow_none=True, **kw)


# ---- queries -------------------------------------------------------------------------------

class TaskListQuery(Input):
    process_key = Line()
    business_key = Line()
    year = Int(lo=1900, hi=2999)
    dept = Line()
    task_name = Line()
    priority = Int(lo=0, hi=9)
    overdue = Line(metadata={"description": "非空：只看已超期"})
    sort = fields.String(load_default="created", validate=validate.OneOf(
        ("created", "due", "priority"), error="须为 created、due 或 priority"))
    limit = Int(lo=0, hi=100_000, load_default=50, metadata={"description": "1–500"})
    offset = Int(lo=0, hi=10_000_000, load_default=0)


class Paging(Input):
    """page/per_page of a paged list; the whole list's count is the X-Total-Count header."""
    page = Int(lo=1, hi=MAX_PAGE, load_default=1, metadata={"description": "页码，从 1 起；超出末页返回空列表"})
    per_page = Int(lo=1, hi=MAX_PER_PAGE, load_default=50, metadata={"description": f"每页条数 1–{MAX_PER_PAGE}"})


class ProjectQuery(Paging):
    status = Line()
    dept = Line()
    year = Int(lo=1900, hi=2999)
    q = Line(metadata={"description": "项目名称或编码包含"})


class PeopleQuery(Input):
    q = Line(metadata={"description": "姓名、用户名、部门/单位名称或角色名称包含"})
    role = Line(metadata={"description": "角色代码，如 UNIT_HEAD"})
    department = Line(metadata={"description": "部门或单位代码（部门含其下属单位）"})
    limit = Int(lo=1, hi=50, load_default=20, metadata={"description": "1–50"})


class InstanceQuery(Paging):
    process_key = Line()
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("RUNNING", "COMPLETED", "ERROR", "CANCELLED"), error="须为 RUNNING、COMPLETED、ERROR 或 CANCELLED"))
    dept = Line(metadata={"description": "部门代码"})
    step = Line(metadata={"description": "当前步骤名称包含"})
    year = Int(lo=1900, hi=2999)
    q = Line(metadata={"description": "事项或项目编号包含"})


class CcQuery(Input):
    unread = Line(metadata={"description": "非空：只看未读"})


class TokenInput(Input):
    username = Text(required=True, max_length=100)
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024, error="须为 1–1024 个字符"),
                             error_messages={"required": M.REQUIRED, "null": M.REQUIRED, "invalid": M.NOT_STRING})


class UploadInput(Input):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"},
                      error_messages={"required": "请选择文件", "null": "请选择文件"})
    instance_id = fields.UUID(metadata={"description": "直接上传到流程实例"}, error_messages={"invalid_uuid": "须为 UUID"})
    task_id = fields.UUID(metadata={"description": "直接上传到任务"}, error_messages={"invalid_uuid": "须为 UUID"})


class ModelUploadInput(Input):
    files = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}),
                        metadata={"description": ".bpmn 与 .dmn 文件（也可用字段名 file）"})
    key = Line(max_length=80, metadata={"description": "流程模型 key（可选）"})


# ---- responses -----------------------------------------------------------------------------

@always
class Token(Schema):
    token = fields.String()
    username = fields.String()
    name = _s()


@always
class Task(Schema):
    id = fields.String()
    name = fields.String(metadata={"description": "环节 id（BPMN 元素 id）"})
    title = _s()
    process_key = fields.String()
    instance_id = fields.String()
    instance_title = _s()
    lane = _s(metadata={"description": "角色代码"})
    form_key = _s()
    form_mode = _s()
    business_key = _s()
    assignee = _s()
    status = fields.String(metadata={"enum": ["READY", "WAITING", "COMPLETED", "CANCELLED"]})
    year = _int()
    dept = _s()
    unit = _s()
    created_at = _when()
    due = _when()
    completed_at = _when()
    completed_by = _s()
    decision = _s()
    priority = _int()
    owner = _s()
    delegation = _s(metadata={"enum": ["PENDING", "RESOLVED", None]})
    assigned_via = _s()
    proxy_for = _s()
    sign_seq = _int()
    has_draft = fields.Boolean()


@always
class TaskForm(Schema):
    key = _s()
    mode = _s()
    json_schema = fields.Dict(metadata={"description": "表单的 JSON Schema"})
    ui = fields.Dict(metadata={"description": "分区、字段顺序、标签"})
    verdicts = fields.List(fields.String(), allow_none=True)


@always
class Step(Schema):
    id = fields.String(metadata={"description": "退回时的 target"})
    name = fields.String()
    title = _s()
    completed_by = _s()
    completed_at = _when()


@always
class TaskOperations(Schema):
    """What the caller may do with the task now (the same view the task page shows)."""

    may_submit = fields.Boolean()
    may_handoff = fields.Boolean(metadata={"description": "退回、转办、委派、加签、暂存"})
    may_resolve = fields.Boolean()
    may_claim = fields.Boolean()
    may_release = fields.Boolean()
    may_remove_signers = fields.Boolean()
    returnable = fields.List(fields.Nested(Step))
    resubmit = fields.String(metadata={"enum": ["CHOOSE", "RERUN", "JUMP_BACK"]})
    return_opinion_required = fields.Boolean()


@always
class TaskDetail(Task):
    form = fields.Nested(TaskForm)
    data = fields.Dict(metadata={"description": "表单当前的值（含暂存）"})
    can_complete = fields.Boolean()
    can_resolve = fields.Boolean()
    draft_at = _when()
    operations = fields.Nested(TaskOperations)


# CANCELLED: instances cancelled before 终止 ended them as TERMINATED (issue 10)
INSTANCE_STATUSES = ["RUNNING", "SUSPENDED", "COMPLETED", "ERROR", "TERMINATED", "DELETED", "CANCELLED"]


@always
class InstanceReply(Schema):
    instance_id = fields.String()
    status = fields.String(metadata={"enum": INSTANCE_STATUSES})
    current_steps = fields.List(fields.String(), allow_none=True)
    ready_tasks = fields.List(fields.Nested(Task))


@always
class Event(Schema):
    at = _when()
    actor = _s()
    action = fields.String()
    action_label = fields.String()
    task = _s()
    title = _s()
    lane = _s()
    decision = _s()
    decision_label = _s()
    comment = _s()
    detail = _obj()


@always
class ReadyTask(Task):
    candidates = _names()


@always
class InstanceSummary(Schema):
    id = fields.String()
    process_key = fields.String()
    version = fields.Integer()
    status = fields.String(metadata={"enum": INSTANCE_STATUSES})
    status_label = fields.String()
    business_key = _s()
    title = _s()
    dept = _s()
    unit = _s()
    year = _int()
    started_by = _s()
    started_at = _when()
    ended_at = _when()
    end_event = _s()
    current_steps = fields.List(fields.String(), allow_none=True)
    incident = _s(metadata={"description": "最近一次未生效的办理或后台任务的出错原因（无则为 null）"})


@always
class StartedInstance(InstanceSummary):
    ready_tasks = fields.List(fields.Nested(Task))


@always
class Instance(InstanceSummary):
    ready_tasks = fields.List(fields.Nested(ReadyTask))
    history = fields.List(fields.Nested(Event))
    participants = _names()


@always
class ModelVersion(Schema):
    key = fields.String()
    version = fields.Integer()
    name = _s()
    content_hash = fields.String()
    files = _names()
    forms = _names()
    processes = _names()
    deployed_by = _s()
    deployed_at = _when()
    warnings = fields.List(fields.Nested(lambda: ElementWarning()),
                           metadata={"description": "部署时采用的默认设置（无泳道、无表单等），逐元素说明"})


class ElementWarning(Schema):
    file = _s()
    element_id = _s()
    message = fields.String()


class DeployedVersion(ModelVersion):
    created = fields.Boolean(required=True, metadata={"description": "false：内容相同，返回已有版本"})


@always
class Uploaded(Schema):
    id = fields.String()
    name = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    content_type = _s()


@always
class AttachmentItem(Schema):
    id = fields.String()
    name = fields.String()
    size = fields.Integer()
    content_type = _s()
    uploaded_by = _s()
    uploaded_at = _when()
    task_id = _s()


@always
class Opinion(Schema):
    id = fields.Integer()
    action = fields.String()
    action_label = fields.String()
    actor = _s()
    actor_name = _s()
    task = _s()
    step = _s()
    text = _s()
    attachments = fields.List(fields.String(), allow_none=True)
    at = _when()


@always
class Signers(Schema):
    mode = _s(metadata={"enum": ["ALL", "ANY", "SEQUENTIAL", "RATIO", None]})
    ratio = _s(metadata={"description": "票签通过比例，如 2/3"})
    reject_rule = _s(metadata={"enum": ["VETO", "COUNT", None]})
    signers = fields.List(fields.Nested(Task))


@always
class Draft(Schema):
    id = fields.String()
    draft_at = _when()


class BatchResult(Schema):
    id = fields.String(required=True)
    ok = fields.Boolean(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "逐字段的错误（未通过校验时）"})
    message = fields.String(metadata={"description": "未成功的原因（其他错误）"})


@always
class Urged(Schema):
    urged = _names()


@always
class Copied(Schema):
    copied = _names()


@always
class Ok(Schema):
    ok = fields.Boolean()


@always
class Predicted(Schema):
    step = fields.String()
    title = fields.String()
    lane = _s()
    certain = fields.Boolean(metadata={"description": "true：必经；false：可能"})
    candidates = _names()


@always
class CarbonCopy(Schema):
    id = fields.String()
    instance_id = fields.String()
    step = _s()
    from_ = fields.String(data_key="from", allow_none=True)
    note = _s()
    created_at = _when()
    read = fields.Boolean()


@always
class NotificationItem(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    body = _s()
    instance_id = _s()
    task_id = _s()
    from_ = fields.String(data_key="from", allow_none=True)
    created_at = _when()
    read = fields.Boolean()


@always
class Deputy(Schema):
    id = fields.String()
    deputy = fields.String()
    starts_on = typed("string", "date", nullable=False)
    ends_on = typed("string", "date", nullable=False)


@always
class Moved(Schema):
    moved = fields.Integer(metadata={"description": "转给接收人的待办数"})


class RoleName(Schema):
    code = fields.String()
    name = fields.String()


@always
class Person(Schema):
    id = fields.String()
    username = fields.String(metadata={"description": "转办、委派、加签、抄送等操作提交的值"})
    name = fields.String()
    org_code = _s()
    org_name = fields.String(metadata={"description": "所在部门/单位/处室的名称"})
    department_name = fields.String(metadata={"description": "单位所属的主管部门名称"})
    roles = fields.List(fields.Nested(RoleName))
    label = fields.String(metadata={"description": "姓名 · 单位 · 角色"})


@always
class NoticeOpened(Schema):
    landing = fields.String(metadata={"enum": ["task", "instance", "list"],
                                      "description": "打开后应前往：仍待办理的任务、流程实例（任务已流转）或通知列表"})
    id = _s(metadata={"description": "任务或流程实例的 id（landing 为 list 时为 null）"})


# ---- messages ------------------------------------------------------------------------------

@always
class MessageResult(Schema):
    instance_id = _s(metadata={"description": "流程实例 id（启动失败时为空）"})
    process_key = _s()
    title = _s()
    business_key = _s()
    status = _s(metadata={"enum": [*INSTANCE_STATUSES, None]})
    current_steps = _names()
    outcome = fields.String(metadata={"enum": ["DELIVERED", "STARTED", "FAILED", "SKIPPED"],
                                      "description": "DELIVERED 已送达等待的捕获事件；STARTED 由消息启动的新实例；"
                                                     "FAILED 该实例出错（其余实例不受影响）；SKIPPED 已不再等待"})
    error = _s()


@always
class MessageReply(Schema):
    id = fields.String(metadata={"description": "消息记录 id"})
    message_id = fields.String(metadata={"description": "调用方给出的消息编号"})
    name = fields.String()
    status = fields.String(metadata={"enum": ["DELIVERED", "WAITING"],
                                     "description": "DELIVERED 已有实例收到；WAITING 暂无等待者，保留至有捕获事件等待或过期"})
    duplicate = fields.Boolean(metadata={"description": "true：该编号已发送过，返回首次的结果，本次未投递"})
    results = fields.List(fields.Nested(MessageResult))
