"""Choose the fact-sentence thresholds on graph-derived training cases (never on a benchmark's questions).

``python -m kgqa.train.fact_thresholds --world /tmp/fbworld/kgqa.json --out data/fact_sentence_thresholds.json``

Cases come from the world's own facts between two entities. Subjects are split by a seeded hash
(:func:`kgqa.train.graph_pairs.split_of`): the thresholds band chooses, the held-out band only
reports, and the NLI band (whose facts may be NLI training pairs) is not used. For each sampled fact
``S p O`` the premise is its fact sentence (:class:`~kgqa.checks.fact_sentences.FactRenderer`, style 0)
and the hypotheses are:

- ``true``: the same fact worded another way (style 1), a paraphrased true claim;
- ``swapped``: that paraphrase with ``O`` replaced by another object of ``p`` that ``S`` does not have;
- ``relation_swapped``: the fact's entities under another relation the graph does not state for them;
- ``unrelated``: the paraphrase judged against another fact of ``S`` (another relation);
- for a relation single-valued by the data (90% of at least 50 subjects) and a subject with one value,
  the substitution cases of :mod:`kgqa.checks.fact_substitution`, with the swapped paraphrase as the
  claim: ``substituted_same`` (the fact's sentence with the claim's value) and ``substituted_other``
  (up to three other relations of ``S``, rendered with other words, with the claim's value).

The entailment threshold is the lowest grid value at which the training cases it would support are
at least ``--precision`` true claims (every other kind counts against it). The contradiction
threshold is the lowest grid value above every training true claim's contradiction probability
plus ``--margin`` (no false contradiction on the training cases) that at most ``--unrelated-share``
of the unrelated pairs reach (a fact of another relation is no contradiction: an NLI probability
that such pairs reach often is too weak to refute anything). The substitution threshold is the lowest
grid value that at most ``--substitution-fpr`` of the training ``substituted_other`` cases reach (a
claim read as a relation it does not state could be refuted by that relation's value). Probabilities are the NLI model's
calibrated ones, as :class:`~kgqa.checks.fact_sentences.FactSentenceJudge` reads them.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from pathlib import Path
from typing import Any

from kgqa.train.graph_pairs import split_of

logger = logging.getLogger(__name__)

GRID = [round(0.5 + 0.01 * i, 2) for i in range(50)]
_IRI = ("http://", "https://", "urn:")


def generate(kg: Any, seed: int, relations: int, per_relation: int) -> list[dict[str, Any]]:
    """The cases (premise, hypothesis, kind, split, relation) from ``kg``'s entity-to-entity facts."""
    from kgqa.checks.fact_sentences import FactRenderer
    from kgqa.graph.relation_text import VOCABULARIES

    rng = random.Random(seed)
    renderer = FactRenderer(kg)
    props = sorted(p for p in kg.properties() if not p.startswith(VOCABULARIES))
    usable: list[tuple[str, list[tuple[str, str]]]] = []
    for p in props:
        pairs = sorted({(str(s), str(o)) for s, _, o in kg.scan(p) if str(o).startswith(_IRI)})
        if len(pairs) >= 50:
            usable.append((p, pairs))
    rng.shuffle(usable)
    cases: list[dict[str, Any]] = []
    for p, pairs in usable[:relations]:
        objects = sorted({o for _, o in pairs})
        values: dict[str, set[str]] = {}
        for s, o in pairs:
            values.setdefault(s, set()).add(o)
        single_valued = len(values) >= 50 and sum(len(v) == 1 for v in values.values()) >= 0.9 * len(values)
        # the NLI band's facts may have been NLI training pairs (kgqa.train.graph_pairs): never used here
        mine = [(s, o) for s, o in pairs if split_of(s) != "nli"]
        for s, o in rng.sample(mine, min(per_relation, len(mine))):
            fact = next((t for t in kg.facts(s, p, o, inferred=False)), None)
            if fact is None:
                continue
            single = len(values[s]) == 1
            premise = renderer.sentence(fact, 0, single)
            claim = renderer.sentence(fact, 1, single)
            split = "held_out" if split_of(s) == "held_out" else "train"
            base = {"relation": p, "split": split, "premise": premise}
            cases.append({**base, "kind": "true", "hypothesis": claim})
            other = next((x for x in rng.sample(objects, min(20, len(objects))) if x not in values[s]), None)
            if other is not None:
                swapped = fact.__class__(fact.subject, p, other, fact.subject_label, "", kg.label(other))
                wrong = renderer.sentence(swapped, 1, single)
                cases.append({**base, "kind": "swapped", "hypothesis": wrong})
                if single_valued and single:
                    cases += _substitutions(kg, renderer, rng, fact, swapped, wrong, base)
            p2 = rng.choice(usable)[0]
            if p2 != p and not kg.facts(s, p2, o, inferred=False):
                moved = fact.__class__(fact.subject, p2, fact.object, fact.subject_label, "", fact.object_label)
                cases.append({**base, "kind": "relation_swapped", "hypothesis": renderer.sentence(moved, 1, single)})
            unrelated = [
                t
                for t in kg.facts(s, None, None, inferred=False)
                if t.predicate != p and not t.predicate.startswith(VOCABULARIES) and t.object.startswith(_IRI)
            ]
            if unrelated:
                u = rng.choice(sorted(unrelated, key=lambda t: (t.predicate, t.object)))
                cases.append(
                    {**base, "kind": "unrelated", "premise": renderer.sentence(u, 0, False), "hypothesis": claim}
                )
    return cases


