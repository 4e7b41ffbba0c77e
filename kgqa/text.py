"""Text helpers shared by the pipeline, the checks, the retrieval and the benchmarks.

:func:`normalize_answer` is the official SQuAD answer normalisation: the pipeline
matches answers with it and the benchmarks score with it, so both live here rather
than in either. :func:`sentence_spans` is kgqa's one sentence splitter: it splits
passages before indexing, finds the sentence of a passage that an NLI check read,
and cuts training paragraphs into sentences.

Example:
    >>> normalize_answer("The Eiffel Tower!")
    'eiffel tower'
    >>> split_sentences("Dr. Watson met J. K. Rowling. They talked.")
    ['Dr. Watson met J. K. Rowling.', 'They talked.']
"""

from __future__ import annotations

import re
import string

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)

# a sentence ends at . ! or ? (plus closing quotes or brackets) before whitespace and a capital, digit or quote
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st sr jr mt ft no vs etc e.g i.e cf al fig approx jan feb mar apr jun jul aug sep sept "
    "oct nov dec u.s u.k a.d b.c inc ltd co corp gen col lt sgt rev".split()
)


def normalize_answer(text: str) -> str:
    """Lower-case, strip punctuation, articles and extra whitespace (the official SQuAD normalisation).

    Example:
        >>> normalize_answer("  An   apple, a day.")
        'apple day'
    """
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` character spans of the sentences of ``text``, surrounding whitespace excluded.

    A sentence ends at ``.``, ``!`` or ``?`` (with any closing quotes or brackets) followed by
    whitespace and a capital, a digit or an opening quote, unless the word before the stop is a
    common abbreviation ("Dr.", "U.S.") or an initial ("J. K. Rowling").

    Hand-written rather than taken from a library because every caller needs exact offsets into
    the original text (pieces of a split passage are slices of it, highlighted evidence points
    into it), and because nltk's punkt, the usual choice, needs a model download, which kgqa never
    does at run time.

    Example:
        >>> sentence_spans("It rained. Nobody came!")
        [(0, 10), (11, 23)]
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        words = text[start : m.start() + 1].split()
        last_word = words[-1].rstrip(".").lower() if words else ""
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue  # "Dr. Watson", "J. K. Rowling"
        spans.append((start, m.start() + len(m.group().rstrip())))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        chunk = text[s:e]
        if chunk.strip():
            out.append((s + len(chunk) - len(chunk.lstrip()), e - (len(chunk) - len(chunk.rstrip()))))
    return out


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (see :func:`sentence_spans`), each stripped of surrounding whitespace."""
    return [text[s:e] for s, e in sentence_spans(text)]


__all__ = ["normalize_answer", "sentence_spans", "split_sentences"]
