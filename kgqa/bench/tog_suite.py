"""``kgqa bench tog``: WebQuestions / ComplexWebQuestions / SimpleQuestions questions one edge from the answer.

The questions (``--dataset webqsp|cwq|simpleqa``, from the ToG release in the data directory) are kept
when their gold answer is one asserted edge from a topic entity in the world's graph
(:func:`kgqa.bench.tog_data.select_one_edge`: graph structure and gold answers only, never the
wording). Each kept question is asked through :meth:`kgqa.Pipeline.ask` on ``--world`` and scored:

- ``hits_at_1``: the answer names a gold answer (:func:`kgqa.bench.tog_data.names_gold`);
- ``entity_linking_accuracy``: a selected topic entity is among the linked mentions;
- ``relation_accuracy``: the graph answer's relation is one of the gold one-edge relations;
- ``answered_rate``: an answer came back at all (``graph_answered_rate``: from the graph);
- per-question time p50 / p95 / max, and the world's cost: ``Pipeline.load`` seconds and the
  process's peak memory after loading and at the end.

WebQuestions is for measurement only; ComplexWebQuestions and SimpleQuestions (single-relation questions
over Freebase, the closest in shape to WebQuestions' one-edge subset) are development sets. With
``--save-records`` the per-question records are written to ``records.jsonl``; for WebQuestions
they hold the row id and the scores but not the question text.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kgqa.bench.tog_data import DATASETS, OneEdgeQuestion, contains_gold, names_gold, read_tog, select_one_edge
from kgqa.errors import ConfigError, InputError

logger = logging.getLogger(__name__)

#: the default data set, one that may be read while developing
DEVELOPMENT_DATASET = "cwq"
#: the data sets that may be read while developing; the others are for measurement only
DEVELOPMENT_DATASETS = frozenset({"cwq", "simpleqa"})


# --------------------------------------------------------------------------- the world
def add_world_arguments(p: argparse.ArgumentParser) -> None:
    """``--world`` and ``--index``: the world to load (shared with ``kgqa bench fb-premises``)."""
    p.add_argument(
        "--world",
        metavar="PATH",
        help="a world folder (kgqa world build --out DIR) or its kgqa.json (default: $KGQA_WORLD)",
    )
    p.add_argument(
        "--index",
        metavar="DIR",
        help="an index folder built from the world's passages by `kgqa index build`, used instead of embedding "
        "them while loading (default: the world's own config)",
    )
    p.add_argument(
        "--passages",
        type=int,
        metavar="N",
        help="index only the first N passages of the world's passage files (faster loading on a small CPU; "
        "default: all of them)",
    )


def world_config(ns: argparse.Namespace) -> Path:
    """The ``kgqa.json`` of ``--world`` (or ``$KGQA_WORLD``).

    Raises:
        ConfigError: no world given, or it has no ``kgqa.json``.
    """
    given = getattr(ns, "world", None) or os.environ.get("KGQA_WORLD")
    if not given:
        raise ConfigError("no world given; pass --world DIR (a `kgqa world build --out DIR` folder) or set KGQA_WORLD")
    path = Path(given).expanduser()
    config = path / "kgqa.json" if path.is_dir() else path
    if not config.is_file():
        raise ConfigError(f"{path} holds no kgqa.json; build a world with `kgqa world build --out {path}`")
    return config


def first_passages(config: Path, n: int, folder: Path) -> Path:
    """A JSON-lines file in ``folder`` holding the first ``n`` passages of the world's passage files.

    A world whose ``kgqa.json`` names an index instead (``kgqa world build`` with its index) gives the
    passages stored in the index folder (``passages.jsonl``).
    """
    from kgqa.config import PipelineConfig
    from kgqa.retrieval.store import PASSAGES_FILE

    loaded = PipelineConfig.load(config)
    files = loaded.passages or []
    if not files and loaded.index_dir and (Path(loaded.index_dir) / PASSAGES_FILE).is_file():
        files = [str(Path(loaded.index_dir) / PASSAGES_FILE)]
    if not files:
        raise ConfigError(f"--passages: the world {config} has no passage files nor an index; leave --passages out")
    out = folder / f"first-{n}-passages.jsonl"
    kept = 0
    with out.open("w", encoding="utf-8") as dst:
        for name in files:
            with Path(name).open(encoding="utf-8") as src:
                for line in src:
                    if kept >= n:
                        return out
                    if line.strip():
                        dst.write(line if line.endswith("\n") else line + "\n")
                        kept += 1
    return out


def world_overrides(ns: argparse.Namespace, config: Path, folder: Path) -> dict[str, Any]:
    """Config overrides from ``--index`` or ``--passages`` (a subset file is written into ``folder``)."""
    index = getattr(ns, "index", None)
    limit = getattr(ns, "passages", None)
    if index and limit is not None:
        raise ConfigError("--index and --passages exclude each other; pass one of them")
    if limit is not None:
        if limit < 1:
            raise ConfigError(f"--passages must be a positive number of passages, got {limit}")
        return {"passages": [str(first_passages(config, limit, folder))], "index_dir": None}
    if not index:
        return {}
    if not Path(index).is_dir():
        raise ConfigError(f"--index {index}: no such folder; build one with `kgqa index build --out {index}`")
    return {"index_dir": str(Path(index).resolve())}


def _passages_used(ns: argparse.Namespace, overrides: dict[str, Any]) -> str:
    if getattr(ns, "passages", None):
        return f"the first {ns.passages} of the world's passages"
    if overrides.get("index_dir"):
        return f"the index {overrides['index_dir']}"
    return "all of the world's passages (its kgqa.json)"


def load_world(ns: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """The world's pipeline and what loading it cost (seconds, peak memory). Tests replace this."""
    from kgqa.bench.common import peak_rss_mb
    from kgqa.pipeline import Pipeline

    config = world_config(ns)
    with tempfile.TemporaryDirectory(prefix="kgqa-world-") as tmp:
        overrides = world_overrides(ns, config, Path(tmp))
        start = time.perf_counter()
        pipe = Pipeline.load(config, **overrides)  # reads the passages now; the subset file may go after
        load_s = time.perf_counter() - start
    start = time.perf_counter()
    pipe.warm_up(freeze=True)  # a service would: the loaded world out of the garbage collector's full passes
    warm_s = time.perf_counter() - start
    cost = {
        "world": str(config.resolve()),
        "passages": _passages_used(ns, overrides),
        "load_s": round(load_s, 2),
        "warm_up_s": round(warm_s, 2),
        "peak_rss_mb_after_load": round(peak_rss_mb(), 1),
        "graph_triples": len(pipe.kg),
    }
    return pipe, cost


