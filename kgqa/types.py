"""Typed results of kgqa and of its stages: passages, retrieval hits, reader spans, NLI records, evidence,
claims, premise checks and answers.

The dataclasses have ``to_dict()`` (and, where results are read back, ``from_dict()``)
so that a result can be written as JSON and read back unchanged. What each stage
needs of the others (a retriever, a reader, an NLI model) is in :mod:`kgqa.protocols`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.trace import Trace

#: verdicts of :class:`Answer`
VERDICTS = ("answered", "unverified", "contradicted", "premise_rejected", "no_answer")
#: statuses of :class:`PremiseCheck`
STATUSES = ("supported", "contradicted", "unknown")


@dataclass(frozen=True)
class Passage:
    """A passage of the corpus."""

    id: str
    text: str
    title: str = ""
    entities: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "title": self.title, "entities": list(self.entities)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Passage:
        return cls(str(d["id"]), str(d["text"]), str(d.get("title", "")), tuple(d.get("entities", ())))


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its cosine similarity ``score`` and 1-based ``rank``."""

    passage: Passage
    score: float
    rank: int

    def to_dict(self) -> dict[str, Any]:
        return {"passage": self.passage.to_dict(), "score": self.score, "rank": self.rank}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Hit:
        return cls(Passage.from_dict(d["passage"]), float(d["score"]), int(d["rank"]))


@dataclass(frozen=True)
class ReaderSpan:
    """One answer span found by the reader: ``text == passage_text[start:end]``.

    ``score`` is the span's start plus end logit; ``no_answer_score`` the passage's
    null (no-answer) score, on the same scale.
    """

    passage_id: str
    text: str
    start: int
    end: int
    score: float
    no_answer_score: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dict."""
        return asdict(self)


class NLIRecord(TypedDict):
    """One NLI check of a (passage, statement) pair, as the pipeline records it in the trace."""

    passage_id: str
    premise: str
    hypothesis: str
    #: ``entailment``, ``neutral`` and ``contradiction`` probabilities
    probs: dict[str, float]
    #: the most probable of the three
    label: str
    #: the same probabilities after the NLI model's calibration temperature (``probs`` where it has none);
    #: the decision thresholds read ``probs``
    calibrated: NotRequired[dict[str, float]]


@dataclass(frozen=True)
class Triple:
    """A graph fact with its provenance: IRIs, readable labels and the source graph file."""

    subject: str
    predicate: str
    object: str
    subject_label: str = ""
    predicate_label: str = ""
    object_label: str = ""
    source: str = ""
    inferred: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Triple:
        return cls(**d)

    def text(self) -> str:
        """``subject predicate object`` with labels."""
        return f"{self.subject_label or self.subject} {self.predicate_label or self.predicate} {self.object_label or self.object}"


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence for or against a claim or an answer.

    ``kind`` is ``passage`` (with ``passage_id``, ``text`` and the character span
    ``start``/``end`` of the answer or the relevant sentence), ``triple`` (one fact),
    ``path`` (a chain of facts, e.g. through the class hierarchy) or ``date``
    (a temporal comparison). ``stance`` is ``supports``, ``contradicts`` or ``neutral``.
    """

    kind: str
    stance: str
    text: str
    score: float = 0.0
    passage_id: str | None = None
    start: int | None = None
    end: int | None = None
    triples: tuple[Triple, ...] = ()
    nli: dict[str, float] | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["triples"] = [t.to_dict() for t in self.triples]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        d = dict(d)
        d["triples"] = tuple(Triple.from_dict(t) for t in d.get("triples", ()))
        return cls(**d)


@dataclass(frozen=True)
class Claim:
    """A statement reduced to ``(subject, relation, object)``, possibly negated.

    ``subject``/``object`` are entity IRIs when linked (else ``None``), with the
    surface text kept in ``subject_text``/``object_text``; ``relation`` is a property
    IRI, ``rdf:type`` for "X is a Y", or ``None`` when no relation matched.
    ``kind`` is ``fact``, ``type``, ``causal`` or ``temporal``.
    """

    text: str
    subject: str | None = None
    relation: str | None = None
    object: str | None = None
    negated: bool = False
    kind: str = "fact"
    subject_text: str = ""
    relation_text: str = ""
    object_text: str = ""
    literal: str | None = None
    reading: dict[str, Any] | None = None  # how a two-entity statement was read (kgqa.checks.readings)
    # the learned relation model's best properties for the statement, any score (kgqa.checks.readings.model_relations);
    # empty without a model
    model_relations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["model_relations"] = list(self.model_relations)  # as JSON holds it: from_dict(to_dict()) round-trips
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Claim:
        return cls(**{**d, "model_relations": tuple(d.get("model_relations", ()))})


