"""``kgqa bench qa``: official SQuAD exact match and F1 of the reader on each question's own paragraph.

SQuAD v2.0 files (questions without answers) also get the official v2 breakdown:
``has_ans_f1``, ``no_ans_f1`` and the best no-answer threshold, searched over the
reader's no-answer scores (``null score - best span score``).

``--derived-unanswerable`` turns a SQuAD v1.1 file into a SQuAD 2.0-style set at run time:
each question gets an unanswerable twin (:mod:`kgqa.train.unanswerable`: another paragraph of
its article, a swapped entity, or its paragraph without the answer sentence), nothing is
written to disk. It is scored at the reader model's stored null threshold (chosen on a dev
split of the training articles); the best threshold on this set itself is reported beside it
for reference only, since choosing it there would tune on the test set.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.bench import metrics
from kgqa.bench.common import (
    Timer,
    add_precision_argument,
    batched,
    progress,
    resolve_data,
    resolved_precision,
    seeded_sample,
)
from kgqa.bench.report import data_info, model_info, plot_bars, plot_curves

DEFAULT_DATA = "squad/dev-v1.1.json"
QUESTION_WORDS = ("what", "who", "when", "where", "which", "why", "how")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``qa`` suite."""
    p.add_argument("--data", help=f"SQuAD v1.1 or v2.0 JSON file (default: {DEFAULT_DATA} in the data directory)")
    p.add_argument("--model", help="reader model folder (default: the shipped data/models/reader)")
    p.add_argument("--max-length", type=int, default=256, help="tokens per window")
    p.add_argument("--stride", type=int, default=96, help="overlapping tokens between windows of long paragraphs")
    p.add_argument("--batch-size", type=int, default=32, help="windows per forward pass")
    p.add_argument("--max-answer-length", type=int, default=30, help="longest answer, in tokens")
    p.add_argument("--quantize", action="store_true", help="int8 dynamic quantisation of the linear layers")
    add_precision_argument(p)
    p.add_argument(
        "--null-threshold",
        type=float,
        default=None,
        help="v2.0 files: answer nothing where the no-answer score exceeds this "
        "(default: the threshold stored with the reader model, else 0)",
    )
    p.add_argument(
        "--derived-unanswerable",
        action="store_true",
        help="add a derived unanswerable twin to each question of a v1.1 file (SQuAD 2.0-style, at run time)",
    )
    p.add_argument(
        "--unanswerable-rate",
        type=_rate,
        default=1.0,
        help="with --derived-unanswerable: twins per question, in (0, 1] (default 1: about half unanswerable)",
    )
    p.add_argument("--save-predictions", action="store_true", help="also write predictions.json (id -> answer)")


