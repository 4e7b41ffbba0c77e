"""The inputs a user passes to ask / ask_batch, checked against the config's limits before any model loads."""

from __future__ import annotations

import re

import pytest

from kgqa.config import PipelineConfig
from kgqa.errors import InputError
from kgqa.inputs import validate_batch, validate_premises


def test_valid_questions_and_premises_come_back_cleaned() -> None:
    config = PipelineConfig()
    qs, ps = validate_batch(config, ["Who wrote Hamlet? "], [["Shakespeare was a writer."]])
    assert qs == ["Who wrote Hamlet?"] and ps == [["Shakespeare was a writer."]]
    assert validate_batch(config, ["Who wrote Hamlet?"]) == (["Who wrote Hamlet?"], [[]])
    assert validate_premises(config, "One premise.") == ["One premise."]
    assert validate_premises(config, None) == []


@pytest.mark.parametrize(
    ("questions", "premises", "says"),
    [
        ("Who wrote Hamlet?", None, "use ask() for one"),
        (["q1", "q2"], [["p"]], "one entry"),
        (["q1"], "p", "one entry"),
        ([""], None, "question"),
        (["q"] * 3, None, "max_batch_size"),
    ],
)
def test_bad_batches_name_the_problem_and_the_fix(questions, premises, says) -> None:
    config = PipelineConfig(max_batch_size=2)
    with pytest.raises(InputError, match=re.escape(says)):
        validate_batch(config, questions, premises)


def test_bad_premises_name_the_problem_and_the_fix() -> None:
    config = PipelineConfig(max_premises=1)
    with pytest.raises(InputError, match="max_premises"):
        validate_premises(config, ["a.", "b."])
    with pytest.raises(InputError, match="list of strings"):
        validate_premises(config, 3)