def default_entity_iri() -> Callable[[str], str]:
    """Freebase id -> IRI as ``kgqa world build`` writes the entities of its Freebase source."""
    from kgqa.world.sources import fb_entity

    return fb_entity


# --------------------------------------------------------------------------- scoring
def _linked(answer: Any) -> list[str]:
    trace = getattr(answer, "trace", None)
    step = trace.get("entity_linking") if trace is not None else None
    mentions = (step.outputs.get("mentions") if step is not None else None) or []
    return [m["iri"] if isinstance(m, dict) else getattr(m, "iri", "") for m in mentions]


def _graph_relation(answer: Any) -> str | None:
    trace = getattr(answer, "trace", None)
    step = trace.get("graph") if trace is not None else None
    found = step.outputs.get("answer") if step is not None else None
    return found.get("relation") if isinstance(found, dict) else None


def path_record(answer: Any, gold_names: Any) -> dict[str, Any]:
    """The path search's best path in the answer's trace: its score, hops, whether it was taken, and whether it names gold.

    ``{}`` when no path search ran. ``path_hit`` reads the best path's first three answers as the
    answer, taken or not: on a development set it shows how often a path under the threshold is right.
    """
    trace = getattr(answer, "trace", None)
    step = trace.get("graph") if trace is not None else None
    outputs = step.outputs if step is not None else {}
    taken = outputs.get("relation_path")
    found = taken or outputs.get("path_not_taken")
    if not isinstance(found, dict):
        return {}
    best = found.get("chosen") or {}
    answers = best.get("answers") or []
    return {
        "path_score": best.get("score"),
        "path_hops": best.get("hops"),
        "path_taken": taken is not None,
        "path_hit": names_gold("; ".join(answers[:3]), gold_names) if answers else False,
    }


