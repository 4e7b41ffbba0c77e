"""Sparse BM25 retrieval over a :class:`PassageStore` with `bm25s` (scipy-style sparse matrices), saved as a checked folder.

The scoring is the maintained ``bm25s`` library's (Lucene's BM25 variant, ``k1=1.5``, ``b=0.75``);
kgqa only tokenises (lower-cased word tokens, English stop words dropped, the same for passages
and queries) and keeps the files honest. ``bm25s`` is an optional dependency
(``pip install "kgqa[hybrid]"``), imported when a BM25 index is first built or loaded.

A BM25 index is saved inside a dense index folder as the sub-folder ``bm25/`` (bm25s's own
files) and ``bm25.json`` (format version, passage count, the SHA-256 of ``passages.jsonl`` it
was built over and of each file in ``bm25/``), so that a BM25 part that is missing, edited or
built over other passages is refused on load.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from kgqa.errors import IndexLoadError, InputError
from kgqa.extras import require
from kgqa.retrieval.store import PASSAGES_FILE, PassageStore, PathLike, check_search_args, sha256_file
from kgqa.types import Hit, Passage

logger = logging.getLogger(__name__)

BM25_FORMAT_VERSION = 1
BM25_DIR = "bm25"
BM25_META_FILE = "bm25.json"
_TOKEN = re.compile(r"\w+")
_REBUILD = "rebuild with `kgqa index build PASSAGES.jsonl --out {path} --hybrid`"


def _bm25s() -> ModuleType:
    module = require("bm25s", "hybrid", "BM25 retrieval (--retrieval bm25/hybrid, kgqa index build --hybrid)")
    # bm25s sets its logger to DEBUG on import, so its debug lines would pass any handler left at NOTSET
    bm25s_logger = logging.getLogger("bm25s")
    if bm25s_logger.level == logging.DEBUG and not logging.getLogger().isEnabledFor(logging.DEBUG):
        bm25s_logger.setLevel(logging.WARNING)
    return module


def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def bm25_text(p: Passage) -> str:
    """The text a passage is indexed as: ``"title: text"`` (as the dense index embeds it), or the text."""
    return f"{p.title}: {p.text}" if p.title else p.text


def tokenize(text: str, stopwords: frozenset[str] = frozenset()) -> list[str]:
    """Lower-cased word tokens (``\\w+``, so any script) of ``text`` without ``stopwords``.

    Example:
        >>> tokenize("Who wrote Hamlet?", frozenset({"who"}))
        ['wrote', 'hamlet']
    """
    return [t for t in _TOKEN.findall(text.lower()) if t not in stopwords]


class BM25Index:
    """BM25 over the passages of a :class:`PassageStore`, with the :meth:`search` contract of the dense index.

    ``Hit.score`` is the raw BM25 score (unbounded, not a cosine); passages that share no word
    with the query are not returned. :class:`~kgqa.retrieval.hybrid.HybridIndex` fuses this
    ranking with the dense one and reports the dense cosine.

    Raises:
        MissingDependencyError: when ``bm25s`` is not installed (``pip install "kgqa[hybrid]"``).

    Example:
        >>> index = BM25Index().build([Passage("p1", "Paris is in France."), Passage("p2", "Rome is in Italy.")])
        >>> index.search(["Where is Rome?"], top_k=1)[0][0].passage.id
        'p2'
    """

    def __init__(self) -> None:
        self._bm25s = _bm25s()
        self._stopwords = _stopwords()
        self.store = PassageStore()
        self._model: Any = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.store)

    def __repr__(self) -> str:
        return f"BM25Index(count={len(self)})"

    def build(self, passages: Iterable[Passage]) -> BM25Index:
        """Index ``passages`` (a list or a :class:`PassageStore`), replacing the content; returns ``self``.

        Raises:
            InputError: if there are no passages or two share an id.
        """
        store = passages if isinstance(passages, PassageStore) else PassageStore(passages)
        if len(store) == 0:
            raise InputError("no passages to index")
        model = self._bm25s.BM25()
        model.index([tokenize(bm25_text(p), self._stopwords) for p in store], show_progress=False)
        with self._lock:
            self.store, self._model = store, model
        logger.info("built a BM25 index of %d passages (%d terms)", len(store), len(model.vocab_dict))
        return self

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every passage (in store order) for ``query``."""
        with self._lock:
            model, n = self._model, len(self.store)
        if model is None:
            return np.zeros(n, np.float32)
        vocab = model.vocab_dict
        ids = [vocab[t] for t in tokenize(query, self._stopwords) if t in vocab]
        if not ids:
            return np.zeros(n, np.float32)
        return np.asarray(model.get_scores_from_ids(ids), dtype=np.float32)

    def search(self, queries: Sequence[str], top_k: int = 5) -> list[list[Hit]]:
        """The ``top_k`` passages with the highest BM25 score for each query, best first.

        Raises:
            InputError: if ``queries`` is not a list of strings or ``top_k`` is not a positive integer.
        """
        queries, top_k = check_search_args(queries, top_k)
        results = []
        for query in queries:
            if not isinstance(query, str):
                raise InputError(f"a query is a string, not {type(query).__name__}")
            scores = self.scores(query)
            k = min(int(top_k), int(np.count_nonzero(scores > 0)))
            if k == 0:
                results.append([])
                continue
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.lexsort((top, -scores[top]))]  # by score, ties by position
            results.append([Hit(self.store[int(i)], float(scores[i]), r) for r, i in enumerate(top, start=1)])
        return results

    # -- persistence ----------------------------------------------------------------------------------

    def save(self, directory: PathLike) -> Path:
        """Write ``bm25/`` and ``bm25.json`` into ``directory`` (an index folder; ``passages.jsonl`` is written too).

        Raises:
            InputError: if the index is empty.
        """
        out = Path(directory)
        with self._lock:
            if self._model is None:
                raise InputError("nothing to save: build() the BM25 index first")
            model, store = self._model, self.store
        out.mkdir(parents=True, exist_ok=True)
        if not (out / PASSAGES_FILE).is_file() or sha256_file(out / PASSAGES_FILE) != store.sha256():
            store.save(out)
        tmp = out / f".{BM25_DIR}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        model.save(str(tmp), show_progress=False)
        target = out / BM25_DIR
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
        files = sorted(p.name for p in target.iterdir() if p.is_file())
        meta = {
            "format_version": BM25_FORMAT_VERSION,
            "count": len(store),
            "tokenizer": "lowercase \\w+ tokens, bm25s English stop words removed",
            "sha256": {PASSAGES_FILE: store.sha256(), **{f"{BM25_DIR}/{n}": sha256_file(target / n) for n in files}},
            "bm25s_version": getattr(self._bm25s, "__version__", "unknown"),
        }
        tmp_meta = out / f".{BM25_META_FILE}.tmp-{os.getpid()}"
        tmp_meta.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp_meta, out / BM25_META_FILE)
        logger.info("saved the BM25 index of %d passages to %s", len(store), out)
        return out

    @staticmethod
    def exists(directory: PathLike) -> bool:
        """Whether ``directory`` has a BM25 part (``bm25.json``); :meth:`load` verifies it."""
        return (Path(directory) / BM25_META_FILE).is_file()

    @classmethod
    def load(cls, directory: PathLike) -> BM25Index:
        """Read the BM25 part of an index folder written by :meth:`save`, verifying it first.

        Raises:
            IndexLoadError: if the folder, ``bm25.json`` or a file is missing, a file was edited, the
                BM25 part was built over other passages, or the counts disagree.
            MissingDependencyError: if ``bm25s`` is not installed.
        """
        path = Path(directory)
        fix = _REBUILD.format(path=path)
        obj = cls()
        if not (path / BM25_META_FILE).is_file():
            raise IndexLoadError(f"index folder {path} has no BM25 part ({BM25_META_FILE}); {fix}")
        try:
            meta = json.loads((path / BM25_META_FILE).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise IndexLoadError(f"{path / BM25_META_FILE} is unreadable ({type(exc).__name__}); {fix}") from exc
        if not isinstance(meta, dict) or meta.get("format_version") != BM25_FORMAT_VERSION:
            raise IndexLoadError(
                f"{path / BM25_META_FILE} is not a BM25 index description of format {BM25_FORMAT_VERSION}; {fix}"
            )
        sums, count = meta.get("sha256"), meta.get("count")
        if not isinstance(sums, dict) or PASSAGES_FILE not in sums or not isinstance(count, int):
            raise IndexLoadError(f"{path / BM25_META_FILE} is incomplete (sha256, count); {fix}")
        for name, expected in sums.items():
            file = path / name
            if not file.is_file():
                raise IndexLoadError(f"index folder {path} lacks {name}; {fix}")
            if sha256_file(file) != expected:
                raise IndexLoadError(f"{file} is corrupt, was edited or belongs to other passages; {fix}")
        try:
            store = PassageStore.load(path)
            model = obj._bm25s.BM25.load(str(path / BM25_DIR), show_progress=False)
        except InputError as exc:
            raise IndexLoadError(f"{exc}; {fix}") from exc
        except (OSError, ValueError, KeyError) as exc:
            raise IndexLoadError(f"bm25s cannot read {path / BM25_DIR} ({type(exc).__name__}: {exc}); {fix}") from exc
        n_docs = int(model.scores.get("num_docs", -1)) if isinstance(getattr(model, "scores", None), dict) else -1
        if not len(store) == count == n_docs:
            raise IndexLoadError(
                f"count mismatch in {path}: {len(store)} passages, BM25 holds {n_docs}, {BM25_META_FILE} says {count}; "
                f"{fix}"
            )
        obj.store, obj._model = store, model
        logger.info("loaded the BM25 index of %d passages from %s", count, path)
        return obj


__all__ = ["BM25Index", "bm25_text", "tokenize"]
