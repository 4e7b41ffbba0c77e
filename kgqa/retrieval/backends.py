"""Vector backends: where a :class:`~kgqa.retrieval.index.DenseIndex` keeps its vectors and how it searches them.

A backend holds normalised float32 vectors under consecutive integer ids (``0, 1, ...``: the
position of the passage in the index's :class:`~kgqa.retrieval.store.PassageStore`) and answers
inner-product top-k queries with numpy arrays, FAISS style (scores and ids, ``-1`` padding).

- :class:`FaissBackend`: ``flat`` (exact), ``hnsw`` (graph), ``ivf`` (inverted lists of full vectors)
  and ``ivfpq`` (inverted lists of product-quantised codes, trained on a sample, saved as
  ``index.faiss`` and memory-mapped read-only on load, so the codes stay on disk and in the page cache).
  Flat, IVF and IVF-PQ indexes are built and searched on the first GPU when faiss-gpu sees one.
- :class:`kgqa.retrieval.milvus.MilvusBackend`: a Milvus collection, embedded (milvus-lite, a local
  ``.db`` file) or on a server (``http://host:19530``), through the same pymilvus client.

:func:`recall_at_k` and :func:`bytes_per_passage` measure a backend against exact search.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import faiss
import numpy as np

from kgqa.errors import InputError

logger = logging.getLogger(__name__)

#: the file a FAISS backend saves its vectors in, inside an index folder
INDEX_FILE = "index.faiss"
#: the FAISS kinds; "milvus" is the other backend
FAISS_KINDS = ("flat", "hnsw", "ivf", "ivfpq")
BACKENDS = (*FAISS_KINDS, "milvus")
#: below this many vectors an IVF index is not worth training and a flat index is built instead
IVF_MIN_VECTORS = 1000
#: an 8-bit product quantiser needs at least 256 training vectors; below, a flat index is built instead
IVFPQ_MIN_VECTORS = 256
#: vectors an IVF-PQ index is trained on by default (a seeded random sample of the corpus)
DEFAULT_TRAIN_SAMPLE = 100_000
# FAISS GPU search supports at most this many neighbours per query.
_GPU_MAX_K = 2048


@runtime_checkable
class VectorBackend(Protocol):
    """What :class:`~kgqa.retrieval.index.DenseIndex` needs from a vector store."""

    #: the backend's name, one of :data:`BACKENDS`
    kind: str
    #: vector dimension
    dim: int

    @property
    def on_gpu(self) -> bool:
        """Whether the vectors are searched on a GPU."""

    def __len__(self) -> int:
        """The number of vectors held."""

    def add(self, vectors: np.ndarray) -> None:
        """Append float32 ``[n, dim]`` vectors; they get the ids ``len(self) .. len(self) + n - 1``."""

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and ids ``[n, k']`` of the nearest vectors by inner product, best first; ids ``-1`` pad."""

    def params(self) -> dict[str, int]:
        """Tuning parameters recorded in ``meta.json`` (positive ints)."""

    def save(self, directory: Path) -> list[str]:
        """Write the backend's files into ``directory``; returns their names (checksummed in ``meta.json``)."""

    def describe(self, directory: Path) -> dict[str, Any]:
        """Where the vectors live, for ``meta.json`` (``{}`` when they live in the files saved in ``directory``)."""


def _num_gpus() -> int:
    get = getattr(faiss, "get_num_gpus", None)
    return int(get()) if get is not None else 0


