"""A subject that describes an entity through a relation is not the subject of a type claim.

"The origin of X is Sri Lanka" states the value of X's origin; read as "S is a C" it became "X is a
Sri Lankan" (WordNet makes most common nouns and demonyms classes).
"""

from __future__ import annotations

import pytest

from kgqa.checks.claims import _described


@pytest.mark.parametrize(
    "subject",
    ["The capital of Norland", "the place of birth of Ada Finch", "Norland's capital", "Ada Finch’s place of birth"],
)
def test_descriptions(subject: str) -> None:
    assert _described(subject)


@pytest.mark.parametrize(
    "subject",
    ["Ada Finch", "The Glass Orchard", "The Lord of the Rings", "Ada Finch, the poet,", "The Bank of England", "Ada's"],
)
def test_names_are_not_descriptions(subject: str) -> None:
    assert not _described(subject)


def test_described_subject_reads_as_a_fact(checker) -> None:
    # "City" is a class of the mini world: "Ada Finch is a City" would be a type claim about Ada Finch
    claim = checker.parser.parse("The home of Ada Finch is City.")
    assert claim.kind != "type"
    assert not (claim.relation or "").endswith("#type")


def test_plain_subject_still_reads_as_a_type(checker) -> None:
    claim = checker.parser.parse("Eastholm is a city.")
    assert claim.kind == "type"
    assert claim.object.endswith("#City")
    assert checker.check("Norland's capital is a city.").status != "contradicted"


def test_type_claim_about_a_described_entity_is_resolved(checker) -> None:
    """ "The author of The Glass Orchard is a novelist" is checked on the author, not on the novel."""
    assert checker.check("The author of The Glass Orchard is a novelist.").status == "supported"
    assert checker.check("The author of The Glass Orchard is a city.").status == "contradicted"
    assert checker.check("The Glass Orchard is a city.").status == "contradicted"
