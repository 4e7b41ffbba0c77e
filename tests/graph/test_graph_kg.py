"""KnowledgeGraph on the toy world: reasoning, explanations, lookups, SPARQL and paths."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kgqa.errors import GraphError, InputError
from kgqa.graph import KGDate, KnowledgeGraph
from kgqa.paths import graphs_dir

T = "http://toy.example/ns#"
E = "http://toy.example/e/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
DISJOINT = "http://www.w3.org/2002/07/owl#disjointWith"


def spo(triples: list) -> list[tuple[str, str, str]]:
    return [(t.subject, t.predicate, t.object) for t in triples]


def inferred(kg: KnowledgeGraph, s: str, p: str, o: str) -> str | None:
    """The source of an inferred fact, or None when the fact is absent or asserted."""
    found = [t for t in kg.facts(s, p, o) if t.inferred]
    return found[0].source if found else None


# ---------------------------------------------------------------- reasoning
def test_reasoning_rules(kg: KnowledgeGraph) -> None:
    assert inferred(kg, "e:Shakespeare", "rdf:type", "t:Person") == "inferred:subclass"
    assert inferred(kg, "t:Playwright", "rdfs:subClassOf", "t:Person") == "inferred:subclass-transitive"
    assert inferred(kg, "e:Hamlet", "t:creator", "e:Shakespeare") == "inferred:subproperty"
    assert inferred(kg, "e:Shakespeare", "t:wrote", "e:Hamlet") == "inferred:inverse"
    assert inferred(kg, "e:London", "t:capitalOf", "e:England") == "inferred:inverse"
    assert inferred(kg, "e:Hathaway", "t:spouse", "e:Shakespeare") == "inferred:symmetric"
    assert inferred(kg, "e:Ides", "t:causes", "e:Empire") == "inferred:transitive"
    assert inferred(kg, "e:Macbeth", "rdf:type", "t:Work") == "inferred:domain"  # untyped subject of t:author


def test_domain_range_never_retypes_typed_nodes(tmp_path: Path, toy_path: Path) -> None:
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix t: <http://toy.example/ns#> . @prefix e: <http://toy.example/e/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "t:mayor rdfs:domain t:Person ; rdfs:range t:Person .\n"
        "e:London t:mayor e:Whittington .\n"
    )
    kg = KnowledgeGraph.load([toy_path, extra])
    assert "t:Person" not in kg.types("e:London") and f"{T}Person" not in kg.types("e:London")
    assert f"{T}Person" in kg.types("e:Whittington")  # untyped object: typed by the range
    kg.reason(domain_range=False)
    assert kg.types("e:Whittington") == []


def test_asserted_and_inferred_are_flagged(kg: KnowledgeGraph) -> None:
    facts = kg.facts("e:Shakespeare", "rdf:type")
    assert [(t.object, t.inferred, t.source) for t in facts] == [
        (f"{T}Playwright", False, "toy.ttl"),
        (f"{T}Writer", True, "inferred:subclass"),
        (f"{T}Person", True, "inferred:subclass"),
    ]
    assert spo(kg.facts("e:Shakespeare", "rdf:type", inferred=False)) == [
        (f"{E}Shakespeare", RDF_TYPE, f"{T}Playwright")
    ]
    assert facts[0].subject_label == "William Shakespeare" and facts[0].object_label == "playwright"


def test_reasoning_is_redone_after_add_file(tmp_path: Path, toy_path: Path) -> None:
    kg = KnowledgeGraph.load([toy_path])
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix t: <http://toy.example/ns#> . @prefix e: <http://toy.example/e/> .\ne:Ben a t:Playwright .\n"
    )
    kg.add_file(extra)
    assert f"{T}Person" in kg.types("e:Ben")
    assert kg.types("e:Ben", inferred=False) == [f"{T}Playwright"]


# ---------------------------------------------------------------- explanations
def test_is_instance_returns_the_asserted_path(kg: KnowledgeGraph) -> None:
    ok, path = kg.is_instance("e:Shakespeare", "t:Writer")
    assert ok
    assert spo(path) == [(f"{E}Shakespeare", RDF_TYPE, f"{T}Playwright"), (f"{T}Playwright", SUBCLASS, f"{T}Writer")]
    ok, path = kg.is_instance("e:Shakespeare", "t:Person")
    assert ok and [t.text() for t in path] == [
        "William Shakespeare type playwright",
        "playwright subClassOf writer",
        "writer subClassOf person",
    ]
    assert all(not t.inferred for t in path)
    assert kg.is_instance("e:Shakespeare", "t:City") == (False, [])
    assert kg.is_instance("e:Hamlet", "t:Play")[1][0].source == "toy.ttl"


def test_explain_inferred_fact(kg: KnowledgeGraph) -> None:
    assert [t.text() for t in kg.explain("e:Ides", "t:causes", "e:Empire")] == [
        "Ides of March caused Liberators' civil war",
        "Liberators' civil war caused Roman Empire",
    ]
    assert kg.explain("e:Ides", "t:causes", "e:Hamlet") == []


def test_disjointness_is_inherited_and_symmetric(kg: KnowledgeGraph) -> None:
    ok, path = kg.disjoint("t:Playwright", "t:City")
    assert ok
    assert spo(path) == [
        (f"{T}Playwright", SUBCLASS, f"{T}Writer"),
        (f"{T}Writer", SUBCLASS, f"{T}Person"),
        (f"{T}Person", DISJOINT, f"{T}Place"),
        (f"{T}City", SUBCLASS, f"{T}Place"),
    ]
    ok_rev, path_rev = kg.disjoint("t:City", "t:Playwright")
    assert ok_rev and set(spo(path_rev)) == set(spo(path))
    assert kg.disjoint("t:Play", "t:Event")[0]
    assert kg.disjoint("t:Writer", "t:Person") == (False, [])
    assert kg.disjoint("t:Play", "t:Person") == (False, [])


# ---------------------------------------------------------------- schema lookups
def test_property_characteristics(kg: KnowledgeGraph) -> None:
    assert kg.is_functional("t:birthPlace") and kg.is_functional("t:capital")
    assert not kg.is_functional("t:author")
    assert kg.inverse_of("t:wrote") == f"{T}author" and kg.inverse_of("t:author") == f"{T}wrote"
    assert kg.inverse_of("t:capitalOf") == f"{T}capital"
    assert kg.inverse_of("t:spouse") == f"{T}spouse"  # symmetric
    assert kg.inverse_of("t:causes") is None
    assert kg.is_symmetric("t:spouse") and kg.is_transitive("t:causes") and not kg.is_transitive("t:spouse")


def test_labels_types_and_hierarchy(kg: KnowledgeGraph) -> None:
    assert kg.label("e:Shakespeare") == "William Shakespeare"
    assert kg.labels("e:Shakespeare") == ["William Shakespeare", "Shakespeare", "the Bard"]
    assert kg.label(f"{E}Unlabelled_Thing") == "Unlabelled Thing"
    assert kg.types("e:Hamlet", inferred=False) == [f"{T}Play"]
    assert kg.superclasses("t:Playwright") == [f"{T}Writer", f"{T}Person"]
    assert set(kg.subclasses("t:Person")) == {f"{T}Writer", f"{T}Playwright"}
    assert kg.objects("e:England", "t:capital") == [f"{E}London"]
    assert kg.subjects("t:author", "e:Shakespeare") == [f"{E}Hamlet", f"{E}Macbeth"]
    assert kg.subjects("t:date", "1600") == [f"{E}Hamlet"]  # literal by lexical form


def test_vocabularies_len_and_contains(kg: KnowledgeGraph) -> None:
    entities = kg.entities()
    assert f"{E}Shakespeare" in entities and f"{E}Macbeth" in entities
    assert f"{T}Writer" not in entities and f"{T}author" not in entities
    assert "http://toy.example/ns" not in entities  # the owl:Ontology header
    assert f"{T}Writer" in kg.classes() and f"{T}Play" in kg.classes()
    assert f"{T}author" in kg.properties() and f"{T}causes" in kg.properties()
    assert len(kg) == len(kg.facts(inferred=False)) > 50
    assert "e:Hamlet" in kg and "e:Nobody" not in kg
    assert ("e:Hamlet", "t:author", "e:Shakespeare") in kg
    assert ("e:Shakespeare", "t:wrote", None) in kg
    assert ("e:Hamlet", "t:author", "e:Hathaway") not in kg


def test_facts_wildcards(kg: KnowledgeGraph) -> None:
    assert {t.subject for t in kg.facts(p="t:spouse")} == {f"{E}Shakespeare", f"{E}Hathaway"}
    assert {t.predicate for t in kg.facts(s="e:Hamlet", o="e:Shakespeare")} == {f"{T}author", f"{T}creator"}
    assert {t.subject for t in kg.facts(o="e:Shakespeare", inferred=False)} == {f"{E}Hamlet", f"{E}Macbeth"}
    assert len(kg.facts()) == len(kg.facts(inferred=False)) + len([t for t in kg.facts() if t.inferred])


def test_dates(kg: KnowledgeGraph) -> None:
    born, ides, hamlet = kg.date("e:Caesar", "t:birthDate"), kg.date("e:Ides", "t:date"), kg.date("e:Hamlet", "t:date")
    assert born == KGDate(-100) and ides == KGDate(-44, 3, 15) and hamlet == KGDate(1600)
    assert born.before(ides) and ides.before(kg.date("e:Shakespeare", "t:birthDate"))
    assert kg.date("e:Hamlet", "t:birthDate") is None


# ---------------------------------------------------------------- SPARQL
def test_sparql_with_bindings(kg: KnowledgeGraph) -> None:
    q = "SELECT ?work WHERE { ?work t:author ?who } ORDER BY ?work"
    assert kg.query(q, {"who": "e:Shakespeare"}) == [{"work": f"{E}Hamlet"}, {"work": f"{E}Macbeth"}]
    assert kg.query(q, {"?who": f"{E}Shakespeare"}) == [{"work": f"{E}Hamlet"}, {"work": f"{E}Macbeth"}]
    rows = kg.query("SELECT ?x WHERE { ?x rdfs:label ?name }", {"name": "Hamlet"})
    assert rows == [{"x": f"{E}Hamlet"}]
    # inferred facts are visible to SPARQL
    assert kg.query("ASK { ?x t:wrote ?y }", {"x": "e:Shakespeare", "y": "e:Hamlet"}) == [{}]
    assert kg.query("ASK { ?x t:wrote ?y }", {"x": "e:Hamlet", "y": "e:Shakespeare"}) == []


def test_sparql_binding_is_never_query_text(kg: KnowledgeGraph) -> None:
    size = len(kg)
    evil = 'Hamlet" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #'
    assert kg.query("SELECT ?x WHERE { ?x rdfs:label ?name }", {"name": evil}) == []
    assert kg.query("SELECT ?x WHERE { ?x rdfs:label ?name }", {"name": "e:Hamlet } ; DROP"}) == []
    assert len(kg) == size and kg.label("e:Hamlet") == "Hamlet"


@pytest.mark.parametrize(
    "sparql",
    ["SELECT ?x WHERE { ?x ?p }", "DROP ALL", "SELECT ?x WHERE { ?x nope:p ?y }"],
)
def test_sparql_syntax_error(kg: KnowledgeGraph, sparql: str) -> None:
    with pytest.raises(GraphError, match="SPARQL"):
        kg.query(sparql)


@pytest.mark.parametrize(
    "sparql",
    [
        "SELECT ?s WHERE { SERVICE <http://remote.example/sparql> { ?s ?p ?o } }",
        "SELECT ?s FROM <http://remote.example/g.ttl> WHERE { ?s ?p ?o }",
    ],
)
def test_sparql_remote_access_is_refused(kg: KnowledgeGraph, sparql: str) -> None:
    with pytest.raises(GraphError, match="not allowed"):
        kg.query(sparql)


def test_sparql_bad_binding_name(kg: KnowledgeGraph) -> None:
    with pytest.raises(InputError):
        kg.query("SELECT ?x WHERE { ?x ?p ?o }", {"x } .": "a"})


# ---------------------------------------------------------------- paths
def test_shortest_path(kg: KnowledgeGraph) -> None:
    path = kg.shortest_path("e:Hamlet", "e:Hathaway")
    assert path is not None
    assert spo(path) == [
        (f"{E}Hamlet", f"{T}author", f"{E}Shakespeare"),
        (f"{E}Shakespeare", f"{T}spouse", f"{E}Hathaway"),
    ]
    # the search ignores direction but returns each fact as asserted
    back = kg.shortest_path("e:Empire", "e:Ides")
    assert back is not None and [t.subject for t in back] == [f"{E}CivilWar", f"{E}Ides"]
    assert kg.shortest_path("e:Hamlet", "e:Hathaway", max_len=1) is None
    assert kg.shortest_path("e:Hamlet", "e:Hamlet") == []
    assert kg.shortest_path("e:Hamlet", "e:Caesar") is None
    assert all(not t.inferred for t in path)


def test_nx_graph(kg: KnowledgeGraph) -> None:
    g = kg.nx_graph()
    assert g is kg.nx_graph()  # cached
    assert g.is_multigraph() and g.is_directed()
    data = g.get_edge_data(f"{E}Hamlet", f"{E}Shakespeare")
    assert {d["predicate"] for d in data.values()} == {f"{T}author"}
    assert g.nodes[f"{E}Shakespeare"]["label"] == "William Shakespeare"
    assert f"{T}Writer" not in g


# ---------------------------------------------------------------- performance
def test_load_and_reason_3000_triples_fast(tmp_path: Path, toy_path: Path) -> None:
    lines = ["@prefix t: <http://toy.example/ns#> . @prefix e: <http://toy.example/e/> ."]
    lines += ["@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    for i in range(500):
        lines.append(
            f'e:w{i} a t:Playwright ; rdfs:label "Writer {i}" ; t:spouse e:p{i} ; t:birthPlace e:c{i % 50} .'
            f"\ne:b{i} a t:Play ; t:author e:w{i} ; t:causes e:b{(i + 1) % 500 if i % 10 else i} ."
        )
    big = tmp_path / "big.ttl"
    big.write_text("\n".join(lines))
    start = time.perf_counter()
    kg = KnowledgeGraph.load([toy_path, big])
    elapsed = time.perf_counter() - start
    assert len(kg) >= 3000
    assert elapsed < 2.0, f"load + reason took {elapsed:.2f}s"
    start = time.perf_counter()
    for i in range(200):
        kg.facts(f"e:w{i}")
        kg.is_instance(f"e:w{i}", "t:Person")
        kg.types(f"e:b{i}")
    per_call = (time.perf_counter() - start) / 600
    assert per_call < 0.005, f"{per_call * 1000:.2f} ms per lookup"


# ---------------------------------------------------------------- default world
def test_default_world_loads() -> None:
    entity_files = [p for p in graphs_dir().glob("*.ttl") if p.name != "ontology.ttl"]
    if not entity_files:
        pytest.skip("graphs/ holds no entity files yet")
    kg = KnowledgeGraph.load()
    assert len(kg) >= 2000
    assert len(kg.entities()) >= 300
    assert all(t.source.endswith(".ttl") for t in kg.facts(p="rdf:type", inferred=False)[:50])
