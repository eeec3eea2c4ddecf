"""Redraw a BPMN file's diagram information (BPMNShape bounds, BPMNEdge waypoints, label bounds) so
a person can read it: lanes as rows, flow order left to right (longest-path layering over the flows
without their loops), right-angled edges that leave and enter shapes at their outlines and go round
other shapes, labels where they cover nothing. A dev tool (docs/design.md "Diagrams (issue 13)"):
the output is committed; only the `bpmndi:BPMNDiagram` block of the file is replaced, byte for
byte everything else stays.

    .venv/bin/python tools/redraw_bpmn.py workflows/p3_monitoring/p3_monitoring.bpmn [...]
"""
from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
BPMN = f"{{{NS['bpmn']}}}"
NODE_TAGS = {"task", "userTask", "scriptTask", "serviceTask", "businessRuleTask", "manualTask", "sendTask",
             "receiveTask", "callActivity", "subProcess", "startEvent", "endEvent", "intermediateCatchEvent",
             "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "parallelGateway",
             "inclusiveGateway", "eventBasedGateway"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway"}
GAP = 64            # horizontal room between columns (vertical edge runs, labels)
TRACK_TOP = 48      # room above a row's shapes (labels above, edge runs)
TRACK_BOTTOM = 62   # room below (boundary events, labels below, edge runs)
POOL_HEAD = 30      # the pool's and each lane's name band
LEFT = 40           # from the lane's name band to the first column
SUB_PAD = (30, 42, 30, 30)  # an expanded subprocess: left, top (its name), right, bottom
STUB = 12           # an edge runs at least this far straight out of / into its shape


@dataclass
class Node:
    id: str
    kind: str
    name: str
    lane: str
    parent: str | None  # the subprocess it sits in
    w: float = 100
    h: float = 80
    x: float = 0
    y: float = 0
    col: int = 0
    track: int = 0
    host: str | None = None  # a boundary event's activity
    inner: Layout | None = None  # an expanded subprocess laid out inside itself

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def ports(self) -> dict[str, tuple[float, float]]:
        return {"R": (self.x + self.w, self.cy), "L": (self.x, self.cy), "T": (self.cx, self.y),
                "B": (self.cx, self.y + self.h)}


def size_of(kind: str) -> tuple[float, float]:
    if kind in EVENTS:
        return 36, 36
    if kind in GATEWAYS:
        return 50, 50
    return 100, 80


@dataclass
class Layout:
    """Nodes of one container placed on columns and (lane, track) rows."""
    nodes: list[Node]
    flows: list[tuple[str, str, str]]  # (id, source, target) with boundary sources mapped to their hosts
    lanes: list[str]
    col_x: list[float] = field(default_factory=list)
    col_w: list[float] = field(default_factory=list)
    rows: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)  # (lane, track) → top, height
    lane_box: dict[str, tuple[float, float]] = field(default_factory=dict)  # lane → top, height
    width: float = 0
    height: float = 0


