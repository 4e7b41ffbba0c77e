"""Checking a claim against the knowledge graph: facts, types, disjointness, functional properties, dates."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kgqa.checks.claims import RDF_TYPE
from kgqa.checks.vocab import DEFAULT_VOCABULARY, Vocabulary
from kgqa.types import Claim, Evidence, Triple

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.dates import KGDate
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.link_model import LinkModel

logger = logging.getLogger(__name__)


@dataclass
class GraphVerdict:
    """The graph's view on a claim (before negation is applied)."""

    holds: bool | None  # True: the graph entails it; False: the graph refutes it; None: unknown
    confidence: float
    rule: str
    evidence: list[Evidence] = field(default_factory=list)
    correction: str | None = None
    facts: list[Triple] = field(default_factory=list)


def _fact_key(t: Triple) -> tuple[bool, str, str, str, str, str, str]:
    return (
        t.inferred,
        (t.object_label or t.object).casefold(),
        t.object,
        (t.subject_label or t.subject).casefold(),
        t.subject,
        t.predicate,
        t.source,
    )


def stable_order(facts: list[Triple]) -> list[Triple]:
    """``facts`` in an order every graph backend agrees on: asserted first, then by value, then by subject.

    :meth:`KnowledgeGraph.facts` lists several values in file order for a graph loaded in
    memory and in index order for one opened from a store; whatever cites "the first" of
    them, or the first few, sorts them with this so that both cite the same facts.
    """
    return sorted(facts, key=_fact_key)


def dated_facts(kg: KnowledgeGraph, iri: str, prop: str) -> list[tuple[Triple, KGDate]]:
    """The facts ``iri prop ?`` whose value reads as a date, with the date, earliest first.

    A fact cited for a date is the one that holds that date, not the first value of the
    property (which may be another date, or no date at all).
    """
    from kgqa.graph.dates import parse_date

    out = []
    for t in stable_order(kg.facts(iri, prop, None)):
        found = parse_date(t.object) if not t.object.startswith(("http://", "https://")) else None
        if found is not None:
            out.append((t, found))
    return sorted(out, key=lambda x: x[1]._key())


def path_text(triples: list[Triple]) -> str:
    """Chains read as ``A —p→ B —q→ C``; a triple that does not continue the chain starts a new one."""
    if not triples:
        return ""
    parts: list[str] = []
    prev_object: str | None = None
    for t in triples:
        pred = t.predicate_label or t.predicate.rsplit("#", 1)[-1]
        if t.subject != prev_object:
            if parts:
                parts.append(";")
            parts.append(t.subject_label or t.subject)
        parts.append(f"—{pred}→ {t.object_label or t.object}")
        prev_object = t.object
    return " ".join(parts).replace(" ;", ";")


