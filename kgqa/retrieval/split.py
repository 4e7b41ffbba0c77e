"""Split long passages into shorter ones at sentence boundaries, before they are indexed.

The NLI check reads a (passage, statement) pair in 128 tokens and the encoder embeds at most
256, so a long document is best indexed as several passages. :func:`split_passage` packs whole
sentences greedily into passages of at most ``max_words`` words (a sentence longer than that is
cut at word boundaries), optionally repeating the last sentences of one passage at the start of
the next (``overlap_words``), like haystack's ``DocumentSplitter(split_by="sentence")``. Each
piece is an exact slice of the original text, so character offsets inside a piece refer to the
original wording. A passage that fits keeps its id; pieces get ``ID#1``, ``ID#2``, ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kgqa.errors import ConfigError
from kgqa.text import sentence_spans
from kgqa.types import Passage

#: the smallest ``max_words`` accepted (shorter pieces carry too little context to read or check)
MIN_WORDS = 8

_WORD = re.compile(r"\S+")


def _units(text: str, max_words: int) -> list[tuple[int, int, int]]:
    """``(start, end, words)`` of each sentence, a sentence over ``max_words`` cut into word runs."""
    units = []
    for s, e in sentence_spans(text):
        words = list(_WORD.finditer(text, s, e))
        for i in range(0, len(words), max_words):
            run = words[i : i + max_words]
            units.append((run[0].start(), run[-1].end(), len(run)))
    return units


def check_split_args(max_words: int | None, overlap_words: int = 0) -> None:
    """Raise :class:`ConfigError` unless ``max_words`` is ``None`` (no splitting, no overlap) or at least
    :data:`MIN_WORDS`, with ``0 <= overlap_words < max_words``."""
    if max_words is None:
        if overlap_words:
            raise ConfigError(
                "passage_overlap_words (--passage-overlap-words) needs max_passage_words (--max-passage-words)"
            )
        return
    if isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < MIN_WORDS:
        raise ConfigError(
            f"max_passage_words (--max-passage-words) must be an integer of at least {MIN_WORDS}, not {max_words!r}"
        )
    if isinstance(overlap_words, bool) or not isinstance(overlap_words, int) or not 0 <= overlap_words < max_words:
        raise ConfigError(
            "passage_overlap_words (--passage-overlap-words) must be an integer from 0 to "
            f"max_passage_words - 1 ({max_words - 1}), not {overlap_words!r}"
        )


def split_passage(passage: Passage, max_words: int, overlap_words: int = 0) -> list[Passage]:
    """``passage`` as pieces of at most ``max_words`` words, cut at sentence boundaries.

    Args:
        passage: the passage to split; returned unchanged (same id) if it has at most ``max_words`` words.
        max_words: the most words in a piece (at least :data:`MIN_WORDS`).
        overlap_words: up to this many words of whole sentences from the end of one piece are repeated
            at the start of the next, so a fact that spans a boundary is read whole in one of them.

    Returns:
        The pieces in order, with ids ``ID#1``, ``ID#2``, ... and the passage's title and entities.

    Raises:
        ConfigError: if ``max_words`` or ``overlap_words`` is out of range.
    """
    check_split_args(max_words, overlap_words)
    text = passage.text
    if len(text.split()) <= max_words:
        return [passage]
    pieces: list[list[tuple[int, int, int]]] = []
    current: list[tuple[int, int, int]] = []
    n = 0
    for unit in _units(text, max_words):
        if current and n + unit[2] > max_words:
            pieces.append(current)
            keep: list[tuple[int, int, int]] = []
            m = 0
            for prev in reversed(current):
                if m + prev[2] > overlap_words:
                    break
                keep.insert(0, prev)
                m += prev[2]
            while keep and m + unit[2] > max_words:
                m -= keep.pop(0)[2]
            current, n = keep, m
        current.append(unit)
        n += unit[2]
    if current:
        pieces.append(current)
    return [
        Passage(
            id=f"{passage.id}#{k}",
            text=text[units[0][0] : units[-1][1]],
            title=passage.title,
            entities=passage.entities,
        )
        for k, units in enumerate(pieces, start=1)
    ]


def split_passages(passages: Iterable[Passage], max_words: int, overlap_words: int = 0) -> list[Passage]:
    """Every passage split with :func:`split_passage`, in order."""
    check_split_args(max_words, overlap_words)
    return [piece for p in passages for piece in split_passage(p, max_words, overlap_words)]
