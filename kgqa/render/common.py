"""Helpers shared by the text, HTML and SVG renderers: number formatting, triples and trace look-ups.

Every renderer reads step outputs in their JSON form (:func:`kgqa.trace.jsonable`), so dataclasses and
plain dicts both work; the look-ups here skip missing keys and malformed items instead of raising.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from kgqa.trace import jsonable
from kgqa.types import PremiseCheck, Triple

__all__ = [
    "MAX_GIST",
    "answer_span",
    "as_triple",
    "as_triples",
    "chain",
    "clip",
    "decision",
    "dicts",
    "esc",
    "fmt",
    "fmt_ms",
    "gist",
    "graph_facts",
    "locate",
    "num",
    "passages",
    "short",
    "steps",
    "trace_checks",
    "triple_key",
]

#: the longest one-line summary of a stage
MAX_GIST = 110


def esc(value: Any) -> str:
    """``value`` as escaped HTML text (``None`` is the empty string)."""
    return html.escape("" if value is None else str(value))


def num(value: Any) -> float | None:
    """``value`` as a finite float, or ``None``."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def fmt(value: Any, digits: int = 2) -> str:
    """A number with ``digits`` decimals, or ``—`` when it is not one."""
    x = num(value)
    return "—" if x is None else f"{x:.{digits}f}"


def fmt_ms(value: Any) -> str:
    """A duration in milliseconds as ``12.3 ms`` or ``1.23 s``."""
    x = num(value) or 0.0
    return f"{x / 1000:.2f} s" if x >= 1000 else f"{x:.1f} ms"


