"""What a graph says about its properties, as text: labels, alternative labels, descriptions and IRI phrases.

A property's texts are its ``rdfs:label``/``skos:prefLabel`` and ``skos:altLabel`` values, its description
(``rdfs:comment``, ``skos:definition``, ``dcterms:description``, ``schema:description``) and, where the graph
gives no label or only the IRI itself, a phrase read off the IRI: ``/org/company/founded_by`` gives
"founded by" and ``headQuarter`` gives "head quarter". Opaque identifiers (``X42``, ``m.0abc12``, a UUID)
give no phrase.

Example:
    >>> iri_phrase("http://example.org/ns/org/company/founded_by")
    'founded by'
    >>> iri_phrase("http://example.org/ontology/headQuarter")
    'head quarter'
    >>> iri_phrase("http://example.org/prop/X42") is None
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from rdflib.namespace import OWL, RDF, RDFS, SKOS

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph

#: the W3C vocabularies whose properties are structure, not relations a question asks about
VOCABULARIES = tuple(str(ns) for ns in (RDF, RDFS, OWL, SKOS))
#: predicates whose values name a property
NAME_PREDICATES = (str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel))
#: predicates whose values describe a property
DESCRIPTION_PREDICATES = (
    str(RDFS.comment),
    str(SKOS.definition),
    "http://purl.org/dc/terms/description",
    "http://schema.org/description",
    "https://schema.org/description",
)
#: longest description kept (characters): a relation's gist, not a paragraph
MAX_DESCRIPTION_CHARS = 160

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_OPAQUE = re.compile(
    r"^(?:[A-Za-z]{0,2}\d[\w.-]*|[mg]\.[0-9a-z_]+|[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12})$",
    re.I,
)
_WORD = re.compile(r"[A-Za-z]{2,}")


def _local_part(iri: str) -> str:
    """The IRI's last segment after ``#``, ``/`` or ``:`` (a trailing separator ignored)."""
    return re.split(r"[#/:]", iri.strip().rstrip("/#"))[-1]


def iri_phrase(iri: str) -> str | None:
    """A phrase read off a property IRI's local name, or ``None`` when the name is an opaque identifier.

    Underscores, hyphens and dots separate words and camelCase is split (``headQuarter`` -> "head quarter");
    the result is lower-cased. A name without a word of two letters, or one shaped like an identifier
    (``X42``, ``Q5``, ``m.0abc12``, a UUID), gives ``None``.

    Args:
        iri: the property IRI.
    """
    if not isinstance(iri, str):
        return None
    local = _local_part(iri)
    if not local or _OPAQUE.match(local):
        return None
    words = re.split(r"[_\-.\s]+", _CAMEL.sub(" ", local))
    words = [w.lower() for w in words if w]
    if not words or not any(_WORD.fullmatch(w) for w in words):
        return None
    return " ".join(words)


def is_iri_like(label: str, iri: str) -> bool:
    """Whether ``label`` says no more than the IRI: empty, the IRI itself, or its local name as an identifier.

    A local name that is already a plain word ("author") is a real name; ``founded_by`` or ``headQuarter``
    copied into the label is not.
    """
    text = label.strip()
    if not text or text == iri:
        return True
    return text == _local_part(iri) and iri_phrase(iri) != text


@dataclass(frozen=True)
class RelationText:
    """The texts of one property.

    Attributes:
        iri: the property.
        names: its labels and alternative labels, the preferred label first, without repeats.
        descriptions: its descriptions (cut to :data:`MAX_DESCRIPTION_CHARS`).
        iri_phrase: the phrase read off the IRI (:func:`iri_phrase`), or ``None``.
    """

    iri: str
    names: tuple[str, ...] = ()
    descriptions: tuple[str, ...] = ()
    iri_phrase: str | None = None
    labelled: bool = field(default=True)

    @property
    def texts(self) -> tuple[str, ...]:
        """Every text that may name the property: names, the IRI phrase (when unlabelled) and descriptions."""
        out = dict.fromkeys(n for n in self.names if n)
        if self.iri_phrase and not self.labelled:
            out.setdefault(self.iri_phrase, None)
        out.update(dict.fromkeys(d for d in self.descriptions if d))
        return tuple(out)

    @property
    def name_texts(self) -> tuple[str, ...]:
        """The names, or the IRI phrase when the graph gives no real name."""
        names = tuple(n for n in self.names if n)
        if not self.labelled and self.iri_phrase:
            return (*names, self.iri_phrase) if names else (self.iri_phrase,)
        return names


def make_relation_text(iri: str, names: Iterable[str], descriptions: Iterable[str] = ()) -> RelationText:
    """Build a :class:`RelationText` from raw values; IRI-like names are dropped in favour of the IRI phrase."""
    kept = [n.strip() for n in dict.fromkeys(names) if isinstance(n, str) and not is_iri_like(n, iri)]
    descs = [
        " ".join(d.split())[:MAX_DESCRIPTION_CHARS].strip()
        for d in dict.fromkeys(descriptions)
        if isinstance(d, str) and d.strip()
    ]
    phrase = iri_phrase(iri)
    return RelationText(iri, tuple(kept), tuple(descs), phrase, labelled=bool(kept))


def property_text(kg: KnowledgeGraph, prop: str) -> RelationText:
    """The texts the graph gives for one property (asserted facts only)."""
    names: list[str] = []
    for pred in NAME_PREDICATES:
        names += kg.objects(prop, pred, inferred=False)
    descriptions: list[str] = []
    for pred in DESCRIPTION_PREDICATES:
        descriptions += kg.objects(prop, pred, inferred=False)
    return with_path_phrases(make_relation_text(prop, names, descriptions))


def with_path_phrases(text: RelationText) -> RelationText:
    """``text`` with the phrase each path-copying name stands for added after its names.

    A graph built from IRI paths labels ``.../team/coach/team`` "team coach team", which names the
    domain twice and the relation not at all; :func:`kgqa.graph.relation_phrase.path_phrase` reads it
    as "coach" (the subject is the object's coach), and that role becomes a name too, so that a
    question or claim saying "coached" can be matched to it. Other names are left alone: a
    path label that does not repeat its domain ends in the relation's own words.
    """
    from kgqa.graph.relation_phrase import path_phrase

    extra = []
    for name in text.names:
        phrase = path_phrase(text.iri, name)
        # only a role names what the label does not: other path labels end in the relation's own words
        if phrase is not None and phrase.form == "role" and phrase.text not in text.names:
            extra.append(phrase.text)
    if not extra:
        return text
    return replace(text, names=(*text.names, *dict.fromkeys(extra)))


def relation_texts(kg: KnowledgeGraph) -> dict[str, RelationText]:
    """The texts of every declared property of ``kg`` outside the RDF/RDFS/OWL/SKOS vocabularies, by IRI."""
    return {prop: property_text(kg, prop) for prop in kg.properties() if not prop.startswith(VOCABULARIES)}


__all__ = [
    "DESCRIPTION_PREDICATES",
    "NAME_PREDICATES",
    "VOCABULARIES",
    "RelationText",
    "iri_phrase",
    "is_iri_like",
    "make_relation_text",
    "property_text",
    "relation_texts",
    "with_path_phrases",
]
