"""The one converter (engine.base.convert): plain JSON for columns and responses, tagged JSON that
comes back typed, and the Spiff serializer's entries — all from one table."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.base import convert
from engine.definitions.sandbox import EngineScripts
from engine.definitions.specs import build_parser
from engine.moves import serializer

ID = uuid.UUID("12345678-1234-5678-1234-567812345678")
WHEN = datetime(2025, 3, 1, 9, 30, 15, 120000, tzinfo=timezone(timedelta(hours=8)))
TYPED = {
    "amount": Decimal("120.5000"),  # trailing zeros are part of the value: 万元 to 4 places
    "score": Decimal("-0.5"),
    "due": date(2025, 8, 31),
    "at": WHEN,
    "naive": datetime(2025, 1, 2, 3, 4, 5),
    "id": ID,
    "rows": [{"year": 2026, "amount": Decimal("30"), "on": date(2026, 1, 1)}, ("x", Decimal("1.10"))],
    "nested": {"deeper": {"ids": [ID], "flag": True, "none": None, "n": 3, "f": 0.25, "text": "甲"}},
}


def test_plain_is_exact_json():
    plain = convert.plain(TYPED)
    assert json.loads(json.dumps(plain)) == plain  # nothing left for an encoder to guess
    assert plain["amount"] == "120.5000" and plain["score"] == "-0.5"
    assert plain["due"] == "2025-08-31" and plain["at"] == "2025-03-01T09:30:15.120000+08:00"
    assert plain["naive"] == "2025-01-02T03:04:05" and plain["id"] == str(ID)
    assert plain["rows"] == [{"year": 2026, "amount": "30", "on": "2026-01-01"}, ["x", "1.10"]]
    assert plain["nested"]["deeper"] == {"ids": [str(ID)], "flag": True, "none": None, "n": 3, "f": 0.25,
                                         "text": "甲"}


def test_plain_sorts_sets_and_names_keys():
    assert convert.plain({"packs": {"QP", "CORE"}, 2026: frozenset({Decimal("2"), Decimal("1")})}) == {
        "packs": ["CORE", "QP"], "2026": ["1", "2"]}
    assert convert.plain(None) is None


def test_the_encoder_hook_knows_the_same_kinds():
    text = json.dumps({"a": Decimal("0.10"), "d": date(2025, 1, 1), "s": {"b", "a"}, "u": ID},
                      default=convert.default)
    assert json.loads(text) == {"a": "0.10", "d": "2025-01-01", "s": ["a", "b"], "u": str(ID)}
    with pytest.raises(TypeError):
        convert.default(object())


def test_tagged_round_trip_keeps_types_nested():
    stored = json.loads(json.dumps(convert.tagged(TYPED)))  # what a JSONB column gives back
    back = convert.untagged(stored)
    expected = {**TYPED, "rows": [TYPED["rows"][0], list(TYPED["rows"][1])]}  # JSON has no tuples
    assert back == expected
    assert type(back["at"]) is datetime and type(back["due"]) is date and back["at"].utcoffset() == timedelta(hours=8)
    assert str(back["amount"]) == "120.5000" and isinstance(back["id"], uuid.UUID)


def test_tags_of_plans_stored_before_read_back():
    old = {"skip": {"s": {"amount": {"$decimal": "1.5"}, "on": {"$date": "2025-01-02"},
                          "at": {"$datetime": "2025-01-02T03:04:05+00:00"}, "text": "t"}}}
    assert convert.untagged(old) == {"skip": {"s": {
        "amount": Decimal("1.5"), "on": date(2025, 1, 2), "at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        "text": "t"}}}


def test_a_dict_that_only_looks_like_a_tag_is_left_alone():
    assert convert.untagged({"$money": "1"}) == {"$money": "1"}
    assert convert.untagged({"$decimal": "1", "other": 2}) == {"$decimal": "1", "other": 2}


MODEL = Path(__file__).resolve().parents[1] / "models" / "ex_two_step_approval.bpmn"


def test_workflow_state_round_trips_typed_values():
    parser, _roots = build_parser({MODEL.name: MODEL.read_bytes()})
    key = next(iter(parser.get_process_ids()))
    spec, subprocesses = parser.get_spec(key), parser.get_subprocess_specs(key)
    workflow = BpmnWorkflow(spec, subprocesses, script_engine=EngineScripts())
    workflow.task_tree.data.update({**TYPED, "packs": {"CORE", "QP"}})
    state = serializer.dump(workflow)
    assert '{"value":"120.5000","typename":"Decimal"}' in state  # the stored format (unchanged)
    back = serializer.load(state, spec, subprocesses, EngineScripts()).task_tree.data
    assert back == {**TYPED, "rows": [TYPED["rows"][0], list(TYPED["rows"][1])], "packs": {"CORE", "QP"}}
    assert type(back["at"]) is datetime and type(back["due"]) is date and isinstance(back["id"], uuid.UUID)


def test_states_written_by_the_former_serializer_still_load():
    """Spiff's own UUID and datetime entries and our former Decimal/date entries used these shapes."""
    parser, _roots = build_parser({MODEL.name: MODEL.read_bytes()})
    key = next(iter(parser.get_process_ids()))
    spec, subprocesses = parser.get_spec(key), parser.get_subprocess_specs(key)
    workflow = BpmnWorkflow(spec, subprocesses, script_engine=EngineScripts())
    state = json.loads(serializer.dump(workflow))
    root = state["tasks"][state["root"]]
    root["data"] = {"a": {"typename": "Decimal", "value": "2.50"}, "d": {"typename": "date", "value": "2025-01-02"},
                    "t": {"typename": "datetime", "value": "2025-01-02T03:04:05+00:00"},
                    "u": {"typename": "UUID", "value": str(ID)}}
    back = serializer.load(json.dumps(state), spec, subprocesses, EngineScripts()).task_tree.data
    assert back == {"a": Decimal("2.50"), "d": date(2025, 1, 2), "t": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
                    "u": ID}
