"""A reasoned knowledge graph saved on disk in Oxigraph, opened again without re-parsing RDF.

A store folder holds:

- ``oxigraph/``: a RocksDB Oxigraph store. Each asserted triple is a quad in the named graph
  ``urn:kgqa:file:<file name>`` of the file that asserted it; each inferred triple is a quad
  in ``urn:kgqa:inferred:<rule>``. So a fact's source is its quad's graph.
- ``kgqa-store.json``: format version, files, namespaces, counts, and the literal languages
  and datatypes in use (to find literals by lexical form with index lookups, not a scan).
- ``derivations.sqlite``: how each inferred triple was derived (its premises), looked up by
  :meth:`~kgqa.graph.kg.KnowledgeGraph.explain` one triple at a time.
- ``catalogue.sqlite``: the names catalogue (:mod:`kgqa.graph.catalogue`) that the entity linker
  and the vocabulary views read, so a large store opens in well under a second. A store written
  without one still opens (names gathered in memory, slowly); :func:`add_catalogue` adds it.
- ``vocabulary.json`` (:mod:`kgqa.graph.vocabulary_cache`) and ``adjacency.npz``
  (:mod:`kgqa.graph.adjacency`): the inferred vocabulary, and every node's facts as arrays for graph
  walks; a store without them opens and answers the same, more slowly.

:class:`OxiIndex` answers the :class:`~kgqa.graph.store.TripleIndex` lookups from the store,
converting Oxigraph terms to rdflib terms at the boundary, so the graph is held once (on disk,
paged by RocksDB) and SPARQL runs on Oxigraph itself.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib.namespace import RDF, XSD
from rdflib.store import Store as RdflibStore
from rdflib.term import BNode, Literal, Node, URIRef
from rdflib.util import from_n3

from kgqa.errors import GraphError
from kgqa.graph.adjacency import ADJACENCY_FILE, write_adjacency
from kgqa.graph.catalogue import CATALOGUE_FILE, write_catalogue
from kgqa.graph.store import Key
from kgqa.graph.vocabulary_cache import VOCABULARY_FILE, write_vocabulary

if TYPE_CHECKING:
    from kgqa.graph.kg import KnowledgeGraph

logger = logging.getLogger(__name__)

#: bumped whenever the folder layout or the meaning of its quads changes
FORMAT_VERSION = 1
META_FILE = "kgqa-store.json"
DERIVATIONS_FILE = "derivations.sqlite"
DB_DIR = "oxigraph"
FILE_GRAPH = "urn:kgqa:file:"
INFERRED_GRAPH = "urn:kgqa:inferred:"
_XSD_STRING = str(XSD.string)
_LANG_STRING = str(RDF.langString)


def _rebuild_hint(path: Path) -> str:
    return (
        "rebuild it: `kgqa world build ... --graph-store --resume` for a world folder, or "
        f"KnowledgeGraph.load(FILES).save_store({str(path)!r}) after removing it"
    )


# ---------------------------------------------------------------------- term conversion
@lru_cache(maxsize=1 << 17)
def to_ox(node: Node) -> Any:
    """The pyoxigraph term for an rdflib term (cached)."""
    import pyoxigraph as ox

    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise GraphError(f"cannot store the RDF term {node!r} ({type(node).__name__}) in Oxigraph")


@lru_cache(maxsize=1 << 17)
def to_rdf(term: Any) -> Node:
    """The rdflib term for a pyoxigraph term (cached)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise GraphError(f"unexpected term {term!r} in the Oxigraph store")


def _n3(key: Key) -> list[str]:
    return [t.n3() for t in key]


def _key(items: list[str]) -> Key:
    s, p, o = (from_n3(x) for x in items)
    return (s, p, o)  # type: ignore[return-value]


