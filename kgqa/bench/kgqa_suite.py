"""``kgqa bench kgqa``: MetaQA question answering through kgqa's graph module, scored by hits@1.

The KB files and their RDF conversion are in :mod:`kgqa.bench.metaqa_kb`; the answerer and
the scoring in :mod:`kgqa.bench.metaqa_answering`. This module holds the suite (options,
:func:`run`) and re-exports both modules' public names, which earlier code imported from here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kgqa.bench.metaqa_answering import (
    MAX_FRONTIER,
    WH_WORDS,
    MetaQAAnswerer,
    Prediction,
    base_relation,
    evaluate,
    hops_of,
    path_text,
    score_path,
)
from kgqa.bench.metaqa_kb import (
    CLASS_NS,
    CONVERTER_VERSION,
    ENTITY_NS,
    INVERSE_SUFFIX,
    NS,
    READINGS,
    RELATION_NS,
    TAIL_CLASSES,
    MetaQAKB,
    MetaQAQuestion,
    cache_dir,
    cached_ntriples,
    inverse_reading,
    kb_files,
    kb_to_ntriples,
    load_kb_graph,
    parse_question_line,
    read_id_names,
    read_kb,
    read_questions,
    relation_slug,
)
from kgqa.errors import DataNotFoundError, InputError

__all__ = [
    "CLASS_NS",
    "CONVERTER_VERSION",
    "DEFAULT_FILES",
    "DEFAULT_KB",
    "ENTITY_NS",
    "HELP",
    "INVERSE_SUFFIX",
    "MAX_FRONTIER",
    "NS",
    "READINGS",
    "RELATION_NS",
    "TAIL_CLASSES",
    "WH_WORDS",
    "MetaQAAnswerer",
    "MetaQAKB",
    "MetaQAQuestion",
    "Prediction",
    "add_arguments",
    "base_relation",
    "cache_dir",
    "cached_ntriples",
    "evaluate",
    "file_key",
    "hops_of",
    "inverse_reading",
    "kb_files",
    "kb_to_ntriples",
    "load_kb_graph",
    "parse_question_line",
    "path_text",
    "read_id_names",
    "read_kb",
    "read_questions",
    "relation_slug",
    "run",
    "score_path",
]

DEFAULT_KB = "kgqa/metaqa"
DEFAULT_FILES = ("kgqa/metaqa/1-hop/dev.txt", "kgqa/metaqa/2-hop/dev.txt", "kgqa/metaqa/3-hop/dev.txt")


# --------------------------------------------------------------------------- the suite
def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``kgqa`` suite."""
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
        "--hops", type=int, default=None, help="relation path length (default: from the file's N-hop folder, else 1)"
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


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the suite; returns the results (per file and overall) and writes the paths used and
    the first errors of each file to ``details.json``."""
    from kgqa.bench.common import seeded_sample
    from kgqa.bench.report import data_info, plot_bars

    kb_dir = Path(ns.kb) if ns.kb else _default_path(DEFAULT_KB)
    files = [Path(f) for f in ns.questions] if ns.questions else [_default_path(f) for f in DEFAULT_FILES]
    if ns.hops is not None and not 1 <= ns.hops <= 3:
        raise InputError(f"--hops must be 1, 2 or 3, got {ns.hops}")
    per_file_questions = {f: seeded_sample(read_questions(f), ns.limit, ns.seed) for f in files}
    kg = load_kb_graph(kb_dir, ns.cache_dir)
    answerer = MetaQAAnswerer(kg)
    per_file: dict[str, Any] = {}
    total_hits = total_n = 0.0
    for f, questions in per_file_questions.items():
        hops = ns.hops or hops_of(f)
        res = evaluate(answerer, questions, hops)
        per_file[file_key(f, files)] = res
        total_hits += res["hits_at_1"] * res["n"]
        total_n += res["n"]
    results: dict[str, Any] = {
        "hits_at_1": total_hits / total_n if total_n else 0.0,
        "n": int(total_n),
        "per_file": {
            k: {
                m: v[m] for m in ("hits_at_1", "answer_f1", "entity_link_rate", "answered_rate", "n", "hops", "seconds")
            }
            for k, v in per_file.items()
        },
        "data": {**_files_info(files), "kb": {**data_info(kb_dir / "kb_ids.tsv"), "triples_in_graph": len(kg)}},
        "details": "details.json",
        "models": {"relation_matcher": {"path": "<kgqa.graph.RelationMatcher: no trained model>"}},
        "notes": [
            "hits@1: the top-ranked answer (the end node reached by most paths) is one of the gold answers",
            "--limit samples each question file separately",
        ],
    }
    if len(per_file) > 1:
        for key, res in per_file.items():
            results[f"hits_at_1_{relation_slug(key)}"] = res["hits_at_1"]
    details = {k: {m: v[m] for m in ("paths", "errors", "questions_per_s")} for k, v in per_file.items()}
    (out / "details.json").write_text(json.dumps(details, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    names = list(per_file)
    plot = plot_bars(
        names,
        {"hits@1": [per_file[k]["hits_at_1"] for k in names]},
        out / "hits_at_1.png",
        title="MetaQA hits@1",
        ylabel="hits@1",
    )
    results["plots"] = [plot.name]
    return results


HELP = "MetaQA 1/2/3-hop questions answered over kgqa's graph module (hits@1)"
