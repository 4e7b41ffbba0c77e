"""``kgqa bench open-qa``: answer SQuAD questions from the whole file's paragraphs, dense vs BM25 vs hybrid.

Every paragraph of the file is indexed (a flat dense index, BM25Okapi over lower-cased
word tokens as the baseline, and kgqa's own BM25 index (bm25s) for ``hybrid``: the
dense and BM25 top 50 fused as :class:`kgqa.retrieval.hybrid.HybridIndex` fuses them,
with :func:`~kgqa.retrieval.hybrid.convex_fusion`). Each question retrieves the top 20;
retrieval is scored by whether the question's own paragraph is among them
(recall@1/5/20, MRR), and the reader reads the top 5 and keeps the best span score
across them (official exact match and F1). All retrievers share the same reader,
and each (question, passage) pair is read once.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.bench import metrics
from kgqa.bench.common import (
    Timer,
    add_precision_argument,
    batched,
    progress,
    resolve_data,
    resolved_precision,
    seeded_sample,
)
from kgqa.bench.report import data_info, model_info, plot_curves
from kgqa.errors import InputError
from kgqa.types import Passage

logger = logging.getLogger(__name__)

DEFAULT_DATA = "squad/dev-v1.1.json"
_TOKEN = re.compile(r"\w+")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``open-qa`` suite."""
    p.add_argument("--data", help=f"SQuAD JSON file (default: {DEFAULT_DATA} in the data directory)")
    p.add_argument("--model", help="reader model folder (default: the shipped data/models/reader)")
    p.add_argument("--encoder", help="dense encoder folder (default: kgqa.retrieval.Encoder's default)")
    p.add_argument("--retrieve-k", type=int, default=20, help="passages retrieved per question")
    p.add_argument("--read-k", type=int, default=5, help="retrieved passages the reader reads per question")
    p.add_argument("--max-length", type=int, default=256, help="reader tokens per window")
    p.add_argument("--stride", type=int, default=96, help="reader overlap between windows")
    p.add_argument("--batch-size", type=int, default=32, help="reader windows per forward pass")
    p.add_argument("--no-bm25", action="store_true", help="skip the BM25 baseline")
    p.add_argument("--no-hybrid", action="store_true", help="skip hybrid retrieval (BM25 fused with dense)")
    add_precision_argument(p)
    p.add_argument("--save-predictions", action="store_true", help="also write predictions.jsonl")


# --------------------------------------------------------------------------- injectable parts
def load_reader(ns: argparse.Namespace) -> Any:
    """The reader (tests replace this with a fake)."""
    from kgqa.reader.qa import Reader

    return Reader(
        model_dir=ns.model,
        max_length=ns.max_length,
        stride=ns.stride,
        batch_size=ns.batch_size,
        precision=getattr(ns, "precision", "auto"),
    )


def load_encoder(ns: argparse.Namespace) -> Any:
    """The dense encoder (tests replace this with a fake)."""
    from kgqa.retrieval import Encoder

    return Encoder(model_dir=ns.encoder)


def build_dense_index(encoder: Any, passages: list[Passage]) -> Any:
    """A flat (exact) dense index over ``passages``."""
    from kgqa.retrieval import DenseIndex

    index = DenseIndex(encoder, kind="flat")
    result = index.build(passages)
    return index if result is None else result


# --------------------------------------------------------------------------- data
def read_corpus(path: Path) -> tuple[list[Passage], list[Any], dict[str, str]]:
    """``(paragraphs, questions with answers, question id -> its paragraph id)`` of a SQuAD file."""
    from kgqa.train.data import read_squad

    examples = read_squad(path)
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    passages: list[Passage] = []
    by_text: dict[str, str] = {}
    for article in data:
        for para in article["paragraphs"]:
            ctx = para["context"]
            if ctx not in by_text:
                by_text[ctx] = f"p{len(passages):05d}"
                passages.append(Passage(by_text[ctx], ctx, article.get("title", "")))
    gold = {ex.qid: by_text[ex.context] for ex in examples}
    return passages, examples, gold


