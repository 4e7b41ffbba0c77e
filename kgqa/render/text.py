"""Answers, premise checks and traces as plain text, as the CLI prints them (ANSI colours optional).

Example:
    >>> from kgqa.types import Answer
    >>> print(answer_text(Answer("Is Paris in France?", "yes", "answered", 0.91)))
    Q: Is Paris in France?
    A: yes   [answered, confidence 0.91]
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kgqa.render.common import (
    as_triples,
    chain,
    clip,
    decision,
    fmt,
    fmt_ms,
    gist,
    locate,
    num,
    steps,
    trace_checks,
)
from kgqa.trace import jsonable
from kgqa.types import Answer, PremiseCheck

__all__ = ["answer_text", "premise_text", "trace_text"]

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
        lines.append(f"A: {answer if answer is not None else '—'}   [{painted}, confidence {fmt(confidence)}]")
    if alternative:
        lines.append(f"   evidence supports instead: {alternative}")
    return lines


def _evidence_line(ev: Any) -> str:
    ev = jsonable(ev)
    if not isinstance(ev, dict):
        return clip(str(ev))
    kind, stance = str(ev.get("kind") or "evidence"), ev.get("stance")
    triples = as_triples(ev.get("triples"))
    text = str(ev.get("text") or "")
    if triples and kind in ("path", "triple", "graph"):
        body = "graph: " + chain(triples)
    elif kind == "passage":
        where = locate(text, ev.get("start"), ev.get("end"))
        if where:
            a, b = where
            text = f"{text[max(0, a - 60) : a]}«{text[a:b]}»{text[b : b + 60]}"
        pid = ev.get("passage_id")
        body = f"passage{' ' + str(pid) if pid else ''}: “{clip(text, 140)}”"
        probs = ev.get("nli")
        if isinstance(probs, dict) and probs:
            body += "  (" + ", ".join(f"{k} {fmt(v)}" for k, v in probs.items()) + ")"
    else:
        body = f"{kind}: {clip(text or chain(triples), 140)}"
    return body + (f"  [{stance}]" if stance and stance != "neutral" else "")


def premise_text(check: PremiseCheck | Mapping[str, Any], color: bool = False) -> str:
    """One premise with its status, confidence and evidence, as the CLI prints it.

    Example:
        >>> print(premise_text(PremiseCheck("Paris is in France.", "supported", 0.9)))
        ✓ supported     Paris is in France.   (0.90)
    """
    c = jsonable(check) if not isinstance(check, Mapping) else dict(check)
    status = str(c.get("status") or "unknown")
    head = _paint(f"{_SYMBOL.get(status, '·')} {status:<12}", status, color)
    extra = [fmt(c.get("confidence"))]
    if c.get("source") == "presupposed":
        extra.append("presupposed")
    lines = [f"{head}  {c.get('text', '')}   ({', '.join(extra)})"]
    lines += [f"    {_evidence_line(e)}" for e in (c.get("evidence") or [])]
    if c.get("correction"):
        lines.append(f"    correction: {c['correction']}")
    return "\n".join(lines)


def _stage_lines(trace: Any) -> list[str]:
    all_steps = steps(trace)
    if not all_steps:
        return []
    width = max(18, *(len(str(s["stage"])) + 1 for s in all_steps))
    lines = ["Trace:"]
    for s in all_steps:
        line = ""
        try:
            line = clip(gist(str(s["stage"]), s["outputs"]))
        except Exception:  # a malformed output must not hide the rest of the trace
            logger.debug("cannot summarise stage %r", s["stage"], exc_info=True)
        lines.append(f"  {str(s['stage']):<{width}}{fmt_ms(s.get('ms')):>8}  {line}".rstrip())
    total = sum(num(s.get("ms")) or 0.0 for s in all_steps)
    lines.append(f"  {'total':<{width}}{fmt_ms(total):>8}")
    return lines


def trace_text(trace: Any, color: bool = False) -> str:
    """The trace as readable, aligned text: question, decision, premises, one line per stage.

    Example:
        >>> from kgqa.trace import Trace
        >>> print(trace_text(Trace("Who wrote Hamlet?")))
        Q: Who wrote Hamlet?
    """
    d = decision(trace)
    lines = _header_lines(
        str(getattr(trace, "question", "")),
        d.get("answer"),
        d.get("verdict"),
        d.get("confidence"),
        d.get("alternative"),
        color,
    )
    checks = trace_checks(trace)
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
