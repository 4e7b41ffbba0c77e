"""``kgqa bench factcheck``: claim verification (supported / refuted / not enough info) with kgqa's NLI check.

Each claim is paired with each of its evidence sentences, ``(evidence, claim)`` as
``(premise, hypothesis)``, and the NLI model scores every pair. The verdict aggregates
over the sentences exactly as :meth:`kgqa.checks.premise.PremiseChecker.check` does for
passage evidence: with ``E`` the highest entailment and ``C`` the highest contradiction
probability, the claim is *supported* when ``E >= entail_threshold`` and ``E >= C``,
*refuted* when ``C >= contradict_threshold`` and ``C > E``, else *not enough info*
(both thresholds default to :class:`~kgqa.config.PipelineConfig`'s, which the checker uses).

The file format is detected from the fields of its first row, and gold labels are
mapped to the three classes:

==================  ==========================================  ===================================
format              fields                                      label mapping
==================  ==========================================  ===================================
FEVER(-Symmetric)   ``claim``, ``evidence`` (text or list),     SUPPORTS -> supported,
                    ``label``                                   REFUTES -> refuted,
                                                                NOT ENOUGH INFO -> not_enough_info
WiCE                ``claim``, ``evidence`` (sentence list),    supported -> supported,
                    ``supporting_sentences``, ``label``         partially_supported and not_supported
                                                                -> not_enough_info (WiCE evidence
                                                                never refutes; a partly supported
                                                                claim is not verified)
CLIMATE-FEVER       ``claim``, ``evidences`` (list of           SUPPORTS, REFUTES, NOT_ENOUGH_INFO as
                    ``{"evidence": ...}``), ``claim_label``     above; DISPUTED is left out by default
                                                                (``--disputed nei`` maps it to
                                                                not_enough_info instead)
==================  ==========================================  ===================================

Macro F1 averages the per-label F1 over the classes that occur in the gold labels (FEVER-
Symmetric has no not-enough-info claims, so a not-enough-info prediction only costs recall).
WiCE evidence lists are long (120 sentences on average): ``--max-evidence N`` keeps the
N sentences sharing most words with the claim (no gold supporting-sentence indices are used).
"""

from __future__ import annotations

import argparse
import ast
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.errors import InputError

logger = logging.getLogger(__name__)

LABELS = ("supported", "refuted", "not_enough_info")
FEVER_MAP = {
    "supports": "supported",
    "refutes": "refuted",
    "not enough info": "not_enough_info",
    "not_enough_info": "not_enough_info",
    "nei": "not_enough_info",
}
WICE_MAP = {"supported": "supported", "partially_supported": "not_enough_info", "not_supported": "not_enough_info"}
CLIMATE_MAP = {"supports": "supported", "refutes": "refuted", "not_enough_info": "not_enough_info"}
DEFAULT_DATA = "factcheck/fever_symmetric_dev.jsonl"
THRESHOLD_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class FactCase:
    """One claim with its evidence sentences and its gold label (one of :data:`LABELS`)."""

    id: str
    claim: str
    evidence: tuple[str, ...]
    label: str
    source_label: str


# --------------------------------------------------------------------------- reading
def detect_format(row: dict[str, Any]) -> str:
    """``"climate-fever"``, ``"wice"`` or ``"fever"`` from a row's fields.

    Raises:
        InputError: the row has none of the known shapes.
    """
    if "claim" not in row:
        raise InputError(f"a fact-checking row needs a 'claim' field; got fields {sorted(row)}")
    if "evidences" in row and "claim_label" in row:
        return "climate-fever"
    if "evidence" in row and "label" in row:
        if "supporting_sentences" in row or str(row["label"]).lower() in WICE_MAP:
            return "wice"
        return "fever"
    raise InputError(
        "unknown fact-checking format: expected claim+evidence+label (FEVER, WiCE) or "
        f"claim+evidences+claim_label (CLIMATE-FEVER); got fields {sorted(row)}"
    )


