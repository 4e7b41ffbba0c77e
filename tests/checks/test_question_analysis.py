"""Presuppositions in appositives, relative clauses and other shapes, asked end to end on the shipped world."""

from __future__ import annotations

import pytest

from kgqa.paths import models_dir


@pytest.fixture(scope="session")
def shipped():
    if not all((models_dir() / name / "model.safetensors").is_file() for name in ("reader", "nli")):
        pytest.skip(f"the shipped models are missing under {models_dir()}; run `kgqa train` (see README)")
    from kgqa.pipeline import Pipeline

    return Pipeline.load().warm_up()


def presupposed(answer) -> dict[str, str]:
    return {p.text: p.status for p in answer.premises if p.source == "presupposed"}


PAIRS = [
    # (question with a false presupposition, the false statement, its true twin, the true statement)
    (
        "Which river flows through Berlin, the capital of France?",
        "Berlin is the capital of France",
        "Which river flows through Paris, the capital of France?",
        "Paris is the capital of France",
    ),
    (
        "When did Charles Dickens leave Portsmouth, where William Shakespeare was born?",
        "William Shakespeare was born in Portsmouth",
        "When did Charles Dickens leave Stratford-upon-Avon, where William Shakespeare was born?",
        "William Shakespeare was born in Stratford-upon-Avon",
    ),
    (
        "Why did Charles Dickens, the author of Romeo and Juliet, move to London?",
        "Charles Dickens is the author of Romeo and Juliet",
        "Why did William Shakespeare, the author of Romeo and Juliet, move to London?",
        "William Shakespeare is the author of Romeo and Juliet",
    ),
    (
        "When was William Shakespeare born in Portsmouth?",
        "William Shakespeare was born in Portsmouth",
        "When was William Shakespeare born in Stratford-upon-Avon?",
        "William Shakespeare was born in Stratford-upon-Avon",
    ),
]


@pytest.mark.parametrize(("false_q", "false_p", "true_q", "true_p"), PAIRS)
def test_shipped_world_rejects_the_false_presupposition_not_its_twin(shipped, false_q, false_p, true_q, true_p) -> None:
    wrong = shipped.ask(false_q)
    assert presupposed(wrong).get(false_p) == "contradicted", presupposed(wrong)
    assert wrong.verdict == "premise_rejected"
    right = shipped.ask(true_q)
    assert presupposed(right).get(true_p) == "supported", presupposed(right)
    assert "contradicted" not in presupposed(right).values()
    assert right.verdict != "premise_rejected"


def test_shipped_world_answers_negative_yes_no_questions(shipped) -> None:
    yes = shipped.ask("Didn't Charles Dickens write Oliver Twist?")
    assert yes.answer == "yes"
    no = shipped.ask("Didn't William Shakespeare write Oliver Twist?")
    assert no.answer == "no"
