"""The input/output mapping grammar of a user task (engine.definitions.taskdata)."""
from __future__ import annotations

from engine.definitions.taskdata import DataFlow, Input, Source, mapped, parse


def test_outputs_and_inputs_parse():
    flow, errors = parse({"outputs": "unit_verdict=verdict, comment",
                          "inputs": "comment=ut_a.purpose|note, ut_b.*|ut_c.*, panel_score",
                          "formContext": "ut_a+ut_b"})
    assert errors == []
    assert flow.outputs == (("unit_verdict", "verdict"), ("comment", "comment"))
    assert flow.inputs == (
        Input("comment", (Source("ut_a", "purpose"), Source(None, "note"))),
        Input(None, (Source("ut_b", "*"), Source("ut_c", "*"))),
        Input("panel_score", (Source(None, "panel_score"),)),
    )
    assert flow.context == ("ut_a", "ut_b")


def test_bad_entries_are_reported():
    _flow, errors = parse({"outputs": "a b, =x", "inputs": "x=ut_a.*, y=ut a.f, ut_a.*|ut_b.f"})
    assert len(errors) == 5, errors


def test_alternatives_take_the_first_source_with_a_value():
    flow = parse({"inputs": "ut_center.*|ut_tp.*, comment=ut_x.note|note, conclusion"})[0]
    data = {"_form:ut_tp": {"score": 1, "other": 2}, "note": "n", "conclusion": "SUPPORT", "stray": 3}
    assert mapped(data, flow, ["score", "comment", "conclusion", "stray"]) == {
        "score": 1, "comment": "n", "conclusion": "SUPPORT"}  # "stray" is in the data, but not mapped
    data["_form:ut_center"] = {"score": 9}
    assert mapped(data, flow, ["score"]) == {"score": 9}
    assert mapped({}, DataFlow(), ["score"]) == {}
