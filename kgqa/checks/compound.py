"""Compound claims: conjunctions, negation scoped to one part, and nested relations, each part checked alone.

A statement that packs several claims is split into simple ones, each checked by the ordinary
premise checker, and the parts' statuses are combined:

- **negation scope**: "X, not Y, wrote Z" and "X wrote Z, not Y" are "X wrote Z" and the negation
  of "Y wrote Z"; the negation applies to the part it names, never to the whole sentence;
- **conjunction**: "X wrote A and B" and "X and Y wrote Z" are one claim per conjunct. A name that
  holds "and" ("Pride and Prejudice") is one entity when the entity linker knows it as one, and is
  not split;
- **nested relation**: "The author of Hamlet was born in ..." names an entity through a relation. The
  relation is matched from the noun ("author") by the graph's own relation names
  (:meth:`~kgqa.graph.relations.RelationMatcher.match`), followed from the entity ("Hamlet") to the
  entity it denotes, and the claim is checked on that entity. When the graph holds no such value the
  claim is ``unknown``: an unresolved description never contradicts anything.

A conjunction or a negation-scoped pair is contradicted when one part is, supported when every
part is, and unknown otherwise. A nested claim with several resolved entities (a work with two
authors) is supported when one reading is supported and contradicted only when every reading is.
Each part's check appears in the evidence (kind ``"claim"``, with its status, rule and evidence),
followed by the parts' own evidence.

The splitting is written here with regular expressions over the linker's mentions rather than a
parser: the shapes are few and fixed, and the mentions (from the graph's names) decide what is one
entity, which no general-purpose parser knows.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from kgqa.checks.claims import strip_negation, validate_text
from kgqa.checks.graph_check import stable_order
from kgqa.types import Evidence, Hit, PremiseCheck, Triple

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import EntityLinker, Mention
    from kgqa.graph.relations import RelationMatcher

logger = logging.getLogger(__name__)

#: ``(text, source, hits) -> PremiseCheck``: the checker a part is checked with
CheckFn = Callable[[str, str, Sequence[Hit] | None], PremiseCheck]

_NOT_BETWEEN = re.compile(r"^(?P<x>.+?),\s*(?:and\s+|but\s+)?not\s+(?P<y>[^,]+?),\s*(?P<rest>.+)$", re.I)
_NOT_AFTER = re.compile(r"^(?P<main>.+?),\s*(?:and\s+|but\s+)?not\s+(?P<y>[^,]+)$", re.I)
_CONNECTOR = re.compile(r"^\s*(?:,\s*(?:and\s+)?|and\s+|as well as\s+|&\s*)$", re.I)
_AND = re.compile(r"\b(?:and|as well as)\b|&", re.I)
# "the author of", "the place of birth of", "the capital city of": a lower-case noun phrase before "of"
_OF_BEFORE = re.compile(
    r"(?:^|(?<=\s))(?P<the>(?i:the)\s+)(?P<noun>[a-z][\w-]*(?:\s+(?:of\s+)?[a-z][\w-]*){0,2})\s+of\s+$"
)
# "Hamlet's author", "Shakespeare's birthplace"
_POSSESSIVE_AFTER = re.compile(r"^['’]s\s+(?P<noun>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,3})")
_VERBS = {"is", "was", "are", "were", "has", "had", "have", "did", "does", "do", "will", "would", "can", "could"}
_COPULA_BEFORE = re.compile(r"\b(?:is|was|are|were|be|been|being|not)\s*$", re.I)
# "<description> is Paris / 1894 / the city of ...": the description's value is what is stated ("... is a
# playwright" is a type claim about the entity described, and is resolved)
_IDENTITY_AFTER = re.compile(r"^\s+(?:is|was|are|were)\s+(?:not\s+)?(?:the\s+|[A-Z0-9])")
_WINDOW = 80  # characters around a mention searched for a nested description
_PLURAL_VERB = {"were": "was", "are": "is", "have": "has"}
_URI = ("http://", "https://", "urn:")
_OWL_DATATYPE = "http://www.w3.org/2002/07/owl#DatatypeProperty"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class Part:
    """One simple claim of a compound statement.

    Attributes:
        text: the simple statement, as checked.
        negated: the compound asserts the part's negation ("not Y" in "X, not Y, wrote Z").
        role: ``"conjunct"``, ``"negation_scope"`` or ``"nested"``.
    """

    text: str
    negated: bool = False
    role: str = "conjunct"


@dataclass(frozen=True)
class Resolution:
    """A nested description ("the author of Hamlet") resolved through the graph."""

    phrase: str
    start: int
    end: int
    relation: str
    facts: tuple[Triple, ...]


@dataclass(frozen=True)
class Split:
    """How a statement splits: its parts and how their statuses combine (``"all"`` or ``"any"``)."""

    kind: str
    parts: tuple[Part, ...]
    combine: str = "all"
    resolution: Resolution | None = None


class CompoundClaims:
    """Split compound statements into simple claims and combine their checks.

    Args:
        kg: the knowledge graph.
        linker: its entity linker (finds what is one entity).
        relations: its relation matcher (reads the noun of a nested description).
        check: ``(text, source, hits) -> PremiseCheck`` for one part (the premise checker's check).
        max_depth: how many compound layers are split at most ("the author of X wrote A and B" is two).
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        linker: EntityLinker,
        relations: RelationMatcher,
        check: CheckFn,
        max_depth: int = 3,
    ) -> None:
        self.kg = kg
        self.linker = linker
        self.relations = relations
        self._check_part = check
        self.max_depth = max_depth
        self._local = threading.local()  # the split depth, per thread (checks may run concurrently)

    # ------------------------------------------------------------------ splitting
    def split(self, text: str) -> Split | None:
        """The parts of a compound statement, or ``None`` for a simple one.

        Example:
            >>> [p.text for p in compound.split("Charles Dickens, not Jane Austen, wrote Emma.").parts]  # doctest: +SKIP
            ['Charles Dickens wrote Emma', 'Jane Austen wrote Emma']
        """
        body = text.strip().rstrip(".!").strip()
        if not body or body.endswith("?"):
            return None
        return self._negation_scope(body) or self._conjunction(body) or self._nested(body)

    def _is_entity(self, phrase: str) -> bool:
        """Whether the linker links ``phrase`` (an article dropped) to one entity as a whole."""
        phrase = re.sub(r"^(?:the|a|an)\s+", "", phrase.strip(" ,.;:"), flags=re.I)
        mentions = self.linker.find_mentions(phrase)
        return bool(mentions) and mentions[0].start == 0 and mentions[0].end >= len(phrase)

    def _negation_scope(self, body: str) -> Split | None:
        m = _NOT_BETWEEN.match(body)
        if m and self._is_entity(m.group("y")) and not strip_negation(m.group("x"))[1]:
            rest = m.group("rest")
            return Split(
                "negation_scope",
                (
                    Part(f"{m.group('x').strip()} {rest}", False, "negation_scope"),
                    Part(f"{m.group('y').strip()} {rest}", True, "negation_scope"),
                ),
            )
        m = _NOT_AFTER.match(body)
        if m and self._is_entity(m.group("y")):
            main = m.group("main").strip()
            mentions = self.linker.find_mentions(main)
            if len(mentions) >= 2 and not strip_negation(main)[1]:
                # "X wrote Z, not Y": Y stands in for whichever of X and Z it is the same kind of thing as
                swap = self._contrasted(m.group("y"), mentions[0], mentions[-1])
                other = f"{main[: swap.start]}{m.group('y').strip()}{main[swap.end :]}"
                return Split(
                    "negation_scope",
                    (Part(main, False, "negation_scope"), Part(other, True, "negation_scope")),
                )
        return None

    def _contrasted(self, phrase: str, first: Mention, last: Mention) -> Mention:
        """Which of ``first`` and ``last`` the entity named by ``phrase`` contrasts with.

        The one sharing more classes with it (from ``rdf:type`` and the class hierarchy); the last
        (the nearer) on a tie, as in an untyped graph.
        """
        found = self.linker.find_mentions(phrase.strip())
        if not found:
            return last
        mine = set(self.kg.types(found[0].iri))
        shared_first = len(mine & set(self.kg.types(first.iri)))
        shared_last = len(mine & set(self.kg.types(last.iri)))
        return first if shared_first > shared_last else last

    def _conjunction(self, body: str) -> Split | None:
        if not _AND.search(body) or strip_negation(body)[1]:
            return None  # "X did not write A and B" leaves the scope of "not" open: not split
        mentions = self.linker.find_mentions(body)
        i = 0
        while i < len(mentions) - 1:
            run = [mentions[i]]
            joined_by_and = False
            j = i
            while j + 1 < len(mentions):
                gap = body[mentions[j].end : mentions[j + 1].start]
                if not _CONNECTOR.match(gap):
                    break
                joined_by_and = joined_by_and or bool(_AND.search(gap))
                run.append(mentions[j + 1])
                j += 1
            if len(run) >= 2 and joined_by_and and not self._is_entity(body[run[0].start : run[-1].end]):
                return Split("conjunction", tuple(self._conjunct(body, run, m) for m in run))
            i = j + 1
        return None

    @staticmethod
    def _conjunct(body: str, run: list[Mention], one: Mention) -> Part:
        before, after = body[: run[0].start], body[run[-1].end :]
        if not before.strip():  # a conjoined subject: "X and Y were born in ..." -> "X was born in ..."
            words = after.split(maxsplit=1)
            if words and words[0].lower() in _PLURAL_VERB:
                after = " " + _PLURAL_VERB[words[0].lower()] + (f" {words[1]}" if len(words) > 1 else "")
        return Part(f"{before}{one.text}{after}".strip(), False, "conjunct")

    def _object_property(self, prop: str) -> bool:
        return not self.kg.facts(prop, _RDF_TYPE, _OWL_DATATYPE, inferred=False)

    def _relation_for(self, noun: str) -> list[str]:
        """Object properties the noun names by one of the graph's own relation names (after stemming).

        Only exact name matches count, and none when the noun names a datatype property ("date of
        birth" names a date, not an entity, though it shares "birth" with "place of birth").
        """
        exact = [p for p, score in self.relations.match(noun, top_k=3) if score >= 1.0] if noun else []
        if not exact or not self._object_property(exact[0]):
            return []
        return [p for p in exact if self._object_property(p)]

    def _nested(self, body: str) -> Split | None:
        if " of " not in body and "'s " not in body and "’s " not in body:
            return None
        for m in self.linker.find_mentions(body):
            # a bounded window before the mention: a description is a few words, and a search over the
            # whole prefix for every mention would be quadratic in the length of the text
            lo = max(0, m.start - _WINDOW)
            if lo:  # the window starts at a word
                space = body.find(" ", lo, m.start)
                lo = space + 1 if space >= 0 else m.start
            found = _OF_BEFORE.search(body[lo : m.start])
            if found and not _COPULA_BEFORE.search(body[max(0, lo + found.start() - 12) : lo + found.start()]):
                noun, start, end = found.group("noun"), lo + found.start(), m.end
            else:
                poss = _POSSESSIVE_AFTER.match(body[m.end : m.end + _WINDOW])
                if not poss or _COPULA_BEFORE.search(body[max(0, m.start - 12) : m.start]):
                    continue
                # "Shakespeare's place of birth was ...": the longest run of words before the verb that
                # names a relation ("place of birth"), else the shortest ("birthplace")
                words = []
                for w in poss.group("noun").split():
                    if w.lower() in _VERBS:
                        break
                    words.append(w)
                noun = next(
                    (" ".join(words[:n]) for n in range(len(words), 0, -1) if self._relation_for(" ".join(words[:n]))),
                    "",
                )
                start = m.start
                end = m.end + poss.start("noun") + len(noun)
            props = self._relation_for(noun)
            if not props or _IDENTITY_AFTER.match(body[end:]):
                # "The capital of France is Paris" states the relation itself: the claim parser reads it
                continue
            for prop in props:
                facts = [t for t in stable_order(self.kg.facts(m.iri, prop, None)) if t.object.startswith(_URI)]
                if facts:
                    resolution = Resolution(body[start:end], start, end, prop, tuple(facts))
                    parts = tuple(
                        Part(f"{body[:start]}{self.kg.label(t.object)}{body[end:]}".strip(), False, "nested")
                        for t in facts
                    )
                    return Split("nested", parts, "any", resolution)
            return Split("nested", (), "any", Resolution(body[start:end], start, end, props[0], ()))
        return None

    # ------------------------------------------------------------------ checking
    def check(self, text: str, source: str = "stated", hits: Sequence[Hit] | None = None) -> PremiseCheck | None:
        """The combined check of a compound statement, or ``None`` when ``text`` is a simple claim."""
        text = validate_text(text, "claim", max_chars=None)
        depth = getattr(self._local, "depth", 0)
        if depth >= self.max_depth:
            return None
        split = self.split(text)
        if split is None:
            return None
        self._local.depth = depth + 1
        try:
            checks = [self._check_part(p.text, source, None if p.role == "nested" else hits) for p in split.parts]
        finally:
            self._local.depth = depth
        checks = [negate(c) if p.negated else c for p, c in zip(split.parts, checks, strict=True)]
        return combine(text, source, split, checks, self.kg)


