"""Compound claims on the mini world: conjunctions, negation scope, nested relations and full dates."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.checks.claims import find_date
from kgqa.checks.compound import negate

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def compound_checker():
    from kgqa.checks.premise import PremiseChecker
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher

    kg = KnowledgeGraph.load(
        [ROOT / "graphs" / "ontology.ttl", FIXTURES / "mini_world.ttl", FIXTURES / "mini_compound.ttl"]
    )
    return PremiseChecker(kg, EntityLinker(kg), RelationMatcher(kg), nli=None)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # conjunctions: each conjunct checked; one false conjunct contradicts the whole
        ("Ada Finch wrote The Glass Orchard and Quiet Harbour.", "supported"),
        ("Ada Finch wrote The Glass Orchard and Salt and Stone.", "contradicted"),
        ("Ada Finch and Bo Lind were born in Norland.", "supported"),
        ("Ada Finch and Bo Lind were born in Port Vell.", "contradicted"),
        # negation scoped to the part it names
        ("Ada Finch, not Bo Lind, wrote The Glass Orchard.", "supported"),
        ("Bo Lind, not Ada Finch, wrote The Glass Orchard.", "contradicted"),
        ("Ada Finch wrote Salt, not Bo Lind.", "supported"),
        ("Ada Finch wrote Salt, not Salt and Stone.", "supported"),
        ("Ada Finch wrote Salt and Stone, not Salt.", "contradicted"),
        # nested relations resolved through the graph, in the subject or the object
        ("The author of The Glass Orchard was born in Port Vell.", "supported"),
        ("The author of The Glass Orchard was born in Eastholm.", "contradicted"),
        ("The author of Lamp Verses was born in 1850.", "supported"),
        ("Bo Lind was born in the capital of Norland.", "supported"),
        ("Ada Finch was born in the capital of Norland.", "contradicted"),
        # full dates: a claim more precise than the graph's date is not supported
        ("Ada Finch was born on 11 February 1850.", "supported"),
        ("Ada Finch was born on 12 February 1850.", "contradicted"),
        ("Bo Lind was born on 3 May 1862.", "unknown"),
        ("Bo Lind was born on 3 May 1863.", "contradicted"),
        ("Bo Lind was born in 1862.", "supported"),
    ],
)
def test_compound_shapes_on_the_mini_world(compound_checker, text: str, status: str) -> None:
    assert compound_checker.check(text).status == status


def test_a_name_with_and_is_one_entity_not_a_conjunction(compound_checker) -> None:
    # "Salt" is Ada Finch's novel: split, "Bo Lind wrote Salt" would be contradicted
    check = compound_checker.check("Bo Lind wrote Salt and Stone.")
    assert check.status == "supported"
    assert not check.rule.startswith("compound_")
    assert compound_checker.compound.split("Bo Lind wrote Salt and Stone.") is None
    assert compound_checker.check("Bo Lind wrote Salt.").status == "contradicted"


def test_conjuncts_are_reported_in_the_evidence(compound_checker) -> None:
    check = compound_checker.check("Ada Finch wrote The Glass Orchard and Salt and Stone.")
    parts = [e for e in check.evidence if e.kind == "claim"]
    assert [(e.text, e.detail["status"]) for e in parts] == [
        ("Ada Finch wrote The Glass Orchard", "supported"),
        ("Ada Finch wrote Salt and Stone", "contradicted"),
    ]
    assert check.correction and "Bo Lind" in check.correction


def test_negated_part_is_reported_negated(compound_checker) -> None:
    check = compound_checker.check("Ada Finch, not Bo Lind, wrote The Glass Orchard.")
    parts = [e for e in check.evidence if e.kind == "claim"]
    assert [(e.text, e.detail["negated"], e.detail["status"]) for e in parts] == [
        ("Ada Finch wrote The Glass Orchard", False, "supported"),
        ("not (Bo Lind wrote The Glass Orchard)", True, "supported"),
    ]
    # the negated part's own check (Bo Lind wrote it: contradicted) is flipped, not the whole sentence
    wrong = compound_checker.check("Bo Lind, not Ada Finch, wrote The Glass Orchard.")
    assert [e.detail["status"] for e in wrong.evidence if e.kind == "claim"] == ["contradicted", "contradicted"]


def test_nested_relation_cites_the_resolving_fact(compound_checker) -> None:
    check = compound_checker.check("The author of The Glass Orchard was born in Port Vell.")
    nested = [e for e in check.evidence if e.detail.get("rule") == "nested_relation"]
    assert nested and nested[0].triples[0].object.endswith("Ada_Finch")
    assert check.claim is not None and check.claim.subject.endswith("Ada_Finch")


def test_an_unresolved_description_is_unknown_never_contradicted(compound_checker) -> None:
    # a country has no author: the description names nothing in the graph
    check = compound_checker.check("The author of Norland was born in Eastholm.")
    assert (check.status, check.rule) == ("unknown", "nested_unresolved")


def test_identity_statements_are_left_to_the_claim_parser(compound_checker) -> None:
    split = compound_checker.compound.split
    for text in (
        "The capital of Norland is Eastholm.",
        "Port Vell is the capital of Norland.",
        "Norland's capital is Port Vell, Norland.",
        "Ada Finch's place of birth is Eastholm.",
        "Ada Finch's date of birth is 1850.",  # names a date, not an entity
    ):
        assert split(text) is None, text


def test_a_type_claim_about_a_description_is_about_the_entity_described(compound_checker) -> None:
    check = compound_checker.check("The author of The Glass Orchard was a novelist.")
    assert check.status == "supported" and check.claim.subject.endswith("Ada_Finch")
    assert compound_checker.check("The author of The Glass Orchard was a city.").status == "contradicted"


def test_possessive_descriptions(compound_checker) -> None:
    assert compound_checker.check("Ada Finch's place of birth is in Norland.").status == "supported"
    assert compound_checker.check("Bo Lind's birthplace is in Norland.").status == "supported"
    assert compound_checker.check("Bo Lind's birthplace is in Borea.").status != "contradicted"


def test_simple_claims_do_not_split(compound_checker) -> None:
    for text in ("Ada Finch wrote The Glass Orchard.", "Ada Finch did not write Salt and Stone.", "Is it so?"):
        assert compound_checker.compound.split(text) is None


def test_negate_swaps_status_and_stances(compound_checker) -> None:
    check = compound_checker.check("Ada Finch wrote Salt.")
    flipped = negate(check)
    assert (check.status, flipped.status) == ("supported", "contradicted")
    assert {e.stance for e in flipped.evidence if e.kind == "triple"} == {"contradicts"}
    assert negate(flipped).status == "supported"


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("born on 24 May 1564", "1564-05-24"),
        ("born on May 24, 1564", "1564-05-24"),
        ("born on the 23rd of April 1564", "1564-04-23"),
        ("born in April 1564", "1564-04"),
        ("died on 15 March 44 BC", "-0044-03-15"),
        ("born in 1564", "1564"),
    ],
)
def test_find_date_reads_month_names(text: str, literal: str) -> None:
    assert find_date(text)[0] == literal


@pytest.mark.parametrize(
    "text", ["it has 3 moons", "May I come in?", "the 24th of the month", "the September 11 attacks"]
)
def test_find_date_finds_no_date_where_there_is_none(text: str) -> None:
    assert find_date(text) is None
