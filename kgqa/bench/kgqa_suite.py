"""``kgqa bench kgqa``: MetaQA questions asked through the question understanding that ``Pipeline.ask`` uses.

Each question's brackets are removed ("what movies did [Tom Hanks] star in" is asked as "what movies did
Tom Hanks star in") and it goes through the same steps as :meth:`kgqa.pipeline.Pipeline.ask`'s graph answer:
the entity linker finds the mentions, :func:`kgqa.checks.questions.analyze_question` reads the question word
and focus, and :func:`kgqa.answering.graph_answer` answers from a relation path of 1 to 3 steps chosen by the
learned relation model. The hop count is not given and the bracketed entity is not read: the linker and the
path search choose both. No passages are retrieved (MetaQA is a KB-only benchmark).

The data directory holds MetaQA dev only; the relation model's path training used the questions of 70% of the
topic entities, so the suite measures on the other 30% (:func:`kgqa.bench.metaqa_kb.in_benchmark_split`;
``--split all`` measures on every question). The KB files and their RDF conversion are in
:mod:`kgqa.bench.metaqa_kb`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kgqa.bench.metaqa_kb import (
    MetaQAQuestion,
    in_benchmark_split,
    load_kb_graph,
    read_questions,
    relation_slug,
)
from kgqa.errors import DataNotFoundError, InputError

__all__ = [
    "DEFAULT_FILES",
    "DEFAULT_KB",
    "HELP",
    "MetaQARunner",
    "add_arguments",
    "evaluate",
    "file_key",
    "run",
]

DEFAULT_KB = "kgqa/metaqa"
DEFAULT_FILES = ("kgqa/metaqa/1-hop/dev.txt", "kgqa/metaqa/2-hop/dev.txt", "kgqa/metaqa/3-hop/dev.txt")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``kgqa`` suite."""
    from kgqa.graph.relation_paths import HOP_MARGIN

    p.add_argument(
        "--kb",
        help=f"MetaQA KB folder with kb_ids.tsv, entity2text.txt, relation2text.txt (default: $KGQA_DATA/{DEFAULT_KB})",
    )
    p.add_argument(
        "--questions",
        action="append",
        metavar="FILE",
        help="MetaQA question file (repeatable; default: the 1-, 2- and 3-hop dev.txt); --limit applies to each file",
    )
    p.add_argument(
        "--split",
        choices=("benchmark", "train", "all"),
        default="benchmark",
        help="which questions: the benchmark split never trained on (default), the training part, or all",
    )
    p.add_argument("--relation-model", default="default", help="relation model folder (default: the shipped one)")
    p.add_argument(
        "--hop-margin", type=float, default=HOP_MARGIN, help=f"cosine per extra path step (default {HOP_MARGIN})"
    )
    p.add_argument(
        "--path-threshold",
        type=float,
        default=None,
        help="least cosine of a path answer (default: the model's path_threshold; -1 accepts every path)",
    )
    p.add_argument(
        "--choose-on-train",
        metavar="MARGINS",
        help="choose the hop margin (among these, e.g. 0.01,0.02,0.04) and the path threshold on the training "
        "part first (same --limit and --seed), then measure the chosen split with them (overrides --hop-margin "
        "and --path-threshold)",
    )
    p.add_argument(
        "--cache-dir", help="where the N-Triples conversion is cached (default: $KGQA_CACHE or ~/.cache/kgqa)"
    )


def _default_path(relative: str) -> Path:
    from kgqa.paths import data_dir

    root = data_dir()
    if root is None:
        raise DataNotFoundError(f"no data directory for the default {relative}; set KGQA_DATA or pass the path")
    return root / relative


def _files_info(files: list[Path]) -> dict[str, Any]:
    from kgqa.bench.report import data_info

    infos = [data_info(f) for f in files]
    if len(infos) == 1:
        return infos[0]
    digest = hashlib.sha256("".join(str(i["sha256"]) for i in infos).encode()).hexdigest()
    return {
        "file": " + ".join(f"{f.parent.name}/{f.name}" for f in files),
        "sha256": digest,
        "sha256_of": "the concatenated sha256 of the files",
        "files": infos,
    }


