"""``kgqa bench premises``: a seeded false-premise suite generated from a knowledge graph.

:func:`generate_premise_cases` (pure: graph + n + seed -> cases) builds pairs of cases that
share a template, one with a true premise read off the graph and one with a corrupted
premise. Premises are phrased from the properties' ``rdfs:label`` and the classes' labels:

===================  ==========================================  ==========================================
kind                 false premise                               true counterpart
===================  ==========================================  ==========================================
wrong_capital        "France's capital is Lyon." (o:capital is   "France's capital is Paris."
                     functional)
wrong_birth_place    "X's place of birth is <another city>."     "X's place of birth is <the city>."
wrong_birth_year     "X's date of birth is <year +- 3..40>."     "X's date of birth is <the year>."
disjoint_class       "X was a city." (a class disjoint with      "X was a playwright." (an asserted type)
                     one of X's types)
negated_type         "X was not a playwright." (its own type)    "X was not a city." (a disjoint class)
work_after_death     "X wrote W." (W dated more than             "<W's creator> wrote W."
                     ``posthumous_years`` after X's death)
work_before_birth    "X wrote W." (W dated before X's birth)     "<W's creator> wrote W."
cause_after_effect   "A caused B." (A starts after B ended)      "A caused B." (an o:causes edge)
===================  ==========================================  ==========================================

Each case carries a question about its subject ("What is the place of death of X?") with
the graph's answer. The suite runs ``Pipeline.ask(question, premises=[premise])`` (or
``Pipeline.check(premise)`` with ``--mode check``) and scores false-premise detection:
positive class = false premise, predicted when the premise's status is ``contradicted``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kgqa.errors import GraphError, InputError

logger = logging.getLogger(__name__)

ONT = "https://kgqa.dev/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CAPITAL, BIRTH_PLACE, BIRTH_DATE, DEATH_DATE, CAUSES = (
    ONT + "capital",
    ONT + "birthPlace",
    ONT + "birthDate",
    ONT + "deathDate",
    ONT + "causes",
)
#: every corruption type, in the order cases are drawn
KINDS = (
    "wrong_capital",
    "wrong_birth_place",
    "wrong_birth_year",
    "disjoint_class",
    "negated_type",
    "work_after_death",
    "work_before_birth",
    "cause_after_effect",
)
#: what each kind needs from the graph (for the error message)
NEEDS = {
    "wrong_capital": "o:capital (functional) between countries and cities",
    "wrong_birth_place": "o:birthPlace (functional) to typed places",
    "wrong_birth_year": "o:birthDate (functional) with dates",
    "disjoint_class": "typed entities whose classes have owl:disjointWith classes",
    "negated_type": "typed entities whose classes have owl:disjointWith classes",
    "work_after_death": "o:deathDate, and works linked to creators (o:author, o:painter, ...) with dates",
    "work_before_birth": "o:birthDate, and works linked to creators (o:author, o:painter, ...) with dates",
    "cause_after_effect": "o:causes edges between dated things",
}
DEFAULT_N = 200
_SKIP_QUESTION_LABEL = re.compile(r"(^has\s)|(ed|by|of|s)$")
_DIGITS = re.compile(r"\d{3}")
_NON_QUESTION_PROPS = {
    RDF_TYPE,
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#comment",
}


@dataclass(frozen=True)
class PremiseCase:
    """A question asked with one premise, true or corrupted.

    Attributes:
        id: ``"<kind>-<n>-true"`` or ``"...-false"``.
        question: a question about the subject, answerable from the graph.
        premise: the statement checked.
        false_premise: whether the graph makes the premise false.
        kind: the corruption type (for a true premise: the type of its corrupted twin).
        subject: the IRI the premise is about.
        answers: the graph's answer(s) to the question (labels).
        answer_iris: the answers' IRIs or literal values.
        why: the graph facts that make the premise true or false, as text.
        claim: the ``(subject, property, object)`` the premise states (a year for dates).
        negated: whether the premise states that the claim does not hold.
    """

    id: str
    question: str
    premise: str
    false_premise: bool
    kind: str
    subject: str
    answers: tuple[str, ...]
    answer_iris: tuple[str, ...]
    why: str = ""
    claim: tuple[str, str, str] = ("", "", "")
    negated: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["answers"], d["answer_iris"], d["claim"] = list(self.answers), list(self.answer_iris), list(self.claim)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PremiseCase:
        return cls(
            **{
                **d,
                "answers": tuple(d["answers"]),
                "answer_iris": tuple(d["answer_iris"]),
                "claim": tuple(d.get("claim", ("", "", ""))),
            }
        )


# --------------------------------------------------------------------------- phrasing
def article(noun: str) -> str:
    """``"a city"``, ``"an explorer"``."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def year_text(year: int) -> str:
    """``1564`` -> ``"1564"``; ``-44`` -> ``"44 BC"``."""
    return f"{-year} BC" if year < 0 else str(year)


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


