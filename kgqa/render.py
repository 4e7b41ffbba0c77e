"""Render answers and traces as text (CLI) and self-contained HTML (Jupyter).

The HTML has no scripts and loads nothing: one ``<div class="kgqa-trace">`` with an
inline ``<style>`` scoped under it, stages folded in ``<details>``, the answer span
marked in its passage, premise statuses as badges, NLI probabilities as bars and the
graph facts drawn as an inline SVG laid out here (left-to-right layers). Every piece of
user or corpus text goes through :func:`html.escape`.

Step outputs are rendered from their JSON form, so dataclasses and plain dicts both
work; missing keys are skipped and unknown stages are shown as a key/value table.

Example:
    >>> from kgqa.types import Answer
    >>> print(answer_text(Answer("Is Paris in France?", "yes", "answered", 0.91)))
    Q: Is Paris in France?
    A: yes   [answered, confidence 0.91]
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from kgqa.trace import _jsonable
from kgqa.types import Answer, PremiseCheck, Triple

__all__ = ["answer_html", "answer_text", "premise_html", "premise_text", "subgraph_svg", "trace_html", "trace_text"]

logger = logging.getLogger(__name__)

_SYMBOL = {"supported": "✓", "contradicted": "✗", "unknown": "?"}
_ANSI = {
    "supported": "32",
    "contradicted": "31",
    "unknown": "90",
    "answered": "32",
    "premise_rejected": "31",
    "unverified": "33",
    "no_answer": "90",
}
_MAX_GIST = 110
_MAX_FACTS = 40


# ----------------------------------------------------------------------------- small helpers


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _fmt(value: Any, digits: int = 2) -> str:
    x = _num(value)
    return "—" if x is None else f"{x:.{digits}f}"


def _fmt_ms(value: Any) -> str:
    x = _num(value) or 0.0
    return f"{x / 1000:.2f} s" if x >= 1000 else f"{x:.1f} ms"


def _clip(text: str, n: int = _MAX_GIST) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The dict items of a list (anything else is dropped), so renderers can use ``.get``."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, (list, tuple)) else []


def _short(iri: Any) -> str:
    s = "" if iri is None else str(iri)
    tail = re.split(r"[#/:]", s.rstrip("#/"))[-1]
    return tail or s


def _triple(value: Any) -> Triple | None:
    """A :class:`Triple` from a Triple, a (partial) dict or an ``(s, p, o)`` sequence."""
    if isinstance(value, Triple):
        return value
    if isinstance(value, Mapping):
        s, p, o = value.get("subject"), value.get("predicate"), value.get("object")
        if s is None or o is None:
            return None
        return Triple(
            str(s),
            str(p or ""),
            str(o),
            str(value.get("subject_label") or ""),
            str(value.get("predicate_label") or ""),
            str(value.get("object_label") or ""),
            str(value.get("source") or ""),
            bool(value.get("inferred", False)),
        )
    if isinstance(value, (list, tuple)) and len(value) == 3 and all(isinstance(v, str) for v in value):
        return Triple(*value)
    return None


def _triples(values: Any) -> list[Triple]:
    if not isinstance(values, (list, tuple)):
        return []
    return [t for t in (_triple(v) for v in values) if t is not None]


def _key(t: Triple) -> tuple[str, str, str]:
    return (t.subject, t.predicate, t.object)


def _chain(triples: Sequence[Triple]) -> str:
    """``A —p→ B —q→ C`` for a connected path, else the facts joined by ``; ``."""
    if not triples:
        return ""
    parts = [triples[0].subject_label or _short(triples[0].subject)]
    for prev, t in zip([None, *triples[:-1]], triples, strict=True):
        if prev is not None and prev.object != t.subject:
            return "; ".join(
                f"{x.subject_label or _short(x.subject)} —{x.predicate_label or _short(x.predicate)}→ "
                f"{x.object_label or _short(x.object)}"
                for x in triples
            )
        parts.append(f"—{t.predicate_label or _short(t.predicate)}→ {t.object_label or _short(t.object)}")
    return " ".join(parts)


def _steps(trace: Any) -> list[dict[str, Any]]:
    """The trace's steps as JSON dicts (``stage``, ``inputs``, ``outputs``, ``ms``)."""
    out = []
    for step in getattr(trace, "steps", None) or []:
        d = _jsonable(step)
        if isinstance(d, dict):
            d.setdefault("stage", "?")
            d["inputs"] = d.get("inputs") if isinstance(d.get("inputs"), dict) else {}
            d["outputs"] = d.get("outputs") if isinstance(d.get("outputs"), dict) else {}
            out.append(d)
    return out


def _decision(trace: Any) -> dict[str, Any]:
    d = _jsonable(getattr(trace, "decision", None))
    if not isinstance(d, dict) or not d:
        step = next((s for s in _steps(trace) if s["stage"] == "decision"), None)
        d = step["outputs"] if step else {}
    return d


