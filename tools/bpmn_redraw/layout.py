"""Where each element goes: lanes as rows (split into tracks), columns by longest-path layering
over the flows without their loops."""
from __future__ import annotations

from dataclasses import dataclass, field

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