@dataclass
class _Graph:
    """The lookups the generator needs, computed once per graph."""

    kg: Any
    posthumous_years: int
    unique: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        from kgqa.checks.temporal import TemporalChecker
        from kgqa.graph.linking import normalize

        self.temporal = TemporalChecker(self.kg, posthumous_years=self.posthumous_years)
        self.normalize = normalize
        counts: Counter[str] = Counter()
        self.entities = self.kg.entities()
        for e in self.entities:
            for name in {normalize(x) for x in self.kg.labels(e)}:
                counts[name] += 1
        self.unique = {name for name, c in counts.items() if c == 1}
        self.class_names = {self.normalize(self.kg.label(c)) for c in self.kg.classes()}

    def nameable(self, iri: str) -> bool:
        """Whether the entity's label names it alone (no other entity or class shares it, no year in it)."""
        label = self.kg.label(iri)
        key = self.normalize(label)
        return bool(key) and key in self.unique and key not in self.class_names and not _DIGITS.search(label)

    def has_prop(self, prop: str) -> bool:
        return self.kg.is_property(prop) and bool(self.kg.facts(None, prop, None, inferred=False))

    def verb(self, iri: str) -> str:
        dated = any(self.kg.facts(iri, p, None) for p in (DEATH_DATE, ONT + "endDate"))
        return "was" if dated or self.kg.facts(iri, ONT + "date", None) else "is"

    def question(
        self, subject: str, avoid: str | None, rng: random.Random
    ) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """A "What is the <property> of <subject>?" question with the graph's answers."""
        props: dict[str, list[Any]] = {}
        for t in self.kg.facts(subject, None, None, inferred=False):
            if t.predicate in _NON_QUESTION_PROPS or not self.kg.is_property(t.predicate):
                continue
            props.setdefault(t.predicate, []).append(t)
        names = {p: self.kg.label(p) for p in props}
        # literal values are asked about only when they are dates: "about 46 million" and 46000000 do not match
        literal = {p for p, ts in props.items() if not any(re.match(r"[a-z][a-z0-9+.-]*:", t.object) for t in ts)}
        usable = sorted(
            p
            for p in props
            if not _SKIP_QUESTION_LABEL.search(names[p].lower())
            and (p not in literal or self.kg.date(subject, p) is not None)
        )
        preferred = [p for p in usable if p != avoid] or usable
        functional = [p for p in preferred if self.kg.is_functional(p)]
        pool = functional or preferred
        if not pool:
            return "", (), ()
        prop = rng.choice(pool)
        facts = self.kg.facts(subject, prop, None)
        answers = tuple(dict.fromkeys(t.object_label or self.kg.label(t.object) for t in facts))
        iris = tuple(dict.fromkeys(t.object for t in facts))
        return f"What is the {names[prop]} of {self.kg.label(subject)}?", answers, iris

    def year(self, iri: str, prop: str) -> int | None:
        d = self.kg.date(iri, prop)
        return None if d is None else d.year


# --------------------------------------------------------------------------- candidate pairs
@dataclass(frozen=True)
class Statement:
    """One premise with the triple it states (``negated``: it states the triple does not hold)."""

    subject: str
    text: str
    why: str
    claim: tuple[str, str, str]
    negated: bool = False