def _evidence_texts(value: Any) -> tuple[str, ...]:
    # the evidence as given (a string, a list, a list written out as text, dicts): no sentence splitting
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):  # a list written out as text
            try:
                parsed = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                parsed = None
            if isinstance(parsed, list):
                return _evidence_texts(parsed)
        return (text,) if text else ()
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for v in value:
            if isinstance(v, dict):
                v = v.get("evidence", v.get("text", ""))
            out.extend(_evidence_texts(v))
        return tuple(out)
    return ()


def map_label(fmt: str, label: Any, disputed: str = "exclude") -> str | None:
    """The 3-class label of a source label (``None``: leave the row out).

    Raises:
        InputError: an unknown label.
    """
    lab = str(label).strip().lower()
    if fmt == "wice":
        table = WICE_MAP
    elif fmt == "climate-fever":
        if lab == "disputed":
            return None if disputed == "exclude" else "not_enough_info"
        table = CLIMATE_MAP
    else:
        table = FEVER_MAP
    if lab not in table:
        raise InputError(f"unknown {fmt} label {label!r}; expected one of {', '.join(sorted(table))}")
    return table[lab]


def parse_row(row: dict[str, Any], fmt: str, index: int, disputed: str = "exclude") -> FactCase | None:
    """A :class:`FactCase` from one row of the given format (``None`` when its label is left out)."""
    if fmt == "climate-fever":
        raw, evidence, ident = row["claim_label"], _evidence_texts(row.get("evidences", [])), row.get("claim_id")
    else:
        raw, evidence, ident = row["label"], _evidence_texts(row.get("evidence", [])), row.get("id")
        if ident is None and isinstance(row.get("meta"), dict):
            ident = row["meta"].get("id")
    label = map_label(fmt, raw, disputed)
    if label is None:
        return None
    return FactCase(str(ident if ident is not None else index), str(row["claim"]), evidence, label, str(raw))


def read_cases(path: str | Path, disputed: str = "exclude") -> tuple[list[FactCase], str, int]:
    """The cases of a JSON-lines file, its detected format and how many rows were left out."""
    path = Path(path)
    cases: list[FactCase] = []
    fmt = None
    left_out = 0
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from exc
            fmt = fmt or detect_format(row)
            try:
                case = parse_row(row, fmt, lineno, disputed)
            except (KeyError, InputError) as exc:
                raise InputError(f"{path}:{lineno}: {exc}") from exc
            if case is None:
                left_out += 1
            else:
                cases.append(case)
    if not cases:
        raise InputError(f"{path} holds no usable claims")
    return cases, fmt or "fever", left_out


def select_evidence(claim: str, evidence: tuple[str, ...], limit: int | None) -> tuple[str, ...]:
    """The ``limit`` sentences sharing most words with the claim, in their original order."""
    if not limit or len(evidence) <= limit:
        return evidence
    words = set(_WORD.findall(claim.lower()))
    scored = sorted(range(len(evidence)), key=lambda i: (-len(words & set(_WORD.findall(evidence[i].lower()))), i))
    return tuple(evidence[i] for i in sorted(scored[:limit]))


# --------------------------------------------------------------------------- deciding
def aggregate(probs: np.ndarray, entail_threshold: float, contradict_threshold: float) -> tuple[str, float, float]:
    """The verdict from ``[k, 3]`` (entailment, neutral, contradiction) rows, with the max E and C.

    Example:
        >>> aggregate(np.array([[0.1, 0.2, 0.7], [0.8, 0.1, 0.1]]), 0.6, 0.6)
        ('supported', 0.8, 0.7)
    """
    if len(probs) == 0:
        return "not_enough_info", 0.0, 0.0
    ent, con = float(probs[:, 0].max()), float(probs[:, 2].max())
    if ent >= entail_threshold and ent >= con:
        return "supported", ent, con
    if con >= contradict_threshold and con > ent:
        return "refuted", ent, con
    return "not_enough_info", ent, con


