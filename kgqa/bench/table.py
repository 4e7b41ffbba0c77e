"""The table of latest measured numbers: one row per ``results.json`` under a folder.

``python -m kgqa.bench.table benchmarks/results`` prints a markdown table (suite, data,
n, headline metrics, date, command) for ``benchmarks/README.md``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

#: the headline metrics of each suite, in table order
HEADLINE: dict[str, tuple[str, ...]] = {
    "nli": ("accuracy", "macro_f1", "ece"),
    "qa": ("exact_match", "f1", "has_ans_f1", "no_ans_f1", "no_ans_accuracy", "null_threshold", "best_f1"),
    "open-qa": ("recall_at_1", "recall_at_5", "recall_at_20", "mrr", "exact_match", "f1"),
    "kgqa": ("hits_at_1",),
    "factcheck": ("accuracy", "macro_f1"),
    "premises": ("precision", "recall", "f1", "true_premise_answer_accuracy"),
    "tog": (
        "hits_at_1",
        "entity_linking_accuracy",
        "relation_accuracy",
        "answered_rate",
        "ask_s.p95",
        "ask_s.max",
        "world_cost.load_s",
        "world_cost.peak_rss_mb",
    ),
    "fb-premises": ("precision", "recall", "f1", "false_alarm_rate", "presupposition_found_rate"),
    "single-valued": (
        "chosen_share",
        "at_configured.false_refutation_rate",
        "at_configured.qualifying_rate",
        "at_configured.negatives_refuted_rate",
        "two_sided.at_configured.false_refutation_rate",
        "two_sided.at_configured.negatives_refuted_rate",
    ),
    "fact-claims": ("supported_rate", "contradicted_rate", "contradicted_upper95", "swapped.supported_rate"),
    "labelled-claims": (
        "true_claims.supported_rate",
        "true_claims.contradicted",
        "true_claims.contradicted_upper95",
        "false_claims.supported_rate",
        "false_claims.contradicted_rate",
    ),
    "false-premise": (
        "accuracy",
        "precision",
        "recall",
        "false_alarm_rate",
        "generated.accuracy",
        "generated.f1",
        "generated.false_alarm_rate",
        "squad_false_alarm_rate",
        "end_to_end.counts.false_premise.premise_rejected_rate",
        "end_to_end.counts.true_premise.premise_rejected_rate",
        "end_to_end.demo.verdicts_changed",
    ),
    "speed": (
        "ask_latency_p50_ms",
        "ask_latency_p95_ms",
        "reader_questions_per_s",
        "reader_questions_per_s_fp32",
        "peers.haystack.questions_per_s",
        "peers.hf_pipeline.questions_per_s",
        "nli_pairs_per_s",
        "nli_pairs_per_s_fp32",
        "peers.cross_encoder.pairs_per_s",
        "index_build_passages_per_s",
        "encoder_sentences_per_s",
        "peak_rss_mb",
    ),
}


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def row(result: dict[str, Any]) -> str:
    """One markdown table row for a ``results.json``."""
    suite = result.get("suite", "?")
    data = result.get("data") or {}
    if isinstance(data, list):
        name = ", ".join(str(x.get("file", x)) if isinstance(x, dict) else str(x) for x in data)
    elif isinstance(data, dict):
        name = str(data.get("file") or data.get("name") or "")
        if data.get("split"):
            name += f" ({data['split']})"
    else:
        name = str(data)
    if result.get("derived_unanswerable"):
        name += " + derived unanswerable twins"
    flat = _flat({k: v for k, v in result.items() if k not in ("args", "hardware", "software", "models", "data")})
    wanted = HEADLINE.get(suite, ())
    metrics = []
    for key in wanted:
        hits = [
            k for k in flat if k == key or (k.startswith(("per_file.", "bm25.", "hybrid.")) and k.endswith("." + key))
        ]
        for k in hits[:6]:
            metrics.append(f"{k}={_fmt(flat[k])}")
    precisions = sorted(
        {
            str(m["precision"])
            for m in (result.get("models") or {}).values()
            if isinstance(m, dict) and m.get("precision")
        }
    )
    if precisions:
        name += f" [{', '.join(precisions)}]"
    elif suite in ("nli", "qa") and result.get("args", {}).get("quantize"):
        name += " [int8]"
    date = str(result.get("date", ""))[:10]
    cmd = result.get("command", "")
    return f"| {suite} | {name} | {result.get('n', '')} | {'; '.join(metrics)} | {date} | `{cmd}` |"


def table(folder: str | Path) -> str:
    """The markdown table of every ``results.json`` below ``folder``."""
    lines = ["| suite | data | n | metrics | date | command |", "|---|---|---|---|---|---|"]
    for path in sorted(Path(folder).glob("*/results.json")):
        lines.append(row(json.loads(path.read_text())))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the table for the folder given (default ``benchmarks/results``)."""
    argv = sys.argv[1:] if argv is None else argv
    print(table(argv[0] if argv else "benchmarks/results"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