#: (true statement, corrupted statement, property the question should not ask about)
Pair = tuple[Statement, Statement, "str | None"]


def _functional_pairs(g: _Graph, prop: str, rng: random.Random) -> list[Pair]:
    """``S's <label> is <O>`` against another object of the same class."""
    if not (g.has_prop(prop) and g.kg.is_functional(prop)):
        return []
    label = g.kg.label(prop)
    facts = [t for t in g.kg.facts(None, prop, None, inferred=False) if g.nameable(t.subject)]
    by_class: dict[str, list[str]] = {}
    for e in g.entities:
        for c in g.kg.types(e, inferred=False):
            by_class.setdefault(c, []).append(e)
    out: list[Pair] = []
    for t in sorted(facts, key=lambda t: (t.subject, t.object)):
        s, o = t.subject, t.object
        values = set(g.kg.objects(s, prop))
        if len(values) != 1 or not g.nameable(o):
            continue
        classes = sorted(g.kg.types(o, inferred=False))
        pool = sorted({x for c in classes for x in by_class.get(c, ()) if x not in values and g.nameable(x)})
        if not pool:
            continue
        wrong = rng.choice(pool)
        sl, ol, wl = g.kg.label(s), g.kg.label(o), g.kg.label(wrong)
        out.append(
            (
                Statement(s, _sentence(f"{sl}'s {label} is {ol}"), f"{sl} {label} {ol}", (s, prop, o)),
                Statement(
                    s,
                    _sentence(f"{sl}'s {label} is {wl}"),
                    f"{label} is functional; {sl} {label} {ol}, not {wl}",
                    (s, prop, wrong),
                ),
                prop,
            )
        )
    return out


def _birth_year_pairs(g: _Graph, rng: random.Random) -> list[Pair]:
    if not (g.has_prop(BIRTH_DATE) and g.kg.is_functional(BIRTH_DATE)):
        return []
    label = g.kg.label(BIRTH_DATE)
    out: list[Pair] = []
    for s in sorted({t.subject for t in g.kg.facts(None, BIRTH_DATE, None, inferred=False)}):
        year = g.year(s, BIRTH_DATE)
        if year is None or not g.nameable(s):
            continue
        wrong = year + rng.choice((-1, 1)) * rng.randint(3, 40)
        if wrong == 0 or wrong == year:
            continue
        sl = g.kg.label(s)
        out.append(
            (
                Statement(
                    s,
                    _sentence(f"{sl}'s {label} is {year_text(year)}"),
                    f"{sl} {label} {year_text(year)}",
                    (s, BIRTH_DATE, str(year)),
                ),
                Statement(
                    s,
                    _sentence(f"{sl}'s {label} is {year_text(wrong)}"),
                    f"{sl} {label} {year_text(year)}, not {year_text(wrong)}",
                    (s, BIRTH_DATE, str(wrong)),
                ),
                BIRTH_DATE,
            )
        )
    return out


def _type_pairs(g: _Graph, rng: random.Random, negated: bool) -> list[Pair]:
    classes = [c for c in g.kg.classes() if g.kg.label(c) and not c.startswith("http://www.w3.org/")]
    disjoint_cache: dict[str, list[str]] = {}
    out: list[Pair] = []
    for s in g.entities:
        if not g.nameable(s):
            continue
        own = sorted(c for c in g.kg.types(s, inferred=False) if c in classes)
        if not own:
            continue
        t = own[0]
        if t not in disjoint_cache:
            disjoint_cache[t] = [c for c in classes if g.kg.disjoint(t, c)[0]]
        options = [c for c in disjoint_cache[t] if not g.kg.is_instance(s, c)[0]]
        if not options:
            continue
        d = rng.choice(options)
        sl, verb = g.kg.label(s), g.verb(s)
        tl, dl = g.kg.label(t), g.kg.label(d)
        why_own, why_dis = f"{sl} type {tl}", f"{sl} type {tl}; {tl} is disjoint with {dl}"
        if negated:
            out.append(
                (
                    Statement(s, _sentence(f"{sl} {verb} not {article(dl)}"), why_dis, (s, RDF_TYPE, d), True),
                    Statement(s, _sentence(f"{sl} {verb} not {article(tl)}"), why_own, (s, RDF_TYPE, t), True),
                    None,
                )
            )
        else:
            out.append(
                (
                    Statement(s, _sentence(f"{sl} {verb} {article(tl)}"), why_own, (s, RDF_TYPE, t)),
                    Statement(s, _sentence(f"{sl} {verb} {article(dl)}"), why_dis, (s, RDF_TYPE, d)),
                    None,
                )
            )
    return out


