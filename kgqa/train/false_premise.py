"""The false-premise recipe: a binary question classifier (``kgqa train false-premise``).

all-MiniLM-L6-v2 (or ``--init-model``) with a fresh 2-way head reads the question alone and
predicts whether it rests on a false premise. Training data: FalseQA train minus a seeded 15%
dev carve-out, plus (true, false) question pairs generated from FB15k-237, ConceptNet and
WordNet (:mod:`kgqa.train.false_premise_data`, split by subject). The checkpoint and the
decision threshold are chosen on the two dev sets only (the FalseQA carve-out and the generated
dev split): the threshold keeps the false-alarm rate on each dev set's true-premise half at or
under :data:`MAX_FALSE_ALARM` and, within that, maximises the mean accuracy of the two
(:func:`choose_threshold`). FalseQA valid and the generated test split are never read here.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from kgqa.checks.false_premise import LABELS, FalsePremiseDetector
from kgqa.errors import ConfigError
from kgqa.paths import data_dir as default_data_dir
from kgqa.train.args import TrainArgs
from kgqa.train.common import export_best, prepare_output_dir, with_lora
from kgqa.train.false_premise_data import (
    FPExample,
    as_examples,
    falseqa_file,
    generated_splits,
    read_falseqa,
    source_counts,
    split_dev,
)
from kgqa.train.loop import Trainer, set_seed

logger = logging.getLogger(__name__)

TASK = "false-premise"
#: share of FalseQA train kept out as dev
DEV_FRACTION = 0.15
#: the threshold keeps the false-alarm rate on each dev set's true-premise half at or under this
MAX_FALSE_ALARM = 0.10


@dataclass
class FPData:
    """The training set and the two dev sets."""

    train: list[FPExample]
    dev_falseqa: list[FPExample]
    dev_generated: list[FPExample]


def training_data(root: Path, args: TrainArgs) -> FPData:
    """FalseQA train (minus its dev carve-out) plus the generated train split; ``--repeat`` applies."""
    falseqa = read_falseqa(falseqa_file(root, "train"))
    fq_train, fq_dev = split_dev(falseqa, DEV_FRACTION, args.dev_split_seed)
    train = list(fq_train)
    dev_generated: list[FPExample] = []
    if args.generated_pairs:
        splits = generated_splits(root, args.generated_pairs, args.dev_split_seed)
        train += as_examples(splits["train"])
        dev_generated = as_examples(splits["dev"])
    repeat = args.repeat_factors()
    unknown = sorted(set(repeat) - {e.source for e in train})
    if unknown:
        raise ConfigError(
            f"--repeat: no source named {', '.join(unknown)}; sources: {', '.join(sorted(source_counts(train)))}"
        )
    train = [e for e in train for _ in range(repeat.get(e.source, 1))]
    random.Random(args.seed).shuffle(train)
    logger.info("false-premise training mixture: %s", source_counts(train))
    return FPData(train, fq_dev, dev_generated)


def build_classifier(args: TrainArgs) -> tuple[torch.nn.Module, Any]:
    """The base encoder (or ``init_model``'s encoder) with a fresh 2-way head."""
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    from kgqa.paths import base_model_dir
    from kgqa.reader.modelio import load_model_folder

    id2label = dict(enumerate(LABELS))
    label2id = {lab: i for i, lab in enumerate(LABELS)}
    if args.init_model:
        # any kgqa folder (reader, NLI, an earlier false-premise model): keep the encoder, new head
        model, tok = load_model_folder(args.init_model, head="nli", allow_new_head=True)
        config = model.config
        config.num_labels, config.id2label, config.label2id = len(LABELS), id2label, label2id
        fresh = AutoModelForSequenceClassification.from_config(config)
        fresh.bert.load_state_dict(model.bert.state_dict())
        model = fresh
    else:
        base = base_model_dir()
        tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
        config = AutoConfig.from_pretrained(
            base, num_labels=len(LABELS), id2label=id2label, label2id=label2id, local_files_only=True
        )
        model = AutoModelForSequenceClassification.from_pretrained(base, config=config, local_files_only=True)
    if args.freeze_word_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    if args.lora:  # a small shippable folder with --lora-export low-rank
        model = with_lora(model, args, "classifier")
    return model, tok


def classifier_loss(model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Cross-entropy over the two labels."""
    labels = batch.pop("labels")
    return F.cross_entropy(model(**batch).logits.float(), labels)


# --------------------------------------------------------------------------- metrics and the threshold
def binary_metrics(labels: Sequence[int], scores: Sequence[float], threshold: float) -> dict[str, float]:
    """Accuracy, precision, recall, F1 (false premise = positive) and the false-alarm rate at ``threshold``.

    The false-alarm rate is the share of true-premise questions (label 0) flagged.

    Example:
        >>> binary_metrics([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1], 0.5)["false_alarm_rate"]
        0.5
    """
    y = np.asarray(labels, dtype=int)
    pred = np.asarray(scores, dtype=float) >= threshold
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    tn = int(np.sum(~pred & (y == 0)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "accuracy": (tp + tn) / len(y) if len(y) else 0.0,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "false_alarm_rate": fp / (fp + tn) if fp + tn else 0.0,
        "n": len(y),
        "n_false_premise": tp + fn,
    }


def choose_threshold(
    dev: dict[str, tuple[Sequence[int], Sequence[float]]], max_false_alarm: float = MAX_FALSE_ALARM
) -> tuple[float, float]:
    """``(threshold, mean accuracy)`` over the dev sets ``{name: (labels, scores)}``.

    Among thresholds whose false-alarm rate is at most ``max_false_alarm`` on every dev set, the
    one with the highest mean accuracy (ties: the higher threshold). When none qualifies, the
    one with the lowest worst false-alarm rate, its mean accuracy lowered by that excess.
    """
    sets = {k: v for k, v in dev.items() if len(v[0])}
    if not sets:
        raise ConfigError("no dev examples to choose the threshold on")
    pooled = np.concatenate([np.asarray(s, dtype=float) for _, s in sets.values()])
    grid = np.unique(np.concatenate([np.round(pooled, 4), np.linspace(0.05, 0.95, 91)]))
    best: tuple[float, float, float] | None = None  # (key, threshold, mean accuracy)
    for t in grid:
        ms = [binary_metrics(y, s, float(t)) for y, s in sets.values()]
        mean_acc = float(np.mean([m["accuracy"] for m in ms]))
        excess = max(m["false_alarm_rate"] for m in ms) - max_false_alarm
        key = mean_acc if excess <= 1e-12 else -1.0 - excess
        if best is None or key > best[0] or (key == best[0] and t > best[1]):
            best = (key, float(t), mean_acc if excess <= 1e-12 else mean_acc - excess)
    assert best is not None
    return best[1], best[2]


def evaluate_detector(
    detector: FalsePremiseDetector, dev: dict[str, list[FPExample]], max_false_alarm: float = MAX_FALSE_ALARM
) -> dict[str, Any]:
    """Score the dev sets, choose the threshold, and report each set's metrics at it."""
    scored: dict[str, tuple[list[int], list[float]]] = {}
    for name, examples in dev.items():
        if examples:
            scores = detector.score([e.question for e in examples])
            assert scores is not None  # an in-memory or loaded model
            scored[name] = ([e.label for e in examples], scores.tolist())
    threshold, primary = choose_threshold(scored, max_false_alarm)
    out: dict[str, Any] = {"threshold": threshold, "primary": primary, "max_false_alarm": max_false_alarm}
    for name, (y, s) in scored.items():
        out[name] = binary_metrics(y, s, threshold)
    return out


def _stamp(folder: Path, threshold: float, max_length: int) -> None:
    """Record the chosen threshold and the labels in the folder's ``kgqa_model.json``."""
    meta_path = folder / "kgqa_model.json"
    meta = json.loads(meta_path.read_text())
    meta.update({"threshold": threshold, "labels": list(LABELS), "max_length": max_length})
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")


# --------------------------------------------------------------------------- the run
def run(args: TrainArgs) -> dict[str, Any]:
    """Train the detector; return the final trainer state as a dict."""
    if args.num_threads:
        torch.set_num_threads(args.num_threads)
    set_seed(args.seed)
    root = Path(args.data_dir) if args.data_dir else default_data_dir(required=True)
    assert root is not None  # required=True raised otherwise
    data = training_data(root, args)
    out = prepare_output_dir(args)
    model, tok = build_classifier(args)
    train = data.train[: args.max_train_samples] if args.max_train_samples else data.train
    dev = {"falseqa_dev": data.dev_falseqa, "generated_dev": data.dev_generated}
    if args.max_eval_samples:
        rng = random.Random(0)
        dev = {k: rng.sample(v, min(args.max_eval_samples, len(v))) for k, v in dev.items()}
    enc = tok([e.question for e in train], truncation=True, max_length=args.max_length)
    feats = [
        {"input_ids": ids, "token_type_ids": tt, "labels": ex.label, "length": len(ids)}
        for ids, tt, ex in zip(enc["input_ids"], enc["token_type_ids"], train, strict=True)
    ]
    logger.info(
        "false-premise: %d training questions, dev %s",
        len(feats),
        {k: len(v) for k, v in dev.items()},
    )
    sources = source_counts(train)

    def evaluate(m: torch.nn.Module) -> tuple[dict[str, Any], float]:
        res = evaluate_detector(FalsePremiseDetector.from_model(m, tok, max_length=args.max_length), dev)
        return res, res["primary"]

    def on_best(m: torch.nn.Module, info: dict[str, Any]) -> None:
        threshold = float(info.get("dev", {}).get("threshold", 0.5))
        export_best(
            args,
            m,
            tok,
            TASK,
            {
                **info,
                "threshold": threshold,
                "train_questions": len(feats),
                "train_sources": sources,
                "dev_sizes": {k: len(v) for k, v in dev.items()},
            },
        )
        for target in [out / "best", *([Path(args.export_dir)] if args.export_dir else [])]:
            _stamp(target, threshold, args.max_length)

    trainer = Trainer(args, model, feats, classifier_loss, evaluate, on_best)
    if args.resume:
        trainer.load_checkpoint()
    state = trainer.train()
    logger.info("false-premise done; best model in %s", out / "best")
    return state.__dict__
