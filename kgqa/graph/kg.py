"""The knowledge graph: RDF files with per-triple provenance, inferences and fast lookups.

Example:
    >>> from kgqa.graph import KnowledgeGraph
    >>> kg = KnowledgeGraph.load()                       # every graphs/*.ttl, reasoned
    >>> ok, path = kg.is_instance("w:William_Shakespeare", "o:Writer")
    >>> [t.text() for t in path]
    ['William Shakespeare type playwright', 'playwright subClassOf writer']

IRIs may be given in full, as ``<...>`` or as prefixed names bound in the loaded files
(``"o:Writer"``). Every fact comes back as a :class:`kgqa.types.Triple` with labels, the
name of the file that asserted it, or ``inferred:<rule>`` (see :mod:`kgqa.graph.reasoner`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import BNode, Literal, Node, URIRef

from kgqa.errors import GraphError, InputError
from kgqa.graph import paths as _paths
from kgqa.graph.adjacency import saved_edges
from kgqa.graph.dates import KGDate, parse_date
from kgqa.graph.io import FORMATS, parse_file
from kgqa.graph.reasoner import Derivations, explain, materialise
from kgqa.graph.schema import SchemaMixin
from kgqa.graph.sparql import DEFAULT_TIMEOUT_S, run_oxigraph_query, run_query
from kgqa.graph.store import Key, TripleIndex
from kgqa.paths import graphs_dir
from kgqa.types import Triple

logger = logging.getLogger(__name__)


class KnowledgeGraph(SchemaMixin):
    """RDF facts from local files, indexed for O(1) lookups, with materialised inferences.

    Inferences are recomputed lazily: after :meth:`add_file`, the first lookup that asks
    for inferred facts runs :meth:`reason` again.

    Lookups may run in several threads at once: the lazy inferences and the cached views
    are built once, under a lock. Adding files must not run alongside them.
    """

    def __init__(self) -> None:
        self._asserted = TripleIndex()
        self._origin: dict[Key, str] = {}  # asserted triple -> file name
        self._inferred = TripleIndex()
        self._why: Derivations = {}
        self._lex: dict[str, dict[Literal, None]] = {}  # lexical form -> literals, for string object lookups
        self._ns: dict[str, str] = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD)}
        self._ns["skos"] = str(SKOS)
        self._files: list[Path] = []
        self._dirty = False
        self._domain_range = True
        self._cache: dict[str, Any] = {}
        #: seconds a :meth:`query` may run when it is not given ``timeout_s`` (a pipeline sets its config's)
        self.sparql_timeout_s: float = DEFAULT_TIMEOUT_S
        self._lock = threading.RLock()  # reentrant: one cached view is built from another
        self._labels: dict[Node, str] = {}
        self._triples: dict[Key, Triple] = {}
        self._store: Any = None  # a pyoxigraph Store (graph store folder) or an EndpointStore (SPARQL endpoint)
        #: identifies the remote graph when connected to a SPARQL endpoint (its URL and export description)
        self.endpoint_fingerprint: str | None = None

    @classmethod
    def open(cls, path: str | Path) -> KnowledgeGraph:
        """Open a graph store folder written by :meth:`save_store`, without parsing RDF (see :mod:`kgqa.graph.oxi_store`).

        The graph is read-only; lookups read the on-disk Oxigraph store and SPARQL runs on it.
        Several values of one lookup come in the store's index order, not file order.

        Raises:
            GraphError: the folder is missing, not a graph store, corrupt, or of another format version.

        Example:
            >>> kg = KnowledgeGraph.open("world/graph-store")  # doctest: +SKIP
        """
        from kgqa.graph.oxi_store import open_store

        kg = cls()
        open_store(kg, path)
        return kg

    @classmethod
    def connect(cls, url: str, catalogue: str | Path | None = None, **options: Any) -> KnowledgeGraph:
        """A graph whose facts live on a remote SPARQL endpoint (see :mod:`kgqa.graph.endpoint`).

        Lookups, linking, answering and the checks run unchanged; each lookup is a SPARQL query with
        its values bound in ``VALUES``, retried with backoff and cached. An endpoint loaded with
        :meth:`export_nquads` gives sources, inferences and explanations as the files do; any other
        endpoint's default graph is read as asserted facts.

        Args:
            url: the SPARQL query endpoint (``http://127.0.0.1:7878/query``).
            catalogue: a names catalogue file for the entity linker; written from the endpoint (one
                bulk scan) when it does not exist yet, then reused.
            options: ``timeout_s`` (30), ``retries`` (3), ``cache_size`` (4096), ``headers`` and
                ``languages`` (``("en",)``) of :func:`kgqa.graph.endpoint.connect_endpoint`.

        Raises:
            InputError: a URL that is not http(s), bad numbers or an unknown option.
            EndpointError: the endpoint cannot be reached or refuses the first query.

        Example:
            >>> kg = KnowledgeGraph.connect("http://127.0.0.1:7878/query")  # doctest: +SKIP
        """
        from kgqa.graph.endpoint import CONNECT_OPTIONS, connect_endpoint

        unknown = sorted(set(options) - set(CONNECT_OPTIONS))
        if unknown:
            raise InputError(
                f"unknown option(s) {', '.join(unknown)}; KnowledgeGraph.connect takes {', '.join(CONNECT_OPTIONS)}"
            )
        kg = cls()
        connect_endpoint(kg, url, catalogue=catalogue, **options)
        return kg

    def export_nquads(self, path: str | Path) -> Path:
        """Write this graph, reasoned, as N-Quads to load into a SPARQL server for :meth:`connect` (``.gz`` compresses).

        Raises:
            GraphError: the file cannot be written.
        """
        from kgqa.graph.export import export_nquads

        return export_nquads(self, path)

    def sourced_keys(self, inferred: bool = False) -> Iterator[tuple[Key, str]]:
        """Every asserted triple (and inferred one when asked) with its source: the file name or ``inferred:<rule>``."""
        for index in self._indexes(inferred):
            sourced = getattr(index, "sourced_triples", None)
            if sourced is not None:
                yield from sourced(None, None, None)
            elif index is self._asserted:
                for key in index:
                    yield key, self._origin[key]
            else:
                for key in index:
                    yield key, f"inferred:{self._why[key][0]}"

    def derivations(self) -> Iterator[tuple[Key, str, tuple[Key, ...]]]:
        """Every inferred triple with the rule that derived it and its premises."""
        self._ready(True)
        for key in self._inferred:
            rule, premises = self._why[key]
            yield key, rule, tuple(premises)

    @property
    def reasoned_with_domain_range(self) -> bool:
        """Whether the inferences include the types implied by ``rdfs:domain`` and ``rdfs:range``."""
        return self._domain_range

    def save_store(self, path: str | Path) -> Path:
        """Write this graph, reasoned, to a new graph store folder that :meth:`open` reads.

        Raises:
            GraphError: the folder is not empty or cannot be written.
        """
        from kgqa.graph.oxi_store import save_store

        return save_store(self, path)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, paths: str | Path | Iterable[str | Path] | None = None, reason: bool = True) -> KnowledgeGraph:
        """Load RDF files (folders mean every RDF file in them).

        Args:
            paths: files or folders; ``None`` loads every ``graphs/*.ttl`` of the default world.
            reason: materialise the inferences now rather than on first use.

        Raises:
            GraphError: a file is missing, unreadable or malformed, or no file was found.

        Example:
            >>> kg = KnowledgeGraph.load(["tests/graph/fixtures/toy.ttl"])
        """
        if paths is None:
            folder = graphs_dir()
            files = sorted(folder.glob("*.ttl"))
            if not files:
                raise GraphError(f"no *.ttl graph files in {folder}; set KGQA_HOME to the folder holding graphs/")
        else:
            items = [paths] if isinstance(paths, (str, Path)) else list(paths)
            files = []
            for item in map(Path, items):
                if item.is_dir():
                    files += sorted(f for f in item.iterdir() if f.suffix.lower() in FORMATS)
                else:
                    files.append(item)
        kg = cls()
        for f in files:
            kg.add_file(f)
        if reason:
            kg.reason()
        return kg

    def add_file(self, path: str | Path, format: str | None = None) -> int:
        """Parse one local RDF file and add its triples, recording the file name as their source.

        The format comes from ``format`` or the extension (.ttl, .nt, .rdf/.owl/.xml,
        .jsonld/.json, .n3). Nothing is ever fetched: ``owl:imports`` are not followed,
        remote JSON-LD contexts and RDF/XML external entities are refused.

        Returns:
            The number of new triples.

        Raises:
            GraphError: missing/unreadable file (names the path), malformed content (names
                file and line), or a remote reference.
        """
        if self._store is not None:
            raise GraphError(
                f"cannot add {path}: this graph was opened from a graph store and is read-only; load the RDF "
                "files with KnowledgeGraph.load, add the file, then save a new store"
            )
        start = time.perf_counter()
        path = Path(path)
        triples, namespaces = parse_file(path, format)
        name = path.name
        added = 0
        for s, p, o in triples:
            if self._asserted.add(s, p, o):
                self._origin[(s, p, o)] = name
                added += 1
                if isinstance(o, Literal):
                    self._lex.setdefault(str(o), {})[o] = None
        for prefix, ns in namespaces.items():
            self._ns.setdefault(prefix, ns)
        self._files.append(path)
        if added:
            self._dirty = True
            self._invalidate()
        logger.info("loaded %d triples from %s in %.0f ms", added, path, 1000 * (time.perf_counter() - start))
        return added

    def reason(self, domain_range: bool = True) -> int:
        """Materialise the RDFS/OWL-lite inferences (see :mod:`kgqa.graph.reasoner`).

        Args:
            domain_range: also type untyped nodes from ``rdfs:domain``/``rdfs:range``.

        Returns:
            The number of inferred triples.
        """
        if self._store is not None:
            raise GraphError("a graph opened from a graph store is already reasoned and read-only")
        start = time.perf_counter()
        self._inferred, self._why = materialise(self._asserted, domain_range=domain_range)
        self._domain_range = domain_range
        self._dirty = False
        self._invalidate()
        logger.info(
            "reasoned %d inferred triples in %.0f ms", len(self._inferred), 1000 * (time.perf_counter() - start)
        )
        return len(self._inferred)

    def _invalidate(self) -> None:
        self._cache.clear()
        self._labels.clear()
        self._triples.clear()

    def _ready(self, inferred: bool) -> None:
        if inferred and self._dirty:
            with self._lock:
                if self._dirty:
                    self.reason(self._domain_range)

    def _cached(self, key: str, build: Callable[[], Any]) -> Any:
        """``self._cache[key]``, built by one thread however many ask for it at the same time."""
        value = self._cache.get(key)
        if value is None:
            with self._lock:
                value = self._cache.get(key)
                if value is None:
                    value = self._cache[key] = build()
        return value

    @property
    def files(self) -> list[Path]:
        """The files loaded, in order."""
        return list(self._files)

    @property
    def namespaces(self) -> dict[str, str]:
        """Prefix -> namespace IRI, from the loaded files (first binding wins)."""
        return dict(self._ns)

    # ------------------------------------------------------------------ terms and triples
    def _node(self, x: str | Node) -> Node:
        if isinstance(x, Node):
            return x
        if not isinstance(x, str):
            raise InputError(f"expected an IRI string, got {type(x).__name__}")
        if x.startswith("_:"):
            return BNode(x[2:])
        if x.startswith("<") and x.endswith(">"):
            return URIRef(x[1:-1])
        prefix, sep, local = x.partition(":")
        if sep and not local.startswith("//") and prefix in self._ns:
            return URIRef(self._ns[prefix] + local)
        return URIRef(x)

    def _objects_for(self, o: str | Node) -> list[Node]:
        """Terms a user-given object may mean: the IRI, or any literal with that lexical form."""
        if isinstance(o, Node):
            return [o]
        return [self._node(o), *self._lex.get(o, ())]

    def _indexes(self, inferred: bool) -> tuple[TripleIndex, ...]:
        self._ready(inferred)
        return (self._asserted, self._inferred) if inferred else (self._asserted,)

    def _triple(self, key: Key, known_source: str | None = None) -> Triple:
        t = self._triples.get(key)
        if t is None:
            s, p, o = key
            if known_source is not None:  # from a graph store, which gives each triple's source with it
                inferred = known_source.startswith("inferred:")
                labels = (self.label(s), self.label(p), self.label(o))
                t = self._triples[key] = Triple(str(s), str(p), str(o), *labels, known_source, inferred)
                return t
            origin = self._origin.get(key)
            if origin is not None:
                source, inferred = origin, False
            else:
                rule = self._why.rule(key) if self._store is not None else self._why[key][0]  # type: ignore[attr-defined]
                source, inferred = f"inferred:{rule}", True
            t = Triple(str(s), str(p), str(o), self.label(s), self.label(p), self.label(o), source, inferred)
            self._triples[key] = t
        return t

    # ------------------------------------------------------------------ lookups
    def facts(
        self,
        s: str | Node | None = None,
        p: str | Node | None = None,
        o: str | Node | None = None,
        inferred: bool = True,
    ) -> list[Triple]:
        """Facts matching a pattern; ``None`` is a wildcard. Asserted facts come first.

        A string object matches the IRI or any literal with that lexical form
        (``kg.facts("w:Hamlet", "o:publicationDate", "1603")``).
        """
        sn = None if s is None else self._node(s)
        pn = None if p is None else self._node(p)
        objs: list[Node | None] = [None] if o is None else list(self._objects_for(o))
        out: list[Triple] = []
        for index in self._indexes(inferred):
            sourced = getattr(index, "sourced_triples", None)
            for on in objs:
                if sourced is not None:
                    out.extend(self._triple(k, src) for k, src in sourced(sn, pn, on))
                else:
                    out.extend(self._triple(k) for k in index.triples(sn, pn, on))
        return out

    def edges(self, node: str | Node, inferred: bool = True, limit: int | None = None) -> list[tuple[str, str, bool]]:
        """``(property, neighbour, forward)`` for each fact of ``node`` (as subject: forward), without labels: what
        a graph walk needs, cheaply on a hub (:meth:`facts` builds labelled triples), from a store's saved adjacency
        when it has one (:mod:`kgqa.graph.adjacency`). ``limit``: stop after that many (what a walk can spend)."""
        saved = saved_edges(self, node, limit) if inferred else None
        if saved is not None:
            return saved
        n = self._node(node)
        keys = (
            k for ix in self._indexes(inferred) for k in chain(ix.triples(n, None, None), ix.triples(None, None, n))
        )
        return [(str(p), str(o), True) if s == n else (str(p), str(s), False) for s, p, o in islice(keys, limit)]

    def has(self, s: str | Node | None, p: str | Node | None, o: str | Node | None, inferred: bool = True) -> bool:
        """Whether a fact matches the pattern (``None`` = any): stops at the first, builds no :class:`Triple`."""
        sn, pn = (None if x is None else self._node(x) for x in (s, p))
        objs: list[Node | None] = [None] if o is None else list(self._objects_for(o))
        return any(
            next(iter(ix.triples(sn, pn, on)), None) is not None for ix in self._indexes(inferred) for on in objs
        )

    def objects(self, s: str | Node, p: str | Node, inferred: bool = True) -> list[str]:
        """Objects of ``s p ?`` as strings (IRIs or literal lexical forms)."""
        sn, pn = self._node(s), self._node(p)
        out: dict[str, None] = {}
        for index in self._indexes(inferred):
            out.update(dict.fromkeys(map(str, index.objects(sn, pn))))
        return list(out)

    def subjects(self, p: str | Node, o: str | Node, inferred: bool = True) -> list[str]:
        """Subjects of ``? p o``."""
        pn = self._node(p)
        out: dict[str, None] = {}
        for index in self._indexes(inferred):
            for on in self._objects_for(o):
                out.update(dict.fromkeys(map(str, index.subjects(pn, on))))
        return list(out)

    def explain(self, s: str | Node, p: str | Node, o: str | Node) -> list[Triple]:
        """The asserted triples behind a fact (the fact itself when asserted; ``[]`` when unknown)."""
        self._ready(True)
        for on in self._objects_for(o):
            key = (self._node(s), self._node(p), on)
            if key in self._asserted or key in self._inferred:
                return [self._triple(k) for k in explain(key, self._asserted, self._why)]
        return []

    def label(self, iri: str | Node) -> str:
        """The preferred label: an English or untagged ``rdfs:label``, else ``skos:prefLabel``, else the local name."""
        node = self._node(iri)
        cached = self._labels.get(node)
        if cached is not None:
            return cached
        if isinstance(node, Literal):
            text = str(node)
        else:
            text = ""
            for prop in (RDFS.label, SKOS.prefLabel):
                lits = list(self._asserted.objects(node, prop))
                best = [x for x in lits if isinstance(x, Literal) and (x.language or "en").startswith("en")]
                if best or lits:
                    text = str((best or lits)[0])
                    break
            if not text:
                text = _local_name(str(node))
        self._labels[node] = text
        return text

    def labels(self, iri: str | Node) -> list[str]:
        """All names: ``rdfs:label``, ``skos:prefLabel`` and ``skos:altLabel`` values, without repeats."""
        node = self._node(iri)
        out: dict[str, None] = {}
        for prop in (RDFS.label, SKOS.prefLabel, SKOS.altLabel):
            out.update(dict.fromkeys(str(x) for x in self._asserted.objects(node, prop)))
        return list(out) or [self.label(node)]

    def types(self, iri: str | Node, inferred: bool = True) -> list[str]:
        """Classes of ``iri`` (asserted first, then inferred through subclasses)."""
        return self.objects(iri, RDF.type, inferred=inferred)

    def is_instance(self, iri: str | Node, cls: str | Node) -> tuple[bool, list[Triple]]:
        """Whether ``iri`` is a ``cls``, with the asserted triples that show it.

        Example:
            >>> kg.is_instance("w:William_Shakespeare", "o:Writer")[1]   # doctest: +SKIP
            [<Shakespeare type Playwright>, <Playwright subClassOf Writer>]
        """
        key = (self._node(iri), RDF.type, self._node(cls))
        self._ready(True)
        if key in self._asserted or key in self._inferred:
            return True, [self._triple(k) for k in explain(key, self._asserted, self._why)]
        return False, []

    def date(self, iri: str | Node, prop: str | Node) -> KGDate | None:
        """The first value of ``iri prop ?`` that parses as a date (see :func:`kgqa.graph.dates.parse_date`)."""
        sn, pn = self._node(iri), self._node(prop)
        for index in self._indexes(True):
            for value in index.objects(sn, pn):
                if isinstance(value, Literal):
                    found = parse_date(value)
                    if found is not None:
                        return found
        return None

    def __len__(self) -> int:
        """The number of asserted triples."""
        return len(self._asserted)

    def degree(self, iri: str | Node, inferred: bool = False) -> int:
        """How many facts have ``iri`` as subject or as object, counted on the indexes without building facts.

        The entity linker ranks every name of a large graph by it, where :meth:`facts` (labelled
        :class:`Triple` objects) would cost most of the load time.
        """
        node = self._node(iri)
        return sum(
            sum(1 for _ in ix.triples(node, None, None)) + sum(1 for _ in ix.triples(None, None, node))
            for ix in self._indexes(inferred)
        )

    def scan(self, p: str | Node | None = None, inferred: bool = False) -> Iterator[Key]:
        """Every asserted (with ``inferred``, also every inferred) triple with predicate ``p`` (``None``: any).

        The bulk read behind catalogues of a whole graph (:mod:`kgqa.graph.catalogue`): rdflib terms,
        no :class:`Triple` objects or labels, one streamed pass over each index in its own order.
        """
        pn = None if p is None else self._node(p)
        for index in self._indexes(inferred):
            yield from index.triples(None, pn, None)

    def __contains__(self, item: object) -> bool:
        """``iri in kg``: the node occurs in a fact; ``(s, p, o) in kg``: such a fact holds (``None`` = any)."""
        if isinstance(item, tuple) and len(item) == 3:
            s, p, o = item
            return bool(self.facts(s, p, o))
        if isinstance(item, (str, Node)):
            node = self._node(item)
            return any(ix.has_node(node) for ix in self._indexes(True))
        return False

    def __repr__(self) -> str:
        return f"KnowledgeGraph({len(self)} asserted, {len(self._inferred)} inferred, {len(self._files)} files)"

    # ------------------------------------------------------------------ SPARQL
    def query(
        self, sparql: str, bindings: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> list[dict[str, str]]:
        """Run a SPARQL SELECT/ASK/CONSTRUCT over asserted and inferred facts.

        Values in ``bindings`` are bound with rdflib's ``initBindings``, never pasted into the
        query text: a string is an IRI when it is a full ``http(s)``/``urn`` IRI or a bound
        prefixed name, else a plain literal; ints, floats and rdflib terms pass through.
        ``SERVICE`` and ``FROM`` (remote data) are refused. A query still running after
        ``timeout_s`` seconds (default: :attr:`sparql_timeout_s`, 30) is stopped.

        Returns:
            SELECT: one dict per row (variable -> value, unbound variables left out);
            ASK: ``[{}]`` when true, ``[]`` when false; CONSTRUCT/DESCRIBE: one
            ``{"subject", "predicate", "object"}`` dict per triple.

        Raises:
            GraphError: syntax error, remote access, evaluation failure, or the time limit reached.

        Example:
            >>> kg.query("SELECT ?w WHERE { ?w o:author ?a }", {"a": "w:William_Shakespeare"})  # doctest: +SKIP
        """
        timeout = self.sparql_timeout_s if timeout_s is None else timeout_s
        if self._store is not None:
            return run_oxigraph_query(
                self._store, sparql, self._ns, bindings, self._node, self._sparql_graph, timeout_s=timeout
            )
        return run_query(self._sparql_graph(), sparql, self._ns, bindings, self._node, timeout_s=timeout)

    def _sparql_graph(self) -> Any:
        return self._cached("sparql", self._build_sparql_graph)

    def _build_sparql_graph(self) -> Any:
        import rdflib

        if self._store is not None:  # a read-through view of the on-disk store, not a copy
            from kgqa.graph.oxi_store import OxiRdflibStore

            view = rdflib.Graph(store=OxiRdflibStore(self._indexes(True)), bind_namespaces="none")
            for prefix, ns in self._ns.items():
                view.bind(prefix, ns, override=False)
            return view

        graph = rdflib.Graph(bind_namespaces="none")
        for prefix, ns in self._ns.items():
            graph.bind(prefix, ns, override=False)
        for index in self._indexes(True):
            for t in index:
                graph.add(t)
        return graph

    # ------------------------------------------------------------------ paths
    def _edges(self) -> list[Key]:
        return self._cached("edges", lambda: _paths.entity_edges(self._asserted, self._views()["entities"]))

    def nx_graph(self) -> Any:
        """A cached ``networkx.MultiDiGraph`` over entities; asserted entity-to-entity facts are its edges.

        Edges carry ``predicate`` (IRI), ``label`` and ``source``; nodes carry ``label``.
        """
        return self._cached(
            "nx",
            lambda: _paths.to_networkx(
                sorted(self._views()["entities"]), self._edges(), self.label, lambda t: self._origin.get(t, "")
            ),
        )

    def shortest_path(self, a: str | Node, b: str | Node, max_len: int = 4) -> list[Triple] | None:
        """A shortest chain of asserted facts linking two entities, ignoring edge direction.

        Returns:
            The triples in order from ``a`` to ``b``, each in its asserted direction; ``[]``
            when ``a == b``; ``None`` when no chain of at most ``max_len`` facts exists.
        """
        if max_len < 0:
            raise InputError(f"max_len must be >= 0, got {max_len}")
        adjacency = self._cached("adj", lambda: _paths.adjacency(self._edges()))
        path = _paths.bfs_path(adjacency, self._node(a), self._node(b), max_len)
        return None if path is None else [self._triple(k) for k in path]


def _local_name(iri: str) -> str:
    tail = re.split(r"[#/:]", iri.rstrip("/#"))[-1]
    return tail.replace("_", " ") or iri


__all__ = ["KnowledgeGraph"]
