"""Label places for flows, events and gateways that cover no shape and no other label."""
from __future__ import annotations

import math

from bpmn_redraw.layout import Node
from bpmn_redraw.routing import Point, Router, crosses, segments


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
