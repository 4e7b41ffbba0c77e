"""``kgqa bench speed``: latency, throughput and memory of the default pipeline, and peers on the same inputs.

Measured in one run: ``ask`` latency (p50/p95) and throughput on ``Pipeline.load()``;
the reader's questions/s on fixed passages (retrieved once from the pipeline's index,
or each SQuAD question's own paragraph with ``--data``); NLI pairs/s; index build
passages/s against the encoder's raw sentences/s; peak RSS. The peers (Haystack's
ExtractiveReader, transformers' QA pipeline, sentence-transformers' CrossEncoder) get
the same inputs and the same weights in a separate environment built beforehand (see
:mod:`kgqa.bench.peers`; without it they are skipped and the message says how to build it);
each ratio is kgqa's throughput over the peer's. Every timed step runs once to warm
up, then ``--repeat`` times; the median is reported.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.bench import metrics, peers
from kgqa.bench.common import (
    add_precision_argument,
    peak_rss_mb,
    percentile,
    progress,
    resolve_data,
    resolved_precision,
    seeded_sample,
)
from kgqa.bench.questions import QUESTIONS, BenchQuestion
from kgqa.bench.report import data_info, model_info, plot_bars
from kgqa.errors import InputError, KGQAError
from kgqa.types import Passage

logger = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``speed`` suite."""
    p.add_argument(
        "--data",
        help="SQuAD-format JSON with gold answers (default: the built-in questions about "
        "the default world, kgqa/bench/questions.py)",
    )
    p.add_argument(
        "--nli-data",
        help="NLI JSON lines for the NLI timing (default: the held-out half of MNLI "
        "dev-matched if the data directory is there, else pairs built from the retrieved passages)",
    )
    p.add_argument("--nli-pairs", type=int, default=256, help="NLI pairs to time")
    p.add_argument("--top-k", type=int, default=5, help="passages per question (ask and reader)")
    p.add_argument("--repeat", type=int, default=3, help="timed passes per measurement (median reported)")
    p.add_argument("--no-peers", action="store_true", help="measure kgqa only")
    add_precision_argument(p)
    p.add_argument("--peers-timeout", type=float, default=3600, help="seconds allowed to the peers runner")


def load_pipeline(ns: argparse.Namespace) -> Any:
    """The default pipeline (tests replace this with a fake)."""
    from kgqa import Pipeline

    return Pipeline.load(precision=getattr(ns, "precision", "auto"))


def load_sentence_transformer(model_dir: str | Path) -> Any:
    """A plain SentenceTransformer on the encoder's weights: the raw-encoder baseline."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


# --------------------------------------------------------------------------- inputs
def squad_questions(path: Path) -> tuple[list[BenchQuestion], dict[str, list[tuple[str, str]]]]:
    """Questions of a SQuAD file with their own paragraph as the only passage."""
    from kgqa.train.data import read_squad

    qs, passages = [], {}
    for ex in read_squad(path):
        if ex.answers:
            qs.append(BenchQuestion(ex.qid, ex.question, tuple(ex.answers), ex.title))
            passages[ex.qid] = [(f"{ex.qid}-ctx", ex.context)]
    return qs, passages


def nli_pairs(
    path: Path | None, passages: dict[str, list[tuple[str, str]]], questions: list[BenchQuestion], limit: int, seed: int
) -> tuple[list[tuple[str, str]], list[str] | None, dict[str, Any]]:
    """Pairs to time, their gold labels (or ``None``), and where they came from."""
    if path is not None:
        from kgqa.bench.nli_suite import read_rows

        rows, _ = read_rows(path)
        info = data_info(path)
    else:
        try:
            from kgqa.bench.nli_suite import heldout_mnli_rows

            rows, info = heldout_mnli_rows(None)  # never trained on, so its accuracy means something
        except KGQAError:
            rows = []
    if rows:
        rows = seeded_sample(rows, limit, seed)
        return [(r["premise"], r["hypothesis"]) for r in rows], [r["label"] for r in rows], info
    pairs = [(plist[0][1], q.question) for q in questions for plist in [passages.get(q.id)] if plist]
    return pairs[:limit], None, {"file": None, "source": "retrieved passage + question (timing only)"}


def world_passages(pipe: Any) -> list[Passage]:
    """The passages of the pipeline's index, else those shipped in ``data/passages``."""
    index = getattr(pipe, "index", None)
    for attr in ("passages", "store"):
        found = getattr(index, attr, None)
        if found is not None:
            try:
                items = list(found.values()) if isinstance(found, dict) else list(found)
            except TypeError:
                continue
            if items and all(isinstance(p, Passage) for p in items):
                return items
    from kgqa.paths import passages_dir

    out = []
    for f in sorted(passages_dir().glob("*.jsonl")):
        out += [Passage.from_dict(json.loads(line)) for line in f.read_text(encoding="utf-8").splitlines() if line]
    return out


