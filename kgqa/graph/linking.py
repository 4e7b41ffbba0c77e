"""Entity linking: find mentions of graph entities in text and resolve names to IRIs.

Three tiers, cheapest first: exact match of normalised labels and ``skos:altLabel``
aliases; fuzzy match (rapidfuzz's ratio, over candidates sharing a token prefix or suffix
with the query, so a typo like "Shakspeare" still finds "Shakespeare"); and, when an encoder
is given, cosine similarity of label embeddings (computed once, on first use).

An ambiguous name keeps its candidates (:class:`Candidate`) on the mention, each with the parts
of its score: the prior (a preferred label over an alias over a fuzzy match, and the node's
degree in the graph) and, once the relation asked about is known, the type fit of its classes
to the relation's domain or range (:mod:`kgqa.graph.disambiguation`; the classes come from
:mod:`kgqa.graph.vocabulary`, declared or inferred from the data).

Example:
    >>> linker = EntityLinker(kg)                                  # doctest: +SKIP
    >>> linker.find_mentions("Was Shakespeare born in Stratford-upon-Avon?")  # doctest: +SKIP
    [Mention(text='Shakespeare', start=4, end=15, iri='https://kgqa.dev/world/William_Shakespeare', ...), ...]
    >>> linker.resolve("Shakspeare")[0].method                     # doctest: +SKIP
    'fuzzy'
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from rapidfuzz import fuzz

from kgqa.config import PipelineConfig
from kgqa.errors import InputError
from kgqa.graph.mention_case import cuts_compound, describes_next, lower_cased_name, pieces_of_longer_names, titled

if TYPE_CHECKING:
    from kgqa.graph.catalogue import NamesCatalogue
    from kgqa.graph.kg import KnowledgeGraph

logger = logging.getLogger(__name__)

#: a query that is only part of a longer label ("Hathaway" for "Anne Hathaway") scores this much less
PARTIAL_DISCOUNT = 0.9
_MAX_NGRAM = 10
#: the prior of how a name matched: a node's preferred label, one of its aliases, a fuzzy or an embedding match
MATCH_PRIOR = {"label": 1.0, "alias": 0.8, "fuzzy": 0.6, "embedding": 0.5}
#: the weight of a candidate's degree (log-scaled, relative to the best connected candidate) in its prior
DEGREE_WEIGHT = 0.3
#: the weight of a candidate's type fit to the relation asked about (see :func:`rerank`)
TYPE_WEIGHT = 0.6
#: candidates kept on a mention (the best by prior)
MAX_CANDIDATES = 10

STOP_WORDS = frozenset(
    """a an the and or but nor of in on at to for from by with without about as into onto over under
    after before between during since until up down out off than then there here this that these those
    is are was were be been being am do does did done has have had having will would shall should can
    could may might must not no yes i me my mine we us our ours you your yours he him his she her hers
    it its they them their theirs who whom whose which what when where why how all any both each few
    more most other some such only own same so too very s t just also""".split()
)

_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_TRANSLIT = str.maketrans({"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l"})
_TRANSLIT.update(str.maketrans({"đ": "d", "Đ": "d", "þ": "th", "Þ": "th", "ı": "i"}))
_IRREGULAR_PLURALS = {"person": "people", "man": "men", "woman": "women", "child": "children", "mouse": "mice"}


class Encoder(Protocol):
    """Anything with ``encode(list[str]) -> np.ndarray`` of L2-normalised rows (e.g. a SentenceTransformer)."""

    def encode(self, sentences: list[str]) -> Any: ...


@dataclass(frozen=True)
class Candidate:
    """One node a name may refer to, with the parts of its score.

    Attributes:
        iri: the node.
        label: its preferred label.
        match: how the name matched: ``"label"`` (its preferred label), ``"alias"`` (another of its
            names), ``"fuzzy"`` or ``"embedding"``.
        similarity: 1.0 for an exact match, else the fuzzy ratio or cosine.
        degree: how many asserted facts it takes part in.
        prior: ``MATCH_PRIOR[match] * similarity + DEGREE_WEIGHT * log(1 + degree) / log(1 + top degree)``.
        type_fit: how well its classes fit the relation asked about (0..1, see
            :func:`kgqa.graph.disambiguation.type_fit`);
            ``None`` when no relation was given or the relation's classes are unknown.
        score: ``prior + TYPE_WEIGHT * type_fit`` (the prior alone without a type fit); candidates are ranked by it.
        classes: the classes behind the type fit, each with where it comes from ("rdf:type", "domain of <p>").
    """

    iri: str
    label: str
    match: str
    similarity: float
    degree: int
    prior: float
    type_fit: float | None = None
    score: float = 0.0
    classes: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        d = asdict(self)
        d["classes"] = [list(c) for c in self.classes]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Candidate:
        """The inverse of :meth:`to_dict`."""
        return cls(**{**d, "classes": tuple(tuple(c) for c in d.get("classes", ()))})


@dataclass(frozen=True)
class Mention:
    """A span of text linked to a graph node.

    Attributes:
        text: the span as written (or the phrase given to :meth:`EntityLinker.resolve`).
        start: character offset of the span in the original text.
        end: offset one past the span's end.
        iri: the linked entity or class (the best of ``candidates``).
        label: the node's preferred label.
        score: 1.0 for exact matches, the similarity for fuzzy and embedding matches.
        method: ``"exact"``, ``"fuzzy"`` or ``"embedding"``.
        candidates: the nodes the span may name, best first, with their score parts (empty when
            the mention was built by hand).
    """

    text: str
    start: int
    end: int
    iri: str
    label: str
    score: float
    method: str
    candidates: tuple[Candidate, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (the candidates as dicts)."""
        d = asdict(self)
        d["candidates"] = [c.to_dict() for c in self.candidates]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Mention:
        """The inverse of :meth:`to_dict`."""
        cands = tuple(Candidate.from_dict(c) for c in d.get("candidates", ()))
        return cls(**{**d, "candidates": cands})


