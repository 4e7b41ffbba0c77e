"""--unrelated-pairs: neutral pairs of sentences from different SQuAD paragraphs in the NLI mixture."""

from __future__ import annotations

import argparse

import pytest

from kgqa.errors import ConfigError, InputError
from kgqa.train.args import TrainArgs, add_arguments, from_namespace
from kgqa.train.data import QAExample, unrelated_sentence_pairs

PARAGRAPHS = {
    "Moon": [
        "The Moon orbits the Earth once every twenty seven days or so. Its far side was first photographed in 1959.",
        "Tides on Earth are raised mostly by the pull of the Moon. The Sun adds a smaller share of the effect.",
    ],
    "Tea": [
        "Tea was first drunk in China as a medicine many centuries ago. Traders later carried it west by land.",
        "Green tea leaves are steamed or pan fired soon after picking. Black tea leaves are left to oxidise first.",
    ],
}


def _examples() -> list[QAExample]:
    return [
        QAExample(f"{t}{i}", "q?", ctx, ("a",), (0,), t) for t, ctxs in PARAGRAPHS.items() for i, ctx in enumerate(ctxs)
    ]


def _where(sentence: str) -> tuple[str, int]:
    return next((t, i) for t, ctxs in PARAGRAPHS.items() for i, ctx in enumerate(ctxs) if sentence in ctx)


def test_pairs_come_from_different_paragraphs_alternating_pairings() -> None:
    triples = unrelated_sentence_pairs(_examples(), 12, seed=5)
    assert [t[2] for t in triples] == ["cross_article", "same_article"] * 6
    for premise, hypothesis, pairing in triples:
        (ta, ia), (tb, ib) = _where(premise.split(". ")[0]), _where(hypothesis)
        assert (ta, ia) != (tb, ib)
        assert (ta == tb) == (pairing == "same_article")
    assert triples == unrelated_sentence_pairs(_examples(), 12, seed=5)


def test_one_article_is_not_enough() -> None:
    with pytest.raises(InputError):
        unrelated_sentence_pairs([e for e in _examples() if e.title == "Moon"], 4, seed=0)


def test_flag_parses_and_is_validated() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = from_namespace("nli", parser.parse_args(["--unrelated-pairs", "4000"]))
    assert args.unrelated_pairs == 4000
    assert TrainArgs(task="nli").unrelated_pairs == 0
    with pytest.raises(ConfigError, match="unrelated_pairs"):
        TrainArgs(task="nli", unrelated_pairs=-1)