def _checks(trace: Any) -> list[PremiseCheck]:
    """The premise and causal checks recorded in the trace."""
    out = []
    for step in _steps(trace):
        if step["stage"] in ("premise_check", "causal_check"):
            for c in _dicts(step["outputs"].get("checks")):
                try:
                    out.append(PremiseCheck.from_dict(c))
                except (KeyError, TypeError, ValueError):
                    out.append(
                        PremiseCheck(
                            str(c.get("text", "")), str(c.get("status", "unknown")), _num(c.get("confidence")) or 0.0
                        )
                    )
    return out


def _passages(trace: Any) -> dict[str, str]:
    """Passage id -> text, from the retrieval hits."""
    out: dict[str, str] = {}
    for step in _steps(trace):
        for hit in _dicts(step["outputs"].get("hits")):
            p = hit.get("passage")
            if isinstance(p, dict) and p.get("id") is not None and isinstance(p.get("text"), str):
                out.setdefault(str(p["id"]), p["text"])
    return out


def _top_span(trace: Any) -> dict[str, Any] | None:
    step = next((s for s in _steps(trace) if s["stage"] == "reader"), None)
    spans = _dicts(step["outputs"].get("spans")) if step else []
    return max(spans, key=lambda s: _num(s.get("score")) or float("-inf")) if spans else None


def _locate(text: str, start: Any, end: Any, span: str | None = None) -> tuple[int, int] | None:
    """Valid character offsets of the span in ``text``, trusting offsets over a search."""
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        if not span or text[start:end] == span:
            return start, end
    if span and span in text:
        i = text.index(span)
        return i, i + len(span)
    return None


# ----------------------------------------------------------------------------- text


def _paint(text: str, status: str, color: bool) -> str:
    code = _ANSI.get(status)
    return f"\x1b[{code}m{text}\x1b[0m" if color and code else text


def _header_lines(
    question: str, answer: Any, verdict: Any, confidence: Any, alternative: Any, color: bool
) -> list[str]:
    lines = [f"Q: {question}"]
    if answer is not None or verdict:
        v = str(verdict or "?")
        painted = _paint(v, v, color)
        lines.append(f"A: {answer if answer is not None else '—'}   [{painted}, confidence {_fmt(confidence)}]")
    if alternative:
        lines.append(f"   evidence supports instead: {alternative}")
    return lines


def _evidence_line(ev: Any) -> str:
    ev = _jsonable(ev)
    if not isinstance(ev, dict):
        return _clip(str(ev))
    kind, stance = str(ev.get("kind") or "evidence"), ev.get("stance")
    triples = _triples(ev.get("triples"))
    text = str(ev.get("text") or "")
    if triples and kind in ("path", "triple", "graph"):
        body = "graph: " + _chain(triples)
    elif kind == "passage":
        where = _locate(text, ev.get("start"), ev.get("end"))
        if where:
            a, b = where
            text = f"{text[max(0, a - 60) : a]}«{text[a:b]}»{text[b : b + 60]}"
        pid = ev.get("passage_id")
        body = f"passage{' ' + str(pid) if pid else ''}: “{_clip(text, 140)}”"
        probs = ev.get("nli")
        if isinstance(probs, dict) and probs:
            body += "  (" + ", ".join(f"{k} {_fmt(v)}" for k, v in probs.items()) + ")"
    else:
        body = f"{kind}: {_clip(text or _chain(triples), 140)}"
    return body + (f"  [{stance}]" if stance and stance != "neutral" else "")


def premise_text(check: PremiseCheck | Mapping[str, Any], color: bool = False) -> str:
    """One premise with its status, confidence and evidence, as the CLI prints it.

    Example:
        >>> print(premise_text(PremiseCheck("Paris is in France.", "supported", 0.9)))
        ✓ supported     Paris is in France.   (0.90)
    """
    c = _jsonable(check) if not isinstance(check, Mapping) else dict(check)
    status = str(c.get("status") or "unknown")
    head = _paint(f"{_SYMBOL.get(status, '·')} {status:<12}", status, color)
    extra = [_fmt(c.get("confidence"))]
    if c.get("source") == "presupposed":
        extra.append("presupposed")
    lines = [f"{head}  {c.get('text', '')}   ({', '.join(extra)})"]
    lines += [f"    {_evidence_line(e)}" for e in (c.get("evidence") or [])]
    if c.get("correction"):
        lines.append(f"    correction: {c['correction']}")
    return "\n".join(lines)


