"""A names catalogue: what entity linking and the vocabulary views need from a graph, in one SQLite file.

On a large graph the entity linker's names (every label and alias of every entity and class,
ranked by degree) take minutes to gather through index lookups, and the entity / class /
property views take seconds of ``rdf:type`` scanning. :func:`write_catalogue` gathers them once,
with bulk scans, and :class:`NamesCatalogue` serves them to :class:`~kgqa.graph.linking.EntityLinker`
and :meth:`~kgqa.graph.kg.KnowledgeGraph.entities` / ``classes`` / ``properties``.

Why SQLite (the standard library's ``sqlite3``): the catalogue is served by key from disk, a
B-tree lookup per name the linker asks about, so opening loads nothing up front and memory
holds only an LRU cache of the names recently asked for; it is one portable file, written
atomically, and readable from several threads. A pickled or JSON dict would have to be read
whole on every load.

Tables: ``meta`` (format, version, counts of the graph it describes, ``max_tokens``), ``views``
(view, term), ``names`` (catalogue, name key, order, candidates as JSON), ``affixes``
(catalogue, ``^abc`` / ``abc$``, keys as JSON), ``degrees`` (IRI, degree) and ``vocabulary``
(normalised class and property names).

Example:
    >>> write_catalogue(KnowledgeGraph.load(), "catalogue.sqlite")   # doctest: +SKIP
    >>> NamesCatalogue("catalogue.sqlite").names("entities")["shakespeare"]  # doctest: +SKIP
    (('https://kgqa.dev/world/William_Shakespeare', False),)
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rdflib.namespace import RDFS, SKOS
from rdflib.term import BNode, Literal, Node, URIRef
from rdflib.util import from_n3
from tqdm.auto import tqdm

from kgqa.errors import GraphError
from kgqa.graph.linking import NameIndex, index_names, name_entries, normalize

if TYPE_CHECKING:
    from kgqa.graph.kg import KnowledgeGraph

logger = logging.getLogger(__name__)

#: the file name of a graph store's catalogue
CATALOGUE_FILE = "catalogue.sqlite"
FORMAT = "kgqa-names-catalogue"
#: bumped whenever the tables or the meaning of their rows change
FORMAT_VERSION = 1
#: the two catalogues of names the linker reads
CATALOGUES = ("entities", "classes")
VIEWS = ("entities", "classes", "properties")
_NAME_PROPS = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
_V = TypeVar("_V")

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE views (view TEXT NOT NULL, term TEXT NOT NULL);
CREATE INDEX views_by_view ON views (view);
CREATE TABLE names (
    catalogue TEXT NOT NULL, key TEXT NOT NULL, pos INTEGER NOT NULL, candidates TEXT NOT NULL,
    PRIMARY KEY (catalogue, key)
) WITHOUT ROWID;
CREATE INDEX names_in_order ON names (catalogue, pos);
CREATE TABLE affixes (
    catalogue TEXT NOT NULL, affix TEXT NOT NULL, keys TEXT NOT NULL, PRIMARY KEY (catalogue, affix)
) WITHOUT ROWID;
CREATE TABLE degrees (iri TEXT PRIMARY KEY, degree INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE vocabulary (key TEXT PRIMARY KEY) WITHOUT ROWID;
"""


def _fix_hint(path: Path) -> str:
    return (
        f"rebuild it with `kgqa graph catalogue {path.parent} --overwrite` for a graph store folder, "
        f"or write_catalogue(graph, {str(path)!r})"
    )


# ---------------------------------------------------------------------- terms
def _encode_term(node: Node) -> str:
    if isinstance(node, URIRef):
        return "u" + str(node)
    if isinstance(node, BNode):
        return "b" + str(node)
    return "n" + node.n3()


def _decode_term(text: str) -> Node:
    kind, value = text[:1], text[1:]
    if kind == "u":
        return URIRef(value)
    if kind == "b":
        return BNode(value)
    return from_n3(value)  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- build
