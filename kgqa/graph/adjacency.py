"""A graph store's adjacency, saved beside it: every node's facts as compact arrays, for graph walks.

A relation-path search on a big graph reads the facts of a thousand nodes per question
(:func:`kgqa.graph.relation_paths.walk_paths`). An Oxigraph store answers each fact of a
``(node, ?, ?)`` pattern in about 8 µs, so the walk spent 0.4 to 0.5 s of a question reading
facts. :func:`write_adjacency` reads every node's facts from the store once (``adjacency.npz`` in the
store folder: written when the store is saved, or by ``kgqa graph adjacency STORE_DIR``), in the
order :meth:`KnowledgeGraph.edges <kgqa.graph.kg.KnowledgeGraph.edges>` gives them, asserted and
inferred, so a walk that stops at a budget stops at the same fact. ``KnowledgeGraph.edges`` serves a
node's facts from the file when the store has one (:func:`saved_edges`), and from the store otherwise: the
answers are the graph's own.

The file is numpy arrays, loaded without pickle: node names as one UTF-8 blob with offsets, each node's
``(property, neighbour, forward)`` facts as a CSR row. It records the count of asserted triples of the
graph it describes and is ignored, with a warning, for another graph or another version.

Why hand-written: a read-only CSR over integer ids is a few numpy calls; scipy's sparse matrices cannot
keep several facts between the same two nodes in order, and networkx holds a graph this size in
gigabytes of Python objects.
"""

from __future__ import annotations

import json
import logging
import os
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kgqa.errors import GraphError
from kgqa.graph.vocabulary_cache import describes

if TYPE_CHECKING:
    from rdflib.term import Node

    from kgqa.graph.kg import KnowledgeGraph

logger = logging.getLogger(__name__)

#: the file, in a graph store folder
ADJACENCY_FILE = "adjacency.npz"
FORMAT = "kgqa-adjacency"
FORMAT_VERSION = 1

_LOADED: weakref.WeakKeyDictionary[Any, Adjacency | None] = weakref.WeakKeyDictionary()


