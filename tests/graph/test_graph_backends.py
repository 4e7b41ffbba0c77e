"""One test module for every graph backend: in-memory rdflib parsing, an on-disk Oxigraph store, and a
real SPARQL server (Oxigraph's, started on 127.0.0.1 by the fixtures) holding the same world.

Each test runs on all three, so lookups, inferences, explanations, SPARQL with bound values, refusals,
time limits, linking, and the pipeline's answers and checks mean the same whatever holds the graph.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.errors import GraphError
from kgqa.graph import KnowledgeGraph

TOY = Path(__file__).resolve().parent / "fixtures" / "toy.ttl"
T = "http://toy.example/ns#"
E = "http://toy.example/e/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
BACKENDS = ["memory", "store", "endpoint"]


@pytest.fixture(scope="module")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return KnowledgeGraph.load([TOY]).save_store(tmp_path_factory.mktemp("toy") / "store")


@pytest.fixture(scope="module", params=BACKENDS)
def any_kg(request: pytest.FixtureRequest, toy_store: Path) -> KnowledgeGraph:
    if request.param == "memory":
        return KnowledgeGraph.load([TOY])
    if request.param == "store":
        return KnowledgeGraph.open(toy_store)
    return KnowledgeGraph.connect(request.getfixturevalue("toy_endpoint"))


def spo(triples: list) -> list[tuple[str, str, str]]:
    return [(t.subject, t.predicate, t.object) for t in triples]


def test_every_backend_holds_the_same_facts(any_kg: KnowledgeGraph) -> None:
    memory = KnowledgeGraph.load([TOY])
    assert len(any_kg) == len(memory) and len(any_kg._inferred) == len(memory._inferred)
    assert {(t.subject, t.predicate, t.object, t.source, t.inferred) for t in any_kg.facts()} == {
        (t.subject, t.predicate, t.object, t.source, t.inferred) for t in memory.facts()
    }
    assert any_kg.entities() == memory.entities() and any_kg.classes() == memory.classes()
    assert any_kg.properties() == memory.properties()


def test_facts_objects_subjects(any_kg: KnowledgeGraph) -> None:
    assert any_kg.objects("e:England", "t:capital") == [f"{E}London"]
    assert set(any_kg.subjects("t:author", "e:Shakespeare")) == {f"{E}Hamlet", f"{E}Macbeth"}
    assert any_kg.subjects("t:date", "1600") == [f"{E}Hamlet"]  # a literal found by its lexical form
    assert any_kg.subjects("t:date", "no such date") == []
    facts = any_kg.facts("e:Hamlet", "t:author")
    assert spo(facts) == [(f"{E}Hamlet", f"{T}author", f"{E}Shakespeare")] and facts[0].source == "toy.ttl"
    assert ("e:Hamlet", "t:author", "e:Shakespeare") in any_kg and "e:Hamlet" in any_kg
    assert "e:Nowhere" not in any_kg and ("e:Hamlet", "t:author", "e:Hamlet") not in any_kg


def test_labels_types_and_instances(any_kg: KnowledgeGraph) -> None:
    assert any_kg.label("e:Shakespeare") == "William Shakespeare"
    assert set(any_kg.labels("e:Shakespeare")) == {"William Shakespeare", "Shakespeare", "the Bard"}
    assert any_kg.types("e:Hamlet", inferred=False) == [f"{T}Play"]
    assert f"{T}Person" in any_kg.types("e:Shakespeare")
    ok, path = any_kg.is_instance("e:Shakespeare", "t:Writer")
    assert ok and spo(path) == [
        (f"{E}Shakespeare", RDF_TYPE, f"{T}Playwright"),
        (f"{T}Playwright", SUBCLASS, f"{T}Writer"),
    ]
    assert any_kg.is_instance("e:Shakespeare", "t:City") == (False, [])
    assert f"{E}Shakespeare" in any_kg.entities() and f"{T}Writer" in any_kg.classes()
    assert any_kg.is_property("t:author") and not any_kg.is_entity("t:Writer")


def test_explain_of_an_inferred_fact(any_kg: KnowledgeGraph) -> None:
    found = [t for t in any_kg.facts("e:Ides", "t:causes", "e:Empire") if t.inferred]
    assert found and found[0].source == "inferred:transitive"
    assert [t.text() for t in any_kg.explain("e:Ides", "t:causes", "e:Empire")] == [
        "Ides of March caused Liberators' civil war",
        "Liberators' civil war caused Roman Empire",
    ]
    assert any_kg.explain("e:Ides", "t:causes", "e:Hamlet") == []


def test_functional_inverse_and_disjoint(any_kg: KnowledgeGraph) -> None:
    assert any_kg.is_functional("t:birthPlace") and not any_kg.is_functional("t:author")
    assert any_kg.inverse_of("t:wrote") == f"{T}author" and any_kg.inverse_of("t:spouse") == f"{T}spouse"
    assert any_kg.disjoint("t:Playwright", "t:City")[0] and any_kg.disjoint("t:Writer", "t:Person") == (False, [])
    assert any_kg.superclasses("t:Playwright") == [f"{T}Writer", f"{T}Person"]


def test_sparql_with_bound_values(any_kg: KnowledgeGraph) -> None:
    projected = "SELECT ?w ?a WHERE { ?w t:author ?a }"
    rows = any_kg.query(projected, {"a": "e:Shakespeare"})
    assert {r["w"] for r in rows} == {f"{E}Hamlet", f"{E}Macbeth"} and all(r["a"] == f"{E}Shakespeare" for r in rows)
    hidden = "SELECT ?w WHERE { ?w t:author ?a }"  # the bound variable is not projected
    assert {r["w"] for r in any_kg.query(hidden, {"a": "e:Shakespeare"})} == {f"{E}Hamlet", f"{E}Macbeth"}
    assert any_kg.query("ASK { ?w t:author ?a }", {"a": "e:Shakespeare"}) == [{}]
    assert any_kg.query("ASK { ?w t:author ?a }", {"a": 'x" } ; DROP ALL #'}) == []
    assert any_kg.query(projected, {"a": 'e:Shakespeare" } #'}) == []  # one literal, never query text
    inferred = any_kg.query("SELECT ?x WHERE { ?x a t:Person }")
    assert f"{E}Shakespeare" in {r["x"] for r in inferred}  # inferred facts are queried too


@pytest.mark.parametrize(
    "sparql, message",
    [
        ("SELECT ?s WHERE {", "syntax error"),
        ("SELECT ?s WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT ?s FROM <http://example.org/g> WHERE { ?s ?p ?o }", "FROM"),
    ],
)
def test_sparql_refusals(any_kg: KnowledgeGraph, sparql: str, message: str) -> None:
    with pytest.raises(GraphError, match=message):
        any_kg.query(sparql)


def test_a_runaway_query_is_stopped(any_kg: KnowledgeGraph) -> None:
    with pytest.raises(GraphError, match=r"stopped after 0\.5 s"):
        any_kg.query(CROSS, timeout_s=0.5)
    assert any_kg.query("ASK { ?s ?p ?o }", timeout_s=10) == [{}]  # the graph still answers afterwards


def test_degree_counts_the_facts_of_a_node_on_both_index_kinds(any_kg: KnowledgeGraph) -> None:
    # the degree the linker ranks names by: asserted facts with the node as subject or object
    for iri in sorted(any_kg.entities())[:8]:
        expected = len(any_kg.facts(iri, inferred=False)) + len(any_kg.facts(o=iri, inferred=False))
        assert any_kg.degree(iri) == expected
    with_inferred = [iri for iri in any_kg.entities() if any_kg.degree(iri, inferred=True) > any_kg.degree(iri)]
    assert with_inferred, "the toy graph's inferences add facts to some entity"
    assert any_kg.degree(E + "nobody_at_all") == 0


# ---------------------------------------------------------------- the pipeline over each backend
@pytest.fixture(scope="module")
def memory_pipeline() -> object:
    from kgqa.paths import models_dir
    from kgqa.pipeline import Pipeline

    if not all((models_dir() / n / "model.safetensors").is_file() for n in ("reader", "nli")):
        pytest.skip(f"the shipped models are missing under {models_dir()}; run `kgqa train` (see README)")
    return Pipeline.load()


@pytest.fixture(scope="module", params=["store", "endpoint"])
def world_config(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> object:
    """The shipped world in a graph store, or exported into a real Oxigraph server on 127.0.0.1."""
    from kgqa.config import PipelineConfig
    from kgqa.paths import graphs_dir

    kg = KnowledgeGraph.load(sorted(graphs_dir().glob("*.ttl")))
    folder = tmp_path_factory.mktemp(f"world-{request.param}")
    if request.param == "store":
        yield PipelineConfig(graph_store=str(kg.save_store(folder / "store")))
        return
    from kgqa.bench.sparql_server import OxigraphServer

    request.getfixturevalue("toy_endpoint")  # skips, as that fixture does, where the server program is missing
    with OxigraphServer(folder / "db", nquads=[kg.export_nquads(folder / "world.nq")], read_only=True) as server:
        yield PipelineConfig(graph_endpoint=server.query_url)


def test_the_default_world_answers_and_checks_alike(memory_pipeline: object, world_config: object) -> None:
    from kgqa.demo import DEMO_CLAIMS, DEMO_QUESTIONS
    from kgqa.pipeline import Pipeline

    memory, other = memory_pipeline, Pipeline.load(world_config)
    assert type(other.kg._asserted).__name__ == "OxiIndex"
    for question, premises in DEMO_QUESTIONS:
        a, b = memory.ask(question, premises), other.ask(question, premises)
        assert (a.answer, a.verdict, a.alternative) == (b.answer, b.verdict, b.alternative), question
        assert [p.status for p in a.premises] == [p.status for p in b.premises], question
    for claim in DEMO_CLAIMS:
        a, b = memory.check(claim), other.check(claim)
        assert (a.status, a.rule) == (b.status, b.rule), claim
