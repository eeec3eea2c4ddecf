"""What each operation takes, parsed once: the marshmallow schemas that the pages feed with form
data and the API with JSON, and that the OpenAPI document is generated from. Shapes and types
here (Chinese messages per field); what depends on the task or the people (a returnable step,
an active user, a rule's required opinion) is the engine's to check."""
from __future__ import annotations

import re
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from forms import messages as M
from forms.fields import CONTROL_RE, INT_MAX, clean_int, clean_text

TEXT_MAX = 2000
_SEPARATORS = re.compile(r"[\s,，、;；]+")
_COMMON = {"required": M.REQUIRED, "null": M.REQUIRED}


class Text(fields.String):
    """Free text, stripped, at most 2,000 characters, no control characters (NUL would reach
    PostgreSQL); absent is empty. `required` may be the message to show when it is missing or blank."""

    def __init__(self, *, required: bool | str = False, max_length: int = TEXT_MAX, **kw: Any) -> None:
        kw.setdefault("validate", validate.Length(max=max_length, error=f"不超过 {max_length} 字"))
        missing = required if isinstance(required, str) else M.REQUIRED
        if required:
            kw["validate"] = [kw["validate"], validate.Length(min=1, error=missing)]
        else:
            kw.setdefault("load_default", "")
        super().__init__(required=bool(required), error_messages={
            "required": missing, "null": missing, "invalid": M.NOT_STRING}, **kw)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kw: Any) -> str:
        return clean_text(value, max_length=10 * TEXT_MAX)  # the field's own Length says the limit


class Line(Text):
    """A short optional value such as a filter or a code: at most 200 characters, absent is None."""

    def __init__(self, *, max_length: int = 200, **kw: Any) -> None:
        kw.setdefault("load_default", None)
        super().__init__(max_length=max_length, allow_none=True, **kw)


class Int(fields.Integer):
    """An integer as a query string or JSON gives it: ASCII digits only ("²" and "٣" are refused),
    within [lo, hi] (the database's 32-bit columns at most)."""

    def __init__(self, *, lo: int = -INT_MAX - 1, hi: int = INT_MAX, **kw: Any) -> None:
        self.lo, self.hi = lo, hi
        meta = {"minimum": lo, "maximum": hi, **kw.pop("metadata", {})}
        super().__init__(strict=False, metadata=meta, error_messages={
            **_COMMON, "invalid": M.NOT_INT}, **kw)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kw: Any) -> int:
        return clean_int(value, self.lo, self.hi)


def query_int(value: str | None, lo: int, hi: int) -> int | None:
    """A page's integer filter (年度, 页码): None unless ASCII digits within [lo, hi]."""
    try:
        return clean_int(value or "", lo, hi)
    except ValidationError:
        return None


class Usernames(fields.List):
    """Usernames: a JSON list, or what a page posts: one text (`a, b，c、d`) or a multiple
    select's values (web/operations.parse hands those over as a list)."""

    def __init__(self, *, missing: str = M.REQUIRED, **kw: Any) -> None:
        super().__init__(fields.String(), required=True, error_messages={
            "required": missing, "null": missing, "invalid": "须为用户名列表"}, **kw)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kw: Any) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError("须为用户名列表")
        value = [n for v in value for n in _SEPARATORS.split(v) if n]
        if len(value) > 100 or any(CONTROL_RE.search(v) or len(v) > 80 for v in value):
            raise ValidationError("须为用户名列表（至多 100 个）")
        return [v.strip() for v in value if v.strip()]


def _object(**kw: Any) -> fields.Dict:
    return fields.Dict(keys=fields.String(), error_messages={**_COMMON, "invalid": "须为对象"}, **kw)


def _choice(values: tuple[str, ...], description: str, **kw: Any) -> fields.String:
    """An enumerated text; the engine checks the value (its message knows the step's rule)."""
    return fields.String(metadata={"enum": list(values), "description": description},
                         error_messages={**_COMMON, "invalid": M.NOT_STRING}, **kw)