def _works(g: _Graph) -> list[tuple[str, str, str, int]]:
    """``(creator, agent-side property, work, year)`` for every dated work with a known creator."""
    from kgqa.checks.vocab import DEFAULT_VOCABULARY

    seen: set[tuple[str, str]] = set()
    out = []
    # the specific relations (wrote, painted, ...) before their super-property "created"
    for prop in sorted(DEFAULT_VOCABULARY.agent_acts, key=lambda p: p.endswith("#created")):
        if not g.kg.is_property(prop):
            continue
        for t in g.kg.facts(None, prop, None):
            key = (t.subject, t.object)
            if key in seen:
                continue
            seen.add(key)
            when = g.temporal.start_of(t.object)
            if when is not None and g.nameable(t.object) and g.nameable(t.subject):
                out.append((t.subject, prop, t.object, when.date.year))
    return sorted(out)


def _date_pairs(g: _Graph, rng: random.Random, after_death: bool) -> list[Pair]:
    works = _works(g)
    if not works:
        return []
    creators: dict[str, set[str]] = {}
    for c, _, w, _ in works:
        creators.setdefault(w, set()).add(c)
    prop = DEATH_DATE if after_death else BIRTH_DATE
    people = []
    for p in sorted({t.subject for t in g.kg.facts(None, prop, None, inferred=False)}):
        y = g.year(p, prop)
        if y is not None and g.nameable(p):
            people.append((p, y))
    out: list[Pair] = []
    for c, verb_prop, w, wy in works:
        if after_death:
            cands = [(p, y) for p, y in people if wy - y > g.posthumous_years and p not in creators[w]]
        else:
            cands = [(p, y) for p, y in people if wy < y and p not in creators[w]]
        if not cands:
            continue
        p, y = rng.choice(cands)
        verb, wl, cl, pl = g.kg.label(verb_prop), g.kg.label(w), g.kg.label(c), g.kg.label(p)
        event = "died" if after_death else "was born"
        out.append(
            (
                Statement(c, _sentence(f"{cl} {verb} {wl}"), f"{cl} {verb} {wl}", (c, verb_prop, w)),
                Statement(
                    p,
                    _sentence(f"{pl} {verb} {wl}"),
                    f"{wl} is dated {year_text(wy)}; {pl} {event} in {year_text(y)}",
                    (p, verb_prop, w),
                ),
                None,
            )
        )
    return out


def _causal_pairs(g: _Graph, rng: random.Random) -> list[Pair]:
    if not g.has_prop(CAUSES):
        return []
    label = g.kg.label(CAUSES)
    edges = [
        t for t in g.kg.facts(None, CAUSES, None, inferred=False) if g.nameable(t.subject) and g.nameable(t.object)
    ]
    nodes = sorted({x for t in edges for x in (t.subject, t.object)})
    starts = {n: g.temporal.start_of(n) for n in nodes}
    ends = {n: g.temporal.end_of(n) for n in nodes}
    out: list[Pair] = []
    for t in sorted(edges, key=lambda t: (t.subject, t.object)):
        a, b = t.subject, t.object
        # a cause dated after its effect ended (by a whole year): pick among the dated causal nodes
        late = []
        for x in (a, b):
            for y in nodes:
                sx, ey = starts[x], ends[y]
                if sx and ey and ey.date.year < sx.date.year and not g.kg.facts(x, CAUSES, y):
                    late.append((x, y))
        if not late:
            continue
        x, y = rng.choice(late)
        al, bl, xl, yl = (g.kg.label(n) for n in (a, b, x, y))
        out.append(
            (
                Statement(a, _sentence(f"{al} {label} {bl}"), f"{al} {label} {bl}", (a, CAUSES, b)),
                Statement(
                    x,
                    _sentence(f"{xl} {label} {yl}"),
                    f"{xl} starts {starts[x].date}; {yl} ended {ends[y].date}",
                    (x, CAUSES, y),
                ),
                CAUSES,
            )
        )
    return out


