"""The vector half of ``kgqa bench scale`` (and of ``benchmarks/vector_backends.py``): data and measurements.

The corpus is seeded synthetic unit vectors around cluster centres with noisy copies of some of
them as queries (:func:`synthetic_vectors`), written to ``.npy`` files that the measuring
processes memory-map. Exact top-k neighbours come from a brute-force numpy search
(:func:`exact_top_k`), the oracle of recall@k.

Each backend is measured in two fresh processes (see :mod:`kgqa.bench.scale_suite`), so that each
peak memory is its own: :func:`measure_build` builds a :class:`~kgqa.retrieval.index.DenseIndex`
of that kind from the vectors and saves it (build time, bytes per passage on disk), and
:func:`measure_search` loads the saved folder (IVF-PQ memory-mapped, Milvus Lite from its
``.db`` file) and times single queries (latency p50/p95) and their recall@k.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

#: rows generated (and normalised) at a time, so that a million vectors never need float64 copies
_CHUNK = 65_536


def synthetic_vectors(
    n: int, dim: int, n_queries: int, seed: int = 0, out: Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded unit vectors around ``n // 100`` centres, and noisy copies of ``n_queries`` of them as queries.

    Generated in chunks of rows (the same numbers as one draw); with ``out`` the corpus is written
    to that ``.npy`` file and returned memory-mapped, so a million vectors take no float64 copy.
    """
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(1, n // 100), dim)).astype(np.float32)
    assign = rng.integers(0, len(centres), n)
    if out is None:
        x = np.empty((n, dim), np.float32)
    else:
        x = np.lib.format.open_memmap(out, mode="w+", dtype=np.float32, shape=(n, dim))
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        noise = rng.standard_normal((stop - start, dim)).astype(np.float32)
        x[start:stop] = centres[assign[start:stop]] + 0.6 * noise
    rows = rng.choice(n, n_queries, replace=False)
    q = x[rows] + 0.2 * rng.standard_normal((n_queries, dim)).astype(np.float32)
    for start in range(0, n, _CHUNK):
        block = x[start : start + _CHUNK]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    if isinstance(x, np.memmap):
        x.flush()
    return x, q


def exact_top_k(x: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    """Ids ``[n_queries, k]`` of the ``k`` largest inner products of each query, best first (brute force)."""
    k = min(k, len(x))
    best_s = np.full((len(q), 0), -np.inf, np.float32)
    best_i = np.zeros((len(q), 0), np.int64)
    for start in range(0, len(x), _CHUNK):
        scores = q @ np.asarray(x[start : start + _CHUNK]).T
        top = np.argpartition(-scores, min(k, scores.shape[1]) - 1, axis=1)[:, :k]
        best_s = np.concatenate([best_s, np.take_along_axis(scores, top, axis=1)], axis=1)
        best_i = np.concatenate([best_i, top + start], axis=1)
        keep = np.argsort(-best_s, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(best_s, keep, axis=1), np.take_along_axis(best_i, keep, axis=1)
    return best_i


def build_index(kind: str, x: np.ndarray, folder: Path, **options: Any) -> tuple[Any, float]:
    """A :class:`~kgqa.retrieval.index.DenseIndex` of ``kind`` over ``x`` (passages ``v0``, ``v1``...) saved in ``folder``.

    Returns the index and the seconds it took to build and save (a Milvus Lite index lives in
    ``folder/milvus.db``).
    """
    from kgqa.retrieval import DenseIndex
    from kgqa.types import Passage

    if kind == "milvus":
        options["milvus_uri"] = str(folder / "milvus.db")
    passages = [Passage(f"v{i}", "") for i in range(len(x))]
    start = time.perf_counter()
    index = DenseIndex(None, kind=kind, use_gpu="auto", **options)
    index.add_vectors(passages, np.ascontiguousarray(x))
    index.save(folder)
    return index, time.perf_counter() - start


def load_index(folder: Path, kind: str) -> Any:
    """The index saved in ``folder`` by :func:`build_index`."""
    from kgqa.retrieval import DenseIndex

    return DenseIndex.load(folder, milvus_uri=str(folder / "milvus.db") if kind == "milvus" else None)


def hit_ids(rows: Sequence[Sequence[Any]], k: int) -> np.ndarray:
    """``[n, k]`` vector ids of search hits (passage ``v17`` is 17), ``-1`` where fewer than ``k`` came back."""
    return np.array([[int(h.passage.id[1:]) for h in row][:k] + [-1] * (k - len(row)) for row in rows])


def measure_build(kind: str, vectors: str, folder: str) -> dict[str, Any]:
    """Build and save one backend's index over the ``.npy`` corpus; its build time, size on disk and parameters."""
    from kgqa.retrieval.backends import bytes_per_passage

    x = np.load(vectors, mmap_mode="r")
    index, seconds = build_index(kind, x, Path(folder))
    res = {"build_s": seconds, "bytes_per_passage": bytes_per_passage(folder, len(x))}
    res["params"] = index.backend.params() if index.backend is not None else {}
    res["backend"] = index.kind
    close = getattr(index.backend, "close", None)
    if close is not None:
        close()
    return res


def measure_search(kind: str, folder: str, queries: str, exact: str, k: int, threads: int = 1) -> dict[str, Any]:
    """Load a saved index and search each query alone; latency p50/p95 and recall@k against the exact ids.

    ``threads`` is FAISS's OpenMP threads while searching (0: its default, every core). One query
    at a time gains little from them, and on a shared machine their barriers wait for busy cores:
    a flat search of 20k vectors took 24 ms p50 with two threads and 1.7 ms with one.
    """
    import faiss

    from kgqa.bench.common import percentile
    from kgqa.bench.scale_graph import hwm_rss_mb
    from kgqa.retrieval.backends import is_memory_mapped, recall_at_k

    if threads:
        faiss.omp_set_num_threads(threads)
    q = np.load(queries)
    baseline = hwm_rss_mb()
    start = time.perf_counter()
    index = load_index(Path(folder), kind)
    load_s = time.perf_counter() - start
    for row in q[: min(5, len(q))]:  # warm-up: first searches fault pages in and start threads
        index.search_vectors(row[None, :], k)
    latencies, rows = [], []
    for row in q:
        t0 = time.perf_counter()
        rows.append(index.search_vectors(row[None, :], k)[0])
        latencies.append(1000 * (time.perf_counter() - t0))
    res = {
        "load_s": load_s,
        "baseline_rss_mb": baseline,
        "search_p50_ms": percentile(latencies, 50),
        "search_p95_ms": percentile(latencies, 95),
        f"recall_at_{k}": recall_at_k(np.load(exact), hit_ids(rows, k)),
        "memory_mapped": is_memory_mapped(index.backend),
        "queries": len(q),
        "search_threads": threads or faiss.omp_get_max_threads(),
    }
    close = getattr(index.backend, "close", None)
    if close is not None:
        close()
    return res
