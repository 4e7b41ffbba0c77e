"""The link model's report: its card (README) and the histogram of held-out rank shares.

Split from :mod:`kgqa.train.link_model` (training and evaluation); both are written into the
model folder by ``kgqa train link-model``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.graph.link_model import LinkModel

logger = logging.getLogger(__name__)


def plot_rank_shares(model: LinkModel, shares: dict[str, Any], path: Path) -> Path | None:
    """Histograms of the test split's rank shares: true values against wrong ones, judged directions only.

    Written where matplotlib is installed (``pip install "kgqa[bench]"``); ``None`` otherwise.
    """
    if not model.thresholds:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, never a window
        import matplotlib.pyplot as plt
    except ImportError:
        logger.info("matplotlib is not installed: no %s", path.name)
        return None
    true = [x for k, v in shares["_true"].items() if k in model.thresholds for x in v]
    wrong = [x for k, v in shares["_wrong"].items() if k in model.thresholds for x in v]
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    bins = np.linspace(0, 1, 41)
    ax.hist(true, bins=bins, alpha=0.6, label=f"true held-out values (n={len(true)})", density=True)
    ax.hist(wrong, bins=bins, alpha=0.6, label=f"wrong values of the same relation (n={len(wrong)})", density=True)
    ax.axvline(float(np.median(list(model.thresholds.values()))), color="k", ls="--", lw=1, label="median threshold")
    ax.set_xlabel("rank share (share of the relation's values scored above)")
    ax.set_ylabel("density")
    ax.set_title("Link model, test split: judged relation directions")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def card(model: LinkModel) -> str:
    """The model folder's README: data, recipe, threshold and held-out numbers."""
    m = model.meta
    tr = m.get("training", {})
    a = tr.get("args", {})
    sel = {**a, **m.get("selection", {})}
    lines = [
        "# kgqa link model (ComplEx, reciprocal relations)",
        "",
        f"- **Graph:** the world `{m.get('world')}`: {m['facts']['all']:,} entity-to-entity facts, "
        f"{len(model.entities):,} entities, {len(model.relations) // 2:,} relations (each read both ways).",
        f"- **Split (seed {sel.get('seed')}):** train {m['facts']['train']:,}, dev {m['facts']['dev']:,} "
        f"(thresholds), test {m['facts']['test']:,} (reported), both drawn from the eligible relations' facts; "
        "dev and test facts were never trained on.",
        f"- **Recipe:** rank {a.get('rank')}, batch {a.get('batch_size')} facts of one relation direction against "
        f"its range (at most {a.get('max_candidates')} candidates), Adagrad lr {a.get('learning_rate')}, "
        f"N3 {a.get('n3')}, {tr.get('steps')} steps in all; this run {tr.get('steps_this_run', tr.get('steps'))} of "
        f"{tr.get('planned_steps')} planned ({a.get('epochs')} epochs"
        + (f", resumed from step {tr['resumed_from_step']}" if tr.get("resumed_from_step") else "")
        + f"), {tr.get('minutes')} minutes on {a.get('num_threads')} CPU thread(s).",
        f"- **Judged directions:** {len(model.thresholds)} of {len(m.get('eligible', {}))} eligible ones (at least "
        f"{sel.get('min_share')} of at least {sel.get('min_holders')} holders single-valued); judged: at least "
        f"{sel.get('min_candidates')} candidate values and {sel.get('min_dev_facts')} dev facts.",
        f"- **Thresholds:** one per judged direction, the least rank share that at most {sel.get('max_false_alarm')} "
        "of its true dev values exceed"
        + (
            f", and (where at least {sel['min_checker_facts']} of them have a holder with other values, the only case "
            "where the checker judges) at most that share of those: the stricter of the two."
            if sel.get("min_checker_facts") is not None
            else "."
        ),
    ]
    pooled = m.get("pooled")
    if pooled:
        lines.append(
            f"- **Pooled threshold:** {len(pooled['directions'])} eligible directions with some but fewer than "
            f"{sel.get('min_dev_facts')} dev facts share the threshold {pooled['threshold']}, chosen the same way on "
            f"their {pooled['dev_facts']} dev facts pooled ({pooled['dev_facts_with_other_values']} with a holder "
            "that has other values); the rows marked pooled below report them together."
        )
    lines += [
        "",
        "| split | true facts (judged) | false-alarm rate | with other values: n, false-alarm rate | wrong values caught |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in ("dev", "test"):
        e = m.get(name, {})
        lines.append(
            f"| {name} | {e.get('judged_true_facts')} | {e.get('false_alarm_rate')} | "
            f"{e.get('true_facts_with_other_values')}, {e.get('false_alarm_rate_other_valued')} | {e.get('catch_rate')} |"
        )
    for name in ("dev", "test"):
        e = (m.get(name) or {}).get("pooled")
        if e:
            lines.append(
                f"| {name}, pooled directions only | {e['true_facts']} | {e['false_alarm_rate']} | "
                f"{e['true_facts_with_other_values']}, {e['false_alarm_rate_other_valued']} | {e['catch_rate']} |"
            )
    lines += ["", "![rank shares on the test split](rank_shares.png)"]
    lines += ["", "Per judged direction (test split, the 30 with most facts):", ""]
    lines += [
        "| direction | threshold | test facts | false-alarm rate | with other values: n, false-alarm rate "
        "| wrong values caught |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, e in list(m.get("test", {}).get("per_relation", {}).items())[:30]:
        other = f"{e.get('true_facts_with_other_values', '–')}, {e.get('false_alarm_rate_other_valued', '–')}"
        lines.append(
            f"| {key} | {e['threshold']} | {e['true_facts']} | {e['false_alarm_rate']} | {other} | {e['catch_rate']} |"
        )
    lines += [
        "",
        "A *false alarm* is a true fact, left out of training, whose value ranks above the threshold; the checker "
        "would call it implausible if the graph held another value for its holder. *Wrong values caught*: a "
        "random other value of the same relation direction, not one the holder has, ranked above the threshold.",
        "",
    ]
    return "\n".join(lines)


__all__ = ["card", "plot_rank_shares"]