class Input(Schema):
    """Base of every request body: unknown fields are ignored, a body that is no object is a
    `_body` error."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": "请求体须为 JSON 对象"}


class OpinionInput(Input):
    opinion = Text(metadata={"description": "审批意见"})


class ReturnInput(OpinionInput):
    target = Text(metadata={"description": "退回到的环节：GET /tasks/{id}/returnable 返回的 id"})
    resubmit = _choice(("RERUN", "JUMP_BACK"), "重新提交方式：逐级重走或直达退回人（环节允许选择时）",
                       load_default=None, allow_none=True)


class HandOffInput(OpinionInput):
    to = Text(required="请填写接收人", metadata={"description": "接收人用户名"})


class HandoverInput(Input):
    to = Text(required="请填写接收人", metadata={"description": "接收人用户名"})


class SignersInput(OpinionInput):
    users = Usernames(missing="请填写加签人", metadata={"description": "加签的用户名"})
    position = _choice(("BEFORE", "AFTER", "WITH"), "前加签、后加签或并加签", load_default="AFTER")
    order = _choice(("SEQUENTIAL", "PARALLEL"), "依次或同时", load_default="PARALLEL")


class DataInput(Input):
    data = _object(load_default=dict, metadata={"description": "表单字段（字段名 → 值）"})


class StartInput(DataInput):
    version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1),
                             metadata={"description": "发起的模型版本（默认：当前启用的版本）"})


class BatchInput(Input):
    ids = fields.List(fields.String(validate=validate.Length(max=64)), required=True,
                      validate=validate.Length(min=1, max=100, error="须为 1–100 个任务 id 的列表"),
                      error_messages={**_COMMON, "invalid": "须为 1–100 个任务 id 的列表"})
    data = _object(load_default=lambda: {"verdict": "APPROVE"}, metadata={"description": "默认同意"})


class UrgeInput(Input):
    message = Text(metadata={"description": "催办附言"})


class CopyInput(Input):
    to = Usernames(missing="请选择抄送人", metadata={"description": "抄送给的用户名"})
    note = Text(metadata={"description": "附言"})


class CommentInput(Input):
    text = Text(required="请填写评论内容", metadata={"description": "评论内容"})


class DeputyInput(Input):
    deputy = Text(required="请填写代理人", metadata={"description": "代理人用户名"})
    starts_on = fields.Date(required=True, error_messages={**_COMMON, "invalid": M.NOT_DATE})
    ends_on = fields.Date(required=True, error_messages={**_COMMON, "invalid": M.NOT_DATE})


class ReasonInput(Input):
    reason = Text(allow_none=True, metadata={"description": "说明，记入审计"})


class TerminateInput(Input):
    reason = Text(required="请填写终止原因", metadata={"description": "终止原因，记入审计并通知相关人员"})


class MoveTokenInput(Input):
    from_element = Line(metadata={"description": "从哪个当前环节移动（BPMN 元素 id；流程只有一个当前环节时可不填）"})
    to_element = Text(required="请选择要移动到的环节", max_length=120,
                      metadata={"description": "移动到的环节（BPMN 元素 id）：之前已办理的环节，或紧接的下一环节"})
    reason = Text(required="请填写移动原因", metadata={"description": "移动原因，记入审计并通知相关人员"})


class ReassignInput(Input):
    to = Text(required="请选择改派给谁", metadata={"description": "接收人用户名（候选人或本部门人员）"})
    reason = Text(allow_none=True, metadata={"description": "改派说明，记入审计"})


class MessageInput(Input):
    name = Text(required="请填写消息名称", max_length=120,
                metadata={"description": "消息名称（processes.md §5.1 消息目录，如 msg_npc_budget_approved）"})
    correlation = _object(required=True, metadata={"description": "关联键（键 → 值），须给出该消息的全部关联键"})
    payload = _object(load_default=dict, metadata={"description": "消息内容（字段 → 值）"})
    message_id = Text(required="请填写消息编号（同一编号只投递一次）", max_length=200,
                      metadata={"description": "调用方给出的消息编号：同一编号再次发送时返回首次的结果，不再投递"})
