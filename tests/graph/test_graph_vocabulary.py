"""The graph's vocabulary declared or inferred from the data (kgqa.graph.vocabulary), on every backend,
and the checker's use of an inferred functional property (never a contradiction it cannot justify)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgqa.checks.graph_check import GraphChecker
from kgqa.graph import KnowledgeGraph
from kgqa.graph.vocabulary import MIN_SUBJECTS, graph_vocabulary, may_be_same
from kgqa.types import Claim

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TOY = FIXTURES / "toy.ttl"
#: the ambiguity world (see the file's header): 30 people born in one city each, "Paris" three times
AMBIGUITY = FIXTURES / "ambiguity.ttl"
X = "http://amb.example/"
PEOPLE = 30
T = "http://toy.example/ns#"
E = "http://toy.example/e/"
BACKENDS = ["memory", "store", "endpoint"]


@pytest.fixture(scope="module", autouse=True)
def _small_world_threshold() -> Iterator[None]:
    """The fixture world has 30 people: infer functionality from 20 subjects here (the default asks for more)."""
    import kgqa.graph.vocabulary as vocabulary

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(vocabulary, "MIN_SUBJECTS", 20)
        yield


@pytest.fixture(scope="module")
def world() -> Path:
    return AMBIGUITY


@pytest.fixture(scope="module")
def amb_endpoint(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server on 127.0.0.1 holding the world and the toy world; yields its query URL."""
    from kgqa.bench.sparql_server import INSTALL_HINT, OxigraphServer, oxigraph_binary
    from kgqa.errors import MissingDependencyError

    try:
        oxigraph_binary()
    except MissingDependencyError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"the oxigraph SPARQL server is not installed; {INSTALL_HINT}")
    folder = tmp_path_factory.mktemp("amb-endpoint")
    nquads = KnowledgeGraph.load([TOY, world]).export_nquads(folder / "amb.nq")
    with OxigraphServer(folder / "db", nquads=[nquads], read_only=True) as server:
        yield server.query_url