def _gist(stage: str, out: dict[str, Any]) -> str:
    """One line on what a stage produced; shared by the text and the HTML summaries."""
    if stage == "question_analysis":
        parts = [f"type={out['type']}"] if out.get("type") else []
        if out.get("presuppositions"):
            parts.append(f"presuppositions={len(out['presuppositions'])}")
        ents = [str(e.get("label") or e.get("text") or "") for e in _dicts(out.get("entities"))]
        if ents:
            parts.append("entities=" + ", ".join(ents))
        return " ".join(parts)
    if stage == "retrieval":
        hits = _dicts(out.get("hits"))
        top = ", ".join(f"{(h.get('passage') or {}).get('id', '?')} {_fmt(h.get('score'))}" for h in hits[:3])
        return f"{len(hits)} hits" + (f": {top}" if top else "")
    if stage == "reader":
        spans = _dicts(out.get("spans"))
        if not spans:
            return "no span"
        s = max(spans, key=lambda s: _num(s.get("score")) or float("-inf"))
        na = f", no-answer {_fmt(s.get('no_answer_score'))}" if s.get("no_answer_score") is not None else ""
        return f"“{s.get('text', '')}” ({s.get('passage_id', '?')}, {_fmt(s.get('score'))}{na})"
    if stage == "nli":
        checks = _dicts(out.get("checks"))
        items = []
        for c in checks[:3]:
            probs = c.get("probs") if isinstance(c.get("probs"), dict) else {}
            label = c.get("label") or (max(probs, key=lambda k: _num(probs[k]) or 0.0) if probs else "?")
            items.append(f"{c.get('passage_id', '?')} {label} {_fmt(probs.get(label))}")
        return f"{len(checks)} checks" + (": " + ", ".join(items) if items else "")
    if stage == "entity_linking":
        ms = _dicts(out.get("mentions"))
        return ", ".join(f"{m.get('text', '?')}→{m.get('label') or _short(m.get('iri')) or '?'}" for m in ms) or (
            "no mentions"
        )
    if stage == "graph":
        facts, paths = out.get("facts") or [], out.get("paths") or []
        return f"{len(facts)} fact{'s' * (len(facts) != 1)}, {len(paths)} path{'s' * (len(paths) != 1)}"
    if stage in ("premise_check", "causal_check"):
        counts: dict[str, int] = {}
        for c in _dicts(out.get("checks")):
            counts[str(c.get("status", "unknown"))] = counts.get(str(c.get("status", "unknown")), 0) + 1
        return ", ".join(f"{n} {k}" for k, n in counts.items()) or "no checks"
    if stage == "decision":
        keys = ("verdict", "answer", "confidence", "rule")
        return " ".join(f"{k}={_fmt(out[k]) if k == 'confidence' else out[k]}" for k in keys if out.get(k) is not None)
    return " ".join(f"{k}={_compact(v)}" for k, v in out.items())


def _compact(value: Any) -> str:
    if isinstance(value, float):
        return _fmt(value, 3)
    if isinstance(value, (list, tuple)):
        return f"[{len(value)}]"
    if isinstance(value, dict):
        return "{" + ",".join(map(str, list(value)[:4])) + ("…}" if len(value) > 4 else "}")
    return _clip(str(value), 40)


def _stage_lines(trace: Any) -> list[str]:
    steps = _steps(trace)
    if not steps:
        return []
    width = max(18, *(len(str(s["stage"])) + 1 for s in steps))
    lines = ["Trace:"]
    for s in steps:
        gist = ""
        try:
            gist = _clip(_gist(str(s["stage"]), s["outputs"]))
        except Exception:  # a malformed output must not hide the rest of the trace
            logger.debug("cannot summarise stage %r", s["stage"], exc_info=True)
        lines.append(f"  {str(s['stage']):<{width}}{_fmt_ms(s.get('ms')):>8}  {gist}".rstrip())
    total = sum(_num(s.get("ms")) or 0.0 for s in steps)
    lines.append(f"  {'total':<{width}}{_fmt_ms(total):>8}")
    return lines


def trace_text(trace: Any, color: bool = False) -> str:
    """The trace as readable, aligned text: question, decision, premises, one line per stage.

    Example:
        >>> from kgqa.trace import Trace
        >>> print(trace_text(Trace("Who wrote Hamlet?")))
        Q: Who wrote Hamlet?
    """
    d = _decision(trace)
    lines = _header_lines(
        str(getattr(trace, "question", "")),
        d.get("answer"),
        d.get("verdict"),
        d.get("confidence"),
        d.get("alternative"),
        color,
    )
    checks = _checks(trace)
    if checks:
        lines.append("Premises:")
        lines += ["  " + line for c in checks for line in premise_text(c, color).splitlines()]
    elif getattr(trace, "premises", None):
        lines.append("Premises: " + "; ".join(map(str, trace.premises)))
    return "\n".join(lines + _stage_lines(trace))


def answer_text(answer: Answer, color: bool = False, trace: bool = True) -> str:
    """What ``kgqa ask`` prints: answer, verdict, confidence, premises with evidence, then the trace.

    Example:
        >>> print(answer_text(Answer("Who wrote Hamlet?", None, "no_answer", 0.2)))
        Q: Who wrote Hamlet?
        A: —   [no_answer, confidence 0.20]
    """
    lines = _header_lines(answer.question, answer.answer, answer.verdict, answer.confidence, answer.alternative, color)
    if answer.evidence:
        lines.append("Evidence:")
        lines += [f"  {_evidence_line(e)}" for e in answer.evidence]
    if answer.premises:
        lines.append("Premises:")
        lines += ["  " + line for c in answer.premises for line in premise_text(c, color).splitlines()]
    if trace and answer.trace is not None:
        lines += _stage_lines(answer.trace)
    return "\n".join(lines)


# ----------------------------------------------------------------------------- SVG subgraph


def _text_w(label: str, px: float = 12.0) -> float:
    return sum(px if ord(ch) > 0x2E80 else px * 0.6 for ch in label)