def clip(text: Any, n: int = MAX_GIST) -> str:
    """``text`` on one line, cut to ``n`` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dict items of a list (anything else is dropped), so renderers can use ``.get``."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, (list, tuple)) else []


def short(iri: Any) -> str:
    """The local name of an IRI (``http://x/ns#Paris`` -> ``Paris``)."""
    s = "" if iri is None else str(iri)
    tail = re.split(r"[#/:]", s.rstrip("#/"))[-1]
    return tail or s


def as_triple(value: Any) -> Triple | None:
    """A :class:`Triple` from a Triple, a (partial) dict or an ``(s, p, o)`` sequence; else ``None``."""
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


def as_triples(values: Any) -> list[Triple]:
    """The items of a list that :func:`as_triple` understands."""
    if not isinstance(values, (list, tuple)):
        return []
    return [t for t in (as_triple(v) for v in values) if t is not None]


def triple_key(t: Triple) -> tuple[str, str, str]:
    """``(subject, predicate, object)``: a fact's identity, whatever its labels."""
    return (t.subject, t.predicate, t.object)


def _label(iri: str, label: str) -> str:
    return label or short(iri)


def chain(triples: Sequence[Triple]) -> str:
    """``A —p→ B —q→ C`` for a connected path, else the facts joined by ``; ``."""
    if not triples:
        return ""
    parts = [_label(triples[0].subject, triples[0].subject_label)]
    for prev, t in zip([None, *triples[:-1]], triples, strict=True):
        if prev is not None and prev.object != t.subject:
            return "; ".join(
                f"{_label(x.subject, x.subject_label)} —{_label(x.predicate, x.predicate_label)}→ "
                f"{_label(x.object, x.object_label)}"
                for x in triples
            )
        parts.append(f"—{_label(t.predicate, t.predicate_label)}→ {_label(t.object, t.object_label)}")
    return " ".join(parts)


def locate(text: str, start: Any, end: Any, span: str | None = None) -> tuple[int, int] | None:
    """Valid character offsets of the span in ``text``, trusting offsets over a search."""
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        if not span or text[start:end] == span:
            return start, end
    if span and span in text:
        i = text.index(span)
        return i, i + len(span)
    return None


# ----------------------------------------------------------------------------- trace look-ups


def steps(trace: Any) -> list[dict[str, Any]]:
    """The trace's steps as JSON dicts (``stage``, ``inputs``, ``outputs``, ``ms``)."""
    out = []
    for step in getattr(trace, "steps", None) or []:
        d = jsonable(step)
        if isinstance(d, dict):
            d.setdefault("stage", "?")
            d["inputs"] = d.get("inputs") if isinstance(d.get("inputs"), dict) else {}
            d["outputs"] = d.get("outputs") if isinstance(d.get("outputs"), dict) else {}
            out.append(d)
    return out


def decision(trace: Any) -> dict[str, Any]:
    """The trace's decision (verdict, answer, confidence, ...), from ``trace.decision`` or its step."""
    d = jsonable(getattr(trace, "decision", None))
    if not isinstance(d, dict) or not d:
        step = next((s for s in steps(trace) if s["stage"] == "decision"), None)
        d = step["outputs"] if step else {}
    return d


def trace_checks(trace: Any) -> list[PremiseCheck]:
    """The premise and causal checks recorded in the trace, each claim once.

    The ``causal_check`` stage lists again the checks of ``premise_check`` that are causal or
    temporal, so a check is identified by its text and source and kept at its first occurrence.
    """
    out: list[PremiseCheck] = []
    seen: set[tuple[str, str]] = set()
    for step in steps(trace):
        if step["stage"] not in ("premise_check", "causal_check"):
            continue
        for c in dicts(step["outputs"].get("checks")):
            key = (" ".join(str(c.get("text", "")).split()), str(c.get("source") or ""))
            if key in seen:
                continue
            seen.add(key)
            try:
                out.append(PremiseCheck.from_dict(c))
            except (KeyError, TypeError, ValueError):
                out.append(
                    PremiseCheck(
                        str(c.get("text", "")), str(c.get("status", "unknown")), num(c.get("confidence")) or 0.0
                    )
                )
    return out


def passages(trace: Any) -> dict[str, str]:
    """Passage id -> text, from the retrieval hits."""
    out: dict[str, str] = {}
    for step in steps(trace):
        for hit in dicts(step["outputs"].get("hits")):
            p = hit.get("passage")
            if isinstance(p, dict) and p.get("id") is not None and isinstance(p.get("text"), str):
                out.setdefault(str(p["id"]), p["text"])
    return out


def _same_text(a: Any, b: Any) -> bool:
    return " ".join(str(a).split()).casefold() == " ".join(str(b).split()).casefold()


def answer_span(trace: Any) -> dict[str, Any] | None:
    """The reader span the answer came from, or ``None`` when the trace has no answer.

    In order: the span the graph selected, a reader span whose text is the answer, the
    best-scoring reader span. A question without an answer (premise rejected, no answer)
    has no answer span, whatever the reader proposed.
    """
    if decision(trace).get("answer") is None:
        return None
    answer = decision(trace)["answer"]
    spans: list[dict[str, Any]] = []
    for s in steps(trace):
        if s["stage"] == "graph" and isinstance(s["outputs"].get("span_selected_by_graph"), dict):
            return s["outputs"]["span_selected_by_graph"]
        if s["stage"] == "reader":
            spans += dicts(s["outputs"].get("spans"))
    if not spans:
        return None
    matching = next((s for s in spans if _same_text(s.get("text", ""), answer)), None)
    return matching or max(spans, key=lambda s: num(s.get("score")) or float("-inf"))


def graph_facts(trace: Any) -> list[Triple]:
    """The facts and path triples of the trace's ``graph`` stage."""
    facts: list[Triple] = []
    for s in steps(trace):
        if s["stage"] == "graph":
            facts += as_triples(s["outputs"].get("facts"))
            for p in s["outputs"].get("paths") or []:
                facts += as_triples(p)
    return facts


# ----------------------------------------------------------------------------- stage summaries


def _compact(value: Any) -> str:
    if isinstance(value, float):
        return fmt(value, 3)
    if isinstance(value, (list, tuple)):
        return f"[{len(value)}]"
    if isinstance(value, dict):
        return "{" + ",".join(map(str, list(value)[:4])) + ("…}" if len(value) > 4 else "}")
    return clip(str(value), 40)


def _best(spans: list[dict[str, Any]]) -> dict[str, Any]:
    return max(spans, key=lambda s: num(s.get("score")) or float("-inf"))


def gist(stage: str, out: dict[str, Any]) -> str:
    """One line on what a stage produced; shared by the text and the HTML summaries."""
    if stage == "question_analysis":
        parts = [f"type={out['type']}"] if out.get("type") else []
        if out.get("presuppositions"):
            parts.append(f"presuppositions={len(out['presuppositions'])}")
        ents = [str(e.get("label") or e.get("text") or "") for e in dicts(out.get("entities"))]
        if ents:
            parts.append("entities=" + ", ".join(ents))
        return " ".join(parts)
    if stage == "retrieval":
        hits = dicts(out.get("hits"))
        top = ", ".join(f"{(h.get('passage') or {}).get('id', '?')} {fmt(h.get('score'))}" for h in hits[:3])
        return f"{len(hits)} hits" + (f": {top}" if top else "")
    if stage == "reader":
        spans = dicts(out.get("spans"))
        if not spans:
            return "no span"
        s = _best(spans)
        na = f", no-answer {fmt(s.get('no_answer_score'))}" if s.get("no_answer_score") is not None else ""
        return f"“{s.get('text', '')}” ({s.get('passage_id', '?')}, {fmt(s.get('score'))}{na})"
    if stage == "nli":
        checks = dicts(out.get("checks"))
        items = []
        for c in checks[:3]:
            probs = c.get("probs") if isinstance(c.get("probs"), dict) else {}
            label = c.get("label") or (max(probs, key=lambda k: num(probs[k]) or 0.0) if probs else "?")
            items.append(f"{c.get('passage_id', '?')} {label} {fmt(probs.get(label))}")
        return f"{len(checks)} checks" + (": " + ", ".join(items) if items else "")
    if stage == "entity_linking":
        ms = dicts(out.get("mentions"))
        return ", ".join(
            f"{m.get('text', '?')}→{m.get('label') or short(m.get('iri')) or '?'}"
            + (f" (of {len(m['candidates'])} candidates)" if len(m.get("candidates") or ()) > 1 else "")
            for m in ms
        ) or ("no mentions")
    if stage == "graph":
        facts = out.get("facts") or []
        line = f"{len(facts)} fact{'s' * (len(facts) != 1)}"
        for key, word in (("relation_path", "path"), ("path_not_taken", "path not taken")):
            rec = out.get(key)
            best = rec.get("chosen") if isinstance(rec, dict) else None
            if isinstance(best, dict):
                line += f", {word} '{best.get('text', '?')}' {fmt(best.get('score'), 3)} (threshold {fmt(rec.get('threshold'), 3)})"
        return line
    if stage in ("premise_check", "causal_check"):
        counts: dict[str, int] = {}
        for c in dicts(out.get("checks")):
            counts[str(c.get("status", "unknown"))] = counts.get(str(c.get("status", "unknown")), 0) + 1
        return ", ".join(f"{n} {k}" for k, n in counts.items()) or "no checks"
    if stage == "decision":
        keys = ("verdict", "answer", "confidence", "rule")
        return " ".join(f"{k}={fmt(out[k]) if k == 'confidence' else out[k]}" for k in keys if out.get(k) is not None)
    return " ".join(f"{k}={_compact(v)}" for k, v in out.items())
