"""``kgqa bench false-premise``: the learned false-premise detector on FalseQA valid and the generated test split.

Reports, at the model's threshold (chosen on the dev splits when it was trained, never here):

- FalseQA valid (``kgqa/falseqa/valid.csv``): accuracy, precision, recall, F1 and the
  false-alarm rate (the share of its true-premise half flagged);
- the generated graph questions' test split, regenerated exactly as the model's training run
  drew it (its ``--generated-pairs`` and ``--dev-split-seed``; subjects disjoint from training):
  the same metrics, per source too;
- end to end (``--end-to-end N``): N FalseQA valid questions (half of each label) asked through
  :meth:`kgqa.Pipeline.ask` on the shipped world: how many come back ``premise_rejected`` and how
  many have a contradicted premise, with the detector and, from the same answers, without it
  (the rejections whose every contradicted premise came from the detector), and ``kgqa demo``'s
  questions with the detector on and off (``demo.verdicts_changed``: issue 15 wants none);
- false alarms on ordinary questions (``--squad-questions N``): the share of N SQuAD v1.1 dev
  questions (written about a paragraph that answers them, so true-premise) that are flagged.
"""

from __future__ import annotations

import argparse
import logging
import random
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.bench.common import Timer, add_precision_argument, seeded_sample
from kgqa.bench.report import data_info, model_info, plot_bars, plot_curves
from kgqa.errors import InputError

logger = logging.getLogger(__name__)