@pytest.fixture(scope="module", params=BACKENDS)
def any_kg(request: pytest.FixtureRequest, world: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    if request.param == "memory":
        return KnowledgeGraph.load([TOY, world])
    if request.param == "store":
        folder = tmp_path_factory.mktemp("amb-store")
        return KnowledgeGraph.open(KnowledgeGraph.load([TOY, world]).save_store(folder / "store"))
    return KnowledgeGraph.connect(request.getfixturevalue("amb_endpoint"))


def test_functional_inferred_with_counts(any_kg: KnowledgeGraph) -> None:
    vocab = graph_vocabulary(any_kg)
    assert vocab is any_kg.graph_vocabulary()  # one per graph
    born = vocab.functional(X + "bornIn")
    assert born is not None and not born.declared
    # the subproperty's facts (every fifth person) and the untyped drifter count too
    assert (born.subjects, born.single) == (PEOPLE + 1, PEOPLE + 1)
    assert born.text == f"inferred from the data: {PEOPLE + 1} of {PEOPLE + 1} subjects have one value"
    assert vocab.functional(X + "actedIn") is None  # several films per person
    assert vocab.functional(X + "passport") is None  # too few subjects to tell
    assert 5 < MIN_SUBJECTS
    assert vocab.inverse_functional(X + "bornIn") is None  # a city has many people born there


def test_declared_characteristics_come_first(any_kg: KnowledgeGraph) -> None:
    vocab = any_kg.graph_vocabulary()
    birth = vocab.functional("t:birthPlace")
    assert birth is not None and birth.declared and birth.text == "declared owl:FunctionalProperty"
    assert vocab.functional("t:author") is None
    capital_of = vocab.inverse_functional("t:capitalOf")  # its declared inverse, t:capital, is functional
    assert capital_of is not None and capital_of.declared and "capital" in capital_of.text
    assert vocab.inverse_functional("t:capital") is None


def test_domains_ranges_declared_and_inferred(any_kg: KnowledgeGraph) -> None:
    vocab = any_kg.graph_vocabulary()
    assert [c for c, _ in vocab.domains("t:author")] == [f"{T}Work"] and vocab.domain_use("t:author").declared
    assert [c for c, _ in vocab.ranges("t:wrote")] == [f"{T}Work"]  # the domain of its declared inverse
    assert vocab.domains(X + "bornIn") == [(X + "Person", PEOPLE)]
    assert not vocab.domain_use(X + "bornIn").declared
    assert [c for c, _ in vocab.ranges(X + "bornIn")] == [X + "City"]
    assert [c for c, _ in vocab.ranges(X + "actedIn")] == [X + "Film"]
    assert [c for c, _ in vocab.domains(X + "starring")] == [X + "Film"]  # its inverse's facts, reversed
    assert vocab.ranges(X + "passport") == []  # literals have no class


def test_classes_of_typed_and_untyped(any_kg: KnowledgeGraph) -> None:
    vocab = any_kg.graph_vocabulary()
    assert vocab.classes_of(X + "Paris") == [(X + "City", "rdf:type")]
    assert vocab.classes_of(X + "drifter") == [(X + "Person", f"domain of {X}bornIn")]
    assert vocab.classes_of(E + "Macbeth") == [(f"{T}Work", f"domain of {T}author")]  # declared domain
    assert vocab.subproperties(X + "bornIn") == [X + "bornIn", X + "birthCity"]
    assert vocab.superproperties(X + "birthCity") == [X + "birthCity", X + "bornIn"]


def test_may_be_same(any_kg: KnowledgeGraph) -> None:
    assert may_be_same(any_kg, X + "Edinburgh", X + "EdinburghScotland")  # "Edinburgh" vs "Edinburgh, Scotland"
    assert may_be_same(any_kg, X + "Leith", X + "EdinburghScotland")  # owl:sameAs
    assert may_be_same(any_kg, X + "Paris", "paris")  # a literal naming it
    assert not may_be_same(any_kg, X + "Paris", X + "city1")
    assert not may_be_same(any_kg, X + "Paris", "Parisian")


# ---------------------------------------------------------------- the checker
def claim(s: str, p: str, o: str) -> Claim:
    return Claim(f"{s} {p} {o}", subject=s, relation=p, object=o)


def test_inferred_functional_contradicts_a_value_of_the_same_kind(any_kg: KnowledgeGraph) -> None:
    verdict = GraphChecker(any_kg).check(claim(X + "p3", X + "bornIn", X + "Paris"))
    assert verdict.holds is False and verdict.rule == "functional_property"
    functional = verdict.evidence[0].detail["functional"]
    assert functional["declared"] is False and functional["subjects"] == PEOPLE + 1
    assert "inferred from the data" in functional["text"]
    assert (
        verdict.confidence
        < GraphChecker(any_kg).check(claim(E + "Shakespeare", T + "birthPlace", E + "London")).confidence
    )


@pytest.mark.parametrize(
    ("subject", "obj", "why"),
    [
        ("p1", "EdinburghScotland", "another name of the held value"),
        ("p1", "Leith", "owl:sameAs a name of the held value"),
        ("p3", "ParisFilm", "not of the held value's class"),
        ("p3", "nowhere", "an entity the graph does not know"),
        ("p0", "Paris", "the held value itself"),
    ],
)
def test_inferred_functional_never_contradicts_without_cause(
    any_kg: KnowledgeGraph, subject: str, obj: str, why: str
) -> None:
    verdict = GraphChecker(any_kg).check(claim(X + subject, X + "bornIn", X + obj))
    assert verdict.holds is not False, why


def test_inferred_functional_never_contradicts_a_literal(any_kg: KnowledgeGraph) -> None:
    verdict = GraphChecker(any_kg).check(claim(X + "p3", X + "bornIn", "Somewhere Else"))
    assert verdict.holds is None


def test_declared_functional_still_contradicts_and_spares_other_names(any_kg: KnowledgeGraph) -> None:
    checker = GraphChecker(any_kg)
    wrong = checker.check(claim(E + "Shakespeare", T + "birthPlace", E + "London"))
    assert wrong.holds is False and wrong.evidence[0].detail["functional"]["declared"] is True
    # the inverse is functional: London is the capital of England, not of Zürich
    assert checker.check(claim(E + "London", T + "capitalOf", E + "Zurich")).holds is None
    assert checker.check(claim(E + "Stratford", T + "capitalOf", E + "England")).holds is False
