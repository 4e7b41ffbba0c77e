"""Relation matching: a verb phrase ("was written by", "is the capital of") -> property IRIs.

Both the phrase and every property name (``rdfs:label`` and ``skos:altLabel``) are
normalised, stripped of auxiliaries and articles ("was", "is", "did", "the", ...) and
lightly stemmed ("invented"/"invents"/"invent" -> "invent"). An identical stem sequence
scores 1.0; otherwise the score is the token overlap (Dice), discounted, or a discounted
difflib ratio for typos. Prepositions are kept: they tell "born in" (place) from "born"
(date) and "capital of" from "capital".

A property without a real label is also named by the phrase its IRI gives
(:func:`kgqa.graph.relation_text.iri_phrase`: ``birthPlace`` -> "birth place").

With a learned model (:class:`kgqa.graph.relation_model.RelationModel`), :meth:`RelationMatcher.match_text`
also scores the whole question or claim, its entity mention marked, against every property: an exact
name match still wins; otherwise the model's candidates above its dev-chosen threshold come first.

Example:
    >>> RelationMatcher(kg).match("was written by")[0]    # doctest: +SKIP
    ('https://kgqa.dev/ontology#author', 1.0)
"""

from __future__ import annotations

import logging
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kgqa.errors import InputError
from kgqa.graph.linking import normalize
from kgqa.graph.relation_text import property_text

if TYPE_CHECKING:
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.relation_model import RelationModel

logger = logging.getLogger(__name__)

#: words that carry tense, voice or emphasis but not the relation
DROP = frozenset(
    "was is were are be been being am did does do has have had the a an not never also actually really indeed".split()
)
#: shared prepositions alone do not make two relations alike ("led to" vs "married to")
PREPOSITIONS = frozenset("of in on at to by from with for into onto as about over under after before".split())
OVERLAP_DISCOUNT = 0.9
FUZZY_DISCOUNT = 0.85
#: for a fuzzy match the shorter of a phrase and a name begins the longer (another form of the word: "di",
#: the stem of "died", and "die") or is at least this share of its length (a typo); "direct" is not "diet"
FUZZY_LENGTH_SHARE = 0.8
_VOCAB = tuple(str(ns) for ns in (RDF, RDFS, OWL, SKOS))


def stem(token: str) -> str:
    """A crude, consistent stem: "caused"/"causes"/"cause" -> "caus", "married" -> "marry"."""
    if len(token) <= 3:
        return token
    if token.endswith(("ied", "ies")) and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("ed"):
        token = token[:-2]
    elif token.endswith("es"):
        token = token[:-2]
    elif token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    if token.endswith("e") and len(token) > 3:
        token = token[:-1]
    return token


#: agent-noun endings: "director" is who directs, "producer" who produces, "founder" who founds
AGENT_SUFFIXES = ("or", "er", "r")


def _verb_of(name_stem: str, query: set[str]) -> str:
    """The query stem whose agent noun ``name_stem`` is ("direct" for "director"), else ``name_stem`` itself.

    A property named for the doer ("film director", "composer") is what a verb phrase states ("directed",
    "composed"): the stem of the verb plus an agent ending is the noun. English derivation, written out
    because no dependency in use derives agent nouns (lemminflect inflects, it does not derive).
    """
    for suffix in AGENT_SUFFIXES:
        verb = name_stem.removesuffix(suffix)
        if verb != name_stem and len(verb) >= 3 and verb in query:
            return verb
    return name_stem


def lemmas(phrase: str) -> tuple[str, ...]:
    """Stems of a phrase's content words, in order."""
    return tuple(stem(t) for t in normalize(phrase).split() if t not in DROP)


