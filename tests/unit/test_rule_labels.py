"""The rule pages name a decision table's columns and outputs in Chinese (issue 13 point 3): the
shipped tables' labels lose their leading code, output codes read as the domain names them."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.work.rule_tables import grid, human_label
from web.rule_labels import value_text

DMN = Path(__file__).resolve().parents[2] / "workflows" / "dmn"


@pytest.mark.parametrize(("label", "shown"), [
    ("lag_pp 滞后百分点", "滞后百分点"), ("window from 报告后最早（月）", "报告后最早（月）"),
    ("部门事前评估", "部门事前评估"), ("level", "level"), (None, "fallback"), ("", "fallback"),
])
def test_human_label_drops_the_leading_code(label, shown):
    assert human_label(label, "fallback") == shown


@pytest.mark.parametrize("path", sorted(DMN.glob("*.dmn")), ids=lambda p: p.stem)
def test_every_shipped_column_has_a_chinese_label(path):
    table = grid(path.read_text(encoding="utf-8"))
    for label in (*table.inputs, *table.outputs):
        assert not label.isascii(), (path.name, label)
    assert len(table.output_names) == len(table.outputs)


def test_output_values_read_in_chinese():
    assert value_text("level", "RED") == "红色预警"
    assert value_text("warning_reasons", ["LAG_15", "LAG_30"]) == "执行进度滞后≥15个百分点、执行进度滞后≥30个百分点"
    assert value_text("review_mode", "JOINT_REVIEW") == "联合审核"
    assert (value_text("key_monitoring", True), value_text("req_report_days", None)) == ("是", "无")
    assert value_text("window_min_months", 3) == "3"