def layer(nodes: list[Node], flows: list[tuple[str, str, str]]) -> set[str]:
    """Columns by longest path over the flows minus the loops' back edges (found by depth-first search
    from the starts in document order); returns the back edges' ids."""
    ids = {n.id for n in nodes}
    out: dict[str, list[tuple[str, str]]] = {n.id: [] for n in nodes}
    has_in = set()
    for fid, s, t in flows:
        if s in ids and t in ids:
            out[s].append((fid, t))
            has_in.add(t)
    back: set[str] = set()
    state: dict[str, int] = {}
    order: list[str] = []

    def visit(start: str) -> None:
        stack = [(start, iter(out[start]))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            step = next(it, None)
            if step is None:
                state[node] = 2
                order.append(node)
                stack.pop()
                continue
            fid, t = step
            if state.get(t) == 1:
                back.add(fid)
            elif t not in state:
                state[t] = 1
                stack.append((t, iter(out[t])))

    starts = [n.id for n in nodes if n.id not in has_in]
    for n in starts + [n.id for n in nodes]:
        if n not in state:
            visit(n)
    col = {n: 0 for n in ids}
    for node in reversed(order):  # topological order of the forward graph
        for fid, t in out[node]:
            if fid not in back:
                col[t] = max(col[t], col[node] + 1)
    # pull an end event or a lone step next to its only predecessor instead of the far right
    for n in nodes:
        n.col = col[n.id]
    return back


def assign_tracks(layout: Layout, back: set[str], boundary_hosts: dict[str, str]) -> None:
    """Within each lane a node takes the track of its first predecessor in the lane when that cell is
    free (a straight run), an exception path from a boundary event the track below its host."""
    by_id = {n.id: n for n in layout.nodes}
    preds: dict[str, list[str]] = {n.id: [] for n in layout.nodes}
    from_boundary: dict[str, str] = {}
    for fid, s, t in layout.flows:
        if fid in back or s not in by_id or t not in by_id:
            continue
        preds[t].append(s)
    for target, host in boundary_hosts.items():
        from_boundary[target] = host
    taken: set[tuple[str, int, int]] = set()
    for n in sorted(layout.nodes, key=lambda n: (n.col, layout.nodes.index(n))):
        wanted: list[int] = []
        if n.id in from_boundary and by_id[from_boundary[n.id]].lane == n.lane:
            wanted.append(by_id[from_boundary[n.id]].track + 1)
        wanted += [by_id[p].track for p in preds[n.id] if by_id[p].lane == n.lane and by_id[p].col < n.col]
        wanted += list(range(0, 50))
        for t in wanted:
            if (n.lane, t, n.col) not in taken:
                n.track = t
                taken.add((n.lane, t, n.col))
                break


def place(layout: Layout, x0: float, y0: float) -> None:
    """Column widths from their widest node, row heights from their tallest; nodes centred in cells."""
    ncols = max((n.col for n in layout.nodes), default=0) + 1
    layout.col_w = [0.0] * ncols
    for n in layout.nodes:
        layout.col_w[n.col] = max(layout.col_w[n.col], n.w)
    layout.col_w = [w or 36 for w in layout.col_w]
    x = x0 + LEFT
    layout.col_x = []
    for w in layout.col_w:
        layout.col_x.append(x)
        x += w + GAP
    layout.width = x - GAP + LEFT - x0
    y = y0
    for lane in layout.lanes:
        members = [n for n in layout.nodes if n.lane == lane]
        tracks = max((n.track for n in members), default=0) + 1
        top = y
        for t in range(tracks):
            content = max((n.h for n in members if n.track == t), default=80)
            height = TRACK_TOP + content + TRACK_BOTTOM
            layout.rows[(lane, t)] = (y, height)
            y += height
        layout.lane_box[lane] = (top, y - top)
    layout.height = y - y0
    for n in layout.nodes:
        top, height = layout.rows[(n.lane, n.track)]
        content = height - TRACK_TOP - TRACK_BOTTOM
        n.x = layout.col_x[n.col] + (layout.col_w[n.col] - n.w) / 2
        n.y = top + TRACK_TOP + (content - n.h) / 2


# ---------------------------------------------------------------------------------------------- routing
Point = tuple[float, float]
Seg = tuple[Point, Point]
DIRS = {"R": (1, 0), "L": (-1, 0), "T": (0, -1), "B": (0, 1)}


def crosses(box: tuple[float, float, float, float], a: Point, b: Point, pad: float) -> bool:
    x0, y0, x1, y1 = box
    lo_x, hi_x, lo_y, hi_y = min(a[0], b[0]), max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1])
    return lo_x < x1 + pad and hi_x > x0 - pad and lo_y < y1 + pad and hi_y > y0 - pad


def segments(points: list[Point]) -> list[Seg]:
    return [(a, b) for a, b in zip(points, points[1:], strict=False) if a != b]


