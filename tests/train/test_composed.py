"""Composed NLI pairs: clause parsing, participles, each composition's labels, balance and seeding."""

from __future__ import annotations

from collections import Counter

from kgqa.train.composed import Clause, clauses, composed_pairs, participles
from kgqa.train.data import NOT_ENTAILMENT
from kgqa.train.structural import ENTAILMENT

SENTENCES = [
    "A dog is chasing a cat.",
    "The woman is slicing a red tomato on a board.",
    "A man is eating a sandwich.",
    "A girl is riding a horse in a field.",
    "The boy is kicking a ball.",
    "A cat is being chased by a dog.",
    "A chef is cooking.",
    "A man is quickly playing a guitar.",
    "Two men are lifting boxes.",
]


def test_clauses_parse_only_simple_transitive_sentences() -> None:
    cl = clauses(SENTENCES)
    assert Clause("dog", "chasing", "cat") in cl
    assert Clause("woman", "slicing", "red tomato") in cl
    assert Clause("girl", "riding", "horse") in cl
    # intransitive, plural, adverb-before-verb and passive sentences give no clause
    assert len(cl) == 5


def test_adverbs_are_not_nouns() -> None:
    assert clauses(["A man is riding the motorbike dangerously."]) == []


def test_participles_regular_only_when_attested_irregular_from_table() -> None:
    parts = participles(SENTENCES, ["chasing", "kicking", "eating", "riding", "slicing"])
    assert parts["chasing"] == "chased"  # "chased" occurs in the sentences
    assert "kicking" not in parts and "slicing" not in parts  # "kicked"/"sliced" never occur
    assert parts["eating"] == "eaten" and parts["riding"] == "ridden"


def _words(s: str) -> set[str]:
    return set(s.lower().rstrip(".").split())


def test_every_premise_has_one_entailed_and_one_non_entailed_hypothesis_from_its_words() -> None:
    pairs = composed_pairs(SENTENCES * 2, limit=400, seed=0)
    assert len(pairs) == 400
    by_premise: dict[str, list[int]] = {}
    for p in pairs:
        assert p.label in (ENTAILMENT, NOT_ENTAILMENT)
        assert p.source.startswith("composed_")
        by_premise.setdefault(p.premise, []).append(p.label)
        hyp = _words(p.hypothesis) - {"is", "being", "by", "the"}
        verb_forms = {"chased", "eaten", "ridden", "chasing", "eating", "riding"}  # passive <-> active
        assert hyp <= _words(p.premise) | verb_forms, (p.premise, p.hypothesis)
    assert Counter(p.label for p in pairs) == {ENTAILMENT: 200, NOT_ENTAILMENT: 200}
    for labels in by_premise.values():
        assert labels.count(ENTAILMENT) == labels.count(NOT_ENTAILMENT)


def test_compositions_label_roles_not_words() -> None:
    pairs = composed_pairs(SENTENCES, limit=600, seed=1)
    seen = {p.source for p in pairs}
    assert {
        "composed_relative_subject",
        "composed_relative_object",
        "composed_pp_subject",
        "composed_conjoined_objects",
        "composed_conjoined_subjects",
        "composed_embedded_clause",
        "composed_passive",
    } <= seen
    for p in pairs:
        if p.source == "composed_relative_subject":
            # "The X that is V1 the Y is V2 the Z.": X does V2, Y does not
            head, rest = p.premise[4:].split(" that is ", 1)
            subj_of_hyp = p.hypothesis[4:].split(" is ", 1)[0]
            assert (subj_of_hyp == head) == (p.label == ENTAILMENT)
        if p.source == "composed_embedded_clause":
            # "The X knows the Y is V the Z.": the clause is entailed, "The X knows the Y." is not
            assert p.hypothesis[:-1].lower() in p.premise.lower()
            factive = {"knows", "sees", "noticed", "remembers", "forgot", "realized"}
            assert (p.label == ENTAILMENT) == (not factive & set(p.hypothesis.split()))
        if p.source == "composed_passive" and " by the " in p.hypothesis:
            # "The Y is being V-ed by the X." is entailed when X is the premise's subject
            active_subject = p.premise[4:].split(" is ", 1)[0]
            agent = p.hypothesis.rstrip(".").rsplit(" by the ", 1)[1]
            assert (agent == active_subject) == (p.label == ENTAILMENT)


def test_passive_premise_hypothesis_roles() -> None:
    pairs = [
        p for p in composed_pairs(["A dog is chasing a cat.", "The cat was chased."], 40, 3) if "being" in p.premise
    ]
    for p in pairs:
        assert p.premise == "The cat is being chased by the dog."
        expected = ENTAILMENT if p.hypothesis == "The dog is chasing the cat." else NOT_ENTAILMENT
        assert p.label == expected


def test_seeded_limited_and_empty() -> None:
    a = composed_pairs(SENTENCES, limit=50, seed=5)
    assert a == composed_pairs(SENTENCES, limit=50, seed=5)
    assert a != composed_pairs(SENTENCES, limit=50, seed=6)
    assert composed_pairs(["A chef is cooking."], limit=50, seed=0) == []
