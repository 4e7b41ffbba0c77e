"""Model cards: ``README.md`` of a shipped model folder, written from its metadata, training log and benchmarks.

``python -m kgqa.train.card data/models/nli --results bench-out/nli-*/results.json --note "..."``
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kgqa.reader.modelio import WEIGHTS_FILE, read_meta

#: headline metrics to show per suite
HEADLINE = {
    "nli": ("accuracy", "macro_f1", "ece"),
    "qa": ("exact_match", "f1"),
    "open-qa": ("recall_at_5", "exact_match", "f1"),
    "false-premise": (
        "accuracy",
        "precision",
        "recall",
        "false_alarm_rate",
        "generated.accuracy",
        "generated.precision",
        "generated.recall",
        "generated.f1",
        "generated.false_alarm_rate",
    ),
}
#: card title, shipped folder and what the task's dev metric is, per task
TASKS = {
    "qa": ("kgqa reader (extractive QA)", "data/models/reader"),
    "nli": ("kgqa NLI cross-encoder", "data/models/nli"),
    "false-premise": ("kgqa false-premise detector (question classifier)", "data/models/false_premise"),
}


def _lookup(r: dict[str, Any], key: str) -> Any:
    """``r[key]``, a dotted key reading nested dicts (``generated.f1``); ``None`` when absent."""
    value: Any = r
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4f}" if v <= 1.0 else f"{v:.2f}"
    return str(v)


def _results_rows(paths: Sequence[Path]) -> list[str]:
    rows = ["| data | n | metric | value | command |", "|---|---|---|---|---|"]
    for p in paths:
        r = json.loads(Path(p).read_text())
        suite = r.get("suite", "?")
        data = r.get("data", {})
        name = data.get("file", "?") if isinstance(data, dict) else str(data)
        if isinstance(data, dict) and data.get("split"):
            name += f" ({data['split']})"
        cmd = r.get("command", "")
        if isinstance(cmd, list):
            cmd = " ".join(cmd)
        for key in HEADLINE.get(suite, ("accuracy",)):
            value = _lookup(r, key)
            if value is not None and not isinstance(value, dict):
                head = key.split(".")[0]
                n, where = r.get("n", "?"), name
                if "." in key and isinstance(r.get(head), dict):
                    n = r[head].get("n", "?")
                    split = (r.get(f"{head}_data") or {}).get("split", "")
                    where = f"{head} questions{f', {split}' if split else ''}"
                rows.append(f"| {where} | {n} | {key} | {_fmt(value)} | `{cmd}` |")
        groups = r.get("per_group", {}).get("heuristic") if isinstance(r.get("per_group"), dict) else None
        if groups:
            for g, v in groups.items():
                acc = v.get("accuracy") if isinstance(v, dict) else v
                rows.append(
                    f"| {name} | {v.get('n', '') if isinstance(v, dict) else ''} | accuracy ({g}) | "
                    f"{_fmt(acc)} | same run |"
                )
    return rows


def _curve(log: Path) -> list[str]:
    if not log.is_file():
        return []
    evals = [json.loads(x) for x in log.read_text().splitlines() if '"eval"' in x]
    if not evals:
        return []
    rows = ["| step | examples seen | time (min) | dev metric |", "|---|---|---|---|"]
    for e in evals:
        rows.append(f"| {e['step']} | {e.get('examples', '')} | {e.get('time_s', 0) / 60:.1f} | {_fmt(e['primary'])} |")
    return rows


STAGE1_ARGS = "stage1_training_args.json"
STAGE1_LOG = "stage1_training_log.jsonl"


def earlier_stages(model_dir: Path) -> list[tuple[Path, Path]]:
    """``(args, log)`` files of the stages before the last one (``stage1_*``, ``stage2_*``, ...), in order.

    A model trained in stages keeps each earlier stage's ``training_args.json`` and
    ``training_log.jsonl`` as ``stage{k}_training_args.json`` and ``stage{k}_training_log.jsonl``
    (and, optionally, its ``kgqa_model.json`` as ``stage{k}_kgqa_model.json``, which says how that
    stage's weights were selected); the last stage's are the plain files.
    """
    out = []
    k = 1
    while (model_dir / f"stage{k}_training_args.json").is_file():
        out.append((model_dir / f"stage{k}_training_args.json", model_dir / f"stage{k}_training_log.jsonl"))
        k += 1
    return out


def write_card(
    model_dir: str | Path, results: Sequence[str | Path] = (), title: str | None = None, notes: Sequence[str] = ()
) -> Path:
    """Write ``model_dir/README.md``; returns its path."""
    model_dir = Path(model_dir)
    meta = read_meta(model_dir)
    args = meta.get("training_args", {})
    best = meta.get("best", {})
    task = meta.get("task", "?")
    low_rank = meta.get("storage") == "low-rank"
    weights_file = "low_rank.safetensors" if low_rank else WEIGHTS_FILE
    size_mb = (model_dir / weights_file).stat().st_size / 1e6 if (model_dir / weights_file).is_file() else 0
    stages = earlier_stages(model_dir)
    first_args = json.loads(stages[0][0].read_text()) if stages else args
    default_title, target = TASKS.get(task, TASKS["nli"])
    lines = [f"# {title or default_title}", ""]
    lines += [
        f"- **Base model:** {meta.get('base_model', 'all-MiniLM-L6-v2')} (BERT, 6 layers, hidden 384, 22M parameters).",
        *(
            [
                f"- **Starts from:** `{first_args['init_model']}` (the first stage's `--init-model`; a new head is added)."
            ]
            if first_args.get("init_model")
            else []
        ),
        f"- **Method:** {meta.get('method', 'full')} fine-tuning with kgqa's own training code (`kgqa train {task}`).",
        f"- **Storage:** `{weights_file}` in {meta.get('storage_dtype')} ({size_mb:.2f} MB); "
        + (
            f"the LoRA factors (rank {_ranks(meta)}) of {len(meta.get('low_rank') or {})} weight matrices and the "
            "head; the rest of the encoder and the tokenizer are the installed base package's, the factors merged "
            "at load time (`kgqa.reader.low_rank`; the base is checked by hash)."
            if low_rank
            else "the word-embedding matrix is frozen during training and taken from the installed base package "
            "(checked by hash at load time)."
            if meta.get("shared_from_base")
            else "self-contained."
        )
        + (
            " The tokenizer is the installed base package's (its vocabulary checked by hash at load time)."
            if meta.get("tokenizer") == "base" and not low_rank
            else ""
        ),
        f"- **Training data:** {_training_data(task, args, best)}",
        _averaged_line(meta["averaged_from"], _stage_exports(stages, args, task))
        if meta.get("averaged_from")
        else _selection_line(best, args),
        *(
            [
                f"- **Decision threshold:** {float(meta['threshold']):.4f}, stored in `kgqa_model.json` and chosen on "
                "the dev splits only: the false-alarm rate on each dev set's true-premise half at most "
                f"{float(best.get('dev', {}).get('max_false_alarm', 0.1)):.2f}, then the highest mean accuracy."
            ]
            if task == "false-premise" and meta.get("threshold") is not None
            else []
        ),
        *(
            [
                f"- **No-answer threshold:** {float(meta['no_answer']['threshold']):.4f} (`kgqa_model.json`, "
                "`no_answer.threshold`): the reader abstains on a passage whose no-answer score (null minus best "
                f"span logit) exceeds it; chosen on {meta['no_answer'].get('chosen_on', 'a dev split')} to maximise "
                "SQuAD 2.0 F1, never on a test set."
            ]
            if task == "qa" and isinstance(meta.get("no_answer"), dict) and "threshold" in meta["no_answer"]
            else []
        ),
        *([_calibration_line(meta["calibration"])] if isinstance(meta.get("calibration"), dict) else []),
        f"- **Hardware:** {json.dumps(meta.get('hardware', {}))}.",
        f"- **Exported:** {meta.get('exported_at', '?')}; torch {meta.get('torch', '?')}, "
        f"transformers {meta.get('transformers', '?')}.",
        "",
        "## Reproduce",
        "",
    ]
    averaged = meta.get("averaged_from") or []
    if stages:
        # a model trained in stages: each starts from the weights the one before exported
        lines += [f"{len(stages) + 1} stages: each starts from the weights the one before exported.", "", "```bash"]
        prev: str | None = None
        renamed = _stage_exports(stages, args, task)
        for k, (args_file, _) in enumerate(stages, start=1):
            stage_args = json.loads(args_file.read_text())
            if prev is not None:
                stage_args = {**stage_args, "init_model": prev}
            run, prev = f"runs/{task}-stage{k}", f"runs/{task}-stage{k}/export"
            lines.append(_command(task, stage_args, export=prev))
            lines += _export_line(_stage_best(model_dir, k), stage_args, run, prev)
            stage_avg = _stage_meta(model_dir, k).get("averaged_from")
            if stage_avg:  # this stage shipped a weight average, and the next stage started from it
                prev = f"runs/{task}-stage{k}-average"
                lines.append(_average_command(stage_avg, renamed, prev))
        if averaged:
            last = f"runs/{task}-stage{len(stages) + 1}/export"
            lines += [
                _command(task, {**args, "init_model": prev}, export=last),
                *_export_line(best, args, last.rsplit("/", 1)[0], last),
                _average_command(averaged, renamed, target),
                "```",
            ]
        else:
            lines += [
                _command(task, {**args, "init_model": prev}),
                *_export_line(best, args, f"runs/{task}", target),
                "```",
            ]
    elif averaged:
        last = f"runs/{task}/export"
        renamed = _stage_exports(stages, args, task)
        lines += [
            "```bash",
            _command(task, args, export=last),
            *_export_line(best, args, f"runs/{task}", last),
            _average_command(averaged, renamed, target),
            "```",
        ]
    else:
        lines += ["```bash", _command(task, args), *_export_line(best, args, f"runs/{task}", target), "```"]
    lines.append("")
    for k, (_, log_file) in enumerate(stages, start=1):
        curve_k = _curve(log_file)
        if curve_k:
            lines += [f"## Learning curve, stage {k} (dev set used for early stopping)", "", *curve_k, ""]
    curve = _curve(model_dir / "training_log.jsonl")
    if curve:
        title = f", stage {len(stages) + 1}" if stages else ""
        lines += [f"## Learning curve{title} (dev set used for early stopping)", "", *curve, ""]
    if results:
        lines += ["## Evaluation", "", *_results_rows([Path(p) for p in results]), ""]
    if notes:
        lines += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    out = model_dir / "README.md"
    out.write_text("\n".join(lines))
    return out


def _ranks(meta: dict[str, Any]) -> str:
    """The LoRA ranks of a low-rank folder, e.g. ``"8"``."""
    ranks = sorted({int(v.get("rank", 0)) for v in (meta.get("low_rank") or {}).values()})
    return "/".join(str(r) for r in ranks) or "?"


def _calibration_line(block: dict[str, Any]) -> str:
    """The card line for ``kgqa_model.json``'s ``calibration`` block: what the reported probabilities mean.

    A temperature block (NLI) and a logistic block (reader: ``answer`` and ``no_answer`` maps) are both
    described with where they were fitted and the expected calibration error before and after.
    """
    if "temperature" in block:
        what = f"temperature scaling, T = {float(block['temperature']):.4f}"
    else:
        maps = [k for k in ("answer", "no_answer") if isinstance(block.get(k), dict)]
        what = f"{block.get('method', 'a fitted map')}; maps: " + ", ".join(
            f"`{k}` ({block[k].get('target', '?')})" for k in maps
        )
    return (
        f"- **Calibration:** {what}; `kgqa_model.json`, `calibration`. Fitted on {block.get('fitted_on', '?')}; "
        f"ECE on the held-out part {json.dumps(block.get('ece_before'))} before, {json.dumps(block.get('ece_after'))} "
        f"after ({block.get('ece', 'expected calibration error')}). kgqa reports the calibrated probabilities."
    )


def _stage_exports(stages: list[tuple[Path, Path]], args: dict[str, Any], task: str) -> dict[str, str]:
    """Each stage's ``--export-dir`` as it was run, mapped to the ``runs/{task}-stage{k}/export`` the card names."""
    dirs = [json.loads(a.read_text()).get("export_dir") for a, _ in stages] + [args.get("export_dir")]
    if not stages:
        return {str(dirs[0]).rstrip("/"): f"runs/{task}/export"} if dirs[0] else {}
    return {str(d).rstrip("/"): f"runs/{task}-stage{k}/export" for k, d in enumerate(dirs, start=1) if d}


def _average_command(members: list[dict[str, Any]], renamed: dict[str, str], target: str) -> str:
    """The ``kgqa train average`` line of a weight-averaged model, member paths named as in the card."""
    paths = [renamed.get(str(m.get("model", "?")).rstrip("/"), str(m.get("model", "?"))) for m in members]
    weights = [float(m.get("weight", 0)) for m in members]
    flag = "" if max(weights) - min(weights) < 1e-6 else " --weights " + " ".join(f"{w:g}" for w in weights)
    return f"kgqa train average {' '.join(paths)} --out {target}{flag}"


def _averaged_line(members: list[dict[str, Any]], renamed: dict[str, str]) -> str:
    parts = []
    for m in members:
        name = renamed.get(str(m.get("model", "?")).rstrip("/"), str(m.get("model", "?")))
        dev = m.get("dev") or {}
        primary = dev.get("f1", dev.get("accuracy"))
        score = f", dev {_fmt(primary)}" if isinstance(primary, float) else ""
        parts.append(f"`{name}` (step {m.get('step', '?')}{score}, weight {float(m.get('weight', 0)):.3f})")
    return (
        f"- **Shipped weights:** the weight average of {len(members)} model folders (`kgqa train average`): "
        + "; ".join(parts)
        + "."
    )


def _stopped_checkpoint(best: dict[str, Any], args: dict[str, Any]) -> bool:
    """The shipped weights are a run's last checkpoint (``kgqa train export``), not its schedule's end."""
    return best.get("selected") == "checkpoint" and not args.get("select_last")


def _selection_line(best: dict[str, Any], args: dict[str, Any]) -> str:
    dev = json.dumps(best.get("dev", {}))
    step = best.get("step", "?")
    if best.get("selected") == "last" or (best.get("selected") == "checkpoint" and args.get("select_last")):
        return f"- **Shipped checkpoint:** step {step}, the end of the schedule (`--select-last`; dev: {dev})."
    if _stopped_checkpoint(best, args):
        return (
            f"- **Shipped checkpoint:** step {step}, where the run stopped, exported from its checkpoint with "
            f"`kgqa train export` (dev: {dev})."
        )
    return f"- **Best checkpoint:** step {step} (dev: {dev})."


def _stage_meta(model_dir: Path, k: int) -> dict[str, Any]:
    """The ``kgqa_model.json`` kept for earlier stage ``k`` (empty when it was not kept)."""
    path = model_dir / f"stage{k}_kgqa_model.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _stage_best(model_dir: Path, k: int) -> dict[str, Any]:
    """The ``best`` record of earlier stage ``k`` (empty when its metadata was not kept)."""
    return _stage_meta(model_dir, k).get("best", {})


def _export_line(best: dict[str, Any], args: dict[str, Any], run: str, target: str) -> list[str]:
    if not _stopped_checkpoint(best, args):
        return []
    return [f"kgqa train export {run} --out {target}  # the weights where the run stopped"]


def _training_data(task: str, args: dict[str, Any], best: dict[str, Any]) -> str:
    if task == "qa":
        files = args.get("train_files") or ["squad/train-v1.1.json"]
        text = (
            f"{', '.join(files)} ({best.get('train_questions', '?')} questions, "
            f"{best.get('train_windows', '?')} answer-centred windows of at most {args.get('max_length')} tokens)."
        )
        if args.get("unanswerable_rate"):
            text += (
                f" Plus {best.get('train_unanswerable', '?')} derived unanswerable questions labelled at [CLS] "
                f"(kgqa.train.unanswerable, rate {args['unanswerable_rate']}, kinds "
                f"{' '.join(args.get('unanswerable_kinds') or ['all'])}: the question with another paragraph of its "
                "article that holds none of its answers, the question with an entity swapped for one of the same "
                "shape absent from its paragraph, the paragraph without its answer sentences). Dev (checkpoint and "
                f"null threshold): {best.get('dev_file', '?')}, {best.get('dev_questions', '?')} questions incl. "
                "derived unanswerable twins; those articles are not trained on in this stage."
            )
        return text
    sources = best.get("train_sources")
    if task == "false-premise":
        parts = ", ".join(f"{k} {v}" for k, v in (sources or {}).items())
        dev = ", ".join(f"{k} {v}" for k, v in (best.get("dev_sizes") or {}).items())
        return (
            f"{best.get('train_questions', '?')} questions: {parts}. falseqa = FalseQA train minus a seeded 15% "
            f"dev carve-out (seed {args.get('dev_split_seed')}); fb15k237, conceptnet, wordnet = the train split of "
            f"{args.get('generated_pairs')} (true, false) question pairs generated from FB15k-237, ConceptNet CN-100K "
            "and WN18RR (kgqa.train.false_premise_data: a true fact with its object swapped for another object of "
            "the relation that is false under the graph, both phrased with the same generic frame built from the "
            "relation's label), split by subject entity 80/10/10 with the same seed. "
            f"Dev (checkpoint and threshold): {dev}. Never trained on or tuned with: FalseQA valid and the "
            "generated test split."
        )
    if sources:
        parts = ", ".join(f"{k} {v}" for k, v in sources.items())
        return (
            f"{best.get('train_pairs', '?')} pairs: {parts}. mnli = the training half of MNLI dev-matched "
            "(seeded split, seed 13; the other half is held out and never trained on); sick_train = SICK train; "
            "rte = RTE train (2-way, merged loss); wordnet_* = WordNet hypernym/antonym substitutions of SNLI and "
            "SICK premises; squad_* = pairs derived from SQuAD train answer sentences (squad_unrelated: neutral pairs of "
            "sentences from different paragraphs, --unrelated-pairs); structural_* = word-order, "
            "modifier and clause rewrites of SNLI and SICK train sentences (kgqa.train.structural); composed_* = pairs of "
            "simple SNLI/SICK clauses joined by relative clauses, prepositions, conjunctions, factive verbs, and "
            "passives (kgqa.train.composed). Dev (early stopping): 1,000 pairs of the MNLI training half + SICK trial."
            + (
                " graph_* = pairs from the facts of a world's graph (--graph-world, kgqa.train.graph_pairs): a fact's "
                "sentence and another wording of it (graph_paraphrase, graph_alias, graph_in_context: entailment), "
                "another value of a single-valued relation (graph_swap_single: contradiction), another fact of the "
                "subject (graph_unrelated: neutral); only subjects of the NLI band of kgqa.train.graph_pairs.split_of, "
                "so no fact of the fact-threshold or benchmark bands."
                if any(k.startswith("graph_") for k in sources)
                else ""
            )
        )
    return ", ".join(args.get("train_files") or []) or "?"


def _command(task: str, args: dict[str, Any], export: str | None = None) -> str:
    keys = (
        "init_model",
        "max_length",
        "doc_stride",
        "batch_size",
        "learning_rate",
        "warmup_ratio",
        "num_epochs",
        "max_steps",
        "eval_every",
        "max_eval_samples",
        "seed",
    )
    flags = " ".join(f"--{k.replace('_', '-')} {args[k]}" for k in keys if k in args and args[k] not in (0, None))
    if task != "qa":
        flags = flags.replace(f" --doc-stride {args.get('doc_stride')}", "")
    if args.get("lora"):
        flags += f" --lora --lora-r {args.get('lora_r')} --lora-alpha {args.get('lora_alpha')}"
        if args.get("lora_targets"):
            flags += f" --lora-targets {args['lora_targets']}"
        if args.get("lora_export") not in (None, "merged"):
            flags += f" --lora-export {args['lora_export']}"
    if args.get("patience") not in (None, 5):
        flags += f" --patience {args['patience']}"
    if task == "false-premise":
        flags += f" --dev-split-seed {args.get('dev_split_seed', 42)} --generated-pairs {args.get('generated_pairs')}"
        if args.get("repeat"):
            flags += " --repeat " + " ".join(args["repeat"])
    elif task != "qa":
        # before dev_split_seed existed, the MNLI dev carve-out followed --seed
        split_seed = args.get("dev_split_seed", args.get("seed", 42))
        if split_seed != 42:
            flags += f" --dev-split-seed {split_seed}"
        if args.get("repeat"):
            flags += " --repeat " + " ".join(args["repeat"])
        if args.get("unrelated_pairs"):
            flags += f" --unrelated-pairs {args['unrelated_pairs']}"
        if args.get("graph_world"):
            flags += f" --graph-world {args['graph_world']} --graph-pairs {args.get('graph_pairs')}"
    if task == "qa" and args.get("unanswerable_rate"):
        flags += (
            f" --unanswerable-rate {args['unanswerable_rate']} --unanswerable-kinds "
            f"{' '.join(args.get('unanswerable_kinds') or ['all'])} --dev-articles {args.get('dev_articles')} "
            f"--dev-split-seed {args.get('dev_split_seed', 42)}"
        )
    if task == "qa" and args.get("train_layers"):
        flags += f" --train-layers {args['train_layers']}"
    if args.get("select_last"):
        flags += " --select-last"
    out = export or TASKS.get(task, TASKS["nli"])[1]
    run_dir = export.rsplit("/", 1)[0] if export else f"runs/{task}"
    return f"kgqa train {task} --output-dir {run_dir} --export-dir {out} {flags}"


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    p = argparse.ArgumentParser(prog="python -m kgqa.train.card", description=__doc__)
    p.add_argument("model_dir")
    p.add_argument("--results", nargs="*", default=[], help="results.json files of `kgqa bench` runs")
    p.add_argument("--title")
    p.add_argument("--note", action="append", default=[])
    ns = p.parse_args(argv)
    print(write_card(ns.model_dir, ns.results, ns.title, ns.note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
