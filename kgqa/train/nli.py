"""The NLI recipe: a 3-way cross-encoder trained on the NLI data available offline plus derived pairs."""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from kgqa.bench.metrics import accuracy
from kgqa.errors import ConfigError
from kgqa.paths import data_dir as default_data_dir
from kgqa.reader.nli import NLIModel
from kgqa.train.args import TrainArgs
from kgqa.train.common import build_model, export_best, prepare_output_dir
from kgqa.train.composed import composed_pairs
from kgqa.train.data import (
    NOT_ENTAILMENT,
    NLIExample,
    mnli_split,
    read_nli,
    read_squad,
    sick_split,
    squad_pairs,
    unrelated_sentence_pairs,
    wordnet_pairs,
)
from kgqa.train.loop import Trainer, set_seed
from kgqa.train.structural import structural_pairs

logger = logging.getLogger(__name__)

DEV_FROM_MNLI = 1000
STRUCTURAL_PAIRS = 8000
#: composed clause pairs (:mod:`kgqa.train.composed`), half entailed, half not
COMPOSED_PAIRS = 7000


def nli_training_data(root: Path, args: TrainArgs) -> tuple[list[NLIExample], list[NLIExample]]:
    """``(train, dev)``: the default mixture, or ``args.train_files`` when given.

    Default train: SNLI dev, the training half of MNLI dev-matched (minus 1,000 kept
    as dev), SICK train, RTE train (2-way) and, with ``derived_data``, WordNet,
    SQuAD, structural (word order, clauses; :mod:`kgqa.train.structural`) and composed
    (:mod:`kgqa.train.composed`) derived pairs. Dev: those 1,000 MNLI pairs plus SICK trial. Never trained
    on: the MNLI held-out half, SICK test, RTE dev, HANS. ``--repeat SOURCE=K`` repeats a source K times.
    """
    if args.train_files:
        pairs = [ex for f in args.train_files for ex in read_nli(root / f)]
        random.Random(args.seed).shuffle(pairs)
        n_dev = max(1, min(1000, len(pairs) // 10))
        return _repeated(pairs[n_dev:], args), pairs[:n_dev]
    mnli_train, _held_out = mnli_split(root)
    # the dev carve-out has its own seed, so a later stage (another --seed) never trains on its dev pairs
    random.Random(args.dev_split_seed).shuffle(mnli_train)
    dev = mnli_train[:DEV_FROM_MNLI] + sick_split(root, "trial")
    train = mnli_train[DEV_FROM_MNLI:]
    train += read_nli(root / "nli" / "snli_dev.jsonl", "snli")
    train += sick_split(root, "train")
    train += read_nli(root / "nli" / "rte_train.jsonl", "rte")
    if args.derived_data:
        premises = [ex.premise for ex in train if ex.source in ("snli", "sick_train")]
        train += wordnet_pairs(root, premises, limit=6000, seed=args.seed)
        sentences = premises + [ex.hypothesis for ex in train if ex.source in ("snli", "sick_train")]
        train += structural_pairs(sentences, limit=STRUCTURAL_PAIRS, seed=args.seed)
        train += composed_pairs(sentences, limit=COMPOSED_PAIRS, seed=args.seed)
        squad = root / "squad" / "train-v1.1.json"
        if squad.is_file():
            squad_train = read_squad(squad)
            train += squad_pairs(squad_train, limit=6000, seed=args.seed)
            if args.unrelated_pairs:
                triples = unrelated_sentence_pairs(squad_train, args.unrelated_pairs, seed=args.seed)
                train += [NLIExample(p, h, 1, "squad_unrelated") for p, h, _ in triples]
    if args.graph_world:
        train += _graph_pairs(args)
    return _repeated(train, args), dev


def _graph_pairs(args: TrainArgs) -> list[NLIExample]:
    """The pairs of :mod:`kgqa.train.graph_pairs` from the graph of ``args.graph_world`` (a world's kgqa.json)."""
    from kgqa.config import PipelineConfig
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.train.graph_pairs import graph_nli_pairs

    world = Path(args.graph_world or "")
    if not world.is_file():
        raise ConfigError(f"--graph-world: no world config at {world}; build one with `kgqa bench world build`")
    config = PipelineConfig.load(world)
    kg = KnowledgeGraph.open(config.graph_store) if config.graph_store else KnowledgeGraph.load(config.graphs)
    return graph_nli_pairs(kg, args.graph_pairs, seed=args.seed)


def _repeated(train: list[NLIExample], args: TrainArgs) -> list[NLIExample]:
    """``train`` with the sources named by ``--repeat`` repeated; logs the mixture."""
    repeat = args.repeat_factors()
    unknown = sorted(set(repeat) - {ex.source for ex in train})
    if unknown:
        sources = ", ".join(sorted({ex.source for ex in train}))
        raise ConfigError(f"--repeat: no source named {', '.join(unknown)} in the mixture; sources: {sources}")
    train = [ex for ex in train for _ in range(repeat.get(ex.source, 1))]
    counts: dict[str, int] = {}
    for ex in train:
        counts[ex.source] = counts.get(ex.source, 0) + 1
    logger.info("NLI training mixture: %s", counts)
    return train


def nli_loss(model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Cross-entropy; a 2-way "non-entailment" label scores log(p_neutral + p_contradiction)."""
    labels = batch.pop("labels")
    logits = model(**batch).logits.float()
    logp = F.log_softmax(logits, dim=-1)
    merged = torch.logsumexp(logp[:, 1:], dim=-1)
    three = labels.clamp(max=2)
    picked = logp.gather(1, three.unsqueeze(1)).squeeze(1)
    per = torch.where(labels == NOT_ENTAILMENT, merged, picked)
    return -per.mean()


def evaluate_nli(model: NLIModel, examples: list[NLIExample]) -> dict[str, float]:
    """Accuracy; 2-way rows count a prediction of neutral or contradiction as non-entailment."""
    probs = model.predict([(e.premise, e.hypothesis) for e in examples])
    pred = probs.argmax(-1)
    gold = np.array([e.label for e in examples])
    pred2 = np.where(gold == NOT_ENTAILMENT, np.where(pred == 0, 0, NOT_ENTAILMENT), pred)
    return {"accuracy": accuracy(gold.tolist(), pred2.tolist()), "n": len(examples)}


def run(args: TrainArgs) -> dict[str, Any]:
    """Train the NLI model; return the final trainer state as a dict."""
    if args.num_threads:
        torch.set_num_threads(args.num_threads)
    set_seed(args.seed)
    root = Path(args.data_dir) if args.data_dir else default_data_dir(required=True)
    out = prepare_output_dir(args)
    model, tok = build_model(args, head="nli")
    train, dev = nli_training_data(root, args)
    if args.max_train_samples:
        train = train[: args.max_train_samples]
    if args.max_eval_samples:
        dev = random.Random(0).sample(dev, min(args.max_eval_samples, len(dev)))
    enc = tok(
        [e.premise for e in train],
        [e.hypothesis for e in train],
        truncation="longest_first",
        max_length=args.max_length,
    )
    feats = [
        {"input_ids": ids, "token_type_ids": tt, "labels": ex.label, "length": len(ids)}
        for ids, tt, ex in zip(enc["input_ids"], enc["token_type_ids"], train, strict=True)
    ]
    logger.info("NLI: %d training pairs, %d dev pairs", len(feats), len(dev))

    def evaluate(m: torch.nn.Module) -> tuple[dict[str, Any], float]:
        res = evaluate_nli(NLIModel.from_model(m, tok, max_length=args.max_length), dev)
        return res, res["accuracy"]

    sources: dict[str, int] = {}
    for ex in train:
        sources[ex.source] = sources.get(ex.source, 0) + 1

    def on_best(m: torch.nn.Module, info: dict[str, Any]) -> None:
        export_best(
            args, m, tok, "nli", {**info, "train_pairs": len(feats), "train_sources": sources, "dev_pairs": len(dev)}
        )

    trainer = Trainer(args, model, feats, nli_loss, evaluate, on_best)
    if args.resume:
        trainer.load_checkpoint()
    state = trainer.train()
    logger.info("NLI done; best model in %s", out / "best")
    return state.__dict__