@dataclass(frozen=True)
class PremiseCheck:
    """The verdict on one premise or claim."""

    text: str
    status: str
    confidence: float
    evidence: tuple[Evidence, ...] = ()
    claim: Claim | None = None
    source: str = "stated"  # "stated" (given by the user) or "presupposed" (from the question)
    correction: str | None = None
    rule: str = ""
    #: the rule's own score before calibration (``None``: not calibrated; ``confidence`` is then that score)
    rule_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "status": self.status,
            "confidence": self.confidence,
            "evidence": [e.to_dict() for e in self.evidence],
            "claim": self.claim.to_dict() if self.claim else None,
            "source": self.source,
            "correction": self.correction,
            "rule": self.rule,
            "rule_score": self.rule_score,
        }

    def _repr_html_(self) -> str:
        from kgqa.render import premise_page_html

        return premise_page_html(self)

    def __repr__(self) -> str:
        return f"PremiseCheck(text={self.text!r}, status={self.status!r}, confidence={self.confidence}, rule={self.rule!r})"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PremiseCheck:
        return cls(
            text=d["text"],
            status=d["status"],
            confidence=float(d["confidence"]),
            evidence=tuple(Evidence.from_dict(e) for e in d.get("evidence", ())),
            claim=Claim.from_dict(d["claim"]) if d.get("claim") else None,
            source=d.get("source", "stated"),
            correction=d.get("correction"),
            rule=d.get("rule", ""),
            rule_score=float(d["rule_score"]) if d.get("rule_score") is not None else None,
        )


@dataclass
class Answer:
    """The checked answer to one question.

    Attributes:
        question: the question as asked.
        answer: the answer text (``"yes"``/``"no"`` for yes/no questions), or ``None``.
        verdict: one of :data:`VERDICTS`.
        confidence: the calibrated probability that the verdict is right (see :mod:`kgqa.calibration`);
            the rule's own score when no calibrator is loaded.
        evidence: passages (with the character span of the answer) and facts behind it.
        premises: the check of every stated and presupposed premise.
        graph_facts: the triples used in the decision.
        alternative: with ``contradicted``, the answer the evidence supports instead.
        trace: the explanation trace (:class:`kgqa.trace.Trace`).
        rule_score: the deciding rule's own score before calibration (``None``: not calibrated).
    """

    question: str
    answer: str | None
    verdict: str
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)
    premises: list[PremiseCheck] = field(default_factory=list)
    graph_facts: list[Triple] = field(default_factory=list)
    alternative: str | None = None
    trace: Trace | None = None
    rule_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``answer``, ``verdict``, ``confidence``, ``evidence``, ``premises``, ``trace``, ..."""
        return {
            "question": self.question,
            "answer": self.answer,
            "verdict": self.verdict,
            "confidence": self.confidence,
            "rule_score": self.rule_score,
            "alternative": self.alternative,
            "evidence": [e.to_dict() for e in self.evidence],
            "premises": [p.to_dict() for p in self.premises],
            "graph_facts": [t.to_dict() for t in self.graph_facts],
            "trace": self.trace.to_dict() if self.trace is not None else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        """Inverse of :meth:`to_dict`."""
        from kgqa.trace import Trace

        return cls(
            question=d["question"],
            answer=d.get("answer"),
            verdict=d["verdict"],
            confidence=float(d["confidence"]),
            evidence=[Evidence.from_dict(e) for e in d.get("evidence", ())],
            premises=[PremiseCheck.from_dict(p) for p in d.get("premises", ())],
            graph_facts=[Triple.from_dict(t) for t in d.get("graph_facts", ())],
            alternative=d.get("alternative"),
            trace=Trace.from_dict(d["trace"]) if d.get("trace") else None,
            rule_score=float(d["rule_score"]) if d.get("rule_score") is not None else None,
        )

    def __repr__(self) -> str:
        return (
            f"Answer(question={self.question!r}, answer={self.answer!r}, verdict={self.verdict!r}, "
            f"confidence={self.confidence}, premises={[p.status for p in self.premises]})"
        )

    def _repr_html_(self) -> str:
        from kgqa.render import answer_html

        return answer_html(self)
