"""The shipped models' diagram information is drawn for people (issue 13, docs/design.md "Diagrams"):
every flow node has one shape, every sequence flow one edge of right-angled segments that leaves its
source and enters its target at their outlines and crosses no other element; shapes sit inside their
lane, no two overlap, boundary events sit on their host's border; named gateways', events' and
flows' labels have bounds that overlap no shape and no other label."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

WORKFLOWS = Path(__file__).parents[2] / "workflows"
SHIPPED = sorted(WORKFLOWS.glob("*/*.bpmn"))
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
NODE_TAGS = ("task", "userTask", "scriptTask", "serviceTask", "businessRuleTask", "manualTask", "sendTask",
             "receiveTask", "callActivity", "subProcess", "startEvent", "endEvent", "intermediateCatchEvent",
             "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "parallelGateway",
             "inclusiveGateway", "eventBasedGateway")
ROUND = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
         "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway")
TOL = 1.0


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def x1(self) -> float:
        return self.x + self.w

    @property
    def y1(self) -> float:
        return self.y + self.h

    def inside(self, other: Box) -> bool:
        return (self.x >= other.x - TOL and self.y >= other.y - TOL
                and self.x1 <= other.x1 + TOL and self.y1 <= other.y1 + TOL)

    def overlaps(self, other: Box) -> bool:
        return self.x < other.x1 - TOL and other.x < self.x1 - TOL and self.y < other.y1 - TOL and other.y < self.y1 - TOL

    def on_border(self, p: tuple[float, float]) -> bool:
        x, y = p
        within_x, within_y = self.x - TOL <= x <= self.x1 + TOL, self.y - TOL <= y <= self.y1 + TOL
        return ((within_x and (abs(y - self.y) <= TOL or abs(y - self.y1) <= TOL))
                or (within_y and (abs(x - self.x) <= TOL or abs(x - self.x1) <= TOL)))

    def side_middles(self) -> list[tuple[float, float]]:
        cx, cy = self.x + self.w / 2, self.y + self.h / 2
        return [(cx, self.y), (cx, self.y1), (self.x, cy), (self.x1, cy)]

    def crossed_by(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """An axis-parallel segment passes through the inside (not along the border)."""
        (ax, ay), (bx, by) = a, b
        lo_x, hi_x, lo_y, hi_y = min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)
        return lo_x < self.x1 - TOL and hi_x > self.x + TOL and lo_y < self.y1 - TOL and hi_y > self.y + TOL


def _bounds(el) -> Box:
    b = el.find("dc:Bounds", NS)
    return Box(*(float(b.get(k)) for k in ("x", "y", "width", "height")))


class Drawing:
    def __init__(self, path: Path):
        self.root = etree.parse(str(path)).getroot()
        self.shapes: dict[str, list] = {}
        for shape in self.root.iterfind(".//bpmndi:BPMNShape", NS):
            self.shapes.setdefault(shape.get("bpmnElement"), []).append(shape)
        self.edges: dict[str, list] = {}
        for edge in self.root.iterfind(".//bpmndi:BPMNEdge", NS):
            self.edges.setdefault(edge.get("bpmnElement"), []).append(edge)
        self.nodes = {el.get("id"): el for tag in NODE_TAGS
                      for el in self.root.iterfind(f"bpmn:process//bpmn:{tag}", NS)}
        self.flows = list(self.root.iterfind("bpmn:process//bpmn:sequenceFlow", NS))

    def box(self, element_id: str) -> Box:
        return _bounds(self.shapes[element_id][0])

    def kind(self, element_id: str) -> str:
        return etree.QName(self.nodes[element_id]).localname

    def points(self, flow_id: str) -> list[tuple[float, float]]:
        return [(float(w.get("x")), float(w.get("y"))) for w in self.edges[flow_id][0].iterfind("di:waypoint", NS)]

    def ancestors(self, element_id: str) -> set[str]:
        """The subprocesses that contain an element (their box contains it by design)."""
        return {a.get("id") for a in self.nodes[element_id].iterancestors(f"{{{NS['bpmn']}}}subProcess")}

    def label(self, element_id: str) -> Box | None:
        shapes = self.shapes.get(element_id) or self.edges.get(element_id)
        found = shapes[0].find("bpmndi:BPMNLabel", NS) if shapes else None
        return _bounds(found) if found is not None and found.find("dc:Bounds", NS) is not None else None


@pytest.fixture(params=SHIPPED, ids=lambda p: p.name)
def drawing(request) -> Drawing:
    return Drawing(request.param)


def test_every_node_and_flow_is_drawn_once(drawing):
    for node_id in drawing.nodes:
        assert len(drawing.shapes.get(node_id, [])) == 1, node_id
    for flow in drawing.flows:
        assert len(drawing.edges.get(flow.get("id"), [])) == 1, flow.get("id")
        assert len(drawing.points(flow.get("id"))) >= 2, flow.get("id")


def test_flows_are_right_angled_and_meet_their_shapes_at_the_outline(drawing):
    for flow in drawing.flows:
        fid, points = flow.get("id"), drawing.points(flow.get("id"))
        for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
            assert abs(ax - bx) <= TOL or abs(ay - by) <= TOL, f"{fid}: a slanted segment"
        for end, node_id in ((points[0], flow.get("sourceRef")), (points[-1], flow.get("targetRef"))):
            box = drawing.box(node_id)
            if drawing.kind(node_id) in ROUND:  # a diamond or a circle touches its box at the middles only
                assert any(abs(end[0] - x) <= TOL and abs(end[1] - y) <= TOL for x, y in box.side_middles()), \
                    f"{fid}: {end} is not on {node_id}'s outline"
            else:
                assert box.on_border(end), f"{fid}: {end} is not on {node_id}'s border"


def test_flows_cross_no_other_element(drawing):
    for flow in drawing.flows:
        fid, points = flow.get("id"), drawing.points(flow.get("id"))
        own = {flow.get("sourceRef"), flow.get("targetRef")}
        allowed = own | drawing.ancestors(flow.get("sourceRef")) | drawing.ancestors(flow.get("targetRef"))
        for node_id in drawing.nodes:
            if node_id in allowed or drawing.kind(node_id) == "subProcess":
                continue
            box = drawing.box(node_id)
            for a, b in zip(points, points[1:], strict=False):
                assert not box.crossed_by(a, b), f"{fid} crosses {node_id}"


def test_shapes_sit_in_their_lane_and_do_not_overlap(drawing):
    for lane in drawing.root.iterfind("bpmn:process//bpmn:lane", NS):
        lane_box = drawing.box(lane.get("id"))
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            box = drawing.box(ref.text)
            if drawing.kind(ref.text) == "boundaryEvent":  # it hangs over its host's edge: its middle counts
                box = Box(box.x + box.w / 2, box.y + box.h / 2, 0, 0)
            assert box.inside(lane_box), f"{ref.text} outside {lane.get('name')}"
    ids = [n for n in drawing.nodes if drawing.kind(n) != "subProcess"]
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if drawing.kind(a) == "boundaryEvent" or drawing.kind(b) == "boundaryEvent":
                continue
            assert not drawing.box(a).overlaps(drawing.box(b)), f"{a} overlaps {b}"


def test_boundary_events_sit_on_their_host(drawing):
    for event in drawing.root.iterfind("bpmn:process//bpmn:boundaryEvent", NS):
        box, host = drawing.box(event.get("id")), drawing.box(event.get("attachedToRef"))
        assert host.on_border((box.x + box.w / 2, box.y + box.h / 2)), event.get("id")


def test_labels_overlap_no_shape_and_no_other_label(drawing):
    labels = {}
    for el_id, el in drawing.nodes.items():
        if (el.get("name") or "").strip() and etree.QName(el).localname in ROUND:
            labels[el_id] = drawing.label(el_id)
    for flow in drawing.flows:
        if (flow.get("name") or "").strip():
            labels[flow.get("id")] = drawing.label(flow.get("id"))
    assert all(labels.values()), [k for k, v in labels.items() if v is None]
    shapes = {n: drawing.box(n) for n in drawing.nodes if drawing.kind(n) != "subProcess"}
    items = list(labels.items())
    for i, (owner, box) in enumerate(items):
        for node_id, shape in shapes.items():
            assert not box.overlaps(shape), f"{owner}'s label covers {node_id}"
        for other, other_box in items[i + 1:]:
            assert not box.overlaps(other_box), f"{owner}'s label covers {other}'s"
