"""The class a question asks for (kgqa.graph.answer_type) and the path search's use of it, on the mini world."""

from __future__ import annotations

import pytest

from kgqa.checks.questions import analyze_question
from kgqa.graph.answer_type import asked_classes, type_fit
from kgqa.graph.kg import KnowledgeGraph
from kgqa.graph.linking import EntityLinker
from kgqa.graph.relation_paths import search_paths
from tests.graph.test_relation_paths import BagOfWords

M = "http://mini.example/"
ONT = "https://kgqa.dev/ontology#"


@pytest.fixture(scope="module")
def mini(mini_world: tuple[KnowledgeGraph, EntityLinker]) -> tuple[KnowledgeGraph, EntityLinker]:
    return mini_world


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which city is the author of The Glass Orchard from?", ONT + "City"),
        ("In which city was Ada Finch born?", ONT + "City"),  # a preposition before the question word
        ("What cities are in Norland?", ONT + "City"),  # plural
        ("Which Borean country holds Eastholm?", ONT + "Country"),  # a modifier before the noun
        ("Which country that Ada Finch visited holds Eastholm?", ONT + "Country"),
        ("Which novel author wrote The Glass Orchard?", ONT + "Writer"),  # the head noun ends the phrase
        ("Which city of Norland is its capital?", ONT + "City"),  # a preposition ends the phrase
    ],
)
def test_the_class_after_the_question_word_is_the_answer_type(mini, question: str, expected: str) -> None:
    _, linker = mini
    assert asked_classes(linker, question) == [expected]


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Norland?",  # the verb comes first: no noun names the answer
        "Who wrote The Glass Orchard?",  # no which / what
        "Which was the city Ada Finch was born in?",  # the class comes after the verb
        "Which flower grows in Norland?",  # a noun that is no class of the graph
    ],
)
def test_no_class_is_asked_without_a_class_name_right_after_the_question_word(mini, question: str) -> None:
    _, linker = mini
    assert asked_classes(linker, question) == []


def test_type_fit_reads_asserted_and_inferred_types(mini) -> None:
    kg, _ = mini
    assert type_fit(kg, [M + "Port_Vell"], [ONT + "City"]) is True
    assert type_fit(kg, [M + "Ada_Finch"], [ONT + "Person"]) is True  # a Novelist is a Person by subclass
    assert type_fit(kg, [M + "Ada_Finch"], [ONT + "City"]) is False  # typed, and not a city
    assert type_fit(kg, ["1850-02-11"], [ONT + "City"]) is False  # a literal is an instance of no class
    assert type_fit(kg, [M + "Nowhere_Untyped"], [ONT + "City"]) is None  # nothing known
    assert type_fit(kg, [], [ONT + "City"]) is None


def _search(mini, question: str, classes: bool = True):  # noqa: ANN202
    kg, linker = mini
    asked = asked_classes(linker, question) if classes else []
    mentions = linker.find_mentions(question)
    return search_paths(kg, BagOfWords(), mentions, question, analyze_question(question).wh, answer_classes=asked)


def test_a_path_to_the_asked_class_wins_over_a_better_scored_path_to_another(mini) -> None:
    kg, _ = mini
    question = "Which city is the author of The Glass Orchard from?"
    plain = _search(mini, question, classes=False)
    assert plain is not None and plain.best.answers(kg) == [M + "Ada_Finch"]  # the stand-in model's reading
    typed = _search(mini, question)
    assert typed is not None and typed.best.answers(kg) == [M + "Port_Vell"]
    record = typed.to_dict(kg)
    assert record["answer_type"]["classes"] == [ONT + "City"] and record["answer_type"]["set_aside"] > 0
    # negative: another asked class gives another answer on the same shape
    country = _search(mini, "Which country is the author of The Glass Orchard from?")
    assert country is not None and country.best.answers(kg) == [M + "Norland"]


def test_a_class_no_path_reaches_changes_nothing(mini) -> None:
    kg, _ = mini
    found = _search(mini, "Which continent is the author of The Glass Orchard from?")
    plain = _search(mini, "Which continent is the author of The Glass Orchard from?", classes=False)
    assert found is not None and plain is not None
    assert found.best.steps == plain.best.steps and found.answer_type is None
    assert "answer_type" not in found.to_dict(kg)
