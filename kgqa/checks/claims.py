"""The claim parser: a statement as a :class:`~kgqa.types.Claim` (subject, relation, object), and text validation.

The parser is deliberately simple and transparent: it finds entity mentions with
the graph's entity linker, reads the words between them as the relation phrase,
and maps that phrase to a property with the relation matcher (its name match, else its learned
model scoring the claim with the subject mention marked). Type statements
("X is a Y"), causal statements ("X caused Y", "Y happened because of X"), order
statements ("X was born before Y"), dated statements ("X was born in 1564") and
negation are recognised by patterns.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from kgqa.checks.presuppositions import undo_do_support
from kgqa.checks.readings import choose_reading, local_relation, model_relations, noun_of, worded_alike
from kgqa.checks.vocab import DEFAULT_VOCABULARY, Vocabulary
from kgqa.errors import InputError
from kgqa.types import Claim

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher

logger = logging.getLogger(__name__)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

_NEG = re.compile(r"\b(not|never|no longer)\b|n't\b", re.IGNORECASE)
_YEAR = re.compile(
    r"(?<![\w-])(?P<bce>-)?(?P<year>\d{1,4})(?:-(?P<month>\d{2})-(?P<day>\d{2}))?(?:\s*(?P<era>BC|BCE|AD|CE))?\b"
)
_CAUSAL = [
    # the passive first: the active pattern reads "Y was caused by X" as "(Y was) caused (by X)"
    (
        re.compile(
            r"^(?P<effect>.+?)\s+(?:was|were|is|are)\s+(?:caused|triggered|brought about)\s+by\s+(?P<cause>.+)$", re.I
        ),
        False,
    ),
    (
        re.compile(
            r"^(?P<cause>.+?)\s+(?:caused|causes|cause|led to|leads to|lead to|resulted in|results in|"
            r"brought about|triggered|gave rise to|was the cause of|were the cause of)\s+(?P<effect>.+)$",
            re.I,
        ),
        False,
    ),
    (
        re.compile(
            r"^(?P<effect>.+?)\s+(?:happened|occurred|began|started|ended|came about|took place)?\s*"
            r"(?:because of|due to|as a result of|owing to)\s+(?P<cause>.+)$",
            re.I,
        ),
        False,
    ),
    (re.compile(r"^(?:because of|due to|as a result of)\s+(?P<cause>.+?),\s*(?P<effect>.+)$", re.I), False),
]
# "S is a C": everything after S is word characters, spaces and hyphens (see _type_parts)
_TYPE_REST = re.compile(r"\s+(?:is|was|are|were)\s+(?:(?:a|an|the|one of the)\s+)?(?P<c>[\w\s\-]+?)$", re.I)
_TYPE_CHARS = re.compile(r"[\w\s\-]*")
# "the origin of X", "X's origin": a subject that describes an entity through a relation; "<it> is Sri Lanka"
# states that relation's value (a fact claim), never that X is of class "Sri Lanka"
# (the noun in lower case: "The Lord of the Rings" is a name)
_DESCRIBED = (
    re.compile(r"^\s*(?:the|The)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}\s+of\s"),
    re.compile(r"['’]s\s+[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}\s*$"),
)
_ORDER = re.compile(
    r"^(?P<a>.+?)\s+(?:(?:was|were|is|are|had been)\s+)?"
    r"(?P<verb>born|died|published|written|invented|discovered|founded|happened|occurred|began|started|ended|"
    r"lived|came|took place)?\s*(?P<rel>before|after|earlier than|later than)\s+(?P<b>.+)$",
    re.I,
)
OWL_DATATYPE = "http://www.w3.org/2002/07/owl#DatatypeProperty"


def _negation_in_name(name: str) -> bool:
    """Whether a linked name of several words, capitalised, holds a negation word ("Cats Don't Sing")."""
    return name[:1].isupper() and " " in name and bool(_NEG.search(name))


def strip_negation(text: str, names: Sequence[tuple[int, int]] = ()) -> tuple[str, bool]:
    """``(text without the negation, negated?)``: "did not write" becomes "write".

    ``names``: ``(start, end)`` spans of names, left as they are: the "n't" of a title such as
    "Cats Don't Sing" negates nothing.
    """
    cuts = sorted((a, b) for a, b in names if 0 <= a < b <= len(text))
    pieces: list[tuple[str, bool]] = []  # (piece, is a name)
    at = 0
    for a, b in cuts:
        if a >= at:
            pieces += [(text[at:a], False), (text[a:b], True)]
            at = b
    pieces.append((text[at:], False))
    negated = any(not name and _NEG.search(piece) for piece, name in pieces)
    out = []
    for piece, name in pieces:
        if not name:
            piece = _NEG.sub("", piece)
            piece = re.sub(r"\b(did|does|do)\s+(?=\w)", "", piece) if negated else piece
        out.append(piece)
    return re.sub(r"\s+", " ", "".join(out)).strip(), negated


_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        (
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        )
    )
    for name in names.split()
}
_MONTH = r"(?P<mname>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
# "24 May 1564", "May 24, 1564", "the 24th of May 1564", "May 1564" (English month names)
_WORD_DATE = re.compile(
    r"(?<![\w-])(?:(?:the\s+)?(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?"
    + _MONTH
    + r"|"
    + _MONTH.replace("mname", "m2")
    + r"(?:\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?)?)\s+(?P<wyear>\d{1,4})(?:\s*(?P<wera>BC|BCE|AD|CE)\b)?(?!\w)",
    re.IGNORECASE,
)


def _word_date(text: str, named: Callable[[int, int], bool]) -> tuple[str, int, int] | None:
    """The first date written with an English month name in ``text``, outside names (see :func:`find_date`)."""
    from kgqa.graph.dates import KGDate

    for m in _WORD_DATE.finditer(text):
        if named(m.start(), m.end()):
            continue
        month = _MONTHS[(m.group("mname") or m.group("m2")).lower()]
        if len(m.group("wyear")) < 3 and not m.group("wera"):
            continue  # "September 11 attacks": a day, not the year 11
        day_text = m.group("d1") or m.group("d2")
        year = int(m.group("wyear")) * (-1 if (m.group("wera") or "").upper() in ("BC", "BCE") else 1)
        try:
            date = KGDate(year, month, int(day_text) if day_text else None)
        except InputError:
            continue  # "31 February": not a date
        return date.isoformat(), m.start(), m.end()
    return None


def find_date(text: str, names: Sequence[tuple[int, int]] = ()) -> tuple[str, int, int] | None:
    """The first date in ``text`` as ``(literal, start, end)``: the ISO form of what it says, no more precise.

    A day and month written out ("24 May 1564", "May 24, 1564", "May 1564") give ``1564-05-24`` and
    ``1564-05``; a year alone or an ISO date is read as written; BCE years become ``-0044``.
    ``names``: ``(start, end)`` spans of linked names; a date inside a longer name is part of the name
    ("1972 Summer Olympics"), not a date the statement gives.
    """

    def named(start: int, end: int) -> bool:
        return any(a <= start and end <= b and b - a > end - start for a, b in names)

    worded = _word_date(text, named)
    if worded is not None:
        return worded
    for m in _YEAR.finditer(text):
        if named(m.start(), m.end()):
            continue
        year = int(m.group("year"))
        if m.group("era") is None and not m.group("month") and not (100 <= year <= 2100 and len(m.group("year")) >= 3):
            continue
        bce = m.group("bce") or (m.group("era") or "").upper() in ("BC", "BCE")
        lit = f"{'-' if bce else ''}{year:04d}"
        if m.group("month"):
            lit += f"-{m.group('month')}-{m.group('day')}"
        return lit, m.start(), m.end()
    return None


def _type_parts(body: str) -> tuple[str, str] | None:
    """``(subject, class phrase)`` of a statement "S is a C", or ``None``, in time linear in its length.

    S is the shortest non-empty prefix after which the rest reads "is/was/are/were [a|an|the] C"
    with C made of word characters, spaces and hyphens only. So S cannot end before the last other
    character, and the search starts there: a regex anchored at the start retried every "is" and
    scanned to that character each time, quadratic in the length (9 s at 40,000 characters).
    """
    tail = len(body) - _TYPE_CHARS.match(body[::-1]).end()
    m = _TYPE_REST.search(body, max(tail, 1))
    return (body[: m.start()], m.group("c")) if m else None


def _described(subject: str) -> bool:
    """Whether the subject of "S is C" describes an entity through a relation ("the origin of X", "X's origin").

    The noun must be written in lower case: "The Lord of the Rings" is a name, not a description.
    """
    return any(p.search(subject) for p in _DESCRIBED)


def validate_text(text: Any, what: str = "question", max_chars: int | None = 10_000) -> str:
    """Return ``text`` stripped, or raise :class:`InputError` saying what is wrong and how to fix it.

    Control characters become spaces and runs of whitespace one space; ``max_chars`` (``None``: no
    limit) applies to the result.
    """
    if not isinstance(text, str):
        raise InputError(f"the {what} must be a string, not {type(text).__name__}")
    cleaned = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in text)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if not cleaned:
        raise InputError(f'the {what} is empty; pass some text, e.g. "Who wrote Hamlet?"')
    if max_chars is not None and len(cleaned) > max_chars:
        key = f" (PipelineConfig.max_{what}_chars)" if what in ("question", "premise", "claim") else ""
        raise InputError(f"the {what} is {len(cleaned):,} characters long; the limit is {max_chars:,}{key}: shorten it")
    return cleaned


class ClaimParser:
    """Turn statements into claims over a knowledge graph.

    Args:
        kg: a :class:`kgqa.graph.kg.KnowledgeGraph`.
        linker: its :class:`kgqa.graph.linking.EntityLinker`.
        relations: its :class:`kgqa.graph.relations.RelationMatcher`.
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        linker: EntityLinker,
        relations: RelationMatcher,
        vocab: Vocabulary = DEFAULT_VOCABULARY,
    ) -> None:
        self.kg = kg
        self.vocab = vocab
        self.linker = linker
        self.relations = relations

    # ------------------------------------------------------------------ helpers
    def resolve_entity(self, phrase: str) -> tuple[str | None, str]:
        """Best entity IRI for a noun phrase, and its label (or the phrase when unlinked).

        A name that starts with an article ("The Prince", "The Hague") links as written first; only
        without such an exact name is the article dropped.
        """
        whole = phrase.strip(" .,;:!?'\"")
        exact = [m for m in self.linker.resolve(whole, top_k=1) if m.method == "exact"] if whole else []
        if exact and re.match(r"(the|a|an)\s", whole, flags=re.I):
            return exact[0].iri, exact[0].label
        phrase = re.sub(r"^(the|a|an)\s+", "", whole, flags=re.I)
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
        return res[0].iri if res else None

    def _is_datatype(self, prop: str) -> bool:
        return any(
            True
            for _ in self.kg.facts(
                prop, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", OWL_DATATYPE, inferred=False
            )
        )

    def _relation_noun(self, m: re.Match[str]) -> bool:
        """Whether a causal match is a relational noun the graph names ("X is a cause of death of Y").

        "X is a cause of Y" states a cause. When the words after "cause of" up to a later "of" complete a
        property's own phrase (:func:`~kgqa.checks.fact_sentences.relation_phrase`: a "cause of death"),
        the statement is "X is a W of Y" over that property.
        """
        from kgqa.checks.fact_sentences import relation_phrase
        from kgqa.graph.relation_phrase import phrase_from_words, words_of

        before = m.string[: m.end("cause")]
        if not re.search(r"\s(?:a|an|the)$", before, flags=re.I) or "effect" not in m.groupdict():
            return False
        body = m.string[m.end("cause") :].strip()
        words = body.split()
        if len(words) < 3 or words[0].lower() != "cause" or words[1].lower() != "of":
            return False
        for end in range(len(words) - 1, 2, -1):  # the longest name first: "cause of death" before "cause"
            if words[end].lower() != "of":
                continue
            noun = phrase_from_words(words_of(" ".join(words[:end]))).text
            if any(relation_phrase(self.kg, prop).text == noun for prop, _ in self.relations.match(noun, top_k=3)):
                return True
        return False

    # ------------------------------------------------------------------ parsing
    def parse(self, text: str) -> Claim:
        """Parse one statement.

        Example:
            >>> parser.parse("Shakespeare was not a writer.")  # doctest: +SKIP
            Claim(text='Shakespeare was not a writer.', subject='.../William_Shakespeare',
                  relation='...#type', object='...#Writer', negated=True, kind='type', ...)
        """
        original = validate_text(text, "claim", max_chars=None)
        body = original.rstrip(".!")
        found = self.linker.find_mentions(body) if _NEG.search(body) else []
        titled = [(m.start, m.end) for m in found if _negation_in_name(body[m.start : m.end])]
        body, negated = strip_negation(body, titled)
        body = undo_do_support(body)

        for pattern, _ in _CAUSAL:
            m = pattern.match(body)
            if m and not self._relation_noun(m):
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

        linked = self.linker.find_mentions(body)
        date = find_date(body, [(m.start, m.end) for m in linked])
        mentions = [m for m in linked if not date or m.end <= date[1] or m.start >= date[2]]

        parts = _type_parts(body)
        # a copula inside a linked name ("... directed A Star Is Born") is the name's, not the statement's
        if parts and any(m.start < len(parts[0]) < m.end for m in linked):
            parts = None
        if parts and not date and not _described(parts[0]):
            cls = self.resolve_class(parts[1])
            if cls:
                subj, label = self.resolve_entity(parts[0])
                if subj:
                    return Claim(original, subj, RDF_TYPE, cls, negated, "type", label, "is a", parts[1].strip())

        if date and mentions:
            subj_m = mentions[0]
            phrase = body[subj_m.end : date[1]].strip()
            found = (
                self.relations.match_text(body, subj_m.start, subj_m.end, phrase=phrase, top_k=5)
                if phrase
                else self.relations.match("date", top_k=5)
            )
            for prop, _score in found:
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
            candidates = (
                self.relations.match_text(body, subj_m.start, subj_m.end, phrase=phrase, top_k=5) if phrase else []
            )
            if not candidates and tail:
                candidates = self.relations.match(tail, top_k=5)
            # the relation, its direction and the entities read together: a graph that merges vocabularies has
            # several "born in"s and several "Somalia"s, and only one reading holds their facts (kgqa.checks.readings)
            ranked = model_relations(self.kg, self.relations.model, body, subj_m)
            local = local_relation(self.kg, ranked, subj_m, obj_m)
            alike = worded_alike(self.kg, [p for p, _ in candidates[:3]] + ranked[:3], subj_m, obj_m)
            reading = choose_reading(
                self.kg,
                subj_m,
                obj_m,
                candidates,
                skip=self._is_datatype,
                weak=([local] if local else []) + alike,
                loose=ranked,
                noun=noun_of(phrase),
            )
            if reading is not None:
                return Claim(
                    original,
                    reading.subject,
                    reading.relation,
                    reading.object,
                    negated,
                    "fact",
                    reading.subject_label,
                    phrase,
                    reading.object_label,
                    reading=reading.to_dict(),
                    model_relations=tuple(ranked),
                )
            return Claim(
                original,
                subj_m.iri,
                None,
                obj_m.iri,
                negated,
                "fact",
                subj_m.label,
                phrase,
                obj_m.label,
                model_relations=tuple(ranked),
            )
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
