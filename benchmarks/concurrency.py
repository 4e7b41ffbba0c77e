"""``Pipeline.ask`` from several threads against sequential calls, for three ways to share the models.

- ``pool`` (shipped): each call borrows a tokenizer no other call holds
  (:class:`kgqa.reader.tokenizer_pool.TokenizerPool`); forward passes run unlocked.
- ``lock``: one lock per model around tokenising and the forward pass.
- ``thread_local``: a tokenizer copy per thread (``threading.local``); forward passes unlocked.

Each setting has its own warmed-up pipeline and its own long-lived worker threads; one
discarded round per setting makes the tokenizer copies first, so this measures steady state
(the cold start is covered by tests/pipeline/test_concurrency.py). Rounds of the settings
are interleaved so that load from other processes on a shared machine hits all of them.

Usage: python benchmarks/concurrency.py [--threads 8] [--per-thread 4] [--repeats 5]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import torch

from kgqa import Pipeline
from kgqa.demo import DEMO_QUESTIONS

EXTRA = [
    ("Who wrote Macbeth?", ["Shakespeare was a playwright."]),
    ("What is the capital of Japan?", []),
    ("What is the capital of Italy?", []),
    ("Who discovered radium?", []),
]


def lock_per_model(model: Any) -> None:
    """Serialise ``model``'s tokenising and forward passes behind one lock."""
    lock = threading.Lock()
    shipped = model._session

    @contextmanager
    def session() -> Iterator[tuple[Any, Any]]:
        with lock, shipped() as pair:
            yield pair

    model._session = session


def tokenizer_per_thread(model: Any) -> None:
    """Give each thread its own copy of ``model``'s tokenizer."""
    local = threading.local()

    @contextmanager
    def session() -> Iterator[tuple[Any, Any]]:
        model.warm_up()
        if not hasattr(local, "tok"):
            local.tok = copy.deepcopy(model._tokenizers._template)
        yield model._model, local.tok

    model._session = session


def load(strategy: Callable[[Any], None] | None) -> Pipeline:
    pipe = Pipeline.load().warm_up()
    if strategy is not None:
        strategy(pipe.reader)
        strategy(pipe.nli)
    return pipe


def run(pipe: Pipeline, questions: list[tuple[str, list[str]]], workers: ThreadPoolExecutor | None) -> dict:
    """Ask every question once: in this thread, or split evenly over ``workers`` started together."""
    latencies: list[float] = []

    def ask_all(chunk: list[tuple[str, list[str]]], barrier: threading.Barrier | None) -> None:
        if barrier is not None:
            barrier.wait()
        for q, premises in chunk:
            t0 = time.perf_counter()
            pipe.ask(q, premises=premises)
            latencies.append((time.perf_counter() - t0) * 1000)

    start = time.perf_counter()
    if workers is None:
        ask_all(questions, None)
    else:
        n = workers._max_workers
        barrier = threading.Barrier(n)
        size = len(questions) // n
        futures = [workers.submit(ask_all, questions[i * size : (i + 1) * size], barrier) for i in range(n)]
        for f in futures:
            f.result()
    wall = time.perf_counter() - start
    latencies.sort()
    return {
        "wall_s": round(wall, 2),
        "asks_per_s": round(len(latencies) / wall, 2),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--per-thread", type=int, default=4, help="questions each thread asks per round")
    parser.add_argument("--repeats", type=int, default=5, help="measured rounds per setting; the median is kept")
    args = parser.parse_args()
    pool = DEMO_QUESTIONS + EXTRA
    questions = [pool[i % len(pool)] for i in range(args.threads * args.per_thread)]
    shipped = load(None)
    settings = {
        "sequential": (shipped, None),
        "threads_pool": (shipped, ThreadPoolExecutor(args.threads)),
        "threads_lock": (load(lock_per_model), ThreadPoolExecutor(args.threads)),
        "threads_thread_local": (load(tokenizer_per_thread), ThreadPoolExecutor(args.threads)),
    }
    results: dict[str, list[dict]] = {name: [] for name in settings}
    for pipe, workers in settings.values():
        run(pipe, questions, workers)  # discarded: makes the tokenizer copies
    for _ in range(args.repeats):
        for name, (pipe, workers) in settings.items():
            results[name].append(run(pipe, questions, workers))
    for _, workers in settings.values():
        if workers is not None:
            workers.shutdown()
    report = {
        "asks_per_round": len(questions),
        "threads": args.threads,
        "torch_threads": torch.get_num_threads(),
        **{name: sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2] for name, runs in results.items()},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
