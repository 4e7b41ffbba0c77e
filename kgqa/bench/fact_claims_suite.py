"""``kgqa bench fact-claims``: a world's own facts worded as claims and checked; how often a true statement comes back false.

A false contradiction is the worst error kgqa can make. This suite samples entity-to-entity facts of a
world's graph (``--limit`` facts, seeded, drawn in turn from each relation with at least
``--min-facts`` of them, so that a few large relations do not fill the sample), words each fact the
two ways :class:`~kgqa.checks.fact_sentences.FactRenderer` does (style 0, the fact sentence, "The place
of birth of X is Y."; style 1, another wording, "X's place of birth is Y.") and checks every claim with
:meth:`kgqa.Pipeline.check`.

Reported: the shares of claims ``supported``, ``unknown`` and ``contradicted`` (overall and per
wording), the false-contradiction rate with its 95% Wilson upper bound, and every contradiction with
the rule and the evidence that made it. The claims come from the graph the checker reads, so each
states a fact the graph holds: a claim left ``unknown`` was mis-read (parsing, entity linking, relation
reading), and a ``contradicted`` one was refuted by something else than the graph's fact (a passage,
a fact sentence, a fact of another relation). The suite measures reading and the precision of the
refuting rules, not knowledge. With ``--swapped`` each fact is also checked with its object replaced by
another value of its relation (:func:`swap_object`), and ``supported`` there is a false support.
Facts are drawn from subjects of the held-out band of
:func:`kgqa.train.graph_pairs.split_of` (no NLI training pair and no fact-sentence threshold came from
them) unless ``--all-subjects``.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kgqa.bench.common import add_generated_case_arguments, subject_filter
from kgqa.bench.tog_suite import add_world_arguments, load_world
from kgqa.errors import InputError
from kgqa.types import Triple

DEFAULT_FACTS = 200
STYLES = (0, 1)
STATUSES = ("supported", "unknown", "contradicted")
_IRI = ("http://", "https://", "urn:")


def sample_facts(
    kg: Any, n: int, seed: int = 0, min_facts: int = 20, keep: Callable[[str], bool] | None = None
) -> list[Triple]:
    """``n`` entity-to-entity facts of ``kg`` (both ends named by the graph), drawn in turn from each relation.

    Relations of the RDF, RDFS, OWL and SKOS vocabularies are left out, and so are relations with
    fewer than ``min_facts`` usable facts. ``keep`` filters subjects (e.g. a held-out band).
    """
    from kgqa.graph.relation_text import NAME_PREDICATES, VOCABULARIES

    def named(node: str) -> bool:  # a name of its own, not the local name kg.label falls back to
        return any(kg.has(node, q, None) for q in NAME_PREDICATES)

    rng = random.Random(seed)
    pools: list[list[tuple[str, str, str]]] = []
    for p in sorted(str(x) for x in kg.properties()):
        if p.startswith(VOCABULARIES):
            continue
        pairs = sorted(
            {
                (str(s), p, str(o))
                for s, _, o in kg.scan(p)
                if str(o).startswith(_IRI) and s != o and (keep is None or keep(str(s)))
            }
        )
        if len(pairs) >= min_facts:
            rng.shuffle(pairs)
            pools.append(pairs)
    rng.shuffle(pools)
    facts: list[Triple] = []
    while pools and len(facts) < n:
        for pool in list(pools):
            if len(facts) >= n:
                break
            while pool:
                s, p, o = pool.pop()
                if named(s) and named(o):
                    facts.extend(kg.facts(s, p, o, inferred=False)[:1])
                    break
            if not pool:
                pools.remove(pool)
    return facts


def wilson_upper(k: int, n: int) -> float:
    """The upper end of the 95% Wilson interval of ``k`` in ``n`` (``scipy.stats.binomtest``); 1.0 for ``n == 0``."""
    if n == 0:
        return 1.0
    from scipy.stats import binomtest

    return float(binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson").high)


def status_rates(rows: list[dict[str, Any]], error: str = "contradicted", rules: bool = False) -> dict[str, Any]:
    """Status shares of ``rows``, with the count of ``error`` (the wrong status for them) and its 95% upper bound.

    With ``rules``, also how many rows each rule decided, per status.
    """
    counts = Counter(r["status"] for r in rows)
    n = len(rows)
    out: dict[str, Any] = {"n": n}
    for status in STATUSES:
        out[f"{status}_rate"] = counts.get(status, 0) / n if n else 0.0
    out[error] = counts.get(error, 0)
    out[f"{error}_upper95"] = wilson_upper(out[error], n)
    if rules:
        out["rules"] = {s: dict(Counter(r["rule"] or "(none)" for r in rows if r["status"] == s)) for s in STATUSES}
    return out


def seconds_summary(rows: list[dict[str, Any]]) -> dict[str, float]:
    """p50, p95 and maximum of the rows' ``seconds``."""
    from kgqa.bench.common import percentile

    times = [r["seconds"] for r in rows]
    return {"p50": percentile(times, 50), "p95": percentile(times, 95), "max": max(times, default=0.0)}


