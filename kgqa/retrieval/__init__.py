"""Retrieval: a sentence encoder, a passage store, a FAISS index saved as a checked folder, its builds, and BM25/hybrid.

Example:
    >>> from kgqa.retrieval import default_index
    >>> index = default_index()
    >>> hits = index.search(["Who wrote Hamlet?"], top_k=3)[0]
    >>> hits[0].passage.text, hits[0].score, hits[0].rank
"""

from __future__ import annotations

from kgqa.paths import cache_dir as cache_root
from kgqa.retrieval.bm25 import BM25Index
from kgqa.retrieval.build import (
    build_index,
    default_index,
    default_index_dir,
    default_passage_files,
    write_default_index,
)
from kgqa.retrieval.encoder import BASE_MODEL_NAME, Encoder
from kgqa.retrieval.hybrid import HybridIndex
from kgqa.retrieval.index import DenseIndex
from kgqa.retrieval.split import split_passage, split_passages
from kgqa.retrieval.store import PassageStore
from kgqa.types import Hit

__all__ = [
    "BASE_MODEL_NAME",
    "BM25Index",
    "DenseIndex",
    "Encoder",
    "Hit",
    "HybridIndex",
    "PassageStore",
    "build_index",
    "cache_root",
    "default_index",
    "default_index_dir",
    "default_passage_files",
    "split_passage",
    "split_passages",
    "write_default_index",
]
