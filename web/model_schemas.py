"""The model editor's request bodies (docs/design.md, "Model editor (issue 13)"): read by the
session routes and, through flask-smorest, by the /api/v1 twins and the OpenAPI document."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from engine.base.errors import ElementError
from engine.definitions.expression_check import KINDS
from web.inputs import Input, Text

_FILES = {"required": "请提供文件（文件名 → XML 文本）", "invalid": "须为对象：文件名 → XML 文本"}


class FilesInput(Input):
    files = fields.Dict(keys=fields.String(), values=fields.String(), required=True, error_messages=_FILES,
                        validate=validate.Length(min=1, max=50, error="须有 1 到 50 个文件"),
                        metadata={"description": "文件名 → BPMN/DMN XML 文本（主文件与其调用的流程、决策表）"})


class DraftInput(FilesInput):
    note = Text(max_length=500, metadata={"description": "草稿说明"})


class ExpressionInput(Input):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(KINDS), error="须为 script、condition 或 expression"),
                         error_messages={"required": "请说明是脚本、条件还是表达式"})
    text = fields.String(required=True, validate=validate.Length(max=20000, error="不超过 20000 字"),
                         error_messages={"required": "请提供要检查的文本", "invalid": "须为字符串"})


class NewModelInput(Input):
    key = fields.String(required=True, error_messages={"required": "请填写模型标识"}, metadata={
        "description": "流程 id：小写字母开头，小写字母、数字、下划线，3–60 个字符"})
    name = Text(required="请填写模型名称", max_length=200)
    template = fields.String(required=True, error_messages={"required": "请选择模板"})


def load(schema: Schema, body: Any) -> dict[str, Any]:
    """Parse a JSON body for a session route; shape errors are element errors (the contract)."""
    try:
        return schema.load(body if isinstance(body, dict) else {})
    except ValidationError as err:
        raise ShapeError([ElementError(None, None, f"{field}：{'；'.join(_flat(msgs))}")
                          for field, msgs in err.messages.items()]) from None


def _flat(messages: Any) -> list[str]:
    if isinstance(messages, dict):
        return [m for v in messages.values() for m in _flat(v)]
    if isinstance(messages, list):
        return [m for v in messages for m in _flat(v)]
    return [str(messages)]


class ShapeError(Exception):
    def __init__(self, errors: list[ElementError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors
