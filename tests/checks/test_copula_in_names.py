"""A copula inside a linked name ("A Star Is Born") is the name's own word, not the statement's "is a"."""

from __future__ import annotations

import pytest

EXTRA = """
@prefix o: <https://kgqa.dev/ontology#> .
@prefix m: <http://mini.example/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
m:Sun_Star a o:Novel ; rdfs:label "It Is a Star" ; o:author m:Ada_Finch .
m:Vega a o:Star ; rdfs:label "Vega" .
"""


@pytest.fixture(scope="module")
def star_checker(checker_with):
    return checker_with(EXTRA)


def test_a_title_with_is_a_in_it_is_the_object_of_the_statement(star_checker) -> None:
    claim = star_checker.parse("Ada Finch wrote It Is a Star.")
    assert claim.kind == "fact" and claim.object == "http://mini.example/Sun_Star"
    assert star_checker.check("Ada Finch wrote It Is a Star.").status == "supported"


def test_a_statement_of_class_outside_any_name_is_still_a_type_claim(star_checker) -> None:
    claim = star_checker.parse("Vega is a star.")
    assert claim.kind == "type" and claim.object == "https://kgqa.dev/ontology#Star"