def negate(check: PremiseCheck) -> PremiseCheck:
    """The check of a part's negation: supported and contradicted swap, evidence stances flip."""
    flip = {"supports": "contradicts", "contradicts": "supports"}
    status = {"supported": "contradicted", "contradicted": "supported"}.get(check.status, check.status)
    evidence = tuple(replace(e, stance=flip.get(e.stance, e.stance)) for e in check.evidence)
    correction = None
    if status == "contradicted":
        correction = "; ".join(t.text() for e in check.evidence for t in e.triples[:1]) or None
    return replace(check, status=status, evidence=evidence, correction=correction)


def _part_evidence(part: Part, check: PremiseCheck) -> Evidence:
    stance = {"supported": "supports", "contradicted": "contradicts"}.get(check.status, "neutral")
    return Evidence(
        "claim",
        stance,
        f"not ({part.text})" if part.negated else part.text,
        float(check.confidence),
        triples=tuple(t for e in check.evidence for t in e.triples),
        detail={
            "rule": part.role,
            "status": check.status,
            "part_rule": check.rule,
            "negated": part.negated,
            "evidence": [e.to_dict() for e in check.evidence],
        },
    )


def combine(text: str, source: str, split: Split, checks: list[PremiseCheck], kg: KnowledgeGraph) -> PremiseCheck:
    """One check for the whole statement from its parts' checks (see the module docstring)."""
    statuses = [c.status for c in checks]
    if split.combine == "all":
        if "contradicted" in statuses:
            status = "contradicted"
        elif statuses and all(s == "supported" for s in statuses):
            status = "supported"
        else:
            status = "unknown"
    elif "supported" in statuses:
        status = "supported"
    elif statuses and all(s == "contradicted" for s in statuses):
        status = "contradicted"
    else:
        status = "unknown"
    deciding = [c for c in checks if c.status == status]
    if status == "unknown":
        confidence = 0.0
    elif status == "contradicted" and split.combine == "all":
        confidence = max(c.confidence for c in deciding)
    else:
        confidence = min(c.confidence for c in deciding)
    evidence: list[Evidence] = []
    rule = f"compound_{split.kind}"
    if split.resolution is not None:
        res = split.resolution
        label = kg.label(res.relation)
        if res.facts:
            evidence += [
                Evidence(
                    "triple",
                    "neutral",
                    t.text(),
                    1.0,
                    triples=(t,),
                    detail={"rule": "nested_relation", "phrase": res.phrase, "relation": res.relation},
                )
                for t in res.facts
            ]
        else:
            rule = "nested_unresolved"
            evidence.append(
                Evidence(
                    "path",
                    "neutral",
                    f"the graph holds no {label} for {res.phrase!r}",
                    0.0,
                    detail={"rule": "nested_unresolved", "phrase": res.phrase, "relation": res.relation},
                )
            )
    evidence += [_part_evidence(p, c) for p, c in zip(split.parts, checks, strict=True)]
    for c in checks:
        evidence += [e for e in c.evidence if e not in evidence]
    if checks and deciding and status != "unknown":
        rule = f"{rule}:{deciding[0].rule}"
    correction = next((c.correction for c in deciding if c.correction), None) if status == "contradicted" else None
    claim = deciding[0].claim if deciding else (checks[0].claim if checks else None)
    return PremiseCheck(
        text=text,
        status=status,
        confidence=round(float(confidence), 4),
        evidence=tuple(evidence),
        claim=claim,
        source=source,
        correction=correction,
        rule=rule,
    )


__all__ = ["CompoundClaims", "Part", "Resolution", "Split", "combine", "negate"]