def _fold(token: str) -> str:
    text = unicodedata.normalize("NFKD", token.translate(_TRANSLIT))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return "".join(c for c in text if c.isalnum())


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Normalised word tokens with their character spans in ``text`` (possessive "'s" dropped)."""
    out = []
    for m in _TOKEN.finditer(text):
        raw, start, end = m.group(), m.start(), m.end()
        if len(raw) > 2 and raw[-2] in "'\u2019" and raw[-1] in "sS":
            raw, end = raw[:-2], end - 2
        tok = _fold(raw)
        if tok:
            out.append((tok, start, end))
    return out


def normalize(text: str) -> str:
    """Casefold, strip accents, drop punctuation and possessive "'s", collapse spaces.

    Example:
        >>> normalize("  Ångström's  Stratford-upon-Avon! ")
        'angstrom stratford upon avon'
    """
    return " ".join(t for t, _, _ in tokens(text))


def pluralize(key: str) -> str:
    """The plural of a normalised noun phrase (its last word): "city" -> "cities"."""
    head, _, last = key.rpartition(" ")
    if last in _IRREGULAR_PLURALS:
        plural = _IRREGULAR_PLURALS[last]
    elif last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        plural = last[:-1] + "ies"
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        plural = last + "es"
    else:
        plural = last + "s"
    return f"{head} {plural}" if head else plural


@dataclass
class NameIndex:
    """The lookups of one catalogue of names, as :func:`index_names` builds them.

    Attributes:
        exact: normalised name -> ``(iri, is the preferred label)`` candidates, best first; keys in
            the order the names were first given.
        affix: ``"^abc"`` (a token's first three letters) or ``"abc$"`` (its last three) -> the names
            holding such a token: the candidates of a fuzzy match.
        max_tokens: the number of tokens of the longest name.
    """

    exact: dict[str, list[tuple[str, bool]]]
    affix: dict[str, set[str]]
    max_tokens: int


def name_entries(
    iris: Iterable[str], label: Callable[[str], str], labels: Callable[[str], list[str]], plurals: bool
) -> list[tuple[str, str, bool]]:
    """``(iri, normalised name, is the preferred label)`` for every name of every node, plurals after their singular.

    Args:
        iris: the nodes, in the order their names should come.
        label: a node's preferred label (:meth:`~kgqa.graph.kg.KnowledgeGraph.label`).
        labels: all its names (:meth:`~kgqa.graph.kg.KnowledgeGraph.labels`).
        plurals: also give each name's plural (class names: "writers").
    """
    out = []
    for iri in iris:
        primary = normalize(label(iri))
        for name in labels(iri):
            key = normalize(name)
            out.append((iri, key, key == primary))
            if plurals and key:
                out.append((iri, pluralize(key), key == primary))
    return out


def index_names(names: Iterable[tuple[str, str, bool]], rank: Callable[[str], float]) -> NameIndex:
    """The exact and affix lookups of ``names`` (see :func:`name_entries`).

    Candidates of one name are sorted preferred label first, then by ``rank`` (higher first,
    the linker uses the node's degree), then by IRI. The in-memory linker and the on-disk
    names catalogue (:mod:`kgqa.graph.catalogue`) are both built by this function, so they agree.
    """
    exact: dict[str, list[tuple[str, bool]]] = {}
    for iri, key, primary in names:
        if key:
            bucket = exact.setdefault(key, [])
            if all(i != iri for i, _ in bucket):
                bucket.append((iri, primary))
    for bucket in exact.values():
        bucket.sort(key=lambda x: (not x[1], -rank(x[0]), x[0]))
    affix: dict[str, set[str]] = {}
    for key in exact:
        for tok in key.split():
            affix.setdefault("^" + tok[:3], set()).add(key)
            affix.setdefault(tok[-3:] + "$", set()).add(key)
    max_tokens = max((k.count(" ") + 1 for k in exact), default=0)
    return NameIndex(exact, affix, max_tokens)


#: the most names the linker embeds for its embedding tier (a bound on the first question's cost)
MAX_EMBEDDED_NAMES = 20_000


class _Catalog:
    """Normalised names of a set of nodes with exact, fuzzy and embedding lookups.

    The lookups are plain dicts (:meth:`from_names`, small graphs) or read-only mappings served
    from a names catalogue file (:class:`~kgqa.graph.catalogue.NamesCatalogue`, large graphs).
    """

    def __init__(
        self,
        exact: Mapping[str, Sequence[tuple[str, bool]]],
        affix: Mapping[str, AbstractSet[str]],
        max_tokens: int,
    ) -> None:
        self.exact = exact
        self.affix = affix
        self.max_tokens = max_tokens
        self._emb_keys: list[str] | None = None
        self._emb: np.ndarray | None = None
        self._emb_lock = threading.Lock()
        self._too_many_logged = False

    @classmethod
    def from_names(cls, names: Iterable[tuple[str, str, bool]], rank: Callable[[str], float]) -> _Catalog:
        """``names``: (iri, normalised name, is the preferred label); ``rank`` breaks ties (higher first)."""
        index = index_names(names, rank)
        return cls(index.exact, index.affix, index.max_tokens)

    @classmethod
    def from_catalogue(cls, catalogue: NamesCatalogue, which: str) -> _Catalog:
        """The ``"entities"`` or ``"classes"`` names of a names catalogue file, looked up on demand."""
        return cls(catalogue.names(which), catalogue.affixes(which), catalogue.max_tokens(which))

    def fuzzy(self, query: str, threshold: float) -> list[tuple[str, float]]:
        """(name, score) of names similar to ``query``, best first (rapidfuzz's normalised Indel ratio, 0..1)."""
        q_toks = query.split()
        cands: set[str] = set()
        for tok in q_toks:
            cands.update(self.affix.get("^" + tok[:3], ()), self.affix.get(tok[-3:] + "$", ()))
        scored = []
        cutoff = 100.0 * threshold
        n = len(q_toks)
        for key in cands:
            score = fuzz.ratio(key, query, score_cutoff=cutoff) / 100.0
            k_toks = key.split()
            if len(k_toks) > n:  # the query may name part of the label ("Hathaway")
                for i in range(len(k_toks) - n + 1):
                    part = fuzz.ratio(" ".join(k_toks[i : i + n]), query) / 100.0
                    score = max(score, PARTIAL_DISCOUNT * part)
            if score >= threshold:
                scored.append((key, score))
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored

    def embedding(self, query: str, encoder: Encoder, threshold: float) -> list[tuple[str, float]]:
        """(name, cosine) of names whose embedding is close to the query's, best first.

        A catalogue of more than :data:`MAX_EMBEDDED_NAMES` names is not embedded (on the FB15k-237
        world's 74,385 WordNet class names it took 9 minutes and doubled the memory on the first
        question): the exact and fuzzy tiers then decide alone, and ``[]`` is returned.
        """
        if self._emb is None and len(self.exact) > MAX_EMBEDDED_NAMES:
            if not self._too_many_logged:
                self._too_many_logged = True
                logger.info(
                    "%d names: above MAX_EMBEDDED_NAMES (%d), the embedding tier of linking is off",
                    len(self.exact),
                    MAX_EMBEDDED_NAMES,
                )
            return []
        if self._emb is None:
            # every name is embedded once, by one thread, however many ask at the same time
            with self._emb_lock:
                if self._emb is None:
                    keys = list(self.exact)
                    vecs = np.asarray(encoder.encode(keys), dtype=np.float32)
                    self._emb_keys = keys
                    self._emb = vecs.reshape(len(keys), -1)  # set last: readers test it alone
                    logger.info("embedded %d names for linking", len(keys))
        keys, emb = self._emb_keys or [], self._emb
        if not keys:
            return []
        qv = np.asarray(encoder.encode([query]), dtype=np.float32).reshape(-1)
        sims = emb @ qv
        order = np.argsort(-sims)[:50]
        return [(keys[i], float(sims[i])) for i in order if sims[i] >= threshold]


class EntityLinker:
    """Links text to the entities (and classes) of a :class:`~kgqa.graph.kg.KnowledgeGraph`.

    Args:
        kg: the graph.
        encoder: optional sentence encoder for the embedding fallback of :meth:`resolve`.
        fuzzy_threshold: minimum rapidfuzz ratio (0..1) for a fuzzy match.
        embedding_threshold: minimum cosine for an embedding match.

    The thresholds default to :class:`~kgqa.config.PipelineConfig`'s ``linker_fuzzy_threshold`` and
    ``linker_embedding_threshold``; the pipeline passes its config's values.
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        encoder: Encoder | None = None,
        fuzzy_threshold: float = PipelineConfig.linker_fuzzy_threshold,
        embedding_threshold: float = PipelineConfig.linker_embedding_threshold,
    ) -> None:
        self.kg = kg
        self.encoder = encoder
        self.fuzzy_threshold = fuzzy_threshold
        self.embedding_threshold = embedding_threshold
        self._degrees: dict[str, int] = {}
        catalogue = kg.catalogue()
        if catalogue is not None:  # a large graph: names served from its catalogue file, nothing built here
            self.entities = _Catalog.from_catalogue(catalogue, "entities")
            self._vocabulary: Container[str] = catalogue.vocabulary
            self.classes = _Catalog.from_catalogue(catalogue, "classes")
            self._degree: Callable[[str], int] = catalogue.degree
        else:
            self._degree = kg.degree
            self.entities = _Catalog.from_names(self._names(kg.entities(), plurals=False), self._rank)
            # the graph's own vocabulary (class and property names): a lower-case "capital" in a text
            # that uses capitals elsewhere is the relation, not "Capital", an alias of "Das Kapital"
            self._vocabulary = {normalize(name) for iri in [*kg.classes(), *kg.properties()] for name in kg.labels(iri)}
            self.classes = _Catalog.from_names(self._names(kg.classes(), plurals=True), self._rank)

    def _rank(self, iri: str) -> float:
        if iri not in self._degrees:
            self._degrees[iri] = self._degree(iri)
        return self._degrees[iri]

    def _names(self, iris: Iterable[str], plurals: bool) -> list[tuple[str, str, bool]]:
        return name_entries(iris, self.kg.label, self.kg.labels, plurals)

    def _mention(
        self, iri: str, text: str, start: int, end: int, score: float, method: str, cands: tuple[Candidate, ...] = ()
    ) -> Mention:
        return Mention(text, start, end, iri, self.kg.label(iri), round(score, 4), method, cands)

    def candidates(self, hits: Iterable[tuple[str, str, float]]) -> tuple[Candidate, ...]:
        """``(iri, match, similarity)`` hits as :class:`Candidate` objects with their priors, best first.

        ``match`` is ``"label"``, ``"alias"``, ``"fuzzy"`` or ``"embedding"``; a node hit twice keeps its
        best prior. At most :data:`MAX_CANDIDATES` are kept.
        """
        found = list(hits)
        degrees = {iri: int(self._rank(iri)) for iri, _, _ in found}
        top = math.log1p(max(degrees.values(), default=0))
        best: dict[str, Candidate] = {}
        for iri, match, similarity in found:
            share = math.log1p(degrees[iri]) / top if top > 0 else 0.0
            prior = round(MATCH_PRIOR[match] * similarity + DEGREE_WEIGHT * share, 4)
            if iri not in best or best[iri].prior < prior:
                best[iri] = Candidate(iri, "", match, round(similarity, 4), degrees[iri], prior, None, prior)
        ranked = sorted(best.values(), key=lambda c: (-c.score, c.iri))[:MAX_CANDIDATES]
        return tuple(replace(c, label=self.kg.label(c.iri)) for c in ranked)

    def _exact_candidates(self, bucket: Sequence[tuple[str, bool]]) -> tuple[Candidate, ...]:
        # the bucket is sorted label first, then by degree: its head holds the best priors
        return self.candidates((iri, "label" if primary else "alias", 1.0) for iri, primary in bucket[:MAX_CANDIDATES])

    def link(
        self, text: str, relations: Sequence[str] = (), role: str | None = None, classes: bool = False
    ) -> list[Mention]:
        """The mentions of :meth:`find_mentions`, re-ranked by type fit to ``relations`` when given.

        See :func:`kgqa.graph.disambiguation.rerank`; ``role`` is the mentions' role in the relations.

        Example:
            >>> linker.link("Where was Paris born?", ["fb:people/person/place_of_birth"])  # doctest: +SKIP
        """
        from kgqa.graph.disambiguation import rerank

        mentions = self.find_mentions(text, classes=classes)
        if not relations:
            return mentions
        return rerank(mentions, relations, self.kg.graph_vocabulary(), role=role)

    def find_mentions(self, text: str, classes: bool = False) -> list[Mention]:
        """Longest non-overlapping exact matches of entity names in ``text``, left to right.

        Names made only of stop words are ignored, unless they are a title inside a cased text ("who
        directed Down to You"). In a cased text, a lower-case entity name right before a capitalised
        one describes it ("the film Blue Harvest") and is dropped, and so is a lower-case span whose names
        are all capitalised when the text capitalises another name
        (:func:`kgqa.graph.mention_case.lower_cased_name`), and so is a capitalised name that only opens a
        longer one (:func:`~kgqa.graph.mention_case.pieces_of_longer_names`: "Western" in "Western Wall"). An ambiguous name yields one mention, of
        its best candidate by prior (preferred label over alias, and the most connected node);
        ``mention.candidates`` lists the others with their score parts (:meth:`link` and
        :func:`~kgqa.graph.disambiguation.rerank` re-rank them by the relation asked about).

        Args:
            text: a sentence or question.
            classes: also link class names ("writer", "cities"); entities win ties.

        Returns:
            Mentions with character offsets into ``text``, in text order.
        """
        toks = tokens(text)
        cased = any(c.isupper() for c in text)
        catalogs = [self.entities, self.classes] if classes else [self.entities]
        longest = max(c.max_tokens for c in catalogs)
        out: list[tuple[Mention, bool]] = []
        i = 0
        while i < len(toks):
            found = None
            for n in range(min(longest, _MAX_NGRAM, len(toks) - i), 0, -1):
                words = [t for t, _, _ in toks[i : i + n]]
                surface = text[toks[i][1] : toks[i + n - 1][2]]
                if all(w in STOP_WORDS for w in words) and not (cased and titled(surface, n, None if i else text)):
                    continue
                if surface.islower() and cuts_compound(text, toks[i][1], toks[i + n - 1][2]):
                    continue
                key = " ".join(words)
                for cat in catalogs:
                    if cat is self.entities and cased and surface.islower() and key in self._vocabulary:
                        continue
                    if cat is self.entities and cased and key in cat.exact and self._relational(words, surface):
                        continue
                    if key in cat.exact:
                        found = (n, cat.exact[key], cat is self.entities)
                        break
                if found:
                    break
            if found:
                n, bucket, entity = found
                start, end = toks[i][1], toks[i + n - 1][2]
                cands = self._exact_candidates(bucket)
                out.append((self._mention(cands[0].iri, text[start:end], start, end, 1.0, "exact", cands), entity))
                i += n
            else:
                i += 1
        pieces = pieces_of_longer_names(text, [m for m, _ in out])
        return [
            m
            for k, (m, entity) in enumerate(out)
            if not (entity and cased and (describes_next(text, m, out[k + 1 :]) or lower_cased_name(text, m, out)))
            and not (entity and k in pieces)
        ]

    def _relational(self, words: Sequence[str], surface: str) -> bool:
        """Whether a span of a cased text is a description through the graph's vocabulary: "capital of Spain".

        Some graphs carry such descriptions as names (a WordNet lemma of Madrid is "capital of
        Spain"). Linked whole, "Wellington is the capital of Spain" reads as "Wellington is Madrid"
        and loses the relation the statement asserts. A span that starts in lower case with a name
        of the graph's own classes or properties, then "of", then an entity name, is left to its
        parts: the relation word and the entity. Capitalised titles ("Bank of Mara") stay whole, and so does
        a node's own label ("discovery of Mimas", an event named in lower case): only a span that is nothing
        but another name (an alias) of its nodes is left to its parts.
        """
        if not surface[:1].islower() or "of" not in words[1:-1]:
            return False
        if any(primary for _, primary in self.entities.exact[" ".join(words)]):
            return False
        j = words.index("of")
        return " ".join(words[:j]) in self._vocabulary and " ".join(words[j + 1 :]) in self.entities.exact

    def resolve(self, name: str, top_k: int = 5) -> list[Mention]:
        """Entities a phrase may name: exact, else fuzzy, else embedding matches, best first.

        Example:
            >>> linker.resolve("shakspeare")[0].label   # doctest: +SKIP
            'William Shakespeare'
        """
        return self._resolve(self.entities, name, top_k)

    def resolve_class(self, name: str, top_k: int = 5) -> list[Mention]:
        """Classes a phrase may name, singular or plural ("writers" -> the Writer class)."""
        return self._resolve(self.classes, name, top_k)

    def _resolve(self, cat: _Catalog, name: str, top_k: int) -> list[Mention]:
        if not isinstance(name, str):
            raise InputError(f"expected a name string, got {type(name).__name__}")
        if top_k < 1:
            raise InputError(f"top_k must be >= 1, got {top_k}")
        query = normalize(name)
        if not query:
            return []
        hits: dict[str, tuple[float, str]] = {}
        matches: list[tuple[str, str, float]] = []
        for iri, primary in cat.exact.get(query, ()):
            hits.setdefault(iri, (1.0, "exact"))
            matches.append((iri, "label" if primary else "alias", 1.0))
        tiers: list[tuple[str, Callable[[], list[tuple[str, float]]]]] = [
            ("fuzzy", lambda: cat.fuzzy(query, self.fuzzy_threshold)),
        ]
        if self.encoder is not None:
            encoder = self.encoder
            tiers.append(("embedding", lambda: cat.embedding(query, encoder, self.embedding_threshold)))
        for method, run in tiers:
            if hits:
                break
            for key, score in run():
                for iri, _ in cat.exact[key]:
                    matches.append((iri, method, score))
                    if iri not in hits or hits[iri][0] < score:
                        hits[iri] = (score, method)
        cands = self.candidates(matches)
        order = {c.iri: i for i, c in enumerate(cands)}
        ranked = sorted(hits.items(), key=lambda kv: (-kv[1][0], order.get(kv[0], len(order)), kv[0]))
        return [self._mention(iri, name, 0, len(name), score, method, cands) for iri, (score, method) in ranked[:top_k]]


__all__ = [
    "DEGREE_WEIGHT",
    "MAX_EMBEDDED_NAMES",
    "MATCH_PRIOR",
    "MAX_CANDIDATES",
    "STOP_WORDS",
    "TYPE_WEIGHT",
    "Candidate",
    "EntityLinker",
    "Mention",
    "NameIndex",
    "index_names",
    "name_entries",
    "normalize",
    "pluralize",
    "tokens",
]