class _Names:
    """Every node's names and degree, gathered in one pass over the asserted triples.

    ``label`` and ``labels`` give what :meth:`KnowledgeGraph.label` and :meth:`KnowledgeGraph.labels`
    give. Only a node whose preferred label cannot be told from the scan alone (several English
    labels, whose order is the graph's index order) or that has no name (its local name) is
    looked up in the graph itself.
    """

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self.degree: dict[Node, int] = {}
        self.values: dict[Node, dict[Node, dict[Node, None]]] = {}
        degree, values, name_props = self.degree, self.values, set(_NAME_PROPS)
        for s, p, o in tqdm(kg.scan(), total=len(kg), desc="names catalogue", unit=" triples", disable=None):
            degree[s] = degree.get(s, 0) + 1
            degree[o] = degree.get(o, 0) + 1
            if p in name_props:
                values.setdefault(s, {}).setdefault(p, {})[o] = None

    def label(self, iri: str) -> str:
        found = self.values.get(URIRef(iri))
        if found:
            for prop in (RDFS.label, SKOS.prefLabel):
                lits = list(found.get(prop, ()))
                if lits:
                    best = [x for x in lits if isinstance(x, Literal) and (x.language or "en").startswith("en")]
                    chosen = best or lits
                    if len(chosen) == 1:
                        return str(chosen[0])
                    break
        return self.kg.label(iri)

    def labels(self, iri: str) -> list[str]:
        found = self.values.get(URIRef(iri), {})
        out = dict.fromkeys(str(x) for prop in _NAME_PROPS for x in found.get(prop, ()))
        return list(out) or [self.label(iri)]

    def rank(self, iri: str) -> float:
        return self.degree.get(URIRef(iri), 0)


def write_catalogue(kg: KnowledgeGraph, path: str | Path) -> Path:
    """Write the names catalogue of ``kg`` to ``path`` (replacing any file there); see the module docstring.

    Works on any :class:`~kgqa.graph.kg.KnowledgeGraph` (in memory, opened from a graph store, or
    a remote endpoint): it reads the vocabulary views and then every asserted triple once, in
    bulk, never one lookup per node. The file is written next to ``path`` and moved into place.

    Returns:
        ``path``.

    Raises:
        GraphError: the file cannot be written.
    """
    path = Path(path)
    start = time.perf_counter()
    views = kg.vocabulary_views()
    t_views = time.perf_counter()
    names = _Names(kg)
    t_scan = time.perf_counter()
    ordered = {view: sorted(map(str, views[view])) for view in VIEWS}
    entities = index_names(name_entries(ordered["entities"], names.label, names.labels, plurals=False), names.rank)
    classes = index_names(name_entries(ordered["classes"], names.label, names.labels, plurals=True), names.rank)
    vocabulary = {normalize(n) for iri in [*ordered["classes"], *ordered["properties"]] for n in names.labels(iri)}
    degrees = {iri: int(names.rank(iri)) for iri in [*ordered["entities"], *ordered["classes"]]}
    t_index = time.perf_counter()
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "asserted": len(kg),
        "max_tokens.entities": entities.max_tokens,
        "max_tokens.classes": classes.max_tokens,
    }
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        db = sqlite3.connect(tmp)
        try:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.executescript(_SCHEMA)
            with db:
                db.executemany("INSERT INTO meta VALUES (?, ?)", ((k, json.dumps(v)) for k, v in meta.items()))
                db.executemany(
                    "INSERT INTO views VALUES (?, ?)",
                    ((view, _encode_term(t)) for view in VIEWS for t in sorted(views[view], key=str)),
                )
                for which, index in zip(CATALOGUES, (entities, classes), strict=True):
                    _insert_index(db, which, index)
                db.executemany("INSERT INTO degrees VALUES (?, ?)", sorted(degrees.items()))
                db.executemany("INSERT INTO vocabulary VALUES (?)", ((k,) for k in sorted(vocabulary)))
        finally:
            db.close()
        os.replace(tmp, path)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise GraphError(f"cannot write the names catalogue {path}: {exc}; choose a folder you can write to") from exc
    logger.info(
        "wrote the names catalogue %s (%d entity names, %d class names) in %.1f s: views %.1f s, scan %.1f s, "
        "index %.1f s, write %.1f s",
        path,
        len(entities.exact),
        len(classes.exact),
        time.perf_counter() - start,
        t_views - start,
        t_scan - t_views,
        t_index - t_scan,
        time.perf_counter() - t_index,
    )
    return path


