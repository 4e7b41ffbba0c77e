"""How a relation reads in English, from its label or from the IRI path its label copies.

Graphs built from schema paths label a property with its path's words ("team coach team" for
``.../team/coach/team``). :func:`path_phrase` reads such a label back as the phrase it stands for
("coach": the subject is the object's coach); :func:`phrase_from_words` tells a verb
("wrote"), a passive or state ("influenced by", "located in") and a noun ("place of birth") apart.
The fact-sentence renderer (:mod:`kgqa.checks.fact_sentences`) builds sentences from these phrases, and
:func:`kgqa.graph.relation_text.property_text` adds the phrase to a path-copying label's names.

Hand-written over ``lemminflect``'s lemmas: no library reads a property label's part of speech.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lemminflect import getAllLemmas, getInflection

PREPOSITIONS = frozenset({"by", "of", "in", "to", "from", "at", "on", "with", "for", "as", "into", "about", "within"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def words_of(text: str) -> list[str]:
    """Lower-case words of a label or IRI segment (``_``, ``-``, ``.`` and camelCase separate them)."""
    return [w.lower() for w in re.split(r"[_\-.\s]+", _CAMEL.sub(" ", text)) if w]


@dataclass(frozen=True)
class RelationPhrase:
    """How a relation reads in a sentence.

    Attributes:
        text: the words ("place of birth", "wrote", "influenced by", "coach").
        form: ``verb`` ("S wrote O"), ``passive`` ("S was influenced by O"), ``state`` ("S is located in O"),
            ``noun`` ("the place of birth of S is O"), ``noun_prep`` ("S is the capital of O") or
            ``role`` ("S is the coach of O": the subject's role towards the object, read off an IRI path).
    """

    text: str
    form: str


def _verb_form(first: str, single_word: bool, ends_with_prep: bool) -> str | None:
    """``"past_participle"``, ``"finite"`` or ``None`` (not read as a verb) for the first word of a label.

    A word with a noun reading is read as a noun ("borders", "films", "award") unless a preposition
    ends the label ("married to"); a longer label without one is a noun phrase ("featured locations").
    """
    lemmas = getAllLemmas(first)
    verb = lemmas.get("VERB") or lemmas.get("AUX")
    if not verb or verb[0] == first:
        return None  # not a verb, or its bare form ("award", "place"): read as a noun
    if not ends_with_prep and (lemmas.get("NOUN") or not single_word):
        return None
    participles = getInflection(verb[0], tag="VBN") or ()
    return "past_participle" if first in participles else "finite"


def _singular(words: list[str]) -> list[str]:
    """``words`` with the last one in its singular form where it is a plural noun ("films" -> "film")."""
    noun = getAllLemmas(words[-1]).get("NOUN")
    return [*words[:-1], noun[0]] if noun else words


def phrase_from_words(words: list[str]) -> RelationPhrase:
    """The :class:`RelationPhrase` of a label's words (see :class:`RelationPhrase` for the forms)."""
    last = words[-1]
    kind = _verb_form(words[0], len(words) == 1, last in PREPOSITIONS)
    text = " ".join(words)
    if kind == "past_participle" and last in PREPOSITIONS:
        return RelationPhrase(text, "passive" if last == "by" else "state")
    if kind is not None:
        return RelationPhrase(text, "verb")
    if last in PREPOSITIONS and len(words) > 1:
        return RelationPhrase(text, "noun_prep")
    return RelationPhrase(" ".join(_singular(words)), "noun")


def path_phrase(iri: str, label: str) -> RelationPhrase | None:
    """The phrase of a label copied from the IRI's path ("team coach team" for ``.../team/coach/team``).

    Such a label is the path's last segments joined, and those segments are the property's path. Its
    first three segments (up to the first one ending in ``.``, which marks a compound path through an
    intermediate node) read ``domain/kind/relation``; when the relation repeats the domain, the property
    lists the domain's things the subject stands to as its kind: "S is the coach of O". Otherwise the
    last segment names the relation.
    """
    segments = [s for s in re.split(r"[/#]", iri.split("://", 1)[-1])[1:] if s]
    words = words_of(label)
    for k in range(len(segments), 1, -1):
        if [w for s in segments[-k:] for w in words_of(s)] == words:
            path = segments[-k:]
            break
    else:
        return None
    last = words_of(path[-1])
    if not last:
        return None
    end = next((i for i, seg in enumerate(path) if seg.endswith(".")), len(path) - 1)
    head = path[: end + 1]
    if len(head) == 3:
        domain, kind, rel = (words_of(x) for x in head)
        # through an intermediate node, the relation must lead back to the domain too ("film. ... film")
        if domain and kind and rel == domain and last == domain:
            return RelationPhrase(" ".join(kind), "role")
    return phrase_from_words(last)


__all__ = ["PREPOSITIONS", "RelationPhrase", "path_phrase", "phrase_from_words", "words_of"]