def evaluate(pipe: Any, questions: list[OneEdgeQuestion], keep_text: bool = True) -> tuple[dict[str, Any], list[dict]]:
    """Ask every question through ``pipe.ask``; the scores and one record per question.

    Args:
        keep_text: put the question and answer texts in the records (off for measurement-only data).
    """
    from kgqa.bench.common import percentile, progress

    records: list[dict[str, Any]] = []
    for item in progress(questions, total=len(questions), desc="tog", unit="q"):
        q = item.question
        start = time.perf_counter()
        answer = pipe.ask(q.question)
        seconds = time.perf_counter() - start
        relation = _graph_relation(answer)
        linked = _linked(answer)
        rec: dict[str, Any] = {
            "id": q.id,
            "seconds": round(seconds, 3),
            "answered": bool(answer.answer),
            "hit": names_gold(answer.answer, item.gold_names),
            "hit_first_item": names_gold(answer.answer, item.gold_names, first_only=True),
            "contains_gold": contains_gold(answer.answer, item.gold_names),
            "linked": any(t in linked for t in item.topics),
            "graph_answered": relation is not None,
            "relation_correct": relation in item.relations,
            "verdict": answer.verdict,
            **path_record(answer, item.gold_names),
        }
        if keep_text:
            rec.update(
                question=q.question,
                answer=answer.answer,
                gold=list(q.answers),
                relation=relation,
                gold_relations=list(item.relations),
                linked_iris=linked,
                topics=list(item.topics),
            )
        records.append(rec)
    n = len(records)
    times = [r["seconds"] for r in records]

    def rate(key: str) -> float:
        return sum(bool(r[key]) for r in records) / n if n else 0.0

    results: dict[str, Any] = {
        "hits_at_1": rate("hit"),
        "hits_at_1_first_item": rate("hit_first_item"),
        "entity_linking_accuracy": rate("linked"),
        "relation_accuracy": rate("relation_correct"),
        "answered_rate": rate("answered"),
        "graph_answered_rate": rate("graph_answered"),
        "answer_contains_gold": rate("contains_gold"),
        "n": n,
        "ask_s": {
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
            "max": max(times, default=0.0),
            "mean": sum(times) / n if n else 0.0,
            "over_2s": sum(t > 2.0 for t in times),
        },
        "verdicts": {v: sum(r["verdict"] == v for r in records) for v in sorted({r["verdict"] for r in records})},
    }
    return results, records


def path_decisions(pipe: Any, questions: list[OneEdgeQuestion]) -> list[tuple[float, bool]]:
    """``(chosen path's cosine, answer names a gold one)`` of each question a relation path answers,
    every path accepted (the pipeline's ``path_threshold`` is left as it was)."""
    from kgqa.bench.common import progress

    kept, pipe.config.path_threshold = pipe.config.path_threshold, -1.0
    out: list[tuple[float, bool]] = []
    try:
        for item in progress(questions, total=len(questions), desc="tog: choosing", unit="q"):
            answer = pipe.ask(item.question.question)
            step = answer.trace.get("graph") if answer.trace is not None else None
            record = step.outputs.get("relation_path") if step is not None else None
            if isinstance(record, dict) and record.get("chosen"):
                out.append((float(record["chosen"]["score"]), names_gold(answer.answer, item.gold_names)))
    finally:
        pipe.config.path_threshold = kept
    return out


def choose_path_threshold(pipe: Any, questions: list[OneEdgeQuestion]) -> dict[str, Any]:
    """The world's path threshold chosen on ``questions`` (development questions, not the ones measured).

    Each question is asked with every relation path accepted; the threshold is the chosen paths' cosine
    at which accepting the paths whose answer names a gold one and rejecting the others makes the most
    right decisions (:func:`kgqa.train.relation_matcher.choose_threshold`, as the relation model's own
    threshold is chosen on its dev split). The pipeline is left at the choice.
    """
    from kgqa.train.relation_matcher import choose_threshold

    decisions = path_decisions(pipe, questions)
    if not decisions:
        raise ConfigError("no question of the choosing set was answered by a relation path; choose on more questions")
    chosen = choose_threshold([s for s, _ in decisions], [ok for _, ok in decisions])
    pipe.config.path_threshold = chosen["threshold"]
    n = len(questions)
    curve = []
    for t in sorted({round(s, 2) for s, _ in decisions}):
        taken = [ok for s, ok in decisions if s >= t]
        if not taken:  # the best cosine rounded up: no path reaches it
            continue
        curve.append(
            {"threshold": t, "answered": len(taken) / n, "hits": sum(taken) / n, "precision": sum(taken) / len(taken)}
        )
    return {
        "questions": n,
        "answered_by_a_path": len(decisions),
        "path_hits": sum(ok for _, ok in decisions),
        "model_threshold": getattr(getattr(pipe.relations, "model", None), "path_threshold", None),
        **{("path_threshold" if k == "threshold" else k): v for k, v in chosen.items()},
        "curve": curve,
    }