def simplify(points: list[Point]) -> list[Point]:
    out: list[Point] = []
    for p in points:
        if out and out[-1] == p:
            continue
        if len(out) >= 2 and ((out[-2][0] == out[-1][0] == p[0]) or (out[-2][1] == out[-1][1] == p[1])):
            out[-1] = p
            continue
        out.append(p)
    return out


def direction_ok(points: list[Point], exit_side: str, entry_side: str) -> bool:
    """The first segment runs out of the source's side, the last into the target's side."""
    if len(points) < 2:
        return False
    (ax, ay), (bx, by) = points[0], points[1]
    dx, dy = DIRS[exit_side]
    if (bx - ax) * dx + (by - ay) * dy < STUB or (dx == 0 and bx != ax) or (dy == 0 and by != ay):
        return False
    (ax, ay), (bx, by) = points[-2], points[-1]
    dx, dy = DIRS[entry_side]
    return not ((ax - bx) * dx + (ay - by) * dy < STUB or (dx == 0 and bx != ax) or (dy == 0 and by != ay))


class Router:
    def __init__(self, nodes: dict[str, Node], containers: dict[str, str | None], xs: list[float], ys: list[float]):
        self.nodes = nodes
        self.containers = containers  # node → its subprocess
        self.xs, self.ys = sorted(set(xs)), sorted(set(ys))
        self.routed: list[tuple[str, str, str, list[Seg]]] = []  # flow, source, target, segments

    def obstacles(self, source: str, target: str) -> list[tuple[str, tuple[float, float, float, float]]]:
        inside = set()
        for end in (source, target):
            parent = self.containers.get(end)
            while parent:
                inside.add(parent)
                parent = self.containers.get(parent)
        return [(n.id, (n.x, n.y, n.x + n.w, n.y + n.h)) for n in self.nodes.values()
                if n.id not in inside]

    def cost(self, flow: tuple[str, str, str], points: list[Point], obstacles, exit_side: str,
             entry_side: str) -> float:
        fid, source, target = flow
        segs = segments(points)
        total = sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in segs) + 30 * (len(segs) - 1)
        total += {"R": 0, "T": 25, "B": 25, "L": 90}[exit_side] + {"L": 0, "T": 25, "B": 25, "R": 90}[entry_side]
        for oid, box in obstacles:
            own = oid in (source, target)
            for a, b in segs:
                if crosses(box, a, b, -1 if own else 8):
                    total += 5000
        for _, s2, t2, other in self.routed:
            related = s2 == source or t2 == target
            for a, b in segs:
                for c, d in other:
                    total += self.meet(a, b, c, d, related)
        return total

    @staticmethod
    def meet(a: Point, b: Point, c: Point, d: Point, related: bool) -> float:
        ah, ch = a[1] == b[1], c[1] == d[1]
        if ah == ch:  # parallel: running on top of another flow hides it
            if ah and abs(a[1] - c[1]) < 6 or not ah and abs(a[0] - c[0]) < 6:
                k = 0 if ah else 1
                lo = max(min(a[k], b[k]), min(c[k], d[k]))
                hi = min(max(a[k], b[k]), max(c[k], d[k]))
                if hi > lo:
                    return 0 if related else 400 + 4 * (hi - lo)
            return 0
        h0, h1, v0, v1 = (a, b, c, d) if ah else (c, d, a, b)
        if (min(h0[0], h1[0]) < v0[0] < max(h0[0], h1[0]) and min(v0[1], v1[1]) < h0[1] < max(v0[1], v1[1])):
            return 0 if related else 60
        return 0

    def candidates(self, s: Node, t: Node, boundary: bool):
        exits = ["B"] if boundary else ["R", "T", "B", "L"]
        for es in exits:
            for en in ["L", "T", "B", "R"]:
                p0, p1 = s.ports()[es], t.ports()[en]
                eh, nh = es in "RL", en in "RL"
                span_y = [y for y in self.ys if min(p0[1], p1[1]) - 400 <= y <= max(p0[1], p1[1]) + 400]
                span_x = [x for x in self.xs if min(p0[0], p1[0]) - 300 <= x <= max(p0[0], p1[0]) + 300]
                near_s = sorted(span_x, key=lambda x: abs(x - p0[0]))[:6]
                near_t = sorted(span_x, key=lambda x: abs(x - p1[0]))[:6]
                if eh and nh:
                    yield es, en, [p0, p1]
                    for x in span_x:
                        yield es, en, [p0, (x, p0[1]), (x, p1[1]), p1]
                    for x1 in near_s:
                        for y in span_y:
                            for x2 in near_t:
                                yield es, en, [p0, (x1, p0[1]), (x1, y), (x2, y), (x2, p1[1]), p1]
                elif eh and not nh:
                    yield es, en, [p0, (p1[0], p0[1]), p1]
                    for x in near_s:
                        for y in span_y:
                            yield es, en, [p0, (x, p0[1]), (x, y), (p1[0], y), p1]
                elif not eh and nh:
                    yield es, en, [p0, (p0[0], p1[1]), p1]
                    for y in span_y:
                        for x in near_t:
                            yield es, en, [p0, (p0[0], y), (x, y), (x, p1[1]), p1]
                else:
                    yield es, en, [p0, p1]
                    for y in span_y:
                        yield es, en, [p0, (p0[0], y), (p1[0], y), p1]

    def route(self, flow: tuple[str, str, str]) -> list[Point]:
        fid, source, target = flow
        s, t = self.nodes[source], self.nodes[target]
        obstacles = self.obstacles(source, target)
        best: tuple[float, list[Point]] | None = None
        for es, en, raw in self.candidates(s, t, s.kind == "boundaryEvent"):
            points = simplify(raw)
            if len(points) < 2 or not direction_ok(points, es, en):
                continue
            c = self.cost(flow, points, obstacles, es, en)
            if best is None or c < best[0]:
                best = (c, points)
        assert best is not None, fid
        self.routed.append((fid, source, target, segments(best[1])))
        return best[1]