def _insert_index(db: sqlite3.Connection, which: str, index: NameIndex) -> None:
    db.executemany(
        "INSERT INTO names VALUES (?, ?, ?, ?)",
        (
            (which, key, pos, json.dumps([[iri, int(primary)] for iri, primary in bucket]))
            for pos, (key, bucket) in enumerate(index.exact.items())
        ),
    )
    db.executemany(
        "INSERT INTO affixes VALUES (?, ?, ?)",
        ((which, affix, json.dumps(sorted(keys))) for affix, keys in index.affix.items()),
    )


# ---------------------------------------------------------------------- read
class CatalogueTable(Mapping[str, _V]):
    """A read-only mapping served from one table of a :class:`NamesCatalogue`, with an LRU cache.

    ``key in table``, ``table[key]``, ``table.get(key)``, ``len(table)`` and iteration over the keys
    (in the order the catalogue was written) all work; absent keys are cached too.
    """

    def __init__(
        self,
        catalogue: NamesCatalogue,
        get_sql: str,
        keys_sql: str,
        args: tuple[Any, ...],
        decode: Callable[[Any], _V],
        cache_size: int,
    ) -> None:
        self._catalogue = catalogue
        self._get_sql, self._keys_sql, self._args, self._decode = get_sql, keys_sql, args, decode
        self._lookup = lru_cache(maxsize=cache_size)(self._fetch)

    def _fetch(self, key: str) -> _V | None:
        rows = self._catalogue.rows(self._get_sql, (*self._args, key))
        return self._decode(rows[0][0]) if rows else None

    def __getitem__(self, key: str) -> _V:
        found = self._lookup(key) if isinstance(key, str) else None
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter([row[0] for row in self._catalogue.rows(self._keys_sql, self._args)])

    def __len__(self) -> int:
        return len(self._catalogue.rows(self._keys_sql, self._args))


class _Views(Mapping[str, frozenset[Node]]):
    """The vocabulary views of a catalogue, each read when first asked for (the linker needs only the properties)."""

    def __init__(self, catalogue: NamesCatalogue) -> None:
        self._catalogue = catalogue
        self._loaded: dict[str, frozenset[Node]] = {}
        self._lock = threading.Lock()

    def __getitem__(self, view: str) -> frozenset[Node]:
        found = self._loaded.get(view)
        if found is None:
            if view not in VIEWS:
                raise KeyError(view)
            with self._lock:  # read once, however many threads ask at the same time
                found = self._loaded.get(view)
                if found is None:
                    rows = self._catalogue.rows("SELECT term FROM views WHERE view = ?", (view,))
                    found = self._loaded[view] = frozenset(_decode_term(term) for (term,) in rows)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(VIEWS)

    def __len__(self) -> int:
        return len(VIEWS)


def _candidates(text: str) -> tuple[tuple[str, bool], ...]:
    return tuple((iri, bool(primary)) for iri, primary in json.loads(text))


def _keys(text: str) -> frozenset[str]:
    return frozenset(json.loads(text))


