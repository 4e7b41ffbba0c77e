"""Pipeline.ask, ask_batch and check on generated input: an answer or a typed error, never anything else."""

from __future__ import annotations

import json

import pytest
from fuzzkit import budget, expect_typed, texts, wordy_text, wrong_types
from hypothesis import given
from hypothesis import strategies as st

from kgqa.errors import InputError
from kgqa.types import VERDICTS, Answer, PremiseCheck

pytestmark = pytest.mark.fuzz

STATUSES = {"supported", "contradicted", "unknown"}
premise_lists = st.one_of(st.none(), texts, st.lists(texts, max_size=4), wrong_types, st.lists(wrong_types, max_size=3))


def _check_answer(ans: Answer) -> None:
    assert isinstance(ans, Answer)
    assert ans.verdict in VERDICTS
    assert 0.0 <= ans.confidence <= 1.0
    assert all(p.status in STATUSES for p in ans.premises)
    json.dumps(ans.to_dict())  # the JSON the CLI prints


@budget("ask")
@given(
    question=st.one_of(texts, wordy_text, wrong_types),
    premises=premise_lists,
    top_k=st.one_of(st.none(), st.integers(-3, 50)),
)
def test_ask(tiny_pipeline, question, premises, top_k) -> None:
    ans = expect_typed(tiny_pipeline.ask, question, premises=premises, top_k=top_k)
    if ans is not None:
        _check_answer(ans)


@budget("check")
@given(claim=st.one_of(texts, wrong_types))
def test_check(tiny_pipeline, claim) -> None:
    result = expect_typed(tiny_pipeline.check, claim)
    if result is not None:
        assert isinstance(result, PremiseCheck) and result.status in STATUSES
        json.dumps(result.to_dict())


@budget("ask_batch")
@given(
    questions=st.one_of(st.lists(texts, max_size=4), texts, wrong_types),
    premises=st.one_of(st.none(), st.lists(premise_lists, max_size=4), wrong_types),
)
def test_ask_batch(tiny_pipeline, questions, premises) -> None:
    answers = expect_typed(tiny_pipeline.ask_batch, questions, premises)
    if answers is not None:
        assert len(answers) == len(questions)
        for ans in answers:
            _check_answer(ans)


@budget("ask_long")
@given(
    start=st.sampled_from(["Why did", "Did", "Was", "When did", "Who"]),
    body=wordy_text.filter(lambda t: t.strip()),
    which=st.sampled_from(["question", "premise", "claim"]),
)
def test_inputs_up_to_the_limits_work(tiny_pipeline, start, body, which) -> None:
    """A why / yes-no question, a premise or a claim of exactly the configured length is answered or checked."""
    config = tiny_pipeline.config
    limit = {"question": config.max_question_chars, "premise": config.max_premise_chars}.get(
        which, config.max_claim_chars
    )
    text = (f"{start} {body} " * (limit // (len(body) + len(start) + 2) + 1))[: limit - 1].strip() + "?"
    if which == "question":
        _check_answer(tiny_pipeline.ask(text))
        with pytest.raises(InputError, match="max_question_chars"):
            tiny_pipeline.ask(text + "x" * (limit - len(text) + 1))
    elif which == "premise":
        _check_answer(tiny_pipeline.ask("Who wrote The Glass Orchard?", premises=[text.rstrip("?") + "."]))
    else:
        assert tiny_pipeline.check(text.rstrip("?") + ".").status in STATUSES


@budget("limits")
@given(extra=st.integers(1, 10_000))
def test_counts_over_the_limits_are_input_errors(tiny_pipeline, extra) -> None:
    config = tiny_pipeline.config
    with pytest.raises(InputError, match="max_premises"):
        tiny_pipeline.ask(
            "Who wrote The Glass Orchard?", premises=["Ada Finch was a writer."] * (config.max_premises + extra)
        )
    with pytest.raises(InputError, match="max_batch_size"):
        tiny_pipeline.ask_batch(["Who?"] * (config.max_batch_size + extra))
    # at the limits they work
    answers = tiny_pipeline.ask_batch(["Who wrote The Glass Orchard?"] * 2, [["Ada Finch was a writer."] * 2, None])
    assert len(answers) == 2 and len(answers[0].premises) >= 2


@pytest.fixture(scope="module")
def shipped_pipeline():
    from kgqa.paths import models_dir

    if not all((models_dir() / name / "model.safetensors").is_file() for name in ("reader", "nli")):
        pytest.skip(f"the shipped models are missing under {models_dir()}")
    from kgqa.pipeline import Pipeline

    return Pipeline.load().warm_up()


@pytest.mark.slow
@budget("shipped")
@given(
    question=st.one_of(texts, wordy_text),
    premises=st.one_of(st.none(), st.lists(st.one_of(texts, wordy_text), max_size=2)),
)
def test_ask_shipped_models(shipped_pipeline, question, premises) -> None:
    """The shipped models on generated input (slow: the default run leaves it to ``-m fuzz``)."""
    ans = expect_typed(shipped_pipeline.ask, question, premises=premises)
    if ans is not None:
        _check_answer(ans)
