"""A remote SPARQL endpoint as the knowledge graph's backend (``KnowledgeGraph.connect``).

Every lookup the graph makes (``s p ?``, ``? p o``, a node's facts, a literal by its lexical
form) becomes one SPARQL SELECT sent by the SPARQL 1.1 protocol. Values are never pasted into
query text: each bound term sits in a ``VALUES`` block, written by pyoxigraph's N-Triples
serialiser, which escapes literals and refuses malformed IRIs. Results are parsed by pyoxigraph
(SPARQL JSON results, N-Triples for CONSTRUCT), so no hand-written parser reads the wire.

HTTP goes through urllib3 (connection pooling, timeouts, retries with exponential backoff on
connection errors, 429 and 5xx, honouring ``Retry-After``). Answers are kept in a bounded LRU
cache keyed by the exact request, since the pipeline asks the same lookups many times per question.

Two layouts are understood:

- **kgqa layout**: a graph exported by :func:`kgqa.graph.export.export_nquads` and loaded into
  the server. Asserted facts sit in one named graph per source file, inferred facts in one per
  rule, and the ``urn:kgqa:meta`` graph holds the export's description and the derivations, so
  sources, inferences and explanations come back as they do from files or a local store.
- **plain layout**: any other endpoint (Wikidata, Fuseki, QLever, ...). Its default graph is
  read as asserted facts whose source is the endpoint's URL; nothing is inferred locally
  (kgqa cannot materialise inferences over a remote graph), so subclass reasoning is what the
  server itself provides.

Blank nodes cannot be sent back to a server (a blank node in a query is a new variable), so
lookups starting from one find nothing.
"""

from __future__ import annotations

import collections
import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rdflib.term import Node

from kgqa.errors import EndpointError, GraphError, InputError
from kgqa.graph.oxi_store import (
    FILE_GRAPH,
    INFERRED_GRAPH,
    OxiDerivations,
    OxiIndex,
    OxiLex,
    OxiOrigin,
    to_ox,
    to_rdf,
)
from kgqa.graph.store import Key, TripleIndex

if TYPE_CHECKING:
    from kgqa.graph.kg import KnowledgeGraph

logger = logging.getLogger(__name__)

#: the named graph of a kgqa export's description and derivations
META_GRAPH = "urn:kgqa:meta"
#: subject and predicate of the export's description (a JSON literal)
META_SUBJECT = "urn:kgqa:dataset"
META_DESCRIPTION = "urn:kgqa:description"
#: a derivation node's inferred triple and premises (JSON literals of N3 terms)
WHY_DERIVED = "urn:kgqa:derived"
WHY_PREMISES = "urn:kgqa:premises"
#: bumped whenever the exported layout changes meaning
EXPORT_VERSION = 1
#: the datatypes a plain endpoint's literal may carry when kgqa looks one up by its text (XSD's common ones)
PLAIN_DATATYPES = tuple(
    f"http://www.w3.org/2001/XMLSchema#{t}"
    for t in ("integer", "decimal", "double", "boolean", "date", "dateTime", "gYear", "gYearMonth")
)
#: the keyword options of :meth:`KnowledgeGraph.connect` besides ``catalogue``
CONNECT_OPTIONS = ("timeout_s", "retries", "cache_size", "headers", "languages")
_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, application/n-quads;q=0.8"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_MAX_CACHED_BYTES = 1 << 20


def _check_url(url: Any) -> str:
    if not isinstance(url, str) or not url.strip():
        raise InputError(f"a SPARQL endpoint URL must be a non-empty string, not {url!r}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{url!r} is not an http(s) SPARQL endpoint URL; give one such as http://127.0.0.1:7878/query")
    return url.strip()


