"""SPARQL over the knowledge graph: user values bound, never pasted; no remote access.

Values reach the query only through rdflib's ``initBindings``, so a value such as
``'x" } ; DROP ALL #'`` is one literal, never query text. ``SERVICE`` (a remote
endpoint) and ``FROM``/``FROM NAMED`` (rdflib would load those graphs) are refused.
Updates are not part of the query grammar and fail as syntax errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rdflib.term import Literal, Node, Variable

from kgqa.errors import GraphError, InputError

_IRI = re.compile(r"^(?:https?|urn|file|mailto|tag):[^\s<>\"{}|\\^`]+$", re.IGNORECASE)
_CURIE = re.compile(r"^([A-Za-z_][\w.\-]*)?:([\w.\-]*)$")
_VAR = re.compile(r"^[?$]?([A-Za-z_][A-Za-z0-9_]*)$")


def binding_term(value: Any, namespaces: dict[str, str], to_node: Callable[[str], Node]) -> Node:
    """The rdflib term for a bound value.

    A string is an IRI when it is a full ``http(s)``/``urn``/... IRI or a prefixed name with a
    bound prefix; any other string is a plain literal. bool/int/float become typed literals.
    """
    if isinstance(value, Node):
        return value
    if isinstance(value, (bool, int, float)):
        return Literal(value)
    if not isinstance(value, str):
        raise InputError(f"cannot bind a {type(value).__name__}; use str, int, float or an rdflib term")
    curie = _CURIE.match(value)
    if _IRI.match(value) or (curie and (curie.group(1) or "") in namespaces):
        return to_node(value)
    return Literal(value)


def run_query(
    graph: Any,
    sparql: str,
    namespaces: dict[str, str],
    bindings: dict[str, Any] | None,
    to_node: Callable[[str], Node],
) -> list[dict[str, str]]:
    """Prepare, check and evaluate ``sparql`` on an rdflib graph; see :meth:`KnowledgeGraph.query`."""
    from rdflib.plugins.sparql import prepareQuery

    if not isinstance(sparql, str):
        raise InputError(f"expected a SPARQL string, got {type(sparql).__name__}")
    try:
        prepared = prepareQuery(sparql, initNs=namespaces)
    except Exception as exc:  # pyparsing.ParseException and rdflib's own errors
        raise GraphError(f"SPARQL syntax error: {exc}") from exc
    _refuse_remote(prepared.algebra)
    init: dict[Variable, Node] = {}
    for name, value in (bindings or {}).items():
        match = _VAR.match(name) if isinstance(name, str) else None
        if not match:
            raise InputError(f"binding name {name!r} is not a SPARQL variable name")
        init[Variable(match.group(1))] = binding_term(value, namespaces, to_node)
    try:
        result = graph.query(prepared, initBindings=init)
    except Exception as exc:
        raise GraphError(f"SPARQL query failed: {exc}") from exc
    if result.type == "ASK":
        return [{}] if result.askAnswer else []
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return [{"subject": str(s), "predicate": str(p), "object": str(o)} for s, p, o in result.graph or ()]
    names = [str(v) for v in result.vars or ()]
    return [{n: str(row[n]) for n in names if row[n] is not None} for row in result]


def _refuse_remote(node: Any) -> None:
    """Raise on SERVICE or FROM clauses anywhere in a parsed query's algebra."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if getattr(item, "name", "") == "ServiceGraphPattern":
                raise GraphError("SPARQL SERVICE clauses are not allowed: the graph never queries remote endpoints")
            if dict.get(item, "datasetClause"):  # CompValue.get returns the key itself when missing
                raise GraphError("SPARQL FROM/FROM NAMED clauses are not allowed: the graph never loads remote data")
            stack.extend(dict.values(item))
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


__all__ = ["binding_term", "run_query"]
