"""From text to claims: question analysis, presuppositions, and statements as (subject, relation, object).

The parser is deliberately simple and transparent: it finds entity mentions with
the graph's entity linker, reads the words between them as the relation phrase,
and maps that phrase to a property with the relation matcher. Type statements
("X is a Y"), causal statements ("X caused Y", "Y happened because of X"), dated
statements ("X was born in 1564") and negation are recognised by patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kgqa.types import Claim

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

_NEG = re.compile(r"\b(not|never|no longer)\b|n't\b", re.IGNORECASE)
_AUX = ("is", "was", "are", "were", "did", "does", "do", "has", "have", "had", "can", "could", "will", "would")
_WH = ("who", "whom", "whose", "what", "which", "when", "where", "why", "how")
_YEAR = re.compile(
    r"(?<![\w-])(?P<bce>-)?(?P<year>\d{1,4})(?:-(?P<month>\d{2})-(?P<day>\d{2}))?\s*(?P<era>BC|BCE|AD|CE)?\b"
)
_CAUSAL = [
    (
        re.compile(
            r"^(?P<cause>.+?)\s+(?:caused|causes|cause|led to|leads to|lead to|resulted in|results in|"
            r"brought about|triggered|gave rise to|was the cause of|were the cause of)\s+(?P<effect>.+)$",
            re.I,
        ),
        False,
    ),
    (
        re.compile(
            r"^(?P<effect>.+?)\s+(?:was|were|is|are)\s+(?:caused|triggered|brought about)\s+by\s+(?P<cause>.+)$", re.I
        ),
        False,
    ),
    (
        re.compile(
            r"^(?P<effect>.+?)\s+(?:happened|occurred|began|started|ended|came about|took place)?\s*"
            r"(?:because of|due to|as a result of|owing to)\s+(?P<cause>.+)$",
            re.I,
        ),
        False,
    ),
    (re.compile(r"^(?:because of|due to|as a result of)\s+(?P<cause>.+?),\s*(?P<effect>.+)$", re.I), False),
]
_TYPE = re.compile(r"^(?P<s>.+?)\s+(?:is|was|are|were)\s+(?:(?:a|an|the|one of the)\s+)?(?P<c>[\w\s\-]+?)$", re.I)


def strip_negation(text: str) -> tuple[str, bool]:
    """``(text without the negation, negated?)``: "did not write" becomes "did write"."""
    negated = bool(_NEG.search(text))
    cleaned = _NEG.sub("", text)
    cleaned = re.sub(r"\b(did|does|do)\s+(?=\w)", "", cleaned) if negated else cleaned
    return re.sub(r"\s+", " ", cleaned).strip(), negated


def find_date(text: str) -> tuple[str, int, int] | None:
    """The first year or ISO date in ``text`` as ``(literal, start, end)``; BCE years become ``-0044``."""
    for m in _YEAR.finditer(text):
        year = int(m.group("year"))
        if m.group("era") is None and not m.group("month") and not (100 <= year <= 2100 and len(m.group("year")) >= 3):
            continue
        bce = m.group("bce") or (m.group("era") or "").upper() in ("BC", "BCE")
        lit = f"{'-' if bce else ''}{year:04d}"
        if m.group("month"):
            lit += f"-{m.group('month')}-{m.group('day')}"
        return lit, m.start(), m.end()
    return None


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
        ['Shakespeare write Harry Potter']
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


def make_claim(text: str, **kw: Any) -> Claim:
    """Build a :class:`Claim` (thin helper for readability)."""
    return Claim(text=text, **kw)
