"""The editor's as-you-type check of a script, condition or expression: Python's own parser for
where a syntax error is (line, column), then RestrictedPython with the engine's policy
(engine.definitions.sandbox), so what passes here is what deployment compiles."""
from __future__ import annotations

import ast
import re
import warnings
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec

from engine.definitions.sandbox import BudgetedTransformer

KINDS = {"script": "exec", "condition": "eval", "expression": "eval"}

# Python and RestrictedPython speak English; administrators read Chinese. The original follows.
_MESSAGES = (
    (re.compile(r"^invalid syntax"), "语法错误"),
    (re.compile(r"^'(.)' was never closed"), "括号 “{0}” 没有闭合"),
    (re.compile(r"^unmatched '(.)'"), "多余的 “{0}”"),
    (re.compile(r"^closing parenthesis '(.)' does not match opening parenthesis '(.)'"), "右括号 “{0}” 与左括号 “{1}” 不匹配"),
    (re.compile(r"^unterminated string literal"), "字符串没有结束引号"),
    (re.compile(r"^unterminated triple-quoted string literal"), "三引号字符串没有结束"),
    (re.compile(r"^unexpected indent"), "缩进不正确（多余的缩进）"),
    (re.compile(r"^expected an indented block"), "缺少缩进的代码块"),
    (re.compile(r"^unindent does not match any outer indentation level"), "缩进与外层不一致"),
    (re.compile(r"^expected ':'"), "缺少冒号 “:”"),
    (re.compile(r"^cannot assign to (.+?)(?: here)?\.?(?: Maybe.*)?$"), "不能给 {0} 赋值"),
    (re.compile(r"^invalid decimal literal"), "数字写法不正确"),
    (re.compile(r'^"(.+?)" is an invalid variable name because it starts with "_"'), "名称 “{0}” 以下划线开头，沙箱不允许"),
    (re.compile(r'^"(.+?)" is an invalid attribute name because it starts with "_"'), "属性 “{0}” 以下划线开头，沙箱不允许"),
    (re.compile(r'^"(.+?)" is a reserved name\.?'), "“{0}” 是保留名称，不能使用"),
    (re.compile(r"^(.+?) statements are not allowed\.?"), "沙箱不允许 {0} 语句"),
)


def reason(message: str) -> str | None:
    """Python's or RestrictedPython's English message in Chinese alone; None for one not known."""
    for pattern, template in _MESSAGES:
        if match := pattern.match(message):
            return template.format(*match.groups())
    return None


def chinese(message: str) -> str:
    found = reason(message)
    return f"{found}（{message}）" if found else message


def check(kind: str, text: str) -> list[dict[str, Any]]:
    """[{line, column, message}] for `text` as a BPMN script ("script"), a sequence-flow condition
    or any other expression (step rule, timer, service parameter); [] when it compiles."""
    mode = KINDS[kind]
    if not text.strip():
        return [] if mode == "exec" else [{"line": 1, "column": 1, "message": "表达式为空"}]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            ast.parse(text, mode=mode)
    except SyntaxError as err:
        return [{"line": err.lineno or 1, "column": err.offset or 1, "message": chinese(err.msg)}]
    compile_ = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        result = compile_(text, filename="<bpmn>", policy=BudgetedTransformer)
    found = []
    for error in result.errors:
        match = re.match(r"^Line (\d+): (.*)$", error, re.S)
        line, message = (int(match.group(1)), match.group(2)) if match else (1, error)
        found.append({"line": line, "column": None, "message": chinese(message)})
    return found
