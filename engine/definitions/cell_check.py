"""One decision-table cell checked the way the engine will read it (issue 13 point 3): the sandbox
must compile it. The answer is a sentence for the person editing the table, in Chinese, with where
in the cell the parser stopped; Python's English stays out of it."""
from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable

from engine.definitions.decision_tables import _QUESTION
from engine.definitions.expression_check import reason
from engine.definitions.sandbox import ScriptError, compile_code

INPUT = "dmninputexpr"
_LINE = re.compile(r"^第 \d+ 行：")


def _readings(text: str, condition: bool) -> list[tuple[str, Callable[[int], int]]]:
    """The sources Spiff may evaluate for the cell, each with its map from a column of the source
    back to a column of what the person typed. A condition is `? > 5`, `> 5` or a value to equal."""
    if not condition:
        return [(text, lambda col: col)]
    marks = [m.start() for m in _QUESTION.finditer(text)]

    def from_question(col: int) -> int:  # each `?` before the column became len(INPUT) characters
        for mark in marks:
            if col - 1 > mark:
                col -= len(INPUT) - 1
        return col

    readings = [(f"{INPUT} {text}", lambda col: col - len(INPUT) - 1),
                (f"{INPUT} == ({text})", lambda col: col - len(INPUT) - 5)]
    if marks:
        readings.insert(0, (_QUESTION.sub(INPUT, text), from_question))
    return readings


def _syntax_error(source: str) -> SyntaxError | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            ast.parse(source, mode="eval")
    except SyntaxError as err:
        return err
    return None


def cell_error(text: str, *, condition: bool) -> str | None:
    """None when the cell compiles; else 表达式语法错误… with the column, or what the sandbox refuses."""
    if not condition and not text:
        return "结果不能为空（写 None 表示无值）"
    columns, refusals = [], []
    for source, to_cell in _readings(text, condition):
        try:
            compile_code(source, "eval")
            return None
        except ScriptError as err:
            syntax = _syntax_error(source)
            if syntax is None:  # Python reads it; the sandbox's policy does not allow it
                refusals.append(reason(_LINE.sub("", str(err))) or "沙箱不允许这种写法")
                continue
            col = to_cell(syntax.offset or len(source) + 1)  # no offset: at the end of the text
            columns.append((max(1, min(col, len(text) + 1)), reason(syntax.msg or "")))
    if refusals:
        return refusals[0]
    col, why = max(columns, key=lambda found: found[0])  # the reading the parser followed furthest
    return f"表达式语法错误{'：' + why if why and why != '语法错误' else ''}（第 {col} 列附近）"
