"""A graph store's vocabulary, inferred once and saved beside it: characteristics, domains, ranges and counts.

:class:`~kgqa.graph.vocabulary.GraphVocabulary` infers a property's characteristics and classes from the data
on first use, with one scan of the property's facts and the types of up to
:data:`~kgqa.graph.vocabulary.MAX_TYPED_USES` of its subjects and objects. On a big graph store that costs
0.1 to 0.5 s a property, so the first questions about a property took seconds. :func:`write_vocabulary`
computes it for every property of the graph once (``vocabulary.json`` in the store folder: written when the
store is saved, or by ``kgqa graph vocabulary STORE_DIR``) and a store opened with the file serves those
answers from it. The file records the count of asserted triples of the graph it describes, and is ignored,
with a warning, for another graph or another version; the results are the ones the graph would give.

Why JSON: a few hundred properties, each a handful of counts and class lists, read whole at load (tens of
kilobytes to a few megabytes); a table store would add nothing.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgqa.errors import GraphError

if TYPE_CHECKING:
    from kgqa.graph.kg import KnowledgeGraph

logger = logging.getLogger(__name__)

#: the file, in a graph store folder
VOCABULARY_FILE = "vocabulary.json"
FORMAT = "kgqa-vocabulary"
FORMAT_VERSION = 1


def vocabulary_entries(kg: KnowledgeGraph, progress: bool = False) -> dict[str, dict[str, Any]]:
    """Every property's inferred vocabulary: ``{iri: {"counts", "functional", "inverse_functional", "domain",
    "range"}}``, as :class:`~kgqa.graph.vocabulary.GraphVocabulary` computes it."""
    from dataclasses import asdict

    from tqdm import tqdm

    vocab = kg.graph_vocabulary()
    out: dict[str, dict[str, Any]] = {}
    props = sorted(str(p) for p in kg.properties())
    for p in tqdm(props, desc="vocabulary", unit="property", disable=not progress):
        char = {k: getattr(vocab, k)(p) for k in ("functional", "inverse_functional")}
        uses = {"domain": vocab.domain_use(p), "range": vocab.range_use(p)}
        out[p] = {
            "counts": [list(vocab.value_counts(p, 0)), list(vocab.value_counts(p, 1))],
            **{k: None if c is None else c.to_dict() for k, c in char.items()},
            **{k: {**asdict(u), "classes": [list(c) for c in u.classes]} for k, u in uses.items()},
        }
    return out


def write_vocabulary(kg: KnowledgeGraph, folder: str | Path, progress: bool = False) -> Path:
    """Write ``vocabulary.json`` for ``kg`` into a graph store ``folder`` (atomically); returns the file.

    Raises:
        GraphError: the file cannot be written.
    """
    start = time.perf_counter()
    entries = vocabulary_entries(kg, progress=progress)
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "asserted": len(kg), "properties": entries}
    target = Path(folder) / VOCABULARY_FILE
    tmp = target.with_suffix(".json.tmp")
    try:
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        raise GraphError(f"cannot write {target}: {exc}; choose a store folder you can write to") from exc
    logger.info("wrote %s (%d properties) in %.1f s", target, len(entries), time.perf_counter() - start)
    return target


def read_vocabulary(path: str | Path, asserted: int) -> dict[str, dict[str, Any]] | None:
    """The saved entries of ``path`` when it describes a graph of ``asserted`` asserted triples, else ``None``
    (with a warning saying why and how to rebuild it)."""
    p = Path(path)
    hint = f"rebuild it with `kgqa graph vocabulary {p.parent} --overwrite`"
    try:
        meta = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger.warning("cannot read %s (%s): the vocabulary is inferred as it is used; %s", p, exc, hint)
        return None
    if not describes(meta, p, FORMAT, FORMAT_VERSION, asserted, hint):
        return None
    if not isinstance(meta.get("properties"), dict):
        logger.warning("%s has no properties; ignored; %s", p, hint)
        return None
    return meta["properties"]


def describes(meta: Any, path: Path, fmt: str, version: int, asserted: int, hint: str) -> bool:
    """Whether the header ``meta`` of a file saved beside a graph store (``path``) is of format ``fmt``
    and ``version`` and describes a graph of ``asserted`` asserted triples; if not, a warning says why, and
    ``hint`` how to rebuild it."""
    if not isinstance(meta, dict) or meta.get("format") != fmt or meta.get("version") != version:
        logger.warning("%s is not a %s file of version %d; ignored; %s", path, fmt, version, hint)
        return False
    if meta.get("asserted") != asserted:
        logger.warning(
            "%s describes another graph (%s asserted triples, not %d); ignored; %s",
            path,
            meta.get("asserted"),
            asserted,
            hint,
        )
        return False
    return True


def add_vocabulary(path: str | Path, overwrite: bool = False) -> Path:
    """Write the vocabulary file of an existing graph store folder.

    Raises:
        GraphError: the folder is not a readable graph store, or it has the file and ``overwrite`` is false.

    Example:
        >>> add_vocabulary("world/graph-store")  # doctest: +SKIP
    """
    from kgqa.graph.oxi_store import store_to_extend

    kg = store_to_extend(path, VOCABULARY_FILE, "vocabulary", overwrite)
    kg.vocabulary_path = None  # inferred from the data, not read from the file being replaced
    return write_vocabulary(kg, path, progress=True)


__all__ = [
    "FORMAT_VERSION",
    "VOCABULARY_FILE",
    "add_vocabulary",
    "describes",
    "read_vocabulary",
    "vocabulary_entries",
    "write_vocabulary",
]
