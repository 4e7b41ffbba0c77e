"""``kgqa train link-model``: ComplEx embeddings of a world's graph, with held-out plausibility thresholds.

The model (:class:`kgqa.graph.link_model.LinkModel`) is trained on the graph's entity-to-entity facts
(IRI objects; schema vocabulary left out except ``rdf:type``), each fact read both ways (reciprocal
relations). A batch holds facts of one relation direction; the candidates are the values that direction
takes in the graph (its range, at most ``--max-candidates`` of them sampled), so the model learns to
tell a right value from other values of the same kind, which is the question a claim asks. The loss is
cross-entropy over the candidates, with the holder's other known values masked, plus the N3 penalty
(Lacroix et al., 2018); Adagrad.

A relation direction is *eligible* when at least ``--min-share`` of its at least ``--min-holders``
holders have one value (counted over the whole graph, as the checker sees it). Before training, the
facts of relations with an eligible direction are split at random into train, dev (``--dev-share``)
and test (``--test-share``); every other fact is trained on, and the model never sees dev or test
facts. An eligible direction is *judged* when it has at least ``--min-candidates`` values and
``--min-dev-facts`` dev facts: on those, each true value is ranked among the direction's candidates
(:meth:`LinkModel.rank_share`), and the direction's threshold is the least rank share that at most
``--max-false-alarm`` of them exceed (relations differ: a birthplace is harder to guess than a
director, so one threshold for all would be loose for some and useless for others). The test split
then reports, at each threshold, the share of true facts called implausible (the false-alarm rate)
and the share of wrong values (another candidate of the same direction that the holder does not
have) that are (the catch rate), over all and per direction. Both go into ``link_model.json`` and
the card.

``kgqa train link-model --world kgqa.json --output-dir worlds/mine/link-model``
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.errors import InputError
from kgqa.graph.link_model import LinkModel, relation_key
from kgqa.train.link_model_card import card, plot_rank_shares
from kgqa.train.link_thresholds import choose_threshold, dev_thresholds, pooled_threshold

logger = logging.getLogger(__name__)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_IRI = ("http://", "https://", "urn:")
#: the flags that choose the split, the judged directions and their thresholds (recorded as "selection")
_SELECTION = (
    "seed",
    "dev_share",
    "test_share",
    "min_share",
    "min_holders",
    "min_candidates",
    "min_dev_facts",
    "min_checker_facts",
    "max_false_alarm",
    "no_pool",
)


@dataclass
class LinkTrainArgs:
    """Arguments of ``kgqa train link-model`` (each field is a flag)."""

    world: str = ""
    output_dir: str = "runs/link-model"
    rank: int = 128
    batch_size: int = 512
    learning_rate: float = 0.1
    n3: float = 5e-3
    epochs: float = 4.0
    max_minutes: float = 30.0
    max_candidates: int = 2048
    dev_share: float = 0.1
    test_share: float = 0.1
    min_share: float = 0.8
    min_holders: int = 50
    min_candidates: int = 20
    min_dev_facts: int = 40
    #: dev facts whose holder has other values that a direction needs before they bound its threshold too
    min_checker_facts: int = 20
    max_false_alarm: float = 0.05
    max_eval: int = 20000
    seed: int = 13
    num_threads: int = 1
    #: directions with too few dev facts stay silent instead of sharing one threshold chosen on their pooled facts
    no_pool: bool = False
    #: re-choose the threshold and re-measure an already trained model in output_dir (same world and seed)
    evaluate_only: bool = False
    #: go on training from output_dir's checkpoint (or its exported weights) for --epochs more
    resume: bool = False
    #: minutes between checkpoints (``checkpoint.safetensors`` in output_dir, weights and optimizer state)
    checkpoint_minutes: float = 5.0


def graph_triples(kg: Any) -> list[tuple[str, str, str]]:
    """The graph's asserted entity-to-entity facts, schema vocabulary left out except ``rdf:type``, sorted."""
    from kgqa.graph.relation_text import VOCABULARIES

    out = set()
    for s, p, o in kg.scan(None, inferred=False):
        ps, os_ = str(p), str(o)
        if not os_.startswith(_IRI) or not str(s).startswith(_IRI):
            continue
        if ps.startswith(VOCABULARIES) and ps != RDF_TYPE:
            continue
        out.add((str(s), ps, os_))
    return sorted(out)


