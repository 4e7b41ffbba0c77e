"""NLI training pairs derived from a knowledge graph's own facts, and the subject split they share.

The fact-sentence check (:mod:`kgqa.checks.fact_sentences`) reads graph facts as sentences and asks
the NLI model whether they entail or contradict a claim. Trained on MNLI-style text alone, the model
calls many unrelated fact sentences contradictions. These pairs teach it the three cases a graph
can state, rendered by :class:`~kgqa.checks.fact_sentences.FactRenderer` from the graph's labels:

- **entailment**: a fact's sentence and another wording of the same fact (the other sentence style,
  another name of an entity, or the sentence among a second fact of the subject);
- **contradiction**: a fact of a relation the data show to be single-valued on the holder's side (at
  least :data:`SINGLE_SHARE` of at least :data:`MIN_HOLDERS` holders have one value, and this holder
  has one), against the same relation with another value of that relation in place of the holder's
  (``graph_swap_single``); and the same on the object's side for a relation whose sentence names the
  object's one holder with "the" (a ``role`` phrase, ``graph_swap_single_object``: a film's one
  director, "Mara Holt is the director of Grey Sea", against another director in her place), where the
  fact-sentence check refutes a claim through the object as holder;
- **neutral**: another fact of the same subject against the fact's wording.

Two further kinds were tried and left out: the swap in a relation with many values per holder, and the
fact's two entities under another relation, both as neutral. Trained with them (1,000 steps from the
shipped model), the model read every claim worded unlike the graph's template as neutral ("The director
of X is Y" no longer contradicted "Z directed X"); the checker's own rules (a single-valued relation, the
claim's relation or a substitution) already keep such facts from refuting anything.

**The split.** A fact belongs to its subject's band, a seeded hash of the subject's IRI in [0, 1)
(:func:`band`): below :data:`HELD_OUT` it is reported only (the fact-sentence thresholds' held-out
part, the generated false-premise benchmark); from :data:`NLI_FROM` it may be an NLI training pair;
in between it chooses the fact-sentence thresholds (:mod:`kgqa.train.fact_thresholds`). No fact a
benchmark is generated from is ever a training pair.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections import Counter
from typing import Any

from kgqa.train.data import NLIExample

logger = logging.getLogger(__name__)

SPLIT_SEED = 13
#: subjects below this band are held out: reported on, never trained on or tuned with
HELD_OUT = 0.3
#: subjects from this band on may give NLI training pairs; between HELD_OUT and this, thresholds are chosen
NLI_FROM = 0.65
#: a relation is single-valued on a side when this share of its holders have one value ...
SINGLE_SHARE = 0.9
#: ... and it has at least this many holders
MIN_HOLDERS = 50
ENTAILMENT, NEUTRAL, CONTRADICTION = 0, 1, 2
#: each kind's share of the pairs returned (a kind with fewer pairs leaves its share to the others)
QUOTAS = {
    "graph_swap_single": 0.2,
    "graph_swap_single_object": 0.15,
    "graph_paraphrase": 0.2,
    "graph_alias": 0.1,
    "graph_in_context": 0.15,
    "graph_unrelated": 0.2,
}
_IRI = ("http://", "https://", "urn:")


def band(subject: str, seed: int = SPLIT_SEED) -> float:
    """The subject's place in [0, 1): a seeded SHA-256 hash of its IRI (stable across runs and machines)."""
    digest = hashlib.sha256(f"{seed}:{subject}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def split_of(subject: str, seed: int = SPLIT_SEED) -> str:
    """``"held_out"``, ``"thresholds"`` or ``"nli"``: the part a fact with this subject belongs to."""
    b = band(subject, seed)
    return "held_out" if b < HELD_OUT else "thresholds" if b < NLI_FROM else "nli"


def _relations(kg: Any, min_pairs: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """Properties with at least ``min_pairs`` entity-to-entity facts, with those facts (sorted)."""
    from kgqa.graph.relation_text import VOCABULARIES

    out = []
    for p in sorted(p for p in kg.properties() if not p.startswith(VOCABULARIES)):
        pairs = sorted({(str(s), str(o)) for s, _, o in kg.scan(p) if str(o).startswith(_IRI) and s != o})
        if len(pairs) >= min_pairs:
            out.append((p, pairs))
    return out


def _shares(pairs: list[tuple[str, str]]) -> tuple[dict[str, set[str]], float, int]:
    """The values per subject, the share of subjects with exactly one value, and the subject count."""
    values: dict[str, set[str]] = {}
    for s, o in pairs:
        values.setdefault(s, set()).add(o)
    single = sum(len(v) == 1 for v in values.values())
    return values, single / len(values) if values else 0.0, len(values)


def _by_quota(pairs: list[NLIExample], limit: int) -> list[NLIExample]:
    """At most ``limit`` of ``pairs`` (already shuffled), each kind up to its :data:`QUOTAS` share.

    A kind with fewer pairs than its share leaves the rest to the others, in their order of the quota.
    """
    kinds: dict[str, list[NLIExample]] = {}
    for ex in pairs:
        kinds.setdefault(ex.source, []).append(ex)
    take = {k: min(len(v), int(limit * QUOTAS.get(k, 0.0))) for k, v in kinds.items()}
    spare = limit - sum(take.values())
    for k in sorted(kinds, key=lambda k: -QUOTAS.get(k, 0.0)):
        extra = min(spare, len(kinds[k]) - take[k])
        take[k] += extra
        spare -= extra
    chosen = [ex for k, v in kinds.items() for ex in v[: take[k]]]
    random.Random(len(chosen)).shuffle(chosen)
    return chosen


def _other_value(kg: Any, rng: random.Random, objects: list[str], own: set[str]) -> str | None:
    """Another value of the relation: not one of ``own``, not another name of one, not linked to one.

    A value linked to a true one (a region containing the true city) may be true as well, so it is
    not offered as a contradicting one.
    """
    from kgqa.graph.vocabulary import may_be_same

    for x in rng.sample(objects, min(20, len(objects))):
        if x in own or any(may_be_same(kg, x, v) or kg.has(x, None, v) or kg.has(v, None, x) for v in own):
            continue
        return x
    return None


def graph_nli_pairs(
    kg: Any, limit: int, seed: int = 42, split_seed: int = SPLIT_SEED, relations: int = 400, per_relation: int = 40
) -> list[NLIExample]:
    """Up to ``limit`` labelled pairs (module docstring) from the facts of ``kg`` whose subject is in the NLI band.

    Args:
        kg: a :class:`~kgqa.graph.kg.KnowledgeGraph`.
        limit: the most pairs returned (a seeded sample keeps each kind's share).
        seed: sampling seed.
        split_seed: the seed of :func:`band` (the split shared with the thresholds and the benchmark).
        relations: relations sampled (those with at least :data:`MIN_HOLDERS` facts; the default takes
            every relation of a graph the size of FB15k-237, so a rare kind such as an object-side swap is not
            left to chance).
        per_relation: facts sampled per relation.
    """
    from kgqa.checks.fact_sentences import FactRenderer

    rng = random.Random(seed)
    renderer = FactRenderer(kg)
    usable = _relations(kg, MIN_HOLDERS)
    names_of = {p for p, _ in usable}
    rng.shuffle(usable)
    out: list[NLIExample] = []
    for p, pairs in usable[:relations]:
        values, share, holders = _shares(pairs)
        single_valued = holders >= MIN_HOLDERS and share >= SINGLE_SHARE
        owners, owner_share, owned = _shares([(o, s) for s, o in pairs])
        object_single = owned >= MIN_HOLDERS and owner_share >= SINGLE_SHARE
        role = renderer.phrase(p).form == "role"
        objects = sorted({o for _, o in pairs})
        subjects = sorted(values)
        mine = [(s, o) for s, o in pairs if band(s, split_seed) >= NLI_FROM]
        # contradictions are the rare kind: a single-valued relation gives three times as many facts
        n = per_relation * (3 if single_valued or object_single else 1)
        for s, o in rng.sample(mine, min(n, len(mine))):
            fact = next(iter(kg.facts(s, p, o, inferred=False)), None)
            if fact is None:
                continue
            # "the": the holder has this one value (for a role phrase the holder is the object)
            single = len(owners[o]) == 1 if role else len(values[s]) == 1
            first, second = renderer.sentence(fact, 0, single), renderer.sentence(fact, 1, single)
            out.append(NLIExample(first, second, ENTAILMENT, "graph_paraphrase"))
            out.append(NLIExample(second, first, ENTAILMENT, "graph_paraphrase"))
            names = [n for n in kg.labels(s) if n and n != fact.subject_label]
            if names:
                alias = fact.__class__(s, p, o, rng.choice(names), "", fact.object_label)
                hyp = renderer.sentence(alias, rng.randint(0, 1), single)
                out.append(NLIExample(first, hyp, ENTAILMENT, "graph_alias"))
            others = sorted(
                (
                    t
                    for t in kg.facts(s, None, None, inferred=False)
                    if t.predicate != p and t.object.startswith(_IRI) and t.predicate in names_of
                ),
                key=lambda t: (t.predicate, t.object),
            )
            if others:
                u = rng.choice(others)
                unrelated = renderer.sentence(u, 0, False)
                out.append(NLIExample(unrelated, second, NEUTRAL, "graph_unrelated"))
                both = f"{unrelated} {first}" if rng.random() < 0.5 else f"{first} {unrelated}"
                out.append(NLIExample(both, second, ENTAILMENT, "graph_in_context"))
            if single_valued and len(values[s]) == 1:
                for premise in (first, second):
                    other = _other_value(kg, rng, objects, values[s])
                    if other is not None:
                        swapped = fact.__class__(s, p, other, fact.subject_label, "", kg.label(other))
                        hyp = renderer.sentence(swapped, rng.randint(0, 1), single)
                        out.append(NLIExample(premise, hyp, CONTRADICTION, "graph_swap_single"))
            # only where the sentence marks the object's one holder ("the director of O"): "the coach of
            # Team 1 is Mara Holt" does not contradict "the coach of Team 2 is Mara Holt" in words
            if role and object_single and len(owners[o]) == 1:
                for premise in (first, second):
                    other = _other_value(kg, rng, subjects, owners[o])
                    if other is not None:
                        swapped = fact.__class__(other, p, o, kg.label(other), "", fact.object_label)
                        hyp = renderer.sentence(swapped, rng.randint(0, 1), single)
                        out.append(NLIExample(premise, hyp, CONTRADICTION, "graph_swap_single_object"))
    rng.shuffle(out)
    out = _by_quota(out, limit)
    logger.info("graph NLI pairs: %s", dict(Counter(ex.source for ex in out)))
    return out
