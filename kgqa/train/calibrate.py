"""``kgqa train calibration``: fit the verdict calibrator (:class:`kgqa.calibration.VerdictCalibrator`).

Runs the pipeline, uncalibrated, on the fitting part of the labelled cases of
:mod:`kgqa.bench.calibration_cases` (generated from the pipeline's own graph; the held-out part is
left for ``kgqa bench calibration``) and fits one isotonic regression (scikit-learn) per verdict
kind from the rule's score to whether the verdict was right, plus a pooled map per family for
verdicts seen fewer than ``--min-cases`` times. The file records how many cases each step stands on,
the seed and split, so the benchmark can rebuild the held-out part.

Example:
    kgqa train calibration --out data/models/calibration/verdict.json --pairs 1000 --ask 400
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from kgqa.bench.calibration_cases import HELD_OUT, Outcome, build_cases, run_cases, split_cases
from kgqa.calibration import IsotonicMap, VerdictCalibrator, family
from kgqa.errors import InputError, MissingDependencyError

logger = logging.getLogger(__name__)

#: a verdict kind seen fewer times than this in the fitting cases uses its family's pooled map
MIN_CASES = 20


def fit_isotonic(scores: Sequence[float], correct: Sequence[bool]) -> IsotonicMap:
    """One increasing isotonic regression ``score -> P(right)`` (scikit-learn), stored as its breakpoints.

    Each breakpoint carries how many fitted cases share its value, for the shrinkage of
    :class:`~kgqa.calibration.IsotonicMap`.
    """
    try:
        from sklearn.isotonic import IsotonicRegression
    except ImportError as exc:  # pragma: no cover - sklearn comes with kgqa[train]
        raise MissingDependencyError('fitting a calibrator needs scikit-learn: pip install "kgqa[train]"') from exc
    if not scores:
        raise InputError("no cases to fit a calibration map on")
    x = np.asarray(scores, dtype=float)
    y = np.asarray(correct, dtype=float)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(x, y)
    xs = [float(v) for v in iso.X_thresholds_]
    ys = [float(v) for v in iso.y_thresholds_]
    fitted = iso.predict(x)
    # cases per distinct fitted value (a block of the isotonic fit), assigned to its breakpoints
    block = Counter(np.round(fitted, 9).tolist())
    ns = [int(block.get(round(v, 9), 1)) for v in ys]
    return IsotonicMap(xs, ys, ns)


def fit_calibrator(
    outcomes: Sequence[Outcome], min_cases: int = MIN_CASES, meta: dict | None = None
) -> VerdictCalibrator:
    """One map per verdict kind with at least ``min_cases`` outcomes, and a pooled map per family."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.key].append(o)
        groups[family(o.key)].append(o)
    maps = {}
    for key, rows in sorted(groups.items()):
        if key.endswith(":*") or len(rows) >= min_cases:
            maps[key] = fit_isotonic([r.rule_score for r in rows], [r.correct for r in rows])
    counts = {k: len(v) for k, v in sorted(groups.items())}
    return VerdictCalibrator(maps, {**(meta or {}), "cases_per_kind": counts, "min_cases": min_cases})


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``kgqa train calibration``."""
    p.add_argument("--out", required=True, help="calibrator file to write (JSON)")
    p.add_argument("--pipeline", default=None, help="kgqa.json or world folder (default: the shipped world)")
    p.add_argument("--pairs", type=int, default=1000, help="premise pairs generated from the graph (claims)")
    p.add_argument("--ask", type=int, default=400, help="cases asked as a question with their premise")
    p.add_argument("--unanswerable", type=int, default=150, help="questions about invented subjects")
    p.add_argument("--seed", type=int, default=7, help="seed of the generation and of the split")
    p.add_argument("--held-out", type=float, default=HELD_OUT, help="share of subjects held out for the benchmark")
    p.add_argument("--min-cases", type=int, default=MIN_CASES, help="fewest cases for a verdict's own map")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")


def run(ns: argparse.Namespace) -> dict[str, Any]:
    """Generate the cases, run the fitting part uncalibrated, fit and write the calibrator."""
    import torch

    from kgqa.pipeline import Pipeline

    if not 0 < ns.held_out < 1:
        raise InputError(f"--held-out must be in (0, 1), not {ns.held_out}")
    if ns.threads:
        torch.set_num_threads(ns.threads)
    pipe = Pipeline.load(ns.pipeline, calibration_file="none")
    cases = build_cases(pipe.kg, ns.pairs, ns.ask, ns.unanswerable, ns.seed)
    fit, held = split_cases(cases, ns.seed, ns.held_out)
    logger.info("%d cases: %d to fit, %d held out", len(cases), len(fit), len(held))
    outcomes = run_cases(pipe, fit, desc="fitting cases")
    meta = {
        "fitted_on": f"{len(outcomes)} verdicts on cases generated from {ns.pipeline or 'the shipped world'}",
        "world": ns.pipeline or "shipped",
        "generation": {"pairs": ns.pairs, "ask": ns.ask, "unanswerable": ns.unanswerable, "seed": ns.seed},
        "held_out_share": ns.held_out,
        "cases": {"fit": len(fit), "held_out": len(held)},
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "kgqa train calibration " + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in _args(ns).items()),
        "note": "the cases are generated from the same graph the checker reads",
    }
    cal = fit_calibrator(outcomes, ns.min_cases, meta)
    out = cal.save(ns.out)
    (out.parent / "fit_outcomes.jsonl").write_text(
        "".join(json.dumps(o.to_dict()) + "\n" for o in outcomes), encoding="utf-8"
    )
    logger.info("wrote %s (%d maps)", out, len(cal.maps))
    return {"calibrator": str(out), "maps": sorted(cal.maps), "outcomes": len(outcomes)}


def _args(ns: argparse.Namespace) -> dict[str, Any]:
    keys = ("out", "pipeline", "pairs", "ask", "unanswerable", "seed", "held_out", "min_cases")
    return {k: getattr(ns, k) for k in keys if getattr(ns, k, None) is not None}


__all__ = ["MIN_CASES", "add_arguments", "fit_calibrator", "fit_isotonic", "run"]
