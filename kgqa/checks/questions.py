"""Question analysis: what kind of question it is, what it presupposes, and its answer as a statement.

``"Why did Shakespeare write Harry Potter?"`` is a *why* question presupposing that
Shakespeare wrote Harry Potter; ``"Did Shakespeare write Hamlet?"`` is a yes/no
question whose statement the premise checker checks; ``"Who wrote Hamlet?"`` is a
factoid question whose answer :func:`answer_statement` turns into the sentence the
NLI model checks. The claims themselves are parsed by :mod:`kgqa.checks.claims`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kgqa.checks.presuppositions import (
    Span,
    be_participle_pp,
    become_result,
    clause_subject,
    dedupe,
    gerund_subject,
    how_long,
    is_statement,
    remove_spans,
    split_adjunct,
    subordinates,
    which_in,
)

_AUX = ("is", "was", "are", "were", "did", "does", "do", "has", "have", "had", "can", "could", "will", "would")
#: negative auxiliaries and their positive forms ("Didn't X write Y?" asks whether X wrote Y)
_NEG_AUX = {
    f"{aux}n't": aux
    for aux in ("did", "does", "do", "was", "were", "is", "are", "has", "have", "had", "could", "would")
} | {"can't": "can", "won't": "will"}
_WH = ("who", "whom", "whose", "what", "which", "when", "where", "why", "how")


@dataclass
class QuestionAnalysis:
    """What kind of question it is, what it presupposes and what it asks about."""

    question: str
    qtype: str  # yes_no | why | factoid | other
    wh: str | None = None
    statement: str | None = None  # the declarative form of a yes/no question
    presuppositions: list[str] = field(default_factory=list)
    focus: str = ""  # the question without its wh-word/auxiliary

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.qtype,
            "wh": self.wh,
            "statement": self.statement,
            "presuppositions": list(self.presuppositions),
            "focus": self.focus,
        }


def _first_word(text: str) -> str:
    m = re.match(r"\s*([A-Za-z']+)", text)
    return m.group(1).lower() if m else ""


def _declarative_from_aux(aux: str, rest: str, subject_end: int | None) -> str:
    """'Did' + 'Shakespeare write Hamlet' -> 'Shakespeare did write Hamlet' (aux after the subject)."""
    if subject_end is None:
        m = re.match(r"((?:(?:the|a|an)\s+)?\S+(?:\s+[A-Z]\S*)*)\s+(.*)", rest)
        subject_end = m.end(1) if m else len(rest)
    subject, predicate = rest[:subject_end].strip(), rest[subject_end:].strip()
    if aux in ("did", "does", "do"):
        return f"{subject} {aux} {predicate}".strip()
    return f"{subject} {aux} {predicate}".strip()


def subject_end_in(inner: str, subject_end: int | None, rest: str) -> int | None:
    """``subject_end`` (an offset into ``rest``) as an offset into ``inner``, a suffix of ``rest``."""
    if subject_end is None:
        return None
    shift = len(rest) - len(inner)
    return subject_end - shift if subject_end - shift > 0 else None


def _negative_aux(q: str, first: str, spans: list[Span]) -> tuple[str, str, list[Span]]:
    """ "Didn't X write Y" as "Did X write Y": a negative yes/no question asks about the positive statement."""
    positive = _NEG_AUX[first]
    cut = len(first) - len(positive)
    spans = [(s - cut, e - cut) if s >= len(first) else (s, e) for s, e in spans]
    return positive + q[len(first) :], positive, spans


def _subject_end(q: str, first: str, spans: list[Span]) -> int | None:
    """Where the first mention after the first word ends, as an offset into the rest (as the pipeline computes it)."""
    m = re.match(r"\s*\S+\s*", q)
    offset = m.end() if m else 0
    return next((e - offset for s, e in sorted(spans) if s >= offset), None)


def analyze_question(
    question: str, subject_end: int | None = None, spans: Sequence[Span] | None = None
) -> QuestionAnalysis:
    """Classify ``question`` and derive its presuppositions.

    The main clause gives the presupposition of a why question and of "When/Where/How did X V
    O?"; :mod:`kgqa.checks.presuppositions` adds those of appositives, relative clauses and the
    other shapes it documents, each a whole statement, each once.

    Args:
        question: the question text.
        subject_end: character offset (in the question without its first word) where the
            subject mention ends, when the entity linker found one; improves the declarative form.
        spans: the entity linker's mentions as ``(start, end)`` offsets into ``question``; they
            bound the noun phrases of appositives and clauses (else runs of capitalised words do).

    Example:
        >>> analyze_question("Why did Shakespeare write Harry Potter?").presuppositions
        ['Shakespeare did write Harry Potter']
        >>> analyze_question("Why did Paris, the capital of Germany, host the Olympics?").presuppositions
        ['Paris did host the Olympics', 'Paris is the capital of Germany']
    """
    raw = question.replace("\u2019", "'")  # same length: the spans stay valid
    q = raw.strip().rstrip("?").strip()
    shift = raw.find(q) if q else 0
    local = [(s - shift, e - shift) for s, e in spans or () if s >= shift and e <= shift + len(q)]
    first = _first_word(q)
    if first in _NEG_AUX:
        q, first, local = _negative_aux(q, first, local)
    subs = subordinates(q, local)
    if subs:
        cut_from = min(s.start for s in subs)
        offset = len(first) + len(q[len(first) :]) - len(q[len(first) :].lstrip())
        q, local = remove_spans(q, [(s.start, s.end) for s in subs], local)
        if spans is not None:
            subject_end = _subject_end(q, first, local)
        elif subject_end is not None and offset + subject_end > cut_from:
            subject_end = None
    q, adjunct = split_adjunct(q)
    rest = q[len(first) :].strip() if first else q
    # a comma left outside the names is a parenthetical not understood: the main clause gives nothing
    whole = not any(c == "," and not any(s < i < e for s, e in local) for i, c in enumerate(q))
    extra = [s.statement for s in subs]
    gerund = gerund_subject(q, local)  # "How did being P shape X's career": X was P
    if gerund:
        extra.append(gerund)
    if adjunct:
        who = clause_subject(q, local)
        if who is not None:
            extra.append(f"{who[1]} {who[0]} {adjunct}")
    if first in _AUX:
        statement = _declarative_from_aux(first, rest, subject_end)
        return QuestionAnalysis(question, "yes_no", None, statement, _checked(extra), rest)
    if first in _WH:
        m = re.match(r"(?:(?:did|does|do|was|were|is|are|has|have|had)\s+)(.*)", rest, re.I)
        aux = _first_word(rest)
        if first == "why":
            prop = m.group(1) if m else rest
            presup = _declarative_from_aux(aux, prop, subject_end_in(prop, subject_end, rest)) if m else prop
            main = [_result(presup.strip())] if whole else []
            return QuestionAnalysis(question, "why", "why", None, _checked(main + extra), rest)
        presups: list[str] = []
        if first in ("when", "where", "how") and m:
            inner = m.group(1)
            # "When did Shakespeare write Harry Potter" presupposes that he wrote it; "When was X born" does not.
            words = inner.split()
            if aux in ("did", "does", "do") and len(words) >= 3:
                inner_end = subject_end_in(inner, subject_end, rest)
                presups.append(_result(_declarative_from_aux(aux, inner, inner_end).strip()))
            elif aux in ("was", "were", "is", "are"):
                off = len(q) - len(inner)
                presups.append(be_participle_pp(aux, inner, [(s - off, e - off) for s, e in local if s >= off]) or "")
        if first == "how":
            presups.append(how_long(q, local) or "")
        if first == "which":
            presups.append(which_in(q, local) or "")
        return QuestionAnalysis(question, "factoid", first, None, _checked((presups if whole else []) + extra), rest)
    return QuestionAnalysis(question, "other", None, None, _checked(extra), q)


def _result(declarative: str) -> str:
    """ "X did become Y" as its result "X is Y" (the claim parser checks states, not changes)."""
    return become_result(declarative) or declarative


def _checked(statements: list[str]) -> list[str]:
    """The whole statements among ``statements``, each once (fragments and empty strings dropped)."""
    return dedupe(s for s in statements if s and is_statement(s))


def answer_statement(analysis: QuestionAnalysis, answer: str) -> str:
    """A declarative sentence stating ``answer`` to the question, for the NLI check.

    Example:
        >>> a = analyze_question("Who wrote Hamlet?")
        >>> answer_statement(a, "William Shakespeare")
        'William Shakespeare wrote Hamlet.'
    """
    q = analysis.question.strip().rstrip("?").strip()
    rest = analysis.focus
    wh = analysis.wh
    if analysis.qtype == "yes_no":
        base = analysis.statement or rest
        return f"{base}." if answer.lower() == "yes" else f"It is not true that {base}."
    aux = _first_word(rest)
    inner = rest[len(aux) :].strip() if aux in _AUX else rest
    if wh in ("who", "what", "which") and aux not in _AUX:
        return f"{answer} {rest}."
    if wh in ("who", "what", "which") and aux in ("is", "was", "are", "were"):
        return f"{inner[:1].upper()}{inner[1:]} {aux} {answer}."
    if wh == "when":
        if aux in ("is", "was", "are", "were"):
            return (
                f"{inner} {aux} in {answer}."
                if not inner.endswith(("born", "died"))
                else f"{inner.rsplit(' ', 1)[0]} {aux} {inner.rsplit(' ', 1)[1]} in {answer}."
            )
        return f"{inner} in {answer}."
    if wh == "where":
        if aux in ("is", "was", "are", "were"):
            parts = inner.split()
            if len(parts) > 1 and parts[-1] in ("born", "located", "buried", "founded", "written", "signed"):
                return f"{' '.join(parts[:-1])} {aux} {parts[-1]} in {answer}."
            return f"{inner} {aux} in {answer}."
        return f"{inner} in {answer}."
    if wh == "how":
        return f"{q}: {answer}."
    return f"{q}: {answer}."
