"""Tokenising question/passage pairs into model windows with character offsets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Window:
    """One ``[CLS] question [SEP] context-slice [SEP]`` input of the reader."""

    input_ids: list[int]
    token_type_ids: list[int]
    #: per token, ``(char_start, char_end)`` in the context, or ``None`` outside it
    offsets: list[tuple[int, int] | None]
    #: index of the first context token in ``input_ids``
    context_start: int
    #: first and last context-token index (into the context tokens) covered
    token_span: tuple[int, int]


def tokenize_context(tokenizer: Any, context: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Token ids and character offsets of ``context`` (no special tokens)."""
    enc = tokenizer(context, add_special_tokens=False, return_offsets_mapping=True)
    return list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]


def tokenize_contexts(tokenizer: Any, contexts: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """:func:`tokenize_context` for many contexts in one (parallel, batched) tokenizer call."""
    if not contexts:
        return []
    enc = tokenizer(contexts, add_special_tokens=False, return_offsets_mapping=True)
    return [
        (list(ids), [tuple(o) for o in offs]) for ids, offs in zip(enc["input_ids"], enc["offset_mapping"], strict=True)
    ]


def tokenize_question(tokenizer: Any, question: str, max_query_length: int) -> list[int]:
    """Token ids of ``question``, cut to ``max_query_length``."""
    return list(tokenizer(question, add_special_tokens=False)["input_ids"])[:max_query_length]


def build_window(
    tokenizer: Any,
    q_ids: list[int],
    ctx_ids: list[int],
    ctx_offsets: list[tuple[int, int]],
    start: int,
    budget: int,
) -> Window:
    """The window over context tokens ``[start, start + budget)``."""
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    piece = ctx_ids[start : start + budget]
    ids = [cls_id, *q_ids, sep_id, *piece, sep_id]
    types = [0] * (len(q_ids) + 2) + [1] * (len(piece) + 1)
    offsets: list[tuple[int, int] | None] = [None] * (len(q_ids) + 2)
    offsets += [tuple(o) for o in ctx_offsets[start : start + len(piece)]]
    offsets.append(None)
    return Window(ids, types, offsets, len(q_ids) + 2, (start, start + len(piece) - 1))


def sliding_windows(
    tokenizer: Any,
    q_ids: list[int],
    ctx_ids: list[int],
    ctx_offsets: list[tuple[int, int]],
    max_length: int,
    stride: int,
) -> list[Window]:
    """Windows covering the whole context, consecutive ones overlapping by ``stride`` tokens."""
    budget = max(max_length - len(q_ids) - 3, 1)
    if len(ctx_ids) <= budget:
        return [build_window(tokenizer, q_ids, ctx_ids, ctx_offsets, 0, budget)]
    step = max(budget - stride, 1)
    windows = []
    start = 0
    while True:
        windows.append(build_window(tokenizer, q_ids, ctx_ids, ctx_offsets, start, budget))
        if start + budget >= len(ctx_ids):
            break
        start += step
    return windows


def char_to_token_span(ctx_offsets: list[tuple[int, int]], char_start: int, char_end: int) -> tuple[int, int] | None:
    """Context-token indices of the first and last token overlapping ``[char_start, char_end)``."""
    first = last = None
    for i, (s, e) in enumerate(ctx_offsets):
        if e <= char_start or s >= char_end or e == s:
            continue
        if first is None:
            first = i
        last = i
    if first is None or last is None:
        return None
    return first, last
