"""Form definitions and compiler: loading, types, messages, modes, context, composite forms."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from test_forms_samples import F01, F01_CONTEXT, clone, f04

from forms import FormDefinitionError, compile_task_form, load_definitions, prefill
from forms.definition import DEFAULT_DIR

DEFS = load_definitions()


def form(keys, mode=None):
    return compile_task_form(keys, mode, DEFS)


# --- loading -------------------------------------------------------------------------------

def test_all_definitions_load_with_the_expected_keys():
    assert {"F-00", "F-01", "F-02", "F-03", "F-04", "F-05", "F-26", "F-PANEL"} <= set(DEFS)
    for key, doc in DEFS.items():
        assert doc["title"] and doc["title_en"], key


def _write(tmp_path: Path, doc: dict, name: str = "F-99") -> Path:
    (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return tmp_path


BASE = {"key": "F-99", "title": "测试", "fields": [{"name": "a", "label": "甲", "type": "string"}]}


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"fields": [{"name": "a", "label": "甲", "type": "strin"}]}, "field a: unknown type 'strin'"),
        ({"fields": [{"name": "a", "label": "甲", "type": "enum"}]}, "field a: enum needs 'choices'"),
        ({"fields": [{"name": "a", "label": "甲", "type": "list"}]}, "a: 'fields' must be a non-empty list"),
        ({"fields": [{"name": "a", "type": "string"}]}, "field a: missing label"),
        ({"fields": [{"name": "a", "label": "甲", "type": "string", "mni": 1}]}, "unknown attributes ['mni']"),
        ({"rules": ["no_such_rule"]}, "unknown rule 'no_such_rule'"),
        ({"fields": [{"name": "a", "label": "甲", "type": "string", "modes": ["x"]}]}, "modes must be a list"),
        ({"fields": [{"name": "a", "label": "甲", "type": "string",
                      "required_when": {"field": "zz", "in": ["X"]}}]}, "unknown sibling field 'zz'"),
        ({"fields": [{"name": "a", "label": "甲", "type": "int", "computed": "nope"}]}, "unknown computed"),
        ({"key": "F-98"}, "must match the file name"),
    ],
)
def test_structural_errors_name_file_and_field(tmp_path, change, needle):
    _write(tmp_path, {**BASE, **change})
    with pytest.raises(FormDefinitionError) as exc:
        load_definitions(tmp_path)
    assert str(exc.value).startswith("F-99.yaml: ")
    assert needle in str(exc.value)


def test_shipped_definitions_live_in_forms_definitions():
    assert sorted(p.stem for p in DEFAULT_DIR.glob("*.yaml")) == sorted(DEFS)


# --- F-01: types and per-field messages -----------------------------------------------------

def test_f01_valid_submission_cleans_to_python_types():
    clean, errors = form(["F-01"]).validate(clone(F01, unknown_field="dropped"), F01_CONTEXT)
    assert errors == {}
    assert "unknown_field" not in clean
    assert clean["start_year"] == 2026 and isinstance(clean["start_year"], int)
    row = clean["annual_requests"][1]
    assert row["fiscal_amount"] == Decimal("1800.5") and isinstance(row["fiscal_amount"], Decimal)
    assert clean["total_amount"] == Decimal("4800.5")  # computed: Σ fiscal + other
    assert clean["policy_intensive"] is False  # default
    assert clean["predecessor_code"] is None and clean["special_type"] == []


def test_computed_field_is_never_taken_from_input():
    clean, errors = form(["F-01"]).validate(clone(F01, total_amount="1"), F01_CONTEXT)
    assert errors == {} and clean["total_amount"] == Decimal("4800.5")


def test_required_and_length_messages():
    _, errors = form(["F-01"]).validate(clone(F01, name="短", legal_basis="", responsible_person=None), F01_CONTEXT)
    assert errors["name"] == ["长度须在 4–100 个字符之间"]
    assert errors["legal_basis"] == ["必填项"]  # "" on a required field
    assert errors["responsible_person"] == ["必填项"]


def test_empty_string_on_optional_field_becomes_none():
    clean, errors = form(["F-01"]).validate(clone(F01, predecessor_code="  ", scope_districts=""), F01_CONTEXT)
    assert errors == {}
    assert clean["predecessor_code"] is None and clean["scope_districts"] is None


@pytest.mark.parametrize(
    ("value", "message"),
    [("abc", "须为数字"), ("NaN", "不能为 NaN 或无穷大"), (float("inf"), "不能为 NaN 或无穷大"),
     ("1.23456", "最多 4 位小数"), (-1, "不能小于 0"), (True, "须为数字")],
)
def test_money_rejects_bad_numbers(value, message):
    data = clone(F01, annual_requests=[{"year": 2026, "fiscal_amount": value}, {"year": 2027, "fiscal_amount": 1}])
    clean, errors = form(["F-01"]).validate(data, F01_CONTEXT)
    assert errors["annual_requests.0.fiscal_amount"] == [message]
    assert "annual_requests" not in clean and clean["total_amount"] is None  # no partial list


@pytest.mark.parametrize("value", ["2026.5", 2026.5, True, "二〇二六"])
def test_int_rejects_non_integers(value):
    _, errors = form(["F-01"]).validate(clone(F01, start_year=value), F01_CONTEXT)
    assert errors["start_year"] == ["须为整数"]


def test_enum_and_multi_enum_messages():
    _, errors = form(["F-01"]).validate(clone(F01, object_type="OTHER", domain_tags=["DIGITAL", "X"]), F01_CONTEXT)
    assert errors["object_type"] == ["须为以下之一：PROJECT、POLICY、SPECIAL_FUND"]
    assert errors["domain_tags.1"][0].startswith("须为以下之一：MINSHENG")


def test_user_field_rejects_non_usernames():
    _, errors = form(["F-01"]).validate(clone(F01, responsible_person="张 三"), F01_CONTEXT)
    assert errors["responsible_person"] == ["须为有效的用户名"]


def test_wrong_shapes_are_reported_not_raised():
    _, errors = form(["F-01"]).validate(clone(F01, annual_requests={"year": 2026}), F01_CONTEXT)
    assert errors["annual_requests"] == ["须为列表"]
    _, errors = form(["F-01"]).validate(clone(F01, annual_requests=["x"]), F01_CONTEXT)
    assert errors["annual_requests.0"] == ["格式无效，须为对象"]
    assert form(["F-01"]).validate(["not", "a", "dict"], {})[1] == {"_form": ["提交内容格式无效，须为对象"]}


# --- F-01: cross-field rules -----------------------------------------------------------------

def test_years_rules():
    _, errors = form(["F-01"]).validate(clone(F01, start_year=2027, end_year=2026), F01_CONTEXT)
    assert errors["end_year"] == ["结束年度不能早于开始年度 2027"]
    _, errors = form(["F-01"]).validate(clone(F01, end_year=2036), F01_CONTEXT)
    assert errors["end_year"] == ["项目周期不能超过 10 年（结束年度 − 开始年度 ≤ 9）"]
    _, errors = form(["F-01"]).validate(clone(F01, start_year=2020, end_year=2027), F01_CONTEXT)
    assert errors["start_year"] == ["新增项目的开始年度不能早于 2024"]


def test_annual_requests_rules():
    rows = [{"year": 2026, "fiscal_amount": 0}, {"year": 2028, "fiscal_amount": 5}, {"year": 2028, "fiscal_amount": 1}]
    _, errors = form(["F-01"]).validate(clone(F01, annual_requests=rows), F01_CONTEXT)
    assert errors["annual_requests.0.fiscal_amount"] == ["申请年度 2026 的财政拨款须大于 0"]
    assert errors["annual_requests.1.year"] == ["年度须在项目起止年度 2026–2027 之间"]
    assert "年度“2028”重复" in errors["annual_requests.2.year"]
    _, errors = form(["F-01"]).validate(clone(F01, annual_requests=[{"year": 2027, "fiscal_amount": 5}]), F01_CONTEXT)
    assert errors["annual_requests"] == ["缺少申请年度 2026 的分年度申请"]


def test_policy_expiry_required_for_policies_and_not_before_start():
    data = clone(F01, object_type="SPECIAL_FUND")
    _, errors = form(["F-01"]).validate(data, F01_CONTEXT)
    assert errors["policy_expiry_year"] == ["必填项（对象类型为“政策、专项资金”时）"]
    _, errors = form(["F-01"]).validate(clone(data, policy_expiry_year=2025), F01_CONTEXT)
    assert errors["policy_expiry_year"] == ["政策到期年度不能早于开始年度 2026"]
    assert form(["F-01"]).validate(clone(data, policy_expiry_year=2027), F01_CONTEXT)[1] == {}


def test_funding_split_must_sum_to_100():
    split = [{"source": "GENERAL", "share": 70}, {"source": "GOV_FUND", "share": "20"}]
    _, errors = form(["F-01"]).validate(clone(F01, funding_split=split), F01_CONTEXT)
    assert errors["funding_split"] == ["各资金来源占比合计应为 100%，当前为 90%"]
    split[1]["share"] = 30
    assert form(["F-01"]).validate(clone(F01, funding_split=split), F01_CONTEXT)[1] == {}


def test_context_restricts_funding_source_to_enabled_ones():
    ctx = {**F01_CONTEXT, "funding_sources": ["GOV_FUND", "SOCIAL_INSURANCE"]}
    _, errors = form(["F-01"]).validate(F01, ctx)
    assert errors["funding_source"] == ["须为以下之一：GOV_FUND、SOCIAL_INSURANCE"]


def test_attachments_required_for_new_projects_only():
    _, errors = form(["F-01"]).validate(clone(F01, attachments=[]), F01_CONTEXT)
    assert errors["attachments"] == ["必填项（新增/延续为“新增”时）"]
    data = clone(F01, attachments=[], new_or_continuing="CONTINUING", start_year=2021)
    assert form(["F-01"]).validate(data, F01_CONTEXT)[1] == {}


def test_in_year_reason_required_in_year():
    _, errors = form(["F-01"]).validate(F01, {**F01_CONTEXT, "in_year": True})
    assert errors["in_year_reason"] == ["必填项（年中追加申请）"]
    _, errors = form(["F-01"]).validate(clone(F01, in_year_reason="太短"), {**F01_CONTEXT, "in_year": True})
    assert errors["in_year_reason"] == ["长度须在 30–2000 个字符之间"]


# --- F-00 and verdicts -----------------------------------------------------------------------

def test_f00_comment_required_unless_approve():
    f00 = form(["F-00"])
    assert f00.validate({"verdict": "APPROVE"}, {})[1] == {}
    _, errors = f00.validate({"verdict": "RETURN"}, {})
    assert errors == {"comment": ["必填项（审核结论为“退回、不同意”时）"]}
    _, errors = f00.validate({"verdict": "RETURN", "comment": "不行"}, {})
    assert errors == {"comment": ["长度须在 10–2000 个字符之间"]}
    clean, errors = f00.validate({"verdict": "RETURN", "comment": "测算依据不充分，请补充分项测算表。"}, {})
    assert errors == {} and clean["verdict"] == "RETURN"


def test_context_verdicts_restrict_the_enum():
    f00 = form(["F-00"])
    _, errors = f00.validate({"verdict": "REJECT", "comment": "项目不符合立项条件，不予同意。"},
                             {"verdicts": "APPROVE,RETURN"})
    assert errors == {"verdict": ["须为以下之一：APPROVE、RETURN"]}
    assert f00.validate({"verdict": "REJECT", "comment": "项目不符合立项条件，不予同意。"}, {})[1] == {}
    schema = f00.json_schema_for({"verdicts": ["APPROVE", "RETURN"]})
    assert schema["properties"]["verdict"]["enum"] == ["APPROVE", "RETURN"]
    ui = f00.ui_for({"verdicts": ["APPROVE", "RETURN"]})
    assert [c["label"] for c in ui["sections"][0]["fields"][0]["choices"]] == ["同意", "退回"]
    assert f00.json_schema["properties"]["verdict"]["enum"] == ["APPROVE", "RETURN", "REJECT"]


# --- composite, JSON Schema, UI, modes, cache, prefill ---------------------------------------

def test_composite_f01_f04_validates_one_flat_submission():
    task = form("F-01+F-04")
    assert task.keys == ["F-01", "F-04"]
    assert {"name", "annual_requests", "indicators", "overall_goal"} <= set(task.field_names)
    clean, errors = task.validate({**F01, **f04()}, F01_CONTEXT)
    assert errors == {}
    assert clean["indicators"][0]["target_value"] == Decimal("5.0")
    _, errors = task.validate({**F01, **f04(), "name": None, "overall_goal": "短"}, F01_CONTEXT)
    assert errors["name"] == ["必填项"] and errors["overall_goal"] == ["长度须在 20–1000 个字符之间"]


def test_field_name_clash_between_combined_forms_is_refused():
    with pytest.raises(FormDefinitionError, match="'verdict'"):
        form(["F-00", "F-05"], "dept")


def test_unknown_key_or_mode_is_refused():
    with pytest.raises(FormDefinitionError, match="F-77"):
        form(["F-77"])
    with pytest.raises(FormDefinitionError, match="no mode 'fund'"):
        form(["F-02"], "fund")


def test_json_schema_is_draft_2020_12_with_required_and_titles():
    task = form(["F-01", "F-04"])
    schema = json.loads(json.dumps(task.json_schema, ensure_ascii=False))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert {"name", "object_type", "annual_requests", "indicators", "overall_goal"} <= set(schema["required"])
    assert "attachments" not in schema["required"] and "total_amount" not in schema["required"]
    props = schema["properties"]
    assert props["name"]["title"] == "项目名称" and props["name"]["minLength"] == 4
    assert props["total_amount"]["readOnly"] is True
    assert props["annual_requests"]["items"]["properties"]["fiscal_amount"]["type"] == "number"
    assert props["annual_requests"]["items"]["required"] == ["year", "fiscal_amount"]
    assert props["object_type"]["enum"] == ["PROJECT", "POLICY", "SPECIAL_FUND"]
    assert props["start_year"]["type"] == "integer"
    assert props["predecessor_code"]["type"] == ["string", "null"]
    weight = props["indicators"]["items"]["properties"]["weight"]
    assert weight["minimum"] == 0 and weight["maximum"] == 90


def test_ui_lists_sections_in_order_with_labels_and_widgets():
    ui = form(["F-01", "F-04"]).ui
    assert [s["key"] for s in ui["sections"]] == ["F-01", "F-04"]
    f01 = {f["name"]: f for f in ui["sections"][0]["fields"]}
    assert list(f01)[:3] == ["name", "object_type", "project_class"]
    assert f01["annual_requests"]["widget"] == "table"
    assert [f["name"] for f in f01["annual_requests"]["fields"]] == ["year", "fiscal_amount", "other_amount"]
    assert f01["function_category"]["choices"][3] == {"value": "205", "label": "205 教育支出"}
    assert f01["total_amount"]["readonly"] is True and f01["name"]["required"] is True
    assert f01["attachments"]["required_when"] == {"field": "new_or_continuing", "in": ["NEW"]}
    f04_fields = {f["name"]: f for f in ui["sections"][1]["fields"]}
    assert f04_fields["framework"]["readonly"] is True
    json.dumps(ui, ensure_ascii=False)


def test_modes_restrict_and_freeze_fields():
    edit, review = form(["F-02"], "edit"), form(["F-02"], "review")
    assert "verdict" not in edit.field_names and "verdict" in review.field_names
    assert "dim_necessity" in review.field_names and "dim_necessity" not in review.editable_names
    assert review.editable_names == ["verdict", "comment", "opinion_attachments"]
    clean, errors = review.validate({"verdict": "APPROVE", "dim_necessity": 1}, {})
    assert errors == {} and "dim_necessity" not in clean  # read-only input is ignored
    assert form(["F-02"]).mode == "edit"  # the first mode is the default


def test_compiled_forms_are_cached():
    assert form(["F-01", "F-04"]) is form("F-01+F-04")
    assert form(["F-02"], "edit") is not form(["F-02"], "review")


def test_prefill_returns_the_form_fields_of_task_data():
    data = {**F01, "verdict": "RETURN", "total_amount": Decimal("1"), "other": 1}
    out = prefill(form(["F-01"]), data)
    assert out["name"] == F01["name"] and out["total_amount"] == Decimal("1")
    assert "verdict" not in out and "other" not in out


def test_date_type(tmp_path):
    doc = {"key": "F-99", "title": "测试", "fields": [{"name": "d", "label": "日期", "type": "date", "required": True}]}
    defs = load_definitions(_write(tmp_path, doc))
    task = compile_task_form(["F-99"], None, defs)
    assert task.validate({"d": "2025-10-15"}, {})[0]["d"] == date(2025, 10, 15)
    assert task.validate({"d": "15/10/2025"}, {})[1] == {"d": ["须为日期，格式 YYYY-MM-DD"]}