class RelationMatcher:
    """Matches relation phrases to the properties of a graph.

    Args:
        kg: the graph; its declared properties outside the RDF/RDFS/OWL/SKOS vocabularies are used.
        model: the learned relation model used by :meth:`match_text` (``None``: names only).
    """

    def __init__(self, kg: KnowledgeGraph, model: RelationModel | None = None) -> None:
        self.kg = kg
        self.model = model
        self._names: list[tuple[str, tuple[str, ...]]] = []  # (property, stems of one of its names)
        self._exact: dict[tuple[str, ...], list[str]] = {}
        self._primary: set[tuple[str, tuple[str, ...]]] = set()  # (property, stems of its rdfs:label)
        for prop in kg.properties():
            if prop.startswith(_VOCAB):
                continue
            names = list(kg.labels(prop))
            text = property_text(kg, prop)
            if not text.labelled and text.iri_phrase:
                names.append(text.iri_phrase)  # no real label: the IRI's phrase names it
                self._primary.add((prop, lemmas(text.iri_phrase)))
            self._primary.add((prop, lemmas(kg.label(prop))))
            for name in names:
                key = lemmas(name)
                if key:
                    self._names.append((prop, key))
                    bucket = self._exact.setdefault(key, [])
                    if prop not in bucket:
                        bucket.append(prop)
        logger.debug("relation matcher: %d names of %d properties", len(self._names), len(kg.properties()))

    def warm_up(self) -> RelationMatcher:
        """Embed the graph's relation texts and one-step path texts now (with a learned model), and load the graph
        store's saved adjacency that the relation-path search reads (:mod:`kgqa.graph.adjacency`), not on the
        first question."""
        from kgqa.graph.adjacency import adjacency
        from kgqa.graph.relation_paths import encode_step_texts

        if self.model is not None:
            self.model.rank(self.kg, "warm up", top_k=1)
            encode_step_texts(self.kg, self.model)
        adjacency(self.kg)
        return self

    def match(self, phrase: str, top_k: int = 3, min_score: float = 0.3) -> list[tuple[str, float]]:
        """Properties a phrase may express, best first.

        Args:
            phrase: a relation phrase ("wrote", "was born in", "led to").
            top_k: how many properties to return at most.
            min_score: drop weaker matches.

        Returns:
            ``(property IRI, score)`` pairs; score 1.0 for a name match after stemming, with
            a match of the property's ``rdfs:label`` ranked before a match of an alias.

        Example:
            >>> matcher.match("is the capital of")   # doctest: +SKIP
            [('https://kgqa.dev/ontology#capitalOf', 1.0), ('https://kgqa.dev/ontology#capital', 0.6)]
        """
        if not isinstance(phrase, str):
            raise InputError(f"expected a relation phrase string, got {type(phrase).__name__}")
        if top_k < 1:
            raise InputError(f"top_k must be >= 1, got {top_k}")
        query = lemmas(phrase)
        if not query:
            return []
        best: dict[str, float] = dict.fromkeys(self._exact.get(query, ()), 1.0)
        q_set = set(query)
        matcher = SequenceMatcher(autojunk=False)
        q_text = " ".join(query)
        matcher.set_seq2(q_text)
        for prop, key in self._names:
            if best.get(prop) == 1.0:
                continue
            shared = q_set & {_verb_of(k, q_set) for k in key}
            overlap = len(shared) if shared - PREPOSITIONS else 0
            score = OVERLAP_DISCOUNT * 2 * overlap / (len(q_set) + len(set(key)))
            name = " ".join(key)
            matcher.set_seq1(name)
            # a typo keeps the length, another form the beginning: "wrotte" is "wrote", "direct" is not "diet"
            short, long_ = sorted((name, q_text), key=len)
            similar_length = long_.startswith(short) or len(short) >= FUZZY_LENGTH_SHARE * len(long_)
            if similar_length and matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8:
                ratio = matcher.ratio()
                if ratio >= 0.8:
                    score = max(score, FUZZY_DISCOUNT * ratio)
            if score >= min_score and score > best.get(prop, 0.0):
                best[prop] = round(score, 4)
        # among equal scores, a property whose own label matches beats one whose alias does
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], (kv[0], query) not in self._primary, kv[0]))
        return ranked[:top_k]

    def learned(self, text: str, start: int, end: int, top_k: int = 3) -> list[tuple[str, float]]:
        """The learned model's properties for ``text`` with ``text[start:end]`` as the entity mention.

        Only candidates scoring at least the model's threshold are returned; ``[]`` without a model.
        ``start == end`` scores the text with no mention marked.
        """
        if self.model is None or not text.strip():
            return []
        from kgqa.graph.relation_model import mark_mention

        marked = mark_mention(text, start, end) if start != end else text
        ranked = self.model.rank(self.kg, marked, top_k=top_k)
        return [(prop, score) for prop, score in ranked if score >= self.model.threshold]

    def match_text(
        self,
        text: str,
        start: int,
        end: int,
        phrase: str | None = None,
        top_k: int = 3,
        min_score: float = 0.3,
    ) -> list[tuple[str, float]]:
        """Properties a question or claim asks about its mention ``text[start:end]``, best first.

        The relation ``phrase`` (the words around the mention) is matched by name: when a name matches exactly
        (score 1.0) the name matches come first and the learned model's candidates above its threshold after
        them (a caller that finds no fact for the first candidates, or needs another kind of property, moves
        on to them); otherwise the learned candidates come first, then the weaker name matches.

        Args:
            text: the question or claim.
            start: where the entity mention starts in ``text``.
            end: where it ends (``start == end``: no mention marked).
            phrase: the relation phrase for the name match (``None``: the learned model only).
            top_k: how many properties to return at most.
            min_score: drop weaker name matches.

        Returns:
            ``(property IRI, score)`` pairs: up to ``top_k`` name matches and up to ``top_k`` learned ones
            (cosines), without repeats.

        Raises:
            InputError: if the arguments are malformed.
        """
        if not isinstance(text, str):
            raise InputError(f"expected a question or claim string, got {type(text).__name__}")
        if top_k < 1:
            raise InputError(f"top_k must be >= 1, got {top_k}")
        if not 0 <= start <= end <= len(text):
            raise InputError(f"mention span ({start}, {end}) is not inside a text of {len(text)} characters")
        lexical = self.match(phrase, top_k=top_k, min_score=min_score) if phrase else []
        learned = self.learned(text, start, end, top_k=top_k)
        first, then = (lexical, learned) if lexical and lexical[0][1] >= 1.0 else (learned, lexical)
        merged = dict(first)
        for prop, score in then:
            merged.setdefault(prop, score)
        return list(merged.items())


__all__ = ["RelationMatcher", "lemmas", "stem"]
