"""Decision-table cell errors and what-if failures as people read them (issue 13 point 3): Chinese,
naming the row and the column and where in the cell the parser stopped, no English from Python."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.definitions import decision_tables as dt
from engine.definitions.cell_check import cell_error
from engine.work import rule_tables

ROOT = Path(__file__).resolve().parents[2]
DT06 = (ROOT / "workflows" / "dmn" / "dt_06_monitoring_warning.dmn").read_text(encoding="utf-8")
LATIN = re.compile(r"[A-Za-z]{3,}")  # an English word (a one-letter name in a quote is the person's own)


@pytest.mark.parametrize(("text", "condition", "message"), [
    ("? >= >= 25", True, "表达式语法错误（第 6 列附近）"),
    ("> 5 5", True, "表达式语法错误（第 5 列附近）"),
    ("? > 3 +", True, "表达式语法错误（第 8 列附近）"),
    ("(1", False, "表达式语法错误：括号 “(” 没有闭合（第 1 列附近）"),
    ('"abc', True, "表达式语法错误：字符串没有结束引号（第 1 列附近）"),
    ("_x", False, "名称 “_x” 以下划线开头，沙箱不允许"),
    ("", False, "结果不能为空（写 None 表示无值）"),
    ("? >= 30", True, None), ('"RED"', False, None), ("> 5", True, None),
])
def test_a_cell_is_told_in_chinese_with_where(text, condition, message):
    assert cell_error(text, condition=condition) == message


def test_the_table_check_names_row_and_column():
    bad = rule_tables.with_cells(DT06, {"dt06_r4_in3": "? >= >= 25", "dt06_r2_in2": "import os"}, {})
    errors = rule_tables.check(bad, "dt_06_monitoring_warning")
    assert errors["dt06_r4_in3"] == ["第 4 行“滞后百分点”列：表达式语法错误（第 6 列附近）"]
    assert errors["dt06_r2_in2"] == ["第 2 行“监控月份”列：表达式语法错误（第 1 列附近）"]
    assert not any(LATIN.search(m) for messages in errors.values() for m in messages)


INPUTS = {"packs": ["CORE"], "month": 4, "lag_pp": 30, "is_major": False, "worst_possibility": "HIGH",
          "warn_start_month": 4}


@pytest.mark.parametrize(("cell", "message"), [
    ("nobody_knows > 25", "无法评估：第 4 行读取的“nobody_knows”不在这次决策记录的输入中"),
    ("? > 1/0", "无法评估：第 4 行的表达式执行出错（ZeroDivisionError）"),
])
def test_a_what_if_that_cannot_evaluate_says_which_row_in_chinese(cell, message):
    table = dt.parse_table(rule_tables.with_cells(DT06, {"dt06_r4_in3": cell}, {}))
    with pytest.raises(Exception) as failed:
        rule_tables.outcome(table, INPUTS)
    assert rule_tables.not_evaluated(failed.value) == message
