"""A year inside a linked name ("1972 Summer Olympics") is part of the name, not a date the statement gives.

Read as a date, "1972 Summer Olympics has Football as a sport" became a temporal claim about football
(the name's mention was dropped for overlapping the "date"), and a passage then refuted it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.checks.claims import find_date

ROOT = Path(__file__).resolve().parents[2]
EXTRA = """
@prefix o: <https://kgqa.dev/ontology#> .
@prefix m: <http://mini.example/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
m:Games_1702 a o:Event ; rdfs:label "1702 Norland Games" ; o:location m:Eastholm ; o:date "1702"^^xsd:gYear .
"""


def test_a_year_inside_a_name_is_skipped() -> None:
    text = "1702 Norland Games were held in Eastholm"
    assert find_date(text)[:2] == ("1702", 0)  # without the names: the year is read
    assert find_date(text, [(0, 18)]) is None
    # the statement's own date is still found after the name, and a name that is only a year is a date
    assert find_date("1702 Norland Games began in 1702", [(0, 18)]) == ("1702", 28, 32)
    assert find_date("It ended on 3 May 1702", [(0, 2)]) == ("1702-05-03", 12, 22)
    assert find_date("in 1702", [(3, 7)]) == ("1702", 3, 7)


@pytest.fixture(scope="module")
def games_checker(checker_with):
    return checker_with(EXTRA)


def test_a_name_with_a_year_is_the_claims_subject(games_checker) -> None:
    claim = games_checker.parser.parse("1702 Norland Games has location Eastholm.")
    assert claim.kind == "fact" and claim.subject == "http://mini.example/Games_1702"
    assert claim.object == "http://mini.example/Eastholm"
    assert games_checker.check("1702 Norland Games has location Eastholm.").status == "supported"


def test_a_date_after_the_name_is_still_a_temporal_claim(games_checker) -> None:
    claim = games_checker.parser.parse("1702 Norland Games happened in 1650.")
    assert claim.kind == "temporal" and claim.subject == "http://mini.example/Games_1702"
    assert claim.literal == "1650"  # the statement's year, not the name's
    assert games_checker.check("1702 Norland Games happened in 1650.").status == "contradicted"
    # negative: the event's own year is supported
    assert games_checker.check("1702 Norland Games happened in 1702.").status == "supported"
