"""kgqa.text: the SQuAD answer normalisation and the one sentence splitter, and where they are used."""

from __future__ import annotations

import pytest

from kgqa.bench import metrics
from kgqa.checks.verdict import best_sentence
from kgqa.text import normalize_answer, sentence_spans, split_sentences

TEXT = (
    "Dr. Watson met J. K. Rowling in London in 1999. They talked for hours about books!\n"
    '"Why?" she asked him. The U.S. edition sold 3.5 million copies in its first week. '
    "It rained all day (and the streets were empty.) Nobody noticed."
)


def test_sentences_of_a_passage() -> None:
    assert split_sentences(TEXT) == [
        "Dr. Watson met J. K. Rowling in London in 1999.",
        "They talked for hours about books!",
        '"Why?" she asked him.',
        "The U.S. edition sold 3.5 million copies in its first week.",
        "It rained all day (and the streets were empty.)",
        "Nobody noticed.",
    ]


def test_spans_are_exact_offsets_without_surrounding_whitespace() -> None:
    text = "  One sentence here.   Two follows!  "
    spans = sentence_spans(text)
    assert spans == [(2, 20), (23, 35)]
    assert [text[s:e] for s, e in spans] == ["One sentence here.", "Two follows!"]


@pytest.mark.parametrize("text", ["", "   \n "])
def test_no_sentences_in_blank_text(text: str) -> None:
    assert sentence_spans(text) == [] and split_sentences(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "It cost 3.5 dollars.",  # a decimal point is no boundary
        "see e.g. the list.",  # lower case after the stop
        "Mr. Smith arrived.",  # an abbreviation
        "J. Smith arrived.",  # an initial
        "No full stop at the end",
    ],
)
def test_one_sentence(text: str) -> None:
    assert split_sentences(text) == [text]


def test_normalize_answer_is_the_squad_normalisation() -> None:
    assert normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
    assert normalize_answer("an apple, a day") == "apple day"
    assert normalize_answer("") == ""
    # the benchmarks score with the very same function
    assert metrics.normalize_answer is normalize_answer


def test_best_sentence_keeps_abbreviations_inside_the_sentence() -> None:
    text = "Mr. Holmes lived in London. Dr. Watson wrote the stories."
    start, end = best_sentence(text, "Watson wrote the stories")
    assert text[start:end] == "Dr. Watson wrote the stories."


def test_best_sentence_of_text_without_sentences_is_all_of_it() -> None:
    assert best_sentence("", "anything") == (0, 0)
