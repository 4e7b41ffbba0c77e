"""Unanswerable questions derived from SQuAD v1.1, in the style of SQuAD 2.0, and the article split.

SQuAD v1.1 has no unanswerable questions, and SQuAD 2.0 is not available offline. This
module derives question/paragraph pairs whose paragraph holds no answer, from answerable ones:

* ``other_paragraph``: the question with another paragraph of the same article (same topic,
  other facts) that contains none of its answers (normalised SQuAD match);
* ``entity_swap``: the question with one of its entities (a capitalised span, a year or a
  number that occurs in the paragraph) replaced by another of the same shape taken from the
  same article (or, failing that, the corpus) that does not occur in the paragraph; paired
  with the original paragraph, which now says nothing about the entity asked about;
* ``answer_removed``: the original paragraph with every sentence that holds an answer removed,
  kept only when no answer is left in it.

The entity shapes are generic patterns (no word lists), so the derivation applies to any
SQuAD-format file. Articles are split *before* deriving (:func:`split_articles`), so a dev split
of whole articles shares no paragraph with training. Everything is seeded and deterministic.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import re
from collections.abc import Iterable, Sequence

from kgqa.errors import ConfigError
from kgqa.text import normalize_answer, sentence_spans
from kgqa.train.data import QAExample

#: the kinds of derived unanswerable pairs, in the order they are tried
KINDS = ("other_paragraph", "entity_swap", "answer_removed")

#: separates a derived question id from the id of the question it came from
ID_SEP = "#na-"

_YEAR = re.compile(r"\b1[0-9]{3}\b|\b20[0-9]{2}\b")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
# one or more capitalised words, optionally joined by a lower-case "of"/"the"/"de"
_CAPS = re.compile(r"\b[A-Z][a-z'\-]*[a-z](?:\s+(?:(?:of|the|de)\s+)?[A-Z][a-z'\-]*[a-z])*\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"(]\s*|\n)$")
#: how many pool candidates are tried per swap
_TRIES = 30
_MIN_PARAGRAPH_CHARS = 150


def parse_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """Validate kind names (``all`` stands for every kind); raise :class:`ConfigError` on an unknown one."""
    out: list[str] = []
    for kind in kinds:
        names = KINDS if kind == "all" else (kind,)
        for name in names:
            if name not in KINDS:
                raise ConfigError(f"unknown unanswerable kind {name!r}; choose from {', '.join(KINDS)} or all")
            if name not in out:
                out.append(name)
    if not out:
        raise ConfigError(f"name at least one unanswerable kind ({', '.join(KINDS)} or all)")
    return tuple(out)


def is_derived(example: QAExample) -> bool:
    """Whether ``example`` was derived here (its id carries the kind)."""
    return ID_SEP in example.qid


def derived_kind(example: QAExample) -> str:
    """The kind of a derived example (``""`` for an original one)."""
    return example.qid.partition(ID_SEP)[2]


@functools.lru_cache(maxsize=65536)
def _norm(text: str) -> str:
    return f" {normalize_answer(text)} "


def contains_any(paragraph: str, answers: Sequence[str]) -> bool:
    """Whether any of ``answers`` occurs in ``paragraph`` after SQuAD normalisation (whole tokens)."""
    norm = _norm(paragraph)
    return any(normalize_answer(a) and _norm(a) in norm for a in answers)


def split_articles(
    examples: Sequence[QAExample], dev_fraction: float, seed: int
) -> tuple[list[QAExample], list[QAExample]]:
    """``(train, dev)``: a seeded ``dev_fraction`` of the articles (by title) goes to dev, whole.

    Raises:
        ConfigError: if ``dev_fraction`` is not in ``(0, 1)`` or there are fewer than two articles.
    """
    if not 0 < dev_fraction < 1:
        raise ConfigError(f"the dev fraction must be in (0, 1), not {dev_fraction}")
    titles = sorted({ex.title for ex in examples})
    if len(titles) < 2:
        raise ConfigError("an article split needs at least two articles (titles) in the data")
    rng = random.Random(seed)
    rng.shuffle(titles)
    n_dev = min(max(1, round(len(titles) * dev_fraction)), len(titles) - 1)
    dev_titles = set(titles[:n_dev])
    return [ex for ex in examples if ex.title not in dev_titles], [ex for ex in examples if ex.title in dev_titles]


def _entities(text: str) -> list[tuple[str, str]]:
    """``(shape, span)`` of the entity-like spans of ``text``: years, other numbers, capitalised spans.

    A capitalised span is cut of its first word where that word starts a sentence (it may be
    capitalised only for that: "But", "What"), and of a leading "The".
    """
    out: list[tuple[str, str]] = []
    for m in _YEAR.finditer(text):
        out.append(("year", m.group()))
    years = {s for _, s in out}
    for m in _NUMBER.finditer(text):
        if m.group() not in years:
            out.append(("number", m.group()))
    for m in _CAPS.finditer(text):
        words = m.group().split()
        if _SENTENCE_START.search(text[: m.start()]) or words[0] == "The":
            words = words[1:]
        while words and not words[0][:1].isupper():
            words = words[1:]
        if words:
            out.append((f"caps{min(len(words), 3)}", " ".join(words)))
    return out


class _Pools:
    """Entity spans by shape, per article and over the corpus (each sorted, for determinism)."""

    def __init__(self, examples: Sequence[QAExample]) -> None:
        by_article: dict[str, dict[str, set[str]]] = {}
        corpus: dict[str, set[str]] = {}
        seen: set[str] = set()
        for ex in examples:
            if ex.context in seen:
                continue
            seen.add(ex.context)
            for shape, span in _entities(ex.context):
                by_article.setdefault(ex.title, {}).setdefault(shape, set()).add(span)
                corpus.setdefault(shape, set()).add(span)
        self.by_article = {t: {s: sorted(v) for s, v in d.items()} for t, d in by_article.items()}
        self.corpus = {s: sorted(v) for s, v in corpus.items()}


def _derived(ex: QAExample, kind: str, question: str, context: str) -> QAExample:
    return dataclasses.replace(
        ex, qid=f"{ex.qid}{ID_SEP}{kind}", question=question, context=context, answers=(), answer_starts=()
    )


def other_paragraph(ex: QAExample, paragraphs: Sequence[str], rng: random.Random) -> QAExample | None:
    """The question paired with another paragraph of its article that holds none of its answers, or ``None``."""
    order = list(paragraphs)
    rng.shuffle(order)
    for p in order[:_TRIES]:
        if p != ex.context and not contains_any(p, ex.answers):
            return _derived(ex, "other_paragraph", ex.question, p)
    return None


def entity_swap(
    ex: QAExample, article_pool: dict[str, list[str]], corpus_pool: dict[str, list[str]], rng: random.Random
) -> QAExample | None:
    """The question with an entity that occurs in the paragraph swapped for one of the same shape that does not.

    ``article_pool`` and ``corpus_pool`` map a shape to candidate spans; the article's are tried
    first. Returns ``None`` when the question has no such entity or no replacement is found.
    """
    context = _norm(ex.context)
    found = [(shape, span) for shape, span in _entities(ex.question) if _norm(span) in context]
    rng.shuffle(found)
    for shape, span in found:
        for pool in (article_pool.get(shape, []), corpus_pool.get(shape, [])):
            tries = rng.sample(pool, min(_TRIES, len(pool)))
            options = [c for c in tries if _norm(c) not in context and normalize_answer(c) != normalize_answer(span)]
            if options:
                question = re.sub(rf"(?<!\w){re.escape(span)}(?!\w)", options[0], ex.question, count=1)
                if question != ex.question:
                    return _derived(ex, "entity_swap", question, ex.context)
    return None


def answer_removed(ex: QAExample) -> QAExample | None:
    """The paragraph without the sentences that hold an answer, if no answer is left and enough text remains."""
    if not ex.answers:
        return None
    spans = sentence_spans(ex.context)
    hit = [
        (s, e)
        for s, e in spans
        if any(s < start + len(a) and start < e for a, start in zip(ex.answers, ex.answer_starts, strict=False))
    ]
    if not hit or len(hit) == len(spans):
        return None
    rest = " ".join(ex.context[s:e].strip() for s, e in spans if (s, e) not in hit)
    if len(rest) < _MIN_PARAGRAPH_CHARS or contains_any(rest, ex.answers):
        return None
    return _derived(ex, "answer_removed", ex.question, rest)


def derive_unanswerable(
    examples: Sequence[QAExample], rate: float, seed: int, kinds: Sequence[str] = KINDS
) -> list[QAExample]:
    """Derived unanswerable examples: about ``rate`` per answerable question (at most one each).

    For each chosen question the kinds are tried in a random order and the first that yields a
    pair is kept, so the kinds are mixed evenly where all apply. Examples must come from whole
    articles (the same-article paragraphs and entities are looked up among ``examples``).

    Raises:
        ConfigError: if ``rate`` is not in ``[0, 1]`` or a kind is unknown.
    """
    if not 0 <= rate <= 1:
        raise ConfigError(f"the unanswerable rate must be in [0, 1], not {rate}")
    kinds = parse_kinds(kinds)
    rng = random.Random(seed)
    paragraphs: dict[str, list[str]] = {}
    for ex in examples:
        paras = paragraphs.setdefault(ex.title, [])
        if not paras or paras[-1] != ex.context:  # a paragraph's questions are consecutive
            paras.append(ex.context)
    pools = _Pools(examples) if "entity_swap" in kinds else None
    out: list[QAExample] = []
    for ex in examples:
        if not ex.answers or rng.random() >= rate:
            continue
        order = list(kinds)
        rng.shuffle(order)
        for kind in order:
            if kind == "other_paragraph":
                neg = other_paragraph(ex, paragraphs[ex.title], rng)
            elif kind == "entity_swap":
                assert pools is not None  # built above whenever entity_swap is a kind
                neg = entity_swap(ex, pools.by_article.get(ex.title, {}), pools.corpus, rng)
            else:
                neg = answer_removed(ex)
            if neg is not None:
                out.append(neg)
                break
    return out


def with_unanswerable(
    examples: Sequence[QAExample], rate: float, seed: int, kinds: Sequence[str] = KINDS
) -> list[QAExample]:
    """``examples`` followed by :func:`derive_unanswerable` of them: a SQuAD 2.0-style set."""
    return [*examples, *derive_unanswerable(examples, rate, seed, kinds)]


__all__ = [
    "ID_SEP",
    "KINDS",
    "answer_removed",
    "contains_any",
    "derive_unanswerable",
    "derived_kind",
    "entity_swap",
    "is_derived",
    "other_paragraph",
    "parse_kinds",
    "split_articles",
    "with_unanswerable",
]
