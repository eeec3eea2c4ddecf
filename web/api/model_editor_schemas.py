"""What the model editor's /api/v1 twins return (web/api/modeler.py), for the OpenAPI document."""
from __future__ import annotations

from marshmallow import Schema, fields

from web.api.schemas import _int, _s, _when, always
from web.api.spec import ElementError

_ERRORS_DOC = {
    "description": "校验失败：逐元素的错误 [{file, element_id, message}]；请求体格式不对时为逐字段的错误 {字段: [提示]}",
    "oneOf": [{"type": "array", "items": {"type": "object", "required": ["file", "element_id", "message"],
                                          "properties": {"file": {"type": ["string", "null"]},
                                                         "element_id": {"type": ["string", "null"]},
                                                         "message": {"type": "string"}}}},
              {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}]}


class EditorErrors(Schema):
    """422 of the model editor's operations."""

    errors = fields.Raw(required=True, metadata=_ERRORS_DOC)


class _Named(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


@always
class FieldOut(Schema):
    name = fields.String()
    label = fields.String()
    type = fields.String()
    required = fields.Boolean()


@always
class FormOut(Schema):
    key = fields.String()
    name = fields.String()
    modes = fields.List(fields.Nested(_Named))
    verdicts = fields.List(fields.Nested(_Named))
    fields_ = fields.List(fields.Nested(FieldOut), data_key="fields", attribute="fields")
    preview_url = fields.String(metadata={"description": "表单预览（HTML 片段，会话登录；?mode= 可选）"})


@always
class HandlerOut(Schema):
    name = fields.String()
    label = fields.String()


class ParameterOut(Schema):
    id = fields.String(required=True)
    type = fields.String(required=True)
    required = fields.Boolean(required=True)
    label = fields.String(required=True)


@always
class OperatorOut(Schema):
    name = fields.String()
    label = fields.String()
    parameters = fields.List(fields.Nested(ParameterOut))


@always
class DecisionTableOut(Schema):
    id = fields.String()
    name = fields.String()
    inputs = fields.List(fields.String())
    outputs = fields.List(fields.String())


class ChoiceOut(Schema):
    value = fields.String(required=True)
    label = fields.String(required=True)


class PropertyOut(Schema):
    name = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True, metadata={
        "enum": ["text", "expression", "choice", "multichoice", "bool", "duration", "int", "steps", "form", "role",
                 "handler"]})
    help = fields.String()
    default = _s()
    choices = fields.List(fields.Nested(ChoiceOut))


@always
class Catalogue(Schema):
    """What the model editor's properties panel offers, by name."""

    roles = fields.List(fields.Nested(_Named))
    forms = fields.List(fields.Nested(FormOut))
    handlers = fields.List(fields.Nested(HandlerOut))
    operators = fields.List(fields.Nested(OperatorOut))
    decisions = fields.List(fields.Nested(DecisionTableOut))
    task_properties = fields.List(fields.Nested(PropertyOut))
    step_rules = fields.List(fields.Nested(PropertyOut))


@always
class DraftInfo(Schema):
    saved_at = _when()
    saved_by_name = fields.String()
    note = fields.String()


@always
class EditableModel(Schema):
    """The draft when there is one, else the active version's files."""

    key = fields.String()
    name = fields.String()
    source = fields.String(metadata={"enum": ["draft", "version"]})
    version = _int()
    main_file = _s(metadata={"description": "编辑器编辑的文件；其余文件（被调用流程、决策表）原样回传"})
    files = fields.Dict(keys=fields.String(), values=fields.String())
    draft = fields.Nested(DraftInfo, allow_none=True)


@always
class CheckResult(Schema):
    """The deployment's checks, nothing written."""

    errors = fields.List(fields.Nested(ElementError))
    warnings = fields.List(fields.Nested(ElementError))


@always
class ExpressionError(Schema):
    line = fields.Integer()
    column = _int(metadata={"description": "列号（从 1 起）；沙箱规则的错误只有行号"})
    message = fields.String()


@always
class ExpressionCheck(Schema):
    errors = fields.List(fields.Nested(ExpressionError))


@always
class DraftSaved(Schema):
    saved_at = _when()
    saved_by_name = fields.String()


@always
class EditorDeployed(Schema):
    version = fields.Integer()
    created = fields.Boolean()
    warnings = fields.List(fields.Nested(ElementError))
    versions_url = fields.String()


@always
class VersionRow(Schema):
    version = fields.Integer()
    name = fields.String()
    deployed_by = _s()
    deployed_by_name = fields.String()
    deployed_at = _when()
    activated_at = _when()
    active = fields.Boolean()
    warnings = fields.Integer(metadata={"description": "部署时采用默认设置的元素数"})


@always
class ComparedElement(Schema):
    id = fields.String()
    type = fields.String(metadata={"description": "BPMN 元素类型（userTask 等）"})
    type_name = fields.String(metadata={"description": "中文类型名"})
    name = fields.String()
    file = fields.String()
    process = _s()


@always
class PropertyChange(Schema):
    property = fields.String()
    label = fields.String()
    before = _s()
    after = _s()


@always
class ChangedElement(ComparedElement):
    changes = fields.List(fields.Nested(PropertyChange))


@always
class Comparison(Schema):
    """Elements added, removed and changed between two versions (diagram positions ignored)."""

    from_version = fields.Integer(data_key="from")
    to_version = fields.Integer(data_key="to")
    added = fields.List(fields.Nested(ComparedElement))
    removed = fields.List(fields.Nested(ComparedElement))
    changed = fields.List(fields.Nested(ChangedElement))
    files_added = fields.List(fields.String())
    files_removed = fields.List(fields.String())
    files_changed = fields.List(fields.String())


@always
class TemplateOut(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String()


@always
class NewModel(Schema):
    key = fields.String()
    editor_url = fields.String()
