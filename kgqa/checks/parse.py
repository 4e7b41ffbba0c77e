"""Parsing a statement into a :class:`~kgqa.types.Claim` with the graph's linker and relation matcher."""

from __future__ import annotations

import logging
import re
from typing import Any

from kgqa.checks.claims import _CAUSAL, _TYPE, RDF_TYPE, find_date, strip_negation
from kgqa.checks.vocab import DEFAULT_VOCABULARY, Vocabulary
from kgqa.errors import InputError
from kgqa.types import Claim

logger = logging.getLogger(__name__)

MAX_CLAIM_CHARS = 2000
_ORDER = re.compile(
    r"^(?P<a>.+?)\s+(?:(?:was|were|is|are|had been)\s+)?"
    r"(?P<verb>born|died|published|written|invented|discovered|founded|happened|occurred|began|started|ended|"
    r"lived|came|took place)?\s*(?P<rel>before|after|earlier than|later than)\s+(?P<b>.+)$",
    re.I,
)
OWL_DATATYPE = "http://www.w3.org/2002/07/owl#DatatypeProperty"


def validate_text(text: Any, what: str = "question", max_chars: int = 10_000) -> str:
    """Return ``text`` stripped, or raise :class:`InputError` saying what is wrong and how to fix it."""
    if not isinstance(text, str):
        raise InputError(f"the {what} must be a string, not {type(text).__name__}")
    cleaned = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in text)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if not cleaned:
        raise InputError(f'the {what} is empty; pass some text, e.g. "Who wrote Hamlet?"')
    if len(cleaned) > max_chars:
        raise InputError(f"the {what} is {len(cleaned):,} characters long; the limit is {max_chars:,}: shorten it")
    return cleaned