# ---------------------------------------------------------------------------------------------- labels
def text_box(text: str, max_w: float = 90) -> tuple[float, float]:
    # bpmn-js writes labels in 11 px Arial and breaks lines at spaces only, so a long Latin word is
    # measured whole
    widths = [11.5 if ord(c) > 0x2E80 else 7.8 if c.isupper() or c == "_" else 6.4 for c in text]
    lines, line = 1, 0.0
    for w in widths:
        if line + w > max_w:
            lines, line = lines + 1, 0.0
        line += w
    width = max_w if lines > 1 else line
    return math.ceil(width) + 8, 14 * lines + 2


class Labels:
    def __init__(self, nodes: dict[str, Node], routes: dict[str, list[Point]], siblings: dict[str, list[str]]):
        self.siblings = siblings  # flows leaving the same source
        self.shapes = [(n.x, n.y, n.x + n.w, n.y + n.h) for n in nodes.values() if n.kind != "subProcess"]
        self.routes = routes
        self.placed: list[tuple[float, float, float, float]] = []

    def clash(self, box: tuple[float, float, float, float], own: str | None) -> float:
        x0, y0, x1, y1 = box
        bad = 0.0
        for s in self.shapes + self.placed:
            if x0 < s[2] + 2 and s[0] < x1 + 2 and y0 < s[3] + 2 and s[1] < y1 + 2:
                bad += 1000
        for fid, points in self.routes.items():
            for a, b in segments(points):
                if crosses(box, a, b, 1):
                    bad += 5 if fid == own else 40
        return bad

    def put(self, options: list[tuple[float, float, float, float]], own: str | None) -> tuple[float, ...]:
        best = min(options, key=lambda b: (self.clash(b, own), options.index(b)))
        self.placed.append(best)
        return best

    def for_node(self, n: Node) -> tuple[float, ...]:
        w, h = text_box(n.name)
        cx = n.cx
        options = [(cx - w / 2, n.y + n.h + 5), (cx - w / 2, n.y - h - 5), (n.x + n.w + 4, n.y + n.h),
                   (n.x - w - 4, n.y + n.h), (n.x + n.w + 4, n.y - h), (n.x - w - 4, n.y - h),
                   (cx - w / 2, n.y + n.h + 22), (cx - w / 2, n.y - h - 22)]
        options += [(cx + dx - w / 2, y) for dy in (40, 60) for dx in (0, -w / 2 - 10, w / 2 + 10)
                    for y in (n.y + n.h + dy, n.y - h - dy)]  # farther out when the near places are taken
        return self.put([(x, y, x + w, y + h) for x, y in options], None)

    def for_flow(self, fid: str, name: str) -> tuple[float, ...]:
        """Beside the flow, as near its source as is free: a gateway's branches name their way out."""
        w, h = text_box(name, 160)
        options = []
        own = segments(self.routes[fid])
        shared = [seg for seg in own if any(Router.meet(*seg, *other, related=False)
                                            for sibling in self.siblings.get(fid, ())
                                            for other in segments(self.routes[sibling]))]
        for a, b in [seg for seg in own if seg not in shared] + shared:  # where the branch is its own
            length = abs(b[0] - a[0]) + abs(b[1] - a[1])
            for along in (6, length / 2, length - 6):
                if a[1] == b[1]:
                    step = 1 if b[0] > a[0] else -1
                    x = a[0] + step * along - (0 if step > 0 else w)
                    x = min(x, max(a[0], b[0]) - w) if along > 6 else x
                    options += [(x, a[1] - h - 3), (x, a[1] + 3), (x, a[1] - h - 44), (x, a[1] + 44)]
                else:
                    step = 1 if b[1] > a[1] else -1
                    y = a[1] + step * along - (0 if step > 0 else h)
                    options += [(a[0] + 4, y), (a[0] - w - 4, y)]
        return self.put([(x, y, x + w, y + h) for x, y in options], fid)


