"""How many, comparatives and superlatives on the mini world: counts, choices, withheld answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.checks.numeric import ComparativeClaims, compare, direction_of, read_value
from kgqa.graph.dates import KGDate
from kgqa.numeric_questions import numeric_answer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ONT = "https://kgqa.dev/ontology#"
M = "http://mini.example/"


class RankingStub:
    """A stand-in for the learned relation model: ranks the properties whose IRI contains a word of the text.

    The real model ranks every property by cosine; for an adjective ("larger") it names none, and the
    graph's data (which numeric properties the entities hold) decides. The stub ranks "population"
    before "diameterKm" so that the tests read the graph's data, not a hand-made choice.
    """

    threshold = 0.5

    def rank(self, kg, marked_text, top_k=5):
        order = [ONT + "population", ONT + "diameterKm", ONT + "birthDate", ONT + "publicationDate"]
        return [(p, 0.4) for p in order][:top_k]


@pytest.fixture(scope="module")
def world():
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher

    kg = KnowledgeGraph.load(
        [ROOT / "graphs" / "ontology.ttl", FIXTURES / "mini_world.ttl", FIXTURES / "mini_compound.ttl"]
    )
    linker = EntityLinker(kg)
    return kg, linker, RelationMatcher(kg), RelationMatcher(kg, model=RankingStub())


def ask(world, question: str, model: bool = False):
    kg, linker, names_only, with_model = world
    return numeric_answer(kg, linker, with_model if model else names_only, question, linker.find_mentions(question))


def test_how_many_counts_distinct_values_of_the_class(world) -> None:
    novels = ask(world, "How many novels did Ada Finch write?")
    assert novels.kind == "count" and novels.answer == "3"  # The Glass Orchard, Quiet Harbour, Salt
    assert "at least 3 according to the graph" in novels.explanation
    assert sorted(novels.details["counted"]) == ["Quiet Harbour", "Salt", "The Glass Orchard"]
    assert {t.subject for t in novels.facts} | {t.object for t in novels.facts} >= {M + "Salt", M + "Ada_Finch"}
    # the same shape with another class, and with another person: different counts
    assert ask(world, "How many poems did Ada Finch write?").answer == "1"
    assert ask(world, "How many novels did Bo Lind write?").answer == "1"


def test_how_many_without_facts_withholds_the_count(world) -> None:
    answer = ask(world, "How many poems did Bo Lind write?")
    assert answer.answer is None and "no poems" in answer.explanation


def test_choice_between_two_entities_by_date(world) -> None:
    first = ask(world, "Who was born first, Bo Lind or Ada Finch?")
    assert (first.kind, first.answer) == ("choice", "Ada Finch")
    last = ask(world, "Who was born last, Bo Lind or Ada Finch?")
    assert last.answer == "Bo Lind"
    assert last.relation == ONT + "birthDate"


def test_choice_withheld_when_a_year_and_a_day_of_it_do_not_order(world) -> None:
    # Ada Finch: 1850-02-11; Cy Moss: 1850 (the year alone): neither is certainly first
    answer = ask(world, "Who was born first, Ada Finch or Cy Moss?")
    assert answer.answer is None and "do not order" in answer.explanation
    assert ask(world, "Who was born first, Bo Lind or Cy Moss?").answer == "Cy Moss"


def test_choice_withheld_when_a_value_is_missing(world) -> None:
    answer = ask(world, "Which was published first, Lamp Verses or Salt?")
    assert answer.answer is None and "Lamp Verses" in answer.explanation


def test_choice_by_an_adjective_uses_the_ranked_numeric_property(world) -> None:
    assert ask(world, "Which is bigger, Port Vell or Eastholm?", model=True).answer == "Eastholm"
    assert ask(world, "Which is smaller, Port Vell or Eastholm?", model=True).answer == "Port Vell"
    # without a model, "bigger" names no property: no guess
    assert ask(world, "Which is bigger, Port Vell or Eastholm?").answer is None


def test_superlative_over_a_class_in_a_place(world) -> None:
    largest = ask(world, "Which is the largest city in Norland?", model=True)
    assert (largest.kind, largest.answer) == ("superlative", "Eastholm")
    assert ask(world, "Which is the smallest city in Norland?", model=True).answer == "Port Vell"
    # Tollen has no population: the largest city of Sudmark is not guessed
    withheld = ask(world, "Which is the largest city in Sudmark?", model=True)
    assert withheld.answer is None and "Tollen" in withheld.explanation


def test_other_shapes_are_not_numeric(world) -> None:
    for q in ("Who wrote The Glass Orchard?", "Where was Ada Finch born?", "Which city is in Norland?"):
        assert ask(world, q) is None


def test_comparative_claims(world) -> None:
    kg, linker, names_only, with_model = world
    claims = ComparativeClaims(kg, linker, names_only)
    assert claims.check("Eastholm has a larger population than Port Vell.").status == "supported"
    wrong = claims.check("Port Vell has a larger population than Eastholm.")
    assert wrong.status == "contradicted" and "Eastholm" in wrong.correction
    # a missing value never contradicts
    assert claims.check("Riva has a larger population than Tollen.").status == "unknown"
    assert claims.check("Tollen has a larger population than Riva.").status == "unknown"
    assert ComparativeClaims(kg, linker, with_model).check("Eastholm is larger than Port Vell.").status == "supported"
    assert claims.check("Ada Finch wrote Salt.") is None


def test_compare_and_values() -> None:
    assert direction_of("Which is the largest") == (1, "largest")
    assert direction_of("Who was born first") == (-1, "first")
    assert direction_of("Who wrote it") is None
    assert read_value("900000") == 900000.0
    assert read_value("1850-02-11") == KGDate(1850, 2, 11)
    assert read_value("http://mini.example/Riva") is None
    assert read_value("Riva") is None


def test_year_and_day_of_the_same_year_do_not_order(world) -> None:
    kg = world[0]
    # Bo Lind 1862 vs Quiet Harbour's date 1895-03-02 order; a year alone vs a day in it would not
    result = compare(kg, [M + "Bo_Lind", M + "Ada_Finch"], ONT + "birthDate", -1)
    assert result.winner == M + "Ada_Finch"
    none = compare(kg, [M + "Riva", M + "Tollen"], ONT + "population", 1)
    assert none.winner is None and none.missing == [M + "Tollen"]