def split_triples(
    triples: list[tuple[str, str, str]],
    dev_share: float,
    test_share: float,
    seed: int,
    focus: set[str] | None = None,
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """``(train, dev, test)``: a seeded random split of the facts.

    With ``focus``, dev and test are drawn only from the facts of those relations (the shares are of
    theirs): the model is only ever asked about them, and every other fact stays in training.
    """
    if not 0 <= dev_share < 0.5 or not 0 <= test_share < 0.5:
        raise InputError(f"--dev-share and --test-share are shares below 0.5, not {dev_share} and {test_share}")
    rng = random.Random(seed)
    pool = [t for t in triples if focus is None or t[1] in focus]
    rest = [] if focus is None else [t for t in triples if t[1] not in focus]
    rng.shuffle(pool)
    n_dev, n_test = round(len(pool) * dev_share), round(len(pool) * test_share)
    return pool[n_dev + n_test :] + rest, pool[:n_dev], pool[n_dev : n_dev + n_test]


def directions(triples: list[tuple[str, str, str]]) -> dict[str, dict[str, set[str]]]:
    """``{relation key: {holder: values}}`` for both directions of every relation."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for s, p, o in triples:
        out[relation_key(p, False)][s].add(o)
        out[relation_key(p, True)][o].add(s)
    return out


def eligible_keys(values: dict[str, dict[str, set[str]]], min_share: float, min_holders: int) -> dict[str, dict]:
    """The mostly single-valued relation directions, with their holder counts and single-valued share."""
    out = {}
    for key, holders in values.items():
        if key.endswith(RDF_TYPE):
            continue
        n = len(holders)
        single = sum(1 for v in holders.values() if len(v) == 1)
        if n >= min_holders and single >= min_share * n:
            out[key] = {"holders": n, "single_share": round(single / n, 4)}
    return out


CHECKPOINT = "checkpoint.safetensors"


def _start_state(args: LinkTrainArgs, entities: list[str], relations: list[str]) -> dict[str, np.ndarray] | None:
    """The tensors ``--resume`` starts from: the checkpoint in output_dir, else its exported weights, else ``None``.

    Raises:
        InputError: ``--resume`` without anything to resume in output_dir, or weights of another graph.
    """
    if not args.resume:
        return None
    out = Path(args.output_dir)
    if (out / CHECKPOINT).is_file():
        from safetensors.numpy import load_file

        state = load_file(str(out / CHECKPOINT))
        shapes = (state["entities"].shape[0], state["relations"].shape[0])
        if shapes != (len(entities), len(relations)):
            raise InputError(f"{out / CHECKPOINT} was trained on another graph; remove it or train without --resume")
        return state
    if (out / "link_model.json").is_file():
        trained = LinkModel.load(out)
        if trained.entities != entities or trained.relations != relations:
            raise InputError(f"{out} was trained on another graph than {args.world}'s; train without --resume")
        steps = int(trained.meta.get("training", {}).get("steps", 0))
        return {
            "entities": trained.entity_vectors.astype(np.float32),
            "relations": trained.relation_vectors.astype(np.float32),
            "steps": np.asarray([steps], dtype=np.int64),
        }
    raise InputError(f"--resume: {out} holds no {CHECKPOINT} and no link_model.json; train without --resume first")


def _save_checkpoint(out: Path, tensors: dict[str, Any]) -> None:
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(out / f".{CHECKPOINT}.tmp"))
    os.replace(out / f".{CHECKPOINT}.tmp", out / CHECKPOINT)


def _train(
    args: LinkTrainArgs,
    train: list[tuple[str, str, str]],
    entities: list[str],
    relations: list[str],
    ranges: dict[str, list[int]],
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    import warnings

    import torch

    # torch warns once that sparse gradients skip its invariant checks (they are built by nn.Embedding itself)
    warnings.filterwarnings("ignore", message="Sparse invariant checks", category=UserWarning)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.num_threads)
    rng = np.random.default_rng(args.seed)
    e_ix = {e: i for i, e in enumerate(entities)}
    r_ix = {r: i for i, r in enumerate(relations)}
    by_key: dict[int, list[tuple[int, int]]] = defaultdict(list)
    known: dict[tuple[int, int], set[int]] = defaultdict(set)
    for s, p, o in train:
        for key, h, t in ((relation_key(p, False), s, o), (relation_key(p, True), o, s)):
            r = r_ix[key]
            by_key[r].append((e_ix[h], e_ix[t]))
            known[(e_ix[h], r)].add(e_ix[t])
    keys = sorted(by_key)
    pairs = {r: np.asarray(by_key[r], dtype=np.int64) for r in keys}
    weights = np.asarray([len(by_key[r]) for r in keys], dtype=np.float64)
    weights /= weights.sum()
    range_arr = {r: np.asarray(ranges[relations[r]], dtype=np.int64) for r in keys}
    total = int(sum(len(v) for v in by_key.values()))
    steps = max(1, int(args.epochs * total / args.batch_size))
    # sparse gradients: a step touches a few thousand of the entity rows, and Adagrad updates only those
    ent = torch.nn.Embedding(len(entities), 2 * args.rank, sparse=True)
    rel = torch.nn.Embedding(len(relations), 2 * args.rank, sparse=True)
    opt = torch.optim.Adagrad([ent.weight, rel.weight], lr=args.learning_rate)
    state = _start_state(args, entities, relations)
    with torch.no_grad():
        if state is None:
            ent.weight.mul_(1e-3)
            rel.weight.mul_(1e-3)
        else:
            ent.weight.copy_(torch.from_numpy(state["entities"]))
            rel.weight.copy_(torch.from_numpy(state["relations"]))
            if "entities_sum" in state:  # Adagrad's accumulated squares, so the step sizes go on shrinking
                opt.state[ent.weight]["sum"].copy_(torch.from_numpy(state["entities_sum"]))
                opt.state[rel.weight]["sum"].copy_(torch.from_numpy(state["relations_sum"]))
    done_before = int(state["steps"][0]) if state is not None and "steps" in state else 0
    saved_at = time.time()

    def checkpoint(steps: int) -> dict[str, np.ndarray]:
        return {
            "entities": ent.weight.detach().numpy(),
            "relations": rel.weight.detach().numpy(),
            "entities_sum": opt.state[ent.weight]["sum"].numpy(),
            "relations_sum": opt.state[rel.weight]["sum"].numpy(),
            "steps": np.asarray([steps], dtype=np.int64),
        }

    k = args.rank
    start, losses, log = time.time(), [], []
    from tqdm.auto import tqdm

    bar = tqdm(range(steps), desc="link model", unit="step", mininterval=10)
    step = 0
    for step in bar:
        r = int(rng.choice(len(keys), p=weights))
        r = keys[r]
        rows = pairs[r][rng.integers(0, len(pairs[r]), size=min(args.batch_size, len(pairs[r])))]
        cands = range_arr[r]
        if len(cands) > args.max_candidates:
            cands = np.unique(np.concatenate([rng.choice(cands, args.max_candidates, replace=False), rows[:, 1]]))
        pos = {int(c): i for i, c in enumerate(cands)}
        target = torch.as_tensor([pos[int(t)] for t in rows[:, 1]])
        mask = np.zeros((len(rows), len(cands)), dtype=bool)
        for i, (h, t) in enumerate(rows):
            for other in known[(int(h), r)]:
                j = pos.get(other)
                if j is not None and other != t:
                    mask[i, j] = True
        h = ent(torch.as_tensor(rows[:, 0]))
        rv = rel(torch.as_tensor([r]))[0]
        c = ent(torch.as_tensor(cands))
        qr = h[:, :k] * rv[:k] - h[:, k:] * rv[k:]
        qi = h[:, :k] * rv[k:] + h[:, k:] * rv[:k]
        logits = qr @ c[:, :k].T + qi @ c[:, k:].T
        logits = logits.masked_fill(torch.as_tensor(mask), float("-inf"))
        loss = torch.nn.functional.cross_entropy(logits, target)
        t_emb = c[target]
        reg = sum(
            (x[..., :k] ** 2 + x[..., k:] ** 2).sqrt().pow(3).sum() for x in (h, t_emb, rv.unsqueeze(0).expand_as(h))
        ) / len(rows)
        opt.zero_grad()
        (loss + args.n3 * reg).backward()
        opt.step()
        losses.append(float(loss.detach()))
        if step % 200 == 199:
            mean = float(np.mean(losses[-200:]))
            log.append({"step": step + 1, "loss": round(mean, 4), "minutes": round((time.time() - start) / 60, 2)})
            bar.set_postfix(loss=f"{mean:.3f}")
        if (time.time() - saved_at) / 60 > args.checkpoint_minutes:
            _save_checkpoint(Path(args.output_dir), checkpoint(done_before + step + 1))
            saved_at = time.time()
        if (time.time() - start) / 60 > args.max_minutes:
            logger.info("stopping at step %d: --max-minutes %.1f reached", step + 1, args.max_minutes)
            break
    # the last state, with the optimizer's, so that --resume goes on exactly from here
    _save_checkpoint(Path(args.output_dir), checkpoint(done_before + step + 1))
    info = {
        "steps": done_before + step + 1,
        "resumed_from_step": done_before,
        "steps_this_run": step + 1,
        "planned_steps": steps,
        "examples": total,
        "minutes": round((time.time() - start) / 60, 2),
    }
    info["log"] = log
    return ent.weight.detach().numpy(), rel.weight.detach().numpy(), info


def linked_pairs(triples: list[tuple[str, str, str]]) -> Counter[frozenset[str]]:
    """How many facts link each pair of entities, either way round (the checker's guard: a value linked
    to the holder by another fact is never called implausible)."""
    return Counter(frozenset((s, o)) for s, _, o in triples)


def _group_rates(judged: dict[str, Any], keys: list[str], rates: Any, pool: Any) -> dict[str, Any]:
    """The false-alarm and catch rates of the directions ``keys`` together (those under the pooled threshold)."""
    wanted = set(keys)
    mine = {k: v for k, v in judged.items() if k in wanted}
    return {
        "directions": len(keys),
        "true_facts": sum(len(v[0]) for v in mine.values()),
        "false_alarm_rate": rates(*pool(0, mine)),
        "true_facts_with_other_values": sum(len(v[2]) for v in mine.values()),
        "false_alarm_rate_other_valued": rates(*pool(2, mine)),
        "catch_rate": rates(*pool(1, mine)),
    }


def evaluate(
    model: LinkModel,
    facts: list[tuple[str, str, str]],
    values: dict[str, dict[str, set[str]]],
    keys: set[str] | dict[str, Any],
    max_eval: int,
    seed: int,
    links: Counter[frozenset[str]] | None = None,
    pooled: list[str] | None = None,
) -> dict[str, Any]:
    """Rank shares of held-out true values and of wrong values of the directions ``keys``.

    Where the model holds a direction's threshold, the false-alarm rate (true values above it) and the
    catch rate (wrong values above it: another value of the direction's range the holder does not have)
    are reported, over all and per direction; ``_true`` maps each direction to its true values' shares.
    With ``links`` (:func:`linked_pairs` of the whole graph), a value linked to the holder by another fact
    than the one held out is never counted as implausible, as in the checker. With ``pooled`` (the directions
    that share the pooled threshold), their rates are also reported together, under ``pooled``.
    """
    rng = random.Random(seed)
    cases = []
    for s, p, o in facts:
        for inverse, h, t in ((False, s, o), (True, o, s)):
            if relation_key(p, inverse) in keys:
                cases.append((h, p, t, inverse))
    rng.shuffle(cases)
    # per direction: true values, wrong values, true values whose holder has other values; (share, linked)
    per_key: dict[str, tuple[list, list, list]] = defaultdict(lambda: ([], [], []))
    for h, p, t, inverse in cases[:max_eval]:
        key = relation_key(p, inverse)
        have = values[key].get(h, set())
        known = sorted(have - {t})
        ranked = model.rank_share(h, p, t, known, inverse)
        if ranked is None:
            continue
        row = (ranked[0], links is not None and links[frozenset((h, t))] > 1)
        per_key[key][0].append(row)
        if known:
            per_key[key][2].append(row)
        wrong = model.entities[int(rng.choice(model.ranges[key].tolist()))]
        if wrong not in have:
            got = model.rank_share(h, p, wrong, known, inverse)
            if got is not None:
                per_key[key][1].append((got[0], links is not None and links[frozenset((h, wrong))] > 0))

    def rates(rows: list[tuple[float, bool]], keys_of: list[str]) -> float | None:
        flagged = [x > model.thresholds[k] and not linked for (x, linked), k in zip(rows, keys_of, strict=True)]
        return round(float(np.mean(flagged)), 4) if flagged else None

    def pool(i: int, only: dict[str, Any]) -> tuple[list[tuple[float, bool]], list[str]]:
        rows = [r for v in only.values() for r in v[i]]
        return rows, [k for k, v in only.items() for _ in v[i]]

    judged = {k: v for k, v in per_key.items() if k in model.thresholds}
    true_all = [x for v in per_key.values() for x, _ in v[0]]
    wrong_all = [x for v in per_key.values() for x, _ in v[1]]
    out: dict[str, Any] = {
        "true_facts": len(true_all),
        "wrong_values": len(wrong_all),
        "median_true_rank_share": round(float(np.median(true_all)), 4) if true_all else None,
        "median_wrong_rank_share": round(float(np.median(wrong_all)), 4) if wrong_all else None,
        "judged_true_facts": sum(len(v[0]) for v in judged.values()),
        "false_alarm_rate": rates(*pool(0, judged)),
        "false_alarm_rate_other_valued": rates(*pool(2, judged)),
        "true_facts_with_other_values": sum(len(v[2]) for v in judged.values()),
        "catch_rate": rates(*pool(1, judged)),
        "linked_guard": links is not None,
        "pooled": _group_rates(judged, pooled, rates, pool) if pooled else None,
        "per_relation": {
            k: {
                "true_facts": len(v[0]),
                "threshold": model.thresholds[k],
                "false_alarm_rate": rates(v[0], [k] * len(v[0])),
                "true_facts_with_other_values": len(v[2]),
                "false_alarm_rate_other_valued": rates(v[2], [k] * len(v[2])),
                "catch_rate": rates(v[1], [k] * len(v[1])),
            }
            for k, v in sorted(judged.items(), key=lambda kv: -len(kv[1][0]))
        },
        "_true": {k: [x for x, _ in v[0]] for k, v in per_key.items()},
        # where the checker can fire (the holder has other values); a linked value is never flagged there
        "_checker": {k: [-1.0 if linked else x for x, linked in v[2]] for k, v in per_key.items()},
        "_wrong": {k: [x for x, _ in v[1]] for k, v in per_key.items()},
    }
    return out


def check_args(args: LinkTrainArgs) -> None:
    """Refuse flags out of range before the graph is read (which takes minutes on a big world)."""
    if not 0 <= args.dev_share < 0.5 or not 0 <= args.test_share < 0.5:
        raise InputError(
            f"--dev-share and --test-share are shares below 0.5, not {args.dev_share} and {args.test_share}"
        )
    counts = ("rank", "batch_size", "max_candidates", "min_holders", "min_candidates", "min_dev_facts", "max_eval")
    for name in (*counts, "min_checker_facts"):
        if getattr(args, name) < 1:
            raise InputError(f"--{name.replace('_', '-')} must be at least 1, not {getattr(args, name)}")
    for name in ("min_share", "max_false_alarm"):
        if not 0 <= getattr(args, name) <= 1:
            raise InputError(f"--{name.replace('_', '-')} is a share in [0, 1], not {getattr(args, name)}")
    if args.epochs <= 0 or args.max_minutes <= 0 or args.learning_rate <= 0 or args.n3 < 0:
        raise InputError("--epochs, --max-minutes and --learning-rate must be positive and --n3 not negative")
    if args.checkpoint_minutes <= 0:
        raise InputError("--checkpoint-minutes must be positive")
    if args.resume and args.evaluate_only:
        raise InputError("--resume trains on and --evaluate-only does not train: give one of them")


def run(args: LinkTrainArgs) -> dict[str, Any]:
    """Train, choose the threshold on dev, measure on test, and write the model folder with its card."""
    from kgqa.config import PipelineConfig
    from kgqa.graph.kg import KnowledgeGraph

    if not args.world:
        raise InputError("kgqa train link-model needs --world, the kgqa.json of the world whose graph it learns")
    check_args(args)
    config = PipelineConfig.load(args.world)
    kg = KnowledgeGraph.open(config.graph_store) if config.graph_store else KnowledgeGraph.load(config.graphs)
    triples = graph_triples(kg)
    if len(triples) < 100:
        raise InputError(f"{args.world}: its graph holds {len(triples)} entity-to-entity facts; a link model needs 100")
    logger.info("%d entity-to-entity facts", len(triples))
    values = directions(triples)
    eligible = eligible_keys(values, args.min_share, args.min_holders)
    focus = {key.removeprefix("inverse ") for key in eligible}
    train, dev, test = split_triples(triples, args.dev_share, args.test_share, args.seed, focus)
    entities = sorted({x for s, _, o in triples for x in (s, o)})
    e_ix = {e: i for i, e in enumerate(entities)}
    relations = sorted(values)
    ranges = {key: sorted(e_ix[v] for vs in holders.values() for v in vs) for key, holders in values.items()}
    ranges = {key: sorted(set(v)) for key, v in ranges.items()}
    # the checker ranks only eligible directions with enough candidates: keep their ranges
    kept = {key: ranges[key] for key in eligible if len(ranges[key]) >= args.min_candidates}
    if args.evaluate_only:
        trained = LinkModel.load(args.output_dir)
        if trained.entities != entities or trained.relations != relations:
            raise InputError(
                f"{args.output_dir} was trained on another graph than {args.world}'s; retrain without --evaluate-only"
            )
        info = trained.meta.get("training", {})
        ent, rel = trained.entity_vectors, trained.relation_vectors
    else:
        ent, rel, info = _train(args, train, entities, relations, ranges)
    model = LinkModel(entities, relations, ent, rel, kept, {})
    links = linked_pairs(triples)
    dev_split = evaluate(model, dev, values, kept, args.max_eval, args.seed, links)
    thresholds = dev_thresholds(dev_split["_true"], dev_split["_checker"], args)
    pooled = pooled_threshold(dev_split["_true"], dev_split["_checker"], args)
    small = pooled["directions"] if pooled else []
    if pooled:
        thresholds.update(dict.fromkeys(small, pooled["threshold"]))
    model = LinkModel(entities, relations, ent, rel, {k: kept[k] for k in thresholds}, thresholds)
    dev_eval = evaluate(model, dev, values, thresholds, args.max_eval, args.seed, links, small)
    test_eval = evaluate(model, test, values, thresholds, args.max_eval, args.seed + 1, links, small)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    plot_rank_shares(model, test_eval, out / "rank_shares.png")
    for split in (dev_eval, test_eval):
        for key in ("_true", "_wrong", "_checker"):
            split.pop(key)
    model.meta = {
        "world": str(Path(args.world).resolve()),
        "facts": {"all": len(triples), "train": len(train), "dev": len(dev), "test": len(test)},
        "eligible": eligible,
        "judged": sorted(thresholds),
        "pooled": pooled,
        "dev": dev_eval,
        "test": test_eval,
        "training": info if args.evaluate_only else {**info, "args": asdict(args)},
        # what chose the split, the judged directions and their thresholds (this run's flags, also under
        # --evaluate-only, where "training" keeps the flags the weights were trained with)
        "selection": {k: getattr(args, k) for k in _SELECTION},
        "exported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    out = model.save(args.output_dir)
    (out / "README.md").write_text(card(model), encoding="utf-8")
    summary = {
        "output_dir": str(out),
        "judged": len(thresholds),
        "eligible": len(eligible),
        "dev": {k: v for k, v in dev_eval.items() if k != "per_relation"},
        "test": {k: v for k, v in test_eval.items() if k != "per_relation"},
    }
    logger.info("link model: %s", json.dumps(summary))
    return summary


def add_link_model_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``link-model`` on the ``kgqa train`` subparsers."""
    helptext = "train the graph's link model (ComplEx plausibility of values of mostly single-valued relations)"
    p = sub.add_parser("link-model", help=helptext, description=helptext)
    defaults = LinkTrainArgs()
    for name, value in asdict(defaults).items():
        flag = f"--{name.replace('_', '-')}"
        if isinstance(value, bool):
            p.add_argument(flag, action="store_true")
        else:
            p.add_argument(flag, type=type(value), default=value, required=name == "world")
    return p


def args_from_namespace(ns: argparse.Namespace) -> LinkTrainArgs:
    """The :class:`LinkTrainArgs` of a parsed ``kgqa train link-model`` command line."""
    return LinkTrainArgs(**{k: getattr(ns, k) for k in LinkTrainArgs.__dataclass_fields__})


__all__ = [
    "LinkTrainArgs",
    "add_link_model_parser",
    "args_from_namespace",
    "card",
    "check_args",
    "choose_threshold",
    "dev_thresholds",
    "directions",
    "eligible_keys",
    "evaluate",
    "graph_triples",
    "linked_pairs",
    "plot_rank_shares",
    "pooled_threshold",
    "run",
    "split_triples",
]