def _layers(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layering after dropping the edges that close a cycle."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for u, v in edges:
        succ[u].append(v)
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    indegree = {n: sum(v == n for _, v in edges) for n in nodes}
    for root in sorted(nodes, key=lambda n: indegree[n] > 0):  # sources first, so cycles break late
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
    layer = dict.fromkeys(nodes, 0)
    forward = [(u, v) for u, v in edges if (u, v) not in back and u != v]
    for _ in range(len(nodes)):
        changed = False
        for u, v in forward:
            if layer[v] < layer[u] + 1:
                layer[v], changed = layer[u] + 1, True
        if not changed:
            break
    return layer


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
    facts = list(dict.fromkeys(t for t in (_triple(x) for x in triples) if t is not None))
    hl = {_key(t) for t in (_triple(x) for x in (highlight or ())) if t is not None}
    # past the cap, keep the highlighted facts first, but draw in the given order
    ranked = sorted(facts, key=lambda t: _key(t) not in hl)  # stable: highlighted first
    kept = {_key(t) for t in ranked[:_MAX_FACTS]}
    hidden = len(facts) - len(kept)
    facts = [t for t in facts if _key(t) in kept]
    if not facts:
        return ""
    labels: dict[str, str] = {}
    for t in facts:
        labels.setdefault(t.subject, t.subject_label or _short(t.subject))
        labels.setdefault(t.object, t.object_label or _short(t.object))
    nodes = list(labels)
    hl_nodes = {n for t in facts if _key(t) in hl for n in (t.subject, t.object)}
    # one edge per (subject, object) pair; its label joins the predicates
    grouped: dict[tuple[str, str], list[Triple]] = {}
    for t in facts:
        grouped.setdefault((t.subject, t.object), []).append(t)
    layer = _layers(nodes, list(grouped))

    def short_label(s: str, n: int = 28) -> str:
        return s if len(s) <= n else s[: n - 1] + "…"

    node_w = {n: _text_w(short_label(labels[n])) + 20 for n in nodes}
    n_layers = max(layer.values()) + 1
    columns: list[list[str]] = [[] for _ in range(n_layers)]
    for n in nodes:
        columns[layer[n]].append(n)
    pos_in: dict[str, float] = {n: i for i, n in enumerate(columns[0])}
    for col in columns[1:]:  # order by the mean position of predecessors to cut crossings

        def bary(n: str) -> float:
            ps = [pos_in[u] for (u, v) in grouped if v == n and u in pos_in]
            return sum(ps) / len(ps) if ps else float(nodes.index(n))

        col.sort(key=bary)
        pos_in.update({n: i for i, n in enumerate(col)})
    row_h, node_h, margin = 46.0, 26.0, 14.0
    rows = max(len(c) for c in columns)
    xs: dict[str, float] = {}
    ys: dict[str, float] = {}
    x = margin
    for li, col in enumerate(columns):
        col_w = max(node_w[n] for n in col)
        for i, n in enumerate(col):
            xs[n] = x + col_w / 2
            ys[n] = margin + 16 + (rows - len(col)) * row_h / 2 + i * row_h + row_h / 2
        gaps = [
            _text_w(_edge_label(ts), 11) + (44 if u == v else 30) for (u, v), ts in grouped.items() if layer[u] == li
        ]
        x += col_w + max([70.0, *gaps])

    def clip(n: str, tx: float, ty: float) -> tuple[float, float]:
        dx, dy = tx - xs[n], ty - ys[n]
        if dx == 0 and dy == 0:
            return xs[n], ys[n]
        hw, hh = node_w[n] / 2 + 1, node_h / 2 + 1
        k = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
        return xs[n] + dx * k, ys[n] + dy * k

    top_y, bottom_y = min(ys.values()), max(ys.values())
    routes: dict[str, int] = {}
    uid = hashlib.sha1(repr(sorted(map(_key, facts))).encode()).hexdigest()[:8]
    parts: list[str] = []
    pts: list[tuple[float, float]] = [(xs[n] + s * node_w[n] / 2, ys[n] + s * node_h) for n in nodes for s in (-1, 1)]
    for (u, v), ts in grouped.items():
        on = any(_key(t) in hl for t in ts)
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
                apex = top_y - node_h / 2 - 16 - 16 * k if above else bottom_y + node_h / 2 + 16 + 16 * k
                cx, cy = (xs[u] + xs[v]) / 2, 2 * apex - (ys[u] + ys[v]) / 2
            sx, sy = clip(u, cx, cy)
            ex, ey = clip(v, cx, cy)
            if apex is not None:
                cy = 2 * apex - (sy + ey) / 2
            d = f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}"
            lx, ly = 0.25 * sx + 0.5 * cx + 0.25 * ex, 0.25 * sy + 0.5 * cy + 0.25 * ey
            ly += 13 if apex is not None and apex > bottom_y else -5
            pts.append((lx, 0.25 * sy + 0.5 * cy + 0.25 * ey))
        pts += [(lx - _text_w(label, 11) / 2, ly - 12), (lx + _text_w(label, 11) / 2, ly + 2)]
        parts.append(
            f'<g class="{cls}"><title>{_esc(title)}</title><path d="{d}" fill="none"{dash} '
            f'marker-end="{marker}"/><text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" '
            f'class="kgqa-elabel">{_esc(label)}</text></g>'
        )
    for n in nodes:
        cls = "kgqa-node kgqa-hl" if n in hl_nodes else "kgqa-node"
        w = node_w[n]
        parts.append(
            f'<g class="{cls}"><title>{_esc(labels[n])} ({_esc(n)})</title>'
            f'<rect x="{xs[n] - w / 2:.1f}" y="{ys[n] - node_h / 2:.1f}" width="{w:.1f}" '
            f'height="{node_h:.0f}" rx="6"/><text x="{xs[n]:.1f}" y="{ys[n] + 4:.1f}" '
            f'text-anchor="middle">{_esc(short_label(labels[n]))}</text></g>'
        )
    x0 = min(p[0] for p in pts) - margin
    y0 = min(p[1] for p in pts) - margin
    w = max(p[0] for p in pts) + margin - x0
    h = max(p[1] for p in pts) + margin - y0 + (16 if hidden else 0)
    if hidden:
        parts.append(
            f'<text x="{x0 + margin:.1f}" y="{y0 + h - 6:.1f}" class="kgqa-elabel">{hidden} more facts not drawn</text>'
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


def _edge_label(ts: Sequence[Triple]) -> str:
    return ", ".join(dict.fromkeys(t.predicate_label or _short(t.predicate) for t in ts))


# ----------------------------------------------------------------------------- HTML

_CSS = """
.kgqa-trace{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:13px;line-height:1.45;
 color:inherit;max-width:960px;border:1px solid rgba(127,127,127,.35);border-radius:8px;padding:10px 12px}
.kgqa-trace *{box-sizing:border-box}
.kgqa-trace .kgqa-summary{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:baseline;margin-bottom:6px}
.kgqa-trace .kgqa-q{font-weight:600;width:100%}
.kgqa-trace .kgqa-a{font-size:16px;font-weight:700}
.kgqa-trace .kgqa-muted{opacity:.7}
.kgqa-trace h4{margin:10px 0 4px;font-size:13px}
.kgqa-trace .kgqa-badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:11px;font-weight:600;
 color:#fff;background:#6e7781;white-space:nowrap}
.kgqa-trace .kgqa-supported,.kgqa-trace .kgqa-answered{background:#1a7f37}
.kgqa-trace .kgqa-contradicted,.kgqa-trace .kgqa-premise_rejected{background:#cf222e}
.kgqa-trace .kgqa-unverified{background:#9a6700}
.kgqa-trace .kgqa-premise{border-left:3px solid rgba(127,127,127,.5);padding:2px 8px;margin:6px 0}
.kgqa-trace .kgqa-premise.kgqa-st-supported{border-left-color:#1a7f37}
.kgqa-trace .kgqa-premise.kgqa-st-contradicted{border-left-color:#cf222e}
.kgqa-trace ul.kgqa-ev{margin:2px 0 2px 0;padding-left:18px}
.kgqa-trace .kgqa-kind{font-size:11px;opacity:.75;margin-right:4px}
.kgqa-trace mark{background:rgba(255,200,0,.45);color:inherit;padding:0 1px;border-radius:2px}
.kgqa-trace blockquote{margin:2px 0;padding:2px 8px;border-left:2px solid rgba(127,127,127,.4)}
.kgqa-trace details{border-top:1px solid rgba(127,127,127,.25);padding:3px 0}
.kgqa-trace summary{cursor:pointer;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.kgqa-trace summary .kgqa-ms{display:inline-block;min-width:70px;text-align:right;opacity:.75;margin-right:8px}
.kgqa-trace summary .kgqa-stage{display:inline-block;min-width:140px;font-weight:600}
.kgqa-trace .kgqa-body{padding:4px 0 6px 18px}
.kgqa-trace table{border-collapse:collapse;font-size:12px;margin:2px 0}
.kgqa-trace td,.kgqa-trace th{border:1px solid rgba(127,127,127,.3);padding:1px 6px;text-align:left;
 vertical-align:top;color:inherit;background:transparent}
.kgqa-trace code{font-size:11px;word-break:break-all}
.kgqa-trace .kgqa-bars{display:grid;grid-template-columns:92px 1fr 40px;gap:1px 6px;max-width:420px;
 font-size:11px;align-items:center}
.kgqa-trace .kgqa-bar{height:9px;border-radius:2px;background:rgba(127,127,127,.2)}
.kgqa-trace .kgqa-bar span{display:block;height:100%;border-radius:2px}
.kgqa-trace .kgqa-entailment{background:#2da44e}
.kgqa-trace .kgqa-neutral{background:#8c959f}
.kgqa-trace .kgqa-contradiction{background:#cf222e}
.kgqa-trace svg.kgqa-graph{max-width:100%;height:auto;font-size:12px;font-family:inherit}
.kgqa-trace svg text{fill:currentColor}
.kgqa-trace .kgqa-node rect{fill:rgba(127,127,127,.14);stroke:currentColor;stroke-opacity:.55}
.kgqa-trace .kgqa-node.kgqa-hl rect{stroke:#e8710a;stroke-width:2;stroke-opacity:1;fill:rgba(232,113,10,.14)}
.kgqa-trace .kgqa-edge path{stroke:currentColor;stroke-opacity:.55;stroke-width:1.2}
.kgqa-trace .kgqa-edge.kgqa-hl path{stroke:#e8710a;stroke-opacity:1;stroke-width:2.2}
.kgqa-trace .kgqa-edge.kgqa-hl .kgqa-elabel{fill:#e8710a;font-weight:600}
.kgqa-trace .kgqa-elabel{font-size:11px}
.kgqa-trace path.kgqa-arrow{fill:currentColor;fill-opacity:.7;stroke:none}
.kgqa-trace path.kgqa-arrow-hl{fill:#e8710a;stroke:none}
"""


def _badge(status: Any) -> str:
    s = str(status or "unknown")
    return f'<span class="kgqa-badge kgqa-{_esc(re.sub(r"[^a-z_]", "", s.lower()))}">{_esc(s)}</span>'


def _marked(text: str, start: Any, end: Any, span: str | None = None, window: int = 300) -> str:
    """The passage with the span in ``<mark>``; before, span and after are escaped separately."""
    where = _locate(text, start, end, span)
    if where is None:
        return _esc(_clip(text, 2 * window))
    a, b = where
    lo, hi = max(0, a - window), min(len(text), b + window)
    pre = ("…" if lo else "") + text[lo:a]
    post = text[b:hi] + ("…" if hi < len(text) else "")
    return f"{_esc(pre)}<mark>{_esc(text[a:b])}</mark>{_esc(post)}"


def _bars(probs: Mapping[str, Any]) -> str:
    rows = []
    for k, v in probs.items():
        p = min(1.0, max(0.0, _num(v) or 0.0))
        cls = _esc(re.sub(r"[^a-z_]", "", str(k).lower()))
        rows.append(
            f'<span>{_esc(k)}</span><div class="kgqa-bar"><span class="kgqa-{cls}" '
            f'style="width:{p * 100:.1f}%"></span></div><span>{p:.2f}</span>'
        )
    return f'<div class="kgqa-bars">{"".join(rows)}</div>' if rows else ""


def _evidence_html(ev: Any, passages: Mapping[str, str]) -> str:
    ev = _jsonable(ev)
    if not isinstance(ev, dict):
        return f"<li>{_esc(ev)}</li>"
    kind, stance = str(ev.get("kind") or "evidence"), ev.get("stance")
    head = f'<span class="kgqa-kind">{_esc(kind)}{" · " + _esc(stance) if stance else ""}'
    head += f" · {_fmt(ev['score'])}" if _num(ev.get("score")) else ""
    head += "</span>"
    triples = _triples(ev.get("triples"))
    text = str(ev.get("text") or "")
    if kind == "passage":
        pid = ev.get("passage_id")
        full = passages.get(str(pid)) if pid is not None else None
        if full and _locate(text, ev.get("start"), ev.get("end")) is None:
            text = full  # offsets index the full passage, not the snippet
        src = f'<span class="kgqa-kind">{_esc(pid)}</span>' if pid else ""
        body = f"{src}<blockquote>{_marked(text, ev.get('start'), ev.get('end'))}</blockquote>"
        if isinstance(ev.get("nli"), dict):
            body += _bars(ev["nli"])
    elif triples:
        body = _esc(_chain(triples))
    else:
        body = _esc(text)
    return f"<li>{head}{body}</li>"


def premise_html(check: PremiseCheck | Mapping[str, Any], passages: Mapping[str, str] | None = None) -> str:
    """One premise: its status badge, text, confidence, correction and evidence.

    Example:
        >>> "kgqa-supported" in premise_html(PremiseCheck("Paris is in France.", "supported", 0.9))
        True
    """
    c = _jsonable(check) if not isinstance(check, Mapping) else dict(check)
    status = str(c.get("status") or "unknown")
    meta = [f"confidence {_fmt(c.get('confidence'))}"]
    if c.get("source"):
        meta.append(str(c["source"]))
    if c.get("rule"):
        meta.append(f"rule {c['rule']}")
    out = (
        f'<div class="kgqa-premise kgqa-st-{_esc(re.sub(r"[^a-z_]", "", status.lower()))}">{_badge(status)} '
        f'{_esc(c.get("text", ""))} <span class="kgqa-muted">({_esc(", ".join(meta))})</span>'
    )
    if c.get("correction"):
        out += f"<div>Correction: {_esc(c['correction'])}</div>"
    evs = c.get("evidence") or []
    if evs:
        out += '<ul class="kgqa-ev">' + "".join(_evidence_html(e, passages or {}) for e in evs) + "</ul>"
    return out + "</div>"


def _kv(d: Mapping[str, Any]) -> str:
    """A compact key/value table for data no renderer knows."""
    if not d:
        return '<span class="kgqa-muted">(empty)</span>'
    rows = []
    for k, v in d.items():
        if isinstance(v, (dict, list, tuple)):
            s = json.dumps(_jsonable(v), ensure_ascii=False, default=str)
            cell = f"<code>{_esc(_clip(s, 400))}</code>"
        else:
            cell = _esc(_fmt(v, 3) if isinstance(v, float) else v)
        rows.append(f"<tr><th>{_esc(k)}</th><td>{cell}</td></tr>")
    return f'<table class="kgqa-kv">{"".join(rows)}</table>'


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _mentions(ms: list[dict[str, Any]]) -> str:
    return _table(
        ("mention", "entity", "IRI", "score", "method"),
        (
            (
                _esc(m.get("text")),
                _esc(m.get("label")),
                f"<code>{_esc(m.get('iri'))}</code>",
                _fmt(m.get("score")),
                _esc(m.get("method")),
            )
            for m in ms
        ),
    )


def _body_question_analysis(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    html_ = _kv({k: v for k, v in out.items() if k not in ("presuppositions", "entities")})
    if out.get("presuppositions"):
        html_ += "<h4>Presuppositions</h4><ul>" + "".join(f"<li>{_esc(p)}</li>" for p in out["presuppositions"])
        html_ += "</ul>"
    if _dicts(out.get("entities")):
        html_ += "<h4>Entities</h4>" + _mentions(_dicts(out["entities"]))
    return html_


def _body_retrieval(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    top = ctx.get("top_span") or {}
    items = []
    for h in _dicts(out.get("hits")):
        p = h.get("passage") if isinstance(h.get("passage"), dict) else {}
        text = str(p.get("text") or "")
        if top and str(top.get("passage_id")) == str(p.get("id")):
            body = _marked(text, top.get("start"), top.get("end"), top.get("text"))
        else:
            body = _esc(_clip(text, 600))
        items.append(
            f'<li><b>{_esc(p.get("title") or p.get("id"))}</b> <span class="kgqa-kind">{_esc(p.get("id"))}'
            f" · score {_fmt(h.get('score'), 3)}</span><blockquote>{body}</blockquote></li>"
        )
    return "<ol>" + "".join(items) + "</ol>" if items else _kv(out)


def _body_reader(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    rows = []
    for s in _dicts(out.get("spans")):
        full = ctx["passages"].get(str(s.get("passage_id")))
        text = (
            _marked(full, s.get("start"), s.get("end"), s.get("text"))
            if full
            else (f"<mark>{_esc(s.get('text'))}</mark>")
        )
        rows.append((_esc(s.get("passage_id")), text, _fmt(s.get("score")), _fmt(s.get("no_answer_score"))))
    return _table(("passage", "span", "score", "no-answer"), rows) if rows else _kv(out)


def _body_nli(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    items = []
    for c in _dicts(out.get("checks")):
        probs = c.get("probs") if isinstance(c.get("probs"), dict) else {}
        items.append(
            f'<li><span class="kgqa-kind">{_esc(c.get("passage_id"))} · {_esc(c.get("label"))}</span>'
            f"hypothesis: {_esc(c.get('hypothesis'))}<blockquote>{_esc(_clip(c.get('premise') or '', 400))}"
            f"</blockquote>{_bars(probs)}</li>"
        )
    return '<ul class="kgqa-ev">' + "".join(items) + "</ul>" if items else _kv(out)


def _body_entity_linking(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    return _mentions(_dicts(out.get("mentions"))) if _dicts(out.get("mentions")) else _kv(out)


def _body_graph(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    facts = _triples(out.get("facts"))
    paths = [p for p in (_triples(p) for p in (out.get("paths") or [])) if p]
    html_ = ""
    if facts:
        items = []
        for t in facts:
            note = " <i>(inferred)</i>" if t.inferred else ""
            if t.source:
                note += f' <span class="kgqa-kind">{_esc(t.source)}</span>'
            items.append(f"<li>{_esc(_chain([t]))}{note}</li>")
        html_ += "<h4>Facts</h4><ul>" + "".join(items) + "</ul>"
    if paths:
        html_ += "<h4>Paths</h4><ul>" + "".join(f"<li>{_esc(_chain(p))}</li>" for p in paths) + "</ul>"
    return html_ or _kv(out)


def _body_checks(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    rows = [
        (_badge(c.get("status")), _esc(c.get("text")), _fmt(c.get("confidence")), _esc(c.get("rule")))
        for c in _dicts(out.get("checks"))
    ]
    return _table(("status", "claim", "confidence", "rule"), rows) if rows else _kv(out)


_BODIES: dict[str, Callable[[dict[str, Any], dict[str, Any]], str]] = {
    "question_analysis": _body_question_analysis,
    "retrieval": _body_retrieval,
    "reader": _body_reader,
    "nli": _body_nli,
    "entity_linking": _body_entity_linking,
    "graph": _body_graph,
    "premise_check": _body_checks,
    "causal_check": _body_checks,
}


def _stages_html(trace: Any) -> str:
    steps = _steps(trace)
    ctx = {"passages": _passages(trace), "top_span": _top_span(trace)}
    out = []
    for s in steps:
        stage, outputs = str(s["stage"]), s["outputs"]
        try:
            gist = _clip(_gist(stage, outputs), 90)
            body = _BODIES.get(stage, lambda o, c: _kv(o))(outputs, ctx)
        except Exception:  # malformed outputs of one stage fall back to the raw table
            logger.debug("cannot render stage %r", stage, exc_info=True)
            gist, body = "", _kv(outputs)
        if s["inputs"]:
            body = f'<div class="kgqa-muted">inputs</div>{_kv(s["inputs"])}<div class="kgqa-muted">outputs</div>{body}'
        out.append(
            f'<details><summary><span class="kgqa-stage">{_esc(stage)}</span><span class="kgqa-ms">'
            f'{_esc(_fmt_ms(s.get("ms")))}</span><span class="kgqa-muted">{_esc(gist)}</span></summary>'
            f'<div class="kgqa-body">{body}</div></details>'
        )
    if out:
        total = sum(_num(s.get("ms")) or 0.0 for s in steps)
        out.insert(0, f'<h4>Trace <span class="kgqa-muted">({len(steps)} stages, {_esc(_fmt_ms(total))})</span></h4>')
    return "".join(out)


def _summary_html(question: str, answer: Any, verdict: Any, confidence: Any, alternative: Any = None) -> str:
    out = f'<div class="kgqa-summary"><div class="kgqa-q">Q: {_esc(question)}</div>'
    out += f'<span class="kgqa-a">{_esc(answer) if answer is not None else "—"}</span>'
    if verdict:
        out += _badge(verdict)
    out += f'<span class="kgqa-muted">confidence {_fmt(confidence)}</span>'
    if alternative:
        out += f"<span>evidence supports instead: <b>{_esc(alternative)}</b></span>"
    return out + "</div>"


def _graph_section(facts: list[Triple], checks: Sequence[Any], extra: Iterable[Any] = ()) -> str:
    hl = [
        t
        for c in checks
        for e in (_jsonable(c).get("evidence") or [])
        if isinstance(e, dict)
        for t in _triples(e.get("triples"))
    ]
    hl += [t for e in extra if isinstance(e, dict) for t in _triples(e.get("triples"))]
    svg = subgraph_svg([*facts, *hl], highlight=hl)
    return f"<h4>Graph facts</h4>{svg}" if svg else ""


def _page(parts: Iterable[str]) -> str:
    return f'<div class="kgqa-trace"><style>{_CSS}</style>{"".join(p for p in parts if p)}</div>'


def _graph_facts(trace: Any) -> list[Triple]:
    facts: list[Triple] = []
    for s in _steps(trace):
        if s["stage"] == "graph":
            facts += _triples(s["outputs"].get("facts"))
            for p in s["outputs"].get("paths") or []:
                facts += _triples(p)
    return facts


def trace_html(trace: Any) -> str:
    """The trace as self-contained HTML: summary, premises, subgraph, then each stage folded.

    Example:
        >>> from kgqa.trace import Trace
        >>> trace_html(Trace("Who wrote Hamlet?")).startswith('<div class="kgqa-trace">')
        True
    """
    d = _decision(trace)
    passages = _passages(trace)
    top = _top_span(trace)
    parts = [
        _summary_html(
            str(getattr(trace, "question", "")),
            d.get("answer"),
            d.get("verdict"),
            d.get("confidence"),
            d.get("alternative"),
        )
    ]
    if top and passages.get(str(top.get("passage_id"))):
        marked = _marked(passages[str(top["passage_id"])], top.get("start"), top.get("end"), top.get("text"))
        parts.append(
            f'<h4>Answer span <span class="kgqa-muted">({_esc(top.get("passage_id"))})</span></h4>'
            f"<blockquote>{marked}</blockquote>"
        )
    checks = _checks(trace)
    if checks:
        parts.append("<h4>Premises</h4>" + "".join(premise_html(c, passages) for c in checks))
    elif getattr(trace, "premises", None):
        parts.append("<h4>Premises</h4><ul>" + "".join(f"<li>{_esc(p)}</li>" for p in trace.premises) + "</ul>")
    parts.append(_graph_section(_graph_facts(trace), checks))
    parts.append(_stages_html(trace))
    return _page(parts)


def answer_html(answer: Answer) -> str:
    """The answer as self-contained HTML: summary, evidence, premises, subgraph and the folded trace.

    Example:
        >>> "kgqa-answered" in answer_html(Answer("Is Paris in France?", "yes", "answered", 0.9))
        True
    """
    passages = _passages(answer.trace) if answer.trace is not None else {}
    parts = [_summary_html(answer.question, answer.answer, answer.verdict, answer.confidence, answer.alternative)]
    if answer.evidence:
        parts.append(
            '<h4>Evidence</h4><ul class="kgqa-ev">'
            + "".join(_evidence_html(e, passages) for e in answer.evidence)
            + "</ul>"
        )
    if answer.premises:
        parts.append("<h4>Premises</h4>" + "".join(premise_html(c, passages) for c in answer.premises))
    facts = list(answer.graph_facts) or (_graph_facts(answer.trace) if answer.trace is not None else [])
    parts.append(_graph_section(facts, answer.premises, [_jsonable(e) for e in answer.evidence]))
    if answer.trace is not None:
        parts.append(_stages_html(answer.trace))
    return _page(parts)


def premise_page_html(check: PremiseCheck) -> str:
    """A premise check as a self-contained HTML block (what Jupyter shows for ``pipe.check(...)``)."""
    facts = [t for e in check.evidence for t in e.triples]
    return _page([premise_html(check), _graph_section(facts, [check]) if facts else ""])
