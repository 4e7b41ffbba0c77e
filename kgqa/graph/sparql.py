"""SPARQL over the knowledge graph: user values bound, never pasted; no remote access.

Values reach the query only through rdflib's ``initBindings``, so a value such as
``'x" } ; DROP ALL #'`` is one literal, never query text. ``SERVICE`` (a remote
endpoint) and ``FROM``/``FROM NAMED`` (rdflib would load those graphs) are refused.
Updates are not part of the query grammar and fail as syntax errors.

rdflib has no query timeout, and a query can run for hours (a cross product of every pattern,
a catastrophic ``REGEX``) inside code that holds the interpreter lock. So a query with a time
limit is evaluated in a forked child process that is killed at the deadline; the parent keeps
the graph and only receives the rows. Where ``fork`` is not available (Windows) the query runs
in a thread instead: the caller gets its error at the deadline, but the thread runs to its end.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import re
import signal
import threading
import warnings
from collections.abc import Callable
from typing import Any

from rdflib.term import Literal, Node, Variable

from kgqa.errors import GraphError, InputError, KGQAError

logger = logging.getLogger(__name__)

#: seconds a query may run unless told otherwise (``PipelineConfig.sparql_timeout_s`` has the same default)
DEFAULT_TIMEOUT_S = 30.0
Rows = list[dict[str, str]]

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


def check_timeout(timeout_s: Any) -> float:
    """``timeout_s`` as a float, or :class:`InputError` unless it is a positive finite number of seconds."""
    ok = not isinstance(timeout_s, bool) and isinstance(timeout_s, int | float)
    if not ok or not (0 < float(timeout_s) < math.inf):
        raise InputError(f"the SPARQL timeout must be a positive number of seconds, not {timeout_s!r}")
    return float(timeout_s)


def prepare_checked(sparql: Any, namespaces: dict[str, str], timeout_s: Any) -> tuple[float, Any]:
    """``(timeout_s, prepared query)``: the timeout checked, the query parsed by rdflib and refused if it reaches out.

    Raises:
        InputError: a timeout that is not a positive number of seconds, or a query that is not a string.
        GraphError: a syntax error, or a SERVICE or FROM clause (the graph never reaches out).
    """
    from rdflib.plugins.sparql import prepareQuery

    timeout_s = check_timeout(timeout_s)
    if not isinstance(sparql, str):
        raise InputError(f"expected a SPARQL string, got {type(sparql).__name__}")
    try:
        prepared = prepareQuery(sparql, initNs=namespaces)
    except Exception as exc:  # pyparsing.ParseException and rdflib's own errors
        raise GraphError(f"SPARQL syntax error: {exc}") from exc
    _refuse_remote(prepared.algebra)
    return timeout_s, prepared


def run_query(
    graph: Any,
    sparql: str,
    namespaces: dict[str, str],
    bindings: dict[str, Any] | None,
    to_node: Callable[[str], Node],
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Rows:
    """Prepare, check and evaluate ``sparql`` on an rdflib graph; see :meth:`KnowledgeGraph.query`.

    Raises:
        GraphError: a syntax error, remote access, an evaluation error, or a query still running
            after ``timeout_s`` seconds (it is stopped then).
    """
    timeout_s, prepared = prepare_checked(sparql, namespaces, timeout_s)
    init: dict[Variable, Node] = {}
    for name, value in (bindings or {}).items():
        match = _VAR.match(name) if isinstance(name, str) else None
        if not match:
            raise InputError(f"binding name {name!r} is not a SPARQL variable name")
        init[Variable(match.group(1))] = binding_term(value, namespaces, to_node)
    return run_with_deadline(lambda: _evaluate(graph, prepared, init), timeout_s)


def run_oxigraph_query(
    store: Any,
    sparql: str,
    namespaces: dict[str, str],
    bindings: dict[str, Any] | None,
    to_node: Callable[[str], Node],
    rdflib_graph: Callable[[], Any],
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Rows:
    """As :func:`run_query`, evaluated by Oxigraph on a pyoxigraph ``Store`` (named graphs seen as one).

    The query is first parsed by rdflib, which checks its syntax and refuses remote access;
    bound values reach Oxigraph as ``substitutions``, never as query text. Oxigraph substitutes
    only variables of a SELECT projection; a query binding any other variable is evaluated by
    rdflib on ``rdflib_graph()`` (a read-through view of the same store) so bindings keep one meaning.
    """
    from kgqa.graph.oxi_store import to_ox

    timeout_s, prepared = prepare_checked(sparql, namespaces, timeout_s)
    remote = getattr(store, "remote", False)  # a SPARQL endpoint: VALUES binds any variable, the server keeps time
    if bindings and not remote:
        algebra = prepared.algebra
        projected = dict.get(algebra, "PV") if getattr(algebra, "name", "") == "SelectQuery" else None
        names = {str(v) for v in projected or ()}
        wanted = {m.group(1) for m in map(_VAR.match, (n for n in bindings if isinstance(n, str))) if m}
        if projected is None or not wanted <= names or len(wanted) < len(bindings):
            return run_query(rdflib_graph(), sparql, namespaces, bindings, to_node, timeout_s=timeout_s)
    import pyoxigraph as ox

    subs: dict[Any, Any] = {}
    for name, value in (bindings or {}).items():
        match = _VAR.match(name) if isinstance(name, str) else None
        if not match:
            raise InputError(f"binding name {name!r} is not a SPARQL variable name")
        subs[ox.Variable(match.group(1))] = to_ox(binding_term(value, namespaces, to_node))
    if remote:
        return _evaluate_oxigraph(store, sparql, namespaces, subs, timeout_s)
    return run_with_deadline(lambda: _evaluate_oxigraph(store, sparql, namespaces, subs), timeout_s)


def _evaluate_oxigraph(
    store: Any, sparql: str, namespaces: dict[str, str], subs: dict[Any, Any], timeout_s: float | None = None
) -> Rows:
    """Evaluate on Oxigraph (or a remote endpoint, given ``timeout_s``) and convert every term to the string rdflib would give."""
    import pyoxigraph as ox

    from kgqa.graph.oxi_store import to_rdf

    try:
        extra = {} if timeout_s is None else {"timeout_s": timeout_s}
        result = store.query(sparql, prefixes=namespaces, use_default_graph_as_union=True, substitutions=subs, **extra)
        if isinstance(result, list):  # CONSTRUCT/DESCRIBE from an endpoint: parsed triples
            return [
                {
                    "subject": str(to_rdf(t.subject)),
                    "predicate": str(to_rdf(t.predicate)),
                    "object": str(to_rdf(t.object)),
                }
                for t in result
            ]
        if isinstance(result, ox.QueryBoolean):
            return [{}] if bool(result) else []
        if isinstance(result, ox.QueryTriples):
            return [
                {
                    "subject": str(to_rdf(t.subject)),
                    "predicate": str(to_rdf(t.predicate)),
                    "object": str(to_rdf(t.object)),
                }
                for t in result
            ]
        names = [v.value for v in result.variables]
        rows: Rows = []
        for solution in result:
            row = {}
            for n in names:
                term = solution[n]
                if term is not None:
                    row[n] = str(to_rdf(term))
            rows.append(row)
        return rows
    except KGQAError:
        raise
    except Exception as exc:  # pyoxigraph raises SyntaxError, OSError, ValueError while evaluating
        raise GraphError(f"SPARQL query failed: {type(exc).__name__}: {exc}") from exc


def _evaluate(graph: Any, prepared: Any, init: dict[Variable, Node]) -> Rows:
    """Evaluate a prepared query to plain rows (rdflib evaluates lazily: everything happens here)."""
    try:
        result = graph.query(prepared, initBindings=init)
        if result.type == "ASK":
            return [{}] if result.askAnswer else []
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return [{"subject": str(s), "predicate": str(p), "object": str(o)} for s, p, o in result.graph or ()]
        names = [str(v) for v in result.vars or ()]
        return [{n: str(row[n]) for n in names if row[n] is not None} for row in result]
    except RecursionError as exc:
        raise GraphError("SPARQL query failed: it nests too deeply to evaluate; simplify it") from exc
    except Exception as exc:  # rdflib raises many unrelated types while evaluating (TypeError, ValueError, ...)
        raise GraphError(f"SPARQL query failed: {type(exc).__name__}: {exc}") from exc


def _timeout_error(timeout_s: float) -> GraphError:
    return GraphError(
        f"the SPARQL query was stopped after {timeout_s:g} s, its time limit; make it more selective "
        "(bind variables, add LIMIT) or raise the limit: KnowledgeGraph.query(..., timeout_s=N), "
        "sparql_timeout_s in kgqa.json, or `kgqa graph query --timeout N`"
    )


def run_with_deadline(work: Callable[[], Rows], timeout_s: float) -> Rows:
    """``work()`` in a forked child process killed after ``timeout_s`` seconds (see the module docstring).

    Raises:
        GraphError: on timeout, or when the child ends without an answer (killed, out of memory);
            any :class:`KGQAError` that ``work`` raised, as it was.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return _run_in_thread(work, timeout_s)
    _warm_up_rdflib()
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(work, sender), name="kgqa-sparql", daemon=True)
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a process with threads (torch's, tokenizers'): the child
        # only evaluates the query on its copy of the graph and exits, taking no lock they hold
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    sender.close()
    try:
        if not receiver.poll(timeout_s):
            raise _timeout_error(timeout_s)
        try:
            status, payload = receiver.recv()
        except (EOFError, OSError) as exc:
            child.join(1.0)
            raise GraphError(
                f"the SPARQL query's process ended without an answer (exit code {child.exitcode}); "
                "it may have run out of memory: make the query more selective (add LIMIT)"
            ) from exc
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if status == "error":
        raise payload
    return payload


