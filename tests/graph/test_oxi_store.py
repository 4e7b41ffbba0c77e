"""A graph saved to an Oxigraph store and opened again behaves as the in-memory graph it came from."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError, GraphError
from kgqa.graph import KnowledgeGraph
from kgqa.graph.oxi_store import DERIVATIONS_FILE, META_FILE, OxiIndex
from kgqa.graph.store import TripleIndex
from kgqa.paths import graphs_dir

TOY = Path(__file__).resolve().parent / "fixtures" / "toy.ttl"
T = "http://toy.example/ns#"
E = "http://toy.example/e/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return KnowledgeGraph.load([TOY]).save_store(tmp_path_factory.mktemp("toy") / "store")


@pytest.fixture(scope="module", params=["memory", "store"])
def any_kg(request: pytest.FixtureRequest, toy_store: Path) -> KnowledgeGraph:
    return KnowledgeGraph.load([TOY]) if request.param == "memory" else KnowledgeGraph.open(toy_store)


def spo(triples: list) -> list[tuple[str, str, str]]:
    return [(t.subject, t.predicate, t.object) for t in triples]


def test_opened_graph_holds_the_same_triples(toy_store: Path) -> None:
    memory, opened = KnowledgeGraph.load([TOY]), KnowledgeGraph.open(toy_store)
    assert isinstance(opened._asserted, OxiIndex) and isinstance(memory._asserted, TripleIndex)
    assert len(opened) == len(memory) and len(opened._inferred) == len(memory._inferred)
    assert set(opened._asserted) == set(memory._asserted) and set(opened._inferred) == set(memory._inferred)
    assert {(t.subject, t.source, t.inferred) for t in opened.facts()} == {
        (t.subject, t.source, t.inferred) for t in memory.facts()
    }
    assert opened.namespaces == memory.namespaces and [f.name for f in opened.files] == ["toy.ttl"]


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


def test_an_opened_store_is_read_only(toy_store: Path) -> None:
    opened = KnowledgeGraph.open(toy_store)
    with pytest.raises(GraphError, match="read-only"):
        opened.add_file(TOY)
    with pytest.raises(GraphError, match="read-only"):
        opened.reason()


def test_saving_into_a_non_empty_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(GraphError, match="not empty"):
        KnowledgeGraph.load([TOY]).save_store(tmp_path)


# ---------------------------------------------------------------- broken stores
@pytest.fixture
def broken(tmp_path: Path, toy_store: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(toy_store, copy)
    return copy


def test_a_missing_store_names_the_path_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(GraphError, match=r"no graph store folder at .*nowhere.*--graph-store"):
        KnowledgeGraph.open(tmp_path / "nowhere")


def test_a_missing_sidecar_is_refused(broken: Path) -> None:
    (broken / META_FILE).unlink()
    with pytest.raises(GraphError, match=r"not a graph store .*rebuild"):
        KnowledgeGraph.open(broken)


def test_a_corrupt_sidecar_is_refused(broken: Path) -> None:
    (broken / META_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(GraphError, match=r"cannot read .*kgqa-store.json"):
        KnowledgeGraph.open(broken)


def test_another_version_is_refused(broken: Path) -> None:
    meta = json.loads((broken / META_FILE).read_text(encoding="utf-8"))
    (broken / META_FILE).write_text(json.dumps({**meta, "version": 99}), encoding="utf-8")
    with pytest.raises(GraphError, match=r"format version 99.*reads version 1.*rebuild"):
        KnowledgeGraph.open(broken)


def test_a_corrupt_database_is_refused(broken: Path) -> None:
    for f in (broken / "oxigraph").iterdir():
        if f.is_file():
            f.write_bytes(b"garbage")
    with pytest.raises(GraphError, match=r"cannot open the graph store .*rebuild"):
        KnowledgeGraph.open(broken)


def test_missing_derivations_fail_on_explain(broken: Path) -> None:
    (broken / DERIVATIONS_FILE).unlink()
    opened = KnowledgeGraph.open(broken)
    assert opened.objects("e:England", "t:capital") == [f"{E}London"]  # lookups need no derivations
    with pytest.raises(GraphError, match=r"no derivations.sqlite.*rebuild"):
        opened.explain("e:Ides", "t:causes", "e:Empire")


# ---------------------------------------------------------------- config and pipeline
def test_config_graph_store_is_resolved_and_checked(tmp_path: Path) -> None:
    (tmp_path / "kgqa.json").write_text(json.dumps({"graph_store": "graph-store"}), encoding="utf-8")
    assert PipelineConfig.load(tmp_path).graph_store == str((tmp_path / "graph-store").resolve())
    with pytest.raises(ConfigError, match="graph_store must be"):
        PipelineConfig.from_dict({"graph_store": ["a"]})


def test_the_default_world_from_a_store_answers_the_demo_questions_alike(tmp_path: Path) -> None:
    from kgqa.demo import DEMO_QUESTIONS
    from kgqa.graph.linking import EntityLinker
    from kgqa.paths import models_dir
    from kgqa.pipeline import Pipeline

    if not all((models_dir() / n / "model.safetensors").is_file() for n in ("reader", "nli")):
        pytest.skip(f"the shipped models are missing under {models_dir()}; run `kgqa train` (see README)")
    store = KnowledgeGraph.load(sorted(graphs_dir().glob("*.ttl"))).save_store(tmp_path / "store")
    memory = Pipeline.load()
    opened = Pipeline.load(PipelineConfig(graph_store=str(store)))
    assert isinstance(opened.kg._asserted, OxiIndex) and isinstance(opened.linker, EntityLinker)
    for question, premises in DEMO_QUESTIONS:
        a, b = memory.ask(question, premises), opened.ask(question, premises)
        assert (a.answer, a.verdict, a.alternative) == (b.answer, b.verdict, b.alternative), question
        assert [p.status for p in a.premises] == [p.status for p in b.premises], question


def test_world_build_writes_a_graph_store_that_kgqa_json_names(tmp_path: Path) -> None:
    from kgqa.world.build import WorldSpec, build_world

    out = tmp_path / "world"
    summary = build_world(WorldSpec(rdf=[TOY], index=False, graph_store=True), out, show_progress=False)
    assert summary["ran"][-1] == "graph-store" and summary["steps"]["graph-store"]["asserted"] > 100
    config = PipelineConfig.load(out)
    assert config.graph_store == str((out / "graph-store").resolve())
    opened = KnowledgeGraph.open(config.graph_store)  # N-Triples carry no prefixes: full IRIs
    assert opened.objects(f"{E}England", f"{T}capital") == [f"{E}London"]
    again = build_world(WorldSpec(rdf=[TOY], index=False, graph_store=True), out, resume=True, show_progress=False)
    assert "graph-store" in again["kept"]
    plain = build_world(WorldSpec(rdf=[TOY], index=False), tmp_path / "plain", show_progress=False)
    assert "graph-store" not in plain["ran"] and PipelineConfig.load(tmp_path / "plain").graph_store is None


def test_cli_graph_store_option(tmp_path: Path, toy_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kgqa.cli import _config, build_parser, main

    ns = build_parser().parse_args(["ask", "--graph-store", str(toy_store), "Who wrote Hamlet?"])
    assert _config(ns).graph_store == str(toy_store.resolve())
    both = build_parser().parse_args(["ask", "--graph-store", str(toy_store), "--graph", str(TOY), "Who?"])
    assert _config(both).graph_store == str(toy_store.resolve()) and _config(both).graphs == [str(TOY)]
    code = main(["ask", "--graph-store", str(tmp_path / "missing"), "Who wrote Hamlet?"])
    err = capsys.readouterr().err
    assert code == 2 and "no graph store folder" in err and "Traceback" not in err


def test_degree_counts_the_facts_of_a_node_on_both_index_kinds(any_kg: KnowledgeGraph) -> None:
    # the degree the linker ranks names by: asserted facts with the node as subject or object
    for iri in sorted(any_kg.entities())[:8]:
        expected = len(any_kg.facts(iri, inferred=False)) + len(any_kg.facts(o=iri, inferred=False))
        assert any_kg.degree(iri) == expected
    with_inferred = [iri for iri in any_kg.entities() if any_kg.degree(iri, inferred=True) > any_kg.degree(iri)]
    assert with_inferred, "the toy graph's inferences add facts to some entity"
    assert any_kg.degree(E + "nobody_at_all") == 0
