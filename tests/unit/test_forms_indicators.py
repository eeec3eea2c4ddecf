"""F-04 indicator grid: V1–V9, V11 (Block) and V10, V12 (Warn), on the §8.4 sample trees."""
from __future__ import annotations

from decimal import Decimal

import pytest
from test_forms_samples import TREES, clone, f04, indicator

from forms import compile_task_form, load_definitions

DEFS = load_definitions()
F04 = compile_task_form(["F-04"], None, DEFS)
CTX = {"packs": ["CORE"], "framework": "FW88"}


def run(data, **ctx):
    return F04.validate(data, {**CTX, **ctx})


def with_rows(rows, **header):
    return clone(f04(), indicators=rows, **header)


@pytest.mark.parametrize("code", sorted(TREES))
def test_sample_trees_validate_and_sum_to_90(code):
    clean, errors = run(f04(code))
    assert errors == {}
    assert sum(r["weight"] for r in clean["indicators"]) == Decimal(90)
    assert all(isinstance(r["weight"], Decimal) for r in clean["indicators"])


@pytest.mark.parametrize("code", sorted(TREES))
def test_breaking_a_weight_yields_the_sum_error(code):
    data = f04(code)
    data["indicators"][0]["weight"] -= 5
    _, errors = run(data)
    assert errors == {"indicators": ["产出指标权重合计应为 50，当前为 45"]}


def test_effect_and_satisfaction_sums():
    data = f04("P-D03-002")
    data["indicators"][7]["weight"] = 20  # 年客运量 15 → 20
    data["indicators"][10]["weight"] = 5  # 乘客满意度 10 → 5
    _, errors = run(data)
    assert errors["indicators"] == ["效益指标权重合计应为 30，当前为 35", "满意度指标权重合计应为 10，当前为 5"]


def test_no_service_objects_moves_satisfaction_points_to_effect():
    rows = [r for r in f04("P-D04-001")["indicators"] if r["l1"] != "SATISFACTION"]
    _, errors = run(with_rows(rows, has_service_objects=False))
    assert errors == {"indicators": ["效益指标权重合计应为 40，当前为 30"]}
    rows[4]["weight"] = 20  # 粮食亩产 10 → 20: 效益 40
    assert run(with_rows(rows, has_service_objects=False))[1] == {}


def test_v1_minimum_structure():
    rows = [r for r in f04("P-D04-001")["indicators"] if r["l2"] not in ("OUT_TIME", "SAT_SERVICE")]
    _, errors = run(with_rows(rows))
    assert "缺少产出指标-时效指标：至少需要 1 项" in errors["indicators"]
    assert "有服务对象的项目须设置服务对象满意度指标：至少需要 1 项" in errors["indicators"]


def test_v2_cost_indicator_required_with_cost_catalog_or_qp():
    rows = [r for r in f04("P-D04-001")["indicators"] if r["l2"] != "OUT_COST"]
    rows[0]["weight"] = 35  # keep 产出 = 50
    assert run(with_rows(rows))[1] == {}
    for ctx in ({"cost_catalog": True}, {"packs": ["CORE", "QP"]}):
        assert run(with_rows(rows), **ctx)[1] == {"indicators": ["须至少设置 1 项成本指标"]}


def test_v3_l2_must_belong_to_l1_and_framework():
    data = f04()
    data["indicators"][0]["l2"] = "EFF_SOC"
    data["indicators"][4]["l1"] = "COST"
    _, errors = run(data)
    assert errors["indicators.0.l2"] == ["二级指标“社会效益指标”不属于一级指标“产出指标”"]
    assert errors["indicators.4.l1"] == ["FW88 框架下不设一级指标“成本指标”"]


def test_fw101_cost_as_level_one():
    data = f04()
    cost = data["indicators"][3]
    _, errors = run(data, framework="FW101")
    assert errors["indicators.3.l2"] == ["二级指标“成本指标”不属于一级指标“产出指标”"]
    cost.update(l1="COST", l2="COST_ECON")
    assert run(data, framework="FW101")[1] == {}  # 成本 15 + 产出 35 = 50
    cost["weight"] = 10
    assert run(data, framework="FW101")[1] == {"indicators": ["成本指标与产出指标权重合计应为 50，当前为 45"]}


