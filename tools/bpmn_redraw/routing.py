"""Right-angled edge routes that leave and enter shapes at their outlines and go round other shapes."""
from __future__ import annotations

from bpmn_redraw.layout import STUB, Node

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
