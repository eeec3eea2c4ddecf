"""Two versions of a model compared element by element (engine.views.model_compare): added,
removed and changed elements, and which properties changed, before and after; positions ignored."""
from __future__ import annotations

from tests.factories import EXAMPLE_MODEL

XML = EXAMPLE_MODEL.read_text(encoding="utf-8")
NAME = EXAMPLE_MODEL.name


def compared(after: str):  # noqa: ANN201
    from engine.views.model_compare import compare

    return compare({NAME: XML}, {NAME: after})


def test_same_content_and_moved_shapes_are_no_change():
    assert compared(XML).same
    moved = XML.replace('x="', 'x="1', 3)
    assert moved != XML and compared(moved).same


def test_changed_properties_before_and_after():
    after = XML.replace('name="单位审核"', 'name="单位负责人审核"').replace(
        '<spiffworkflow:property name="verdicts" value="APPROVE,RETURN" />',
        '<spiffworkflow:property name="verdicts" value="APPROVE" />\n'
        '          <spiffworkflow:property name="dueIn" value="5WD" />')
    result = compared(after)
    [changed] = result.changed
    assert (changed.after.id, changed.after.type) == ("ut_ex_approve", "userTask")
    assert [(c.property, c.before, c.after) for c in changed.changes] == [
        ("name", "单位审核", "单位负责人审核"), ("property:dueIn", None, "5WD"),
        ("property:verdicts", "APPROVE,RETURN", "APPROVE")]
    assert not result.added and not result.removed


def test_added_removed_and_lane_changes():
    after = XML.replace(  # the approval moves to the filer's lane; a new end event appears
        "<bpmn:flowNodeRef>ut_ex_approve</bpmn:flowNodeRef>", "").replace(
        "<bpmn:flowNodeRef>ut_ex_fill</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>ut_ex_fill</bpmn:flowNodeRef><bpmn:flowNodeRef>ut_ex_approve</bpmn:flowNodeRef>").replace(
        '<bpmn:startEvent id="start_ex" name="发起">',
        '<bpmn:endEvent id="end_extra" name="额外结束" />\n    <bpmn:startEvent id="start_ex" name="发起">')
    after = after.replace('<bpmn:sequenceFlow id="f_ex_1"', '<bpmn:sequenceFlow id="f_ex_1b"')
    result = compared(after)
    assert [(e.id, e.type, e.name) for e in result.added] == [("end_extra", "endEvent", "额外结束"),
                                                                ("f_ex_1b", "sequenceFlow", "")]
    assert [(e.id, e.type) for e in result.removed] == [("f_ex_1", "sequenceFlow")]
    lane = next(c for c in result.changed if c.after.id == "ut_ex_approve")
    assert [(c.property, c.before, c.after) for c in lane.changes] == [("lane", "UNIT_HEAD", "UNIT_FILER")]