def score(gold: list[str], pred: list[str]) -> dict[str, Any]:
    """Accuracy, macro F1 (over the gold classes), per-label scores and the confusion matrix."""
    from kgqa.bench import metrics

    present = [lab for lab in LABELS if lab in gold]
    return {
        "accuracy": metrics.accuracy(gold, pred),
        "macro_f1": metrics.macro_f1(gold, pred, present),
        "per_label": metrics.per_label_prf(gold, pred, LABELS),
        "confusion_matrix": metrics.confusion_matrix(gold, pred, LABELS),
        "labels": list(LABELS),
        "macro_f1_labels": present,
    }


def evaluate(
    model: Any,
    cases: list[FactCase],
    entail_threshold: float,
    contradict_threshold: float,
    max_evidence: int | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Metrics of the NLI check on ``cases`` and one record per claim."""
    from kgqa.bench.common import Timer
    from kgqa.bench.nli_suite import predict_probs

    evidence = [select_evidence(c.claim, c.evidence, max_evidence) for c in cases]
    pairs = [(e, c.claim) for c, ev in zip(cases, evidence, strict=True) for e in ev]
    with Timer() as t:
        probs = predict_probs(model, pairs) if pairs else np.zeros((0, 3))
    per_case: list[np.ndarray] = []
    i = 0
    for ev in evidence:
        per_case.append(probs[i : i + len(ev)])
        i += len(ev)
    gold = [c.label for c in cases]
    records = []
    pred = []
    for c, p in zip(cases, per_case, strict=True):
        label, ent, con = aggregate(p, entail_threshold, contradict_threshold)
        pred.append(label)
        records.append(
            {
                "id": c.id,
                "label": c.label,
                "source_label": c.source_label,
                "prediction": label,
                "max_entailment": ent,
                "max_contradiction": con,
                "evidence_used": len(p),
            }
        )
    results = score(gold, pred)
    sweep = {}
    for th in THRESHOLD_GRID:
        swept = [aggregate(p, th, th)[0] for p in per_case]
        s = score(gold, swept)
        sweep[f"{th:.1f}"] = {"accuracy": s["accuracy"], "macro_f1": s["macro_f1"]}
    # with the not-enough-info option removed: entailment vs contradiction only
    forced = ["supported" if (len(p) and p[:, 0].max() >= p[:, 2].max()) else "refuted" for p in per_case]
    decided = [(g, f) for g, f in zip(gold, forced, strict=True) if g != "not_enough_info"]
    results.update(
        {
            "n": len(cases),
            "predicted": {lab: pred.count(lab) for lab in LABELS},
            "gold": {lab: gold.count(lab) for lab in LABELS},
            "accuracy_without_nei_option": (sum(g == f for g, f in decided) / len(decided)) if decided else None,
            "threshold_sweep": sweep,
            "entail_threshold": entail_threshold,
            "contradict_threshold": contradict_threshold,
            "pairs": len(pairs),
            "evidence_per_claim": len(pairs) / len(cases) if cases else 0.0,
            "seconds": t.seconds,
            "pairs_per_s": len(pairs) / t.seconds if t.seconds > 0 else None,
        }
    )
    return results, records


# --------------------------------------------------------------------------- the suite
def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``factcheck`` suite."""
    from kgqa.config import PipelineConfig

    entail, contradict = PipelineConfig.entail_threshold, PipelineConfig.contradict_threshold

    p.add_argument(
        "--data", help=f"JSON lines in FEVER, WiCE or CLIMATE-FEVER format (default: $KGQA_DATA/{DEFAULT_DATA})"
    )
    p.add_argument("--model", help="NLI model folder (default: the shipped data/models/nli)")
    p.add_argument("--quantize", action="store_true", help="int8 dynamic quantisation of the linear layers")
    from kgqa.bench.common import add_precision_argument

    add_precision_argument(p)
    p.add_argument("--batch-size", type=int, default=64, help="pairs per forward pass")
    p.add_argument("--max-length", type=int, default=128, help="tokens per pair")
    p.add_argument(
        "--entail-threshold",
        type=float,
        default=entail,
        help=f"max entailment needed to call a claim supported (default {entail}, the checker's)",
    )
    p.add_argument(
        "--contradict-threshold",
        type=float,
        default=contradict,
        help=f"max contradiction needed to call a claim refuted (default {contradict}, the checker's)",
    )
    p.add_argument(
        "--max-evidence",
        type=int,
        default=32,
        help="evidence sentences per claim, those sharing most words with it (default 32; 0: all)",
    )
    p.add_argument(
        "--disputed",
        choices=("exclude", "nei"),
        default="exclude",
        help="CLIMATE-FEVER DISPUTED claims: leave out (default) or count as not enough info",
    )
    p.add_argument("--save-predictions", action="store_true", help="also write predictions.jsonl")


def load_model(ns: argparse.Namespace) -> Any:
    """The NLI model (tests replace this with a fake)."""
    from kgqa.bench import nli_suite

    return nli_suite.load_model(ns)


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the suite; returns the results."""
    from kgqa.bench.common import resolve_data, resolved_precision, seeded_sample
    from kgqa.bench.report import data_info, model_info, plot_confusion, plot_curves

    for name in ("entail_threshold", "contradict_threshold"):
        if not 0.0 < getattr(ns, name) <= 1.0:
            raise InputError(f"--{name.replace('_', '-')} must be in (0, 1], got {getattr(ns, name)}")
    if ns.max_evidence < 0:
        raise InputError(f"--max-evidence must be 0 (all) or positive, got {ns.max_evidence}")
    path = resolve_data(ns.data, DEFAULT_DATA)
    cases, fmt, left_out = read_cases(path, ns.disputed)
    rows = len(cases) + left_out
    cases = seeded_sample(cases, ns.limit, ns.seed)
    model = load_model(ns)
    results, records = evaluate(model, cases, ns.entail_threshold, ns.contradict_threshold, ns.max_evidence or None)
    mapping = {
        "fever": FEVER_MAP,
        "wice": WICE_MAP,
        "climate-fever": {**CLIMATE_MAP, "disputed": ("left out" if ns.disputed == "exclude" else "not_enough_info")},
    }[fmt]
    results.update(
        {
            "format": fmt,
            "label_mapping": mapping,
            "rows_left_out": left_out,
            "data": data_info(path, rows=rows, format=fmt),
            "models": {
                "nli": model_info(
                    getattr(model, "model_dir", None), quantized=bool(ns.quantize), precision=resolved_precision(model)
                )
            },
            "notes": [
                f"verdict: max entailment / max contradiction over up to {ns.max_evidence or 'all'} evidence "
                "sentences per claim, against the thresholds (PremiseChecker's passage rule)"
            ],
        }
    )
    plots = [
        plot_confusion(
            results["confusion_matrix"], list(LABELS), out / "confusion_matrix.png", title=f"{path.name} ({fmt})"
        )
    ]
    grid = list(results["threshold_sweep"])
    plots.append(
        plot_curves(
            [float(g) for g in grid],
            {m: [results["threshold_sweep"][g][m] for g in grid] for m in ("accuracy", "macro_f1")},
            out / "threshold_sweep.png",
            title="both thresholds swept",
            xlabel="threshold",
            ylabel="score",
        )
    )
    results["plots"] = [p.name for p in plots]
    if ns.save_predictions:
        with (out / "predictions.jsonl").open("w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps(r) + "\n")
    return results


HELP = "fact verification (FEVER, WiCE, CLIMATE-FEVER): supported / refuted / not enough info by NLI"
