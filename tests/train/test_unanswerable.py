"""Derived unanswerable questions: each kind's positive case and the cases where it must give nothing,
the article split, and the training flags that use them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kgqa.errors import ConfigError
from kgqa.text import normalize_answer
from kgqa.train.args import TrainArgs
from kgqa.train.data import QAExample
from kgqa.train.unanswerable import (
    KINDS,
    answer_removed,
    contains_any,
    derive_unanswerable,
    derived_kind,
    entity_swap,
    is_derived,
    other_paragraph,
    parse_kinds,
    split_articles,
)

P1 = (
    "The Granite Point lighthouse was built in 1871 by the engineer Mara Quill. "
    "It stands at the mouth of the Verrin river. Its lamp can be seen from twelve miles away."
)
P2 = "The glass lenses of the lamp came from a workshop in Tolvast. The workshop closed in 1902 after a fire."
P3 = "Keepers lived in a cottage beside the tower. They rowed to the harbour for supplies every week."


def ex(qid: str, question: str, context: str, answer: str, title: str = "Lighthouses") -> QAExample:
    return QAExample(qid, question, context, (answer,), (context.index(answer),), title)


BUILT = ex("q1", "When was the Granite Point lighthouse built?", P1, "1871")
WHO = ex("q2", "Who built the lighthouse at Granite Point?", P1, "Mara Quill")
LENSES = ex("q3", "Where did the lenses come from?", P2, "a workshop in Tolvast")
ARTICLE = [BUILT, WHO, LENSES, ex("q4", "Where did the keepers live?", P3, "a cottage")]


def test_other_paragraph_holds_none_of_the_answers() -> None:
    import random

    neg = other_paragraph(BUILT, [P1, P2, P3], random.Random(0))
    assert neg is not None and neg.context in (P2, P3) and neg.question == BUILT.question
    assert not neg.answers and not contains_any(neg.context, BUILT.answers)
    assert is_derived(neg) and derived_kind(neg) == "other_paragraph"


def test_other_paragraph_needs_another_paragraph_without_the_answer() -> None:
    import random

    assert other_paragraph(BUILT, [P1], random.Random(0)) is None  # no other paragraph
    also_1871 = "A second tower was planned in 1871 but never built."
    assert other_paragraph(BUILT, [P1, also_1871], random.Random(0)) is None  # the answer is there too


def test_entity_swap_changes_the_question_to_an_entity_the_paragraph_lacks() -> None:
    import random

    neg = entity_swap(WHO, {"caps2": ["Tolvast Harbour", "Mara Quill"]}, {}, random.Random(0))
    assert neg is not None and neg.context == P1 and not neg.answers
    assert neg.question == "Who built the lighthouse at Tolvast Harbour?"
    assert normalize_answer("Tolvast Harbour") not in normalize_answer(neg.context)
    built = ex("q9", "What did Mara Quill build in 1871?", P1, "The Granite Point lighthouse")
    years = entity_swap(built, {}, {"year": ["1871", "1902"]}, random.Random(0))  # corpus pool as fallback
    assert years is not None and years.question == "What did Mara Quill build in 1902?" and "1902" not in P1


def test_entity_swap_gives_nothing_without_a_swappable_entity() -> None:
    import random

    plain = ex("q5", "what can be seen from far away?", P1, "Its lamp")
    assert entity_swap(plain, {"caps1": ["Tolvast"]}, {"caps1": ["Tolvast"]}, random.Random(0)) is None
    # an entity, but every candidate of its shape occurs in the paragraph
    assert entity_swap(WHO, {"caps2": ["Granite Point", "Mara Quill"]}, {}, random.Random(0)) is None


def test_answer_removed_drops_the_answer_sentence() -> None:
    long_p1 = P1 + " Storms damaged the gallery several times, and the keepers repaired it each spring."
    neg = answer_removed(ex("q6", "When was the lighthouse built?", long_p1, "1871"))
    assert neg is not None and "1871" not in neg.context and "Verrin" in neg.context


def test_answer_removed_needs_text_without_the_answer() -> None:
    one_sentence = "The lighthouse was built in 1871."
    assert answer_removed(ex("q7", "When?", one_sentence, "1871")) is None
    twice = "The tower dates from 1871, the year the harbour opened. " * 3 + "In 1871 it was lit for the first time."
    assert answer_removed(ex("q8", "When?", twice, "1871")) is None  # every sentence holds it


def test_derive_is_deterministic_answerless_and_validated() -> None:
    a = derive_unanswerable(ARTICLE, 1.0, seed=3)
    assert a == derive_unanswerable(ARTICLE, 1.0, seed=3)
    assert a and all(not n.answers and derived_kind(n) in KINDS for n in a)
    assert derive_unanswerable(ARTICLE, 0.0, seed=3) == []
    with pytest.raises(ConfigError):
        derive_unanswerable(ARTICLE, 1.5, seed=3)
    with pytest.raises(ConfigError, match="unknown unanswerable kind"):
        derive_unanswerable(ARTICLE, 1.0, seed=3, kinds=["shuffle"])


def test_parse_kinds() -> None:
    assert parse_kinds(["all"]) == KINDS
    assert parse_kinds(["entity_swap", "entity_swap"]) == ("entity_swap",)
    with pytest.raises(ConfigError):
        parse_kinds(["entity-swap"])
    with pytest.raises(ConfigError):
        parse_kinds([])


def test_split_articles_is_disjoint_by_article() -> None:
    data = [ex(f"q{t}{i}", "Q?", P1, "1871", title=f"A{t}") for t in range(40) for i in range(3)]
    train, dev = split_articles(data, 0.1, seed=5)
    assert {e.title for e in train}.isdisjoint({e.title for e in dev})
    assert len({e.title for e in dev}) == 4 and len(train) + len(dev) == len(data)
    assert split_articles(data, 0.1, seed=5) == (train, dev)
    with pytest.raises(ConfigError):
        split_articles(data, 0.0, seed=5)
    with pytest.raises(ConfigError, match="two articles"):
        split_articles(ARTICLE, 0.5, seed=5)


def test_train_args_validate_the_unanswerable_flags() -> None:
    ok = TrainArgs(task="qa", unanswerable_rate=0.5, dev_articles=0.05, unanswerable_kinds=["entity_swap"])
    assert ok.unanswerable_kinds == ["entity_swap"]
    for bad in (
        {"unanswerable_rate": 1.5, "dev_articles": 0.05},
        {"unanswerable_rate": 0.5},  # no dev split to choose the threshold on
        {"unanswerable_rate": 0.5, "dev_articles": 1.0},
        {"unanswerable_rate": 0.5, "dev_articles": 0.05, "unanswerable_kinds": ["nope"]},
        {"train_layers": -1},
    ):
        with pytest.raises(ConfigError):
            TrainArgs(task="qa", **bad)


@pytest.mark.parametrize(
    "flags",
    [
        ["--unanswerable-rate", "2", "--dev-articles", "0.05"],
        ["--unanswerable-rate", "0.5"],
        ["--unanswerable-rate", "0.5", "--dev-articles", "0.05", "--unanswerable-kinds", "bogus"],
    ],
)
def test_cli_rejects_bad_unanswerable_flags(tmp_path, flags: list[str]) -> None:
    cmd = [sys.executable, "-m", "kgqa.train", "qa", "--output-dir", str(tmp_path / "run"), *flags]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and res.stderr.strip().count("\n") == 0


def test_bench_derives_twins_for_the_sampled_questions_only() -> None:
    from kgqa.bench.qa_suite import derived_examples

    data = [
        ex(f"q{t}{i}", f"Who built tower {i}?", p, "1871" if p == P1 else "a workshop in Tolvast", f"A{t}")
        for t in range(3)
        for i, p in enumerate((P1, P2, P3))
        if p != P3
    ]
    full = derived_examples(data, None, seed=0)
    twins = [e for e in full if is_derived(e)]
    assert twins and all(not e.answers for e in twins) and len(full) == len(data) + len(twins)
    sample = derived_examples(data, 2, seed=0)
    kept = {e.qid for e in sample if not is_derived(e)}
    assert len(kept) == 2 and all(e.qid.split("#")[0] in kept for e in sample if is_derived(e))


@pytest.mark.parametrize("rate", ["0", "1.5", "x"])
def test_bench_rejects_a_bad_unanswerable_rate(tmp_path, rate: str) -> None:
    cmd = [sys.executable, "-m", "kgqa.bench", "qa", "--derived-unanswerable", "--unanswerable-rate", rate]
    res = subprocess.run([*cmd, "--out", str(tmp_path / "o")], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "unanswerable-rate" in res.stderr and "Traceback" not in res.stderr