# ---------------------------------------------------------------------------------------------- the file
def local(el) -> str:
    return etree.QName(el).localname


def redraw(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    root = etree.fromstring(text.encode("utf-8"))
    (process,) = root.findall("bpmn:process", NS)
    participant = root.find("bpmn:collaboration/bpmn:participant", NS)
    old_diagram = root.find("bpmndi:BPMNDiagram", NS)
    old_plane = old_diagram.find("bpmndi:BPMNPlane", NS)
    di_ids = {el.get("bpmnElement"): el.get("id") for el in old_plane}
    lanes = process.findall("bpmn:laneSet/bpmn:lane", NS)
    lane_of = {ref.text: lane.get("id") for lane in lanes for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    lane_ids = [lane.get("id") for lane in lanes] or ["_"]
    nodes: dict[str, Node] = {}
    containers: dict[str, str | None] = {}

    def collect(container, parent: str | None) -> None:
        for el in container:
            if not isinstance(el.tag, str) or local(el) not in NODE_TAGS:
                continue
            w, h = size_of(local(el))
            node = Node(el.get("id"), local(el), (el.get("name") or "").strip(), lane_of.get(el.get("id"), "_"),
                        parent, w, h, host=el.get("attachedToRef"))
            nodes[node.id] = node
            containers[node.id] = parent
            if local(el) == "subProcess":
                collect(el, node.id)

    collect(process, None)
    flows_of: dict[str | None, list[tuple[str, str, str]]] = {}
    for f in process.iter(BPMN + "sequenceFlow"):
        flows_of.setdefault(containers[f.get("sourceRef")], []).append(
            (f.get("id"), f.get("sourceRef"), f.get("targetRef")))
    flow_names = {f.get("id"): (f.get("name") or "").strip() for f in process.iter(BPMN + "sequenceFlow")}

    def host_of(n: str) -> str:
        return nodes[n].host or n

    # an expanded subprocess whose steps sit in the lanes joins the process's grid, after its flows
    # (an event subprocess); one whose steps are in no lane is laid out inside its own box
    inline_subs = [n for n in nodes.values() if n.kind == "subProcess"
                   and any(c.parent == n.id and c.id in lane_of for c in nodes.values())]

    def build(container: str | None, lane_list: list[str], offset_after: list[Node]) -> Layout:
        members = [n for n in nodes.values() if n.parent == container and n.kind != "boundaryEvent"
                   and n not in inline_subs]
        flows = [(fid, host_of(s), t) for fid, s, t in flows_of.get(container, [])]
        layout = Layout(members, flows, lane_list)
        back = layer(members, flows)
        start = max((n.col for n in members), default=-1) + 2
        for sub in offset_after:  # event subprocesses to the right of the main flow, one after another
            inner = [n for n in nodes.values() if n.parent == sub.id and n.kind != "boundaryEvent"]
            inner_flows = [(fid, host_of(s), t) for fid, s, t in flows_of.get(sub.id, [])]
            back |= layer(inner, inner_flows)
            for n in inner:
                n.col += start
            start = max(n.col for n in inner) + 2
            layout.nodes += inner
            layout.flows += inner_flows
        for n in layout.nodes:
            if n.kind == "subProcess" and n not in inline_subs:
                for m in nodes.values():
                    if m.parent == n.id:
                        m.lane = "_"
                n.inner = build(n.id, ["_"], [])
                place(n.inner, 0, 0)  # its size; placed again inside the box once the box has its place
                n.w = n.inner.width + SUB_PAD[0] + SUB_PAD[2] - 2 * LEFT
                n.h = n.inner.height + SUB_PAD[1] + SUB_PAD[3] - TRACK_TOP - TRACK_BOTTOM
        hosts = {t: nodes[s].host for fid, s, t in flows_of.get(container, []) if nodes[s].host}
        assign_tracks(layout, back, hosts)
        return layout

    layout = build(None, lane_ids, inline_subs)
    pool_x, pool_y = 100.0, 40.0
    lanes_x = pool_x + POOL_HEAD
    place(layout, lanes_x, pool_y)

    def place_inner(n: Node) -> None:
        if n.inner is None:
            return
        sub = n.inner
        x0 = n.x + SUB_PAD[0] - LEFT
        y0 = n.y + SUB_PAD[1] - TRACK_TOP
        place(sub, x0, y0)
        for m in sub.nodes:
            place_inner(m)

    for n in layout.nodes:
        place_inner(n)
    for sub in inline_subs:  # its box: around its steps
        inner = [n for n in nodes.values() if n.parent == sub.id and n.kind != "boundaryEvent"]
        sub.x = min(n.x for n in inner) - SUB_PAD[0]
        sub.y = min(n.y for n in inner) - SUB_PAD[1]
        sub.w = max(n.x + n.w for n in inner) + SUB_PAD[2] - sub.x
        sub.h = max(n.y + n.h for n in inner) + SUB_PAD[3] - sub.y
    for host in {n.host for n in nodes.values() if n.host}:
        attached = [n for n in nodes.values() if n.host == host]
        h = nodes[host]
        for i, b in enumerate(attached):
            b.x = h.x + h.w - 20 - b.w - i * (b.w + 12)
            b.y = h.y + h.h - b.h / 2

    # free lines for edge runs: the middle of every gap between columns (three tracks), above and below
    # every row's shapes, and the shapes' own middles
    xs: list[float] = []
    ys: list[float] = []

    def free_lines(lay: Layout) -> None:
        gaps = [lay.col_x[0] - GAP / 2] + [x + w + GAP / 2 for x, w in zip(lay.col_x, lay.col_w, strict=True)]
        for middle in gaps:
            xs.extend([middle - 14, middle, middle + 14])
        for (top, height) in lay.rows.values():
            ys.extend([top + 10, top + 22, top + 34, top + height - 10, top + height - 22])
        for n in lay.nodes:
            if n.inner:
                free_lines(n.inner)

    free_lines(layout)
    for n in nodes.values():
        xs.append(n.cx)
        ys.append(n.cy)
    router = Router(nodes, containers, xs, ys)
    all_flows = [f for fl in flows_of.values() for f in fl]

    def order(f: tuple[str, str, str]) -> tuple[int, float]:
        s, t = nodes[f[1]], nodes[f[2]]
        straight = s.cy == t.cy and t.x > s.x
        return (0 if straight else 1, abs(s.cx - t.cx) + abs(s.cy - t.cy))

    routes = {f[0]: router.route(f) for f in sorted(all_flows, key=order)}
    siblings = {f[0]: [g[0] for g in all_flows if g[1] == f[1] and g[0] != f[0]] for f in all_flows}
    labels = Labels(nodes, routes, siblings)
    # flows' names first: they have fewer good places than an event's or a gateway's name
    flow_labels = {fid: labels.for_flow(fid, name) for fid, name in flow_names.items() if name}
    node_labels = {n.id: labels.for_node(n) for n in nodes.values()
                   if n.name and (n.kind in EVENTS or n.kind in GATEWAYS)}

    # ------------------------------------------------------------------ write the DI block
    def fmt(v: float) -> str:
        return str(int(round(v)))

    def bounds(x: float, y: float, w: float, h: float, indent: str) -> str:
        return f'{indent}<dc:Bounds x="{fmt(x)}" y="{fmt(y)}" width="{fmt(w)}" height="{fmt(h)}" />\n'

    def label(box: tuple[float, ...] | None, indent: str) -> str:
        if box is None:
            return ""
        x0, y0, x1, y1 = box
        return (f"{indent}<bpmndi:BPMNLabel>\n" + bounds(x0, y0, x1 - x0, y1 - y0, indent + "  ")
                + f"{indent}</bpmndi:BPMNLabel>\n")

    width = layout.width
    out = [f'  <bpmndi:BPMNDiagram id="{old_diagram.get("id")}">\n',
           f'    <bpmndi:BPMNPlane id="{old_plane.get("id")}" bpmnElement="{old_plane.get("bpmnElement")}">\n']

    def shape(element: str, x: float, y: float, w: float, h: float, attrs: str = "",
              lbl: tuple[float, ...] | None = None) -> None:
        di = di_ids.get(element, f"{element}_di")
        out.append(f'      <bpmndi:BPMNShape id="{di}" bpmnElement="{element}"{attrs}>\n')
        out.append(bounds(x, y, w, h, "        "))
        out.append(label(lbl, "        "))
        out.append("      </bpmndi:BPMNShape>\n")

    shape(participant.get("id"), pool_x, pool_y, width + POOL_HEAD, layout.height, ' isHorizontal="true"')
    for lane in lanes:
        top, height = layout.lane_box[lane.get("id")]
        shape(lane.get("id"), lanes_x, top, width, height, ' isHorizontal="true"')
    for n in nodes.values():
        attrs = ' isMarkerVisible="true"' if n.kind == "exclusiveGateway" else ""
        attrs += ' isExpanded="true"' if n.kind == "subProcess" else ""
        shape(n.id, n.x, n.y, n.w, n.h, attrs, node_labels.get(n.id))
    for fid, _, _ in all_flows:
        di = di_ids.get(fid, f"{fid}_di")
        out.append(f'      <bpmndi:BPMNEdge id="{di}" bpmnElement="{fid}">\n')
        out += [f'        <di:waypoint x="{fmt(x)}" y="{fmt(y)}" />\n' for x, y in routes[fid]]
        out.append(label(flow_labels.get(fid), "        "))
        out.append("      </bpmndi:BPMNEdge>\n")
    out.append("    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n")
    block = re.compile(r"  <bpmndi:BPMNDiagram\b.*?</bpmndi:BPMNDiagram>\n", re.S)
    assert len(block.findall(text)) == 1, path
    return block.sub(lambda _: "".join(out), text)


def main(paths: list[str]) -> None:
    for p in paths:
        path = Path(p)
        path.write_text(redraw(path), encoding="utf-8")
        print("redrawn", path)


if __name__ == "__main__":
    main(sys.argv[1:])