# --------------------------------------------------------------------------- the suite
def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``tog`` suite."""
    p.add_argument(
        "--dataset",
        choices=sorted(DATASETS),
        default=DEVELOPMENT_DATASET,
        help=(
            "cwq: ComplexWebQuestions (development, default); simpleqa: SimpleQuestions, Freebase (development); "
            "webqsp: WebQuestions (measurement only)"
        ),
    )
    p.add_argument("--data", metavar="FILE", help="a ToG question file instead of the data directory's")
    add_world_arguments(p)
    p.add_argument("--save-records", action="store_true", help="also write records.jsonl (one line per question)")
    p.add_argument(
        "--choose-path-threshold",
        type=int,
        metavar="N",
        help=(
            "first choose the world's path_threshold on N other one-edge questions of the development set "
            "(never the measured ones), then measure with it; put the choice in the world's config to keep it"
        ),
    )


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Select the one-edge questions on the world's graph, ask a seeded sample of them and score the answers."""
    from kgqa.bench.common import peak_rss_mb, resolve_data, seeded_sample
    from kgqa.bench.report import data_info, model_info, plot_bars, write_records

    path = resolve_data(ns.data, DATASETS[ns.dataset])
    rows = read_tog(path)
    # questions built from a WebQuestionsSP training question are the relation model's training data
    # (kgqa train relations --tog): never measured
    trained = sum(1 for q in rows if q.origin_split == "train")
    rows = [q for q in rows if q.origin_split != "train"]
    pipe, cost = load_world(ns)
    start = time.perf_counter()
    selected, counts = select_one_edge(pipe.kg, rows, default_entity_iri())
    counts["selection_s"] = round(time.perf_counter() - start, 2)
    counts["left_out_as_training_data"] = trained
    sample = seeded_sample(selected, ns.limit, ns.seed)
    keep_text = ns.dataset in DEVELOPMENT_DATASETS or bool(ns.data)
    choice = None
    if getattr(ns, "choose_path_threshold", None) is not None:
        if ns.choose_path_threshold < 1:
            raise InputError(
                f"--choose-path-threshold takes a number of questions of at least 1, not {ns.choose_path_threshold}"
            )
        if ns.dataset not in DEVELOPMENT_DATASETS:
            raise InputError(
                f"--choose-path-threshold chooses on a development set (cwq or simpleqa); {ns.dataset} is for "
                "measurement only: choose on cwq and pass the choice as path_threshold in the world's config"
            )
        measured = {item.question.id for item in sample}
        rest = [item for item in selected if item.question.id not in measured]
        choice = choose_path_threshold(pipe, seeded_sample(rest, ns.choose_path_threshold, ns.seed + 1))
    results, records = evaluate(pipe, sample, keep_text=keep_text)
    if choice is not None:
        results["path_threshold_choice"] = choice
    cost["peak_rss_mb"] = round(peak_rss_mb(), 1)
    results["world_cost"] = cost
    results["selection"] = counts
    results["data"] = data_info(path, dataset=ns.dataset, rows=counts["rows"], one_edge=counts["one_edge"])
    results["models"] = {
        "nli": model_info(getattr(getattr(pipe, "nli", None), "model_dir", None)),
        "reader": model_info(getattr(getattr(pipe, "reader", None), "model_dir", None)),
        "encoder": {"path": str(getattr(getattr(getattr(pipe, "index", None), "encoder", None), "name", None))},
    }
    results["notes"] = [
        f"{counts['one_edge']} of {counts['rows']} questions have a gold answer one asserted edge from a topic "
        f"entity ({counts['with_topic']} have a topic entity in the graph); {len(sample)} asked (seed {ns.seed})",
        f"{trained} questions built from WebQuestionsSP training questions were left out before the selection: "
        "they are training data of the relation model (kgqa train relations --tog)",
        "hits@1: the answer, or one item of the list of values it gives, equals a gold answer or the gold "
        "entity's label after SQuAD normalisation; hits_at_1_first_item: the answer or its first listed value "
        "only; answer_contains_gold: the lenient whole-word containment",
        "relation accuracy: the graph answer's relation is one of the question's gold one-edge relations",
        "ask times exclude loading: Pipeline.load and warm_up (every model loaded) are in world_cost",
    ]
    if ns.dataset not in DEVELOPMENT_DATASETS:
        results["notes"].append(f"{ns.dataset} is for measurement only: records hold ids and scores, not questions")
    if ns.save_records:
        results["records"] = write_records(out / "records.jsonl", records)
    names = ["hits_at_1", "entity_linking_accuracy", "relation_accuracy", "answered_rate", "graph_answered_rate"]
    plot = plot_bars(
        names,
        {ns.dataset: [results[k] for k in names]},
        out / "metrics.png",
        title=f"{ns.dataset} one-edge questions on {Path(cost['world']).parent.name} (n = {results['n']})",
        ylabel="rate",
    )
    results["plots"] = [plot.name]
    if choice is not None and choice["curve"]:
        from kgqa.bench.report import plot_curves

        curve = choice["curve"]
        shape = plot_curves(
            [c["threshold"] for c in curve],
            {k: [c[k] for c in curve] for k in ("hits", "answered", "precision")},
            out / "path_threshold.png",
            title=f"relation paths on {choice['questions']} {ns.dataset} questions (choosing set)",
            xlabel="path threshold (cosine)",
            ylabel="share of questions (precision: of those answered)",
        )
        results["plots"].append(shape.name)
    return results


HELP = "WebQuestions / ComplexWebQuestions one-edge questions asked on a world (hits@1, linking, relation, cost)"
