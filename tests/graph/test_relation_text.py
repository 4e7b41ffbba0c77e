"""Relation texts: labels, descriptions and the phrases read off property IRIs."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.graph import KnowledgeGraph
from kgqa.graph.relation_text import iri_phrase, is_iri_like, make_relation_text, relation_texts
from kgqa.graph.relations import RelationMatcher

IRI_ONLY = Path(__file__).parent / "fixtures" / "iri_only.ttl"


@pytest.mark.parametrize(
    ("iri", "expected"),
    [
        ("https://kgqa.dev/fb15k237/relation/people/person/place_of_birth", "place of birth"),
        ("http://dbpedia.org/ontology/birthPlace", "birth place"),
        ("http://example.org/o#dateOfDeath", "date of death"),
        ("http://example.org/o/spouse-of/", "spouse of"),
        ("http://example.org/o#HTMLVersion", "html version"),
        ("urn:x:capital", "capital"),
    ],
)
def test_iri_phrase(iri: str, expected: str) -> None:
    assert iri_phrase(iri) == expected


@pytest.mark.parametrize(
    "iri",
    [
        "http://www.wikidata.org/prop/direct/P19",
        "http://www.wikidata.org/entity/Q5",
        "https://kgqa.dev/fb15k237/entity/m.0dbpyd",
        "http://example.org/p/123e4567-e89b-12d3-a456-426614174000",
        "http://example.org/p/42",
        "http://example.org/p/_",
        "",
    ],
)
def test_iri_phrase_opaque(iri: str) -> None:
    assert iri_phrase(iri) is None


def test_iri_phrase_not_a_string() -> None:
    assert iri_phrase(None) is None  # type: ignore[arg-type]


def test_is_iri_like() -> None:
    iri = "http://example.org/o#birthPlace"
    assert is_iri_like("", iri)
    assert is_iri_like(iri, iri)
    assert is_iri_like("birthPlace", iri)
    assert not is_iri_like("birth place", iri)
    assert not is_iri_like("author", "http://example.org/o#author")  # a plain word is a real name


def test_make_relation_text_prefers_real_names() -> None:
    labelled = make_relation_text("http://e.org/o#birthPlace", ["place of birth", "born in"], ["where one was born"])
    assert labelled.labelled
    assert labelled.texts == ("place of birth", "born in", "where one was born")
    assert labelled.name_texts == ("place of birth", "born in")
    bare = make_relation_text("http://e.org/o#birthPlace", ["http://e.org/o#birthPlace", "birthPlace"])
    assert not bare.labelled
    assert bare.texts == ("birth place",)
    opaque = make_relation_text("http://e.org/p/P19", [])
    assert opaque.texts == ()


def test_relation_texts_of_a_graph() -> None:
    kg = KnowledgeGraph.load([IRI_ONLY])
    texts = relation_texts(kg)
    assert texts["http://example.org/toy/birthPlace"].texts == ("birth place",)
    assert texts["http://example.org/toy/spouse_of"].texts == ("spouse of",)
    assert texts["http://example.org/toy/P7"].texts == ()
    assert not any(p.startswith("http://www.w3.org/") for p in texts)


def test_lexical_matcher_names_unlabelled_properties_by_iri() -> None:
    matcher = RelationMatcher(KnowledgeGraph.load([IRI_ONLY]))
    assert matcher.match("birth place")[0] == ("http://example.org/toy/birthPlace", 1.0)
    assert matcher.match("spouse of")[0] == ("http://example.org/toy/spouse_of", 1.0)
    assert matcher.match("colour of") == []


# ---------------------------------------------------------------------------- roles read off path labels
def test_a_path_label_that_repeats_its_domain_gains_its_role():
    from kgqa.graph.relation_text import make_relation_text, with_path_phrases

    iri = "http://paths.example/film/director/film"
    text = with_path_phrases(make_relation_text(iri, ["film director film", "film"]))
    assert text.names == ("film director film", "film", "director")
    # the label stays first: renderers read the path from it
    assert text.names[0] == "film director film"


def test_other_path_labels_and_real_labels_are_left_alone():
    from kgqa.graph.relation_text import make_relation_text, with_path_phrases

    # a path label ending in the relation's own words already names it
    iri = "http://paths.example/people/person/place_of_birth"
    plain = make_relation_text(iri, ["people person place of birth", "place of birth"])
    assert with_path_phrases(plain) == plain
    # a real label that copies no path
    real = make_relation_text("http://paths.example/film/director/film", ["directed by"])
    assert with_path_phrases(real) == real


def test_property_text_adds_the_role(tmp_path):
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.relation_text import property_text

    ttl = tmp_path / "roles.ttl"
    ttl.write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<http://paths.example/team/coach/team> rdfs:label "team coach team" .\n'
        "<http://paths.example/t1> <http://paths.example/team/coach/team> <http://paths.example/c1> .\n",
        encoding="utf-8",
    )
    kg = KnowledgeGraph.load([ttl], reason=False)
    assert property_text(kg, "http://paths.example/team/coach/team").names == ("team coach team", "coach")
