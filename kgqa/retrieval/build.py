"""Index folders built from passage files: any corpus (``kgqa index build``) and the default world's.

The default world's index is the shipped one (``data/index``) when it matches the shipped
passages and the encoder; otherwise it is built once and cached in :func:`kgqa.paths.cache_dir`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kgqa.errors import DataNotFoundError, IndexLoadError
from kgqa.paths import assets_root, cache_dir, passages_dir
from kgqa.retrieval.backends import DEFAULT_TRAIN_SAMPLE
from kgqa.retrieval.encoder import BASE_MODEL_NAME, Encoder
from kgqa.retrieval.index import META_FILE, DenseIndex
from kgqa.retrieval.milvus import LITE_FILE
from kgqa.retrieval.split import check_split_args, split_passages
from kgqa.retrieval.store import PASSAGES_FILE, PassageStore, PathLike

logger = logging.getLogger(__name__)


def build_index(
    passage_files: PathLike | Iterable[PathLike],
    out_dir: PathLike,
    kind: str = "flat",
    encoder: Encoder | None = None,
    batch_size: int = 32,
    show_progress: bool = True,
    max_passage_words: int | None = None,
    passage_overlap_words: int = 0,
    *,
    milvus_uri: str | None = None,
    milvus_collection: str | None = None,
    train_sample: int = DEFAULT_TRAIN_SAMPLE,
) -> DenseIndex:
    """Build an index from JSON-lines passage files and save it (``kgqa index build PASSAGES.jsonl --out DIR``).

    Args:
        passage_files: a file, a folder of ``*.jsonl`` or a list of them, read in order.
        out_dir: the index folder to write.
        kind: the backend: ``"flat"``, ``"hnsw"``, ``"ivf"``, ``"ivfpq"`` or ``"milvus"``.
        encoder: default: the base encoder.
        batch_size: texts per forward pass.
        show_progress: show a progress bar.
        max_passage_words: split passages longer than this many words at sentence boundaries
            (:func:`kgqa.retrieval.split.split_passage`; pieces get ids ``ID#1``, ``ID#2``, ...).
            ``None`` indexes the passages as they are.
        passage_overlap_words: words of whole sentences repeated from one piece to the next.
        milvus_uri: for ``"milvus"``: a server (``http://host:19530``) or a milvus-lite file;
            default: ``milvus.db`` inside ``out_dir`` (embedded).
        milvus_collection: for ``"milvus"``: the collection to (re)create (default ``kgqa_passages``).
        train_sample: most vectors an ``"ivfpq"`` index is trained on.

    Raises:
        InputError: if a passage file is missing or malformed, or an id repeats.
        ConfigError: if ``max_passage_words`` or ``passage_overlap_words`` is out of range.
    """
    check_split_args(max_passage_words, passage_overlap_words)
    store = PassageStore.from_jsonl(passage_files)
    if max_passage_words is not None:
        store = PassageStore(split_passages(store, max_passage_words, passage_overlap_words))
    encoder = encoder or Encoder(batch_size=batch_size)
    if kind == "milvus" and milvus_uri is None:
        milvus_uri = str(Path(out_dir) / LITE_FILE)
    index = DenseIndex(
        encoder,
        kind=kind,
        train_sample=train_sample,
        milvus_uri=milvus_uri,
        milvus_collection=milvus_collection,
    ).build(store, show_progress=show_progress, batch_size=batch_size)
    index.save(out_dir)
    return index


def default_index_dir() -> Path:
    """Where the shipped world's index lives: ``assets_root()/data/index``."""
    return assets_root() / "data" / "index"


def default_passage_files() -> list[Path]:
    """The default world's passage files, ``passages_dir()/*.jsonl`` sorted by name.

    Raises:
        DataNotFoundError: if there are none.
    """
    files = sorted(passages_dir().glob("*.jsonl"))
    if not files:
        raise DataNotFoundError(f"no passage files (*.jsonl) in {passages_dir()}; set KGQA_HOME to a kgqa checkout")
    return files


_DEFAULT_LOCK = threading.Lock()


def default_index(encoder: Encoder | None = None, show_progress: bool = True) -> DenseIndex:
    """The index of the default world's passages.

    The shipped index (``data/index``) is used when its passages equal those of
    ``passages_dir()/*.jsonl`` and its encoder matches; otherwise an index is built once and
    cached in ``$KGQA_CACHE`` (default ``~/.cache/kgqa``) as ``index-<sha12>``.

    Args:
        encoder: default: the base encoder.
        show_progress: show a progress bar when the index has to be built.

    Raises:
        DataNotFoundError: if there are no passage files.
    """
    with _DEFAULT_LOCK:
        store = PassageStore.from_jsonl(default_passage_files())
        digest = store.sha256()
        encoder = encoder or Encoder()
        shipped = default_index_dir()
        if (shipped / META_FILE).is_file():
            meta = _peek_meta(shipped)
            if meta.get("sha256", {}).get(PASSAGES_FILE) == digest and meta.get("model") == encoder.name:
                try:
                    return DenseIndex.load(shipped, encoder)
                except IndexLoadError as exc:
                    logger.warning("the shipped index is unusable (%s); using a cached one", exc)
            else:
                logger.info(
                    "the shipped index %s does not match the passages or the encoder; using a cached one", shipped
                )
        name = f"index-{digest[:12]}"
        if encoder.name != BASE_MODEL_NAME:
            name += "-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in encoder.name)
        target = cache_dir() / name
        if target.is_dir():
            try:
                return DenseIndex.load(target, encoder)
            except IndexLoadError as exc:
                logger.warning("rebuilding the cached index: %s", exc)
                shutil.rmtree(target, ignore_errors=True)
        logger.info("building the index of %d passages once; it is cached in %s", len(store), target)
        index = DenseIndex(encoder).build(store, show_progress=show_progress)
        tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
        index.save(tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # another process saved the same index first
            shutil.rmtree(tmp, ignore_errors=True)
        return index


def _peek_meta(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def write_default_index(
    out_dir: PathLike | None = None, encoder: Encoder | None = None, kind: str = "flat"
) -> DenseIndex:
    """Build the default world's index from ``passages_dir()/*.jsonl`` and write it to ``data/index``.

    Args:
        out_dir: default: :func:`default_index_dir`.
        encoder: default: the base encoder.
        kind: index kind.
    """
    return build_index(default_passage_files(), out_dir or default_index_dir(), kind=kind, encoder=encoder)
