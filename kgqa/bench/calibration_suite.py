"""``kgqa bench calibration``: expected calibration error of the verdict confidence, before and after.

Rebuilds the labelled cases the calibrator was fitted with (:mod:`kgqa.bench.calibration_cases`,
from the generation settings and seed stored in the calibrator file) and runs only the
**held-out** part through the calibrated pipeline. Each verdict keeps its rule's own score
(``rule_score``, "before") next to the calibrated ``confidence`` ("after"); the report gives the
ECE of both (10 equal-width bins) overall and for ``ask`` verdicts and ``check`` claims apart,
accuracy and mean confidence per verdict kind, and reliability diagrams before and after.

The cases are generated from the same graph the checker reads: the graph rules are nearly always
right on them, so these numbers say how well the confidence matches that accuracy, not how often
kgqa is right on a user's graph.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from kgqa.bench.calibration_cases import Outcome, build_cases, run_cases, split_cases
from kgqa.errors import InputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``kgqa bench calibration``."""
    p.add_argument("--pipeline", default=None, help="kgqa.json or world folder (default: the shipped world)")
    p.add_argument("--calibration-file", default=None, help="calibrator to measure (default: the shipped verdict.json)")
    p.add_argument("--bins", type=int, default=10, help="equal-width confidence bins of the ECE")


def ece_table(outcomes: list[Outcome], bins: int) -> dict[str, Any]:
    """ECE before (rule score) and after (calibrated confidence), overall and per family, and per-kind rows."""
    from kgqa.bench.metrics import expected_calibration_error

    def ece(rows: list[Outcome]) -> dict[str, Any]:
        if not rows:
            return {"n": 0}
        correct = [o.correct for o in rows]
        before, bins_before = expected_calibration_error([o.rule_score for o in rows], correct, bins)
        after, bins_after = expected_calibration_error([o.confidence for o in rows], correct, bins)
        return {
            "n": len(rows),
            "accuracy": sum(correct) / len(rows),
            "ece_before": before,
            "ece_after": after,
            "bins_before": bins_before,
            "bins_after": bins_after,
        }

    kinds: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        kinds[o.key].append(o)
    per_kind = {
        k: {
            "n": len(v),
            "accuracy": sum(o.correct for o in v) / len(v),
            "mean_rule_score": sum(o.rule_score for o in v) / len(v),
            "mean_confidence": sum(o.confidence for o in v) / len(v),
        }
        for k, v in sorted(kinds.items())
    }
    return {
        "all": ece(outcomes),
        "ask": ece([o for o in outcomes if o.key.startswith("answer:")]),
        "check": ece([o for o in outcomes if o.key.startswith("claim:")]),
        "per_kind": per_kind,
    }


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the held-out cases through the calibrated pipeline and report ECE before and after."""
    import torch

    from kgqa.bench.report import plot_reliability
    from kgqa.pipeline import Pipeline

    if ns.bins < 2:
        raise InputError(f"--bins must be at least 2, not {ns.bins}")
    if ns.threads:
        torch.set_num_threads(ns.threads)
    pipe = Pipeline.load(ns.pipeline, **({"calibration_file": ns.calibration_file} if ns.calibration_file else {}))
    cal = pipe.calibrator
    if cal is None:
        raise InputError("the pipeline has no calibrator: train one with `kgqa train calibration --out FILE`")
    gen = cal.meta.get("generation") or {}
    if not gen:
        raise InputError(
            f"{cal.path} does not record how its cases were generated; refit it with kgqa train calibration"
        )
    cases = build_cases(pipe.kg, int(gen["pairs"]), int(gen["ask"]), int(gen["unanswerable"]), int(gen["seed"]))
    _, held = split_cases(cases, int(gen["seed"]), float(cal.meta.get("held_out_share", 0.4)))
    if ns.limit:
        held = held[: ns.limit]
    outcomes = run_cases(pipe, held, desc="held-out cases")
    table = ece_table(outcomes, ns.bins)
    out.mkdir(parents=True, exist_ok=True)
    (out / "outcomes.jsonl").write_text("".join(json.dumps(o.to_dict()) + "\n" for o in outcomes), encoding="utf-8")
    plots = []
    for part in ("ask", "check", "all"):
        t = table[part]
        if not t.get("n"):
            continue
        for when in ("before", "after"):
            label = "rule score" if when == "before" else "calibrated confidence"
            plots.append(
                str(
                    plot_reliability(
                        t[f"bins_{when}"],
                        t[f"ece_{when}"],
                        out / f"reliability_{part}_{when}.png",
                        f"{part}: {label} (ECE = {t[f'ece_{when}']:.3f}, n = {t['n']})",
                    )
                )
            )
    return {
        "n": len(outcomes),
        "ece_before": table["all"].get("ece_before"),
        "ece_after": table["all"].get("ece_after"),
        "ask": {k: v for k, v in table["ask"].items() if not k.startswith("bins")},
        "check": {k: v for k, v in table["check"].items() if not k.startswith("bins")},
        "per_kind": table["per_kind"],
        "bins": {p: {w: table[p].get(f"bins_{w}") for w in ("before", "after")} for p in ("all", "ask", "check")},
        "data": {
            "cases": f"{len(held)} held-out cases generated from {cal.meta.get('world', 'the shipped world')}'s graph",
            "generation": gen,
            "held_out_share": cal.meta.get("held_out_share"),
            "note": "generated from the same graph the checker reads",
        },
        "models": {"calibrator": str(cal.path), "fitted_on": cal.meta.get("fitted_on")},
        "plots": plots,
    }


__all__ = ["add_arguments", "ece_table", "run"]
