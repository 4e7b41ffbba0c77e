"""Generating the cases of ``kgqa bench premises`` from a knowledge graph.

:func:`generate_premise_cases` (pure: graph + n + seed -> cases) draws (true, corrupted)
premise pairs per corruption kind (:func:`candidate_pairs`; the kinds and their phrasing are
described in :mod:`kgqa.bench.premise_cases`) and spreads them evenly over the kinds.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from kgqa.bench.premise_cases import (
    BIRTH_DATE,
    BIRTH_PLACE,
    CAPITAL,
    CAUSES,
    DEATH_DATE,
    KINDS,
    NEEDS,
    RDF_TYPE,
    PremiseCase,
    PremiseGraph,
    article,
    as_sentence,
    year_text,
)
from kgqa.errors import GraphError, InputError

logger = logging.getLogger(__name__)


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


def _functional_pairs(g: PremiseGraph, prop: str, rng: random.Random) -> list[Pair]:
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
                Statement(s, as_sentence(f"{sl}'s {label} is {ol}"), f"{sl} {label} {ol}", (s, prop, o)),
                Statement(
                    s,
                    as_sentence(f"{sl}'s {label} is {wl}"),
                    f"{label} is functional; {sl} {label} {ol}, not {wl}",
                    (s, prop, wrong),
                ),
                prop,
            )
        )
    return out


def _birth_year_pairs(g: PremiseGraph, rng: random.Random) -> list[Pair]:
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
                    as_sentence(f"{sl}'s {label} is {year_text(year)}"),
                    f"{sl} {label} {year_text(year)}",
                    (s, BIRTH_DATE, str(year)),
                ),
                Statement(
                    s,
                    as_sentence(f"{sl}'s {label} is {year_text(wrong)}"),
                    f"{sl} {label} {year_text(year)}, not {year_text(wrong)}",
                    (s, BIRTH_DATE, str(wrong)),
                ),
                BIRTH_DATE,
            )
        )
    return out


def _type_pairs(g: PremiseGraph, rng: random.Random, negated: bool) -> list[Pair]:
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
                    Statement(s, as_sentence(f"{sl} {verb} not {article(dl)}"), why_dis, (s, RDF_TYPE, d), True),
                    Statement(s, as_sentence(f"{sl} {verb} not {article(tl)}"), why_own, (s, RDF_TYPE, t), True),
                    None,
                )
            )
        else:
            out.append(
                (
                    Statement(s, as_sentence(f"{sl} {verb} {article(tl)}"), why_own, (s, RDF_TYPE, t)),
                    Statement(s, as_sentence(f"{sl} {verb} {article(dl)}"), why_dis, (s, RDF_TYPE, d)),
                    None,
                )
            )
    return out


def _works(g: PremiseGraph) -> list[tuple[str, str, str, int]]:
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


def _date_pairs(g: PremiseGraph, rng: random.Random, after_death: bool) -> list[Pair]:
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
                Statement(c, as_sentence(f"{cl} {verb} {wl}"), f"{cl} {verb} {wl}", (c, verb_prop, w)),
                Statement(
                    p,
                    as_sentence(f"{pl} {verb} {wl}"),
                    f"{wl} is dated {year_text(wy)}; {pl} {event} in {year_text(y)}",
                    (p, verb_prop, w),
                ),
                None,
            )
        )
    return out


def _causal_pairs(g: PremiseGraph, rng: random.Random) -> list[Pair]:
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
                Statement(a, as_sentence(f"{al} {label} {bl}"), f"{al} {label} {bl}", (a, CAUSES, b)),
                Statement(
                    x,
                    as_sentence(f"{xl} {label} {yl}"),
                    f"{xl} starts {starts[x].date}; {yl} ended {ends[y].date}",
                    (x, CAUSES, y),
                ),
                CAUSES,
            )
        )
    return out


def candidate_pairs(kg: Any, seed: int = 0, posthumous_years: int = 30) -> dict[str, list[Pair]]:
    """Every (true, false) premise pair the graph supports, per kind (empty lists for kinds it cannot make)."""
    return _candidate_pairs(PremiseGraph(kg, posthumous_years), seed)


def _candidate_pairs(g: PremiseGraph, seed: int) -> dict[str, list[Pair]]:
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
    g = PremiseGraph(kg, posthumous_years)
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