DEFAULT_GENERATED_PAIRS = 4000
DEFAULT_GENERATED_SEED = 42


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``false-premise`` suite."""
    p.add_argument("--model", help="false-premise model folder (default: the shipped data/models/false_premise)")
    p.add_argument("--threshold", type=float, help="decision threshold in (0, 1) (default: the model's own)")
    p.add_argument("--data-dir", help="dataset folder (default: $KGQA_DATA or ../shared/datasets)")
    p.add_argument("--falseqa", help="FalseQA CSV to evaluate (default: DATA/kgqa/falseqa/valid.csv)")
    p.add_argument(
        "--generated-pairs",
        type=int,
        help="pairs generated before the subject split (default: what the model was trained with)",
    )
    p.add_argument("--generated-seed", type=int, help="seed of the generation and split (default: the model's)")
    p.add_argument(
        "--end-to-end",
        type=int,
        default=200,
        help="FalseQA valid questions asked through Pipeline.ask on the shipped world (0: skip; default 200)",
    )
    p.add_argument(
        "--squad-questions",
        type=int,
        default=500,
        help="SQuAD v1.1 dev questions (true-premise) whose flagged share is reported (0: skip; default 500)",
    )
    p.add_argument("--quantize", action="store_true", help="int8 dynamic quantisation of the linear layers")
    add_precision_argument(p)
    p.add_argument("--batch-size", type=int, default=64, help="questions per forward pass")


def load_detector(ns: argparse.Namespace) -> Any:
    """The detector to evaluate (tests replace this with a tiny one)."""
    from kgqa.checks.false_premise import FalsePremiseDetector

    det = FalsePremiseDetector(
        ns.model, ns.threshold, batch_size=ns.batch_size, quantize=ns.quantize, precision=ns.precision
    )
    if not det.warm_up():
        from kgqa.errors import ModelNotFoundError

        raise ModelNotFoundError(
            f"no false-premise model at {det.model_dir}; train one with `kgqa train false-premise` or pass --model"
        )
    return det


def _check_args(ns: argparse.Namespace) -> None:
    if ns.threshold is not None and not 0 < ns.threshold < 1:
        raise InputError(f"--threshold must be in (0, 1), not {ns.threshold}")
    if ns.squad_questions < 0:
        raise InputError(f"--squad-questions must be 0 (skip) or a positive number, not {ns.squad_questions}")
    if ns.end_to_end < 0:
        raise InputError(f"--end-to-end must be 0 (skip) or a positive number of questions, not {ns.end_to_end}")
    if ns.generated_pairs is not None and ns.generated_pairs < 1:
        raise InputError(f"--generated-pairs must be a positive number, not {ns.generated_pairs}")
    if ns.batch_size < 1:
        raise InputError(f"--batch-size must be positive, not {ns.batch_size}")


def threshold_curve(labels: list[int], scores: np.ndarray) -> dict[str, list[float]]:
    """Accuracy, recall and false-alarm rate at thresholds 0.05 ... 0.95 (for the plot; nothing is chosen here)."""
    from kgqa.train.false_premise import binary_metrics

    grid = [round(float(t), 2) for t in np.linspace(0.05, 0.95, 19)]
    ms = [binary_metrics(labels, scores, t) for t in grid]
    return {
        "threshold": grid,
        "accuracy": [m["accuracy"] for m in ms],
        "recall": [m["recall"] for m in ms],
        "false_alarm_rate": [m["false_alarm_rate"] for m in ms],
    }


def end_to_end(questions: list[tuple[str, int]], model: str | None, threshold: float | None) -> dict[str, Any]:
    """Ask ``(question, label)`` through the shipped pipeline; count rejections per label, with and without the detector."""
    from kgqa.checks.false_premise import RULE
    from kgqa.pipeline import Pipeline

    pipe = Pipeline.load(false_premise_detector=True, false_premise_dir=model, false_premise_threshold=threshold)
    counts = {
        lab: {"n": 0, "premise_rejected": 0, "contradicted_premise": 0, "premise_rejected_without_detector": 0}
        for lab in ("false_premise", "true_premise")
    }
    examples: list[dict[str, Any]] = []
    with Timer() as t:
        for start in range(0, len(questions), 32):
            part = questions[start : start + 32]
            answers = pipe.ask_batch([q for q, _ in part])
            for (q, label), ans in zip(part, answers, strict=True):
                c = counts["false_premise" if label else "true_premise"]
                c["n"] += 1
                contradicted = [p for p in ans.premises if p.status == "contradicted"]
                c["premise_rejected"] += ans.verdict == "premise_rejected"
                c["contradicted_premise"] += bool(contradicted)
                c["premise_rejected_without_detector"] += any(p.rule != RULE for p in contradicted)
                if len(examples) < 12 and contradicted:
                    examples.append(
                        {"question": q, "label": label, "verdict": ans.verdict, "rule": ans.trace.decision["rule"]}
                    )
    for c in counts.values():
        for key in ("premise_rejected", "contradicted_premise", "premise_rejected_without_detector"):
            c[f"{key}_rate"] = c[key] / c["n"] if c["n"] else 0.0
    return {"counts": counts, "examples": examples, "seconds": t.seconds, "demo": demo_verdicts(pipe)}


def demo_verdicts(with_detector: Any) -> dict[str, Any]:
    """``kgqa demo``'s questions (with their premises) asked with the detector on and off: which verdicts change."""
    from kgqa.demo import DEMO_QUESTIONS
    from kgqa.pipeline import Pipeline

    without = Pipeline.load(false_premise_detector=False)
    rows = []
    for question, premises in DEMO_QUESTIONS:
        on, off = with_detector.ask(question, premises), without.ask(question, premises)
        rows.append({"question": question, "verdict_on": on.verdict, "verdict_off": off.verdict})
    changed = [r for r in rows if r["verdict_on"] != r["verdict_off"]]
    return {"questions": len(rows), "verdicts_changed": len(changed), "rows": rows}


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the suite; plots go to ``out``; returns the results."""
    from kgqa.paths import data_dir as default_data_dir
    from kgqa.train.false_premise import binary_metrics
    from kgqa.train.false_premise_data import as_examples, falseqa_file, generated_splits, read_falseqa, source_counts

    _check_args(ns)
    root = Path(ns.data_dir) if ns.data_dir else default_data_dir(required=True)
    assert root is not None
    path = Path(ns.falseqa) if ns.falseqa else falseqa_file(root, "valid")
    falseqa = seeded_sample(read_falseqa(path), ns.limit, ns.seed)
    det = load_detector(ns)
    threshold = det.threshold
    args = det.meta.get("training_args", {}) if hasattr(det, "meta") else {}
    pairs = ns.generated_pairs or args.get("generated_pairs") or DEFAULT_GENERATED_PAIRS
    gen_seed = (
        ns.generated_seed if ns.generated_seed is not None else args.get("dev_split_seed", DEFAULT_GENERATED_SEED)
    )
    generated = seeded_sample(as_examples(generated_splits(root, pairs, gen_seed)["test"]), ns.limit, ns.seed)

    with Timer() as t:
        fq_scores = det.score([e.question for e in falseqa])
        gen_scores = det.score([e.question for e in generated])
    fq_labels = [e.label for e in falseqa]
    gen_labels = [e.label for e in generated]
    results: dict[str, Any] = {**binary_metrics(fq_labels, fq_scores, threshold), "threshold": threshold}
    results["generated"] = binary_metrics(gen_labels, gen_scores, threshold)
    results["generated_per_source"] = {
        src: binary_metrics(
            [e.label for e in generated if e.source == src],
            [s for e, s in zip(generated, gen_scores, strict=True) if e.source == src],
            threshold,
        )
        for src in sorted(source_counts(generated))
    }
    results["questions_per_s"] = (len(falseqa) + len(generated)) / t.seconds if t.seconds > 0 else None
    results["data"] = data_info(path, split=path.stem, rows=len(falseqa))
    results["generated_data"] = {
        "split": "test (subjects disjoint from train and dev)",
        "generated_pairs": pairs,
        "seed": gen_seed,
        "questions": len(generated),
        "sources": source_counts(generated),
    }
    results["models"] = {
        "false_premise": model_info(getattr(det, "model_dir", None), threshold=threshold, quantized=bool(ns.quantize))
    }
    squad = root / "squad" / "dev-v1.1.json"
    if ns.squad_questions and squad.is_file():
        from kgqa.train.data import read_squad

        questions = [ex.question for ex in read_squad(squad)]
        sample = random.Random(ns.seed).sample(questions, min(ns.squad_questions, len(questions)))
        flagged = det.score(sample) >= threshold
        results["squad_false_alarm_rate"] = float(np.mean(flagged)) if len(sample) else 0.0
        results["squad_data"] = data_info(squad, questions=len(sample), seed=ns.seed)
    if ns.end_to_end:
        rng = random.Random(ns.seed)
        halves = [[e for e in read_falseqa(path) if e.label == lab] for lab in (1, 0)]
        sample = [e for half in halves for e in rng.sample(half, min(len(half), ns.end_to_end // 2))]
        results["end_to_end"] = {
            "data": f"{path.name}: {len(sample)} questions, half of each label (seed {ns.seed})",
            **end_to_end([(e.question, e.label) for e in sample], ns.model, ns.threshold),
        }
    curve = threshold_curve(fq_labels, fq_scores)
    plots = [
        plot_bars(
            ["accuracy", "precision", "recall", "f1", "false_alarm_rate"],
            {
                path.name: [results[k] for k in ("accuracy", "precision", "recall", "f1", "false_alarm_rate")],
                "generated test": [
                    results["generated"][k] for k in ("accuracy", "precision", "recall", "f1", "false_alarm_rate")
                ],
            },
            out / "metrics.png",
            title=f"false-premise detector at threshold {threshold:.3f}",
        ),
        plot_curves(
            curve["threshold"],
            {k: v for k, v in curve.items() if k != "threshold"},
            out / "threshold_curve.png",
            title=f"{path.name}: metrics by threshold (the model's is {threshold:.3f})",
            xlabel="threshold",
        ),
    ]
    results["plots"] = [p.name for p in plots]
    return results
