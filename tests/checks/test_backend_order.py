"""The checkers cite the fact that holds the value they reason with, the same on every graph backend.

An in-memory graph lists several values of one property in file order, a graph opened from a
store in index order; a date check cites the date it compared, not the property's first value.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.checks.graph_check import GraphChecker, dated_facts, stable_order
from kgqa.checks.temporal import TemporalChecker
from kgqa.graph.kg import KnowledgeGraph
from kgqa.types import Claim

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
M = "http://mini.example/"
ONT = "https://kgqa.dev/ontology#"

#: two sources disagree on Jon Reed's birth year; the emigration wave has an earlier start listed second;
#: the Glass Orchard gets a second author whose name sorts first
EXTRA = """
@prefix m:    <http://mini.example/> .
@prefix o:    <https://kgqa.dev/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
m:Jon_Reed o:birthDate "1781"^^xsd:gYear .
m:Emigration o:startDate "1704"^^xsd:gYear .
m:Abel_Marsh a o:Novelist ; rdfs:label "Abel Marsh" .
m:Glass_Orchard o:author m:Abel_Marsh .
"""


@pytest.fixture(scope="module", params=["memory", "store"])
def kg(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    folder = tmp_path_factory.mktemp("order")
    (folder / "extra.ttl").write_text(EXTRA)
    memory = KnowledgeGraph.load([ROOT / "graphs" / "ontology.ttl", FIXTURES / "mini_world.ttl", folder / "extra.ttl"])
    if request.param == "memory":
        return memory
    return KnowledgeGraph.open(memory.save_store(folder / "store"))


def date_claim(year: str) -> Claim:
    return Claim(f"Jon Reed was born in {year}", M + "Jon_Reed", ONT + "birthDate", kind="temporal", literal=year)


@pytest.mark.parametrize("year", ["1780", "1781"])
def test_a_date_claim_cites_the_date_that_agrees(kg: KnowledgeGraph, year: str) -> None:
    verdict = GraphChecker(kg).check(date_claim(year))
    assert verdict.holds is True and [t.object for t in verdict.facts] == [year]
    assert verdict.evidence[0].detail["graph"] == year and verdict.evidence[0].stance == "supports"


def test_a_date_claim_no_date_agrees_with_is_contradicted_citing_the_earliest(kg: KnowledgeGraph) -> None:
    verdict = GraphChecker(kg).check(date_claim("1790"))
    assert verdict.holds is False and [t.object for t in verdict.facts] == ["1780"]
    assert verdict.correction == verdict.facts[0].text()
    # twin: a property the subject lacks is unknown, not contradicted
    unknown = GraphChecker(kg).check(Claim("x", M + "Steam_Loom", ONT + "birthDate", kind="temporal", literal="1790"))
    assert (unknown.holds, unknown.rule) == (None, "date_unknown")


def test_dated_facts_are_the_date_values_earliest_first(kg: KnowledgeGraph) -> None:
    assert [(t.object, d.year) for t, d in dated_facts(kg, M + "Jon_Reed", ONT + "birthDate")] == [
        ("1780", 1780),
        ("1781", 1781),
    ]
    # twin: a property whose values are things, not dates, has none
    assert dated_facts(kg, M + "Ada_Finch", ONT + "birthPlace") == []


def test_start_and_end_cite_the_fact_that_holds_the_date(kg: KnowledgeGraph) -> None:
    temporal = TemporalChecker(kg)
    start = temporal.start_of(M + "Emigration")
    assert start is not None and start.date.year == 1704 and start.fact is not None and start.fact.object == "1704"
    # twin: the latest of the same two dates ends it (startDate is no end property, so no end)
    assert temporal.end_of(M + "Emigration") is None
    end = temporal.end_of(M + "Famine")
    assert end is not None and end.fact is not None and end.fact.object == "1703"


def test_a_closed_list_of_authors_is_cited_in_one_order(kg: KnowledgeGraph) -> None:
    claim = Claim("Jon Reed wrote The Glass Orchard", M + "Glass_Orchard", ONT + "author", M + "Jon_Reed")
    verdict = GraphChecker(kg).check(claim)
    assert verdict.holds is False and verdict.rule == "known_creators"
    assert [t.object for t in verdict.facts] == [M + "Abel_Marsh", M + "Ada_Finch"]
    assert verdict.correction is not None and verdict.correction.endswith("Abel Marsh, Ada Finch")
    # twin: one of the listed authors holds
    held = GraphChecker(kg).check(Claim("x", M + "Glass_Orchard", ONT + "author", M + "Ada_Finch"))
    assert held.holds is True and [t.object for t in held.facts] == [M + "Ada_Finch"]


def test_stable_order_puts_asserted_first_then_by_value(kg: KnowledgeGraph) -> None:
    facts = kg.facts(M + "Jon_Reed", ONT + "birthDate", None)
    assert [t.object for t in stable_order(facts)] == ["1780", "1781"]
    assert [t.object for t in stable_order(list(reversed(facts)))] == ["1780", "1781"]  # whatever order came in
