"""The structural NLI pairs: each rule's output, label balance and determinism."""

from __future__ import annotations

from collections import Counter

from kgqa.train.structural import ENTAILMENT, NEUTRAL, structural_pairs

SENTENCES = [
    "A dog is chasing a cat.",
    "The woman is slicing a red tomato on a board.",
    "A man with a hat is walking in the park.",
    "Two children are playing in the snow.",
    "A girl is riding a horse.",
    "The boy is kicking a ball.",
    "A chef is cooking.",
]


def _by_source(pairs):
    out: dict[str, list] = {}
    for p in pairs:
        out.setdefault(p.source, []).append(p)
    return out


def test_swap_and_shorten() -> None:
    pairs = _by_source(structural_pairs(SENTENCES, limit=100, seed=0))
    swaps = {(p.premise, p.hypothesis) for p in pairs["structural_swap"]}
    assert ("A dog is chasing a cat.", "A cat is chasing a dog.") in swaps
    assert ("The woman is slicing a red tomato on a board.", "A red tomato is slicing the woman.") in swaps
    assert all(p.label == NEUTRAL for p in pairs["structural_swap"])
    shorts = {(p.premise, p.hypothesis) for p in pairs["structural_shorten"]}
    assert ("The woman is slicing a red tomato on a board.", "The woman is slicing a red tomato.") in shorts
    assert not any(p.premise == "A dog is chasing a cat." for p in pairs["structural_shorten"])
    assert all(p.label == ENTAILMENT for p in pairs["structural_shorten"])


def test_inner_and_outer_subject() -> None:
    pairs = _by_source(structural_pairs(SENTENCES, limit=100, seed=0))
    assert [(p.hypothesis, p.label) for p in pairs["structural_inner_subject"]] == [
        ("A hat is walking in the park.", NEUTRAL)
    ]
    assert [(p.hypothesis, p.label) for p in pairs["structural_outer_subject"]] == [
        ("A man is walking in the park.", ENTAILMENT)
    ]


def test_no_pair_from_sentences_that_do_not_fit() -> None:
    # a plural subject, an object that runs on and an intransitive verb give no word-order pair
    pairs = structural_pairs(
        ["Two men are lifting boxes.", "A man is cutting the big juicy steak.", "A chef is cooking."], 50, 0
    )
    assert not [p for p in pairs if p.source != "structural_clause"]


def test_clauses_label_by_connective() -> None:
    pairs = [p for p in structural_pairs(SENTENCES * 3, limit=400, seed=1) if p.source == "structural_clause"]
    assert pairs
    for p in pairs:
        assert p.premise.endswith(".") and p.hypothesis.endswith(".")
        clause = p.hypothesis[:-1].lower()
        assert clause in p.premise.lower()
        if p.premise.startswith(("If ", "Unless ", "It is unlikely", "Someone claims")):
            assert p.label == NEUTRAL
        if p.premise.startswith(("Although ", "It is clear")):
            assert p.label == ENTAILMENT
        if p.premise.startswith("It is not true"):
            assert p.label == 2


def test_seeded_and_limited() -> None:
    a = structural_pairs(SENTENCES * 5, limit=20, seed=3)
    assert a == structural_pairs(SENTENCES * 5, limit=20, seed=3)
    assert len(a) <= 20
    assert Counter(p.label for p in a)[ENTAILMENT] > 0
