"""Labelled cases for fitting and measuring the verdict calibration (:mod:`kgqa.calibration`).

The cases come from the graph a pipeline reads, so no one picks them by hand:

- **claims**: every premise of :func:`~kgqa.bench.premise_generation.generate_premise_cases` (a true
  premise read off the graph and its corrupted twin), checked with ``Pipeline.check``;
- **questions with a premise**: a sample of those cases asked with ``Pipeline.ask(question, premises=[premise])``;
  the question's gold answers are the graph's values;
- **unanswerable questions**: the same questions with the subject's name replaced by an invented one
  (seeded syllables), which neither the graph nor the passages can know: the right verdict is ``no_answer``.

Cases are split into a fitting part and a held-out part by their subject (a subject's cases
never straddle the split), with a seed: ``kgqa train calibration`` fits on one part and
``kgqa bench calibration`` reports on the other. Because the cases are generated from the same
graph the checker reads, the graph rules look better here than on a user's graph; the
reported numbers say so.

Correctness, per verdict:

==================  =====================================================================
verdict             right when
==================  =====================================================================
answered            the answer's token F1 with a gold answer (label or alias) is >= 0.5
unverified          as ``answered`` (the answer is given, unconfirmed)
contradicted        the alternative the evidence supports matches a gold answer
premise_rejected    a premise of the case is false
no_answer           the question has no answer (an unanswerable case)
supported           the claim is true
contradicted claim  the claim is false
unknown             never scored (it asserts nothing; its confidence stays 0)
==================  =====================================================================
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from kgqa.bench.common import progress
from kgqa.bench.metrics import f1_score
from kgqa.graph.dates import parse_date

#: the share of subjects whose cases are held out for measurement
HELD_OUT = 0.4
_SYLLABLES = "ka lo mir ven dru tha sel quo bri nax oru fel zan pim tor eld vos ruk lem ish".split()


@dataclass
class CalibrationCase:
    """One labelled case: a claim to check, or a question to ask (with or without a premise)."""

    id: str
    mode: str  # "check" or "ask"
    text: str  # the claim, or the question
    premises: list[str] = field(default_factory=list)
    false_premise: bool | None = None  # check: the claim is false; ask: its premise is false
    answers: list[str] = field(default_factory=list)  # ask: gold answers (labels and aliases); [] = unanswerable
    subject: str = ""  # the split key

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Outcome:
    """What the pipeline said about one case, and whether it was right."""

    case_id: str
    key: str  # "answer:<verdict>" or "claim:<status>"
    rule: str
    rule_score: float
    confidence: float
    correct: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def invented_name(rng: random.Random) -> str:
    """A two-word name made of seeded syllables ("Velomir Druthasel"), which no graph or passage knows."""

    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    return f"{word()} {word()}"


def held_out(subject: str, seed: int, share: float = HELD_OUT) -> bool:
    """Whether a subject's cases are in the held-out part (a stable hash of the subject and the seed)."""
    digest = hashlib.sha256(f"{seed}:{subject}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def build_cases(kg: Any, n_pairs: int, n_ask: int, n_unanswerable: int, seed: int) -> list[CalibrationCase]:
    """Claims, questions with a premise, and unanswerable questions generated from ``kg`` (see the module docstring).

    ``n_pairs`` premise pairs are generated; all their premises become claims, ``n_ask`` of the
    cases (seeded sample) are asked with their premise, and ``n_unanswerable`` questions are asked
    about invented subjects.
    """
    from kgqa.bench.premise_generation import generate_premise_cases

    premise_cases = generate_premise_cases(kg, n_pairs, seed=seed)
    rng = random.Random(seed)
    out: list[CalibrationCase] = []
    for c in premise_cases:
        out.append(CalibrationCase(f"check:{c.id}", "check", c.premise, [], c.false_premise, [], c.subject))
    names_cache: dict[str, list[str]] = {}

    def gold(c: Any) -> list[str]:
        names: list[str] = list(c.answers)
        for iri in c.answer_iris:
            if iri not in names_cache:
                names_cache[iri] = list(kg.labels(iri)) if str(iri).startswith("http") else []
            names += names_cache[iri]
        # a date reads as the graph writes it ("1906-04-19") and as text ("19 April 1906")
        names += [d.text() for d in map(parse_date, list(names)) if d is not None]
        return sorted(set(names))

    asked = rng.sample(premise_cases, min(n_ask, len(premise_cases)))
    for c in asked:
        if not c.answers:  # the graph has no answer to the question: not a labelled case
            continue
        out.append(CalibrationCase(f"ask:{c.id}", "ask", c.question, [c.premise], c.false_premise, gold(c), c.subject))
    questions = {}
    for c in premise_cases:
        label = kg.label(c.subject)
        if label and label in c.question:
            questions.setdefault((c.question, label), c.subject)
    pool = sorted(questions.items())
    for i, ((question, label), subject) in enumerate(rng.sample(pool, min(n_unanswerable, len(pool)))):
        name = invented_name(rng)
        text = re.sub(re.escape(label), name, question, count=1)
        out.append(CalibrationCase(f"unanswerable:{i:04d}", "ask", text, [], None, [], f"invented:{subject}"))
    return out


def split_cases(
    cases: Iterable[CalibrationCase], seed: int, share: float = HELD_OUT
) -> tuple[list[CalibrationCase], list[CalibrationCase]]:
    """``(fit, held_out)`` by subject (see :func:`held_out`)."""
    fit, held = [], []
    for c in cases:
        (held if held_out(c.subject, seed, share) else fit).append(c)
    return fit, held


def _answer_right(answer: str | None, gold: list[str]) -> bool:
    if not answer or not gold:
        return False
    return max(f1_score(answer, g) for g in gold) >= 0.5


def score_answer(case: CalibrationCase, ans: Any) -> list[Outcome]:
    """The outcome of one asked case's verdict (its premise is scored as a claim in check mode)."""
    verdict = ans.verdict
    if verdict in ("answered", "unverified"):
        right = _answer_right(ans.answer, case.answers)
    elif verdict == "contradicted":
        right = _answer_right(ans.alternative, case.answers)
    elif verdict == "premise_rejected":
        right = bool(case.false_premise)
    elif verdict == "no_answer":
        right = not case.answers
    else:
        right = False
    raw = ans.rule_score if ans.rule_score is not None else ans.confidence
    rule = ans.trace.decision.get("rule", "") if ans.trace is not None and ans.trace.decision else ""
    return [Outcome(case.id, f"answer:{verdict}", rule, float(raw), float(ans.confidence), right)]


def score_check(case: CalibrationCase, check: Any) -> list[Outcome]:
    """The outcome of one checked claim (none for ``unknown``)."""
    if check.status not in ("supported", "contradicted") or case.false_premise is None:
        return []
    right = (check.status == "contradicted") == bool(case.false_premise)
    raw = check.rule_score if check.rule_score is not None else check.confidence
    return [Outcome(case.id, f"claim:{check.status}", check.rule, float(raw), float(check.confidence), right)]


def run_cases(pipe: Any, cases: list[CalibrationCase], desc: str = "calibration cases") -> list[Outcome]:
    """Ask or check every case with ``pipe`` and score what it said."""
    outcomes: list[Outcome] = []
    for case in progress(cases, total=len(cases), desc=desc, unit="case"):
        if case.mode == "check":
            outcomes += score_check(case, pipe.check(case.text))
        else:
            outcomes += score_answer(case, pipe.ask(case.text, premises=case.premises or None))
    return outcomes


__all__ = [
    "HELD_OUT",
    "CalibrationCase",
    "Outcome",
    "build_cases",
    "held_out",
    "invented_name",
    "run_cases",
    "score_answer",
    "score_check",
    "split_cases",
]
