"""What F-01/F-04 say before they refuse (forms/guide.py): a grid built from the stated structure
alone is accepted, for every framework and pack mix; the prefilled common indicators satisfy the
rules they are placed for; cross-field hints name the process's own years and amounts."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from test_forms_samples import f04

from budget.p1_intake.intake import prefilled_target
from forms import compile_task_form, load_definitions
from forms.ctx import Ctx
from forms.guide import grid_structure

DEFS = load_definitions()
F04 = compile_task_form(["F-04"], None, DEFS)
P1 = compile_task_form(["F-01", "F-04"], None, DEFS)


def _row(l1: str, l2: str, name: str, weight: Decimal) -> dict[str, Any]:
    """One row following the stated row rules (quantitative, %, satisfaction 60–100, cost ≤ in 元)."""
    row = {"l1": l1, "l2": l2, "name": name, "kind": "QUANT", "operator": "GE", "target_value": "95",
           "unit": "%", "weight": str(weight), "value_basis": "PLAN", "calc_method": "按年度统计口径计算",
           "data_source": "单位统计台账"}
    if l2 == "SAT_SERVICE":
        row["target_value"] = "90"
    if l1 == "COST" or l2 == "OUT_COST":
        row.update(operator="LE", unit="元/人", target_value="100")
    return row


def grid_from(structure: dict[str, Any], prefilled: list[dict], *, service_objects: bool = True) -> list[dict]:
    """What a person does with the page's structure table: one row per “至少各设 1 项” badge, the
    level's stated weight spread over them (the prefilled rows weigh 0)."""
    rows = list(prefilled)
    covered = {(r["l1"], r["l2"]) for r in prefilled}
    for group in structure["groups"]:
        if group.get("service_only") and not service_objects:
            continue
        new = []
        for need in group["needs"]:
            l1 = need["l1"] or next(k for k, v in structure["l2_of"].items() if need["l2"] in v and k in group["l1"])
            l2 = need["l2"] or structure["l2_of"][l1][0]
            if (l1, l2) not in covered:
                new.append((l1, l2))
        weight = Decimal(group["weight_alt"] if group.get("weight_alt") and not service_objects else group["weight"])
        share = (weight / len(new)).quantize(Decimal("0.01"))
        for i, (l1, l2) in enumerate(new):
            last = i == len(new) - 1
            rows.append(_row(l1, l2, f"{group['label']}指标{i + 1}", weight - share * (len(new) - 1) if last else share))
    return rows


CONTEXTS = [
    {"packs": ["CORE"], "framework": "FW88"},
    {"packs": ["CORE", "SD", "SZ", "QP", "FJ", "JN"], "framework": "FW88"},  # the demo jurisdiction
    {"packs": ["CORE", "QP"], "framework": "FW101"},
    {"packs": ["CORE", "JN"], "framework": "FW101", "cost_catalog": True},
]


@pytest.mark.parametrize("context", CONTEXTS, ids=lambda c: "+".join(c["packs"]) + "/" + c["framework"])
@pytest.mark.parametrize("service_objects", [True, False])
def test_a_grid_built_from_the_stated_structure_is_accepted(context, service_objects):
    structure = grid_structure(Ctx.of(context))
    prefilled = prefilled_target(context["packs"]).get("indicators", [])
    data = {**f04(), "has_service_objects": service_objects,
            "indicators": grid_from(structure, prefilled, service_objects=service_objects)}
    assert F04.validate(data, context)[1] == {}


def test_the_structure_names_the_cost_indicator_where_the_framework_puts_it():
    fw88 = grid_structure(Ctx.of({"packs": ["CORE", "QP"]}))
    assert {"label": "成本指标", "l1": None, "l2": "OUT_COST"} in fw88["groups"][0]["needs"]
    assert "二级指标选“成本指标”" in fw88["cost_note"]
    fw101 = grid_structure(Ctx.of({"packs": ["CORE"], "framework": "FW101"}))
    assert fw101["groups"][0]["l1"] == ["COST", "OUTPUT"] and fw101["groups"][0]["weight"] == "50"
    assert any(n["l1"] == "COST" for n in fw101["groups"][0]["needs"])
    core = grid_structure(Ctx.of({"packs": ["CORE"]}))  # no cost catalog, no QP: cost is optional
    assert all(n["l2"] != "OUT_COST" for n in core["groups"][0]["needs"])
    assert "成本指标" in core["groups"][0]["options"]
    assert [g["weight"] for g in core["groups"]] == ["50", "30", "10"] and core["total"] == "90"


def test_prefilled_common_indicators_count_as_the_time_indicators_they_are_shown_as():
    prefilled = prefilled_target(["CORE", "JN"])["indicators"]
    own = [r for r in f04()["indicators"] if r["l2"] != "OUT_TIME"]
    own[0]["weight"] += sum(r["weight"] for r in f04()["indicators"] if r["l2"] == "OUT_TIME")
    _, errors = F04.validate({**f04(), "indicators": prefilled + own}, {"packs": ["CORE", "JN"]})
    assert errors == {}
    _, errors = F04.validate({**f04(), "indicators": own}, {"packs": ["CORE"]})
    assert errors == {"indicators": ["缺少产出指标-时效指标：至少需要 1 项"]}


def test_the_common_indicators_are_stated_only_where_they_are_prefilled():
    assert grid_structure(Ctx.of({"packs": ["CORE", "JN"]}))["common"] == ["预算执行进度", "预算到项目率", "预算支出率"]
    assert any("共性指标" in r for r in grid_structure(Ctx.of({"packs": ["JN"]}))["rules"])
    assert grid_structure(Ctx.of({"packs": ["CORE"]}))["common"] == []


def test_cross_field_hints_use_the_process_context():
    guide = P1.guidance({"packs": ["CORE"], "request_year": 2027, "current_year": 2026})
    assert "须包含申请年度 2027 年的一行，且该年财政拨款大于 0" in guide["hints"]["annual_requests"]
    assert guide["hints"]["start_year"] == ["新增项目的开始年度不早于 2025 年"]
    assert guide["required_if"]["attachments"] == {
        "text": "新增/延续为“新增”时必填", "field": "new_or_continuing", "in": ["NEW"], "not_in": [],
        "present": False}
    assert "in_year_reason" not in guide["required_if"]  # not an in-year request: not required
    in_year = P1.guidance({"in_year": True})["required_if"]["in_year_reason"]
    assert in_year["always"] is True
    assert P1.guidance({})["grid"]["path"] == "indicators"
    assert compile_task_form(["F-00"], None, DEFS).guidance({})["grid"] is None