class SparqlEndpoint:
    """An HTTP client for one SPARQL 1.1 query endpoint.

    Args:
        url: the query endpoint, e.g. ``http://127.0.0.1:7878/query`` or ``https://query.wikidata.org/sparql``.
        timeout_s: seconds to wait for an answer (per attempt).
        retries: extra attempts after a connection error, 429 or 5xx, with exponential backoff.
        backoff_s: the first backoff (doubled on each retry).
        cache_size: answers kept (LRU); 0 turns the cache off. Answers over 1 MiB are not kept.
        headers: extra HTTP headers (an ``Authorization`` or a ``User-Agent`` a public endpoint asks for).

    Raises:
        InputError: a URL that is not http(s), or a negative count.
    """

    def __init__(
        self,
        url: str,
        timeout_s: float = 30.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        cache_size: int = 4096,
        headers: dict[str, str] | None = None,
    ) -> None:
        import urllib3

        self.url = _check_url(url)
        for name, value in (("retries", retries), ("cache_size", cache_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(f"{name} must be a whole number >= 0, not {value!r}")
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float) or not timeout_s > 0:
            raise InputError(f"timeout_s must be a positive number of seconds, not {timeout_s!r}")
        self.timeout_s = float(timeout_s)
        self.retries = retries
        self.cache_size = cache_size
        self._retry = urllib3.Retry(
            total=retries,
            read=0,  # a query that ran out of time would only run out of time again
            backoff_factor=backoff_s,
            status_forcelist=_RETRY_STATUS,
            allowed_methods=None,  # SPARQL queries are read-only: POST is safe to repeat
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        self._http = urllib3.PoolManager(maxsize=8, retries=self._retry)
        self._headers = {"Accept": _ACCEPT, "User-Agent": "kgqa (https://kgqa.dev)", **(headers or {})}
        self._cache: collections.OrderedDict[tuple[str, tuple[str, ...]], tuple[str, bytes]] = collections.OrderedDict()
        self._lock = threading.Lock()
        #: requests sent and answers served from the cache, for benchmarks and the trace
        self.stats = {"requests": 0, "cache_hits": 0}

    def request(
        self, query: str, default_graphs: tuple[str, ...] = (), timeout_s: float | None = None
    ) -> tuple[str, bytes]:
        """``(content type, body)`` of the endpoint's answer to ``query`` (from the cache when asked before).

        Raises:
            EndpointError: the server cannot be reached, does not answer in time, or refuses the query.
        """
        import urllib3

        key = (query, default_graphs)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                self.stats["cache_hits"] += 1
                return hit
        fields = [("query", query), *(("default-graph-uri", g) for g in default_graphs)]
        timeout = self.timeout_s if timeout_s is None else timeout_s
        try:
            self.stats["requests"] += 1
            response = self._http.request_encode_body(
                "POST",
                self.url,
                fields=fields,
                headers=self._headers,
                encode_multipart=False,
                timeout=urllib3.Timeout(connect=min(timeout, 10.0), read=timeout),
            )
        except urllib3.exceptions.HTTPError as exc:
            reason = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
            if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
                raise EndpointError(
                    f"the SPARQL query was stopped after {timeout:g} s, its time limit: the endpoint {self.url} did "
                    "not answer in time; make it more selective (bind variables, add LIMIT) or raise the limit "
                    "(sparql_timeout_s in kgqa.json, `kgqa graph query --timeout N`)"
                ) from exc
            raise EndpointError(
                f"cannot reach the SPARQL endpoint {self.url} after {self.retries + 1} attempts ({reason}); "
                "check the URL and that the server is running"
            ) from exc
        body = response.data
        if response.status != 200:
            detail = body.decode("utf-8", "replace").strip().splitlines()
            raise EndpointError(
                f"the SPARQL endpoint {self.url} refused the query (HTTP {response.status}): "
                f"{detail[0][:300] if detail else 'no detail'}"
            )
        answer = (response.headers.get("Content-Type", "").split(";")[0].strip().lower(), body)
        if self.cache_size and len(body) <= _MAX_CACHED_BYTES:
            with self._lock:
                self._cache[key] = answer
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return answer

    def results(self, query: str, default_graphs: tuple[str, ...] = (), timeout_s: float | None = None) -> Any:
        """The parsed answer: pyoxigraph ``QuerySolutions``, ``QueryBoolean``, or a list of ``Triple``.

        Raises:
            EndpointError: as :meth:`request`, or an answer in a format kgqa cannot read.
        """
        import pyoxigraph as ox

        kind, body = self.request(query, default_graphs, timeout_s)
        try:
            if kind in ("application/n-triples", "application/n-quads", "text/turtle"):
                fmt = ox.RdfFormat.from_media_type(kind)
                return list(ox.parse(body, format=fmt))
            fmt = ox.QueryResultsFormat.from_media_type(kind) if kind else ox.QueryResultsFormat.JSON
            if fmt is None:
                raise ValueError(f"unexpected content type {kind!r}")
            return ox.parse_query_results(body, format=fmt)
        except (SyntaxError, ValueError, OSError) as exc:
            raise EndpointError(
                f"the SPARQL endpoint {self.url} sent an answer kgqa cannot read ({kind or 'no content type'}: {exc})"
            ) from exc

    def select(self, query: str, default_graphs: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Rows of a SELECT as ``{variable: pyoxigraph term}`` (unbound variables left out)."""
        import pyoxigraph as ox

        result = self.results(query, default_graphs)
        if not isinstance(result, ox.QuerySolutions):
            raise EndpointError(f"the SPARQL endpoint {self.url} did not answer a SELECT with solutions")
        names = [v.value for v in result.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in result]


def values_block(bound: dict[str, Node]) -> str:
    """``VALUES (?a ?b) { (term term) }`` for bound terms, each written by pyoxigraph (escaped, IRIs checked).

    Raises:
        GraphError: a term a SPARQL query cannot carry (a blank node, a malformed IRI).
    """
    if not bound:
        return ""
    cells = []
    for name, node in bound.items():
        term = to_ox(node)
        if type(term).__name__ == "BlankNode":
            raise GraphError(f"a blank node cannot be bound for ?{name} in a query to a SPARQL endpoint")
        cells.append(str(term))
    return f"VALUES ({' '.join('?' + n for n in bound)}) {{ ({' '.join(cells)}) }}"


class EndpointStore:
    """The pyoxigraph ``Store`` methods kgqa's index views call, answered by a :class:`SparqlEndpoint`.

    With it, :class:`~kgqa.graph.oxi_store.OxiIndex` and its companions read a remote graph exactly
    as they read a local store. ``remote`` tells the SPARQL runner to let the server apply the time
    limit rather than forking a local process.
    """

    remote = True

    def __init__(self, endpoint: SparqlEndpoint, meta: dict[str, Any] | None) -> None:
        self.endpoint = endpoint
        self.meta = meta
        host = urlsplit(endpoint.url).netloc
        self.source = f"sparql:{host}"
        #: the graphs a user's query sees as its default graph (the kgqa layout's named graphs)
        self.default_graphs: tuple[str, ...] = tuple(meta["graphs"]) if meta else ()
        import pyoxigraph as ox

        self._plain_graph = ox.NamedNode(FILE_GRAPH + self.source)

    def quads_for_pattern(self, s: Any, p: Any, o: Any, graph: Any = None) -> Iterator[Any]:
        """Quads matching a pattern of pyoxigraph terms (``None`` = any), like ``pyoxigraph.Store``."""
        import pyoxigraph as ox

        bound = {n: to_rdf(t) for n, t in (("s", s), ("p", p), ("o", o)) if t is not None}
        if any(type(t).__name__ == "BlankNode" for t in (s, p, o) if t is not None):
            return
        values = values_block(bound)
        if self.meta is not None:
            rows = self.endpoint.select(f"SELECT ?s ?p ?o ?g WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} }}")
            for r in rows:
                if "g" in r:
                    yield ox.Quad(r["s"], r["p"], r["o"], r["g"])
        else:
            rows = self.endpoint.select(f"SELECT ?s ?p ?o WHERE {{ {values} ?s ?p ?o }}")
            for r in rows:
                yield ox.Quad(r["s"], r["p"], r["o"], self._plain_graph)

    def query(
        self,
        sparql: str,
        prefixes: dict[str, str] | None = None,
        use_default_graph_as_union: bool = True,
        substitutions: dict[Any, Any] | None = None,
        timeout_s: float | None = None,
    ) -> Any:
        """A user's query, sent with kgqa's prefixes declared first and bound values in a trailing ``VALUES`` clause.

        A trailing ``VALUES`` block is joined with the query's solutions before projection, so it binds
        any variable of SELECT, ASK and CONSTRUCT queries alike; the query keeps its own prefixes, which
        override kgqa's.
        """
        head = "".join(f"PREFIX {k}: <{v}>\n" for k, v in (prefixes or {}).items())
        tail = ""
        if substitutions:
            tail = "\n" + values_block({var.value: to_rdf(term) for var, term in substitutions.items()})
        graphs = self.default_graphs if use_default_graph_as_union else ()
        return self.endpoint.results(head + sparql + tail, graphs, timeout_s)


class EndpointDerivations(OxiDerivations):
    """``inferred triple -> (rule, premises)``: the rule from the quad's graph, the premises from a kgqa
    export's derivation nodes on the endpoint (``urn:kgqa:meta``), one query per explained triple."""

    def __init__(self, inferred: OxiIndex, endpoint: SparqlEndpoint) -> None:
        self._inferred = inferred
        self._endpoint = endpoint

    def _premises(self, key: Key) -> tuple[Key, ...] | None:
        from rdflib.term import Literal

        from kgqa.graph.export import key_json, parse_key

        values = values_block({"t": Literal(key_json(key))})
        rows = self._endpoint.select(
            f"SELECT ?prem WHERE {{ {values} GRAPH <{META_GRAPH}> {{ ?w <{WHY_DERIVED}> ?t ; <{WHY_PREMISES}> ?prem }} }}"
        )
        if not rows:
            return None
        try:
            return tuple(parse_key(x) for x in json.loads(rows[0]["prem"].value))
        except (ValueError, TypeError, KeyError) as exc:
            raise EndpointError(
                f"the derivation of {key_json(key)} on {self._endpoint.url} is malformed ({exc}); "
                "load a fresh export (kgqa graph export) into the server"
            ) from exc


class _CountedIndex(OxiIndex):
    """An :class:`OxiIndex` whose size is counted by the server on first ``len()`` (plain layout)."""

    def __len__(self) -> int:
        if self._n < 0:
            rows = self._store.endpoint.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            self._n = int(rows[0]["n"].value) if rows else 0
        return self._n


def read_export_meta(endpoint: SparqlEndpoint) -> dict[str, Any] | None:
    """The description of a kgqa export loaded into the endpoint, or ``None`` when it holds another graph.

    Raises:
        EndpointError: the server cannot be reached, or the description is of another version or malformed.
    """
    rows = endpoint.select(
        f"SELECT ?d WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_SUBJECT}> <{META_DESCRIPTION}> ?d }} }} LIMIT 1"
    )
    if not rows:
        return None
    fix = "export the graph again with `kgqa graph export` and reload the server"
    try:
        meta = json.loads(rows[0]["d"].value)
    except (ValueError, AttributeError) as exc:
        raise EndpointError(f"the kgqa description on {endpoint.url} is not JSON ({exc}); {fix}") from exc
    if not isinstance(meta, dict) or meta.get("version") != EXPORT_VERSION:
        version = meta.get("version") if isinstance(meta, dict) else None
        raise EndpointError(
            f"the kgqa export on {endpoint.url} has version {version!r}, this kgqa reads {EXPORT_VERSION}; {fix}"
        )
    need = {"graphs": list, "namespaces": dict, "asserted": int, "inferred": int, "languages": list, "datatypes": list}
    for name, kind in need.items():
        if not isinstance(meta.get(name), kind):
            raise EndpointError(f"the kgqa description on {endpoint.url} has no valid {name!r}; {fix}")
    return meta


def connect_endpoint(
    kg: KnowledgeGraph,
    url: str,
    timeout_s: float = 30.0,
    retries: int = 3,
    cache_size: int = 4096,
    headers: dict[str, str] | None = None,
    languages: tuple[str, ...] = ("en",),
    catalogue: str | Path | None = None,
) -> None:
    """Point an empty ``kg`` at a SPARQL endpoint (see :meth:`KnowledgeGraph.connect`).

    ``languages``: the language tags a plain-layout endpoint's literals may carry, used to find a
    literal by its lexical form together with :data:`PLAIN_DATATYPES` (a kgqa export records its own).
    ``catalogue``: a names catalogue file (:mod:`kgqa.graph.catalogue`), written from the endpoint
    when missing, so the entity linker looks names up in it rather than asking the server for every label.
    """
    endpoint = SparqlEndpoint(url, timeout_s=timeout_s, retries=retries, cache_size=cache_size, headers=headers)
    kg.sparql_timeout_s = endpoint.timeout_s
    meta = read_export_meta(endpoint)
    store = EndpointStore(endpoint, meta)
    kg._store = store
    if meta is not None:
        asserted = OxiIndex(store, FILE_GRAPH, meta["asserted"])
        inferred = OxiIndex(store, INFERRED_GRAPH, meta["inferred"])
        kg._inferred = inferred  # type: ignore[assignment]
        kg._why = EndpointDerivations(inferred, endpoint)  # type: ignore[assignment]
        kg._lex = OxiLex(asserted, meta["languages"], meta["datatypes"])  # type: ignore[assignment]
        kg._ns = {**kg._ns, **meta["namespaces"]}
        kg._domain_range = bool(meta.get("domain_range", True))
    else:
        asserted = _CountedIndex(store, FILE_GRAPH, -1)
        kg._inferred = TripleIndex()
        kg._why = {}
        kg._lex = OxiLex(asserted, list(languages), list(PLAIN_DATATYPES))  # type: ignore[assignment]
    kg._asserted = asserted  # type: ignore[assignment]
    kg._origin = OxiOrigin(asserted)  # type: ignore[assignment]
    kg._files = []
    kg._dirty = False
    fingerprint = hashlib.sha256(json.dumps([endpoint.url, meta], sort_keys=True).encode()).hexdigest()[:16]
    kg.endpoint_fingerprint = fingerprint
    logger.info(
        "connected to the SPARQL endpoint %s (%s layout)", endpoint.url, "kgqa" if meta is not None else "plain"
    )
    if catalogue is not None:
        path = Path(catalogue)
        if not path.is_file():
            from kgqa.graph.catalogue import write_catalogue

            logger.info("writing the names catalogue %s from %s (one bulk scan)", path, endpoint.url)
            write_catalogue(kg, path)
        kg.catalogue_path = path


__all__ = [
    "CONNECT_OPTIONS",
    "EXPORT_VERSION",
    "META_GRAPH",
    "EndpointDerivations",
    "EndpointStore",
    "SparqlEndpoint",
    "connect_endpoint",
    "read_export_meta",
    "values_block",
]