def test_v4_quantitative_and_qualitative_requirements():
    data = f04()
    quant, qual = data["indicators"][0], data["indicators"][7]
    quant.update(target_value=None, unit="", calc_method=None, operator="QUAL")
    qual.update(target_text=None, operator="GE")
    _, errors = run(data)
    assert errors["indicators.0.target_value"] == ["定量指标须填写数值型指标值"]
    assert errors["indicators.0.unit"] == ["定量指标须填写计量单位"]
    assert errors["indicators.0.calc_method"] == ["定量指标须填写计算方法"]
    assert errors["indicators.0.operator"] == ["定量指标的指标方向不能为“定性”"]
    assert errors["indicators.7.target_text"] == ["定性指标须填写指标值描述"]
    assert errors["indicators.7.operator"] == ["定性指标的指标方向须为“定性”（QUAL）"]


def test_v5_percent_range_unless_growth_rate():
    data = f04()
    data["indicators"][1]["target_value"] = "120"  # 工程验收合格率 %
    assert run(data)[1] == {"indicators.1.target_value": ["计量单位为 % 时指标值须在 0–100 之间（增长率类指标可勾选允许超过 100）"]}
    data["indicators"][1]["allow_over_100"] = True
    assert run(data)[1] == {}


def test_v6_satisfaction_shape():
    data = f04()
    data["indicators"][8].update(unit="分", operator="GT", target_value=55)
    _, errors = run(data)
    assert errors["indicators.8.unit"] == ["满意度指标的计量单位须为 %"]
    assert errors["indicators.8.operator"] == ["满意度指标的指标方向须为“≥”（GE）"]
    assert errors["indicators.8.target_value"] == ["满意度指标的指标值须在 60–100 之间"]


def test_v7_weights_positive_except_common_indicators():
    data = f04()
    data["indicators"][2]["weight"] = 0
    data["indicators"][0]["weight"] = 25
    assert run(data)[1] == {"indicators.2.weight": ["须大于 0"]}
    data["indicators"][2]["is_common"] = True  # a common indicator may carry 0 …
    _, errors = run(data)
    assert errors == {}  # … and counts for V1 like the 时效 indicator it is shown as (issue 10)


def test_v8_duplicate_names():
    data = f04()
    data["indicators"][5]["name"] = data["indicators"][4]["name"]
    assert run(data)[1] == {"indicators.5.name": ["指标名称“项目区粮食亩产提高”与第 5 行重复"]}


def _common(name):
    row = indicator("产出", "时效", name, "≥ 90 %", 0)
    row["is_common"] = True
    return row


def test_v9_jn_common_indicators():
    data = f04()
    _, errors = run(data, packs=["CORE", "JN"])
    assert errors == {"indicators": ["缺少共性指标：预算执行进度、预算到项目率、预算支出率"]}
    data["indicators"] += [_common("预算执行进度"), _common("预算到项目率"), _common("预算支出率")]
    assert run(data, packs=["CORE", "JN"])[1] == {}


def test_v11_cost_le_needs_monetary_unit():
    data = f04()
    data["indicators"][3]["unit"] = "亩"
    assert run(data)[1] == {"indicators.3.unit": ["成本指标（≤）的计量单位须为货币单位，如 元/人、万元"]}


def test_field_errors_in_rows_use_dotted_paths():
    data = f04()
    data["indicators"][2].update(l2="OUT_SPEED", name="x", weight="abc")
    _, errors = run(data)
    assert errors["indicators.2.l2"][0].startswith("须为以下之一：OUT_QTY、OUT_QLT")
    assert errors["indicators.2.name"] == ["长度须在 2–80 个字符之间"]
    assert errors["indicators.2.weight"] == ["须为数字"]


def test_framework_is_read_only():
    clean, errors = run(clone(f04(), framework="FW101"))
    assert errors == {} and "framework" not in clean


def test_v10_quantitative_share_warning():
    data = f04("P-D06-001")
    clean, _ = run(data)
    assert F04.warnings(clean, CTX) == []  # 6 of 8 quantitative
    for row in clean["indicators"][:3]:
        row["kind"] = "QUAL"
    assert F04.warnings(clean, CTX) == ["定量指标占比为 37.5%，低于 60%（绩效指标应以定量为主）"]


def test_v12_budget_match_warning():
    clean, _ = run(f04("P-D04-001"))  # 1,800 元/亩 × 5.0 万亩 = 9,000 万元
    assert F04.warnings(clean, {"request_wan": 9000}) == []
    warnings = F04.warnings(clean, {"request_wan": 6000})
    assert len(warnings) == 1 and "约 9000 万元" in warnings[0] and "相差 50%" in warnings[0]
    bus, _ = run(f04("P-D03-002"))  # 2.35 元/车公里 × 1.2 亿车公里 = 28,200 万元
    assert F04.warnings(bus, {"request_wan": Decimal("28000")}) == []
