"""Composed NLI pairs: two simple clauses joined into one sentence, and passives.

:mod:`kgqa.train.structural` rewrites single sentences, and its word-order rules fire on
few of them (about 1,000 of SNLI dev's and SICK train's 28k sentences have the shape
``DET N is V-ing DET N``). This module multiplies those clauses: it parses each into a
triple ``(subject, verb, object)`` and joins two triples into one premise, following the
syntactic augmentation of Min et al. (2020, "Syntactic Data Augmentation Increases
Robustness to Inference Heuristics"). For ``the dog is chasing the cat`` and ``the man is
reading a book``:

* **relative clause on the subject** "The dog that is chasing the cat is reading the book."
  entails "The dog is reading the book." but not "The cat is reading the book.";
* **relative clause on the object** "The dog is chasing the cat that is reading the book."
  entails "The cat is reading the book." but not "The dog is reading the book.";
* **prepositional phrase on the subject** "The dog near the cat is reading the book."
  entails "The dog is reading the book." but not "The cat is reading the book.";
* **conjoined objects** "The dog is chasing the cat and the book." entails "The dog is
  chasing the book." but not "The cat is chasing the book.";
* **conjoined subjects** "The dog and the man are reading the book." entails "The man is
  reading the book." but not "The dog is reading the man.";
* **clause under a factive verb** "The dog knows the cat is reading the book." entails "The
  cat is reading the book." but not "The dog knows the cat.";
* **passive** "The dog is chasing the cat." entails "The cat is being chased by the dog."
  but not "The dog is being chased by the cat." (and the same the other way round).

Every premise gives one entailed and one non-entailed hypothesis made of its own words, so
word overlap says nothing about the label. Non-entailed pairs carry the 2-way
``NOT_ENTAILMENT`` label (neutral or contradiction, trained with the merged loss), since
"the cat is reading the book" is merely unsupported. The words are those of the source
sentences; past participles come from the same sentences (``is being chased by``) or, for
irregular verbs, from a fixed table of English verb forms.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kgqa.train.data import NOT_ENTAILMENT, NLIExample
from kgqa.train.structural import ENTAILMENT, parse_svo

# irregular past participles of verbs common in image-caption sentences (general English)
IRREGULAR_PARTICIPLES = {
    "biting": "bitten",
    "blowing": "blown",
    "breaking": "broken",
    "bringing": "brought",
    "building": "built",
    "buying": "bought",
    "casting": "cast",
    "catching": "caught",
    "cutting": "cut",
    "digging": "dug",
    "drawing": "drawn",
    "drinking": "drunk",
    "driving": "driven",
    "eating": "eaten",
    "feeding": "fed",
    "fighting": "fought",
    "finding": "found",
    "flying": "flown",
    "hitting": "hit",
    "holding": "held",
    "hugging": "hugged",
    "keeping": "kept",
    "leading": "led",
    "making": "made",
    "putting": "put",
    "reading": "read",
    "riding": "ridden",
    "seeing": "seen",
    "selling": "sold",
    "shaking": "shaken",
    "shooting": "shot",
    "singing": "sung",
    "spreading": "spread",
    "stealing": "stolen",
    "striking": "struck",
    "swinging": "swung",
    "taking": "taken",
    "teaching": "taught",
    "telling": "told",
    "throwing": "thrown",
    "wearing": "worn",
    "winning": "won",
    "writing": "written",
}
# verbs whose object is not a participant that can be acted on ("is taking a nap")
_NO_PASSIVE = {"taking", "having", "making", "doing", "getting", "giving", "playing", "wearing"}
_PREPOSITIONS = ("near", "beside", "behind", "next to", "in front of")
# verbs whose "that"-less clause complement is true ("the dog knows the cat is ...")
_FACTIVE = ("knows", "sees", "noticed", "remembers", "forgot", "realized")
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Clause:
    """A parsed ``subject is verb object`` clause; noun phrases without their articles."""

    subject: str
    verb: str
    obj: str

    def nouns(self) -> set[str]:
        """Head nouns of both noun phrases."""
        return {self.subject.split()[-1], self.obj.split()[-1]}


def clauses(sentences: Iterable[str]) -> list[Clause]:
    """Distinct ``(subject, verb, object)`` clauses of the sentences that have that shape, in order."""
    seen: dict[Clause, None] = {}
    for s in sentences:
        parsed = parse_svo(s)
        if parsed is not None:
            seen.setdefault(Clause(parsed.subject, parsed.verb, parsed.obj), None)
    return list(seen)


def participles(sentences: Iterable[str], verbs: Iterable[str]) -> dict[str, str]:
    """Past participle of each ``-ing`` verb that can be found: irregular table, else a regular
    ``-ed`` form that occurs in ``sentences`` (so "eating" never becomes "eated")."""
    vocab: set[str] = set()
    for s in sentences:
        vocab.update(_WORD.findall(s.lower()))
    out: dict[str, str] = {}
    for v in verbs:
        if v in _NO_PASSIVE or not v.endswith("ing"):
            continue
        if v in IRREGULAR_PARTICIPLES:
            out[v] = IRREGULAR_PARTICIPLES[v]
            continue
        stem = v[:-3]
        for cand in (stem + "ed", stem + "d", stem[:-1] + "ied" if stem.endswith("y") else ""):
            if cand and cand in vocab and cand != stem:
                out[v] = cand
                break
    return out


def _s(*parts: str) -> str:
    text = " ".join(parts)
    return text[0].upper() + text[1:] + "."


def _pair(premise: str, entailed: str, not_entailed: str, source: str) -> list[NLIExample]:
    return [
        NLIExample(premise, entailed, ENTAILMENT, source),
        NLIExample(premise, not_entailed, NOT_ENTAILMENT, source),
    ]


def _compose(a: Clause, b: Clause, rng: random.Random) -> list[NLIExample]:
    """One composition of clauses ``a`` and ``b`` (chosen at random) as an entailed and a non-entailed pair."""
    s1, v1, o1 = f"the {a.subject}", a.verb, f"the {a.obj}"
    s2, v2, o2 = f"the {b.subject}", b.verb, f"the {b.obj}"
    kind = rng.randrange(6)
    if kind == 0:  # relative clause on the subject
        p = _s(s1, "that is", v1, o1, "is", v2, o2)
        return _pair(p, _s(s1, "is", v2, o2), _s(o1, "is", v2, o2), "composed_relative_subject")
    if kind == 1:  # relative clause on the object
        p = _s(s1, "is", v1, o1, "that is", v2, o2)
        return _pair(p, _s(o1, "is", v2, o2), _s(s1, "is", v2, o2), "composed_relative_object")
    if kind == 2:  # prepositional phrase on the subject
        p = _s(s1, rng.choice(_PREPOSITIONS), o1, "is", v2, o2)
        return _pair(p, _s(s1, "is", v2, o2), _s(o1, "is", v2, o2), "composed_pp_subject")
    if kind == 3:  # conjoined objects
        p = _s(s1, "is", v1, o1, "and", o2)
        return _pair(p, _s(s1, "is", v1, o2), _s(o1, "is", v1, o2), "composed_conjoined_objects")
    if kind == 4:  # a clause embedded without "that" under a factive verb
        verb = rng.choice(_FACTIVE)
        p = _s(s1, verb, o1, "is", v2, o2)
        return _pair(p, _s(o1, "is", v2, o2), _s(s1, verb, o1), "composed_embedded_clause")
    # conjoined subjects
    p = _s(s1, "and", s2, "are", v2, o2)
    return _pair(p, _s(s2, "is", v2, o2), _s(s1, "is", v2, s2), "composed_conjoined_subjects")


def _passive(c: Clause, participle: str, rng: random.Random) -> list[NLIExample]:
    s, o = f"the {c.subject}", f"the {c.obj}"
    if rng.random() < 0.5:  # active premise, passive hypotheses
        p = _s(s, "is", c.verb, o)
        return _pair(
            p, _s(o, "is being", participle, "by", s), _s(s, "is being", participle, "by", o), "composed_passive"
        )
    p = _s(o, "is being", participle, "by", s)
    return _pair(p, _s(s, "is", c.verb, o), _s(o, "is", c.verb, s), "composed_passive")


def composed_pairs(sentences: Iterable[str], limit: int, seed: int) -> list[NLIExample]:
    """Up to ``limit`` composed pairs (see the module docstring) from ``sentences``, seeded.

    Half entailed, half non-entailed; passives are at most a fifth of them.
    """
    sents = list(sentences)
    rng = random.Random(seed)
    cl = clauses(sents)
    if not cl:
        return []
    parts = participles(sents, {c.verb for c in cl})
    out: list[NLIExample] = []
    passive_clauses = [c for c in cl if c.verb in parts]
    rng.shuffle(passive_clauses)
    for c in passive_clauses[: limit // 10]:
        out += _passive(c, parts[c.verb], rng)
    tries = 0
    while len(out) < limit and len(cl) > 1 and tries < 20 * limit:
        tries += 1
        a, b = rng.sample(cl, 2)
        if a.nouns() & b.nouns():
            continue
        out += _compose(a, b, rng)
    out = out[: limit - limit % 2]
    rng.shuffle(out)
    return out
