"""``kgqa bench fb-premises``: false presuppositions built from a world's facts, each with its true twin.

The cases come from :mod:`kgqa.bench.fb_premise_cases` with the relation kinds and question
templates of ``--templates`` (default ``benchmarks/fb_premise_templates.json``, whose relation
kinds and properties are documented there). Both questions of a pair are
asked through :meth:`kgqa.Pipeline.ask` on ``--world``; a presupposition counts as caught when a
premise kgqa read off the question (``source == "presupposed"``) comes back ``contradicted``.

Scores (positive class: the question with the wrong value): precision, recall, F1, and the
false-alarm rate on the true twins, overall, per relation kind and per question word. The
cases are generated from the same graph the checker reads, so the suite measures parsing,
linking and matching, not knowledge.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path
from typing import Any

from kgqa.bench.common import add_generated_case_arguments, subject_filter
from kgqa.bench.fb_premise_cases import FBPremiseCase, generate_cases, load_templates
from kgqa.bench.tog_suite import add_world_arguments, load_world
from kgqa.errors import InputError

DEFAULT_TEMPLATES = "benchmarks/fb_premise_templates.json"
DEFAULT_PAIRS = 100


def presupposed_statuses(answer: Any) -> list[str]:
    """Statuses of the premises kgqa read off the question (not those the user stated)."""
    return [p.status for p in getattr(answer, "premises", []) if getattr(p, "source", "") == "presupposed"]


def contradicting_rules(answer: Any) -> list[str]:
    """The rules of the presupposed premises kgqa contradicted (``functional_property``, ``implausible_value``...)."""
    return [
        getattr(p, "rule", "") or "(none)"
        for p in getattr(answer, "premises", [])
        if getattr(p, "source", "") == "presupposed" and p.status == "contradicted"
    ]


def detection_scores(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Precision, recall, F1 and false-alarm rate of ``rows`` (each ``false_premise`` and ``caught``)."""
    tp = sum(r["false_premise"] and r["caught"] for r in rows)
    fn = sum(r["false_premise"] and not r["caught"] for r in rows)
    fp = sum(not r["false_premise"] and r["caught"] for r in rows)
    n_true = sum(not r["false_premise"] for r in rows)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "false_alarm_rate": fp / n_true if n_true else 0.0,
        "n_false": tp + fn,
        "n_true": n_true,
    }


def evaluate(pipe: Any, cases: list[FBPremiseCase]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Ask both questions of every case; the scores and one record per question."""
    from kgqa.bench.common import percentile, progress

    records: list[dict[str, Any]] = []
    for case in progress(cases, total=len(cases), desc="fb-premises", unit="pair"):
        for false_premise, question in ((True, case.false_question), (False, case.true_question)):
            start = time.perf_counter()
            answer = pipe.ask(question)
            seconds = time.perf_counter() - start
            statuses = presupposed_statuses(answer)
            records.append(
                {
                    "id": case.id,
                    "relation": case.relation,
                    "shape": case.shape,
                    "question": question,
                    "false_premise": false_premise,
                    "caught": "contradicted" in statuses,
                    "presupposed": statuses,
                    "rules": contradicting_rules(answer),
                    "verdict": answer.verdict,
                    "answer": answer.answer,
                    "seconds": round(seconds, 3),
                }
            )
    results = detection_scores(records)
    results["n"] = len(records)
    results["n_pairs"] = len(cases)
    results["presupposition_found_rate"] = (
        sum(bool(r["presupposed"]) for r in records) / len(records) if records else 0.0
    )
    results["per_relation"] = {
        rel: detection_scores([r for r in records if r["relation"] == rel])
        for rel in dict.fromkeys(r["relation"] for r in records)
    }
    results["per_shape"] = {
        shape: detection_scores([r for r in records if r["shape"] == shape])
        for shape in sorted({r["shape"] for r in records})
    }
    results["presupposed_statuses"] = dict(Counter(s for r in records for s in r["presupposed"] or ["(none)"]))
    results["contradicting_rules"] = {
        kind: dict(Counter(rule for r in records if r["false_premise"] is (kind == "false") for rule in r["rules"]))
        for kind in ("false", "true")
    }
    times = [r["seconds"] for r in records]
    results["ask_s"] = {"p50": percentile(times, 50), "p95": percentile(times, 95), "max": max(times, default=0.0)}
    return results, records


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``fb-premises`` suite (``--limit``: pairs, default 100)."""
    p.add_argument(
        "--templates",
        metavar="FILE",
        default=DEFAULT_TEMPLATES,
        help=f"the relation kinds and question templates (default: {DEFAULT_TEMPLATES})",
    )
    p.add_argument("--relations", help="comma-separated relation kinds of the template file (default: all)")
    add_world_arguments(p)
    add_generated_case_arguments(p, "question")


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Generate the pairs from the world's graph, ask them and score the presupposition checks."""
    from kgqa.bench.common import peak_rss_mb
    from kgqa.bench.report import data_info, model_info, plot_bars, write_records

    relations = load_templates(ns.templates)
    if ns.relations:
        wanted = [r.strip() for r in ns.relations.split(",") if r.strip()]
        unknown = sorted(set(wanted) - {r.name for r in relations})
        if unknown:
            raise InputError(
                f"--relations: {', '.join(unknown)} not in {ns.templates}; "
                f"choose from {', '.join(r.name for r in relations)}"
            )
        relations = [r for r in relations if r.name in wanted]
    pipe, cost = load_world(ns)
    n_pairs = ns.limit or DEFAULT_PAIRS
    held_out, subjects = subject_filter(ns)
    cases = generate_cases(pipe.kg, relations, n_pairs, seed=ns.seed, keep=held_out)
    results, records = evaluate(pipe, cases)
    results["world_cost"] = {**cost, "peak_rss_mb": round(peak_rss_mb(), 1)}
    results["data"] = data_info(
        ns.templates,
        generated_from=cost["world"],
        pairs_requested=n_pairs,
        pairs_generated=len(cases),
        seed=ns.seed,
        generator="kgqa.bench.fb_premise_cases.generate_cases",
        subjects=subjects,
    )
    results["models"] = {
        "nli": model_info(getattr(getattr(pipe, "nli", None), "model_dir", None)),
        "reader": model_info(getattr(getattr(pipe, "reader", None), "model_dir", None)),
    }
    results["notes"] = [
        f"{len(cases)} pairs ({n_pairs} requested) of a question with a wrong presupposed value and its true twin",
        "caught: a premise read off the question (source 'presupposed') comes back 'contradicted'; "
        "false_alarm_rate: the share of true twins caught",
        "the cases are generated from the same graph the checker reads: this measures parsing, linking and "
        "matching, not knowledge",
    ]
    if ns.save_cases:
        results["cases"] = write_records(out / "cases.jsonl", records)
    kinds = list(results["per_relation"])
    plot = plot_bars(
        kinds,
        {
            "recall (wrong value caught)": [results["per_relation"][k]["recall"] for k in kinds],
            "false alarms (true twin caught)": [results["per_relation"][k]["false_alarm_rate"] for k in kinds],
        },
        out / "per_relation.png",
        title="false presuppositions per relation kind",
        ylabel="rate",
    )
    results["plots"] = [plot.name]
    return results


HELP = "false presuppositions from a world's facts and their true twins (precision, recall, F1, false alarms)"
