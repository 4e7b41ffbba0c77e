"""Choose the fact-sentence thresholds on graph-derived training cases (never on a benchmark's questions).

``python -m kgqa.train.fact_thresholds --world /tmp/fbworld/kgqa.json --out data/fact_sentence_thresholds.json``

Cases come from the world's own facts between two entities. Subjects are split by a seeded hash:
the training part (``1 - held_out``) chooses, the held-out part only reports. For each sampled fact
``S p O`` the premise is its fact sentence (:class:`~kgqa.checks.fact_sentences.FactRenderer`, style 0)
and the hypotheses are:

- ``true``: the same fact worded another way (style 1), a paraphrased true claim;
- ``swapped``: that paraphrase with ``O`` replaced by another object of ``p`` that ``S`` does not have;
- ``relation_swapped``: the fact's entities under another relation the graph does not state for them;
- ``unrelated``: the paraphrase judged against another fact of ``S`` (another relation).

The entailment threshold is the lowest grid value at which the training cases it would support are
at least ``--precision`` true claims (every other kind counts against it). The contradiction
threshold is the lowest grid value above every training true claim's contradiction probability
plus ``--margin`` (no false contradiction on the training cases) that at most ``--unrelated-share``
of the unrelated pairs reach (a fact of another relation is no contradiction: an NLI probability
that such pairs reach often is too weak to refute anything). Probabilities are the NLI model's
calibrated ones, as :class:`~kgqa.checks.fact_sentences.FactSentenceJudge` reads them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import sys
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

GRID = [round(0.5 + 0.01 * i, 2) for i in range(50)]
_IRI = ("http://", "https://", "urn:")


def _held_out(subject: str, seed: int, share: float) -> bool:
    digest = hashlib.sha256(f"{seed}:{subject}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def generate(kg: Any, seed: int, relations: int, per_relation: int, held_out: float) -> list[dict[str, Any]]:
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
        for s, o in rng.sample(pairs, min(per_relation, len(pairs))):
            fact = next((t for t in kg.facts(s, p, o, inferred=False)), None)
            if fact is None:
                continue
            single = len(values[s]) == 1
            premise = renderer.sentence(fact, 0, single)
            claim = renderer.sentence(fact, 1, single)
            split = "held_out" if _held_out(s, seed, held_out) else "train"
            base = {"relation": p, "split": split, "premise": premise}
            cases.append({**base, "kind": "true", "hypothesis": claim})
            other = next((x for x in rng.sample(objects, min(20, len(objects))) if x not in values[s]), None)
            if other is not None:
                swapped = fact.__class__(fact.subject, p, other, fact.subject_label, "", kg.label(other))
                cases.append({**base, "kind": "swapped", "hypothesis": renderer.sentence(swapped, 1, single)})
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


def choose(
    cases: list[dict[str, Any]], precision: float, margin: float, unrelated_share: float = 0.05
) -> dict[str, Any]:
    """The thresholds chosen on the training cases, and what they give on both splits."""
    train = [c for c in cases if c["split"] == "train"]
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

    return {
        "fact_entail_threshold": entail,
        "fact_contradict_threshold": contradict,
        "train": report("train"),
        "held_out": report("held_out"),
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
    ap.add_argument("--per-relation", type=int, default=12, help="facts sampled per relation")
    ap.add_argument("--held-out", type=float, default=0.3, help="share of subjects held out (reported only)")
    ap.add_argument("--precision", type=float, default=0.95, help="least precision of the supported training cases")
    ap.add_argument("--margin", type=float, default=0.02, help="added above the worst true claim's contradiction")
    ap.add_argument(
        "--unrelated-share",
        type=float,
        default=0.05,
        help="most unrelated training pairs (another relation of the subject) the contradiction threshold may reach",
    )
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cases", help="also write the judged cases here (JSON lines; they hold the world's labels)")
    ns = ap.parse_args(argv)
    torch.set_num_threads(ns.threads)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = PipelineConfig.load(ns.world)
    kg = KnowledgeGraph.open(config.graph_store) if config.graph_store else KnowledgeGraph.load(config.graphs)
    cases = generate(kg, ns.seed, ns.relations, ns.per_relation, ns.held_out)
    logger.info("%d cases from %s", len(cases), ns.world)
    nli = NLIModel(config.nli_dir)
    probs = calibrated_probs(nli, nli.predict([(c["premise"], c["hypothesis"]) for c in cases]))
    for c, p in zip(cases, probs, strict=True):
        c.update({k: round(v, 4) for k, v in label_probs(p).items()})
    chosen = choose(cases, ns.precision, ns.margin, ns.unrelated_share)
    record = {
        **chosen,
        "how": "python -m kgqa.train.fact_thresholds " + " ".join(sys.argv[1:] if argv is None else argv),
        "world": str(ns.world),
        "seed": ns.seed,
        "relations": len({c["relation"] for c in cases}),
        "precision_target": ns.precision,
        "margin": ns.margin,
        "unrelated_share": ns.unrelated_share,
        "method": " ".join(__doc__.split("\n\n", 2)[2].split()),
    }
    Path(ns.out).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if ns.cases:
        Path(ns.cases).write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    logger.info(json.dumps(chosen, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