def candidate_pairs(kg: Any, seed: int = 0, posthumous_years: int = 30) -> dict[str, list[Pair]]:
    """Every (true, false) premise pair the graph supports, per kind (empty lists for kinds it cannot make)."""
    return _candidate_pairs(_Graph(kg, posthumous_years), seed)


def _candidate_pairs(g: _Graph, seed: int) -> dict[str, list[Pair]]:
    pairs: dict[str, list[Pair]] = {}
    for i, kind in enumerate(KINDS):
        rng = random.Random(f"{seed}:{i}")
        if kind == "wrong_capital":
            pairs[kind] = _functional_pairs(g, CAPITAL, rng)
        elif kind == "wrong_birth_place":
            pairs[kind] = _functional_pairs(g, BIRTH_PLACE, rng)
        elif kind == "wrong_birth_year":
            pairs[kind] = _birth_year_pairs(g, rng)
        elif kind in ("disjoint_class", "negated_type"):
            pairs[kind] = _type_pairs(g, rng, negated=kind == "negated_type")
        elif kind in ("work_after_death", "work_before_birth"):
            pairs[kind] = _date_pairs(g, rng, after_death=kind == "work_after_death")
        else:
            pairs[kind] = _causal_pairs(g, rng)
    return pairs


def generate_premise_cases(
    kg: Any, n: int, seed: int = 0, posthumous_years: int = 30, kinds: tuple[str, ...] = KINDS
) -> list[PremiseCase]:
    """``n`` premise cases from ``kg``: true/false pairs spread evenly over the corruption kinds.

    Deterministic for a given graph, ``n`` and ``seed``. Kinds the graph cannot make are
    skipped (logged); when it can make none, :class:`GraphError` says what is missing.

    Args:
        kg: a :class:`~kgqa.graph.kg.KnowledgeGraph` using the kgqa ontology (``o:``).
        n: how many cases (half true, half false; odd ``n`` ends with a true case).
        seed: the random seed.
        posthumous_years: a work dated more than this many years after a person's death
            cannot be theirs (the pipeline's ``posthumous_years``).
        kinds: the corruption kinds to draw from.

    Example:
        >>> cases = generate_premise_cases(KnowledgeGraph.load(), 20, seed=0)   # doctest: +SKIP
        >>> cases[1].premise, cases[1].false_premise                           # doctest: +SKIP
        ("France's capital is Lyon.", True)
    """
    if n < 1:
        raise InputError(f"n must be at least 1, got {n}")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise InputError(f"unknown premise kinds {unknown}; choose from {', '.join(KINDS)}")
    g = _Graph(kg, posthumous_years)
    pools = _candidate_pairs(g, seed)
    available = [k for k in kinds if pools.get(k)]
    missing = [k for k in kinds if not pools.get(k)]
    if not available:
        raise GraphError(
            "the graph supports no false-premise template; it needs the kgqa ontology's vocabulary: "
            + "; ".join(f"{k}: {NEEDS[k]}" for k in kinds)
        )
    if missing:
        logger.warning(
            "the graph cannot make %s premises (needs %s)", ", ".join(missing), "; ".join(NEEDS[k] for k in missing)
        )
    rng = random.Random(seed)
    queues = {k: rng.sample(pools[k], len(pools[k])) for k in available}
    qrng = random.Random(f"{seed}:questions")
    cases: list[PremiseCase] = []
    used: set[str] = set()
    counter: Counter[str] = Counter()
    while len(cases) < n and any(queues.values()):
        for kind in available:
            if len(cases) >= n or not queues[kind]:
                continue
            true, false, avoid = queues[kind].pop()
            if true.text in used or false.text in used:
                continue  # the same statement made by another kind's pair ("X wrote W" is true for both date kinds)
            used.update((true.text, false.text))
            counter[kind] += 1
            for st, is_false in ((true, False), (false, True)):
                if len(cases) >= n:
                    break
                question, answers, iris = g.question(st.subject, avoid, qrng)
                if not question:
                    question = f"Who or what is {kg.label(st.subject)}?"
                cases.append(
                    PremiseCase(
                        f"{kind}-{counter[kind]:03d}-{'false' if is_false else 'true'}",
                        question,
                        st.text,
                        is_false,
                        kind,
                        st.subject,
                        answers,
                        iris,
                        st.why,
                        st.claim,
                        st.negated,
                    )
                )
    return cases


