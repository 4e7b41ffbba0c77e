"""SPARQL time limits: a runaway query is stopped at its deadline with a GraphError naming the limit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kgqa.errors import GraphError, InputError
from kgqa.graph.kg import KnowledgeGraph
from kgqa.graph.sparql import DEFAULT_TIMEOUT_S, check_timeout, run_with_deadline

TOY = Path(__file__).resolve().parent / "fixtures" / "toy.ttl"
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.load([TOY])


def test_a_runaway_query_is_stopped_at_its_deadline(kg: KnowledgeGraph) -> None:
    t0 = time.perf_counter()
    with pytest.raises(GraphError, match=r"stopped after 0\.5 s.*timeout_s"):
        kg.query(CROSS, timeout_s=0.5)
    assert time.perf_counter() - t0 < 5.0


def test_a_catastrophic_regex_is_stopped_too(kg: KnowledgeGraph) -> None:
    """Python's re holds the interpreter lock: only a separate process can be stopped inside it."""
    query = 'SELECT ?s WHERE { ?s ?p ?o BIND(CONCAT(STR(?o), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") AS ?x) FILTER(regex(?x, "(a*)*b")) }'
    t0 = time.perf_counter()
    with pytest.raises(GraphError, match="stopped after"):
        kg.query(query, timeout_s=1.0)
    assert time.perf_counter() - t0 < 6.0


def test_queries_within_the_limit_answer_as_before(kg: KnowledgeGraph) -> None:
    rows = kg.query("SELECT ?w WHERE { ?w <http://toy.example/ns#author> ?a }", {"a": "e:Shakespeare"}, timeout_s=10)
    assert {r["w"] for r in rows} == {"http://toy.example/e/Hamlet", "http://toy.example/e/Macbeth"}
    assert kg.query("ASK { ?s ?p ?o }") == [{}]
    with pytest.raises(GraphError, match="syntax error"):
        kg.query("SELECT ?s WHERE {", timeout_s=10)


def test_the_graph_default_and_the_pipeline_config_agree(kg: KnowledgeGraph) -> None:
    from kgqa.config import PipelineConfig

    assert kg.sparql_timeout_s == DEFAULT_TIMEOUT_S == PipelineConfig().sparql_timeout_s
    kg.sparql_timeout_s = 0.5
    try:
        with pytest.raises(GraphError, match="0.5 s"):
            kg.query(CROSS)
    finally:
        kg.sparql_timeout_s = DEFAULT_TIMEOUT_S


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), True, "5", None])
def test_bad_timeouts_are_input_errors(bad) -> None:
    with pytest.raises(InputError, match="positive number of seconds"):
        check_timeout(bad)
    assert check_timeout(2) == 2.0


def test_errors_raised_in_the_child_come_back_typed() -> None:
    def fail() -> list[dict[str, str]]:
        raise GraphError("bad query: fix it")

    with pytest.raises(GraphError, match="bad query: fix it"):
        run_with_deadline(fail, 5.0)

    def crash() -> list[dict[str, str]]:
        raise ZeroDivisionError("boom")

    with pytest.raises(GraphError, match="ZeroDivisionError: boom"):
        run_with_deadline(crash, 5.0)
    assert run_with_deadline(lambda: [{"x": "1"}], 5.0) == [{"x": "1"}]
