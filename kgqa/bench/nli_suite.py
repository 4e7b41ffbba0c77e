"""``kgqa bench nli``: accuracy, macro F1, confusion matrix, calibration and per-group accuracy.

Reads JSON lines with ``premise``, ``hypothesis`` and ``label``. Three-way files are
scored as they are; files labelled entailment / non-entailment (RTE, HANS) are scored
two-way, the model's neutral and contradiction probabilities summed into
non-entailment. Group fields (HANS ``heuristic`` and ``subcase``) give per-group accuracy.
"""

from __future__ import annotations

import argparse
import json
import logging
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
from kgqa.bench.report import data_info, model_info, plot_bars, plot_confusion, plot_reliability
from kgqa.errors import InputError

logger = logging.getLogger(__name__)

THREE_WAY = ("entailment", "neutral", "contradiction")
TWO_WAY = ("entailment", "non-entailment")
_LABEL_ALIASES = {
    "not_entailment": "non-entailment",
    "non_entailment": "non-entailment",
    "not entailment": "non-entailment",
    "not-entailment": "non-entailment",
}
#: group fields used without ``--group-by`` when the rows carry them
AUTO_GROUPS = ("heuristic", "subcase", "pairing")
DEFAULT_DATA = "nli/mnli_dev_matched.jsonl"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``nli`` suite."""
    p.add_argument(
        "--data",
        help="NLI JSON lines (premise, hypothesis, label); "
        "default: the held-out half of MNLI dev-matched (see --heldout-mnli)",
    )
    p.add_argument(
        "--heldout-mnli",
        action="store_true",
        help="evaluate exactly the held-out half of MNLI dev-matched (kgqa.train.data.mnli_split), "
        "the half the shipped model never trained on",
    )
    p.add_argument(
        "--unrelated-squad",
        action="store_true",
        help="evaluate unrelated sentence pairs (gold neutral) drawn from different SQuAD v1.1 dev paragraphs "
        "(kgqa.bench.unrelated): how often unrelated text is called a contradiction; --limit pairs (default 1000)",
    )
    p.add_argument(
        "--data-dir",
        help="dataset folder for --heldout-mnli and --unrelated-squad (default: $KGQA_DATA or ../shared/datasets)",
    )
    p.add_argument("--model", help="NLI model folder (default: the shipped data/models/nli)")
    p.add_argument("--quantize", action="store_true", help="int8 dynamic quantisation of the linear layers")
    add_precision_argument(p)
    p.add_argument("--batch-size", type=int, default=64, help="pairs per forward pass")
    p.add_argument("--max-length", type=int, default=128, help="tokens per pair")
    p.add_argument(
        "--group-by",
        default=None,
        help="comma-separated row fields to report accuracy per value of "
        f"(default: those of {', '.join(AUTO_GROUPS)} the rows have; 'none' for no groups)",
    )
    p.add_argument("--bins", type=int, default=10, help="confidence bins of the calibration error")
    p.add_argument("--split", help="keep only rows whose 'split' field has this value (e.g. SICK's test)")
    p.add_argument("--save-predictions", action="store_true", help="also write predictions.jsonl")


def load_model(ns: argparse.Namespace) -> Any:
    """The NLI model to evaluate (tests replace this with a fake)."""
    from kgqa.reader.nli import NLIModel

    return NLIModel(
        model_dir=ns.model,
        quantize=ns.quantize,
        precision=ns.precision,
        max_length=ns.max_length,
        batch_size=ns.batch_size,
    )


# --------------------------------------------------------------------------- data
def normalise_label(label: Any) -> str:
    """Lower-cased label with the spellings of non-entailment unified."""
    lab = str(label).strip().lower()
    return _LABEL_ALIASES.get(lab, lab)


def read_rows(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Rows with a usable label, and how many were skipped (e.g. SNLI's ``-``)."""
    from kgqa.train.data import iter_jsonl

    rows, skipped = [], 0
    for i, row in enumerate(iter_jsonl(path), 1):
        if not isinstance(row.get("premise"), str) or not isinstance(row.get("hypothesis"), str):
            raise InputError(f"{path}: row {i} lacks a 'premise' or 'hypothesis' string")
        label = normalise_label(row.get("label", ""))
        if label not in THREE_WAY and label not in TWO_WAY:
            skipped += 1
            continue
        rows.append({**row, "label": label})
    if not rows:
        raise InputError(f"{path} has no rows labelled {', '.join(THREE_WAY + TWO_WAY[1:])}")
    return rows, skipped


