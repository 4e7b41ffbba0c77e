"""The facts cited for a graph answer are the same whichever backend holds the graph.

An in-memory graph lists several values of one lookup in file order, a graph opened from an
Oxigraph store (:meth:`KnowledgeGraph.open`) in index order: "known as" questions cite the
alias the question used, and several answers come in one order on both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.answering import SKOS_ALT_LABEL, GraphAnswer, graph_answer
from kgqa.checks.questions import analyze_question
from kgqa.graph.kg import KnowledgeGraph
from kgqa.graph.linking import EntityLinker
from kgqa.graph.relations import RelationMatcher

ROOT = Path(__file__).resolve().parents[1]
M = "http://mini.example/"

#: beside the mini world (where Ada Finch is already "Finch"): two more aliases, and a second
#: author whose name sorts before hers although the files list it after
EXTRA = """
@prefix m:    <http://mini.example/> .
@prefix o:    <https://kgqa.dev/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
m:Ada_Finch skos:altLabel "the Orchard Novelist", "Lady Quill" .
m:Abel_Marsh a o:Novelist ; rdfs:label "Abel Marsh" .
m:Glass_Orchard o:author m:Abel_Marsh .
"""
ALIASES = ["Finch", "the Orchard Novelist", "Lady Quill"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    extra = tmp_path_factory.mktemp("alias") / "extra.ttl"
    extra.write_text(EXTRA)
    return [ROOT / "graphs" / "ontology.ttl", ROOT / "tests" / "checks" / "fixtures" / "mini_world.ttl", extra]


@pytest.fixture(scope="module")
def graphs(files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, KnowledgeGraph]:
    memory = KnowledgeGraph.load(files)
    store = memory.save_store(tmp_path_factory.mktemp("alias-store") / "store")
    return {"memory": memory, "store": KnowledgeGraph.open(store)}


def ask(kg: KnowledgeGraph, question: str) -> GraphAnswer | None:
    analysis = analyze_question(question)
    mentions = EntityLinker(kg).find_mentions(question)
    return graph_answer(kg, RelationMatcher(kg), mentions, analysis.focus, analysis.wh)


def cited_alias(kg: KnowledgeGraph, question: str) -> str:
    ans = ask(kg, question)
    assert ans is not None and ans.relation == "alias" and ans.iris == [M + "Ada_Finch"]
    assert len(ans.facts) == 1 and ans.facts[0].predicate == SKOS_ALT_LABEL
    assert ans.facts[0].subject == M + "Ada_Finch"
    return ans.facts[0].object


def test_the_backends_list_the_aliases_in_different_orders(graphs: dict[str, KnowledgeGraph]) -> None:
    # what makes "the first alias" wrong: each backend has another first (file order vs index order)
    orders = {
        name: [t.object for t in kg.facts(M + "Ada_Finch", SKOS_ALT_LABEL, None, inferred=False)]
        for name, kg in graphs.items()
    }
    assert orders["memory"] == ALIASES and sorted(orders["store"]) == sorted(ALIASES)


@pytest.mark.parametrize("backend", ["memory", "store"])
def test_a_question_naming_the_second_alias_cites_it(graphs: dict[str, KnowledgeGraph], backend: str) -> None:
    assert cited_alias(graphs[backend], "Which novelist is known as the Orchard Novelist?") == "the Orchard Novelist"


@pytest.mark.parametrize("backend", ["memory", "store"])
@pytest.mark.parametrize("alias", ALIASES)
def test_each_alias_named_is_the_one_cited(graphs: dict[str, KnowledgeGraph], backend: str, alias: str) -> None:
    # companion: naming another alias cites that other one, not a fixed one
    assert cited_alias(graphs[backend], f"Which novelist is known as {alias}?") == alias


@pytest.mark.parametrize("backend", ["memory", "store"])
def test_the_alias_is_compared_normalised(graphs: dict[str, KnowledgeGraph], backend: str) -> None:
    assert cited_alias(graphs[backend], "Which novelist is also called the orchard novelist?") == "the Orchard Novelist"
    assert cited_alias(graphs[backend], "Which novelist was nicknamed LADY QUILL?") == "Lady Quill"


def test_a_name_that_is_no_alias_cites_the_same_alias_on_both_backends(graphs: dict[str, KnowledgeGraph]) -> None:
    # "Ada Finch" is her label, not an alias: the fallback is one alias, and the same one on both
    cited = {name: cited_alias(kg, "Which novelist is known as Ada Finch?") for name, kg in graphs.items()}
    assert cited["memory"] == cited["store"] and cited["memory"] in ALIASES


@pytest.mark.parametrize("backend", ["memory", "store"])
def test_an_entity_without_aliases_cites_no_alias_fact(graphs: dict[str, KnowledgeGraph], backend: str) -> None:
    ans = ask(graphs[backend], "Which novelist is known as Abel Marsh?")
    assert ans is not None and (ans.iris, ans.facts) == ([M + "Abel_Marsh"], [])
    # twin: one with aliases cites one
    assert cited_alias(graphs[backend], "Which novelist is known as Finch?") == "Finch"


def test_several_answers_come_in_the_same_order_on_both_backends(graphs: dict[str, KnowledgeGraph]) -> None:
    # the files list Ada Finch first; the answer lists the authors by name on both backends
    answers = {name: ask(kg, "Who wrote The Glass Orchard?") for name, kg in graphs.items()}
    for ans in answers.values():
        assert ans is not None and ans.texts == ["Abel Marsh", "Ada Finch"]
        assert ans.iris == [M + "Abel_Marsh", M + "Ada_Finch"] and len(ans.facts) == 2
    # twin: one inventor gives the one answer on both
    for kg in graphs.values():
        ans = ask(kg, "Who invented the steam loom?")
        assert ans is not None and ans.texts == ["Jon Reed"]