def _choose_nlist(n: int) -> int:
    # ~4*sqrt(n) lists, but at least 39 training points per list as FAISS recommends.
    return max(1, min(int(4 * np.sqrt(n)), n // 39))


def default_pq_m(dim: int) -> int:
    """Bytes per IVF-PQ code: the largest divisor of ``dim`` not above ``dim / 4`` (384 -> 96, 32 -> 8)."""
    return max(m for m in range(1, max(1, dim // 4) + 1) if dim % m == 0)


class FaissBackend:
    """A FAISS inner-product index, on the CPU or the first GPU.

    Build one with :meth:`create` (trains IVF and IVF-PQ) or :meth:`load`; ``index`` is the
    underlying FAISS index (a GPU index when ``on_gpu``).
    """

    def __init__(self, index: Any, kind: str, use_gpu: bool | str = "auto", source: Path | None = None) -> None:
        self.kind = kind
        self.dim = int(index.d)
        self.use_gpu = use_gpu
        #: the file a memory-mapped (read-only) index was loaded from
        self.source = source
        self._gpu_resources: Any = None
        self._on_gpu = False
        self.index = self._to_device(index)

    # -- GPU ------------------------------------------------------------------------------------------

    @property
    def on_gpu(self) -> bool:
        return self._on_gpu

    def _want_gpu(self) -> bool:
        if self.use_gpu is False:
            return False
        if _num_gpus() == 0 or not hasattr(faiss, "index_cpu_to_gpu"):
            if self.use_gpu is True:
                logger.warning("use_gpu=True but FAISS sees no GPU (install faiss-gpu-cu12); searching on the CPU")
            return False
        if self.kind == "hnsw":
            logger.info("FAISS has no GPU HNSW; the hnsw index stays on the CPU")
            return False
        return True

    def _to_device(self, index: Any) -> Any:
        if not self._want_gpu():
            return index
        if self._gpu_resources is None:
            self._gpu_resources = faiss.StandardGpuResources()
        self._on_gpu = True
        if self.kind == "ivfpq":
            options = faiss.GpuClonerOptions()
            options.useFloat16 = True  # lookup tables of many sub-quantisers only fit GPU shared memory in fp16
            return faiss.index_cpu_to_gpu(self._gpu_resources, 0, index, options)
        return faiss.index_cpu_to_gpu(self._gpu_resources, 0, index)

    def cpu_index(self) -> Any:
        """The index on the CPU (a copy when it lives on a GPU)."""
        return faiss.index_gpu_to_cpu(self.index) if self._on_gpu else self.index

    # -- building -------------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        kind: str,
        vectors: np.ndarray,
        use_gpu: bool | str = "auto",
        *,
        hnsw_m: int = 32,
        ef_search: int = 128,
        nprobe: int | None = None,
        pq_m: int | None = None,
        train_sample: int = DEFAULT_TRAIN_SAMPLE,
        seed: int = 0,
    ) -> FaissBackend:
        """An empty index of ``kind`` for vectors like ``vectors``, trained on them for ``ivf`` and ``ivfpq``.

        ``ivf`` under :data:`IVF_MIN_VECTORS` and ``ivfpq`` under :data:`IVFPQ_MIN_VECTORS` vectors
        become ``flat`` (logged as a warning). IVF-PQ trains on a seeded random sample of at most
        ``train_sample`` vectors, with ``pq_m`` bytes per vector (default :func:`default_pq_m`).

        Raises:
            InputError: if ``pq_m`` does not divide the dimension or ``train_sample`` is below 1.
        """
        n, dim = vectors.shape
        least = {"ivf": IVF_MIN_VECTORS, "ivfpq": IVFPQ_MIN_VECTORS}.get(kind, 0)
        if n < least:
            logger.warning("only %d vectors (< %d): building a flat index instead of %s", n, least, kind)
            kind = "flat"
        if kind == "flat":
            return cls(faiss.IndexFlatIP(dim), kind, use_gpu)
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = max(40, 2 * hnsw_m)
            index.hnsw.efSearch = ef_search
            return cls(index, kind, use_gpu)
        if kind == "ivf":
            sample = vectors
            nlist = _choose_nlist(n)
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        elif kind == "ivfpq":
            if isinstance(train_sample, bool) or not isinstance(train_sample, int) or train_sample < 1:
                raise InputError(f"train_sample must be a positive integer, got {train_sample!r}")
            m = default_pq_m(dim) if pq_m is None else pq_m
            if isinstance(m, bool) or not isinstance(m, int) or m < 1 or dim % m:
                raise InputError(f"pq_m must divide the dimension {dim}, got {pq_m!r}; try {default_pq_m(dim)}")
            rows = np.random.default_rng(seed).choice(n, min(n, max(train_sample, IVFPQ_MIN_VECTORS)), replace=False)
            sample = vectors[np.sort(rows)]
            nlist = _choose_nlist(len(sample))
            index = faiss.IndexIVFPQ(faiss.IndexFlatIP(dim), dim, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
        else:
            raise InputError(f"unknown FAISS index kind {kind!r}; choose one of {', '.join(FAISS_KINDS)}")
        backend = cls(index, kind, use_gpu)  # trained where it will be searched: on the GPU when there is one
        backend.index.train(sample)
        probes = min(nlist, nprobe or max(8, nlist // 8))
        backend.set_nprobe(probes)
        logger.info("trained %s index on %d vectors: %d lists, nprobe %d", kind, len(sample), nlist, probes)
        return backend

    def set_nprobe(self, nprobe: int) -> None:
        """Inverted lists visited per query (IVF kinds)."""
        if self._on_gpu:
            self.index.nprobe = nprobe
        else:
            faiss.extract_index_ivf(self.index).nprobe = nprobe

    # -- the protocol ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @property
    def read_only(self) -> bool:
        """Whether the index is memory-mapped from its file and cannot take more vectors."""
        return self.source is not None and not self._on_gpu

    def add(self, vectors: np.ndarray) -> None:
        if self.read_only:
            # FAISS aborts the process when a read-only mapped index is written to: refuse first
            raise InputError(
                f"the {self.kind} index is memory-mapped read-only from {self.source}; rebuild it with all passages "
                "(`kgqa index build PASSAGES.jsonl --backend ivfpq --out DIR`)"
            )
        self.index.add(vectors)

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self), _GPU_MAX_K if self._on_gpu else k)
        return self.index.search(vectors, k)

    def params(self) -> dict[str, int]:
        cpu = self.index if not self._on_gpu else None
        if self.kind == "hnsw":
            hnsw = (cpu or self.cpu_index()).hnsw
            return {"hnsw_m": int(hnsw.nb_neighbors(1)), "ef_search": int(hnsw.efSearch)}
        if self.kind in ("ivf", "ivfpq"):
            ivf = faiss.extract_index_ivf(cpu or self.cpu_index())
            params = {"nlist": int(ivf.nlist), "nprobe": int(ivf.nprobe)}
            if self.kind == "ivfpq":
                params["pq_m"] = int(faiss.downcast_index(ivf).pq.M)
            return params
        return {}

    def save(self, directory: Path) -> list[str]:
        target = directory / INDEX_FILE
        tmp = directory / f".{INDEX_FILE}.tmp-{os.getpid()}"
        if self.read_only:
            # the mapped lists are not serialisable in place: the file they map is the saved index
            if self.source is not None and self.source.resolve() == target.resolve():
                return [INDEX_FILE]
            shutil.copyfile(self.source, tmp)  # type: ignore[arg-type]
        else:
            faiss.write_index(self.cpu_index(), str(tmp))
        os.replace(tmp, target)
        return [INDEX_FILE]

    def describe(self, directory: Path) -> dict[str, Any]:
        return {}

    @classmethod
    def load(cls, path: Path, kind: str, params: dict[str, Any], use_gpu: bool | str = "auto") -> FaissBackend:
        """Read ``path`` (an ``index.faiss``); ``ivfpq`` is memory-mapped read-only (``faiss.IO_FLAG_MMAP``).

        Raises:
            RuntimeError: if FAISS cannot read the file (the caller names the fix).
        """
        mapped = kind == "ivfpq"
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP if mapped else 0)
        if kind == "hnsw" and "ef_search" in params:
            index.hnsw.efSearch = int(params["ef_search"])
        backend = cls(index, kind, use_gpu, source=path if mapped else None)
        if kind in ("ivf", "ivfpq") and "nprobe" in params:
            backend.set_nprobe(int(params["nprobe"]))
        return backend


def is_memory_mapped(backend: Any) -> bool:
    """Whether ``backend`` is a FAISS IVF index whose inverted lists are memory-mapped from disk."""
    if not isinstance(backend, FaissBackend) or backend.on_gpu or backend.kind not in ("ivf", "ivfpq"):
        return False
    lists = faiss.downcast_InvertedLists(faiss.extract_index_ivf(backend.index).invlists)
    return isinstance(lists, faiss.OnDiskInvertedLists)


# -- measuring ----------------------------------------------------------------------------------------


def recall_at_k(
    exact_ids: np.ndarray | Sequence[Sequence[Any]], approx_ids: np.ndarray | Sequence[Sequence[Any]]
) -> float:
    """Mean share of each query's exact top-k ids that the approximate top-k also returned.

    Both are ``[n_queries, k]`` (ids of -1 padding are ignored); ``k`` is the exact rows' length.

    Raises:
        InputError: if the two hold different numbers of queries or none.

    Example:
        >>> recall_at_k([[1, 2], [3, 4]], [[2, 1], [3, 9]])
        0.75
    """
    exact, approx = list(exact_ids), list(approx_ids)
    if len(exact) != len(approx) or not exact:
        raise InputError(f"recall needs the same non-zero number of queries, got {len(exact)} and {len(approx)}")
    shares = []
    for truth, found in zip(exact, approx, strict=True):
        truth_set = {i for i in np.asarray(truth).tolist() if i != -1}
        found_set = {i for i in np.asarray(found).tolist() if i != -1}
        shares.append(len(truth_set & found_set) / max(1, len(truth_set)))
    return float(np.mean(shares))


def bytes_per_passage(directory: Path | str, count: int, names: Sequence[str] | None = None) -> float:
    """Bytes on disk per passage of an index folder's vector files (default: every file but passages and meta).

    Raises:
        InputError: if ``count`` is not positive.
    """
    if count < 1:
        raise InputError(f"count must be positive, got {count}")
    folder = Path(directory)
    skip = {"passages.jsonl", "meta.json"}
    files = [folder / n for n in names] if names is not None else [p for p in folder.rglob("*") if p.name not in skip]
    return sum(p.stat().st_size for p in files if p.is_file()) / count


__all__ = [
    "BACKENDS",
    "DEFAULT_TRAIN_SAMPLE",
    "FAISS_KINDS",
    "IVFPQ_MIN_VECTORS",
    "IVF_MIN_VECTORS",
    "FaissBackend",
    "VectorBackend",
    "bytes_per_passage",
    "default_pq_m",
    "is_memory_mapped",
    "recall_at_k",
]