# --------------------------------------------------------------------------- timing
def timed(fn: Any, repeat: int) -> tuple[Any, float]:
    """``fn()`` once to warm up, then ``repeat`` times; the last result and the median seconds."""
    fn()
    times, result = [], None
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, statistics.median(times)


def _rate(n: int, seconds: float) -> float | None:
    return n / seconds if seconds > 0 else None


def _squad(preds: dict[str, str], questions: list[BenchQuestion]) -> dict[str, float]:
    res = metrics.squad_v1(preds, {q.id: list(q.answers) for q in questions})
    return {"exact_match": res["exact_match"], "f1": res["f1"]}


def measure_kgqa(
    pipe: Any,
    questions: list[BenchQuestion],
    passages: dict[str, list[tuple[str, str]]],
    pairs: list[tuple[str, str]],
    index_passages: list[Passage],
    top_k: int,
    repeat: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """kgqa's own numbers; returns ``(results, predictions)``."""
    from kgqa.bench.openqa_suite import build_dense_index

    texts = [q.question for q in questions]
    res: dict[str, Any] = {}
    pipe.ask(texts[0], top_k=top_k)  # warm-up: loads every model the pipeline uses lazily
    latencies, answers = [], {}
    for q in progress(questions, total=len(questions), desc="ask", unit="q"):
        t0 = time.perf_counter()
        ans = pipe.ask(q.question, top_k=top_k)
        latencies.append(time.perf_counter() - t0)
        answers[q.id] = ans.answer or ""
    res.update(
        {
            "ask_latency_p50_ms": 1000 * percentile(latencies, 50),
            "ask_latency_p95_ms": 1000 * percentile(latencies, 95),
            "ask_latency_mean_ms": 1000 * float(np.mean(latencies)),
            "ask_questions_per_s": _rate(len(latencies), sum(latencies)),
        }
    )
    _, batch_s = timed(lambda: pipe.ask_batch(texts), 1)
    res["ask_batch_questions_per_s"] = _rate(len(texts), batch_s)
    res["ask_exact_match"] = _squad(answers, questions)["exact_match"]

    plists = [passages.get(q.id, []) for q in questions]
    spans, reader_s = timed(lambda: pipe.reader.read_batch(texts, plists, n_best=1), repeat)
    reader_preds = {q.id: (s[0].text if s else "") for q, s in zip(questions, spans, strict=True)}
    res["reader_questions_per_s"] = _rate(len(texts), reader_s)
    res["reader_passages_per_question"] = float(np.mean([len(p) for p in plists])) if plists else 0.0
    res.update({f"reader_{k}": v for k, v in _squad(reader_preds, questions).items()})

    nli_labels: list[str] = []
    probs = None
    if pairs:
        probs, nli_s = timed(lambda: pipe.nli.predict(pairs), repeat)
        labs = list(getattr(pipe.nli, "labels", ("entailment", "neutral", "contradiction")))
        nli_labels = [labs[i] for i in np.asarray(probs).argmax(axis=1)]
        res["nli_pairs_per_s"] = _rate(len(pairs), nli_s)
    encoder = getattr(pipe.index, "encoder", None)
    if encoder is None:
        from kgqa.bench.openqa_suite import load_encoder

        encoder = load_encoder(argparse.Namespace(encoder=None))
    from kgqa.retrieval.index import index_text

    ptexts = [index_text(p) for p in index_passages]  # what the index embeds
    _, build_s = timed(lambda: build_dense_index(encoder, index_passages), repeat)
    _, enc_s = timed(lambda: encoder.encode(ptexts), repeat)
    res.update(
        {
            "index_passages": len(ptexts),
            "index_build_passages_per_s": _rate(len(ptexts), build_s),
            "encoder_sentences_per_s": _rate(len(ptexts), enc_s),
        }
    )
    res.update(_fp32_reference(pipe, texts, plists, pairs, questions, repeat))
    res["peak_rss_mb"] = peak_rss_mb()
    return res, {"reader": reader_preds, "ask": answers, "nli": nli_labels, "nli_probs": probs, "encoder": encoder}


def _fp32_reference(
    pipe: Any,
    texts: list[str],
    plists: list[list[tuple[str, str]]],
    pairs: list[tuple[str, str]],
    questions: list[BenchQuestion],
    repeat: int,
) -> dict[str, Any]:
    """Reader and NLI throughput again in float32, when the pipeline runs them in bf16/fp16.

    The peers run in float32 (their default), so these give the like-for-like ratios too.
    """
    res: dict[str, Any] = {}
    for name in ("reader", "nli"):
        model = getattr(pipe, name, None)
        if model is None or getattr(model, "amp_dtype", None) is None or not hasattr(model, "precision"):
            continue
        saved, model.precision = model.precision, "fp32"
        try:
            if name == "reader":
                spans, secs = timed(lambda m=model: m.read_batch(texts, plists, n_best=1), repeat)
                preds = {q.id: (s[0].text if s else "") for q, s in zip(questions, spans, strict=True)}
                res["reader_questions_per_s_fp32"] = _rate(len(texts), secs)
                res["reader_exact_match_fp32"] = _squad(preds, questions)["exact_match"]
            elif pairs:
                _, secs = timed(lambda m=model: m.predict(pairs), repeat)
                res["nli_pairs_per_s_fp32"] = _rate(len(pairs), secs)
        finally:
            model.precision = saved
    return res


def compare_peers(
    kgqa_res: dict[str, Any],
    kgqa_preds: dict[str, Any],
    peer_out: dict[str, Any],
    questions: list[BenchQuestion],
    gold_nli: list[str] | None,
    n_pairs: int,
) -> dict[str, Any]:
    """Throughput ratios (kgqa / peer) and each system's scores on the same inputs."""
    out: dict[str, Any] = {"versions": peer_out.get("versions"), "threads": peer_out.get("threads")}
    if peer_out.get("errors"):
        out["errors"] = peer_out["errors"]
    for name in ("haystack", "hf_pipeline"):
        peer = peer_out.get(name)
        if not peer:
            continue
        secs = statistics.median(peer["times"])
        qps = _rate(len(questions), secs)
        agree = np.mean([kgqa_preds["reader"].get(q.id, "") == peer["predictions"].get(q.id, "") for q in questions])
        out[name] = {
            "questions_per_s": qps,
            **_squad(peer["predictions"], questions),
            "same_answer_as_kgqa": float(agree),
            "settings": peer.get("settings"),
            "ratio": (kgqa_res["reader_questions_per_s"] / qps)
            if qps and kgqa_res.get("reader_questions_per_s")
            else None,
            "ratio_fp32": (kgqa_res["reader_questions_per_s_fp32"] / qps)
            if qps and kgqa_res.get("reader_questions_per_s_fp32")
            else None,
        }
    ce = peer_out.get("cross_encoder")
    if ce:
        pps = _rate(n_pairs, statistics.median(ce["times"]))
        entry: dict[str, Any] = {
            "pairs_per_s": pps,
            "settings": ce.get("settings"),
            "ratio": (kgqa_res["nli_pairs_per_s"] / pps) if pps and kgqa_res.get("nli_pairs_per_s") else None,
            "ratio_fp32": (kgqa_res["nli_pairs_per_s_fp32"] / pps)
            if pps and kgqa_res.get("nli_pairs_per_s_fp32")
            else None,
        }
        if kgqa_preds["nli"]:
            entry["same_label_as_kgqa"] = float(
                np.mean([a == b for a, b in zip(ce["labels"], kgqa_preds["nli"], strict=False)])
            )
        if kgqa_preds.get("nli_probs") is not None and ce.get("probs"):
            # the same weights should give the same probabilities up to float noise
            diff = np.abs(np.asarray(kgqa_preds["nli_probs"], dtype=float) - np.asarray(ce["probs"], dtype=float))
            entry["max_prob_diff_vs_kgqa"] = float(diff.max()) if diff.size else 0.0
        if gold_nli:
            entry["accuracy"] = _nli_accuracy(ce["labels"], gold_nli)
        out["cross_encoder"] = entry
    return out


def _nli_accuracy(pred: list[str], gold: list[str]) -> float:
    """Accuracy, collapsing neutral/contradiction when the gold labels are two-way."""
    if any(g == "non-entailment" for g in gold):
        pred = ["entailment" if p == "entailment" else "non-entailment" for p in pred]
    return metrics.accuracy(gold, pred)


def run_peer_systems(
    ns: argparse.Namespace,
    pipe: Any,
    questions: list[BenchQuestion],
    passages: dict[str, list[tuple[str, str]]],
    pairs: list[tuple[str, str]],
    threads: int,
) -> dict[str, Any]:
    """Export the weights and run the peers in their environment.

    Returns ``{"skipped": why and how to install}`` when there is no usable peers environment,
    ``{"error": ...}`` when the peers' runner fails.
    """
    try:
        python, versions = peers.find_peers()
    except peers.PeersUnavailable as exc:
        logger.warning("peers skipped: %s", exc)
        return {"skipped": str(exc)}
    try:
        with tempfile.TemporaryDirectory(prefix="kgqa-peers-") as tmp:
            tmpd = Path(tmp)
            reader_dir = peers.export_plain(pipe.reader.model_dir, "qa", tmpd / "reader")
            nli_dir = peers.export_plain(pipe.nli.model_dir, "nli", tmpd / "nli") if pairs else None
            payload = {
                "reader_dir": str(reader_dir),
                "nli_dir": str(nli_dir) if nli_dir else None,
                "questions": [
                    {
                        "id": q.id,
                        "question": q.question,
                        "passages": [{"id": pid, "text": t} for pid, t in passages.get(q.id, [])],
                    }
                    for q in questions
                ],
                "nli_pairs": [list(p) for p in pairs],
                "max_length": int(getattr(pipe.reader, "max_length", 256)),
                "stride": int(getattr(pipe.reader, "stride", 96)),
                "max_answer_length": 30,
                "batch_size": int(getattr(pipe.reader, "batch_size", 32)),
                "nli_max_length": int(getattr(pipe.nli, "max_length", 128)),
                "nli_batch_size": int(getattr(pipe.nli, "batch_size", 64)),
                "threads": threads,
                "repeat": ns.repeat,
            }
            return {
                "python": str(python),
                "installed": versions,
                **peers.run_peers(python, payload, tmpd, ns.peers_timeout),
            }
    except peers.PeersRunError as exc:
        logger.warning("peers failed: %s", exc)
        return {"error": str(exc)}


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the suite; plots go to ``out``; returns the results."""
    import torch

    if ns.repeat < 1:
        raise InputError("--repeat must be at least 1")
    threads = torch.get_num_threads()
    t0 = time.perf_counter()
    pipe = load_pipeline(ns)
    load_s = time.perf_counter() - t0
    if ns.data:
        path = resolve_data(ns.data, "")
        questions, passages = squad_questions(path)
        info = data_info(path, questions=len(questions))
    else:
        questions, passages = list(QUESTIONS), {}
        info = data_info(
            Path(__file__).with_name("questions.py"),
            questions=len(QUESTIONS),
            source="built-in questions about the default world",
        )
    questions = seeded_sample(questions, ns.limit, ns.seed)
    if not questions:
        raise InputError("no questions with answers to time")
    if not ns.data:
        hits = pipe.index.search([q.question for q in questions], top_k=ns.top_k)
        passages = {q.id: [(h.passage.id, h.passage.text) for h in hs] for q, hs in zip(questions, hits, strict=True)}
    nli_path = Path(ns.nli_data) if ns.nli_data else None
    if nli_path is not None and not nli_path.is_file():
        raise InputError(f"--nli-data {nli_path} does not exist")
    pairs, gold_nli, nli_info = nli_pairs(nli_path, passages, questions, ns.nli_pairs, ns.seed)
    index_passages = world_passages(pipe)

    res, preds = measure_kgqa(pipe, questions, passages, pairs, index_passages, ns.top_k, ns.repeat)
    res["load_seconds"] = load_s
    if gold_nli and preds["nli"]:
        res["nli_accuracy"] = _nli_accuracy(preds["nli"], gold_nli)
    res["nli_pairs"] = len(pairs)
    enc_dir = getattr(preds["encoder"], "model_dir", None)
    if enc_dir is None:
        from kgqa.paths import base_model_dir

        enc_dir = base_model_dir()
    try:
        st = load_sentence_transformer(enc_dir)
        from kgqa.retrieval.index import index_text

        ptexts = [index_text(p) for p in index_passages]  # what the index embeds
        _, st_s = timed(lambda: st.encode(ptexts, batch_size=32, show_progress_bar=False), ns.repeat)
        res["sentence_transformers_sentences_per_s"] = _rate(len(ptexts), st_s)
    except (OSError, ValueError) as exc:
        res["sentence_transformers_sentences_per_s"] = None
        logger.warning("raw SentenceTransformer baseline skipped: %s", exc)

    if ns.no_peers:
        res["peers"] = {"skipped": "--no-peers"}
    else:
        peer_out = run_peer_systems(ns, pipe, questions, passages, pairs, threads)
        res["peers"] = (
            peer_out
            if "error" in peer_out or "skipped" in peer_out
            else {
                **compare_peers(res, preds, peer_out, questions, gold_nli, len(pairs)),
                "python": peer_out.get("python"),
            }
        )
    res.update(
        {
            "n": len(questions),
            "data": info,
            "nli_data": nli_info,
            "threads": threads,
            "models": {
                "reader": model_info(
                    getattr(pipe.reader, "model_dir", None), precision=resolved_precision(pipe.reader)
                ),
                "nli": model_info(getattr(pipe.nli, "model_dir", None), precision=resolved_precision(pipe.nli)),
                "encoder": model_info(enc_dir),
            },
        }
    )
    res["plots"] = [_plot(res, out).name]
    return res


def _plot(res: dict[str, Any], out: Path) -> Path:
    groups, kg, peer_vals = [], [], []
    p = res.get("peers", {})
    for key, peer, label in (
        ("reader_questions_per_s", "haystack", "reader q/s vs Haystack"),
        ("reader_questions_per_s", "hf_pipeline", "reader q/s vs HF pipeline"),
        ("nli_pairs_per_s", "cross_encoder", "NLI pairs/s vs CrossEncoder"),
    ):
        if res.get(key):
            groups.append(label)
            kg.append(res[key])
            peer_stats = p.get(peer) or {}
            peer_vals.append(peer_stats.get("questions_per_s") or peer_stats.get("pairs_per_s") or 0.0)
    if res.get("index_build_passages_per_s"):
        groups.append("index build vs SentenceTransformer (passages/s)")
        kg.append(res["index_build_passages_per_s"])
        peer_vals.append(res.get("sentence_transformers_sentences_per_s") or 0.0)
    return plot_bars(
        groups,
        {"kgqa": kg, "peer": peer_vals},
        out / "throughput.png",
        title="throughput, same inputs and weights",
        ylabel="items per second",
    )
