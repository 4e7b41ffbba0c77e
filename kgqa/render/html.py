"""Answers, premise checks and traces as self-contained HTML, as Jupyter shows them.

The HTML has no scripts and loads nothing: one ``<div class="kgqa-trace">`` with an inline
``<style>`` scoped under it, stages folded in ``<details>``, the answer span marked in its
passage, premise statuses as badges, NLI probabilities as bars and the graph facts drawn as an
inline SVG (:func:`kgqa.render.graph_svg.subgraph_svg`). Every piece of user or corpus text goes
through :func:`kgqa.render.common.esc`. :func:`html_document` wraps a fragment into a page that
a browser opens from disk.

Step outputs are rendered from their JSON form, so dataclasses and plain dicts both work;
missing keys are skipped and unknown stages are shown as a key/value table.

Example:
    >>> from kgqa.types import Answer
    >>> "kgqa-answered" in answer_html(Answer("Is Paris in France?", "yes", "answered", 0.9))
    True
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from kgqa.render.common import (
    answer_span,
    as_triples,
    chain,
    clip,
    decision,
    dicts,
    esc,
    fmt,
    fmt_ms,
    gist,
    graph_facts,
    locate,
    num,
    passages,
    steps,
    trace_checks,
)
from kgqa.render.graph_svg import subgraph_svg
from kgqa.trace import jsonable
from kgqa.types import Answer, PremiseCheck, Triple

__all__ = ["answer_html", "html_document", "premise_html", "premise_page_html", "trace_html"]

logger = logging.getLogger(__name__)

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
    return f'<span class="kgqa-badge kgqa-{esc(re.sub(r"[^a-z_]", "", s.lower()))}">{esc(s)}</span>'


def _marked(text: str, start: Any, end: Any, span: str | None = None, window: int = 300) -> str:
    """The passage with the span in ``<mark>``; before, span and after are escaped separately."""
    where = locate(text, start, end, span)
    if where is None:
        return esc(clip(text, 2 * window))
    a, b = where
    lo, hi = max(0, a - window), min(len(text), b + window)
    pre = ("…" if lo else "") + text[lo:a]
    post = text[b:hi] + ("…" if hi < len(text) else "")
    return f"{esc(pre)}<mark>{esc(text[a:b])}</mark>{esc(post)}"


def _bars(probs: Mapping[str, Any]) -> str:
    rows = []
    for k, v in probs.items():
        p = min(1.0, max(0.0, num(v) or 0.0))
        cls = esc(re.sub(r"[^a-z_]", "", str(k).lower()))
        rows.append(
            f'<span>{esc(k)}</span><div class="kgqa-bar"><span class="kgqa-{cls}" '
            f'style="width:{p * 100:.1f}%"></span></div><span>{p:.2f}</span>'
        )
    return f'<div class="kgqa-bars">{"".join(rows)}</div>' if rows else ""


def _evidence_html(ev: Any, passages: Mapping[str, str]) -> str:
    ev = jsonable(ev)
    if not isinstance(ev, dict):
        return f"<li>{esc(ev)}</li>"
    kind, stance = str(ev.get("kind") or "evidence"), ev.get("stance")
    head = f'<span class="kgqa-kind">{esc(kind)}{" · " + esc(stance) if stance else ""}'
    head += f" · {fmt(ev['score'])}" if num(ev.get("score")) else ""
    head += "</span>"
    triples = as_triples(ev.get("triples"))
    text = str(ev.get("text") or "")
    if kind == "passage":
        pid = ev.get("passage_id")
        full = passages.get(str(pid)) if pid is not None else None
        if full and locate(text, ev.get("start"), ev.get("end")) is None:
            text = full  # offsets index the full passage, not the snippet
        src = f'<span class="kgqa-kind">{esc(pid)}</span>' if pid else ""
        body = f"{src}<blockquote>{_marked(text, ev.get('start'), ev.get('end'))}</blockquote>"
        if isinstance(ev.get("nli"), dict):
            body += _bars(ev["nli"])
    elif triples:
        body = esc(chain(triples))
    else:
        body = esc(text)
    return f"<li>{head}{body}</li>"


def premise_html(check: PremiseCheck | Mapping[str, Any], passages: Mapping[str, str] | None = None) -> str:
    """One premise: its status badge, text, confidence, correction and evidence.

    Example:
        >>> "kgqa-supported" in premise_html(PremiseCheck("Paris is in France.", "supported", 0.9))
        True
    """
    c = jsonable(check) if not isinstance(check, Mapping) else dict(check)
    status = str(c.get("status") or "unknown")
    meta = [f"confidence {fmt(c.get('confidence'))}"]
    if c.get("source"):
        meta.append(str(c["source"]))
    if c.get("rule"):
        meta.append(f"rule {c['rule']}")
    out = (
        f'<div class="kgqa-premise kgqa-st-{esc(re.sub(r"[^a-z_]", "", status.lower()))}">{_badge(status)} '
        f'{esc(c.get("text", ""))} <span class="kgqa-muted">({esc(", ".join(meta))})</span>'
    )
    if c.get("correction"):
        out += f"<div>Correction: {esc(c['correction'])}</div>"
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
            s = json.dumps(jsonable(v), ensure_ascii=False, default=str)
            cell = f"<code>{esc(clip(s, 400))}</code>"
        else:
            cell = esc(fmt(v, 3) if isinstance(v, float) else v)
        rows.append(f"<tr><th>{esc(k)}</th><td>{cell}</td></tr>")
    return f'<table class="kgqa-kv">{"".join(rows)}</table>'


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _mentions(ms: list[dict[str, Any]]) -> str:
    return _table(
        ("mention", "entity", "IRI", "score", "method"),
        (
            (
                esc(m.get("text")),
                esc(m.get("label")),
                f"<code>{esc(m.get('iri'))}</code>",
                fmt(m.get("score")),
                esc(m.get("method")),
            )
            for m in ms
        ),
    )


def _body_question_analysis(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    html_ = _kv({k: v for k, v in out.items() if k not in ("presuppositions", "entities")})
    if out.get("presuppositions"):
        html_ += "<h4>Presuppositions</h4><ul>" + "".join(f"<li>{esc(p)}</li>" for p in out["presuppositions"])
        html_ += "</ul>"
    if dicts(out.get("entities")):
        html_ += "<h4>Entities</h4>" + _mentions(dicts(out["entities"]))
    return html_


def _body_retrieval(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    top = ctx.get("answer_span") or {}
    items = []
    for h in dicts(out.get("hits")):
        p = h.get("passage") if isinstance(h.get("passage"), dict) else {}
        text = str(p.get("text") or "")
        if top and str(top.get("passage_id")) == str(p.get("id")):
            body = _marked(text, top.get("start"), top.get("end"), top.get("text"))
        else:
            body = esc(clip(text, 600))
        items.append(
            f'<li><b>{esc(p.get("title") or p.get("id"))}</b> <span class="kgqa-kind">{esc(p.get("id"))}'
            f" · score {fmt(h.get('score'), 3)}</span><blockquote>{body}</blockquote></li>"
        )
    return "<ol>" + "".join(items) + "</ol>" if items else _kv(out)


def _body_reader(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    rows = []
    for s in dicts(out.get("spans")):
        full = ctx["passages"].get(str(s.get("passage_id")))
        text = (
            _marked(full, s.get("start"), s.get("end"), s.get("text"))
            if full
            else (f"<mark>{esc(s.get('text'))}</mark>")
        )
        rows.append((esc(s.get("passage_id")), text, fmt(s.get("score")), fmt(s.get("no_answer_score"))))
    return _table(("passage", "span", "score", "no-answer"), rows) if rows else _kv(out)


def _body_nli(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    items = []
    for c in dicts(out.get("checks")):
        probs = c.get("probs") if isinstance(c.get("probs"), dict) else {}
        items.append(
            f'<li><span class="kgqa-kind">{esc(c.get("passage_id"))} · {esc(c.get("label"))}</span>'
            f"hypothesis: {esc(c.get('hypothesis'))}<blockquote>{esc(clip(c.get('premise') or '', 400))}"
            f"</blockquote>{_bars(probs)}</li>"
        )
    return '<ul class="kgqa-ev">' + "".join(items) + "</ul>" if items else _kv(out)


def _body_entity_linking(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    ms = dicts(out.get("mentions"))
    if not ms:
        return _kv(out)
    rows = [
        (esc(m.get("text")), esc(c.get("label")), esc(c.get("match")), fmt(c.get("prior")), fmt(c.get("type_fit")))
        + (fmt(c.get("score")),)
        for m in ms
        for c in dicts(m.get("candidates"))
        if len(dicts(m.get("candidates"))) > 1
    ]
    cands = _table(("mention", "candidate", "match", "prior", "type fit", "score"), rows) if rows else ""
    return _mentions(ms) + ("<h4>Candidates</h4>" + cands if cands else "")


def _body_graph(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    facts = as_triples(out.get("facts"))
    paths = [p for p in (as_triples(p) for p in (out.get("paths") or [])) if p]
    html_ = ""
    if facts:
        items = []
        for t in facts:
            note = " <i>(inferred)</i>" if t.inferred else ""
            if t.source:
                note += f' <span class="kgqa-kind">{esc(t.source)}</span>'
            items.append(f"<li>{esc(chain([t]))}{note}</li>")
        html_ += "<h4>Facts</h4><ul>" + "".join(items) + "</ul>"
    if paths:
        html_ += "<h4>Paths</h4><ul>" + "".join(f"<li>{esc(chain(p))}</li>" for p in paths) + "</ul>"
    return html_ or _kv(out)


def _body_checks(out: dict[str, Any], ctx: dict[str, Any]) -> str:
    rows = [
        (_badge(c.get("status")), esc(c.get("text")), fmt(c.get("confidence")), esc(c.get("rule")))
        for c in dicts(out.get("checks"))
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
    all_steps = steps(trace)
    ctx = {"passages": passages(trace), "answer_span": answer_span(trace)}
    out = []
    for s in all_steps:
        stage, outputs = str(s["stage"]), s["outputs"]
        try:
            line = clip(gist(stage, outputs), 90)
            body = _BODIES.get(stage, lambda o, c: _kv(o))(outputs, ctx)
        except Exception:  # malformed outputs of one stage fall back to the raw table
            logger.debug("cannot render stage %r", stage, exc_info=True)
            line, body = "", _kv(outputs)
        if s["inputs"]:
            body = f'<div class="kgqa-muted">inputs</div>{_kv(s["inputs"])}<div class="kgqa-muted">outputs</div>{body}'
        out.append(
            f'<details><summary><span class="kgqa-stage">{esc(stage)}</span><span class="kgqa-ms">'
            f'{esc(fmt_ms(s.get("ms")))}</span><span class="kgqa-muted">{esc(line)}</span></summary>'
            f'<div class="kgqa-body">{body}</div></details>'
        )
    if out:
        total = sum(num(s.get("ms")) or 0.0 for s in all_steps)
        out.insert(0, f'<h4>Trace <span class="kgqa-muted">({len(all_steps)} stages, {esc(fmt_ms(total))})</span></h4>')
    return "".join(out)


def _summary_html(question: str, answer: Any, verdict: Any, confidence: Any, alternative: Any = None) -> str:
    out = f'<div class="kgqa-summary"><div class="kgqa-q">Q: {esc(question)}</div>'
    out += f'<span class="kgqa-a">{esc(answer) if answer is not None else "—"}</span>'
    if verdict:
        out += _badge(verdict)
    out += f'<span class="kgqa-muted">confidence {fmt(confidence)}</span>'
    if alternative:
        out += f"<span>evidence supports instead: <b>{esc(alternative)}</b></span>"
    return out + "</div>"


def _graph_section(facts: list[Triple], checks: Sequence[Any], extra: Iterable[Any] = ()) -> str:
    hl = [
        t
        for c in checks
        for e in (jsonable(c).get("evidence") or [])
        if isinstance(e, dict)
        for t in as_triples(e.get("triples"))
    ]
    hl += [t for e in extra if isinstance(e, dict) for t in as_triples(e.get("triples"))]
    svg = subgraph_svg([*facts, *hl], highlight=hl)
    return f"<h4>Graph facts</h4>{svg}" if svg else ""


def _page(parts: Iterable[str]) -> str:
    return f'<div class="kgqa-trace"><style>{_CSS}</style>{"".join(p for p in parts if p)}</div>'


def trace_html(trace: Any) -> str:
    """The trace as self-contained HTML: summary, premises, subgraph, then each stage folded.

    Example:
        >>> from kgqa.trace import Trace
        >>> trace_html(Trace("Who wrote Hamlet?")).startswith('<div class="kgqa-trace">')
        True
    """
    d = decision(trace)
    texts = passages(trace)
    span = answer_span(trace)
    parts = [
        _summary_html(
            str(getattr(trace, "question", "")),
            d.get("answer"),
            d.get("verdict"),
            d.get("confidence"),
            d.get("alternative"),
        )
    ]
    if span and texts.get(str(span.get("passage_id"))):
        marked = _marked(texts[str(span["passage_id"])], span.get("start"), span.get("end"), span.get("text"))
        parts.append(
            f'<h4>Answer span <span class="kgqa-muted">({esc(span.get("passage_id"))})</span></h4>'
            f"<blockquote>{marked}</blockquote>"
        )
    checks = trace_checks(trace)
    if checks:
        parts.append("<h4>Premises</h4>" + "".join(premise_html(c, texts) for c in checks))
    elif getattr(trace, "premises", None):
        parts.append("<h4>Premises</h4><ul>" + "".join(f"<li>{esc(p)}</li>" for p in trace.premises) + "</ul>")
    parts.append(_graph_section(graph_facts(trace), checks))
    parts.append(_stages_html(trace))
    return _page(parts)


def answer_html(answer: Answer) -> str:
    """The answer as self-contained HTML: summary, evidence, premises, subgraph and the folded trace.

    Example:
        >>> "kgqa-answered" in answer_html(Answer("Is Paris in France?", "yes", "answered", 0.9))
        True
    """
    texts = passages(answer.trace) if answer.trace is not None else {}
    parts = [_summary_html(answer.question, answer.answer, answer.verdict, answer.confidence, answer.alternative)]
    if answer.evidence:
        parts.append(
            '<h4>Evidence</h4><ul class="kgqa-ev">'
            + "".join(_evidence_html(e, texts) for e in answer.evidence)
            + "</ul>"
        )
    if answer.premises:
        parts.append("<h4>Premises</h4>" + "".join(premise_html(c, texts) for c in answer.premises))
    facts = list(answer.graph_facts) or (graph_facts(answer.trace) if answer.trace is not None else [])
    parts.append(_graph_section(facts, answer.premises, [jsonable(e) for e in answer.evidence]))
    if answer.trace is not None:
        parts.append(_stages_html(answer.trace))
    return _page(parts)


def premise_page_html(check: PremiseCheck) -> str:
    """A premise check as a self-contained HTML block (what Jupyter shows for ``pipe.check(...)``)."""
    facts = [t for e in check.evidence for t in e.triples]
    return _page([premise_html(check), _graph_section(facts, [check]) if facts else ""])


def html_document(fragment: str, title: str = "kgqa") -> str:
    """A complete UTF-8 HTML page around a fragment, for saving a trace or answer to a file.

    Example:
        >>> from kgqa.trace import Trace
        >>> page = html_document(trace_html(Trace("Who wrote Hamlet?")), title="Who wrote Hamlet?")
        >>> page.startswith("<!DOCTYPE html>") and "<title>Who wrote Hamlet?</title>" in page
        True
    """
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title></head>\n<body>{fragment}</body></html>\n"
    )