def swap_object(kg: Any, fact: Triple, pools: dict[str, list[str]], rng: random.Random) -> Triple | None:
    """``fact`` with its object replaced by another named value of its relation that the subject does not have.

    The value shares no name with a true one and touches none (:func:`kgqa.bench.fb_premise_cases.wrong_value`):
    a region holding the true city may be true as well; nor is it linked to the subject by any fact. Open world:
    the graph may still lack it as a true value.
    """
    from kgqa.bench.fb_premise_cases import wrong_value
    from kgqa.graph.relation_text import NAME_PREDICATES

    pool = pools.get(fact.predicate)
    if pool is None:
        objects = sorted({str(o) for _, _, o in kg.scan(fact.predicate) if str(o).startswith(_IRI)})
        pool = pools[fact.predicate] = [o for o in objects if any(kg.has(o, q, None) for q in NAME_PREDICATES)]
    own = [t.object for t in kg.facts(fact.subject, fact.predicate, None, inferred=False)]
    for _ in range(5):
        other = wrong_value(kg, rng, pool, own, fact.subject) if len(pool) > 1 else None
        if other is None:
            return None
        # a value the subject holds under another property is likely true here too (a musician's "role" Bass)
        if not (kg.has(fact.subject, None, other) or kg.has(other, None, fact.subject)):
            return Triple(
                fact.subject, fact.predicate, other, fact.subject_label, fact.predicate_label, kg.label(other)
            )
    return None