def file_key(path: Path, others: Iterable[Path]) -> str:
    """A short name for a question file: its folder (``1-hop``) when that tells the files apart."""
    others = list(others)
    if sum(1 for o in others if o.parent.name == path.parent.name) == 1:
        return path.parent.name
    return str(path)


class MetaQARunner:
    """Asks questions over a graph the way ``Pipeline.ask`` reads them: linker, question analysis, graph answer.

    Args:
        kg: the graph.
        model_dir: the relation model folder setting (``"default"``: the shipped model; ``"none"``: names only).
        hop_margin: cosine per extra path step.
    """

    def __init__(
        self,
        kg: Any,
        model_dir: str | Path | None = "default",
        hop_margin: float | None = None,
        path_threshold: float | None = None,
    ) -> None:
        from kgqa.graph.linking import EntityLinker
        from kgqa.graph.relation_model import relation_model
        from kgqa.graph.relation_paths import HOP_MARGIN
        from kgqa.graph.relations import RelationMatcher

        self.kg = kg
        self.linker = EntityLinker(kg)
        self.relations = RelationMatcher(kg, relation_model(model_dir))
        self.hop_margin = HOP_MARGIN if hop_margin is None else hop_margin
        if path_threshold is not None and not -1.0 <= path_threshold <= 1.0:
            raise InputError(f"--path-threshold must be a cosine in [-1, 1], got {path_threshold}")
        #: as the config's path_threshold: None leaves the model's own
        self.path_threshold = path_threshold

    def ask(self, question: str) -> tuple[Any, list[Any]]:
        """``(graph answer or None, mentions)`` for one question."""
        from kgqa.answering import graph_answer
        from kgqa.checks.questions import analyze_question
        from kgqa.graph.answer_type import asked_classes

        mentions = self.linker.find_mentions(question)
        # as Pipeline._analyse: the subject ends with the first mention after the question word
        first = re.match(r"\s*\S+\s*", question)
        offset = first.end() if first else 0
        subj_end = next((m.end - offset for m in mentions if m.start >= offset), None)
        analysis = analyze_question(question, subject_end=subj_end)
        answer = graph_answer(
            self.kg,
            self.relations,
            mentions,
            analysis.focus,
            analysis.wh,
            question=question,
            hop_margin=self.hop_margin,
            path_threshold=self.path_threshold,
            answer_classes=asked_classes(self.linker, question),
        )
        return answer, mentions


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def evaluate(runner: MetaQARunner, questions: Sequence[MetaQAQuestion], name: str = "") -> dict[str, Any]:
    """hits@1, answer-set F1, the entity-link rate, the answered rate, paths chosen and timing.

    The entity counts as linked when the path answered from was started at an entity named as the
    bracketed topic entity (or, without an answer, when a mention spans that name).
    """
    from kgqa.bench.common import progress

    hits = linked = answered = 0
    f1_sum = 0.0
    hop_counts: Counter[int] = Counter()
    texts: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    latencies: list[float] = []
    decisions: list[tuple[float, bool]] = []  # (chosen path's cosine, hit): for choosing a path threshold
    start = time.perf_counter()
    for q in progress(questions, total=len(questions), desc=name or "metaqa", unit="q"):
        t0 = time.perf_counter()
        ans, mentions = runner.ask(q.text)
        latencies.append(time.perf_counter() - t0)
        gold = {_norm(a) for a in q.answers}
        got = [_norm(t) for t in ans.texts] if ans else []
        path = (ans.path or {}).get("chosen") if ans else None
        if path is not None:
            linked += _norm(path.get("entity_label", "")) == _norm(q.entity)
            hop_counts[int(path["hops"])] += 1
            texts[path["text"]] += 1
        else:
            linked += any(_norm(m.text) == _norm(q.entity) for m in mentions)
            texts["(no path)" if ans is None else f"(relation) {ans.relation}"] += 1
        answered += bool(got)
        ok = bool(got) and got[0] in gold
        hits += ok
        if path is not None:
            decisions.append((round(float(path["score"]), 4), ok))
        common = len(set(got) & gold)
        if common:
            p, r = common / len(set(got)), common / len(gold)
            f1_sum += 2 * p * r / (p + r)
        if not ok and len(errors) < 15:
            errors.append(
                {
                    "question": q.text,
                    "topic_entity": q.entity,
                    "gold": list(q.answers)[:5],
                    "predicted": (ans.texts if ans else [])[:5],
                    "path": path,
                }
            )
    seconds = time.perf_counter() - start
    n = len(questions)
    return {
        "hits_at_1": hits / n if n else 0.0,
        "answer_f1": f1_sum / n if n else 0.0,
        "entity_link_rate": linked / n if n else 0.0,
        "answered_rate": answered / n if n else 0.0,
        "n": n,
        "seconds": round(seconds, 2),
        "seconds_per_question": {
            "p50": round(_percentile(latencies, 0.5), 4),
            "p95": round(_percentile(latencies, 0.95), 4),
            "max": round(max(latencies, default=0.0), 4),
        },
        "hops_chosen": {str(k): v for k, v in sorted(hop_counts.items())},
        "paths": dict(texts.most_common(15)),
        "errors": errors,
        "decisions": decisions,
    }


