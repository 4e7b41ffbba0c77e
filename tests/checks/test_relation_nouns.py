"""A causal word inside a property's own name ("cause of death") is that property, not a causal claim."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTRA = """
@prefix o: <https://kgqa.dev/ontology#> .
@prefix m: <http://mini.example/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
m:causeOfDeath a owl:ObjectProperty ; rdfs:label "cause of death" .
m:Fever a o:Event ; rdfs:label "marsh fever" .
m:Ada_Finch m:causeOfDeath m:Fever .
"""


@pytest.fixture(scope="module")
def nouns_checker(checker_with):
    return checker_with(EXTRA)


def test_a_property_named_cause_of_something_is_read_as_that_property(nouns_checker) -> None:
    claim = nouns_checker.parser.parse("Marsh fever is a cause of death of Ada Finch.")
    assert claim.kind == "fact" and claim.relation == "http://mini.example/causeOfDeath"
    assert (claim.subject, claim.object) == ("http://mini.example/Ada_Finch", "http://mini.example/Fever")
    assert nouns_checker.check("Marsh fever is a cause of death of Ada Finch.").status == "supported"


def test_a_cause_stated_as_a_noun_is_still_causal(nouns_checker) -> None:
    # negatives: no property is named "cause of the Norland famine"; "caused" stays a causal claim
    claim = nouns_checker.parser.parse("The Great Flood is a cause of the Norland famine.")
    assert claim.kind == "causal"
    assert nouns_checker.parser.parse("Marsh fever caused the death of Ada Finch.").kind == "causal"
