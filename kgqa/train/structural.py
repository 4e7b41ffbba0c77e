"""Structural NLI pairs derived from simple sentences: word order, dropped modifiers and embedded clauses.

Models trained on crowd-sourced NLI learn that a hypothesis made of the premise's words
is entailed (McCoy et al., 2019). These pairs teach the difference with sentences taken
from the training mixture itself (SNLI dev and SICK train premises), rewritten by rules:

* **swap** (neutral): the subject and object of ``DET N is V-ing DET N`` change places
  ("A dog is chasing a cat." / "A cat is chasing a dog.");
* **shorten** (entailment): a trailing modifier is dropped, keeping the words in their
  roles ("A little girl is playing a piano on stage." / "A little girl is playing a piano.");
* **inner subject** (neutral) and **outer subject** (entailment): ``DET N with DET N is ...``
  ("The man with the bag is walking." / "The bag is walking." vs "The man is walking.");
* **clauses**: two sentences joined by a connective, with the entailment fixed by the
  connective: ``if``/``unless``/"it is unlikely that"/"someone claims that" do not entail their
  clauses (neutral), ``and``/``although``/"it is clear that" do (entailment), and
  "it is not true that S" contradicts S; likewise ``or``, hedging adverbs ("perhaps",
  "supposedly") and non-factive verbs ("someone believes that") do not entail the clause,
  while "certainly", "obviously" and factive verbs ("someone knows that") do.

Each rule yields entailed and non-entailed pairs with the same word overlap, so
overlap alone cannot predict the label. No HANS sentence, template or vocabulary
list is used; the words are those of the source sentences.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from typing import NamedTuple

from kgqa.train.data import NLIExample

ENTAILMENT, NEUTRAL, CONTRADICTION = 0, 1, 2

_DETS = {"A": "a", "An": "a", "The": "the", "a": "a", "an": "a", "the": "the"}
# a noun phrase ends at the sentence's end or before one of these words
_NP_END = {
    "on",
    "in",
    "at",
    "with",
    "near",
    "under",
    "by",
    "from",
    "for",
    "into",
    "to",
    "while",
    "outside",
    "inside",
    "through",
    "across",
    "along",
    "over",
    "behind",
    "beside",
    "down",
    "up",
    "off",
}
_WITH = re.compile(
    r"^(?P<d1>A|An|The) (?P<n1>[a-z]+) (?P<prep>with|near|next to|beside|behind) "
    r"(?P<d2>a|an|the) (?P<n2>[a-z]+) (?P<vp>is [a-z]+ing(?: .*)?)$"
)
# words that look like nouns to the patterns above but are not
_NOT_NOUN = {
    "being",
    "getting",
    "something",
    "someone",
    "lot",
    "couple",
    "group",
    "few",
    "pair",
    "piece",
    "bunch",
    "and",
    "or",
    "of",
    "very",
    "much",
    "little",
    "other",
    "same",
} | _NP_END
_FINITE = re.compile(r"\b(is|are|was|were|has|have|had)\b")
_LOWERABLE = {
    "A",
    "An",
    "The",
    "Two",
    "Three",
    "Four",
    "Five",
    "Some",
    "Several",
    "Many",
    "People",
    "Men",
    "Women",
    "Children",
    "Kids",
    "Boys",
    "Girls",
    "There",
    "This",
    "That",
    "These",
    "Those",
    "One",
    "Nobody",
    "Someone",
    "Somebody",
    "He",
    "She",
    "They",
    "It",
    "We",
}
_CLAUSE_OK = re.compile(r"^[A-Z][a-z]*(?: [a-z'-]+){2,11}$")


def _article(noun_phrase: str, det: str) -> str:
    """``a``/``an`` agreeing with ``noun_phrase`` (``the`` unchanged)."""
    if det == "the":
        return det
    return "an" if noun_phrase[:1] in "aeiou" else "a"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] + "."


def _clean(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip().rstrip(".!").strip())


_LY_NOUNS = {"belly", "bully", "family", "fly", "jelly", "lily", "rally", "sly", "ally"}


def _singular_noun(w: str) -> bool:
    if w.endswith("ly") and w not in _LY_NOUNS:  # an adverb ("quickly"), not a noun
        return False
    return w.isalpha() and w.islower() and w not in _NOT_NOUN and not (w.endswith("s") and not w.endswith("ss"))


def _noun_phrase(words: list[str], i: int) -> tuple[str | None, str, int] | None:
    """``(adjective, noun, next index)`` of a one- or two-word noun phrase at ``words[i]`` that ends cleanly."""
    if i < len(words) and _singular_noun(words[i]) and (i + 1 == len(words) or words[i + 1] in _NP_END):
        return None, words[i], i + 1
    if (
        i + 1 < len(words)
        and words[i].isalpha()
        and words[i] not in _NOT_NOUN
        and _singular_noun(words[i + 1])
        and (i + 2 == len(words) or words[i + 2] in _NP_END)
    ):
        return words[i], words[i + 1], i + 2
    return None


class SVO(NamedTuple):
    """A ``DET N is V-ing DET N ...`` sentence: noun phrases (adjective and noun) without articles."""

    d1: str
    subject: str
    verb: str
    d2: str
    obj: str
    rest: bool  # words follow the object


def parse_svo(s: str) -> SVO | None:
    """The subject, verb and object of ``A/The [ADJ] N is V-ing a/the [ADJ] N [modifier]``, else ``None``."""
    words = _clean(s).split()
    if len(words) < 5 or words[0] not in ("A", "An", "The"):
        return None
    try:
        k = words.index("is")
    except ValueError:
        return None
    subj = words[1:k]
    if len(subj) not in (1, 2) or not _singular_noun(subj[-1]) or any(w in _NOT_NOUN for w in subj):
        return None
    if k + 2 >= len(words) or not words[k + 1].endswith("ing") or words[k + 2] not in _DETS:
        return None
    obj = _noun_phrase(words, k + 3)
    if obj is None:
        return None
    adj2, n2, end = obj
    if subj[-1] == n2:
        return None
    np2 = f"{adj2} {n2}" if adj2 else n2
    return SVO(_DETS[words[0]], " ".join(subj), words[k + 1], _DETS[words[k + 2]], np2, end < len(words))


def _svo_pairs(s: str) -> list[NLIExample]:
    parsed = parse_svo(s)
    if parsed is None:
        return []
    d1, np1, v, d2, np2, rest = parsed
    premise = _sentence(s)
    out = []
    swapped = f"{_article(np2, d2)} {np2} is {v} {_article(np1, d1)} {np1}"
    out.append(NLIExample(premise, _sentence(swapped), NEUTRAL, "structural_swap"))
    if rest:  # drop the trailing modifier: still entailed
        short = f"{_article(np1, d1)} {np1} is {v} {_article(np2, d2)} {np2}"
        out.append(NLIExample(premise, _sentence(short), ENTAILMENT, "structural_shorten"))
    return out


def _with_pairs(s: str) -> list[NLIExample]:
    m = _WITH.match(s)
    if not m or not _singular_noun(m["n1"]) or not _singular_noun(m["n2"]) or m["n1"] == m["n2"]:
        return []
    premise = _sentence(s)
    return [
        NLIExample(premise, _sentence(f"{m['d2']} {m['n2']} {m['vp']}"), NEUTRAL, "structural_inner_subject"),
        NLIExample(premise, _sentence(f"{m['d1']} {m['n1']} {m['vp']}"), ENTAILMENT, "structural_outer_subject"),
    ]


def _lower_first(s: str) -> str:
    first, _, rest = s.partition(" ")
    return f"{first.lower()} {rest}" if first in _LOWERABLE else s


# (template, label of the first clause, label of the second clause or None)
_CONNECTIVES: tuple[tuple[str, int, int | None], ...] = (
    ("If {a}, {b}", NEUTRAL, NEUTRAL),
    ("Unless {a}, {b}", NEUTRAL, NEUTRAL),
    ("{A} and {b}", ENTAILMENT, ENTAILMENT),
    ("Although {a}, {b}", ENTAILMENT, ENTAILMENT),
    ("{A}, so {b}", ENTAILMENT, ENTAILMENT),
    ("Whether or not {a}, {b}", NEUTRAL, ENTAILMENT),
    ("It is unlikely that {a}", NEUTRAL, None),
    ("Someone claims that {a}", NEUTRAL, None),
    ("It is clear that {a}", ENTAILMENT, None),
    ("It is not true that {a}", CONTRADICTION, None),
    ("{A} or {b}", NEUTRAL, NEUTRAL),
    ("Perhaps {a}", NEUTRAL, None),
    ("Supposedly, {a}", NEUTRAL, None),
    ("Someone believes that {a}", NEUTRAL, None),
    ("Someone hopes that {a}", NEUTRAL, None),
    ("Certainly {a}", ENTAILMENT, None),
    ("Obviously, {a}", ENTAILMENT, None),
    ("Someone knows that {a}", ENTAILMENT, None),
    ("Someone forgot that {a}", ENTAILMENT, None),
)


def _clause_pairs(a: str, b: str, rng: random.Random) -> list[NLIExample]:
    template, label_a, label_b = rng.choice(_CONNECTIVES)
    premise = _sentence(template.format(a=_lower_first(a), A=a, b=_lower_first(b)))
    out = [NLIExample(premise, _sentence(a), label_a, "structural_clause")]
    if label_b is not None:
        out.append(NLIExample(premise, _sentence(b), label_b, "structural_clause"))
    return out


def structural_pairs(sentences: Iterable[str], limit: int, seed: int) -> list[NLIExample]:
    """Up to ``limit`` structural pairs (see the module docstring) from ``sentences``, seeded."""
    rng = random.Random(seed)
    sents = sorted({_clean(s) for s in sentences if s and len(s) < 120})
    rng.shuffle(sents)
    word_order: list[NLIExample] = []
    for s in sents:
        word_order.extend(_svo_pairs(s))
        word_order.extend(_with_pairs(s))
    clause_sents = [s for s in sents if _CLAUSE_OK.match(s) and s.split(" ", 1)[0] in _LOWERABLE and _FINITE.search(s)]
    clauses: list[NLIExample] = []
    for i in range(0, len(clause_sents) - 1, 2):
        clauses.extend(_clause_pairs(clause_sents[i], clause_sents[i + 1], rng))
        if len(clauses) >= limit:
            break
    # word-order pairs first (they are the rarer kind); clauses at most twice as many
    out = word_order[: limit // 2]
    out += clauses[: min(limit - len(out), max(2 * len(out), limit // 4))]
    rng.shuffle(out)
    return out