def heldout_mnli_rows(data_dir: str | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The held-out half of MNLI dev-matched, exactly as :func:`kgqa.train.data.mnli_split` draws it."""
    from kgqa.paths import data_dir as default_data_dir
    from kgqa.train.data import NLI_LABELS, mnli_split

    root = Path(data_dir) if data_dir else default_data_dir(required=True)
    _, held = mnli_split(root)
    rows = [{"premise": ex.premise, "hypothesis": ex.hypothesis, "label": NLI_LABELS[ex.label]} for ex in held]
    info = data_info(
        root / "nli" / "mnli_dev_matched.jsonl",
        split="held-out half of kgqa.train.data.mnli_split (seed 13)",
        split_rows=len(rows),
    )
    return rows, info


def unrelated_squad_rows(data_dir: str | None, n: int, seed: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``n`` unrelated sentence pairs from SQuAD v1.1 dev (:func:`kgqa.bench.unrelated.unrelated_pairs`)."""
    from kgqa.bench.unrelated import DEFAULT_SQUAD, unrelated_pairs
    from kgqa.paths import data_dir as default_data_dir

    root = Path(data_dir) if data_dir else default_data_dir(required=True)
    path = root / DEFAULT_SQUAD
    if not path.is_file():
        raise InputError(f"{path} does not exist; set KGQA_DATA or --data-dir to the datasets folder")
    rows = unrelated_pairs(path, n, seed)
    info = data_info(path, split=f"unrelated sentence pairs (kgqa.bench.unrelated, seed {seed})", split_rows=len(rows))
    return rows, info


# --------------------------------------------------------------------------- evaluation
def predict_probs(model: Any, pairs: list[tuple[str, str]], chunk: int = 256) -> np.ndarray:
    """``[n, 3]`` probabilities in the order of :data:`THREE_WAY`, predicted in chunks with a progress bar."""
    order = [list(getattr(model, "labels", THREE_WAY)).index(lab) for lab in THREE_WAY]
    out = []
    bar = progress(batched(pairs, chunk), total=(len(pairs) + chunk - 1) // chunk, desc="nli", unit="batch")
    for part in bar:
        probs = np.asarray(model.predict(list(part)), dtype=np.float64).reshape(len(part), -1)
        out.append(probs[:, order])
    return np.concatenate(out) if out else np.zeros((0, 3))


def group_accuracy(rows: list[dict[str, Any]], correct: list[bool], field: str, labels: tuple[str, ...]) -> dict:
    """Accuracy per value of ``field``, overall and split by gold label."""
    out: dict[str, Any] = {}
    for row, ok in zip(rows, correct, strict=True):
        if field not in row:
            continue
        g = out.setdefault(str(row[field]), {"n": 0, "correct": 0, "by_label": {}})
        g["n"] += 1
        g["correct"] += int(ok)
        bl = g["by_label"].setdefault(row["label"], {"n": 0, "correct": 0})
        bl["n"] += 1
        bl["correct"] += int(ok)
    return {
        name: {
            "n": g["n"],
            "accuracy": g["correct"] / g["n"],
            "by_label": {
                lab: {"n": g["by_label"][lab]["n"], "accuracy": g["by_label"][lab]["correct"] / g["by_label"][lab]["n"]}
                for lab in labels
                if lab in g["by_label"]
            },
        }
        for name, g in sorted(out.items())
    }


def evaluate(
    model: Any, rows: list[dict[str, Any]], group_by: list[str] | None = None, bins: int = 10
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Metrics of ``model`` on ``rows``, and the per-row predictions.

    Returns:
        ``(results, details)``: the metrics dict and ``{"predictions", "confidences"}``.
    """
    gold = [r["label"] for r in rows]
    two_way = any(g == "non-entailment" for g in gold)
    labels = TWO_WAY if two_way else THREE_WAY
    if two_way:
        gold = ["entailment" if g == "entailment" else "non-entailment" for g in gold]
    pairs = [(r["premise"], r["hypothesis"]) for r in rows]
    with Timer() as t:
        probs = predict_probs(model, pairs)
    if two_way:
        probs = np.stack([probs[:, 0], probs[:, 1] + probs[:, 2]], axis=1)
    pred = [labels[i] for i in probs.argmax(axis=1)]
    conf = probs.max(axis=1).tolist()
    correct = [p == g for p, g in zip(pred, gold, strict=True)]
    ece, ece_bins = metrics.expected_calibration_error(conf, correct, n_bins=bins)
    results: dict[str, Any] = {
        "accuracy": metrics.accuracy(gold, pred),
        "macro_f1": metrics.macro_f1(gold, pred, labels),
        "ece": ece,
        "n": len(rows),
        "label_mode": "2-way" if two_way else "3-way",
        "labels": list(labels),
        "per_label": metrics.per_label_prf(gold, pred, labels),
        "confusion_matrix": metrics.confusion_matrix(gold, pred, labels),
        "predicted": {lab: pred.count(lab) for lab in labels},
        "ece_bins": ece_bins,
        "seconds": t.seconds,
        "pairs_per_s": len(rows) / t.seconds if t.seconds > 0 else None,
    }
    rows_for_groups = [{**r, "label": g} for r, g in zip(rows, gold, strict=True)]
    groups = {f: group_accuracy(rows_for_groups, correct, f, labels) for f in (group_by or [])}
    groups = {f: g for f, g in groups.items() if g}
    if groups:
        results["per_group"] = groups
    return results, {"predictions": pred, "confidences": conf, "gold": gold}


def _group_fields(ns: argparse.Namespace, rows: list[dict[str, Any]]) -> list[str]:
    if ns.group_by:
        if ns.group_by.strip().lower() == "none":
            return []
        fields = [f.strip() for f in ns.group_by.split(",") if f.strip()]
        missing = [f for f in fields if not any(f in r for r in rows)]
        if missing:
            raise InputError(f"--group-by: no row has the field(s) {', '.join(missing)}")
        return fields
    return [f for f in AUTO_GROUPS if any(f in r for r in rows)]


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the suite; plots go to ``out``; returns the results."""
    if sum(bool(x) for x in (ns.data, ns.heldout_mnli, getattr(ns, "unrelated_squad", False))) > 1:
        raise InputError("pass only one of --data FILE, --heldout-mnli and --unrelated-squad")
    notes = []
    if getattr(ns, "unrelated_squad", False):
        rows, info = unrelated_squad_rows(ns.data_dir, ns.limit or 1000, ns.seed)
        skipped = 0
    elif ns.heldout_mnli or not ns.data:
        rows, info = heldout_mnli_rows(ns.data_dir)
        skipped = 0
        if not ns.heldout_mnli:
            notes.append("no --data given: evaluated the held-out half of MNLI dev-matched")
    else:
        path = resolve_data(ns.data, DEFAULT_DATA)
        rows, skipped = read_rows(path)
        info = data_info(path, rows=len(rows) + skipped)
        if getattr(ns, "split", None):
            rows = [r for r in rows if r.get("split") == ns.split]
            if not rows:
                raise InputError(f"{path} has no rows with split == {ns.split!r}")
            info["split"] = ns.split
    if not getattr(ns, "unrelated_squad", False):
        rows = seeded_sample(rows, ns.limit, ns.seed)
    fields = _group_fields(ns, rows)
    model = load_model(ns)
    results, details = evaluate(model, rows, fields, bins=ns.bins)
    results.update(
        {
            "skipped_rows": skipped,
            "quantized": bool(ns.quantize),
            "data": info,
            "models": {
                "nli": model_info(
                    getattr(model, "model_dir", None), quantized=bool(ns.quantize), precision=resolved_precision(model)
                )
            },
        }
    )
    if notes:
        results["notes"] = notes
    plots = [
        plot_confusion(
            results["confusion_matrix"],
            results["labels"],
            out / "confusion_matrix.png",
            title=f"{info['file']} ({results['label_mode']})",
        ),
        plot_reliability(results["ece_bins"], results["ece"], out / "reliability.png"),
    ]
    for field, groups in results.get("per_group", {}).items():
        names = list(groups)
        series = {"all": [groups[g]["accuracy"] for g in names]}
        for lab in results["labels"]:
            if any(lab in groups[g]["by_label"] for g in names):
                series[f"gold {lab}"] = [groups[g]["by_label"].get(lab, {}).get("accuracy", 0.0) for g in names]
        plots.append(
            plot_bars(names, series, out / f"per_group_{field}.png", title=f"accuracy per {field}", ylabel="accuracy")
        )
    results["plots"] = [p.name for p in plots]
    if ns.save_predictions:
        with (out / "predictions.jsonl").open("w", encoding="utf-8") as fh:
            for r, p, c in zip(rows, details["predictions"], details["confidences"], strict=True):
                fh.write(json.dumps({"id": r.get("id"), "label": r["label"], "prediction": p, "confidence": c}) + "\n")
    return results