def _select(questions: list[MetaQAQuestion], split: str) -> list[MetaQAQuestion]:
    if split == "all":
        return questions
    keep = split == "benchmark"
    return [q for q in questions if in_benchmark_split(q.entity) == keep]


def parse_margins(text: str) -> list[float]:
    """``"0.01,0.02,0.04"`` -> ``[0.01, 0.02, 0.04]``; each a cosine margin in [0, 1].

    Raises:
        InputError: not a comma-separated list of numbers in [0, 1].
    """
    try:
        margins = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(
            f"--choose-on-train takes hop margins separated by commas (e.g. 0.01,0.04), not {text!r}"
        ) from None
    if not margins or any(not 0.0 <= m <= 1.0 for m in margins):
        raise InputError(f"--choose-on-train takes hop margins in [0, 1] separated by commas, not {text!r}")
    return margins


def choose_on_train(
    runner: MetaQARunner, questions: dict[str, Sequence[MetaQAQuestion]], margins: Sequence[float]
) -> dict[str, Any]:
    """The hop margin and path threshold that do best on the training part's questions.

    Each margin is tried with every path accepted; the one with the highest hits@1 over all files wins
    (ties: the larger margin, the shared default's side), and its path threshold is the one at which the
    chosen paths' cosines make the most right accept/reject decisions
    (:func:`kgqa.train.relation_matcher.choose_threshold`). The runner is left at the choice.
    """
    from kgqa.train.relation_matcher import choose_threshold

    tried: dict[str, Any] = {}
    best: tuple[float, float] | None = None
    runner.path_threshold = -1.0
    for margin in sorted(margins, reverse=True):
        runner.hop_margin = margin
        per_file = {k: evaluate(runner, qs, f"train {k}, margin {margin}") for k, qs in questions.items()}
        n = sum(r["n"] for r in per_file.values())
        hits = sum(r["hits_at_1"] * r["n"] for r in per_file.values()) / n if n else 0.0
        decisions = [d for r in per_file.values() for d in r["decisions"]]
        threshold = choose_threshold([s for s, _ in decisions], [ok for _, ok in decisions])
        tried[str(margin)] = {
            "hits_at_1": round(hits, 4),
            "per_file": {k: round(r["hits_at_1"], 4) for k, r in per_file.items()},
            "path_threshold": threshold,
        }
        if best is None or hits > best[1]:
            best = (margin, hits)
    assert best is not None  # margins is never empty (parse_margins)
    runner.hop_margin = best[0]
    runner.path_threshold = tried[str(best[0])]["path_threshold"]["threshold"]
    return {"tried": tried, "hop_margin": runner.hop_margin, "path_threshold": runner.path_threshold}


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the suite; returns the results (per file and overall) and writes the chosen paths and the first
    errors of each file to ``details.json``."""
    from kgqa.bench.common import seeded_sample
    from kgqa.bench.report import data_info, plot_bars

    kb_dir = Path(ns.kb) if ns.kb else _default_path(DEFAULT_KB)
    files = [Path(f) for f in ns.questions] if ns.questions else [_default_path(f) for f in DEFAULT_FILES]
    split = getattr(ns, "split", "benchmark")
    margins = parse_margins(ns.choose_on_train) if getattr(ns, "choose_on_train", None) else None
    if margins and split != "benchmark":
        raise InputError("--choose-on-train chooses on the training part: measure with --split benchmark")
    per_file_questions = {}
    for f in files:
        chosen = _select(read_questions(f), split)
        if not chosen:
            raise InputError(f"{f} has no question in the {split} split; pass --split all")
        per_file_questions[f] = seeded_sample(chosen, ns.limit, ns.seed)
    t0 = time.perf_counter()
    kg = load_kb_graph(kb_dir, ns.cache_dir)
    runner = MetaQARunner(
        kg,
        getattr(ns, "relation_model", "default"),
        getattr(ns, "hop_margin", None),
        getattr(ns, "path_threshold", None),
    )
    load_seconds = time.perf_counter() - t0
    choice = None
    if margins:
        train_questions = {
            file_key(f, files): seeded_sample(_select(read_questions(f), "train"), ns.limit, ns.seed) for f in files
        }
        choice = choose_on_train(runner, train_questions, margins)
    per_file: dict[str, Any] = {}
    for f, questions in per_file_questions.items():
        key = file_key(f, files)
        per_file[key] = evaluate(runner, questions, key)
    total_n = sum(r["n"] for r in per_file.values())
    total_hits = sum(r["hits_at_1"] * r["n"] for r in per_file.values())
    model = runner.relations.model
    results: dict[str, Any] = {
        "hits_at_1": total_hits / total_n if total_n else 0.0,
        "n": int(total_n),
        "per_file": {
            k: {
                m: v[m]
                for m in (
                    "hits_at_1",
                    "answer_f1",
                    "entity_link_rate",
                    "answered_rate",
                    "n",
                    "seconds",
                    "seconds_per_question",
                    "hops_chosen",
                )
            }
            for k, v in per_file.items()
        },
        "split": split,
        "hop_margin": runner.hop_margin,
        "chosen_on_train": choice,
        "path_threshold": runner.path_threshold
        if runner.path_threshold is not None
        else getattr(model, "path_threshold", None),
        "load_seconds": round(load_seconds, 2),
        "data": {**_files_info(files), "kb": {**data_info(kb_dir / "kb_ids.tsv"), "triples_in_graph": len(kg)}},
        "details": "details.json",
        "models": {"relation_matcher": {"path": str(model.model_dir) if model else None}},
        "notes": [
            "asked through the linker and graph_answer that Pipeline.ask uses: brackets removed, hop count not given",
            "hits@1: the top-ranked answer (the end node reached by most walks of the chosen path) is a gold answer",
            "entity link rate: the chosen path starts at an entity named as the bracketed topic entity",
            f"split {split}: MetaQA train is not in the data directory; the relation model trained on the questions "
            "of the other topic entities (kgqa.bench.metaqa_kb.in_benchmark_split)",
            "--limit samples each question file separately (seeded)",
        ],
    }
    if len(per_file) > 1:
        for key, res in per_file.items():
            results[f"hits_at_1_{relation_slug(key)}"] = res["hits_at_1"]
    details = {k: {m: v[m] for m in ("paths", "errors", "decisions")} for k, v in per_file.items()}
    (out / "details.json").write_text(json.dumps(details, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    names = list(per_file)
    plot = plot_bars(
        names,
        {"hits@1": [per_file[k]["hits_at_1"] for k in names]},
        out / "hits_at_1.png",
        title="MetaQA hits@1 through the general question understanding",
        ylabel="hits@1",
    )
    results["plots"] = [plot.name]
    return results


HELP = "MetaQA 1/2/3-hop questions through the question understanding of Pipeline.ask (hits@1)"
