"""Question analysis: what kind of question it is, what it presupposes, and its answer as a statement.

``"Why did Shakespeare write Harry Potter?"`` is a *why* question presupposing that
Shakespeare wrote Harry Potter; ``"Did Shakespeare write Hamlet?"`` is a yes/no
question whose statement the premise checker checks; ``"Who wrote Hamlet?"`` is a
factoid question whose answer :func:`answer_statement` turns into the sentence the
NLI model checks. The claims themselves are parsed by :mod:`kgqa.checks.claims`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_AUX = ("is", "was", "are", "were", "did", "does", "do", "has", "have", "had", "can", "could", "will", "would")
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
        m = re.match(r"(\S+(?:\s+[A-Z]\S*)*)\s+(.*)", rest)
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


def analyze_question(question: str, subject_end: int | None = None) -> QuestionAnalysis:
    """Classify ``question`` and derive its presuppositions.

    Args:
        question: the question text.
        subject_end: character offset (in the question without its first word) where the
            subject mention ends, when the entity linker found one; improves the declarative form.

    Example:
        >>> analyze_question("Why did Shakespeare write Harry Potter?").presuppositions
        ['Shakespeare did write Harry Potter']
    """
    q = question.strip().rstrip("?").strip()
    first = _first_word(q)
    rest = q[len(first) :].strip() if first else q
    if first in _AUX:
        statement = _declarative_from_aux(first, rest, subject_end)
        return QuestionAnalysis(question, "yes_no", None, statement, [], rest)
    if first in _WH:
        m = re.match(r"(?:(?:did|does|do|was|were|is|are|has|have|had)\s+)(.*)", rest, re.I)
        if first == "why":
            prop = m.group(1) if m else rest
            aux = _first_word(rest)
            presup = _declarative_from_aux(aux, prop, subject_end_in(prop, subject_end, rest)) if m else prop
            return QuestionAnalysis(question, "why", "why", None, [presup.strip()], rest)
        presups: list[str] = []
        if first in ("when", "where", "how") and m:
            inner = m.group(1)
            aux = _first_word(rest)
            # "When did Shakespeare write Harry Potter" presupposes that he wrote it; "When was X born" does not.
            words = inner.split()
            if aux in ("did", "does", "do") and len(words) >= 3:
                presups.append(_declarative_from_aux(aux, inner, subject_end_in(inner, subject_end, rest)).strip())
        return QuestionAnalysis(question, "factoid", first, None, presups, rest)
    return QuestionAnalysis(question, "other", None, None, [], q)


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
