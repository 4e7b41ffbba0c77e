"""The cases of ``kgqa bench premises``: what a case is, the corruption kinds and the graph lookups.

:func:`kgqa.bench.premise_generation.generate_premise_cases` (pure: graph + n + seed -> cases)
builds pairs of cases that share a template, one with a true premise read off the graph and one with a corrupted
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
the graph's answer (:meth:`PremiseGraph.question`).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

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


def as_sentence(text: str) -> str:
    """``"x was a city"`` -> ``"X was a city."``."""
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


@dataclass
class PremiseGraph:
    """The lookups the generator (:mod:`kgqa.bench.premise_generation`) needs, computed once per graph."""

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