def _rate(text: str) -> float:
    """``--unanswerable-rate``: a number in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], not {text}")
    return value


def load_reader(ns: argparse.Namespace) -> Any:
    """The reader to evaluate (tests replace this with a fake)."""
    from kgqa.reader.qa import Reader

    return Reader(
        model_dir=ns.model,
        max_length=ns.max_length,
        stride=ns.stride,
        batch_size=ns.batch_size,
        quantize=ns.quantize,
        precision=getattr(ns, "precision", "auto"),
    )


def question_type(question: str) -> str:
    """The first wh-word of a question (``other`` when none)."""
    words = re.findall(r"[a-z]+", question.lower())
    for w in words:
        if w in QUESTION_WORDS:
            return w
    return "other"


def read_best(
    reader: Any, examples: list[Any], max_answer_length: int = 30, chunk: int = 16, desc: str = "qa"
) -> tuple[dict[str, str], dict[str, float]]:
    """The reader's best span and no-answer score for each example on its own paragraph."""
    preds: dict[str, str] = {}
    na: dict[str, float] = {}
    bar = progress(batched(examples, chunk), total=(len(examples) + chunk - 1) // chunk, desc=desc, unit="batch")
    for part in bar:
        spans = reader.read_batch(
            [ex.question for ex in part],
            [[(ex.qid, ex.context)] for ex in part],
            n_best=1,
            max_answer_length=max_answer_length,
        )
        for ex, s in zip(part, spans, strict=True):
            preds[ex.qid] = s[0].text if s else ""
            na[ex.qid] = float(s[0].no_answer_score) if s else math.inf
    return preds, na


def derived_examples(examples: list[Any], limit: int | None, seed: int, rate: float = 1.0) -> list[Any]:
    """A seeded sample of ``limit`` answerable questions (all: ``None``/0) and their derived unanswerable twins.

    The twins are derived over the whole file (same-article paragraphs and entities), then kept
    for the sampled questions only.
    """
    from kgqa.train.unanswerable import ID_SEP, derive_unanswerable

    answerable = [ex for ex in examples if ex.answers]
    twins = {ex.qid.partition(ID_SEP)[0]: ex for ex in derive_unanswerable(answerable, rate, seed)}
    sample = seeded_sample(answerable, limit, seed)
    return [*sample, *(twins[ex.qid] for ex in sample if ex.qid in twins)]


def evaluate(
    reader: Any, examples: list[Any], null_threshold: float | None = None, max_answer_length: int = 30
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Official SQuAD metrics of ``reader`` on ``examples`` (``kgqa.train.data.QAExample``).

    ``null_threshold`` ``None`` takes the reader's stored ``no_answer_threshold`` (else 0).
    """
    stored = getattr(reader, "no_answer_threshold", None)
    source = "given" if null_threshold is not None else ("model" if stored is not None else "default 0")
    null_threshold = null_threshold if null_threshold is not None else (stored if stored is not None else 0.0)
    refs = {ex.qid: list(ex.answers) for ex in examples}
    is_v2 = any(not ex.answers for ex in examples)
    with Timer() as t:
        preds, na = read_best(reader, examples, max_answer_length)
    results: dict[str, Any] = {"version": "2.0" if is_v2 else "1.1"}
    if is_v2:
        v2 = metrics.squad_v2(preds, refs, na_scores=na, threshold=null_threshold)
        results.update(v2)
        results["null_threshold"] = null_threshold
        results["null_threshold_source"] = source
        results["best_no_answer_threshold"] = v2["best_f1_thresh"]
        results["best_threshold_note"] = "best_f1/best_exact: threshold chosen on this test set, for reference only"
        no_ans = [q for q, g in refs.items() if not g]
        results["no_ans_accuracy"] = sum(na[q] > null_threshold for q in no_ans) / len(no_ans) if no_ans else 0.0
        has = [q for q, g in refs.items() if g]
        results["has_ans_abstained"] = sum(na[q] > null_threshold for q in has) / len(has) if has else 0.0
        probs = [1.0 / (1.0 + math.exp(-max(min(na[q], 700.0), -700.0))) for q in refs]
        results["no_answer_ece"], _ = metrics.expected_calibration_error(probs, [not refs[q] for q in refs])
        final = {q: ("" if na[q] > null_threshold else p) for q, p in preds.items()}
    else:
        results.update(metrics.squad_v1(preds, refs))
        final = preds
    by_type: dict[str, dict[str, float]] = {}
    for ex in examples:
        golds = metrics.squad_v2_references(refs[ex.qid]) if is_v2 else refs[ex.qid]
        g = by_type.setdefault(question_type(ex.question), {"n": 0, "exact_match": 0.0, "f1": 0.0})
        f_em = metrics.squad_v2_exact if is_v2 else metrics.exact_match_score
        f_f1 = metrics.squad_v2_f1 if is_v2 else metrics.f1_score
        g["n"] += 1
        g["exact_match"] += metrics.metric_max_over_ground_truths(f_em, final[ex.qid], golds)
        g["f1"] += metrics.metric_max_over_ground_truths(f_f1, final[ex.qid], golds)
    for g in by_type.values():
        g["exact_match"] = 100.0 * g["exact_match"] / g["n"]
        g["f1"] = 100.0 * g["f1"] / g["n"]
    results["per_question_type"] = dict(sorted(by_type.items(), key=lambda kv: -kv[1]["n"]))
    results["n"] = len(examples)
    results["seconds"] = t.seconds
    results["questions_per_s"] = len(examples) / t.seconds if t.seconds > 0 else None
    return results, {"predictions": final, "raw_predictions": preds, "na_scores": na, "references": refs}


def threshold_curve(details: dict[str, Any], points: int = 41) -> tuple[list[float], dict[str, list[float]]]:
    """EM and F1 over no-answer thresholds spanning the observed no-answer scores."""
    finite = [v for v in details["na_scores"].values() if math.isfinite(v)]
    if not finite:
        return [], {}
    xs = sorted(set(np.quantile(finite, np.linspace(0, 1, points)).round(4).tolist()))
    em, f1 = [], []
    for x in xs:
        m = metrics.squad_v2(details["raw_predictions"], details["references"], details["na_scores"], threshold=x)
        em.append(m["exact_match"])
        f1.append(m["f1"])
    return xs, {"exact_match": em, "f1": f1}


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the suite; plots go to ``out``; returns the results."""
    from kgqa.train.data import read_squad

    path = resolve_data(ns.data, DEFAULT_DATA)
    examples = read_squad(path)
    total = len(examples)
    if getattr(ns, "derived_unanswerable", False):
        examples = derived_examples(examples, ns.limit, ns.seed, getattr(ns, "unanswerable_rate", 1.0))
    else:
        examples = seeded_sample(examples, ns.limit, ns.seed)
    reader = load_reader(ns)
    results, details = evaluate(reader, examples, ns.null_threshold, ns.max_answer_length)
    results.update(
        {
            "data": data_info(path, questions=total),
            "models": {
                "reader": model_info(
                    getattr(reader, "model_dir", None),
                    quantized=bool(ns.quantize),
                    precision=resolved_precision(reader),
                    max_length=ns.max_length,
                    stride=ns.stride,
                )
            },
            "quantized": bool(ns.quantize),
            "derived_unanswerable": bool(getattr(ns, "derived_unanswerable", False)),
        }
    )
    types = results["per_question_type"]
    plots = [
        plot_bars(
            list(types),
            {"exact match": [types[k]["exact_match"] for k in types], "F1": [types[k]["f1"] for k in types]},
            out / "per_question_type.png",
            title="SQuAD by question word",
            ylabel="score (%)",
        )
    ]
    if results["version"] == "2.0":
        xs, curves = threshold_curve(details)
        if xs:
            plots.append(
                plot_curves(
                    xs,
                    curves,
                    out / "no_answer_threshold.png",
                    title="score vs no-answer threshold",
                    xlabel="no-answer threshold",
                    ylabel="score (%)",
                )
            )
    results["plots"] = [p.name for p in plots]
    if ns.save_predictions:
        (out / "predictions.json").write_text(json.dumps(details["predictions"], indent=1) + "\n", encoding="utf-8")
    return results
