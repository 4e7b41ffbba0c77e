"""Ambiguous names: candidates with their score parts (prior: label > alias > fuzzy, degree), re-ranked by how
their classes fit the relation asked about; the same on a names catalogue as in memory; rapidfuzz fuzzy hits."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.errors import InputError
from kgqa.graph import EntityLinker, KnowledgeGraph, Mention
from kgqa.graph.catalogue import write_catalogue
from kgqa.graph.disambiguation import rerank, type_fit
from kgqa.graph.linking import MATCH_PRIOR, Candidate

FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: see the file's header: "Paris" is a city, a better connected film, and an alias of a word
AMBIGUITY = FIXTURES / "ambiguity.ttl"
X = "http://amb.example/"
T = "http://toy.example/ns#"
E = "http://toy.example/e/"


@pytest.fixture(scope="module")
def amb_kg() -> KnowledgeGraph:
    return KnowledgeGraph.load([AMBIGUITY])


@pytest.fixture(scope="module")
def amb_linker(amb_kg: KnowledgeGraph) -> EntityLinker:
    return EntityLinker(amb_kg)


def paris(mentions: list[Mention]) -> Mention:
    return next(m for m in mentions if m.text == "Paris")


def test_candidates_carry_their_prior(amb_linker: EntityLinker) -> None:
    m = paris(amb_linker.find_mentions("Was Person 3 born in Paris?"))
    assert {c.iri for c in m.candidates} == {X + "Paris", X + "ParisFilm", X + "ParisWord"}
    by_iri = {c.iri: c for c in m.candidates}
    assert by_iri[X + "Paris"].match == "label" and by_iri[X + "ParisWord"].match == "alias"
    assert by_iri[X + "ParisFilm"].degree > by_iri[X + "Paris"].degree
    # without a relation the prior decides: both labels, the film is better connected
    assert m.iri == X + "ParisFilm" == m.candidates[0].iri
    assert all(c.type_fit is None and c.score == c.prior for c in m.candidates)
    assert [c.score for c in m.candidates] == sorted((c.score for c in m.candidates), reverse=True)


def test_label_beats_alias_at_equal_degree(amb_linker: EntityLinker) -> None:
    cands = amb_linker.candidates([(X + "p1", "alias", 1.0), (X + "p2", "label", 1.0)])
    assert cands[0].degree == cands[1].degree and [c.iri for c in cands] == [X + "p2", X + "p1"]
    fuzzy = amb_linker.candidates([(X + "p2", "fuzzy", 1.0), (X + "p1", "alias", 1.0)])
    assert [c.iri for c in fuzzy] == [X + "p1", X + "p2"]
    assert MATCH_PRIOR["label"] > MATCH_PRIOR["alias"] > MATCH_PRIOR["fuzzy"]


def test_type_fit_picks_the_city_as_a_birthplace(amb_linker: EntityLinker) -> None:
    m = paris(amb_linker.link("Was Person 3 born in Paris?", [X + "bornIn"], role="object"))
    assert m.iri == X + "Paris" and m.label == "Paris"
    best = m.candidates[0]
    assert best.type_fit is not None and best.type_fit > 0.5
    assert best.classes == ((X + "City", "rdf:type"),)
    assert {c.iri: c.type_fit for c in m.candidates[1:]} == {X + "ParisFilm": 0.0, X + "ParisWord": 0.0}


def test_another_relation_picks_the_film(amb_linker: EntityLinker) -> None:
    m = paris(amb_linker.link("Who is starring in Paris?", [X + "starring"], role="subject"))
    assert m.iri == X + "ParisFilm"
    assert m.candidates[0].type_fit is not None and m.candidates[0].type_fit > 0.5
    # and acting: the film is the object of actedIn, not its subject
    assert paris(amb_linker.link("Who acted in Paris?", [X + "actedIn"], role="object")).iri == X + "ParisFilm"


def test_a_relation_with_unknown_classes_leaves_the_prior(amb_linker: EntityLinker, amb_kg: KnowledgeGraph) -> None:
    mentions = amb_linker.find_mentions("Paris")
    same = rerank(mentions, [X + "passport"], amb_kg.graph_vocabulary(), role="object")  # literal values only
    assert same[0].iri == mentions[0].iri and all(c.type_fit is None for c in same[0].candidates)
    assert rerank(mentions, [], amb_kg.graph_vocabulary()) == mentions
    assert type_fit(amb_kg.graph_vocabulary(), X + "Paris", X + "passport", "object") is None
    with pytest.raises(InputError, match="role"):
        type_fit(amb_kg.graph_vocabulary(), X + "Paris", X + "bornIn", "sideways")


def test_declared_range_fits_through_subclasses() -> None:
    kg = KnowledgeGraph.load([FIXTURES / "toy.ttl"])
    vocab = kg.graph_vocabulary()
    assert type_fit(vocab, E + "Shakespeare", T + "author", "object") == 1.0  # a Playwright is a Writer
    assert type_fit(vocab, E + "London", T + "author", "object") == 0.0
    assert type_fit(vocab, E + "Hamlet", T + "author") == 1.0  # either side: a Play is a Work


def test_candidates_reach_the_trace_dict_and_back(amb_linker: EntityLinker) -> None:
    m = paris(amb_linker.link("Was Person 3 born in Paris?", [X + "bornIn"]))
    d = m.to_dict()
    assert d["candidates"][0]["iri"] == X + "Paris" and d["candidates"][0]["classes"] == [[X + "City", "rdf:type"]]
    assert Mention.from_dict(d) == m
    assert Candidate.from_dict(d["candidates"][0]) == m.candidates[0]


def test_catalogue_linker_gives_the_same_candidates(tmp_path: Path, amb_linker: EntityLinker) -> None:
    kg = KnowledgeGraph.load([AMBIGUITY])
    kg.catalogue_path = write_catalogue(kg, tmp_path / "catalogue.sqlite")
    on_disk = EntityLinker(kg)
    text = "Was Person 3 born in Paris, or in Town 2?"
    assert on_disk.find_mentions(text) == amb_linker.find_mentions(text)
    assert on_disk.link(text, [X + "bornIn"]) == amb_linker.link(text, [X + "bornIn"])
    assert on_disk.resolve("Pariss") == amb_linker.resolve("Pariss")


def test_fuzzy_matching_with_rapidfuzz(amb_linker: EntityLinker) -> None:
    hit = amb_linker.resolve("Pariss")
    assert hit and hit[0].method == "fuzzy" and 0.85 <= hit[0].score < 1.0
    assert {m.iri for m in hit} == {X + "Paris", X + "ParisFilm", X + "ParisWord"}
    assert all(c.match == "fuzzy" for c in hit[0].candidates)
    assert amb_linker.resolve("Pxrqs") == []  # too far from any name
    assert amb_linker.resolve("Towne 4")[0].iri == X + "city4"