class GraphChecker:
    """Decide claims from a :class:`kgqa.graph.kg.KnowledgeGraph`.

    ``link_model`` (optional, :class:`kgqa.graph.link_model.LinkModel` of this graph) lets a claimed value
    of a mostly single-valued relation be refuted when the graph holds another value and the model finds
    the claimed one implausible (rule ``implausible_value``).
    """

    def __init__(
        self, kg: KnowledgeGraph, vocab: Vocabulary = DEFAULT_VOCABULARY, link_model: LinkModel | None = None
    ) -> None:
        self.kg = kg
        self.vocab = vocab
        self.link_model = link_model

    def label(self, iri: str | None) -> str:
        return self.kg.label(iri) if iri else ""

    def _containers(self, place: str, depth: int = 3) -> list[list[Triple]]:
        """Chains place -country-> X -continent-> Y: each prefix is a containment path."""
        paths: list[list[Triple]] = []
        frontier: list[list[Triple]] = [[]]
        current = [place]
        for _ in range(depth):
            nxt_paths, nxt = [], []
            for node, path in zip(current, frontier, strict=True):
                for prop in self.vocab.containment:
                    for t in stable_order(self.kg.facts(node, prop, None)):
                        p = [*path, t]
                        paths.append(p)
                        nxt_paths.append(p)
                        nxt.append(t.object)
            current, frontier = nxt, nxt_paths
            if not current:
                break
        return paths

    def check(self, claim: Claim) -> GraphVerdict:
        """The graph's verdict on ``claim`` ignoring its negation (the caller applies it)."""
        if claim.subject is None or (claim.relation is None and claim.kind != "type"):
            return GraphVerdict(None, 0.0, "not_linked")
        if claim.kind == "type" and claim.object:
            return self._check_type(claim)
        if claim.kind == "temporal" and claim.literal and claim.relation:
            return self._check_date(claim)
        if claim.relation and claim.object:
            return self._check_fact(claim)
        return GraphVerdict(None, 0.0, "incomplete_claim")

    # ------------------------------------------------------------------ types
    def _check_type(self, claim: Claim) -> GraphVerdict:
        ok, path = self.kg.is_instance(claim.subject, claim.object)
        if ok:
            ev = Evidence(
                "path", "supports", path_text(path), 1.0, triples=tuple(path), detail={"rule": "type_hierarchy"}
            )
            return GraphVerdict(True, 0.97, "type_hierarchy", [ev], facts=list(path))
        for t in sorted(self.kg.types(claim.subject, inferred=False)):
            dis, why = self.kg.disjoint(t, claim.object)
            if dis:
                type_fact = self.kg.facts(claim.subject, RDF_TYPE, t, inferred=False)
                path = [*type_fact, *why]
                ev = Evidence(
                    "path",
                    "contradicts",
                    path_text(path),
                    1.0,
                    triples=tuple(path),
                    detail={"rule": "disjoint_classes"},
                )
                types = ", ".join(self.label(x) for x in sorted(self.kg.types(claim.subject, inferred=False)))
                return GraphVerdict(
                    False,
                    0.95,
                    "disjoint_classes",
                    [ev],
                    correction=f"{self.label(claim.subject)} is a {types}",
                    facts=path,
                )
        return GraphVerdict(None, 0.0, "type_unknown")

    # ------------------------------------------------------------------ facts
    def _check_fact(self, claim: Claim) -> GraphVerdict:
        s, p, o = claim.subject, claim.relation, claim.object
        direct = stable_order(self.kg.facts(s, p, o))
        if direct:
            ev = Evidence(
                "triple", "supports", direct[0].text(), 1.0, triples=tuple(direct[:1]), detail={"rule": "fact_in_graph"}
            )
            return GraphVerdict(True, 0.97 if not direct[0].inferred else 0.95, "fact_in_graph", [ev], facts=direct[:1])
        values = stable_order(self.kg.facts(s, p, None))
        # a place claim holds when the graph's place lies inside the claimed one (Stratford in England)
        for v in values:
            for path in self._containers(v.object):
                if path[-1].object == o:
                    chain = [v, *path]
                    ev = Evidence(
                        "path",
                        "supports",
                        path_text(chain),
                        0.9,
                        triples=tuple(chain),
                        detail={"rule": "place_containment"},
                    )
                    return GraphVerdict(True, 0.9, "place_containment", [ev], facts=chain)
        # a relation read below the matcher's threshold (kgqa.checks.readings: a "weak" reading) confirms
        # what the graph holds but refutes nothing by rule: only a fact sentence read against the claim may
        if claim.reading is not None and claim.reading.get("weak"):
            return GraphVerdict(None, 0.0, "fact_unknown")
        # a functional property's other value excludes the claimed one (declared, or inferred with care)
        excluded = self._functional_exclusion(s, p, o, values)
        if excluded is not None:
            return excluded
        # the inverse is functional: "Port Vell is the capital of Norland" vs Norland's one capital
        inv_f = self.kg.inverse_of(p)
        if inv_f and self.kg.graph_vocabulary().functional(inv_f) is not None:
            held = stable_order(self.kg.facts(o, inv_f, None))
            excluded = self._functional_exclusion(o, inv_f, s, held)
            if excluded is not None:
                return excluded
        implausible = self._implausible_value(s, p, o, values)
        if implausible is not None:
            return implausible
        # closed world for a work's creators: Harry Potter's author is known, and it is not Shakespeare
        inv = self.kg.inverse_of(p)
        for prop, holder, claimed in ((inv, o, s), (p, s, o)):
            if not prop or prop not in self.vocab.closed_inverse:
                continue
            listed = stable_order(self.kg.facts(holder, prop, None))
            if listed and all(t.object != claimed for t in listed):
                known = ", ".join(t.object_label or self.label(t.object) for t in listed)
                ev = Evidence(
                    "triple",
                    "contradicts",
                    listed[0].text(),
                    0.9,
                    triples=tuple(listed[:3]),
                    detail={"rule": "known_creators", "claimed": self.label(claimed)},
                )
                pl = listed[0].predicate_label or "by"
                return GraphVerdict(
                    False,
                    0.85,
                    "known_creators",
                    [ev],
                    correction=f"{self.label(holder)}: {pl} {known}",
                    facts=listed[:3],
                )
        # domain/range violations through disjoint classes ("Shakespeare was born in Hamlet"); not for a reading
        # in which neither entity has the relation and the classes fit neither way (kgqa.checks.readings tier
        # "none"): that says the relation was misread ("lies in" matched by spelling to "died in"), not that
        # the statement is false
        if claim.reading is not None and claim.reading.get("tier") == "none":
            return GraphVerdict(None, 0.0, "fact_unknown")
        for role, node, key in (
            ("domain", s, "http://www.w3.org/2000/01/rdf-schema#domain"),
            ("range", o, "http://www.w3.org/2000/01/rdf-schema#range"),
        ):
            for d in stable_order(self.kg.facts(p, key, None, inferred=False)):
                for t in sorted(self.kg.types(node, inferred=False)):
                    dis, why = self.kg.disjoint(t, d.object)
                    if dis:
                        path = [*self.kg.facts(node, RDF_TYPE, t, inferred=False), d, *why]
                        ev = Evidence(
                            "path",
                            "contradicts",
                            path_text(path),
                            0.9,
                            triples=tuple(path),
                            detail={"rule": f"{role}_violation"},
                        )
                        return GraphVerdict(False, 0.85, f"{role}_violation", [ev], facts=path)
        return GraphVerdict(None, 0.0, "fact_unknown")

    def _functional_exclusion(self, holder: str, prop: str, claimed: str, values: list[Triple]) -> GraphVerdict | None:
        """A contradiction when ``prop`` is functional and ``holder`` has only other values than ``claimed``.

        A declared functional property contradicts when no value of the holder may be the claimed
        thing (:func:`~kgqa.graph.vocabulary.may_be_same`: same IRI, ``owl:sameAs``, or names that
        agree, "Edinburgh" and "Edinburgh, Scotland"). One inferred from the data (open world: the
        graph may simply lack the claimed value) contradicts only under stricter conditions: the
        claimed value is an entity, shares a class with a value the graph holds, and no value may
        be it. Literal values of an inferred one never contradict ("5 million" vs "5000000").
        The evidence records whether the property was declared or inferred, with its counts.
        """
        from kgqa.graph.vocabulary import may_be_same

        if not values:
            return None
        functional = self.kg.graph_vocabulary().functional(prop)
        if functional is None or any(may_be_same(self.kg, v.object, claimed) for v in values):
            return None
        if not functional.declared and not self._same_kind(claimed, values):
            return None
        known = ", ".join(v.object_label or self.label(v.object) for v in values)
        detail = {"rule": "functional_property", "claimed": self.label(claimed), "functional": functional.to_dict()}
        ev = Evidence(
            "triple",
            "contradicts",
            values[0].text(),
            1.0 if functional.declared else 0.85,
            triples=tuple(values[:3]),
            detail=detail,
        )
        return GraphVerdict(
            False,
            0.92 if functional.declared else 0.8,
            "functional_property",
            [ev],
            correction=f"{self.label(holder)} {values[0].predicate_label or 'is'} {known}",
            facts=values[:3],
        )

    def _implausible_value(self, s: str, p: str, o: str, values: list[Triple]) -> GraphVerdict | None:
        """A contradiction from the link model: the graph holds other values, and the claimed one is implausible.

        Tried on each side of the claim the model speaks for (the subject's values of ``p``, or the
        object's subjects of ``p`` read as an inverse), only where the graph holds values for that side,
        none of them may be the claimed one, and no other fact links the claimed value to the holder:
        a missing fact alone never contradicts. The evidence
        names the values held, the rank share of the claimed value among the relation's values, the
        model's threshold and the false-alarm rate it measured on held-out true facts. Where the model's rank
        share is under its threshold, the second judge stored with it (:mod:`kgqa.graph.short_paths`) may still
        call the value implausible: ranked low enough for that judge, and tied to the holder by no node of few
        facts (``detail["short_path"]``).
        """

        if not o.startswith(("http://", "https://", "urn:")):
            return None
        for holder, claimed, held, inverse in ((s, o, values, False), (o, s, None, True)):
            found = self.implausible_side(holder, p, claimed, inverse, held)
            if found is None:
                continue
            held = found.pop("held")
            names = ", ".join(
                (t.subject_label if inverse else t.object_label) or self.label(t.subject if inverse else t.object)
                for t in held
            )
            detail = {"rule": "implausible_value", "claimed": self.label(claimed), **found}
            ev = Evidence(
                "triple",
                "contradicts",
                held[0].text(),
                1.0 - found["model"]["threshold"],
                triples=tuple(held[:3]),
                detail=detail,
            )
            return GraphVerdict(
                False,
                0.75,
                "implausible_value",
                [ev],
                correction=f"the graph gives {self.label(holder)}: {names}",
                facts=held[:3],
            )
        return None

    def implausible_side(
        self, holder: str, p: str, claimed: str, inverse: bool, held: list[Triple] | None = None
    ) -> dict[str, Any] | None:
        """The link model's case that ``claimed`` is an implausible value of ``p`` for ``holder``, or ``None``.

        ``inverse``: ``holder`` is the object of ``p`` and ``claimed`` its subject. ``held``: the holder's
        facts of ``p`` when already read. ``None`` unless the model speaks for that relation direction, the
        graph holds values for the holder, none of them may be the claimed one, no fact links the claimed
        value to the holder, and the model (or its short-path judge) finds the value implausible; else
        ``{"model": ..., "short_path": ... (when that judge decided), "held": the holder's facts}``.
        """
        from kgqa.graph.link_model import relation_key
        from kgqa.graph.vocabulary import may_be_same

        model = self.link_model
        if model is None or not model.eligible(p, inverse):
            return None
        if held is None:
            held = stable_order(self.kg.facts(None, p, holder) if inverse else self.kg.facts(holder, p, None))
        known = [t.subject if inverse else t.object for t in held]
        if not known or any(may_be_same(self.kg, k, claimed) for k in known):
            return None
        judged = model.plausibility(holder, p, claimed, known, inverse)
        if judged is None or self._linked(holder, claimed):
            return None
        out: dict[str, Any] = {"model": judged.to_dict()}
        if not judged.implausible:  # the second judge: ranked low, and no short path ties it to the holder
            paths = model.short_paths
            untied = (
                paths.untied(self.kg, holder, relation_key(p, inverse), claimed, judged.rank_share) if paths else None
            )
            if untied is None:
                return None
            out["short_path"] = untied
        out["held"] = held
        return out

    def _linked(self, a: str, b: str) -> bool:
        """Whether the graph states any fact between ``a`` and ``b``, either way round.

        A value the graph lacks for one relation is often linked to the holder by another (a film's
        co-director who also wrote it); such a value is never called implausible.
        """
        return bool(self.kg.facts(a, None, b, inferred=False) or self.kg.facts(b, None, a, inferred=False))

    def _same_kind(self, claimed: str, values: list[Triple]) -> bool:
        """Whether ``claimed`` is an entity sharing an asserted class with one of ``values`` (both typed)."""
        if not claimed.startswith(("http://", "https://", "urn:")):
            return False
        vocab = self.kg.graph_vocabulary()
        mine = set(vocab.asserted_types(claimed))
        if not mine:
            return False
        return any(mine & set(vocab.asserted_types(v.object)) for v in values if v.object.startswith(("http", "urn:")))

    # ------------------------------------------------------------------ dates
    def _check_date(self, claim: Claim) -> GraphVerdict:
        """A date claim holds when one of the graph's dates for it says at least as much and agrees.

        The graph's date and the claimed one are compared at the precision they share
        (:meth:`KGDate.overlaps`). A claim no more precise than the graph's date holds when they agree
        ("born in 1564" against 1564-04-23). A claim more precise than every agreeing graph date
        ("born on 24 May 1564" against the year 1564 alone) is ``unknown``: the graph cannot confirm the
        day, and the open world forbids refuting it. The claim is refuted when no graph date may be the
        claimed one (another year, or another month or day where the graph holds one). The cited fact is
        the agreeing one; when none agrees, the earliest date is cited against the claim.
        """
        from kgqa.graph.dates import parse_date

        dated = dated_facts(self.kg, claim.subject, claim.relation)
        claimed = parse_date(claim.literal)
        if not dated or claimed is None:
            return GraphVerdict(None, 0.0, "date_unknown")
        order = ("year", "month", "day")
        same = [
            (t, d)
            for t, d in dated
            if d.overlaps(claimed) and order.index(d.precision) >= order.index(claimed.precision)
        ]
        vaguer = [(t, d) for t, d in dated if d.overlaps(claimed) and (t, d) not in same]
        fact, known = (same or vaguer or dated)[0]
        stance = "supports" if same else ("neutral" if vaguer else "contradicts")
        rule = "date_less_precise" if not same and vaguer else "date_value"
        ev = Evidence(
            "date",
            stance,
            fact.text(),
            1.0,
            triples=(fact,),
            detail={"rule": rule, "graph": str(known), "claimed": claim.literal, "graph_precision": known.precision},
        )
        if same:
            return GraphVerdict(True, 0.95, "date_value", [ev], facts=[fact])
        if vaguer:
            return GraphVerdict(None, 0.0, "date_less_precise", [ev], facts=[fact])
        return GraphVerdict(False, 0.9, "date_value", [ev], correction=fact.text(), facts=[fact])