# --------------------------------------------------------------------------- evaluation
def evaluate(pipe: Any, cases: list[PremiseCase], mode: str = "ask") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Detection scores (positive class: false premise, predicted when ``contradicted``) and one record per case."""
    from kgqa.answering import GraphAnswer, answers_match
    from kgqa.bench.common import Timer, progress

    records = []
    with Timer() as t:
        for case in progress(cases, total=len(cases), desc="premises", unit="case"):
            answer = None
            if mode == "ask":
                ans = pipe.ask(case.question, premises=[case.premise])
                stated = [p for p in ans.premises if getattr(p, "source", "stated") == "stated"]
                check = stated[0] if stated else None
                answer = ans.answer
            else:
                check = pipe.check(case.premise)
            status = check.status if check is not None else "unknown"
            rec = {
                **case.to_dict(),
                "status": status,
                "rule": getattr(check, "rule", ""),
                "predicted_false": status == "contradicted",
                "answer": answer,
            }
            if mode == "ask" and case.answers:
                rec["answer_correct"] = bool(answer) and answers_match(
                    pipe.kg, answer, GraphAnswer(list(case.answers), list(case.answer_iris))
                )
            records.append(rec)
    gold = [r["false_premise"] for r in records]
    pred = [r["predicted_false"] for r in records]
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    tn = len(records) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    per_kind: dict[str, Any] = {}
    for kind in dict.fromkeys(r["kind"] for r in records):
        false_rows = [r for r in records if r["kind"] == kind and r["false_premise"]]
        true_rows = [r for r in records if r["kind"] == kind and not r["false_premise"]]
        per_kind[kind] = {
            "recall": (sum(r["predicted_false"] for r in false_rows) / len(false_rows)) if false_rows else None,
            "false_alarm_rate": (sum(r["predicted_false"] for r in true_rows) / len(true_rows)) if true_rows else None,
            "true_supported_rate": (sum(r["status"] == "supported" for r in true_rows) / len(true_rows))
            if true_rows
            else None,
            "n_false": len(false_rows),
            "n_true": len(true_rows),
        }
    answered = [r["answer_correct"] for r in records if not r["false_premise"] and "answer_correct" in r]
    results: dict[str, Any] = {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "accuracy": (tp + tn) / len(records) if records else 0.0,
        "true_premise_answer_accuracy": (sum(answered) / len(answered)) if answered else None,
        "n": len(records),
        "n_false_premises": sum(gold),
        "n_true_premises": len(records) - sum(gold),
        "per_corruption": per_kind,
        "labels": ["false premise", "true premise"],
        "confusion_matrix": [[tp, fn], [fp, tn]],
        "statuses": dict(Counter(r["status"] for r in records)),
        "rules": dict(Counter(r["rule"] or "(none)" for r in records).most_common(12)),
        "mode": mode,
        "seconds": t.seconds,
        "cases_per_s": len(records) / t.seconds if t.seconds > 0 else None,
    }
    return results, records


# --------------------------------------------------------------------------- the suite
def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``premises`` suite."""
    p.add_argument(
        "--graph",
        action="append",
        metavar="FILE",
        help="RDF file(s) using the kgqa ontology to generate from and answer over "
        "(repeatable; default: the shipped world)",
    )
    p.add_argument("--pipeline", metavar="DIR", help="a pipeline folder (kgqa.json) to run instead of the shipped one")
    p.add_argument(
        "--mode",
        choices=("ask", "check"),
        default="ask",
        help="ask: Pipeline.ask(question, premises=[premise]) (default); check: Pipeline.check(premise) "
        "only (faster; no answer accuracy)",
    )
    p.add_argument(
        "--kinds", default=None, help=f"comma-separated corruption kinds (default: all of {', '.join(KINDS)})"
    )
    p.add_argument(
        "--save-cases", action="store_true", help="also write cases.jsonl (the generated cases with results)"
    )


