"""Runs the peer systems inside the peers environment: ``python peers_runner.py IN.json OUT.json``.

Executed by the peers environment's interpreter, so it imports nothing from kgqa: only the
standard library and the peers (haystack-ai 2.x, transformers 4.x, sentence-transformers).

Input keys: ``reader_dir`` and ``nli_dir`` (plain transformers folders), ``questions``
(``[{"id", "question", "passages": [{"id", "text"}]}]``), ``nli_pairs`` (``[[premise,
hypothesis], ...]``), ``max_length``, ``stride``, ``max_answer_length``, ``nli_max_length``,
``batch_size``, ``threads``, ``repeat``. Output: per system its timings (one warm-up
pass, then ``repeat`` timed passes) and predictions, and the libraries' versions;
a system that fails is reported under ``errors`` while the others still run.
"""

from __future__ import annotations

import json
import sys
import time
import traceback


def _timed(fn, repeat):
    fn()  # warm-up: first-call allocations and lazy initialisation are not measured
    times, result = [], None
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, times


def run_haystack(cfg):
    from haystack import Document
    from haystack.components.readers import ExtractiveReader

    reader = ExtractiveReader(
        model=cfg["reader_dir"],
        top_k=1,
        max_seq_length=cfg["max_length"],
        stride=cfg["stride"],
        no_answer=False,
        max_batch_size=cfg["batch_size"],
    )
    reader.warm_up()
    questions = cfg["questions"]

    def once():
        preds = {}
        for q in questions:
            docs = [Document(id=p["id"], content=p["text"]) for p in q["passages"]]
            answers = reader.run(query=q["question"], documents=docs, top_k=1)["answers"]
            answers = [a for a in answers if a.data]
            preds[q["id"]] = answers[0].data if answers else ""
        return preds

    preds, times = _timed(once, cfg["repeat"])
    return {
        "predictions": preds,
        "times": times,
        "settings": {"top_k": 1, "no_answer": False, "max_seq_length": cfg["max_length"], "stride": cfg["stride"]},
    }


def run_hf_pipeline(cfg):
    from transformers import pipeline

    qa = pipeline("question-answering", model=cfg["reader_dir"], tokenizer=cfg["reader_dir"], device=-1)
    questions = cfg["questions"]
    inputs, owners = [], []
    for q in questions:
        for p in q["passages"]:
            inputs.append({"question": q["question"], "context": p["text"]})
            owners.append(q["id"])

    def once():
        outs = qa(
            inputs,
            top_k=1,
            max_seq_len=cfg["max_length"],
            doc_stride=cfg["stride"],
            max_answer_len=cfg["max_answer_length"],
            batch_size=cfg["batch_size"],
        )
        if isinstance(outs, dict):
            outs = [outs]
        best = {}
        for owner, out in zip(owners, outs, strict=True):
            out = out[0] if isinstance(out, list) else out
            if owner not in best or out["score"] > best[owner]["score"]:
                best[owner] = out
        return {q["id"]: best[q["id"]]["answer"] if q["id"] in best else "" for q in questions}

    preds, times = _timed(once, cfg["repeat"])
    return {
        "predictions": preds,
        "times": times,
        "settings": {"max_seq_len": cfg["max_length"], "doc_stride": cfg["stride"], "batch_size": cfg["batch_size"]},
    }


def run_cross_encoder(cfg):
    import numpy as np
    from sentence_transformers import CrossEncoder

    ce = CrossEncoder(cfg["nli_dir"], max_length=cfg["nli_max_length"], device="cpu", local_files_only=True)
    pairs = [tuple(p) for p in cfg["nli_pairs"]]
    id2label = ce.model.config.id2label

    def once():
        return ce.predict(
            pairs, batch_size=cfg["nli_batch_size"], apply_softmax=True, convert_to_numpy=True, show_progress_bar=False
        )

    probs, times = _timed(once, cfg["repeat"])
    labels = [id2label[int(i)] for i in np.asarray(probs).argmax(axis=1)]
    return {
        "labels": labels,
        "probs": np.asarray(probs).round(5).tolist(),
        "times": times,
        "settings": {"max_length": cfg["nli_max_length"], "batch_size": cfg["nli_batch_size"]},
    }


def main(argv):
    inp, outp = argv[1], argv[2]
    with open(inp, encoding="utf-8") as fh:
        cfg = json.load(fh)
    import torch

    torch.set_num_threads(int(cfg.get("threads") or 1))
    from importlib.metadata import version

    out = {
        "versions": {d: version(d) for d in ("haystack-ai", "transformers", "sentence-transformers", "torch")},
        "threads": torch.get_num_threads(),
        "errors": {},
    }
    jobs = []
    if cfg.get("reader_dir") and cfg.get("questions"):
        jobs += [("haystack", run_haystack), ("hf_pipeline", run_hf_pipeline)]
    if cfg.get("nli_dir") and cfg.get("nli_pairs"):
        jobs.append(("cross_encoder", run_cross_encoder))
    for name, fn in jobs:
        try:
            out[name] = fn(cfg)
        except Exception as exc:  # one broken peer must not hide the others' numbers
            out["errors"][name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
    with open(outp, "w", encoding="utf-8") as fh:
        json.dump(out, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
