"""Chinese validation messages. One place, so wording stays consistent across forms and the
client can show exactly what the server said."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

REQUIRED = "必填项"
NOT_STRING = "须为文本"
NOT_INT = "须为整数"
NOT_NUMBER = "须为数字"
NOT_FINITE = "不能为 NaN 或无穷大"
NOT_BOOL = "须为是或否（true/false）"
NOT_DATE = "须为日期，格式 YYYY-MM-DD"
NOT_LIST = "须为列表"
NOT_OBJECT = "格式无效，须为对象"
NOT_USERNAME = "须为有效的用户名"
CONTROL_CHARS = "不能包含控制字符（如 NUL）"
OUT_OF_RANGE = "数值超出允许范围"
FILES_REQUIRED = "请至少上传 1 个附件"
LIST_REQUIRED = "至少需要填写 1 项"


def fmt(value: Any) -> str:
    """Numbers as a person writes them: 45 not 45.00, 0.5 not 5E-1."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def length(min_len: int | None, max_len: int | None) -> str:
    if min_len is not None and max_len is not None:
        return f"长度须在 {min_len}–{max_len} 个字符之间"
    if min_len is not None:
        return f"长度不能少于 {min_len} 个字符"
    return f"长度不能超过 {max_len} 个字符"


def items(min_items: int | None, max_items: int | None) -> str:
    if min_items is not None and max_items is not None:
        return f"须为 {min_items}–{max_items} 项"
    if min_items is not None:
        return f"至少需要 {min_items} 项"
    return f"最多 {max_items} 项"


def too_small(bound: Any) -> str:
    return f"不能小于 {fmt(bound)}"


def too_large(bound: Any) -> str:
    return f"不能大于 {fmt(bound)}"


def not_greater(bound: Any) -> str:
    return f"须大于 {fmt(bound)}"


def not_less(bound: Any) -> str:
    return f"须小于 {fmt(bound)}"


def places(n: int) -> str:
    return f"最多 {n} 位小数"


def step(value: Any) -> str:
    return f"须为 {fmt(value)} 的整数倍"


def one_of(values: list[str]) -> str:
    return "须为以下之一：" + "、".join(values)


def required_if(condition: str) -> str:
    return f"{REQUIRED}（{condition}）"