# ---------------------------------------------------------------------- read-only views
class OxiIndex:
    """A read-only :class:`~kgqa.graph.store.TripleIndex` over the asserted or the inferred quads of a store.

    Lookups follow Oxigraph's index order, not file order.
    """

    def __init__(self, store: Any, prefix: str, count: int) -> None:
        self._store = store
        self._prefix = prefix
        self._n = count
        self._graphs: dict[Any, str | None] = {}  # graph name -> its suffix here, None when not ours

    def add(self, s: Node, p: Node, o: Node) -> bool:
        """Refused: a store opened from disk is read-only."""
        raise GraphError(
            "this knowledge graph was opened from an Oxigraph store and is read-only; load the RDF files "
            "with KnowledgeGraph.load to add triples, then save a new store"
        )

    def _suffix(self, graph: Any) -> str | None:
        """The file name or rule a quad's graph stands for, ``None`` for the other index's graphs."""
        try:
            return self._graphs[graph]
        except KeyError:
            name = str(graph.value)
            found = self._graphs[graph] = name[len(self._prefix) :] if name.startswith(self._prefix) else None
            return found

    def _quads(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Any]:
        try:
            s_ox = None if s is None else to_ox(s)
            p_ox = None if p is None else to_ox(p)
            o_ox = None if o is None else to_ox(o)
        except (GraphError, ValueError):
            return  # a term Oxigraph cannot hold is in no quad
        suffix = self._suffix
        for quad in self._store.quads_for_pattern(s_ox, p_ox, o_ox, None):
            if suffix(quad.graph_name) is not None:
                yield quad

    def __len__(self) -> int:
        return self._n

    def __contains__(self, key: Key) -> bool:
        return next(self._quads(*key), None) is not None

    def __iter__(self) -> Iterator[Key]:
        return self.triples(None, None, None)

    def has_node(self, node: Node) -> bool:
        """Whether ``node`` is the subject or object of a triple here."""
        return next(self._quads(node, None, None), None) is not None or (
            next(self._quads(None, None, node), None) is not None
        )

    def objects(self, s: Node, p: Node) -> Iterator[Node]:
        """Objects of ``s p ?``."""
        seen: dict[Node, None] = {}
        for q in self._quads(s, p, None):
            seen.setdefault(to_rdf(q.object), None)
        return iter(seen)

    def subjects(self, p: Node, o: Node) -> Iterator[Node]:
        """Subjects of ``? p o``."""
        seen: dict[Node, None] = {}
        for q in self._quads(None, p, o):
            seen.setdefault(to_rdf(q.subject), None)
        return iter(seen)

    def triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Key]:
        """Every triple matching the pattern (``None`` is a wildcard)."""
        for q in self._quads(s, p, o):
            yield (to_rdf(q.subject), to_rdf(q.predicate), to_rdf(q.object))

    def source(self, key: Key) -> str | None:
        """The graph name suffix (file name or rule) of ``key``'s quad here, or ``None``."""
        quad = next(self._quads(*key), None)
        return None if quad is None else self._suffix(quad.graph_name)

    def sourced_triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[tuple[Key, str]]:
        """As :meth:`triples`, each with its source: the file name, or ``inferred:<rule>`` here."""
        inferred = self._prefix == INFERRED_GRAPH
        for q in self._quads(s, p, o):
            suffix = self._suffix(q.graph_name) or ""
            key = (to_rdf(q.subject), to_rdf(q.predicate), to_rdf(q.object))
            yield key, f"inferred:{suffix}" if inferred else suffix


class OxiOrigin:
    """``asserted triple -> file name``, read from the quads' graph names (the in-memory graph's ``_origin``)."""

    def __init__(self, asserted: OxiIndex) -> None:
        self._asserted = asserted

    def get(self, key: Key, default: str | None = None) -> str | None:
        found = self._asserted.source(key)
        return default if found is None else found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and self._asserted.source(key) is not None  # type: ignore[arg-type]

    def __getitem__(self, key: Key) -> str:
        found = self._asserted.source(key)
        if found is None:
            raise KeyError(key)
        return found