def bm25_tokens(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return _TOKEN.findall(text.lower())


class BM25Retriever:
    """BM25Okapi (rank_bm25) over lower-cased word tokens, with :meth:`search` like the dense index."""

    def __init__(self, passages: list[Passage]) -> None:
        from kgqa.extras import require

        bm25_okapi = require("rank_bm25", "bench", "the BM25 baseline of the open-QA suite").BM25Okapi
        self.passages = passages
        self.bm25 = bm25_okapi([bm25_tokens(p.text) for p in passages])

    def search_ids(self, queries: list[str], top_k: int) -> list[list[str]]:
        out = []
        for q in progress(queries, total=len(queries), desc="bm25", unit="q"):
            scores = self.bm25.get_scores(bm25_tokens(q))
            top = np.argsort(-scores, kind="stable")[:top_k]
            out.append([self.passages[i].id for i in top])
        return out


def dense_search_ids(index: Any, queries: list[str], top_k: int, chunk: int = 256) -> list[list[str]]:
    """Passage ids of the dense index's top ``top_k`` for each query."""
    return [[pid for pid, _ in hits] for hits in dense_search_scored(index, queries, top_k, chunk)]


def dense_search_scored(index: Any, queries: list[str], top_k: int, chunk: int = 256) -> list[list[tuple[str, float]]]:
    """``(passage id, cosine)`` of the dense index's top ``top_k`` for each query."""
    out: list[list[tuple[str, float]]] = []
    bar = progress(batched(queries, chunk), total=(len(queries) + chunk - 1) // chunk, desc="dense", unit="batch")
    for part in bar:
        for hits in index.search(list(part), top_k=top_k):
            out.append([(h.passage.id, float(h.score)) for h in hits])
    return out


def hybrid_search_ids(
    passages: list[Passage], queries: list[str], dense: list[list[tuple[str, float]]], top_k: int
) -> list[list[str]]:
    """Passage ids of the hybrid top ``top_k``: kgqa's BM25 index fused with the dense ``(id, cosine)`` lists.

    The same candidates (``max(top_k, CANDIDATES)`` of each) and fusion as
    :class:`kgqa.retrieval.hybrid.HybridIndex`, whose ``search`` also computes dense cosines the suite does not use.
    """
    from kgqa.retrieval.bm25 import BM25Index
    from kgqa.retrieval.hybrid import CANDIDATES, DEFAULT_DENSE_WEIGHT, convex_fusion

    n = max(top_k, CANDIDATES)
    bm25 = BM25Index().build(passages)
    out = []
    for d_hits, s_hits in zip(dense, bm25.search(queries, n), strict=True):
        sparse = [(h.passage.id, h.score) for h in s_hits]
        fused = convex_fusion([d_hits[:n], sparse], [DEFAULT_DENSE_WEIGHT, 1.0 - DEFAULT_DENSE_WEIGHT])
        out.append([pid for pid, _ in fused[:top_k]])
    return out


# --------------------------------------------------------------------------- evaluation
def retrieval_metrics(ranked: list[list[str]], gold: list[str], ks: tuple[int, ...]) -> dict[str, Any]:
    """recall@k for each k in ``ks``, MRR and the recall curve over 1..max(ks)."""
    ranks = [(r.index(g) + 1) if g in r else None for r, g in zip(ranked, gold, strict=True)]
    out: dict[str, Any] = {f"recall_at_{k}": metrics.recall_at_k(ranks, k) for k in ks}
    out["mrr"] = metrics.mean_reciprocal_rank(ranks)
    out["recall_curve"] = [metrics.recall_at_k(ranks, k) for k in range(1, max(ks) + 1)]
    return out


def read_pairs(
    reader: Any, pairs: list[tuple[str, str, str]], max_answer_length: int = 30, chunk: int = 32
) -> dict[tuple[str, str], tuple[str, float]]:
    """Best span ``(text, score)`` of each ``(question, passage id, passage text)``, each pair read once."""
    best: dict[tuple[str, str], tuple[str, float]] = {}
    todo = list(dict.fromkeys(pairs))
    bar = progress(batched(todo, chunk), total=(len(todo) + chunk - 1) // chunk, desc="reader", unit="batch")
    for part in bar:
        spans = reader.read_batch(
            [q for q, _, _ in part],
            [[(pid, text)] for _, pid, text in part],
            n_best=1,
            max_answer_length=max_answer_length,
        )
        for (q, pid, _), s in zip(part, spans, strict=True):
            if s:
                best[(q, pid)] = (s[0].text, float(s[0].score))
    return best


def end_to_end(
    examples: list[Any], ranked: list[list[str]], read: dict[tuple[str, str], tuple[str, float]], read_k: int
) -> tuple[dict[str, float], dict[str, str]]:
    """EM/F1 of the best span (by reader score) over each question's top ``read_k`` passages."""
    preds: dict[str, str] = {}
    for ex, pids in zip(examples, ranked, strict=True):
        cands = [read[(ex.question, pid)] for pid in pids[:read_k] if (ex.question, pid) in read]
        preds[ex.qid] = max(cands, key=lambda c: c[1])[0] if cands else ""
    res = metrics.squad_v1(preds, {ex.qid: list(ex.answers) for ex in examples})
    return {"exact_match": res["exact_match"], "f1": res["f1"]}, preds


def evaluate(
    reader: Any,
    dense_index: Any,
    passages: list[Passage],
    examples: list[Any],
    gold: dict[str, str],
    retrieve_k: int = 20,
    read_k: int = 5,
    bm25: bool = True,
    hybrid: bool = True,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Retrieval and end-to-end metrics of the dense index (top level), BM25 (under ``bm25``) and ``hybrid``."""
    if read_k > retrieve_k:
        raise InputError(f"--read-k ({read_k}) cannot exceed --retrieve-k ({retrieve_k})")
    ks = tuple(sorted({1, min(5, retrieve_k), retrieve_k}))
    questions = [ex.question for ex in examples]
    golds = [gold[ex.qid] for ex in examples]
    systems: dict[str, list[list[str]]] = {}
    timings: dict[str, float] = {}
    from kgqa.retrieval.hybrid import CANDIDATES

    with Timer() as t:
        dense_scored = dense_search_scored(
            dense_index, questions, max(retrieve_k, CANDIDATES) if hybrid else retrieve_k
        )
        systems["dense"] = [[pid for pid, _ in hits[:retrieve_k]] for hits in dense_scored]
    timings["dense_search_seconds"] = t.seconds
    if bm25:
        with Timer() as t:
            retriever = BM25Retriever(passages)
        timings["bm25_build_seconds"] = t.seconds
        with Timer() as t:
            systems["bm25"] = retriever.search_ids(questions, retrieve_k)
        timings["bm25_search_seconds"] = t.seconds
    if hybrid:
        with Timer() as t:
            systems["hybrid"] = hybrid_search_ids(passages, questions, dense_scored, retrieve_k)
        timings["hybrid_build_and_fuse_seconds"] = t.seconds
    text_of = {p.id: p.text for p in passages}
    pairs = [
        (ex.question, pid, text_of[pid])
        for name in systems
        for ex, r in zip(examples, systems[name], strict=True)
        for pid in r[:read_k]
    ]
    with Timer() as t:
        read = read_pairs(reader, pairs)
    timings["reader_seconds"] = t.seconds
    timings["reader_pairs"] = len(set(pairs))
    per_system: dict[str, dict[str, Any]] = {}
    predictions: dict[str, dict[str, str]] = {}
    for name, ranked in systems.items():
        res = retrieval_metrics(ranked, golds, ks)
        e2e, predictions[name] = end_to_end(examples, ranked, read, read_k)
        per_system[name] = {
            **{k: v for k, v in res.items() if k != "recall_curve"},
            **e2e,
            "recall_curve": res["recall_curve"],
        }
    results: dict[str, Any] = {
        **per_system["dense"],
        "retriever": "dense (flat)",
        "n": len(examples),
        "n_passages": len(passages),
        "retrieve_k": retrieve_k,
        "read_k": read_k,
    }
    for name in ("bm25", "hybrid"):
        if name in per_system:
            results[name] = per_system[name]
    results["timings"] = timings
    return results, {"ranked": systems, "predictions": predictions}


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the suite; plots go to ``out``; returns the results."""
    path = resolve_data(ns.data, DEFAULT_DATA)
    passages, examples, gold = read_corpus(path)
    answerable = [ex for ex in examples if ex.answers]
    notes = []
    if len(answerable) < len(examples):
        notes.append(f"{len(examples) - len(answerable)} questions without answers left out")
    examples = seeded_sample(answerable, ns.limit, ns.seed)
    if not examples:
        raise InputError(f"{path} has no answerable questions")
    encoder = load_encoder(ns)
    with Timer() as t:
        index = build_dense_index(encoder, passages)
    reader = load_reader(ns)
    results, details = evaluate(
        reader, index, passages, examples, gold, ns.retrieve_k, ns.read_k, not ns.no_bm25, not ns.no_hybrid
    )
    results["timings"]["dense_build_seconds"] = t.seconds
    results["timings"]["dense_build_passages_per_s"] = len(passages) / t.seconds if t.seconds > 0 else None
    enc_dir = getattr(encoder, "model_dir", None) or getattr(encoder, "name", None)
    results.update(
        {
            "data": data_info(path, questions=len(answerable), paragraphs=len(passages)),
            "models": {
                "reader": model_info(getattr(reader, "model_dir", None), precision=resolved_precision(reader)),
                "encoder": model_info(enc_dir),
            },
        }
    )
    if notes:
        results["notes"] = notes
    curves = {"dense": results["recall_curve"]}
    if "bm25" in results:
        curves["BM25"] = results["bm25"]["recall_curve"]
    if "hybrid" in results:
        curves["hybrid"] = results["hybrid"]["recall_curve"]
    xs = list(range(1, ns.retrieve_k + 1))
    results["plots"] = [
        plot_curves(
            xs,
            curves,
            out / "recall_at_k.png",
            title=f"recall@k ({path.name})",
            xlabel="k (passages retrieved)",
            ylabel="recall (own paragraph)",
        ).name
    ]
    if ns.save_predictions:
        with (out / "predictions.jsonl").open("w", encoding="utf-8") as fh:
            for i, ex in enumerate(examples):
                row = {
                    "id": ex.qid,
                    "question": ex.question,
                    "gold_passage": gold[ex.qid],
                    **{f"{name}_top": r[i][: ns.read_k] for name, r in details["ranked"].items()},
                    **{f"{name}_answer": p[ex.qid] for name, p in details["predictions"].items()},
                }
                fh.write(json.dumps(row) + "\n")
    return results
