"""The premise checker: a statement is ``supported``, ``contradicted`` or ``unknown``, with its evidence.

A premise is parsed into a claim, checked against the graph (facts, types,
disjoint classes, functional properties, dates), against the causal/temporal
rules, and against retrieved passages with the NLI model. The graph decides when
it can (it is curated); passages decide otherwise, and any disagreement lowers
the confidence and is kept in the evidence.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from kgqa.budget import Budget
from kgqa.checks.claims import ClaimParser
from kgqa.checks.compound import CompoundClaims
from kgqa.checks.fact_sentences import FactJudgement, FactSentenceJudge
from kgqa.checks.graph_check import GraphChecker, GraphVerdict
from kgqa.checks.numeric import ComparativeClaims
from kgqa.checks.temporal import TemporalChecker
from kgqa.checks.vocab import DEFAULT_VOCABULARY, Vocabulary
from kgqa.config import PipelineConfig
from kgqa.graph.linking import STOP_WORDS, normalize
from kgqa.protocols import NLIPredictor, Retrieve
from kgqa.reader.calibrated import calibrated_probs, label_probs
from kgqa.text import split_sentences
from kgqa.types import Claim, Evidence, Hit, PremiseCheck

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.link_model import LinkModel
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher

logger = logging.getLogger(__name__)

#: sentences in a window that must repeat a passage's stance (the sentence and the one before it)
WINDOW_SENTENCES = 2


def sentence_windows(text: str, size: int = WINDOW_SENTENCES) -> list[str]:
    """Each sentence of ``text`` with the ``size - 1`` sentences before it; none for a one-sentence text.

    Example:
        >>> sentence_windows("A rose. It is red. Grass is green.")
        ['A rose.', 'A rose. It is red.', 'It is red. Grass is green.']
        >>> sentence_windows("One sentence only.")
        []
    """
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return []
    return [" ".join(sentences[max(0, i - size + 1) : i + 1]) for i in range(len(sentences))]


def confirmed(evidence: Evidence, label: str) -> float:
    """The probability of ``label`` for a passage, confirmed by its best sentence window where one was read.

    A whole paragraph read against a short claim entails or contradicts it on topic overlap
    alone (a paragraph about the U.S. dollar "entailing" that a territory uses the euro); the
    stance counts only as far as one window of :data:`WINDOW_SENTENCES` sentences also says it.
    """
    if not evidence.nli:
        return 0.0
    window = evidence.detail.get("sentence_window") or {}
    return min(evidence.nli[label], window.get(label, 1.0))


def _merge(graph: GraphVerdict, temporal: GraphVerdict | None) -> GraphVerdict:
    """Combine the graph's and the temporal checker's verdicts; a refutation wins, evidence is pooled."""
    if temporal is None:
        return graph
    if temporal.holds is False and graph.holds is not True:
        return GraphVerdict(
            False,
            max(temporal.confidence, graph.confidence),
            temporal.rule if graph.holds is None else f"{graph.rule}+{temporal.rule}",
            graph.evidence + temporal.evidence,
            graph.correction or temporal.correction,
            graph.facts + temporal.facts,
        )
    if graph.holds is None and temporal.holds is True:
        return GraphVerdict(True, temporal.confidence, temporal.rule, temporal.evidence, None, temporal.facts)
    return GraphVerdict(
        graph.holds,
        graph.confidence,
        graph.rule,
        graph.evidence + temporal.evidence,
        graph.correction,
        graph.facts + temporal.facts,
    )


class PremiseChecker:
    """Check premises and claims against the graph and the passages.

    Args:
        kg: the knowledge graph.
        linker: the entity linker over ``kg``.
        relations: the relation matcher over ``kg``.
        nli: an NLI model such as :class:`kgqa.reader.nli.NLIModel` (or ``None`` to skip passages).
        retrieve: ``(text, top_k) -> list[Hit]`` for passage evidence (or ``None``).
        top_k: passages read with the NLI model per claim.
        posthumous_years: how long after a person's death works may still be attributed to them.
        vocab: the property IRIs the checkers reason with.
        entail_threshold: the NLI entailment probability from which passages support a claim.
        contradict_threshold: the NLI contradiction probability from which passages refute a claim.
        min_relevance: the retrieval cosine from which a passage is evidence for a claim about no
            linked entity.
        fact_entail_threshold, fact_contradict_threshold, fact_single_valued_share, fact_two_sided_share: when
            a graph fact read as a sentence supports or refutes a claim the graph rules left unknown
            (:mod:`kgqa.checks.fact_sentences`; ``fact_two_sided_share`` ``None``: no two-sided refutation).
        fact_budget, nli_pair_budget: facts read around the claim's entities and sentences judged.
        link_model: the graph's :class:`~kgqa.graph.link_model.LinkModel`, or ``None`` (rule ``implausible_value``).

    The defaults are :class:`~kgqa.config.PipelineConfig`'s; the pipeline passes its config's values.
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        linker: EntityLinker,
        relations: RelationMatcher,
        nli: NLIPredictor | None = None,
        retrieve: Retrieve | None = None,
        top_k: int = PipelineConfig.nli_k,
        posthumous_years: int = PipelineConfig.posthumous_years,
        vocab: Vocabulary = DEFAULT_VOCABULARY,
        entail_threshold: float = PipelineConfig.entail_threshold,
        contradict_threshold: float = PipelineConfig.contradict_threshold,
        min_relevance: float = PipelineConfig.min_passage_relevance,
        fact_entail_threshold: float = PipelineConfig.fact_entail_threshold,
        fact_contradict_threshold: float = PipelineConfig.fact_contradict_threshold,
        fact_single_valued_share: float = PipelineConfig.fact_single_valued_share,
        fact_two_sided_share: float | None = PipelineConfig.fact_two_sided_share,
        fact_substitution_threshold: float = PipelineConfig.fact_substitution_threshold,
        fact_budget: int = PipelineConfig.fact_budget,
        nli_pair_budget: int = PipelineConfig.nli_pair_budget,
        link_model: LinkModel | None = None,
    ) -> None:
        self.parser = ClaimParser(kg, linker, relations, vocab)
        #: splits conjunctions, negation-scoped pairs and nested descriptions; each part comes back here
        self.compound = CompoundClaims(kg, linker, relations, self.check)
        #: comparative claims ("A is larger than B") decided by the numbers and dates the graph holds
        self.comparative = ComparativeClaims(kg, linker, relations)
        self.graph = GraphChecker(kg, vocab, link_model)
        self.temporal = TemporalChecker(kg, posthumous_years=posthumous_years, vocab=vocab)
        self.nli = nli
        self.retrieve = retrieve
        self.top_k = top_k
        self.kg = kg
        self.entail_threshold = entail_threshold
        self.contradict_threshold = contradict_threshold
        self.min_relevance = min_relevance
        #: NLI pairs judged per claim: fact sentences, and sentence windows of the passages that could decide
        self.nli_pair_budget = nli_pair_budget
        #: graph facts around the claim's entities read as sentences and judged by the NLI model
        self.facts = (
            FactSentenceJudge(
                kg,
                nli,
                entail_threshold=fact_entail_threshold,
                contradict_threshold=fact_contradict_threshold,
                single_valued_share=fact_single_valued_share,
                two_sided_share=fact_two_sided_share,
                substitution_threshold=fact_substitution_threshold,
                fact_budget=fact_budget,
                nli_pair_budget=nli_pair_budget,
                plausibility=self.graph.implausible_side if link_model is not None else None,
            )
            if nli is not None
            else None
        )

    def parse(self, text: str) -> Claim:
        """The claim a statement makes."""
        return self.parser.parse(text)

    def graph_verdict(self, claim: Claim) -> GraphVerdict:
        """Graph and temporal verdict on the claim, before negation."""
        temporal = self.temporal.check(claim)
        if claim.kind in ("causal", "order"):
            return temporal or GraphVerdict(None, 0.0, "causal_unknown")
        return _merge(self.graph.check(claim), temporal)

    def passage_evidence(
        self, text: str, hits: Sequence[Hit] | None = None, claim: Claim | None = None
    ) -> list[Evidence]:
        """NLI of the statement against the relevant retrieved passages, strongest first.

        A passage is relevant when it is about one of the claim's entities (its
        ``entities`` list, or its text naming the entity) or, for unlinked claims,
        when it was retrieved with a cosine score of at least ``min_relevance``.
        """
        if self.nli is None:
            return []
        if hits is None:
            if self.retrieve is None:
                return []
            hits = self.retrieve(text, self.top_k)
        subject = claim.subject if claim else None
        names = [n.lower() for n in self.kg.labels(subject)] if subject else []

        def relevant(h: Hit) -> bool:
            if subject:
                # a passage about someone else says nothing about this claim's subject
                ents = set(getattr(h.passage, "entities", ()) or ())
                text = h.passage.text.lower()
                return subject in ents or any(n and n in text for n in names)
            return h.score >= self.min_relevance

        hits = [h for h in hits if relevant(h)][: self.top_k]
        if not hits:
            return []
        probs = self.nli.predict([(h.passage.text, text) for h in hits])
        cal = calibrated_probs(self.nli, probs)  # shown in the evidence; the thresholds read the raw ones
        windows = self._windows(text, hits, probs)
        out = []
        for i, (h, p, c) in enumerate(zip(hits, probs, cal, strict=True)):
            dist = {"entailment": float(p[0]), "neutral": float(p[1]), "contradiction": float(p[2])}
            label = max(dist, key=dist.get)
            stance = {"entailment": "supports", "contradiction": "contradicts"}.get(label, "neutral")
            if i in windows and label != "neutral" and windows[i][label] < 0.5:
                stance = "neutral"  # no sentence window of the passage says it
            out.append(
                Evidence(
                    "passage",
                    stance,
                    h.passage.text,
                    float(max(dist.values())),
                    passage_id=h.passage.id,
                    start=0,
                    end=len(h.passage.text),
                    nli=dist,
                    detail={
                        "title": h.passage.title,
                        "retrieval_score": float(h.score),
                        "calibrated_nli": label_probs(c),
                        **({"sentence_window": windows[i]} if i in windows else {}),
                    },
                )
            )
        out.sort(key=lambda e: -max(confirmed(e, "entailment"), confirmed(e, "contradiction")))
        return out

    def _windows(self, text: str, hits: Sequence[Hit], probs: Sequence[Sequence[float]]) -> dict[int, dict[str, Any]]:
        """The best sentence window for and against ``text`` of each passage whose stance could decide.

        Only passages at or over a stance threshold are read again, window by window, in one NLI
        batch, the strongest passage first and at most ``nli_pair_budget`` windows in all:
        ``{hit index: {"entailment", "entailment_text", "contradiction", "contradiction_text"}}``. A
        passage whose windows the budget left unread gets 0 for both (unconfirmed: it decides
        nothing) and the budget's record under ``"budgets"``.
        """
        assert self.nli is not None
        low = min(self.entail_threshold, self.contradict_threshold)
        budget = Budget("nli_pair_budget", self.nli_pair_budget)
        pairs: list[tuple[int, str]] = []
        out: dict[int, dict[str, Any]] = {}
        strongest = sorted(range(len(hits)), key=lambda i: -max(float(probs[i][0]), float(probs[i][2])))
        for i in strongest:
            if max(float(probs[i][0]), float(probs[i][2])) < low:
                break
            windows = sentence_windows(hits[i].passage.text)
            read = budget.cut(windows)
            if len(read) < len(windows):
                out[i] = {"entailment": 0.0, "contradiction": 0.0, "budgets": [budget.to_dict()]}
            else:
                pairs += [(i, w) for w in read]
        if pairs:
            window_probs = self.nli.predict([(w, text) for _, w in pairs])
            for (i, w), p in zip(pairs, window_probs, strict=True):
                best = out.setdefault(i, {"entailment": -1.0, "contradiction": -1.0})
                for label, k in (("entailment", 0), ("contradiction", 2)):
                    if float(p[k]) > best[label]:
                        best[label], best[f"{label}_text"] = float(p[k]), w
        return out

    def fact_judgement(self, claim: Claim, text: str, verdict: GraphVerdict) -> FactJudgement:
        """The fact sentences' verdict (:mod:`kgqa.checks.fact_sentences`) on a claim the graph rules left unknown.

        Only fact and type claims with a linked subject are read, and only when the graph and
        temporal rules decided nothing; otherwise an empty :class:`FactJudgement` (``holds`` ``None``).
        """
        if self.facts is None or verdict.holds is not None or claim.kind not in ("fact", "type") or not claim.subject:
            return FactJudgement(None)
        return self.facts.judge(claim, text)

    def _names_all(self, passage: str, claim: Claim) -> bool:
        """Whether ``passage`` names (a label or alias of) each entity the claim links.

        A passage about the subject alone, or about neither, says nothing against a claim relating it
        to something else: read as contradicting, it would turn a claim the passages do not discuss into
        a false contradiction (an unrelated passage about the United States "contradicting" a claim
        about one of its citizens).
        """
        text = passage.lower()
        iris = [x for x in (claim.subject, claim.object) if x and x.startswith(("http://", "https://", "urn:"))]

        def named(name: str) -> bool:
            # a whole-word mention ("The Who" is not named by "the whole"); a name made of stop words alone
            # counts only as written, capitalised ("The Who", not "who"), as the linker reads such titles
            if not name:
                return False
            if all(w in STOP_WORDS for w in normalize(name).split()):
                return name != name.lower() and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", passage) is not None
            return re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", text) is not None

        return all(any(named(n) for n in self.kg.labels(iri)) for iri in iris)

    def check(
        self, text: str, source: str = "stated", hits: Sequence[Hit] | None = None, claim: Claim | None = None
    ) -> PremiseCheck:
        """Check one premise or claim.

        Args:
            text: the statement.
            source: ``"stated"`` (given by the user) or ``"presupposed"`` (from the question).
            hits: retrieved passages to use instead of retrieving anew.
            claim: an already parsed claim.
        """
        if claim is None:
            compound = self.compound.check(text, source, hits) or self.comparative.check(text, source)
            if compound is not None:
                return compound
        claim = claim or self.parse(text)
        verdict = self.graph_verdict(claim)
        read = self.fact_judgement(claim, text, verdict)
        passages = self.passage_evidence(text, hits, claim)
        # only a passage that names every entity the claim links speaks about it (open world: nor can
        # another contradict it), and only as far as one of its sentence windows says the same
        about = [e for e in passages if e.nli and self._names_all(e.text, claim)]
        ent = max((confirmed(e, "entailment") for e in about), default=0.0)
        # a contradiction must come from something about the claim's own subject and relation: read against a
        # claim without a linked subject or a relation, a passage matches it by topic alone (people's claims,
        # kgqa bench labelled-claims: half of such contradictions were of true claims)
        understood = claim.subject is not None and claim.relation is not None
        con = max((confirmed(e, "contradiction") for e in about), default=0.0) if understood else 0.0
        evidence = list(verdict.evidence)
        if claim.negated:
            # graph evidence speaks about the claim without its negation: flip its stance
            flip = {"supports": "contradicts", "contradicts": "supports"}
            evidence = [replace(e, stance=flip.get(e.stance, e.stance)) for e in evidence]
        if verdict.holds is not None:
            holds = verdict.holds != claim.negated
            status = "supported" if holds else "contradicted"
            conf = verdict.confidence
            agree = ent if holds else con
            disagree = con if holds else ent
            disagree_threshold = self.contradict_threshold if holds else self.entail_threshold
            if disagree >= disagree_threshold and disagree > agree:
                conf *= 0.85
            evidence += [e for e in passages if e.stance != "neutral"][:2]
            rule = verdict.rule
        elif read.holds is True or (read.holds is False and not (ent >= self.entail_threshold and ent >= con)):
            # a graph fact read as a sentence decides; a passage that entails the claim vetoes a refutation
            status = "supported" if read.holds else "contradicted"
            disagree = con if read.holds else ent
            conf = read.confidence * (0.85 if disagree >= self.contradict_threshold else 1.0)
            evidence += [e for e in passages if e.stance != "neutral"][:2]
            rule = "fact_sentence_nli"
        elif (ent >= self.entail_threshold and ent >= con) or (con >= self.contradict_threshold and con > ent):
            # the NLI reads the statement as written (negation included)
            status = "supported" if ent >= con else "contradicted"
            conf = 0.5 + 0.4 * (max(ent, con) - min(ent, con))
            evidence += [e for e in passages if e.stance != "neutral"][:2]
            rule = "passage_nli"
        else:
            status, conf, rule = "unknown", 0.0, verdict.rule
            evidence += passages[:1]
        # every fact sentence read, with its probabilities, after the deciding evidence
        if rule == "fact_sentence_nli":
            evidence = [read.evidence[0], *evidence, *read.evidence[1:]]
        else:
            evidence += read.evidence
        correction = verdict.correction if status == "contradicted" else None
        if status == "contradicted" and rule == "fact_sentence_nli":
            correction = read.correction
        if status == "contradicted" and correction is None and claim.negated and verdict.holds:
            facts = verdict.facts
            if claim.kind == "type" and claim.subject:
                kinds = ", ".join(self.kg.label(t) for t in sorted(self.kg.types(claim.subject, inferred=False)))
                correction = f"{self.kg.label(claim.subject)} is a {kinds}, and so a {self.kg.label(claim.object)}"
            elif facts:
                correction = "; ".join(t.text() for t in facts[:2])
        return PremiseCheck(
            text=text,
            status=status,
            confidence=round(float(conf), 4),
            evidence=tuple(evidence),
            claim=claim,
            source=source,
            correction=correction,
            rule=rule,
        )