def _substitutions(
    kg: Any, renderer: Any, rng: random.Random, fact: Any, swapped: Any, wrong: str, base: dict[str, Any]
) -> list[dict[str, Any]]:
    """The substitution cases of a single-valued fact (:mod:`kgqa.checks.fact_substitution`).

    The claim is the fact with a wrong value (``wrong``, worded as style 1). ``substituted_same``:
    the same relation with the claim's value, as the check renders it, which should entail the claim;
    ``substituted_other``: another relation of the subject with the claim's value, which should not.
    """
    from kgqa.graph.relation_text import VOCABULARIES

    out = [{**base, "kind": "substituted_same", "premise": renderer.sentence(swapped, 0, True), "hypothesis": wrong}]
    others = sorted(
        {
            t.predicate
            for t in kg.facts(fact.subject, None, None, inferred=False)
            if t.predicate != fact.predicate and not t.predicate.startswith(VOCABULARIES) and t.object.startswith(_IRI)
        }
    )
    # a relation rendered with the same words (two properties both read "country") is no other relation
    words = renderer.phrase(fact.predicate).text
    others = [p2 for p2 in others if renderer.phrase(p2).text != words]
    for p2 in rng.sample(others, min(3, len(others))):
        moved = swapped.__class__(swapped.subject, p2, swapped.object, swapped.subject_label, "", swapped.object_label)
        out.append(
            {**base, "kind": "substituted_other", "premise": renderer.sentence(moved, 0, True), "hypothesis": wrong}
        )
    return out


SUBSTITUTION_KINDS = ("substituted_same", "substituted_other")


def choose(
    cases: list[dict[str, Any]],
    precision: float,
    margin: float,
    unrelated_share: float = 0.05,
    substitution_fpr: float = 0.02,
) -> dict[str, Any]:
    """The thresholds chosen on the training cases, and what they give on both splits."""
    every = cases
    cases = [c for c in every if c["kind"] not in SUBSTITUTION_KINDS]
    train = [c for c in cases if c["split"] == "train"]
    other = [c["entailment"] for c in every if c["split"] == "train" and c["kind"] == "substituted_other"]
    substitution = next(
        (t for t in GRID if sum(x >= t for x in other) <= substitution_fpr * len(other)),
        GRID[-1],
    )
    entail = next(
        (
            t
            for t in GRID
            if (sel := [c for c in train if c["entailment"] >= t])
            and sum(c["kind"] == "true" for c in sel) / len(sel) >= precision
        ),
        GRID[-1],
    )
    worst_true = max((c["contradiction"] for c in train if c["kind"] == "true"), default=0.0)
    unrelated = [c["contradiction"] for c in train if c["kind"] == "unrelated"]
    contradict = next(
        (
            t
            for t in GRID
            if t > worst_true + margin and sum(x >= t for x in unrelated) <= unrelated_share * len(unrelated)
        ),
        GRID[-1],
    )

    def report(split: str) -> dict[str, Any]:
        part = [c for c in cases if c["split"] == split]
        true = [c for c in part if c["kind"] == "true"]
        swapped = [c for c in part if c["kind"] == "swapped"]
        supported = [c for c in part if c["entailment"] >= entail]
        return {
            "cases": len(part),
            "true": len(true),
            "supported_precision": round(sum(c["kind"] == "true" for c in supported) / len(supported), 4)
            if supported
            else None,
            "true_supported": round(sum(c["entailment"] >= entail for c in true) / len(true), 4) if true else None,
            "true_contradicted": round(sum(c["contradiction"] >= contradict for c in true) / len(true), 4)
            if true
            else None,
            "swapped_contradicted": round(sum(c["contradiction"] >= contradict for c in swapped) / len(swapped), 4)
            if swapped
            else None,
        }

    def substitutions(split: str) -> dict[str, Any]:
        part = [c for c in every if c["split"] == split]
        same = [c["entailment"] for c in part if c["kind"] == "substituted_same"]
        moved = [c["entailment"] for c in part if c["kind"] == "substituted_other"]
        return {
            "same_relation": len(same),
            "same_relation_reached": round(sum(x >= substitution for x in same) / len(same), 4) if same else None,
            "other_relation": len(moved),
            "other_relation_reached": round(sum(x >= substitution for x in moved) / len(moved), 4) if moved else None,
        }

    return {
        "fact_entail_threshold": entail,
        "fact_contradict_threshold": contradict,
        "fact_substitution_threshold": substitution,
        "train": {**report("train"), "substitution": substitutions("train")},
        "held_out": {**report("held_out"), "substitution": substitutions("held_out")},
    }


