"""Hybrid retrieval: BM25 and the dense index fused by a convex combination of normalised scores.

The fusion was chosen by measurement on a split carved out of SQuAD *train* (48 articles drawn
with ``random.Random(0).sample``, 2,016 paragraphs, 1,000 answerable questions drawn with
``kgqa.bench.common.seeded_sample(..., seed=0)``; the dev file, which the benchmarks report, was
not used), each retriever giving its top 50 (hit = the question's own paragraph):

==============================================  ========  ========  =========  =====
retrieval                                       recall@1  recall@5  recall@20  MRR
==============================================  ========  ========  =========  =====
dense (all-MiniLM-L6-v2, flat)                  0.681     0.890     0.969      0.773
BM25 (bm25s, this module's tokens)              0.757     0.909     0.963      0.824
reciprocal rank fusion, k=60                    0.767     0.948     0.986      0.845
reciprocal rank fusion, k=10                    0.770     0.956     0.985      0.850
convex, dense weight 0.3                        0.801     0.947     0.984      0.864
**convex, dense weight 0.5 (the default)**      0.805     0.960     0.984      0.872
convex, dense weight 0.7                        0.789     0.948     0.981      0.858
==============================================  ========  ========  =========  =====

so the convex combination (``dense_weight * dense + (1 - dense_weight) * bm25``, each min-max
normalised over its own candidates, 0 where a retriever did not return the passage) with equal
weights is used: RRF throws the score gaps away and ranks about 4 points lower at 1.

Each retriever contributes its top ``max(top_k, candidates)`` passages. ``Hit.score`` stays the
**dense cosine** of the query and the passage, so that the pipeline's ``retrieval_weight`` prior
and its ``min_retrieval_score`` cut-off keep their meaning: the cosine of a passage that only BM25
found is computed by encoding that passage (a few per query). Hits are ordered by the fused rank
(``Hit.rank``), so their scores need not decrease.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from kgqa.errors import InputError
from kgqa.retrieval.bm25 import BM25Index
from kgqa.retrieval.encoder import Encoder
from kgqa.retrieval.index import DenseIndex, index_text
from kgqa.retrieval.store import check_search_args
from kgqa.types import Hit

logger = logging.getLogger(__name__)

#: the retrieval settings of :class:`~kgqa.config.PipelineConfig` (``retrieval``) and ``--retrieval``
RETRIEVALS = ("dense", "bm25", "hybrid")
#: passages each retriever contributes to the fusion (at least ``top_k``)
CANDIDATES = 50
DEFAULT_DENSE_WEIGHT = 0.5


def convex_fusion(rankings: Sequence[Sequence[tuple[str, float]]], weights: Sequence[float]) -> list[tuple[str, float]]:
    """Fuse scored rankings: ``sum(weight * min-max normalised score)``, best first (ties: first seen first).

    Each ranking's scores are scaled to [0, 1] over that ranking (its best 1, its last 0; all 1 when
    they are equal); an id missing from a ranking gets 0 there. A few lines, so no library is needed.

    Args:
        rankings: ``(id, score)`` lists, best first (e.g. the dense and the BM25 top 50).
        weights: one weight per ranking.

    Example:
        >>> fused = convex_fusion([[("a", 0.9), ("b", 0.8), ("c", 0.1)], [("c", 9.0), ("b", 8.0), ("x", 1.0)]], [0.5, 0.5])
        >>> [pid for pid, _ in fused]
        ['b', 'a', 'c', 'x']
    """
    if len(rankings) != len(weights):
        raise InputError(f"{len(rankings)} rankings but {len(weights)} weights")
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if not ranking:
            continue
        scores = [score for _, score in ranking]
        high, low = max(scores), min(scores)
        for pid, score in ranking:
            norm = (score - low) / (high - low) if high > low else 1.0
            fused[pid] = fused.get(pid, 0.0) + weight * norm
    order = {pid: i for i, pid in enumerate(fused)}
    return sorted(fused.items(), key=lambda item: (-item[1], order[item[0]]))


def check_dense_weight(dense_weight: object) -> float:
    """``dense_weight`` as a float, or :class:`InputError` unless it is a number in [0, 1]."""
    if isinstance(dense_weight, bool) or not isinstance(dense_weight, int | float) or not 0 <= dense_weight <= 1:
        raise InputError(f"the dense weight of hybrid retrieval must be a number in [0, 1], got {dense_weight!r}")
    return float(dense_weight)


class HybridIndex:
    """A dense index and a BM25 index over the same passages, searched as one :class:`~kgqa.protocols.Retriever`.

    Args:
        dense: the dense index (its encoder embeds the queries).
        bm25: the BM25 index; it must hold the same passages in the same order.
        mode: ``"hybrid"`` (both rankings fused) or ``"bm25"`` (the BM25 ranking alone); in both,
            ``Hit.score`` is the dense cosine.
        dense_weight: the weight of the dense scores in the fusion (BM25's is ``1 - dense_weight``).
        candidates: passages each retriever contributes to the fusion (at least ``top_k``).

    Raises:
        InputError: if the indexes hold different passages, or a setting is out of range.
    """

    def __init__(
        self,
        dense: DenseIndex,
        bm25: BM25Index,
        mode: str = "hybrid",
        dense_weight: float = DEFAULT_DENSE_WEIGHT,
        candidates: int = CANDIDATES,
    ) -> None:
        if mode not in ("hybrid", "bm25"):
            raise InputError(f"HybridIndex mode must be 'hybrid' or 'bm25', not {mode!r}")
        dense_weight = check_dense_weight(dense_weight)
        if isinstance(candidates, bool) or not isinstance(candidates, int) or candidates < 1:
            raise InputError(f"candidates must be a positive whole number, got {candidates!r}")
        if len(dense.store) != len(bm25.store) or dense.store.sha256() != bm25.store.sha256():
            raise InputError(
                f"the dense index ({len(dense.store)} passages) and the BM25 index ({len(bm25.store)}) hold "
                "different passages; build both from the same passages (kgqa index build --hybrid)"
            )
        if dense.encoder is None:
            dense.encoder = Encoder()  # what DenseIndex.search would use
        self.dense, self.bm25 = dense, bm25
        self.mode, self.dense_weight, self.candidates = mode, dense_weight, candidates
        self.store = dense.store

    def __len__(self) -> int:
        return len(self.store)

    def __repr__(self) -> str:
        return f"HybridIndex(mode={self.mode!r}, dense_weight={self.dense_weight}, count={len(self)})"

    def search(self, queries: Sequence[str], top_k: int = 5) -> list[list[Hit]]:
        """The ``top_k`` passages of each query by fused (or BM25) rank, with their dense cosines as scores.

        Raises:
            InputError: if ``queries`` is not a list of strings or ``top_k`` is not a positive integer.
        """
        queries, top_k = check_search_args(queries, top_k)
        if not queries:
            return []
        encoder = self.dense.encoder
        assert encoder is not None  # set in __init__
        n = max(int(top_k), self.candidates)
        qvecs = encoder.encode(queries)
        sparse = self.bm25.search(queries, n)
        dense = self.dense.search_vectors(qvecs, n) if self.mode == "hybrid" else [[] for _ in queries]
        chosen: list[list[str]] = []
        cosine: dict[tuple[int, str], float] = {}
        for qi, (d_hits, s_hits) in enumerate(zip(dense, sparse, strict=True)):
            cosine.update({(qi, h.passage.id): h.score for h in d_hits})
            if self.mode == "hybrid":
                fused = convex_fusion(
                    [[(h.passage.id, h.score) for h in d_hits], [(h.passage.id, h.score) for h in s_hits]],
                    [self.dense_weight, 1.0 - self.dense_weight],
                )
                chosen.append([pid for pid, _ in fused[:top_k]])
            else:
                chosen.append([h.passage.id for h in s_hits[:top_k]])
        self._fill_cosines(qvecs, chosen, cosine, encoder)
        store = self.store
        results = []
        for qi, pids in enumerate(chosen):
            hits = []
            for rank, pid in enumerate(pids, start=1):
                passage = store.get(pid)
                assert passage is not None  # both indexes hold the store's passages
                hits.append(Hit(passage, cosine[(qi, pid)], rank))
            results.append(hits)
        return results

    def _fill_cosines(
        self, qvecs: np.ndarray, chosen: list[list[str]], cosine: dict[tuple[int, str], float], encoder: Encoder
    ) -> None:
        """Add the dense cosine of each chosen passage the dense search did not return (encoded once each)."""
        missing = sorted({pid for qi, pids in enumerate(chosen) for pid in pids if (qi, pid) not in cosine})
        if not missing:
            return
        store = self.store
        vecs = encoder.encode([index_text(store.get(pid)) for pid in missing])  # type: ignore[arg-type]
        row = {pid: i for i, pid in enumerate(missing)}
        for qi, pids in enumerate(chosen):
            for pid in pids:
                if (qi, pid) not in cosine:
                    cosine[(qi, pid)] = float(np.dot(qvecs[qi], vecs[row[pid]]))


__all__ = ["CANDIDATES", "DEFAULT_DENSE_WEIGHT", "RETRIEVALS", "HybridIndex", "check_dense_weight", "convex_fusion"]
