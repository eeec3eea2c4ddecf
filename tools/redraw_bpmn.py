"""Redraw a BPMN file's diagram information (BPMNShape bounds, BPMNEdge waypoints, label bounds) so
a person can read it: lanes as rows, flow order left to right (longest-path layering over the flows
without their loops), right-angled edges that leave and enter shapes at their outlines and go round
other shapes, labels where they cover nothing. A dev tool (docs/design.md "Diagrams (issue 13)"):
the output is committed; only the `bpmndi:BPMNDiagram` block of the file is replaced, byte for
byte everything else stays.

    .venv/bin/python tools/redraw_bpmn.py workflows/p3_monitoring/p3_monitoring.bpmn [...]
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from bpmn_redraw.labels import Labels
from bpmn_redraw.layout import (
    BPMN,
    EVENTS,
    GAP,
    GATEWAYS,
    LEFT,
    NODE_TAGS,
    NS,
    POOL_HEAD,
    SUB_PAD,
    TRACK_BOTTOM,
    TRACK_TOP,
    Layout,
    Node,
    assign_tracks,
    layer,
    place,
    size_of,
)
from bpmn_redraw.routing import Router
from lxml import etree


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