class ClaimParser:
    """Turn statements into claims over a knowledge graph.

    Args:
        kg: a :class:`kgqa.graph.kg.KnowledgeGraph`.
        linker: its :class:`kgqa.graph.linking.EntityLinker`.
        relations: its :class:`kgqa.graph.relations.RelationMatcher`.
    """

    def __init__(self, kg: Any, linker: Any, relations: Any, vocab: Vocabulary = DEFAULT_VOCABULARY) -> None:
        self.kg = kg
        self.vocab = vocab
        self.linker = linker
        self.relations = relations

    # ------------------------------------------------------------------ helpers
    def resolve_entity(self, phrase: str) -> tuple[str | None, str]:
        """Best entity IRI for a noun phrase, and its label (or the phrase when unlinked)."""
        phrase = re.sub(r"^(the|a|an)\s+", "", phrase.strip(" .,;:!?'\""), flags=re.I)
        if not phrase:
            return None, ""
        mentions = self.linker.find_mentions(phrase)
        if mentions:
            best = max(mentions, key=lambda m: (m.end - m.start, m.score))
            if (best.end - best.start) >= 0.5 * len(phrase):
                return best.iri, best.label
        res = self.linker.resolve(phrase, top_k=1)
        if res:
            return res[0].iri, res[0].label
        return None, phrase

    def resolve_class(self, phrase: str) -> str | None:
        """Class IRI named by ``phrase`` ("a writer", "playwrights"), if any."""
        phrase = re.sub(r"^(a|an|the|one of the)\s+", "", phrase.strip(" .,;:!?"), flags=re.I)
        res = self.linker.resolve_class(phrase)
        if not res:
            return None
        first = res[0] if isinstance(res, (list, tuple)) else res
        return getattr(first, "iri", first)

    def _is_datatype(self, prop: str) -> bool:
        return any(
            True
            for _ in self.kg.facts(
                prop, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", OWL_DATATYPE, inferred=False
            )
        )

    def _orient(self, prop: str, subj: str, obj: str) -> tuple[str, str, str]:
        """Swap subject/object (or use the inverse) when the property's domain fits the object instead."""
        domains = [t.object for t in self.kg.facts(prop, "http://www.w3.org/2000/01/rdf-schema#domain", None)]
        if not domains:
            return prop, subj, obj
        fits_s = any(self.kg.is_instance(subj, d)[0] for d in domains)
        fits_o = any(self.kg.is_instance(obj, d)[0] for d in domains)
        if not fits_s and fits_o:
            inv = self.kg.inverse_of(prop)
            if inv:
                return inv, subj, obj
            return prop, obj, subj
        return prop, subj, obj

    # ------------------------------------------------------------------ parsing
    def parse(self, text: str) -> Claim:
        """Parse one statement.

        Example:
            >>> parser.parse("Shakespeare was not a writer.")  # doctest: +SKIP
            Claim(text='Shakespeare was not a writer.', subject='.../William_Shakespeare',
                  relation='...#type', object='...#Writer', negated=True, kind='type', ...)
        """
        original = validate_text(text, "claim", MAX_CLAIM_CHARS)
        body, negated = strip_negation(original.rstrip(".!"))

        for pattern, _ in _CAUSAL:
            m = pattern.match(body)
            if m:
                cause, cause_label = self.resolve_entity(m.group("cause"))
                effect, effect_label = self.resolve_entity(m.group("effect"))
                if cause or effect:
                    return Claim(
                        original,
                        cause,
                        self.vocab.causes,
                        effect,
                        negated,
                        "causal",
                        cause_label or m.group("cause"),
                        "caused",
                        effect_label or m.group("effect"),
                    )

        m = _ORDER.match(body)
        if m:
            a, a_label = self.resolve_entity(m.group("a"))
            b, b_label = self.resolve_entity(m.group("b"))
            if a and b and a != b:
                rel = "before" if m.group("rel").lower() in ("before", "earlier than") else "after"
                verb = (m.group("verb") or "").lower() or None
                return Claim(original, a, None, b, negated, "order", a_label, rel, b_label, literal=verb)

        date = find_date(body)
        mentions = [m for m in self.linker.find_mentions(body) if not date or m.end <= date[1] or m.start >= date[2]]

        m = _TYPE.match(body)
        if m and not date:
            cls = self.resolve_class(m.group("c"))
            if cls:
                subj, label = self.resolve_entity(m.group("s"))
                if subj:
                    return Claim(original, subj, RDF_TYPE, cls, negated, "type", label, "is a", m.group("c").strip())

        if date and mentions:
            subj_m = mentions[0]
            phrase = body[subj_m.end : date[1]].strip()
            for prop, _score in self.relations.match(phrase or "date", top_k=5):
                if self._is_datatype(prop):
                    return Claim(
                        original,
                        subj_m.iri,
                        prop,
                        None,
                        negated,
                        "temporal",
                        subj_m.label,
                        phrase,
                        date[0],
                        literal=date[0],
                    )
            return Claim(
                original, subj_m.iri, None, None, negated, "temporal", subj_m.label, phrase, date[0], literal=date[0]
            )

        if len(mentions) >= 2:
            subj_m, obj_m = mentions[0], mentions[-1]
            phrase = body[subj_m.end : obj_m.start].strip()
            tail = body[obj_m.end :].strip()
            candidates = self.relations.match(phrase, top_k=5) if phrase else []
            if not candidates and tail:
                candidates = self.relations.match(tail, top_k=5)
            for prop, _score in candidates:
                if self._is_datatype(prop):
                    continue
                prop, s, o = self._orient(prop, subj_m.iri, obj_m.iri)
                label_s = subj_m.label if s == subj_m.iri else obj_m.label
                label_o = obj_m.label if o == obj_m.iri else subj_m.label
                return Claim(original, s, prop, o, negated, "fact", label_s, phrase, label_o)
            return Claim(original, subj_m.iri, None, obj_m.iri, negated, "fact", subj_m.label, phrase, obj_m.label)
        if mentions:
            return Claim(
                original,
                mentions[0].iri,
                None,
                None,
                negated,
                "fact",
                mentions[0].label,
                body[mentions[0].end :].strip(),
            )
        return Claim(original, None, None, None, negated, "fact")
