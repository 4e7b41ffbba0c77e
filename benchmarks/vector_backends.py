"""Recall@k against exact search and bytes per passage of each vector backend (kgqa.retrieval.backends).

Two corpora: seeded synthetic unit vectors around cluster centres (``--n``, ``--dim``; queries are
noisy copies of corpus vectors), and real embeddings of SQuAD dev paragraphs by the base encoder
(``--squad N`` paragraphs, their questions as queries). Each backend is built, saved to a
temporary folder and loaded back (IVF-PQ memory-mapped, Milvus Lite from its ``.db`` file) before
it is searched; recall@k is measured against the flat (exact) index. The synthetic corpus and the
build / load steps are those of ``kgqa bench scale`` (:mod:`kgqa.bench.scale_vectors`).

    python benchmarks/vector_backends.py --n 100000 --squad 2000 --out benchmarks/results/vector-backends.json
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.bench.scale_vectors import build_index, hit_ids, load_index, synthetic_vectors
from kgqa.retrieval import Encoder
from kgqa.retrieval.backends import bytes_per_passage, recall_at_k
from kgqa.retrieval.index import index_text
from kgqa.types import Passage

logger = logging.getLogger("vector_backends")


def squad(path: Path, n: int, n_queries: int) -> tuple[np.ndarray, np.ndarray]:
    """Base-encoder embeddings of the first ``n`` SQuAD paragraphs and of up to ``n_queries`` of their questions."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs = [(a["title"].replace("_", " "), p) for a in data for p in a["paragraphs"]][:n]
    questions = [qa["question"] for _, p in paragraphs for qa in p["qas"][:1]][:n_queries]
    encoder = Encoder()
    passages = [Passage(f"p{i}", p["context"], title=t) for i, (t, p) in enumerate(paragraphs)]
    return encoder.encode([index_text(p) for p in passages]), encoder.encode(questions)


def measure(kind: str, x: np.ndarray, q: np.ndarray, exact: np.ndarray | None, k: int, **options: Any) -> dict:
    """Build, save, load and search one backend; its recall@k against ``exact`` ids and its size on disk."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / kind
        _, build_s = build_index(kind, x, folder, **options)
        loaded = load_index(folder, kind)
        start = time.perf_counter()
        hits = loaded.search_vectors(q, k)
        search_s = time.perf_counter() - start
        ids = hit_ids(hits, k)
        size = bytes_per_passage(folder, len(x))
    return {
        "backend": loaded.kind,
        "params": loaded.backend.params() if loaded.backend is not None else {},
        f"recall@{k}": round(recall_at_k(exact, ids), 4) if exact is not None else 1.0,
        "bytes_per_passage": round(size, 1),
        "build_s": round(build_s, 1),
        "queries_per_s": round(len(q) / max(search_s, 1e-9), 1),
        "_ids": ids,
    }


def run(x: np.ndarray, q: np.ndarray, backends: list[str], k: int, label: str) -> list[dict]:
    rows: list[dict] = []
    exact = None
    for kind in ["flat", *[b for b in backends if b != "flat"]]:
        logger.info("%s: %s over %d vectors of dimension %d", label, kind, *x.shape)
        row = measure(kind, x, q, exact, k)
        exact = row["_ids"] if exact is None else exact
        rows.append({"data": label, **{key: v for key, v in row.items() if key != "_ids"}})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic vectors (0: skip)")
    parser.add_argument("--dim", type=int, default=384, help="synthetic dimension (the base encoder's)")
    parser.add_argument("--squad", type=int, default=2000, help="SQuAD dev paragraphs to embed (0: skip)")
    parser.add_argument("--squad-file", type=Path, default=Path("/work/shared/datasets/squad/dev-v1.1.json"))
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--backends", default="flat,hnsw,ivfpq,milvus")
    parser.add_argument("--out", type=Path, help="write the rows as JSON here")
    ns = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    backends = [b.strip() for b in ns.backends.split(",") if b.strip()]
    rows = []
    if ns.n:
        x, q = synthetic_vectors(ns.n, ns.dim, ns.queries)
        rows += run(x, q, backends, ns.k, f"synthetic {ns.n}x{ns.dim}")
    if ns.squad:
        x, q = squad(ns.squad_file, ns.squad, ns.queries)
        rows += run(x, q, backends, ns.k, f"SQuAD dev {len(x)} paragraphs")
    if ns.out:
        ns.out.parent.mkdir(parents=True, exist_ok=True)
        ns.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