def main(argv: list[str] | None = None) -> int:
    """Generate the cases from a world, judge them with the NLI model and write the chosen thresholds."""
    import torch

    from kgqa.config import PipelineConfig
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.reader.calibrated import calibrated_probs, label_probs
    from kgqa.reader.nli import NLIModel

    ap = argparse.ArgumentParser(prog="python -m kgqa.train.fact_thresholds", description=__doc__.split("\n")[0])
    ap.add_argument("--world", required=True, help="the world's kgqa.json (its graph store is opened)")
    ap.add_argument("--out", required=True, help="the JSON file to write")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--relations", type=int, default=40, help="relations sampled")
    ap.add_argument("--per-relation", type=int, default=18, help="facts sampled per relation")
    ap.add_argument("--precision", type=float, default=0.95, help="least precision of the supported training cases")
    ap.add_argument("--margin", type=float, default=0.02, help="added above the worst true claim's contradiction")
    ap.add_argument(
        "--unrelated-share",
        type=float,
        default=0.05,
        help="most unrelated training pairs (another relation of the subject) the contradiction threshold may reach",
    )
    ap.add_argument(
        "--substitution-fpr",
        type=float,
        default=0.02,
        help="most other-relation substitutions (training part) the substitution threshold may reach",
    )
    ap.add_argument("--nli-dir", help="the NLI model folder (default: the world's)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cases", help="also write the judged cases here (JSON lines; they hold the world's labels)")
    ns = ap.parse_args(argv)
    torch.set_num_threads(ns.threads)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = PipelineConfig.load(ns.world)
    kg = KnowledgeGraph.open(config.graph_store) if config.graph_store else KnowledgeGraph.load(config.graphs)
    cases = generate(kg, ns.seed, ns.relations, ns.per_relation)
    logger.info("%d cases from %s", len(cases), ns.world)
    nli = NLIModel(ns.nli_dir or config.nli_dir)
    probs = calibrated_probs(nli, nli.predict([(c["premise"], c["hypothesis"]) for c in cases]))
    for c, p in zip(cases, probs, strict=True):
        c.update({k: round(v, 4) for k, v in label_probs(p).items()})
    chosen = choose(cases, ns.precision, ns.margin, ns.unrelated_share, ns.substitution_fpr)
    record = {
        **chosen,
        "how": "python -m kgqa.train.fact_thresholds " + " ".join(sys.argv[1:] if argv is None else argv),
        "world": str(ns.world),
        "nli": str(ns.nli_dir or config.nli_dir or "data/models/nli"),
        "seed": ns.seed,
        "relations": len({c["relation"] for c in cases}),
        "precision_target": ns.precision,
        "margin": ns.margin,
        "unrelated_share": ns.unrelated_share,
        "substitution_fpr": ns.substitution_fpr,
        "method": " ".join(__doc__.split("\n\n", 2)[2].split()),
    }
    Path(ns.out).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if ns.cases:
        Path(ns.cases).write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    logger.info(json.dumps(chosen, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
