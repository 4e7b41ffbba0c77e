"""Graph facts drawn as an inline SVG: labelled nodes, directed labelled edges, in left-to-right layers.

The layering is networkx's: the edges that close a cycle are found with :func:`networkx.find_cycle`
and set aside, and :func:`networkx.topological_generations` of what remains gives each node its
column (the longest path from a source). Within a column, nodes are ordered by the mean row of
their predecessors to cut crossings.

The pixel coordinates and the SVG itself are written here, on purpose: the core has no plotting
dependency (no graphviz, no matplotlib backend in a Jupyter cell), the drawing must be inline text
that loads nothing, and the column widths follow the label widths, which
:func:`networkx.multipartite_layout` (evenly spaced columns) cannot account for.

Example:
    >>> svg = subgraph_svg([("ex:Hamlet", "ex:author", "ex:Shakespeare")])
    >>> "Shakespeare" in svg and svg.startswith("<svg")
    True
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx

from kgqa.render.common import as_triple, esc, short, triple_key
from kgqa.types import Triple

__all__ = ["MAX_FACTS", "layers", "subgraph_svg"]

#: the most facts one drawing shows (highlighted facts are kept first)
MAX_FACTS = 40

_ROW_H, _NODE_H, _MARGIN = 46.0, 26.0, 14.0


def _text_w(label: str, px: float = 12.0) -> float:
    """An estimate of the rendered width of ``label`` (wide glyphs count double)."""
    return sum(px if ord(ch) > 0x2E80 else px * 0.6 for ch in label)


def _short_label(s: str, n: int = 28) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _edge_label(ts: Sequence[Triple]) -> str:
    return ", ".join(dict.fromkeys(t.predicate_label or short(t.predicate) for t in ts))


def layers(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """The column of each node: longest-path layers after setting aside the edges that close a cycle.

    Args:
        nodes: every node, in drawing order (sources are searched first, in this order).
        edges: directed ``(u, v)`` pairs; self-loops are ignored.

    Example:
        >>> layers(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")])
        {'a': 0, 'b': 1, 'c': 2}
    """
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from((u, v) for u, v in edges if u != v)
    # search sources first, so the edge that breaks a cycle is the one coming back to the start
    roots = sorted(g.nodes, key=lambda n: g.in_degree(n) > 0)
    while True:
        try:
            cycle = nx.find_cycle(g, source=roots)
        except nx.NetworkXNoCycle:
            break
        g.remove_edge(*cycle[-1][:2])
    return {n: i for i, generation in enumerate(nx.topological_generations(g)) for n in generation}


def _columns(nodes: list[str], layer: dict[str, int], edges: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Nodes per layer, each column ordered by the mean row of its predecessors (barycentre)."""
    columns: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for n in nodes:
        columns[layer[n]].append(n)
    row: dict[str, float] = {n: i for i, n in enumerate(columns[0])}
    for col in columns[1:]:

        def bary(n: str) -> float:
            ps = [row[u] for (u, v) in edges if v == n and u in row]
            return sum(ps) / len(ps) if ps else float(nodes.index(n))

        col.sort(key=bary)
        row.update({n: i for i, n in enumerate(col)})
    return columns


def subgraph_svg(triples: Iterable[Any], highlight: Iterable[Any] | None = None) -> str:
    """Graph facts drawn as an inline SVG: labelled nodes, directed labelled edges, left to right.

    Args:
        triples: :class:`Triple` objects, their dicts, or ``(s, p, o)`` tuples.
        highlight: facts to emphasise (e.g. a premise's evidence path), in any of those forms.

    Returns:
        An ``<svg>`` element (empty string when there are no facts).

    Example:
        >>> svg = subgraph_svg([("ex:Hamlet", "ex:author", "ex:Shakespeare")])
        >>> "Shakespeare" in svg and svg.startswith("<svg")
        True
    """
    facts = list(dict.fromkeys(t for t in (as_triple(x) for x in triples) if t is not None))
    hl = {triple_key(t) for t in (as_triple(x) for x in (highlight or ())) if t is not None}
    # past the cap, keep the highlighted facts first, but draw in the given order
    ranked = sorted(facts, key=lambda t: triple_key(t) not in hl)  # stable: highlighted first
    kept = {triple_key(t) for t in ranked[:MAX_FACTS]}
    hidden = len(facts) - len(kept)
    facts = [t for t in facts if triple_key(t) in kept]
    if not facts:
        return ""
    labels: dict[str, str] = {}
    for t in facts:
        labels.setdefault(t.subject, t.subject_label or short(t.subject))
        labels.setdefault(t.object, t.object_label or short(t.object))
    nodes = list(labels)
    hl_nodes = {n for t in facts if triple_key(t) in hl for n in (t.subject, t.object)}
    # one edge per (subject, object) pair; its label joins the predicates
    grouped: dict[tuple[str, str], list[Triple]] = {}
    for t in facts:
        grouped.setdefault((t.subject, t.object), []).append(t)
    layer = layers(nodes, grouped)
    columns = _columns(nodes, layer, list(grouped))

    node_w = {n: _text_w(_short_label(labels[n])) + 20 for n in nodes}
    rows = max(len(c) for c in columns)
    xs: dict[str, float] = {}
    ys: dict[str, float] = {}
    x = _MARGIN
    for li, col in enumerate(columns):
        col_w = max(node_w[n] for n in col)
        for i, n in enumerate(col):
            xs[n] = x + col_w / 2
            ys[n] = _MARGIN + 16 + (rows - len(col)) * _ROW_H / 2 + i * _ROW_H + _ROW_H / 2
        gaps = [
            _text_w(_edge_label(ts), 11) + (44 if u == v else 30) for (u, v), ts in grouped.items() if layer[u] == li
        ]
        x += col_w + max([70.0, *gaps])

    def clip_to_box(n: str, tx: float, ty: float) -> tuple[float, float]:
        dx, dy = tx - xs[n], ty - ys[n]
        if dx == 0 and dy == 0:
            return xs[n], ys[n]
        hw, hh = node_w[n] / 2 + 1, _NODE_H / 2 + 1
        k = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
        return xs[n] + dx * k, ys[n] + dy * k

    top_y, bottom_y = min(ys.values()), max(ys.values())
    routes: dict[str, int] = {}
    uid = hashlib.sha1(repr(sorted(map(triple_key, facts))).encode()).hexdigest()[:8]
    parts: list[str] = []
    pts: list[tuple[float, float]] = [(xs[n] + s * node_w[n] / 2, ys[n] + s * _NODE_H) for n in nodes for s in (-1, 1)]
    for (u, v), ts in grouped.items():
        on = any(triple_key(t) in hl for t in ts)
        cls = "kgqa-edge kgqa-hl" if on else "kgqa-edge"
        dash = ' stroke-dasharray="4 3"' if all(t.inferred for t in ts) else ""
        marker = f"url(#kgqa-arrow{'-hl' if on else ''}-{uid})"
        label = _edge_label(ts)
        title = "; ".join(f"{t.subject} {t.predicate} {t.object}" + (f" [{t.source}]" if t.source else "") for t in ts)
        anchor = "middle"
        if u == v:  # self-loop on the right of the node, label beside it
            r = xs[u] + node_w[u] / 2 + 1
            d = (
                f"M{r:.1f},{ys[u] - 7:.1f} C{r + 28:.1f},{ys[u] - 24:.1f} {r + 28:.1f},{ys[u] + 24:.1f} "
                f"{r:.1f},{ys[u] + 7:.1f}"
            )
            lx, ly, anchor = r + 26, ys[u] - 10, "start"
            pts += [(lx + _text_w(label, 11), ly - 12)]
        else:
            if layer[v] - layer[u] == 1:  # adjacent layers: straight
                cx, cy = (xs[u] + xs[v]) / 2, (ys[u] + ys[v]) / 2
                apex = None
            else:  # skipping layers or going back: arc around the rows, nearer side, stacked
                above = (ys[u] + ys[v]) / 2 <= (top_y + bottom_y) / 2
                k = routes.setdefault("above" if above else "below", 0)
                routes["above" if above else "below"] = k + 1
                apex = top_y - _NODE_H / 2 - 16 - 16 * k if above else bottom_y + _NODE_H / 2 + 16 + 16 * k
                cx, cy = (xs[u] + xs[v]) / 2, 2 * apex - (ys[u] + ys[v]) / 2
            sx, sy = clip_to_box(u, cx, cy)
            ex, ey = clip_to_box(v, cx, cy)
            if apex is not None:
                cy = 2 * apex - (sy + ey) / 2
            d = f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}"
            lx, ly = 0.25 * sx + 0.5 * cx + 0.25 * ex, 0.25 * sy + 0.5 * cy + 0.25 * ey
            ly += 13 if apex is not None and apex > bottom_y else -5
            pts.append((lx, 0.25 * sy + 0.5 * cy + 0.25 * ey))
        pts += [(lx - _text_w(label, 11) / 2, ly - 12), (lx + _text_w(label, 11) / 2, ly + 2)]
        parts.append(
            f'<g class="{cls}"><title>{esc(title)}</title><path d="{d}" fill="none"{dash} '
            f'marker-end="{marker}"/><text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" '
            f'class="kgqa-elabel">{esc(label)}</text></g>'
        )
    for n in nodes:
        cls = "kgqa-node kgqa-hl" if n in hl_nodes else "kgqa-node"
        w = node_w[n]
        parts.append(
            f'<g class="{cls}"><title>{esc(labels[n])} ({esc(n)})</title>'
            f'<rect x="{xs[n] - w / 2:.1f}" y="{ys[n] - _NODE_H / 2:.1f}" width="{w:.1f}" '
            f'height="{_NODE_H:.0f}" rx="6"/><text x="{xs[n]:.1f}" y="{ys[n] + 4:.1f}" '
            f'text-anchor="middle">{esc(_short_label(labels[n]))}</text></g>'
        )
    x0 = min(p[0] for p in pts) - _MARGIN
    y0 = min(p[1] for p in pts) - _MARGIN
    w = max(p[0] for p in pts) + _MARGIN - x0
    h = max(p[1] for p in pts) + _MARGIN - y0 + (16 if hidden else 0)
    if hidden:
        parts.append(
            f'<text x="{x0 + _MARGIN:.1f}" y="{y0 + h - 6:.1f}" class="kgqa-elabel">{hidden} more facts not drawn</text>'
        )
    arrow = (
        '<marker id="kgqa-arrow{s}-{uid}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="kgqa-arrow{s}"/></marker>'
    )
    defs = "<defs>" + arrow.format(s="", uid=uid) + arrow.format(s="-hl", uid=uid) + "</defs>"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kgqa-graph" role="img" '
        f'viewBox="{x0:.1f} {y0:.1f} {w:.1f} {h:.1f}" width="{w:.0f}" height="{h:.0f}">'
        f"<title>Graph facts</title>{defs}{''.join(parts)}</svg>"
    )
