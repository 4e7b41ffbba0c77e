"""Dense passage index: inner-product search over normalised embeddings, saved as a checked folder.

The vectors live in a backend (:mod:`kgqa.retrieval.backends`): FAISS ``flat``, ``hnsw``, ``ivf`` or
``ivfpq`` (memory-mapped from disk), or a Milvus collection (:mod:`kgqa.retrieval.milvus`).
An index folder holds ``passages.jsonl`` (position ``i`` is vector id ``i``), ``meta.json``
(format version, encoder name, dimension, count, kind, where a Milvus collection lives and the
SHA-256 of the files) and, for FAISS, ``index.faiss``, so that a stale, edited or mismatched
index is refused on load.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from tqdm.auto import tqdm

from kgqa.errors import IndexLoadError, InputError
from kgqa.retrieval.backends import (
    BACKENDS,
    DEFAULT_TRAIN_SAMPLE,
    INDEX_FILE,
    FaissBackend,
    VectorBackend,
)
from kgqa.retrieval.backends import (
    IVF_MIN_VECTORS as IVF_MIN_VECTORS,
)
from kgqa.retrieval.encoder import BASE_MODEL_NAME, Encoder
from kgqa.retrieval.store import PASSAGES_FILE, PassageStore, PathLike, check_search_args, sha256_file
from kgqa.types import Hit, Passage

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
META_FILE = "meta.json"
KINDS = BACKENDS
_REBUILD = "rebuild with `kgqa index build PASSAGES.jsonl --out {path}`"


def _as_matrix(vectors: Any) -> np.ndarray:
    arr = np.asarray(vectors)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.floating):
        raise InputError(f"expected a float array of shape [n, dim], got {arr.dtype} with shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float32)


def index_text(p: Passage) -> str:
    """The text a passage is embedded as: ``"title: text"``, or the text when it has no title."""
    # The title often carries the entity that the text only refers to ("It was founded ...").
    return f"{p.title}: {p.text}" if p.title else p.text


class DenseIndex:
    """Passages and their embeddings in an inner-product vector backend (FAISS or Milvus).

    Args:
        encoder: embeds queries and passages; ``None`` uses the base :class:`Encoder` when text is first encoded.
        kind: ``"flat"`` (exact), ``"hnsw"`` (graph, approximate), ``"ivf"`` (inverted lists, trained on
            the first vectors; a flat index is built instead under ``IVF_MIN_VECTORS`` vectors),
            ``"ivfpq"`` (inverted lists of product-quantised codes trained on ``train_sample`` vectors,
            memory-mapped from ``index.faiss`` when loaded; flat under 256 vectors) or ``"milvus"``
            (a Milvus collection at ``milvus_uri``).
        use_gpu: ``"auto"`` or ``True`` puts flat and IVF indexes on the first GPU when FAISS sees one;
            ``False`` keeps them on the CPU. HNSW and Milvus always run where they are.
        hnsw_m: HNSW graph degree.
        ef_search: HNSW search breadth (higher: better recall, slower).
        nprobe: IVF lists visited per query (default: an eighth of the lists, at least 8).
        pq_m: IVF-PQ bytes per vector (default: a quarter of the dimension, rounded down to a divisor).
        train_sample: most vectors IVF-PQ is trained on (a seeded random sample).
        milvus_uri: for ``"milvus"``: a milvus-lite file (``./milvus.db``) or a server (``http://host:19530``).
        milvus_collection: for ``"milvus"``: the collection, replaced when the index is built.

    Search may be called from several threads at once.

    Example:
        >>> corpus = [Passage("p1", "Paris is the capital of France."), Passage("p2", "Rome is in Italy.")]
        >>> index = DenseIndex(Encoder()).build(corpus, show_progress=False)
        >>> index.search(["What is the capital of France?"], top_k=1)[0][0].passage.id
        'p1'
    """

    def __init__(
        self,
        encoder: Encoder | None = None,
        kind: str = "flat",
        use_gpu: bool | str = "auto",
        *,
        hnsw_m: int = 32,
        ef_search: int = 128,
        nprobe: int | None = None,
        pq_m: int | None = None,
        train_sample: int = DEFAULT_TRAIN_SAMPLE,
        milvus_uri: str | None = None,
        milvus_collection: str | None = None,
    ) -> None:
        if kind not in KINDS:
            raise InputError(f"unknown index kind {kind!r}; choose one of {', '.join(KINDS)}")
        if use_gpu not in ("auto", True, False):
            raise InputError(f"use_gpu must be 'auto', True or False, got {use_gpu!r}")
        if isinstance(train_sample, bool) or not isinstance(train_sample, int) or train_sample < 1:
            raise InputError(f"train_sample must be a positive integer, got {train_sample!r}")
        if kind == "milvus":
            from kgqa.retrieval.milvus import DEFAULT_COLLECTION, check_milvus_args

            milvus_collection = milvus_collection or DEFAULT_COLLECTION
            if milvus_uri is None:
                raise InputError(
                    "the milvus backend needs milvus_uri: a milvus-lite file (./milvus.db) or http://host:19530"
                )
            check_milvus_args(milvus_uri, milvus_collection)
        self.encoder = encoder
        self.kind = kind
        self.use_gpu = use_gpu
        self.hnsw_m = hnsw_m
        self.ef_search = ef_search
        self.nprobe = nprobe
        self.pq_m = pq_m
        self.train_sample = train_sample
        self.milvus_uri = milvus_uri
        self.milvus_collection = milvus_collection
        self.store = PassageStore()
        self._requested_kind = kind
        self._backend: VectorBackend | None = None
        self._dim: int | None = None
        self._lock = threading.RLock()

    # -- properties -----------------------------------------------------------------------------------

    @property
    def dim(self) -> int | None:
        """Vector dimension, known once vectors were added."""
        return self._dim

    @property
    def on_gpu(self) -> bool:
        """Whether the vectors are searched on a GPU."""
        return self._backend is not None and self._backend.on_gpu

    @property
    def backend(self) -> VectorBackend | None:
        """Where the vectors live; ``None`` until vectors were added."""
        return self._backend

    @property
    def _index(self) -> Any:
        # the FAISS index of a FAISS backend (tests and debugging)
        return getattr(self._backend, "index", None)

    def __len__(self) -> int:
        return len(self.store)

    def __repr__(self) -> str:
        model = self.encoder.name if self.encoder is not None else None
        return f"DenseIndex(kind={self.kind!r}, count={len(self)}, dim={self._dim}, model={model!r})"

    # -- building -------------------------------------------------------------------------------------

    def _get_encoder(self) -> Encoder:
        with self._lock:
            if self.encoder is None:
                self.encoder = Encoder()
            return self.encoder

    def _new_backend(self, vectors: np.ndarray) -> VectorBackend:
        if self._requested_kind == "milvus":
            from kgqa.retrieval.milvus import MilvusBackend

            backend: VectorBackend = MilvusBackend.create(
                self.milvus_uri or "", vectors.shape[1], self.milvus_collection or ""
            )
        else:
            backend = FaissBackend.create(
                self._requested_kind,
                vectors,
                self.use_gpu,
                hnsw_m=self.hnsw_m,
                ef_search=self.ef_search,
                nprobe=self.nprobe,
                pq_m=self.pq_m,
                train_sample=self.train_sample,
            )
        self.kind = backend.kind
        self._dim = backend.dim
        return backend

    def add_vectors(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        """Add passages with precomputed (normalised) vectors; row ``i`` belongs to ``passages[i]``.

        Raises:
            InputError: on a duplicate id, a count mismatch or vectors of the wrong dimension.
        """
        passages = list(passages)
        vectors = _as_matrix(vectors) if len(passages) else np.zeros((0, self._dim or 0), np.float32)
        if vectors.shape[0] != len(passages):
            raise InputError(f"{len(passages)} passages but {vectors.shape[0]} vectors")
        if not passages:
            return
        with self._lock:
            self.store.check_new(passages)
            if self._backend is None:
                self._backend = self._new_backend(vectors)
            elif vectors.shape[1] != self._dim:
                raise InputError(f"vectors have dimension {vectors.shape[1]}, the index {self._dim}")
            self._backend.add(vectors)
            self.store.add(passages)

    def _encode_passages(self, passages: Sequence[Passage], show_progress: bool, batch_size: int | None) -> np.ndarray:
        encoder = self._get_encoder()
        chunk = (batch_size or encoder.batch_size) * 8
        parts = []
        with tqdm(total=len(passages), unit="passage", desc="encoding", disable=not show_progress) as bar:
            for start in range(0, len(passages), chunk):
                batch = passages[start : start + chunk]
                parts.append(encoder.encode([index_text(p) for p in batch], batch_size=batch_size))
                bar.update(len(batch))
        return np.concatenate(parts) if parts else np.zeros((0, encoder.dim), np.float32)

    def build(
        self, passages: Iterable[Passage], show_progress: bool = True, batch_size: int | None = None
    ) -> DenseIndex:
        """Encode ``passages`` and replace the index's content with them.

        Args:
            passages: the corpus (a list or a :class:`PassageStore`); ids must be unique.
            show_progress: show a tqdm progress bar while encoding.
            batch_size: texts per forward pass (default: the encoder's).

        Returns:
            ``self``.

        Raises:
            InputError: if there are no passages or two share an id.
        """
        passages = list(passages)
        if not passages:
            raise InputError("no passages to index")
        PassageStore().check_new(passages)
        start = time.perf_counter()
        vectors = self._encode_passages(passages, show_progress, batch_size)
        with self._lock:
            self._backend, self._dim = None, None
            self.store = PassageStore()
            self.add_vectors(passages, vectors)
        seconds = time.perf_counter() - start
        rate = len(passages) / max(seconds, 1e-9)
        logger.info(
            "indexed %d passages (%s, dim %d) in %.1fs: %.1f passages/s",
            len(passages),
            self.kind,
            self._dim,
            seconds,
            rate,
        )
        return self

    def add(self, passages: Iterable[Passage], show_progress: bool = False) -> None:
        """Encode and append ``passages`` (the first call on an empty index creates it).

        Raises:
            InputError: if an id is already in the index.
        """
        passages = list(passages)
        self.store.check_new(passages)
        self.add_vectors(passages, self._encode_passages(passages, show_progress, None))

    # -- searching ------------------------------------------------------------------------------------

    def search(self, queries: Sequence[str], top_k: int = 5) -> list[list[Hit]]:
        """The ``top_k`` passages nearest to each query, best first.

        Args:
            queries: the query texts (a list; use ``search([q])[0]`` for one).
            top_k: hits per query; fewer when the index holds fewer passages.

        Raises:
            InputError: if ``queries`` is not a list of strings or ``top_k`` is not positive.
        """
        queries, top_k = check_search_args(queries, top_k)
        if not queries:
            return []
        return self.search_vectors(self._get_encoder().encode(queries), top_k)

    def search_vectors(self, vectors: np.ndarray, top_k: int = 5) -> list[list[Hit]]:
        """Like :meth:`search` for query vectors ``[n, dim]`` (or one ``[dim]``), normalised by the caller."""
        _, top_k = check_search_args([], top_k)
        vectors = _as_matrix(vectors)
        with self._lock:
            if self._backend is None or len(self._backend) == 0:
                return [[] for _ in range(vectors.shape[0])]
            if vectors.shape[1] != self._dim:
                raise InputError(f"query vectors have dimension {vectors.shape[1]}, the index {self._dim}")
            scores, ids = self._backend.search(vectors, top_k)
            store = self.store
        results = []
        for row_scores, row_ids in zip(scores, ids, strict=True):
            hits: list[Hit] = []
            for score, idx in zip(row_scores, row_ids, strict=True):
                if idx < 0:  # backends pad with -1 when they find fewer than k
                    continue
                hits.append(Hit(store[int(idx)], float(score), len(hits) + 1))
            results.append(hits)
        return results

    # -- persistence ----------------------------------------------------------------------------------

    def save(self, directory: PathLike) -> Path:
        """Write ``index.faiss`` (FAISS backends), ``passages.jsonl`` and ``meta.json`` into ``directory`` (created).

        A Milvus backend's vectors stay in Milvus (flushed); ``meta.json`` records its URI and collection.

        Raises:
            InputError: if the index is empty.
        """
        out = Path(directory)
        with self._lock:
            if self._backend is None or len(self.store) == 0:
                raise InputError("nothing to save: build() the index first")
            out.mkdir(parents=True, exist_ok=True)
            files = self._backend.save(out)
            self.store.save(out)
            sums = {name: sha256_file(out / name) for name in files}
            meta = {
                "format_version": FORMAT_VERSION,
                "model": self.encoder.name if self.encoder is not None else None,
                "dim": self._dim,
                "count": len(self.store),
                "kind": self.kind,
                "metric": "inner_product",
                "params": self._backend.params(),
                "sha256": {**sums, PASSAGES_FILE: self.store.sha256()},
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "faiss_version": getattr(faiss, "__version__", "unknown"),
            }
            location = self._backend.describe(out)
            if location:
                meta["backend"] = location
        # meta.json last: a folder whose writing was interrupted fails verification.
        tmp_meta = out / f".{META_FILE}.tmp-{os.getpid()}"
        tmp_meta.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp_meta, out / META_FILE)
        logger.info("saved %d passages to %s", meta["count"], out)
        return out

    @classmethod
    def load(
        cls,
        directory: PathLike,
        encoder: Encoder | None = None,
        use_gpu: bool | str = "auto",
        milvus_uri: str | None = None,
    ) -> DenseIndex:
        """Read an index folder written by :meth:`save`, verifying it first.

        Args:
            directory: the index folder.
            encoder: the encoder the index was built with; ``None`` uses the base encoder when the
                index was built with it.
            use_gpu: as in the constructor.
            milvus_uri: for a Milvus index, connect here instead of the URI recorded in ``meta.json``
                (e.g. the same collection served from another host).

        Raises:
            IndexLoadError: if the folder or a file is missing, a file is corrupt or was edited, the
                counts disagree, the encoder's model or dimension differs from the index's, or a
                Milvus collection is unreachable, missing or holds other vectors.
        """
        path = Path(directory)
        fix = _REBUILD.format(path=path)
        if not path.is_dir():
            raise IndexLoadError(f"no index folder at {path}; {fix}")
        missing = [name for name in (PASSAGES_FILE, META_FILE) if not (path / name).is_file()]
        if not missing:
            meta = _read_meta(path)
            files = [] if meta["kind"] == "milvus" else [INDEX_FILE]
            missing = [name for name in files if not (path / name).is_file()]
        if missing:
            raise IndexLoadError(f"index folder {path} lacks {', '.join(missing)}; {fix}")
        for name in (*files, PASSAGES_FILE):
            expected, actual = meta["sha256"].get(name), sha256_file(path / name)
            if actual != expected:
                raise IndexLoadError(
                    f"{path / name} is corrupt or was edited (its sha256 {actual[:12]} differs from "
                    f"{str(expected)[:12]} in meta.json); {fix}"
                )
        try:
            store = PassageStore.load(path)
        except InputError as exc:
            raise IndexLoadError(f"{exc}; {fix}") from exc
        if not len(store) == meta["count"]:
            raise IndexLoadError(
                f"count mismatch in {path}: {len(store)} passages, meta.json says {meta['count']}; {fix}"
            )
        encoder = _check_encoder(path, meta, encoder, fix)
        params = meta.get("params") or {}
        kind = meta["kind"]
        location = meta.get("backend") or {}
        options = {k: params[k] for k in ("hnsw_m", "ef_search", "nprobe", "pq_m") if k in params}
        if kind == "milvus":
            from kgqa.retrieval.milvus import MilvusBackend, resolve_uri

            uri = resolve_uri(location["uri"], path, milvus_uri)
            try:
                obj = cls(encoder, kind, use_gpu, milvus_uri=uri, milvus_collection=location["collection"])
                obj._backend = MilvusBackend.open(uri, meta["dim"], meta["count"], location["collection"], fix)
            except InputError as exc:
                raise IndexLoadError(f"{exc}; or pass another milvus_uri (--milvus-uri)") from exc
        else:
            obj = cls(encoder, kind=kind, use_gpu=use_gpu, **options)
            obj._backend = _load_faiss(path, meta, params, use_gpu, fix)
        obj.store, obj._dim = store, int(meta["dim"])
        logger.info("loaded %s index of %d passages from %s", obj.kind, len(store), path)
        return obj


def _load_faiss(path: Path, meta: dict[str, Any], params: dict[str, Any], use_gpu: bool | str, fix: str) -> Any:
    try:
        backend = FaissBackend.load(path / INDEX_FILE, meta["kind"], params, use_gpu)
    except RuntimeError as exc:
        raise IndexLoadError(f"FAISS cannot read {path / INDEX_FILE} ({exc}); {fix}") from exc
    if backend.dim != meta["dim"]:
        raise IndexLoadError(f"{path / INDEX_FILE} has dimension {backend.dim}, meta.json says {meta['dim']}; {fix}")
    if len(backend) != meta["count"]:
        raise IndexLoadError(
            f"count mismatch in {path}: {len(backend)} vectors, meta.json says {meta['count']} passages; {fix}"
        )
    return backend


def _read_meta(path: Path) -> dict[str, Any]:
    fix = _REBUILD.format(path=path)
    try:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise IndexLoadError(f"{path / META_FILE} is unreadable ({type(exc).__name__}: {exc}); {fix}") from exc
    if not isinstance(meta, dict):
        raise IndexLoadError(f"{path / META_FILE} is not a JSON object; {fix}")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexLoadError(
            f"{path} has index format version {version!r}; this kgqa reads version {FORMAT_VERSION}; {fix}"
        )
    required = ("dim", "count", "kind", "sha256")
    absent = [key for key in required if key not in meta]
    if absent or not isinstance(meta["sha256"], dict) or not isinstance(meta["kind"], str) or meta["kind"] not in KINDS:
        raise IndexLoadError(f"{path / META_FILE} is incomplete or invalid (missing {absent or 'nothing'}); {fix}")
    params = meta.get("params") or {}
    wrong = [
        key
        for key, ok in (
            ("dim", _whole(meta["dim"], 1)),
            ("count", _whole(meta["count"], 0)),
            ("model", meta.get("model") is None or isinstance(meta.get("model"), str)),
            ("params", isinstance(params, dict) and all(_whole(v, 1) for v in params.values())),
        )
        if not ok
    ]
    location = meta.get("backend")
    if meta["kind"] == "milvus" and not (
        isinstance(location, dict) and all(isinstance(location.get(k), str) for k in ("uri", "collection"))
    ):
        wrong.append("backend (a Milvus index records its uri and collection)")
    if wrong:
        raise IndexLoadError(f"{path / META_FILE} has invalid {', '.join(wrong)}; {fix}")
    return meta


def _whole(value: Any, least: int) -> bool:
    """Whether ``value`` is an int (not a bool) of at least ``least``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _check_encoder(path: Path, meta: dict[str, Any], encoder: Encoder | None, fix: str) -> Encoder | None:
    model = meta.get("model")
    if encoder is None:
        if model == BASE_MODEL_NAME:
            return Encoder()  # same model, hence same dimension; loaded on first search
        if model:
            raise IndexLoadError(
                f"{path} was built with the encoder {model!r}: pass it as DenseIndex.load(..., encoder=Encoder(DIR)) "
                f"or {fix}"
            )
        return None
    if model and encoder.name != model:
        raise IndexLoadError(f"{path} was built with the encoder {model!r}, not {encoder.name!r}; {fix}")
    if encoder.dim != meta["dim"]:
        raise IndexLoadError(
            f"{path} holds {meta['dim']}-dimensional vectors but the encoder {encoder.name!r} gives "
            f"{encoder.dim}; {fix}"
        )
    return encoder