class OxiDerivations:
    """``inferred triple -> (rule, premises)``: the rule from the quad's graph, the premises from ``derivations.sqlite``.

    SQLite (standard library) serves them by key from disk: on a large world the derivations
    are as many as the inferred triples, too many to hold in memory for the few explained.
    """

    def __init__(self, inferred: OxiIndex, path: Path) -> None:
        self._inferred = inferred
        self._path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def rule(self, key: Key) -> str:
        """The rule that derived ``key``."""
        found = self._inferred.source(key)
        if found is None:
            raise KeyError(key)
        return found

    def _premises(self, key: Key) -> tuple[Key, ...] | None:
        with self._lock:
            try:
                if self._db is None:
                    if not self._path.is_file():
                        raise GraphError(
                            f"the graph store has no {self._path.name} ({self._path}); {_rebuild_hint(self._path.parent)}"
                        )
                    self._db = sqlite3.connect(
                        f"{self._path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
                    )
                row = self._db.execute("SELECT premises FROM why WHERE triple = ?", (json.dumps(_n3(key)),)).fetchone()
                return None if row is None else tuple(_key(x) for x in json.loads(row[0]))
            except (sqlite3.Error, ValueError, TypeError, IndexError) as exc:
                raise GraphError(f"cannot read {self._path}: {exc}; {_rebuild_hint(self._path.parent)}") from exc

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and self._premises(key) is not None  # type: ignore[arg-type]

    def __getitem__(self, key: Key) -> tuple[str, tuple[Key, ...]]:
        premises = self._premises(key)
        if premises is None:
            raise KeyError(key)
        return self.rule(key), premises


class OxiLex:
    """``lexical form -> literals`` (the in-memory graph's ``_lex``): every language and datatype in use, looked up."""

    def __init__(self, asserted: OxiIndex, languages: list[str], datatypes: list[str]) -> None:
        self._asserted = asserted
        self._languages = languages
        self._datatypes = datatypes

    def get(self, text: str, default: Iterable[Literal] = ()) -> list[Node]:
        """The stored literals whose lexical form is ``text`` (``default`` when none)."""
        import pyoxigraph as ox

        candidates = [ox.Literal(text)]
        candidates += [ox.Literal(text, language=lang) for lang in self._languages]
        candidates += [ox.Literal(text, datatype=ox.NamedNode(dt)) for dt in self._datatypes]
        store, prefix = self._asserted._store, self._asserted._prefix
        found = [
            to_rdf(c)
            for c in candidates
            if any(str(q.graph_name.value).startswith(prefix) for q in store.quads_for_pattern(None, None, c, None))
        ]
        return found or list(default)


class OxiRdflibStore(RdflibStore):
    """A read-only rdflib store over an opened graph store's asserted and inferred triples.

    rdflib's SPARQL engine evaluates on it when a query binds a variable that Oxigraph's
    substitutions cannot (one outside the SELECT projection, or in ASK/CONSTRUCT), so bound
    values keep rdflib's ``initBindings`` meaning without a second in-memory copy.
    """

    def __init__(self, indexes: tuple[OxiIndex, ...]) -> None:
        super().__init__()
        self._indexes = indexes

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[tuple[Key, Iterator[Any]]]:
        s, p, o = triple_pattern
        if any(x is not None and not isinstance(x, Node) for x in (s, p, o)):
            return  # a path or other non-term pattern: rdflib expands those itself
        for index in self._indexes:
            for key in index.triples(s, p, o):
                yield key, iter(())

    def __len__(self, context: Any = None) -> int:
        return sum(len(ix) for ix in self._indexes)


