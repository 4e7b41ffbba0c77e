"""Export a reasoned knowledge graph as N-Quads in kgqa's layout, to load into any SPARQL server.

The quads keep what kgqa knows about each fact: an asserted triple sits in the named graph
``urn:kgqa:file:<file name>`` of the file that asserted it, an inferred one in
``urn:kgqa:inferred:<rule>``, and the graph ``urn:kgqa:meta`` holds a description of the export
(counts, namespaces, the literal languages and datatypes in use, the graph names) and one node
per derivation (the inferred triple and its premises as JSON of N3 terms). An endpoint loaded
with this file (``oxigraph load``, Fuseki's ``tdb2.tdbloader``, Virtuoso's ``ld_dir``, a Graph
Store Protocol POST) answers ``KnowledgeGraph.connect`` with the same sources, inferences and
explanations as the files.

Serialisation is pyoxigraph's streaming N-Quads writer.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib.term import Literal
from rdflib.util import from_n3

from kgqa.errors import GraphError
from kgqa.graph.endpoint import EXPORT_VERSION, META_DESCRIPTION, META_GRAPH, META_SUBJECT, WHY_DERIVED, WHY_PREMISES
from kgqa.graph.oxi_store import FILE_GRAPH, INFERRED_GRAPH, to_ox
from kgqa.graph.store import Key

if TYPE_CHECKING:
    from kgqa.graph.kg import KnowledgeGraph

logger = logging.getLogger(__name__)


def key_json(key: Key) -> str:
    """A triple as the JSON list of its three N3 terms (how derivations name triples)."""
    return json.dumps([t.n3() for t in key])


def parse_key(items: Any) -> Key:
    """The triple of a JSON-decoded list of three N3 terms.

    Raises:
        ValueError: not a list of three N3 terms.
    """
    if not isinstance(items, list) or len(items) != 3 or not all(isinstance(x, str) for x in items):
        raise ValueError(f"expected three N3 terms, got {items!r}")
    s, p, o = (from_n3(x) for x in items)
    return (s, p, o)  # type: ignore[return-value]


def export_nquads(kg: KnowledgeGraph, path: str | Path) -> Path:
    """Write ``kg`` (reasoned first if needed) as N-Quads in kgqa's layout (module docstring); ``.gz`` compresses.

    Raises:
        GraphError: the file cannot be written, or the graph is itself a remote endpoint.
    """
    import pyoxigraph as ox

    start = time.perf_counter()
    out = Path(path)
    if getattr(kg._store, "remote", False):
        raise GraphError("this graph is a SPARQL endpoint; export the files or the store it was loaded from")
    kg._ready(True)
    graphs: dict[str, Any] = {}
    languages: dict[str, None] = {}
    datatypes: dict[str, None] = {}

    def graph(name: str) -> Any:
        found = graphs.get(name)
        if found is None:
            found = graphs[name] = ox.NamedNode(name)
        return found

    def quads() -> Iterator[Any]:
        for key, source in kg.sourced_keys(inferred=False):
            o = key[2]
            if isinstance(o, Literal):
                if o.language:
                    languages[o.language] = None
                elif o.datatype is not None:
                    datatypes[str(o.datatype)] = None
            yield ox.Quad(to_ox(key[0]), to_ox(key[1]), to_ox(o), graph(FILE_GRAPH + source))
        meta_graph, derived, premises = ox.NamedNode(META_GRAPH), ox.NamedNode(WHY_DERIVED), ox.NamedNode(WHY_PREMISES)
        n = 0
        for key, rule, why in kg.derivations():
            yield ox.Quad(to_ox(key[0]), to_ox(key[1]), to_ox(key[2]), graph(INFERRED_GRAPH + rule))
            node = ox.NamedNode(f"urn:kgqa:derivation:{n}")
            yield ox.Quad(node, derived, ox.Literal(key_json(key)), meta_graph)
            yield ox.Quad(node, premises, ox.Literal(json.dumps([[t.n3() for t in k] for k in why])), meta_graph)
            n += 1
        meta = {
            "format": "kgqa-export",
            "version": EXPORT_VERSION,
            "files": [f.name for f in kg.files],
            "graphs": sorted(graphs),
            "namespaces": kg.namespaces,
            "asserted": len(kg),
            "inferred": n,
            "domain_range": kg.reasoned_with_domain_range,
            "languages": sorted(languages),
            "datatypes": sorted(datatypes),
        }
        yield ox.Quad(
            ox.NamedNode(META_SUBJECT), ox.NamedNode(META_DESCRIPTION), ox.Literal(json.dumps(meta)), meta_graph
        )

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".gz":
            with gzip.open(out, "wb") as fh:
                ox.serialize(quads(), fh, format=ox.RdfFormat.N_QUADS)
        else:
            ox.serialize(quads(), str(out), format=ox.RdfFormat.N_QUADS)
    except OSError as exc:
        raise GraphError(f"cannot write {out}: {exc}; choose a writable path") from exc
    logger.info("exported %d asserted triples to %s in %.1f s", len(kg), out, time.perf_counter() - start)
    return out


__all__ = ["export_nquads", "key_json", "parse_key"]
