"""The question's other entities as constraints on a path's answers (kgqa.graph.constraints), on the mini world."""

from __future__ import annotations

from collections import Counter

import pytest

from kgqa.graph.constraints import constrain, neighbours
from kgqa.graph.kg import KnowledgeGraph
from kgqa.graph.linking import EntityLinker

M = "http://mini.example/"


@pytest.fixture(scope="module")
def mini(mini_world: tuple[KnowledgeGraph, EntityLinker]) -> tuple[KnowledgeGraph, EntityLinker]:
    return mini_world


CITIES = Counter({M + "Eastholm": 1, M + "Port_Vell": 1})


def test_neighbours_leave_out_schema_facts(mini) -> None:
    kg, _ = mini
    near = neighbours(kg, M + "Port_Vell")
    assert M + "Norland" in near and M + "Ada_Finch" in near
    assert not any(n.startswith("https://kgqa.dev/ontology#") for n in near)  # its class is no neighbour


def test_another_entity_of_the_question_keeps_the_values_linked_to_it(mini) -> None:
    kg, linker = mini
    question = "Which city of Norland was Ada Finch born in?"
    kept, records = constrain(kg, CITIES, M + "Norland", "Norland", linker.find_mentions(question))
    assert set(kept) == {M + "Port_Vell"}
    assert records == [{"mention": "Ada Finch", "entity": M + "Ada_Finch", "kept": 1, "of": 2}]


def test_an_entity_linked_to_none_or_all_of_the_values_changes_nothing(mini) -> None:
    kg, linker = mini
    # Borea is linked to Norland, not to its cities: a stray constraint, ignored (the graph is an open world)
    kept, records = constrain(
        kg, CITIES, M + "Norland", "Norland", linker.find_mentions("Which city of Norland is in Borea?")
    )
    assert kept == CITIES and records == []
    # both cities are in Norland: a constraint every value meets narrows nothing
    start = M + "Ada_Finch"
    kept, records = constrain(
        kg, CITIES, start, "Ada Finch", linker.find_mentions("Which city did Ada Finch see in Norland?")
    )
    assert kept == CITIES and records == []


def test_the_start_entity_is_no_constraint_on_its_own_path(mini) -> None:
    kg, linker = mini
    mentions = linker.find_mentions("Which city of Norland is the capital?")
    kept, records = constrain(kg, CITIES, M + "Norland", "Norland", mentions)
    assert kept == CITIES and records == []
