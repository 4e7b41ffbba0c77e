"""What a user passes to :meth:`kgqa.Pipeline.ask` and ``ask_batch``, checked against the config's limits.

The CLI calls :func:`validate_batch` before any model is loaded, so bad input fails fast with the same limits
and the same messages as the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kgqa.checks.claims import validate_text
from kgqa.config import PipelineConfig
from kgqa.errors import InputError


def validate_premises(config: PipelineConfig, premises: Any) -> list[str]:
    """The premises cleaned (see :func:`validate_text`), within ``config.max_premises`` and ``max_premise_chars``.

    Raises:
        InputError: not a string or a list of strings, too many, or one empty or too long.
    """
    if premises is None:
        return []
    if isinstance(premises, str):
        premises = [premises]
    if not isinstance(premises, list | tuple):
        raise InputError(f"premises must be a list of strings, not {type(premises).__name__}")
    if len(premises) > config.max_premises:
        raise InputError(
            f"{len(premises)} premises given; the limit is {config.max_premises} (PipelineConfig.max_premises): "
            "pass fewer or raise the limit"
        )
    return [validate_text(p, "premise", config.max_premise_chars) for p in premises]


def validate_batch(config: PipelineConfig, questions: Any, premises: Any = None) -> tuple[list[str], list[list[str]]]:
    """Questions and their premises cleaned and checked against the limits in ``config``.

    The CLI calls this before any model is loaded, so bad input fails fast with the same limits.

    Raises:
        InputError: naming the bad question or premise list and the limit it breaks.
    """
    if isinstance(questions, str) or not isinstance(questions, Sequence):
        raise InputError("ask_batch takes a list of questions; use ask() for one")
    if len(questions) > config.max_batch_size:
        raise InputError(
            f"{len(questions):,} questions in one batch; the limit is {config.max_batch_size:,} "
            "(PipelineConfig.max_batch_size): split the batch or raise the limit"
        )
    if premises is not None and (isinstance(premises, str) or not isinstance(premises, Sequence)):
        raise InputError("premises must be a list with one entry (a list of strings or None) per question")
    if premises is not None and len(premises) != len(questions):
        raise InputError(
            f"premises must have one entry (a list or None) per question: {len(premises)} for {len(questions)} questions"
        )
    qs = [validate_text(q, "question", config.max_question_chars) for q in questions]
    ps = [validate_premises(config, p) for p in (premises or [None] * len(qs))]
    return qs, ps


__all__ = ["validate_batch", "validate_premises"]