def _child(work: Callable[[], Rows], sender: Any) -> None:
    """Run in the forked process: evaluate, send ``("ok", rows)`` or ``("error", KGQAError)``, exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it kills this process
    try:
        answer: tuple[str, Any] = ("ok", work())
    except KGQAError as exc:
        answer = ("error", exc)
    except BaseException as exc:  # noqa: BLE001 - MemoryError and the like: report, never print a traceback
        answer = ("error", GraphError(f"SPARQL query failed: {type(exc).__name__}: {exc}"))
    with contextlib.suppress(BrokenPipeError, OSError):
        try:
            sender.send(answer)
        except Exception as exc:  # noqa: BLE001 - an answer that cannot be pickled
            sender.send(("error", GraphError(f"SPARQL query failed: its result could not be returned ({exc})")))
    sender.close()


def _run_in_thread(work: Callable[[], Rows], timeout_s: float) -> Rows:
    """Without fork: wait for ``work()`` in a daemon thread at most ``timeout_s`` seconds."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["rows"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=target, name="kgqa-sparql", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        logger.warning("a SPARQL query outlived its %g s limit and keeps running in a background thread", timeout_s)
        raise _timeout_error(timeout_s)
    if "error" in box:
        raise box["error"]
    return box["rows"]


def _warm_up_rdflib() -> None:
    """Import rdflib's SPARQL evaluation once in the parent, so no child process imports it again."""
    import rdflib.plugins.sparql.evaluate  # noqa: F401
    import rdflib.plugins.sparql.processor  # noqa: F401


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


__all__ = [
    "DEFAULT_TIMEOUT_S",
    "binding_term",
    "check_timeout",
    "prepare_checked",
    "run_oxigraph_query",
    "run_query",
    "run_with_deadline",
]