# ---------------------------------------------------------------------- save and open
def save_store(kg: KnowledgeGraph, path: str | Path) -> Path:
    """Write ``kg`` (reasoned first if needed) to a new store folder; see the module docstring.

    Raises:
        GraphError: the folder exists and is not empty, or cannot be written.
    """
    import pyoxigraph as ox

    start = time.perf_counter()
    folder = Path(path)
    if folder.exists() and any(folder.iterdir()):
        raise GraphError(f"the graph store folder {folder} is not empty; remove it or choose another folder")
    kg._ready(True)
    languages: dict[str, None] = {}
    datatypes: dict[str, None] = {}

    def quads() -> Iterator[Any]:
        graphs: dict[str, Any] = {}
        for key in kg._asserted:
            name = kg._origin[key]
            g = graphs.get(name) or graphs.setdefault(name, ox.NamedNode(FILE_GRAPH + name))
            o = key[2]
            if isinstance(o, Literal):
                if o.language:
                    languages[o.language] = None
                elif o.datatype is not None:
                    datatypes[str(o.datatype)] = None
            yield ox.Quad(to_ox(key[0]), to_ox(key[1]), to_ox(o), g)
        for key in kg._inferred:
            rule = kg._why[key][0]
            g = graphs.get("rule:" + rule) or graphs.setdefault("rule:" + rule, ox.NamedNode(INFERRED_GRAPH + rule))
            yield ox.Quad(to_ox(key[0]), to_ox(key[1]), to_ox(key[2]), g)

    try:
        folder.mkdir(parents=True, exist_ok=True)
        store = ox.Store(str(folder / DB_DIR))
        store.bulk_extend(quads())
        store.optimize()
        store.flush()
        del store
        db = sqlite3.connect(folder / DERIVATIONS_FILE)
        with db:
            db.execute("CREATE TABLE why (triple TEXT PRIMARY KEY, premises TEXT NOT NULL)")
            db.executemany(
                "INSERT INTO why VALUES (?, ?)",
                ((json.dumps(_n3(k)), json.dumps([_n3(x) for x in kg._why[k][1]])) for k in kg._inferred),
            )
        db.close()
        write_catalogue(kg, folder / CATALOGUE_FILE)
        write_vocabulary(kg, folder)
        meta = {
            "format": "kgqa-graph-store",
            "version": FORMAT_VERSION,
            "files": [str(f) for f in kg._files],
            "namespaces": kg._ns,
            "asserted": len(kg._asserted),
            "inferred": len(kg._inferred),
            "domain_range": kg._domain_range,
            "languages": sorted(languages),
            "datatypes": sorted(datatypes),
            "catalogue": CATALOGUE_FILE,
        }
        (folder / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        from kgqa.graph.kg import KnowledgeGraph  # the saved store's own order of facts

        write_adjacency(KnowledgeGraph.open(folder), folder)
    except (OSError, sqlite3.Error) as exc:
        raise GraphError(f"cannot write the graph store {folder}: {exc}") from exc
    logger.info("saved the graph store %s in %.1f s", folder, time.perf_counter() - start)
    return folder


def read_meta(folder: Path) -> dict[str, Any]:
    """The checked ``kgqa-store.json`` of a store folder.

    Raises:
        GraphError: the folder, its metadata or its database is missing, unreadable, or of another version.
    """
    meta_path = folder / META_FILE
    if not folder.is_dir():
        raise GraphError(f"no graph store folder at {folder}; {_rebuild_hint(folder)}")
    if not meta_path.is_file() or not (folder / DB_DIR).is_dir():
        raise GraphError(f"{folder} is not a graph store (no {META_FILE} or {DB_DIR}/); {_rebuild_hint(folder)}")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GraphError(f"cannot read {meta_path}: {exc}; {_rebuild_hint(folder)}") from exc
    if not isinstance(meta, dict) or meta.get("format") != "kgqa-graph-store":
        raise GraphError(f"{meta_path} is not a kgqa graph store description; {_rebuild_hint(folder)}")
    if meta.get("version") != FORMAT_VERSION:
        raise GraphError(
            f"the graph store {folder} has format version {meta.get('version')!r}, this kgqa reads version "
            f"{FORMAT_VERSION}; {_rebuild_hint(folder)}"
        )
    need = {"files": list, "namespaces": dict, "asserted": int, "inferred": int, "languages": list, "datatypes": list}
    for name, kind in need.items():
        if not isinstance(meta.get(name), kind):
            raise GraphError(f"{meta_path} has no valid {name!r}; {_rebuild_hint(folder)}")
    return meta


def open_store(kg: KnowledgeGraph, path: str | Path) -> None:
    """Point an empty ``kg`` at a store folder (see :meth:`KnowledgeGraph.open`), and at its names catalogue."""
    folder = Path(path)
    _open_quads(kg, folder, read_meta(folder))
    if (folder / VOCABULARY_FILE).is_file():
        kg.vocabulary_path = folder / VOCABULARY_FILE
    if (folder / ADJACENCY_FILE).is_file():
        kg.adjacency_path = folder / ADJACENCY_FILE
    if (folder / CATALOGUE_FILE).is_file():
        kg.catalogue_path = folder / CATALOGUE_FILE
    else:
        logger.warning(
            "the graph store %s has no names catalogue (%s): entity linking gathers every name in memory, which "
            "takes minutes on a large graph; add one with `kgqa graph catalogue %s`",
            folder,
            CATALOGUE_FILE,
            folder,
        )


def _open_quads(kg: KnowledgeGraph, folder: Path, meta: dict[str, Any]) -> None:
    import pyoxigraph as ox

    try:
        store = ox.Store.read_only(str(folder / DB_DIR))
    except (OSError, ValueError, RuntimeError) as exc:  # RocksDB reports corruption as RuntimeError
        raise GraphError(f"cannot open the graph store {folder}: {exc}; {_rebuild_hint(folder)}") from exc
    asserted = OxiIndex(store, FILE_GRAPH, meta["asserted"])
    inferred = OxiIndex(store, INFERRED_GRAPH, meta["inferred"])
    kg._store = store
    kg._asserted = asserted  # type: ignore[assignment]
    kg._inferred = inferred  # type: ignore[assignment]
    kg._origin = OxiOrigin(asserted)  # type: ignore[assignment]
    kg._why = OxiDerivations(inferred, folder / DERIVATIONS_FILE)  # type: ignore[assignment]
    kg._lex = OxiLex(asserted, meta["languages"], meta["datatypes"])  # type: ignore[assignment]
    kg._ns = {**kg._ns, **meta["namespaces"]}
    kg._files = [Path(f) for f in meta["files"]]
    kg._domain_range = bool(meta.get("domain_range", True))
    kg._dirty = False


def store_to_extend(path: str | Path, file_name: str, command: str, overwrite: bool) -> KnowledgeGraph:
    """The graph store at ``path`` opened to write ``file_name`` beside it (``kgqa graph COMMAND`` writes it).

    Raises:
        GraphError: the folder is not a readable graph store, or it has the file and ``overwrite`` is false.
    """
    from kgqa.graph.kg import KnowledgeGraph

    folder = Path(path)
    if (folder / file_name).exists() and not overwrite:
        raise GraphError(
            f"the graph store {folder} already has {file_name}; to rebuild it, run `kgqa graph {command} "
            f"{folder} --overwrite`"
        )
    return KnowledgeGraph.open(folder)


def add_catalogue(path: str | Path, overwrite: bool = False) -> Path:
    """Write the names catalogue of an existing graph store folder (one saved before stores had one).

    Args:
        path: the graph store folder.
        overwrite: replace a catalogue the folder already has.

    Returns:
        The catalogue file.

    Raises:
        GraphError: the folder is not a readable graph store, it has a catalogue and ``overwrite``
            is false, or the catalogue cannot be written.

    Example:
        >>> add_catalogue("world/graph-store")  # doctest: +SKIP
    """
    from kgqa.graph.kg import KnowledgeGraph

    folder = Path(path)
    target = folder / CATALOGUE_FILE
    meta = read_meta(folder)
    if target.exists() and not overwrite:
        raise GraphError(
            f"the graph store {folder} already has a names catalogue; to rebuild it, run `kgqa graph catalogue "
            f"{folder} --overwrite` (add_catalogue(..., overwrite=True))"
        )
    kg = KnowledgeGraph()
    _open_quads(kg, folder, meta)  # the names come from the graph itself, not from a catalogue being replaced
    write_catalogue(kg, target)
    meta["catalogue"] = CATALOGUE_FILE
    tmp = folder / (META_FILE + ".tmp")
    try:
        tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
        os.replace(tmp, folder / META_FILE)
    except OSError as exc:
        raise GraphError(f"cannot update {folder / META_FILE}: {exc}; choose a store folder you can write to") from exc
    return target


__all__ = ["FORMAT_VERSION", "OxiIndex", "add_catalogue", "open_store", "read_meta", "save_store", "to_ox", "to_rdf"]