def load_pipeline(ns: argparse.Namespace) -> Any:
    """The pipeline to evaluate (tests replace this with a fake)."""
    from kgqa.pipeline import Pipeline

    overrides: dict[str, Any] = {}
    if ns.graph:
        overrides["graphs"] = [str(Path(g).resolve()) for g in ns.graph]
    return Pipeline.load(ns.pipeline, **overrides)


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Generate the cases from the pipeline's graph, run them and return the results."""
    from kgqa.bench.report import file_sha256, model_info, plot_bars, plot_confusion

    for g in ns.graph or ():
        if not Path(g).is_file():
            raise InputError(f"--graph {g}: no such file")
    kinds = tuple(k.strip() for k in ns.kinds.split(",") if k.strip()) if ns.kinds else KINDS
    pipe = load_pipeline(ns)
    config = getattr(pipe, "config", None)
    posthumous = getattr(config, "posthumous_years", 30)
    n = ns.limit or DEFAULT_N
    cases = generate_premise_cases(pipe.kg, n, seed=ns.seed, posthumous_years=posthumous, kinds=kinds)
    results, records = evaluate(pipe, cases, ns.mode)
    made = {k for k in (c.kind for c in cases)}
    notes = [
        f"{n} cases requested, {len(cases)} generated from the graph with seed {ns.seed}",
        "positive class = false premise; predicted when the stated premise's status is 'contradicted'",
    ]
    skipped = [k for k in kinds if k not in made]
    if skipped:
        notes.append("kinds the graph could not make: " + "; ".join(f"{k} ({NEEDS[k]})" for k in skipped))
    files = [str(f) for f in getattr(pipe.kg, "files", [])]
    digest = hashlib.sha256("".join(file_sha256(f) for f in files if Path(f).is_file()).encode())
    results.update(
        {
            "data": {
                "file": "generated from " + (", ".join(Path(f).name for f in files) or "the graph"),
                "sha256": digest.hexdigest(),
                "sha256_of": "the concatenated sha256 of the graph files",
                "graphs": files,
                "seed": ns.seed,
                "generator": "kgqa.bench.premise_suite.generate_premise_cases",
            },
            "models": {
                "nli": model_info(getattr(getattr(pipe, "nli", None), "model_dir", None)),
                "reader": model_info(getattr(getattr(pipe, "reader", None), "model_dir", None)),
            },
            "notes": notes,
        }
    )
    kinds_done = list(results["per_corruption"])
    plots = [
        plot_bars(
            kinds_done,
            {
                "recall (false premises caught)": [results["per_corruption"][k]["recall"] or 0.0 for k in kinds_done],
                "false alarms (true premises flagged)": [
                    results["per_corruption"][k]["false_alarm_rate"] or 0.0 for k in kinds_done
                ],
            },
            out / "per_corruption.png",
            title="false-premise detection per corruption type",
            ylabel="rate",
        ),
        plot_confusion(
            results["confusion_matrix"],
            results["labels"],
            out / "confusion_matrix.png",
            title="premise check (rows: gold)",
        ),
    ]
    results["plots"] = [p.name for p in plots]
    if ns.save_cases:
        with (out / "cases.jsonl").open("w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return results


HELP = "false premises generated from the graph: detection precision/recall/F1 and answer accuracy"