def evaluate(
    pipe: Any, facts: list[Triple], swapped: bool = False, seed: int = 0
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Check each fact in both wordings; the rates and one record per claim.

    With ``swapped``, each fact is also checked with its object swapped (:func:`swap_object`): such a
    claim ``supported`` is a false support, ``contradicted`` a wrong value caught (results ``"swapped"``).
    """
    from kgqa.bench.common import progress
    from kgqa.checks.fact_sentences import FactRenderer

    renderer = FactRenderer(pipe.kg)
    rng = random.Random(seed)
    pools: dict[str, list[str]] = {}
    records: list[dict[str, Any]] = []
    for fact in progress(facts, total=len(facts), desc="fact-claims", unit="fact"):
        wrong = swap_object(pipe.kg, fact, pools, rng) if swapped else None
        for kind, claim in (("true", fact), ("swapped", wrong)):
            if claim is None:
                continue
            for style in STYLES:
                text = renderer.sentence(claim, style=style)
                start = time.perf_counter()
                check = pipe.check(text)
                seconds = time.perf_counter() - start
                error = check.status == ("contradicted" if kind == "true" else "supported")
                records.append(
                    {
                        "kind": kind,
                        "relation": claim.predicate,
                        "subject": claim.subject,
                        "object": claim.object,
                        "style": style,
                        "claim": text,
                        "status": check.status,
                        "rule": check.rule,
                        "evidence": (check.evidence[0].text[:300] if check.evidence else "") if error else "",
                        "seconds": round(seconds, 3),
                    }
                )
    wrong_rows = [r for r in records if r["kind"] == "swapped"]
    records_all, records = records, [r for r in records if r["kind"] == "true"]
    results = status_rates(records)
    results["n_facts"] = len(facts)
    results["relations"] = len({r["relation"] for r in records})
    results["per_style"] = {str(s): status_rates([r for r in records if r["style"] == s]) for s in STYLES}
    results["rules"] = {
        status: dict(Counter(r["rule"] or "(none)" for r in records if r["status"] == status)) for status in STATUSES
    }
    results["contradictions"] = [
        {k: r[k] for k in ("claim", "rule", "evidence", "relation")} for r in records if r["status"] == "contradicted"
    ]
    if swapped:
        results["swapped"] = {
            **status_rates(wrong_rows, error="supported", rules=True),
            "false_supports": [
                {k: r[k] for k in ("claim", "rule", "evidence", "relation")}
                for r in wrong_rows
                if r["status"] == "supported"
            ],
        }
    results["check_s"] = seconds_summary(records_all)
    return results, records_all


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``fact-claims`` suite (``--limit``: facts, default 200)."""
    add_world_arguments(p)
    p.add_argument(
        "--min-facts", type=int, default=20, help="least entity-to-entity facts of a relation to draw from (20)"
    )
    p.add_argument(
        "--swapped",
        action="store_true",
        help="also check each fact with its object swapped for another value of the relation (false supports)",
    )
    add_generated_case_arguments(p, "claim")


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Sample the world's facts, check them in both wordings and report the statuses."""
    from kgqa.bench.common import peak_rss_mb
    from kgqa.bench.report import data_info, model_info, plot_bars, write_records

    if ns.min_facts < 1:
        raise InputError(f"--min-facts must be at least 1, got {ns.min_facts}")
    n_facts = ns.limit or DEFAULT_FACTS
    pipe, cost = load_world(ns)
    keep, subjects = subject_filter(ns)
    facts = sample_facts(pipe.kg, n_facts, seed=ns.seed, min_facts=ns.min_facts, keep=keep)
    if not facts:
        raise InputError(
            f"the world's graph has no relation with {ns.min_facts} labelled entity-to-entity facts"
            f"{'' if ns.all_subjects else ' in the held-out band'}; lower --min-facts or pass --all-subjects"
        )
    results, records = evaluate(pipe, facts, swapped=ns.swapped, seed=ns.seed)
    results["world_cost"] = {**cost, "peak_rss_mb": round(peak_rss_mb(), 1)}
    results["data"] = data_info(
        cost["world"],
        facts_requested=n_facts,
        facts_drawn=len(facts),
        seed=ns.seed,
        min_facts=ns.min_facts,
        generator="kgqa.bench.fact_claims_suite.sample_facts",
        subjects=subjects,
    )
    results["models"] = {"nli": model_info(getattr(getattr(pipe, "nli", None), "model_dir", None))}
    results["notes"] = [
        "each claim states a fact of the graph the checker reads: 'contradicted' is a false contradiction, "
        "'unknown' a claim the checker did not read onto its fact",
        "the claims are worded by kgqa's own renderer from the graph's labels: this measures reading and the "
        "refuting rules' precision, not knowledge",
    ]
    if ns.save_cases:
        results["cases"] = write_records(out / "cases.jsonl", records)
    groups = ["true facts", *(f"true, style {s}" for s in STYLES)]
    rows = [results, *(results["per_style"][str(s)] for s in STYLES)]
    if "swapped" in results:
        groups.append("object swapped")
        rows.append(results["swapped"])
        results["notes"].append(
            "swapped: the object replaced by another named value of the relation the subject lacks, sharing no "
            "name with a true value and linked to none; 'supported' is a false support, 'contradicted' a catch "
            "(open world: a few swapped values may be true and missing from the graph)"
        )
    plot = plot_bars(
        groups,
        {status: [r[f"{status}_rate"] for r in rows] for status in STATUSES},
        out / "statuses.png",
        title="a world's facts worded as claims: statuses",
        ylabel="share of claims",
    )
    results["plots"] = [plot.name]
    return results