def _blob(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    data = [n.encode("utf-8") for n in names]
    offsets = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum([len(d) for d in data], out=offsets[1:])
    return np.frombuffer(b"".join(data), dtype=np.uint8), offsets


def _unblob(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    raw = blob.tobytes()
    return [raw[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]


class Adjacency:
    """Every node's facts of one graph, as :meth:`KnowledgeGraph.edges` gives them (inferred included).

    Args:
        names: node strings; the first ``len(indptr) - 1`` are the nodes with rows (IRIs and blank
            nodes), the rest are literal values that only occur as neighbours.
        props: property IRIs.
        indptr: row ``i``'s facts are ``indptr[i]:indptr[i + 1]`` of the fact arrays.
        neighbour, prop, forward: each fact's neighbour (index into ``names``), property (index into
            ``props``) and whether the node is its subject.
        asserted: the graph's count of asserted triples (what the file is checked against).
    """

    def __init__(
        self,
        names: list[str],
        props: list[str],
        indptr: np.ndarray,
        neighbour: np.ndarray,
        prop: np.ndarray,
        forward: np.ndarray,
        asserted: int,
    ) -> None:
        self.names = names
        self.props = props
        self.indptr = indptr
        self.neighbour = neighbour
        self.prop = prop
        self.forward = forward
        self.asserted = asserted
        self.ids = {n: i for i, n in enumerate(names[: len(indptr) - 1])}

    def __len__(self) -> int:
        """The number of nodes with a row."""
        return len(self.indptr) - 1

    def edges(self, node: str, limit: int | None = None) -> list[tuple[str, str, bool]] | None:
        """``(property, neighbour, forward)`` of ``node``'s facts, at most ``limit``; ``None`` for a node without a row."""
        i = self.ids.get(node)
        if i is None:
            return None
        a, b = int(self.indptr[i]), int(self.indptr[i + 1])
        if limit is not None:
            b = min(b, a + max(limit, 0))
        names, props = self.names, self.props
        return [
            (props[p], names[n], f)
            for p, n, f in zip(
                self.prop[a:b].tolist(), self.neighbour[a:b].tolist(), self.forward[a:b].tolist(), strict=True
            )
        ]

    # ------------------------------------------------------------------ files
    @classmethod
    def build(cls, kg: KnowledgeGraph, progress: bool = False) -> Adjacency:
        """Read every node's facts from ``kg`` (one ``edges`` call per node that is a subject or an IRI object)."""
        from rdflib import Literal
        from tqdm import tqdm

        nodes: dict[str, None] = {}
        for s, _p, o in tqdm(kg.scan(inferred=True), desc="adjacency: nodes", unit="fact", disable=not progress):
            nodes.setdefault(str(s), None)
            if not isinstance(o, Literal):
                nodes.setdefault(str(o), None)
        names = list(nodes)
        ids = {n: i for i, n in enumerate(names)}
        props: dict[str, int] = {}
        indptr = [0]
        neighbour: list[int] = []
        prop: list[int] = []
        forward: list[bool] = []
        for node in tqdm(names[:], desc="adjacency: facts", unit="node", disable=not progress):
            for p, other, fwd in kg.edges(node):
                j = ids.get(other)
                if j is None:  # a literal value: a name without a row
                    j = ids[other] = len(names)
                    names.append(other)
                neighbour.append(j)
                prop.append(props.setdefault(p, len(props)))
                forward.append(fwd)
            indptr.append(len(neighbour))
        return cls(
            names,
            list(props),
            np.asarray(indptr, dtype=np.int64),
            np.asarray(neighbour, dtype=np.int32),
            np.asarray(prop, dtype=np.int32),
            np.asarray(forward, dtype=bool),
            len(kg),
        )

    def save(self, path: str | Path) -> Path:
        """Write the arrays to ``path`` (atomically; no pickle)."""
        target = Path(path)
        name_blob, name_offsets = _blob(self.names)
        prop_blob, prop_offsets = _blob(self.props)
        meta = {"format": FORMAT, "version": FORMAT_VERSION, "asserted": self.asserted, "nodes": len(self)}
        tmp = target.with_name(target.name + ".tmp.npz")
        try:
            np.savez(
                tmp,
                meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
                name_blob=name_blob,
                name_offsets=name_offsets,
                prop_blob=prop_blob,
                prop_offsets=prop_offsets,
                indptr=self.indptr,
                neighbour=self.neighbour,
                prop=self.prop,
                forward=self.forward,
            )
            os.replace(tmp, target)
        except OSError as exc:
            raise GraphError(f"cannot write {target}: {exc}; choose a store folder you can write to") from exc
        return target

    @classmethod
    def load(cls, path: str | Path, asserted: int) -> Adjacency | None:
        """The file's adjacency when it describes a graph of ``asserted`` asserted triples, else ``None`` (with a
        warning saying why and how to rebuild it)."""
        p = Path(path)
        hint = f"rebuild it with `kgqa graph adjacency {p.parent} --overwrite`"
        try:
            with np.load(p, allow_pickle=False) as z:
                meta = json.loads(z["meta"].tobytes().decode("utf-8"))
                if not describes(meta, p, FORMAT, FORMAT_VERSION, asserted, hint):
                    return None
                arrays = {k: z[k] for k in z.files if k != "meta"}
            adj = cls(
                _unblob(arrays["name_blob"], arrays["name_offsets"]),
                _unblob(arrays["prop_blob"], arrays["prop_offsets"]),
                arrays["indptr"],
                arrays["neighbour"],
                arrays["prop"],
                arrays["forward"],
                asserted,
            )
        except (OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
            logger.warning("cannot read %s (%s): facts are read from the store; %s", p, exc, hint)
            return None
        n = len(adj)
        sizes = {len(adj.neighbour), len(adj.prop), len(adj.forward)}
        if n < 0 or len(sizes) != 1 or int(adj.indptr[-1]) != sizes.pop() or len(adj.names) < n:
            logger.warning("%s is inconsistent; ignored; %s", p, hint)
            return None
        return adj


def write_adjacency(kg: KnowledgeGraph, folder: str | Path, progress: bool = False) -> Path:
    """Write ``adjacency.npz`` for ``kg`` into a graph store ``folder``; returns the file.

    Raises:
        GraphError: the file cannot be written.
    """
    start = time.perf_counter()
    adj = Adjacency.build(kg, progress=progress)
    target = adj.save(Path(folder) / ADJACENCY_FILE)
    logger.info(
        "wrote %s (%d nodes, %d facts) in %.1f s", target, len(adj), len(adj.neighbour), time.perf_counter() - start
    )
    return target


def add_adjacency(path: str | Path, overwrite: bool = False) -> Path:
    """Write ``adjacency.npz`` into the graph store folder ``path``, read from the store itself
    (``kgqa graph adjacency STORE_DIR``); a file already there is replaced only with ``overwrite``, else
    :class:`~kgqa.errors.GraphError`, as for a folder that is not a readable store."""
    from kgqa.graph.oxi_store import store_to_extend

    kg = store_to_extend(path, ADJACENCY_FILE, "adjacency", overwrite)
    kg.adjacency_path = None  # read from the store, not from the file being replaced
    return write_adjacency(kg, path, progress=True)


def adjacency(kg: KnowledgeGraph) -> Adjacency | None:
    """The saved adjacency of ``kg``'s graph store (loaded once per graph), ``None`` when it has none."""
    if kg.adjacency_path is None:
        return None
    try:
        return _LOADED[kg]
    except KeyError:
        start = time.perf_counter()
        adj = _LOADED[kg] = Adjacency.load(kg.adjacency_path, len(kg))
        if adj is not None:
            logger.info("loaded %s (%d nodes) in %.2f s", kg.adjacency_path, len(adj), time.perf_counter() - start)
        return adj


def saved_edges(kg: KnowledgeGraph, node: str | Node, limit: int | None = None) -> list[tuple[str, str, bool]] | None:
    """``kg.edges(node, limit=limit)`` (inferred facts included) from the saved adjacency; ``None`` when the graph
    has none or ``node`` has no row there (:meth:`KnowledgeGraph.edges <kgqa.graph.kg.KnowledgeGraph.edges>` then
    reads the graph itself)."""
    adj = adjacency(kg)
    return None if adj is None else adj.edges(str(node), limit)


__all__ = ["ADJACENCY_FILE", "Adjacency", "add_adjacency", "adjacency", "saved_edges", "write_adjacency"]
