"""The report of ``kgqa train calibrate-models``: ``results.json``, ``results.md`` and reliability diagrams.

The diagrams (before and after, one pair per probability) are drawn with
:func:`kgqa.bench.report.plot_reliability` from the equal-width bins of
:func:`kgqa.bench.metrics.expected_calibration_error`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from kgqa.bench.report import plot_reliability

logger = logging.getLogger(__name__)

#: ``(result key, bins before, bins after, ECE path, title)`` of each diagram pair
_PLOTS = (
    ("nli", "before", "after", ("top_label",), "NLI top label"),
    ("reader", "answer_before", "answer_after", ("answer",), "reader: answer right"),
    ("reader", "no_answer_before", "no_answer_after", ("no_answer",), "reader: no answer"),
)


def _plots(results: dict[str, Any], out: Path) -> list[str]:
    """Draw each before/after pair present in ``results``; return the file names."""
    names = []
    for key, before, after, path, title in _PLOTS:
        part = results.get(key)
        if not part:
            continue
        node = part
        for k in path:
            node = node[k]
        for which, bins_key, ece_key in (("before", before, "ece_before"), ("after", after, "ece_after")):
            name = f"{key}_{path[0]}_{which}.png"
            plot_reliability(
                part["bins"][bins_key], node[ece_key], out / name, f"{title}, {which} (ECE {node[ece_key]:.3f})"
            )
            names.append(name)
    return names


def _markdown(results: dict[str, Any], plots: list[str]) -> str:
    """``results.md``: the ECE table, the provenance and the diagrams."""
    lines = [
        "# Calibrated probabilities of the NLI model and the reader (issue 15)",
        "",
        f"Command: `{results['command']}` ({results['date']}). ECE: 10 equal-width bins, on the held-out half.",
        "",
        "| model | probability | n (held-out) | ECE before | ECE after |",
        "|---|---|---:|---:|---:|",
    ]
    nli = results.get("nli")
    if nli:
        lines.append(
            f"| NLI (T = {nli['temperature']:.3f}) | top label (max prob; right = arg-max is gold) | {nli['n_eval']} "
            f"| {nli['top_label']['ece_before']:.4f} | {nli['top_label']['ece_after']:.4f} |"
        )
        lines.append(
            f"| NLI | P(entailment) vs gold entailment | {nli['n_eval']} "
            f"| {nli['entailment_probability']['ece_before']:.4f} | {nli['entailment_probability']['ece_after']:.4f} |"
        )
    reader = results.get("reader")
    if reader:
        a, na = reader["answer"], reader["no_answer"]
        lines.append(
            f"| reader | answer right (top span; SQuAD F1 >= 0.5) | {reader['n_eval_questions']} "
            f"| {a['ece_before']:.4f} | {a['ece_after']:.4f} |"
        )
        lines.append(
            f"| reader | answer right (every n-best span) | {a['all_spans']['n']} "
            f"| {a['all_spans']['ece_before']:.4f} | {a['all_spans']['ece_after']:.4f} |"
        )
        lines.append(
            f"| reader | no answer | {reader['n_eval_questions']} | {na['ece_before']:.4f} | {na['ece_after']:.4f} |"
        )
    lines += ["", "## Provenance", ""]
    if nli:
        lines += [
            f"- **NLI** ({nli['model']}): temperature fitted on {nli['n_fit']} and scored on {nli['n_eval']} pairs of the "
            f"NLI recipe's dev split (sources {nli['data']['sources']}; MNLI pairs carved out of the training half "
            f"with dev_split_seed {nli['data']['dev_split_seed']}, never trained on), halves by seed "
            f"{nli['data']['split_seed']}. Held-out accuracy {nli['accuracy_eval']:.3f} (the temperature keeps the "
            f"arg-max); NLL {nli['nll_eval']['before']:.4f} -> {nli['nll_eval']['after']:.4f}. "
            f"Before: the raw softmax. The model was trained on: {nli['trained_on']}.",
        ]
    if reader:
        d = reader["data"]
        lines += [
            f"- **Reader** ({reader['model']}): {d['questions']} questions of the carved-out SQuAD v1.1 train dev "
            f"articles (dev_articles {d['dev_articles']:g}, dev_split_seed {d['dev_split_seed']}) plus "
            f"{d['unanswerable_twins']} derived unanswerable twins, each read against its own paragraph; fitted on "
            f"{reader['n_fit_questions']} and scored on {reader['n_eval_questions']} questions and twins (halves by paragraph, a twin "
            f"with its question, seed {d['split_seed']}). Answer map features: {', '.join(a['features'])}. Before: "
            "the top span's softmax among its n-best, and sigmoid(no-answer score). The model was trained on: "
            f"{reader['trained_on']}.",
        ]
    if plots:
        lines += ["", "## Reliability diagrams", ""]
        lines += [f"![{p}]({p})" for p in plots]
    return "\n".join(lines) + "\n"


def write_report(results: dict[str, Any], out_dir: str | Path) -> Path:
    """Write ``results.json``, ``results.md`` and the diagrams into ``out_dir``; return the folder."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plots = _plots(results, out)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (out / "results.md").write_text(_markdown(results, plots), encoding="utf-8")
    logger.info("wrote %s", out / "results.md")
    return out


__all__ = ["write_report"]