class NamesCatalogue:
    """A names catalogue file written by :func:`write_catalogue`, opened read-only.

    Lookups are thread-safe: one SQLite connection, used under a lock, behind per-table LRU caches.

    Args:
        path: the catalogue file.
        cache_size: names cached per table (affix lists, which can be long, get a sixteenth of it).

    Raises:
        GraphError: the file is missing, not a catalogue, corrupt, or of another format version.
    """

    def __init__(self, path: str | Path, cache_size: int = 1 << 15) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise GraphError(f"no names catalogue at {self.path}; {_fix_hint(self.path)}")
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise GraphError(f"cannot open the names catalogue {self.path}: {exc}; {_fix_hint(self.path)}") from exc
        meta = {name: json.loads(value) for name, value in self.rows("SELECT name, value FROM meta", ())}
        if meta.get("format") != FORMAT:
            raise GraphError(f"{self.path} is not a kgqa names catalogue; {_fix_hint(self.path)}")
        if meta.get("version") != FORMAT_VERSION:
            raise GraphError(
                f"the names catalogue {self.path} has format version {meta.get('version')!r}, this kgqa reads "
                f"version {FORMAT_VERSION}; {_fix_hint(self.path)}"
            )
        for name in ("asserted", *(f"max_tokens.{c}" for c in CATALOGUES)):
            if not isinstance(meta.get(name), int):
                raise GraphError(f"the names catalogue {self.path} has no valid {name!r}; {_fix_hint(self.path)}")
        #: the catalogue's ``meta`` table: format, version, the graph's asserted triple count, max_tokens
        self.meta: dict[str, Any] = meta
        small = max(cache_size // 16, 16)
        self._names = {
            c: CatalogueTable(
                self,
                "SELECT candidates FROM names WHERE catalogue = ? AND key = ?",
                "SELECT key FROM names WHERE catalogue = ? ORDER BY pos",
                (c,),
                _candidates,
                cache_size,
            )
            for c in CATALOGUES
        }
        self._affixes = {
            c: CatalogueTable(
                self,
                "SELECT keys FROM affixes WHERE catalogue = ? AND affix = ?",
                "SELECT affix FROM affixes WHERE catalogue = ?",
                (c,),
                _keys,
                small,
            )
            for c in CATALOGUES
        }
        #: the normalised names of the graph's classes and properties (``name in catalogue.vocabulary``)
        self.vocabulary: CatalogueTable[bool] = CatalogueTable(
            self, "SELECT 1 FROM vocabulary WHERE key = ?", "SELECT key FROM vocabulary", (), bool, cache_size
        )
        self._degrees: CatalogueTable[int] = CatalogueTable(
            self, "SELECT degree FROM degrees WHERE iri = ?", "SELECT iri FROM degrees", (), int, cache_size
        )
        self._views = _Views(self)

    def rows(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        """The rows of one query on the catalogue (under the lock).

        Raises:
            GraphError: the file cannot be read (corrupt, truncated or removed).
        """
        try:
            with self._lock:
                return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise GraphError(f"cannot read the names catalogue {self.path}: {exc}; {_fix_hint(self.path)}") from exc

    def _check(self, which: str) -> str:
        if which not in CATALOGUES:
            raise GraphError(f"no names catalogue {which!r}; choose one of {', '.join(CATALOGUES)}")
        return which

    def names(self, which: str) -> CatalogueTable[tuple[tuple[str, bool], ...]]:
        """Normalised name -> ``(iri, is the preferred label)`` candidates, best first, of ``"entities"`` or ``"classes"``."""
        return self._names[self._check(which)]

    def affixes(self, which: str) -> CatalogueTable[frozenset[str]]:
        """``"^abc"`` / ``"abc$"`` -> the names of ``which`` holding a token that starts / ends so."""
        return self._affixes[self._check(which)]

    def max_tokens(self, which: str) -> int:
        """The number of tokens of the longest name of ``which``."""
        return int(self.meta[f"max_tokens.{self._check(which)}"])

    def degree(self, iri: str) -> int:
        """How many asserted facts have ``iri`` as subject or object (0 for a node the catalogue does not name)."""
        return self._degrees.get(iri, 0)

    def views(self) -> Mapping[str, frozenset[Node]]:
        """The ``"entities"``, ``"classes"`` and ``"properties"`` nodes; each view is read whole on first use."""
        return self._views

    def close(self) -> None:
        """Close the file (lookups after this raise GraphError)."""
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"NamesCatalogue({str(self.path)!r})"


__all__ = ["CATALOGUES", "CATALOGUE_FILE", "FORMAT_VERSION", "CatalogueTable", "NamesCatalogue", "write_catalogue"]
