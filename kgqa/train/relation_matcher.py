"""``kgqa train relations``: fine-tune all-MiniLM-L6-v2 as kgqa's relation matcher (its top layers, or LoRA factors).

A bi-encoder: a question or claim with its entity mention marked, and a property text, are embedded by
the same model. The loss is sentence-transformers' ``MultipleNegativesRankingLoss`` over (text, property
text, hard negative) triples: the other pairs' properties in the batch are in-batch negatives (a batch never
holds one property twice) and the hard negative is another property of the same subject. Only the top
``--layers`` transformer layers are trained and saved (float16 safetensors, see
:mod:`kgqa.graph.relation_model`), or, with ``--lora-r``, low-rank factors of every layer's projections
(peft's LoRA), a tenth of the size. Every ``--eval-minutes`` the model is scored on the dev split (each text
ranked against every property of its pool, top-1/top-5) and checkpointed; the best checkpoint is exported
with the score threshold that best separates right from wrong top-1 matches on dev.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.errors import InputError
from kgqa.graph.relation_model import FACTORS_FILE, WEIGHTS_FILE, apply_layers, layer_keys
from kgqa.paths import base_model_dir
from kgqa.train.relation_card import card, export
from kgqa.train.relation_data import (
    Example,
    Pool,
    graph_examples,
    metaqa_path_pool,
    simplequestions_pool,
    split,
    write_jsonl,
)

logger = logging.getLogger(__name__)

SQ_FILE = "kgqa/simplequestions_wikidata/annotated_wd_data_train_answerable.txt"
SQ_PROPERTIES = "kg/codex/relations.json"
SQ_ENTITIES = "kg/fb15k237/entity2wikidata.json"


@dataclass
class RelationTrainArgs:
    """Arguments of ``kgqa train relations`` (each field is a flag)."""

    graphs: list[str] = field(default_factory=list)
    questions: str | None = None
    property_labels: str | None = None
    entity_labels: str | None = None
    output_dir: str = "runs/relations"
    export_dir: str | None = None
    layers: int = 1
    batch_size: int = 32
    learning_rate: float = 1.5e-4
    max_steps: int = 3000
    max_minutes: float = 40.0
    eval_minutes: float = 5.0
    max_length: int = 48
    per_property: int = 40
    per_fact: int = 2
    dev_share: float = 0.1
    max_dev: int = 1500
    seed: int = 13
    num_threads: int = 1
    metaqa: str | None = None
    metaqa_per_hop: int = 3000
    init_dir: str | None = None
    path_directions: bool = False
    path_negative_hops: int = 0
    tog: list[str] = field(default_factory=list)
    tog_graph: str | None = None
    tog_repeat: int = 1
    tog_train_all: bool = False
    lora_r: int = 0
    lora_targets: str = "query,key,value,dense"


def _pools(args: RelationTrainArgs) -> tuple[dict[str, Pool], list[Example]]:
    pools: dict[str, Pool] = {}
    examples: list[Example] = []
    for group in args.graphs:
        pool, ex = graph_examples(group.split(","), args.per_property, args.per_fact, args.seed)
        pools[pool.name] = pool
        examples += ex
    if args.tog:
        from kgqa.train.relation_questions import open_graph, tog_examples

        if not args.tog_graph:
            raise InputError("--tog needs --tog-graph: the graph store or RDF files holding the topic entities")
        added, ex = tog_examples(args.tog, open_graph(args.tog_graph), dict(pools))
        pools.update(added)
        examples += ex
    if args.questions:
        if not args.property_labels:
            raise InputError("--questions needs --property-labels (the labels of the questions' properties)")
        pool, ex = simplequestions_pool(args.questions, args.property_labels, args.entity_labels)
        pools[pool.name] = pool
        examples += ex
    if args.metaqa:
        files = [Path(args.metaqa) / f"{n}-hop" / "dev.txt" for n in (1, 2, 3)]
        files = [f for f in files if f.is_file()]
        if not files:
            raise InputError(f"--metaqa {args.metaqa} holds no N-hop/dev.txt question files")
        hops = args.path_negative_hops
        pool, ex = metaqa_path_pool(args.metaqa, files, args.metaqa_per_hop, args.seed, args.path_directions, hops)
        pools[pool.name] = pool
        examples += ex
    if not examples:
        raise InputError("no training examples: pass --graphs and/or --questions")
    return pools, examples


def _batches(
    train: list[Example], pools: dict[str, Pool], batch_size: int, rng: random.Random
) -> tuple[list[str], list[str], list[str]]:
    """One batch of (anchor, positive, hard negative) with distinct properties and no negative equal to a positive."""
    chosen: list[Example] = []
    keys: set[tuple[str, str]] = set()
    distinct = len({(e.pool, e.relation) for e in train})
    while len(chosen) < min(batch_size, distinct):
        e = train[rng.randrange(len(train))]
        if (e.pool, e.relation) not in keys:
            keys.add((e.pool, e.relation))
            chosen.append(e)
    anchors, positives, negatives = [], [], []
    for e in chosen:
        pool = pools[e.pool]
        anchors.append(e.text)
        names = pool.names.get(e.relation) or pool.relations[e.relation]
        texts = pool.relations[e.relation]
        positives.append(rng.choice(names) if rng.random() < 0.75 else rng.choice(texts))
        options = [n for n in e.negatives if (e.pool, n) not in keys]
        if not options:
            options = [
                p for p in rng.sample(sorted(pool.relations), min(8, len(pool.relations))) if (e.pool, p) not in keys
            ]
        neg = rng.choice(options) if options else e.relation
        negatives.append(rng.choice(pools[e.pool].names.get(neg) or pools[e.pool].relations[neg]))
    return anchors, positives, negatives


def _encode(model: Any, texts: Sequence[str]) -> np.ndarray:
    vecs = model.encode(list(texts), batch_size=64, convert_to_numpy=True, show_progress_bar=False)
    vecs = np.asarray(vecs, dtype=np.float32)
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


def evaluate(model: Any, dev: Sequence[Example], pools: dict[str, Pool]) -> dict[str, Any]:
    """Top-1/top-5 accuracy of ranking each dev text against every property of its pool, and the top-1 scores."""
    model.eval()
    hits1 = hits5 = 0
    scores: list[float] = []
    correct: list[bool] = []
    sources: list[str] = []
    per_pool: dict[str, dict[str, float]] = {}
    for name, pool in pools.items():
        rows = [e for e in dev if e.pool == name]
        if not rows:
            continue
        props = sorted(pool.relations)
        texts = [(i, t) for i, p in enumerate(props) for t in pool.relations[p]]
        owner = np.asarray([i for i, _ in texts])
        matrix = _encode(model, [t for _, t in texts])
        queries = _encode(model, [e.text for e in rows])
        sims = queries @ matrix.T
        best = np.full((len(rows), len(props)), -2.0, dtype=np.float32)
        for j in range(len(props)):
            best[:, j] = sims[:, owner == j].max(axis=1)
        order = np.argsort(-best, axis=1)[:, :5]
        h1 = h5 = 0
        for r, e in enumerate(rows):
            gold = props.index(e.relation)
            top = list(order[r])
            h1 += top[0] == gold
            h5 += gold in top
            scores.append(float(best[r, top[0]]))
            correct.append(bool(top[0] == gold))
            sources.append(e.source)
        hits1, hits5 = hits1 + h1, hits5 + h5
        per_pool[name] = {"top1": h1 / len(rows), "top5": h5 / len(rows), "n": len(rows)}
    n = max(1, len(scores))
    return {
        "top1": hits1 / n,
        "top5": hits5 / n,
        "n": len(scores),
        "pools": per_pool,
        "_scores": (scores, correct, sources),
    }


def choose_threshold(scores: Sequence[float], correct: Sequence[bool]) -> dict[str, float]:
    """The top-1 score threshold with the most right decisions (accept a right match, reject a wrong one)."""
    if not scores:
        return {"threshold": 0.5, "precision": 0.0, "coverage": 0.0}
    pairs = sorted(zip(scores, correct, strict=True), reverse=True)
    wrong_total = sum(1 for _, c in pairs if not c)
    best_t, best_val, ok, bad = pairs[0][0] + 1e-6, wrong_total, 0, 0
    best_prec, best_cov = 0.0, 0.0
    for i, (s, c) in enumerate(pairs):
        ok, bad = ok + c, bad + (not c)
        value = ok + (wrong_total - bad)
        if value > best_val:
            best_t, best_val, best_prec, best_cov = s, value, ok / (i + 1), (i + 1) / len(pairs)
    return {"threshold": round(float(best_t), 4), "precision": round(best_prec, 4), "coverage": round(best_cov, 4)}


def _thresholds(scores: Sequence[float], correct: Sequence[bool], sources: Sequence[str]) -> dict[str, float]:
    """The relation threshold, chosen on the one-relation dev examples only, and the path threshold on all of them.

    The relation threshold keeps its meaning when path pairs join the data (it accepts or rejects one
    property); relation paths are accepted at the threshold chosen over the whole dev split, path pairs included.
    """
    single = [(s, c) for s, c, src in zip(scores, correct, sources, strict=True) if src != "paths"]
    out = (
        choose_threshold([s for s, _ in single], [c for _, c in single])
        if single
        else choose_threshold(scores, correct)
    )
    if len(single) < len(scores):
        whole = choose_threshold(scores, correct)
        out.update(
            path_threshold=whole["threshold"], path_precision=whole["precision"], path_coverage=whole["coverage"]
        )
    return out


def save_layers(model: Any, layers: Sequence[int], folder: Path) -> None:
    """Write the trained layers in float16 (``layers.safetensors``)."""
    from safetensors.torch import save_file

    bert = model[0].auto_model
    state = bert.state_dict()
    folder.mkdir(parents=True, exist_ok=True)
    save_file(
        {k: state[k].detach().to("cpu").half().contiguous() for k in sorted(layer_keys(state, layers))},
        str(folder / WEIGHTS_FILE),
    )


def run(args: RelationTrainArgs) -> dict[str, Any]:
    """Build the data, train, select and export; returns the summary written to ``summary.json``."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from tqdm import tqdm
    from transformers import get_linear_schedule_with_warmup

    torch.set_num_threads(args.num_threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    pools, examples = _pools(args)
    train, dev, held = split(examples, args.dev_share, args.seed)
    from kgqa.train.relation_questions import place_tog_pairs

    train, dev = place_tog_pairs(train, dev, held, args.tog_repeat, args.tog_train_all)
    # the relation pools' dev sample is drawn as without path data, so that its numbers stay comparable
    single = [e for e in dev if e.source not in ("paths", "tog")]
    paths = [e for e in dev if e.source == "paths"]
    tog = [e for e in dev if e.source == "tog"]  # all kept: a few dozen, reported as their own pool
    dev = random.Random(args.seed).sample(single, min(args.max_dev, len(single)))
    dev += random.Random(args.seed).sample(paths, min(args.max_dev // 2, len(paths))) + tog
    write_jsonl(out / "train.jsonl", train)
    write_jsonl(out / "dev.jsonl", dev)
    logger.info("%d train / %d dev examples; %d held-out properties", len(train), len(dev), len(held))

    model = SentenceTransformer(str(base_model_dir()), device="cpu", local_files_only=True)
    model.max_seq_length = args.max_length
    bert = model[0].auto_model
    n_layers = int(bert.config.num_hidden_layers)
    if not 1 <= args.layers <= n_layers:
        raise InputError(f"--layers must be in 1..{n_layers}, got {args.layers}")
    layers = list(range(n_layers - args.layers, n_layers))
    if args.init_dir and args.lora_r:
        raise InputError("--init-dir and --lora-r do not combine: LoRA factors are trained over the plain base")
    if args.init_dir:  # continue from an exported model's layers (the others trained from the base's)
        from safetensors.torch import load_file

        from kgqa.graph.relation_model import read_meta

        meta = read_meta(Path(args.init_dir))
        if not set(meta["layers"]) <= set(layers):
            raise InputError(f"--init-dir {args.init_dir} trained layers {meta['layers']}, not within {layers}")
        apply_layers(bert, load_file(str(Path(args.init_dir) / WEIGHTS_FILE)), meta["layers"], args.init_dir)
    if args.lora_r:  # low-rank changes to every layer's projections (peft), the base weights frozen
        from peft import LoraConfig, get_peft_model

        targets = [t.strip() for t in args.lora_targets.split(",") if t.strip()]
        config = LoraConfig(r=args.lora_r, lora_alpha=2 * args.lora_r, lora_dropout=0.1, target_modules=targets)
        model[0].auto_model = get_peft_model(bert, config)
        layers = []
    else:
        trainable = layer_keys(dict(bert.named_parameters()), layers)
        for param in model.parameters():
            param.requires_grad = False
        for name, param in bert.named_parameters():
            param.requires_grad = name in trainable
    params = [p for p in model.parameters() if p.requires_grad]
    logger.info("training %s: %d parameters", layers or "LoRA factors", sum(p.numel() for p in params))
    save = (
        (lambda folder: save_factors(model, folder))
        if args.lora_r
        else (lambda folder: save_layers(model, layers, folder))
    )
    loss_fn = MultipleNegativesRankingLoss(model)
    optimizer = torch.optim.AdamW(params, lr=args.learning_rate, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, max(1, args.max_steps // 20), args.max_steps)

    history: list[dict[str, Any]] = []
    best: dict[str, Any] = {"top1": -1.0}
    start = time.monotonic()

    def checkpoint(step: int) -> None:
        result = evaluate(model, dev, pools)
        scores = result.pop("_scores")
        result.update(step=step, minutes=round((time.monotonic() - start) / 60, 2))
        history.append(result)
        with (out / "training_log.jsonl").open("a", encoding="utf-8") as log:
            log.write(json.dumps(result) + "\n")
        logger.info("step %d: dev top1 %.4f top5 %.4f (n=%d)", step, result["top1"], result["top5"], result["n"])
        if step > 0:
            save(out / f"checkpoint-{step}")
        if step > 0 and result["top1"] > best["top1"]:
            best.clear()
            best.update(result, **_thresholds(*scores))
            save(out / "best")

    (out / "training_log.jsonl").unlink(missing_ok=True)
    checkpoint(0)
    last_eval = time.monotonic()
    step = 0
    bar = tqdm(total=args.max_steps, desc="relations", mininterval=30)
    while step < args.max_steps and (time.monotonic() - start) / 60 < args.max_minutes:
        model.train()
        anchors, positives, negatives = _batches(train, pools, args.batch_size, rng)
        tokenize = getattr(model, "preprocess", None) or model.tokenize  # renamed in sentence-transformers 6
        features = [tokenize(t) for t in (anchors, positives, negatives)]
        loss = loss_fn(features, None)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        step += 1
        bar.update(1)
        if step % 50 == 0:
            logger.info("step %d loss %.4f", step, float(loss))
        if (time.monotonic() - last_eval) / 60 >= args.eval_minutes:
            checkpoint(step)
            last_eval = time.monotonic()
    bar.close()
    if not history or history[-1]["step"] != step:
        checkpoint(step)
    summary = {
        "args": asdict(args),
        "layers": layers,
        **({"low_rank": _factor_scales(model)} if args.lora_r else {}),
        "train_examples": len(train),
        "dev_examples": len(dev),
        "held_out_properties": len(held),
        "pools": {name: len(p.relations) for name, p in pools.items()},
        "sources": _source_counts(train),
        "baseline": history[0],
        "best": best,
        "history": history,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    if args.export_dir:
        export(out, Path(args.export_dir))
    return summary


def save_factors(model: Any, folder: Path) -> None:
    """Write the LoRA factors of a model trained with ``--lora-r`` in float16 (``low_rank.safetensors``)."""
    from safetensors.torch import save_file

    from kgqa.train.low_rank_export import factor_tensors, low_rank_factors

    folder.mkdir(parents=True, exist_ok=True)
    save_file(factor_tensors(low_rank_factors(model[0].auto_model)), str(folder / FACTORS_FILE))


def _factor_scales(model: Any) -> dict[str, dict[str, Any]]:
    """``{weight name: {"scale", "rank"}}`` of the LoRA factors (``relation_model.json``'s ``low_rank``)."""
    from kgqa.train.low_rank_export import low_rank_factors

    factors = low_rank_factors(model[0].auto_model)
    return {k: {"scale": s, "rank": int(a.shape[0])} for k, (a, _b, s) in sorted(factors.items())}


def _source_counts(rows: Sequence[Example]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in rows:
        counts[e.source] = counts.get(e.source, 0) + 1
    return counts


def add_relations_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``relations`` on the ``kgqa train`` subparsers."""
    helptext = "fine-tune the relation matcher (bi-encoder over graph-derived and question pairs)"
    p = sub.add_parser("relations", help=helptext, description=helptext)
    defaults = RelationTrainArgs()
    p.add_argument(
        "--graphs",
        action="append",
        default=[],
        help="comma-separated RDF files read as one graph (repeat for several graphs)",
    )
    p.add_argument("--questions", help="SimpleQuestions-Wikidata style TSV (subject, P../R.., object, question)")
    p.add_argument("--property-labels", help='JSON {"P..": {"label", "description"}} for --questions')
    p.add_argument("--entity-labels", help="JSON of entities with wikidata_id/label/alternatives (marks mentions)")
    p.add_argument("--data-defaults", action="store_true", help=f"use {SQ_FILE} etc. from the data directory")
    for name in ("output_dir", "export_dir", "layers", "batch_size", "learning_rate", "max_steps", "max_minutes"):
        value = getattr(defaults, name)
        p.add_argument(f"--{name.replace('_', '-')}", type=type(value) if value is not None else str, default=value)
    for name in ("eval_minutes", "max_length", "per_property", "per_fact", "dev_share", "max_dev", "seed"):
        value = getattr(defaults, name)
        p.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    p.add_argument("--num-threads", type=int, default=1)
    p.add_argument("--metaqa", help="MetaQA folder (KB and N-hop/dev.txt): adds relation-path pairs")
    p.add_argument("--metaqa-per-hop", type=int, default=defaults.metaqa_per_hop, help="questions per hop file")
    p.add_argument("--path-negative-hops", type=int, default=0, help="path negatives up to N steps (0: the question's)")
    p.add_argument("--init-dir", help="start from the trained layers of this exported model folder")
    p.add_argument(
        "--lora-r",
        type=int,
        default=defaults.lora_r,
        help="train LoRA factors of this rank on every layer instead of the top --layers (0: off)",
    )
    p.add_argument(
        "--lora-targets", default=defaults.lora_targets, help="comma-separated projection names the factors adapt"
    )
    p.add_argument("--tog", action="append", default=[], help="ToG question file (topic ids, gold answers); repeatable")
    p.add_argument("--tog-repeat", type=int, default=1, help="draw each --tog training pair this many times as often")
    p.add_argument(
        "--tog-train-all",
        action="store_true",
        help="train on the --tog pairs of the dev split too (a final fit after a held-out run; no ToG dev pool)",
    )
    p.add_argument("--tog-graph", help="graph store folder or comma-separated RDF files holding --tog's topic entities")
    p.add_argument(
        "--path-directions",
        action="store_true",
        help="directed path texts: a backward step of a multi-step path reads 'inverse <relation>'",
    )
    return p


def args_from_namespace(ns: argparse.Namespace) -> RelationTrainArgs:
    """The :class:`RelationTrainArgs` of a parsed ``kgqa train relations`` command line."""
    values = {k: getattr(ns, k) for k in RelationTrainArgs.__dataclass_fields__ if hasattr(ns, k)}
    args = RelationTrainArgs(**values)
    if getattr(ns, "data_defaults", False):
        from kgqa.paths import data_dir

        root = data_dir()
        if root is None:
            raise InputError("--data-defaults needs the data directory (set KGQA_DATA)")
        args.questions = args.questions or str(root / SQ_FILE)
        args.property_labels = args.property_labels or str(root / SQ_PROPERTIES)
        args.entity_labels = args.entity_labels or str(root / SQ_ENTITIES)
    return args


__all__ = [
    "RelationTrainArgs",
    "add_relations_parser",
    "args_from_namespace",
    "card",
    "choose_threshold",
    "evaluate",
    "export",
    "run",
    "save_factors",
    "save_layers",
]
