"""The kgqa pipeline: retrieve, read, check with NLI and the graph, decide, and trace every step."""

from __future__ import annotations

import gc
import logging
import numbers
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgqa.answering import (
    GraphAnswer,
    agreed_answer,
    answers_match,
    graph_answer,
    narrow_to_graph_answer,
    unknown_names,
)
from kgqa.calibration import VerdictCalibrator, load_calibrator
from kgqa.checks.claims import validate_text
from kgqa.checks.false_premise import FalsePremiseDetector, apply_detector, entity_context, needs_detector
from kgqa.checks.premise import PremiseChecker
from kgqa.checks.questions import QuestionAnalysis, analyze_question, answer_statement
from kgqa.checks.verdict import decide
from kgqa.config import PipelineConfig, check_device
from kgqa.errors import ConfigError, InputError
from kgqa.graph.answer_type import asked_classes
from kgqa.graph.link_model import link_model as load_link_model
from kgqa.inputs import validate_batch, validate_premises
from kgqa.numeric_questions import numeric_answer
from kgqa.protocols import NLIPredictor, Retriever, SpanReader
from kgqa.reader.calibrated import calibrated_probs, label_probs, span_records
from kgqa.reader.postprocess import abstains, passage_no_answer_scores
from kgqa.trace import Trace
from kgqa.types import Answer, Evidence, Hit, NLIRecord, PremiseCheck, ReaderSpan

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import EntityLinker, Mention
    from kgqa.graph.relations import RelationMatcher

logger = logging.getLogger(__name__)


def _with_bm25(config: PipelineConfig, dense: Any) -> Any:
    """The :class:`~kgqa.retrieval.hybrid.HybridIndex` of ``config.retrieval`` ("bm25" or "hybrid") over ``dense``.

    The BM25 part is read from ``config.index_dir`` when one is set, else built over the dense index's passages.

    Raises:
        ConfigError: if ``index_dir`` has no BM25 part.
        MissingDependencyError: if bm25s is not installed (``pip install "kgqa[hybrid]"``).
    """
    from kgqa.retrieval.bm25 import BM25Index
    from kgqa.retrieval.hybrid import HybridIndex

    if config.index_dir:
        if not BM25Index.exists(config.index_dir):
            raise ConfigError(
                f"retrieval {config.retrieval!r} needs a BM25 part in the index folder {config.index_dir}, which has "
                f"none; add it with `kgqa index build PASSAGES.jsonl --out {config.index_dir} --hybrid`, or use "
                "retrieval 'dense'"
            )
        bm25 = BM25Index.load(config.index_dir)
    else:
        bm25 = BM25Index().build(dense.store)
    return HybridIndex(dense, bm25, mode=config.retrieval, dense_weight=config.hybrid_dense_weight)


class Pipeline:
    """Question answering with checked answers and an explanation trace.

    Build it with :meth:`load`; models load on first use. :meth:`ask`, :meth:`ask_batch` and
    :meth:`check` may be called from several threads at once, before or after the models are
    loaded: each model loads once, and its tokenizer and forward pass run under its own lock.

    Example:
        >>> from kgqa import Pipeline
        >>> pipe = Pipeline.load()  # doctest: +SKIP
        >>> ans = pipe.ask("Did Shakespeare write Hamlet?", premises=["Shakespeare was not a writer."])  # doctest: +SKIP
        >>> ans.verdict, ans.answer  # doctest: +SKIP
        ('premise_rejected', 'yes')
    """

    def __init__(
        self,
        config: PipelineConfig,
        kg: KnowledgeGraph,
        index: Retriever,
        reader: SpanReader,
        nli: NLIPredictor,
        linker: EntityLinker,
        relations: RelationMatcher,
        detector: FalsePremiseDetector | None = None,
        calibrator: VerdictCalibrator | None = None,
    ) -> None:
        self.config = config
        #: maps each rule's score to the probability that the verdict is right (``None``: rule scores as they are)
        self.calibrator = calibrator
        #: the learned false-premise detector (``None``: off; see :mod:`kgqa.checks.false_premise`)
        self.detector = detector
        self.kg = kg
        self.index = index
        self.reader = reader
        self.nli = nli
        self.linker = linker
        self.relations = relations
        self.checker = PremiseChecker(
            kg,
            linker,
            relations,
            nli=nli,
            retrieve=self._retrieve,
            top_k=config.nli_k,
            posthumous_years=config.posthumous_years,
            entail_threshold=config.entail_threshold,
            contradict_threshold=config.contradict_threshold,
            min_relevance=config.min_passage_relevance,
            fact_entail_threshold=config.fact_entail_threshold,
            fact_contradict_threshold=config.fact_contradict_threshold,
            fact_single_valued_share=config.fact_single_valued_share,
            fact_two_sided_share=config.fact_two_sided_share,
            fact_substitution_threshold=config.fact_substitution_threshold,
            fact_budget=config.fact_budget,
            nli_pair_budget=config.nli_pair_budget,
            link_model=load_link_model(config.link_model_dir),
        )

    # ------------------------------------------------------------------ construction
    @classmethod
    def load(cls, source: str | Path | PipelineConfig | None = None, **overrides: Any) -> Pipeline:
        """Load a pipeline.

        Args:
            source: ``None`` for the shipped default world and models; a folder holding
                ``kgqa.json`` or the path of such a file; or a :class:`PipelineConfig`.
            overrides: config fields to override (``top_k=10``, ``quantize=True``...).
        """
        from kgqa.graph.kg import KnowledgeGraph
        from kgqa.graph.linking import EntityLinker
        from kgqa.graph.relation_model import relation_model
        from kgqa.graph.relations import RelationMatcher
        from kgqa.reader.nli import NLIModel
        from kgqa.reader.qa import Reader
        from kgqa.retrieval import DenseIndex, Encoder, PassageStore, default_index, split_passages

        if isinstance(source, PipelineConfig):
            config = source
        elif source is None:
            config = PipelineConfig()
        elif isinstance(source, str | Path):
            config = PipelineConfig.load(source)
        else:
            raise ConfigError(
                f"Pipeline.load takes None, a folder or kgqa.json path, or a PipelineConfig, not {type(source).__name__}"
            )
        if overrides:
            config = PipelineConfig.from_dict({**config.to_dict(), **overrides}, "Pipeline.load: ")
        check_device(config.device)
        if config.graph_endpoint:
            kg = KnowledgeGraph.connect(
                config.graph_endpoint, catalogue=config.graph_catalogue, timeout_s=config.sparql_timeout_s
            )
        elif config.graph_store:
            kg = KnowledgeGraph.open(config.graph_store)
        else:
            kg = KnowledgeGraph.load([Path(p) for p in config.graphs] if config.graphs else None)
        kg.sparql_timeout_s = config.sparql_timeout_s
        encoder = Encoder(config.encoder_dir, device=config.device)
        if config.index_dir:
            index = DenseIndex.load(config.index_dir, encoder=encoder, milvus_uri=config.milvus_uri)
        elif config.passages:
            index = DenseIndex(encoder, kind=config.vector_backend, milvus_uri=config.milvus_uri)
            passages = list(PassageStore.from_jsonl([Path(p) for p in config.passages]))
            if not passages:
                raise InputError(
                    f"the passage files {', '.join(config.passages)} hold no passages; write one JSON object "
                    'per line, such as {"id": "p1", "text": "Paris is the capital of France."}'
                )
            if config.max_passage_words is not None:
                passages = split_passages(passages, config.max_passage_words, config.passage_overlap_words)
            index.build(passages, show_progress=False)
        else:
            index = default_index(encoder=encoder)
        if config.retrieval != "dense":
            index = _with_bm25(config, index)
        reader = Reader(config.reader_dir, quantize=config.quantize, device=config.device, precision=config.precision)
        nli = NLIModel(config.nli_dir, quantize=config.quantize, device=config.device, precision=config.precision)
        linker = EntityLinker(
            kg,
            encoder=encoder,
            fuzzy_threshold=config.linker_fuzzy_threshold,
            embedding_threshold=config.linker_embedding_threshold,
        )
        relations = RelationMatcher(kg, model=relation_model(config.relation_model_dir, config.device))
        detector = (
            FalsePremiseDetector(
                config.false_premise_dir,
                config.false_premise_threshold,
                quantize=config.quantize,
                device=config.device,
                precision=config.precision,
            )
            if config.false_premise_detector
            else None
        )
        calibrator = load_calibrator(config.calibration_file)
        return cls(config, kg, index, reader, nli, linker, relations, detector, calibrator)

    def warm_up(self, freeze: bool = False) -> Pipeline:
        """Load every model now (the first question is otherwise slower).

        ``freeze``: then take everything loaded out of the cyclic garbage collector's passes (:func:`gc.freeze`),
        for a long-running process on a big graph, where one full pass over the loaded world costs about 0.15 s
        in the middle of a question (on the FB15k-237 world: 3.2 s of 60 questions, 0.7 s frozen).
        """
        for part in (self.reader, self.nli, self.detector, self.relations):
            if part is not None:
                part.warm_up()
        self.index.search(["warm up"], 1)
        if freeze:
            gc.collect()
            gc.freeze()
        return self

    # ------------------------------------------------------------------ helpers
    def _retrieve(self, text: str, top_k: int) -> list[Hit]:
        return self.index.search([text], top_k)[0]

    def _validate_premises(self, premises: Any) -> list[str]:
        return validate_premises(self.config, premises)

    # ------------------------------------------------------------------ API
    def check(self, claim: str) -> PremiseCheck:
        """Check one claim against the graph, the causal/temporal rules and the passages.

        Example:
            >>> pipe.check("The printing press caused the fall of the Western Roman Empire.").status  # doctest: +SKIP
            'contradicted'
        """
        text = validate_text(claim, "claim", self.config.max_claim_chars)
        result = self._check_premise(text, "stated")
        return self.calibrator.check(result) if self.calibrator is not None else result

    def _check_premise(self, text: str, source: str) -> PremiseCheck:
        if text.rstrip().endswith("?"):
            return PremiseCheck(text, "unknown", 0.0, (), None, source, None, "not_a_statement")
        return self.checker.check(text, source=source)

    def ask_batch(
        self, questions: Sequence[str], premises: Sequence[Sequence[str] | None] | None = None, top_k: int | None = None
    ) -> list[Answer]:
        """:meth:`ask` for many questions; retrieval and reading are batched.

        ``ask_batch([q])[0]`` gives the same answer as ``ask(q)``.
        """
        qs, ps = validate_batch(self.config, questions, premises)
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) or top_k < 1):
            raise InputError(f"top_k must be a whole number of at least 1 or None, not {top_k!r}")
        if not qs:
            return []
        k = int(top_k) if top_k is not None else self.config.top_k
        t0 = time.perf_counter()
        analyses = [self._analyse(q) for q in qs]
        t_analysis = (time.perf_counter() - t0) * 1000 / len(qs)
        t0 = time.perf_counter()
        hits = self.index.search(qs, k)
        t_retrieval = (time.perf_counter() - t0) * 1000 / len(qs)
        # the reader reads factoid and why questions; yes/no questions are checked as statements
        to_read = [i for i, (a, _m) in enumerate(analyses) if a.qtype != "yes_no"]
        read_k = min(self.config.read_k, k)
        spans: list[list[ReaderSpan]] = [[] for _ in qs]
        t0 = time.perf_counter()
        if to_read:
            read = self.reader.read_batch(
                [qs[i] for i in to_read],
                [[(h.passage.id, h.passage.text) for h in hits[i][:read_k]] for i in to_read],
                n_best=5,
                max_answer_length=self.config.max_answer_length,
            )
            for i, r in zip(to_read, read, strict=True):
                spans[i] = r
        t_reader = (time.perf_counter() - t0) * 1000 / max(len(to_read), 1)
        timings = {"question_analysis": t_analysis, "retrieval": t_retrieval, "reader": t_reader}
        return [
            self._answer(q, p, k, h, s, a, dict(timings, reader=t_reader if a[0].qtype != "yes_no" else 0.0))
            for q, p, h, s, a in zip(qs, ps, hits, spans, analyses, strict=True)
        ]

    def _analyse(self, question: str) -> tuple[QuestionAnalysis, list[Mention]]:
        mentions = self.linker.find_mentions(question)
        first_word = re.match(r"\s*\S+\s*", question)
        offset = first_word.end() if first_word else 0
        subj_end = next((m.end - offset for m in mentions if m.start >= offset), None)
        spans = [(m.start, m.end) for m in mentions]
        return analyze_question(question, subject_end=subj_end, spans=spans), mentions

    def ask(self, question: str, premises: Sequence[str] | None = None, top_k: int | None = None) -> Answer:
        """Answer ``question``, checking the answer and every premise.

        Args:
            question: the question.
            premises: statements the asker takes for granted; each is checked.
            top_k: passages to retrieve (default: the config's ``top_k``).

        Returns:
            An :class:`~kgqa.types.Answer` with verdict, confidence, evidence, premise checks and trace.
        """
        return self.ask_batch([question], [premises], top_k=top_k)[0]

    # ------------------------------------------------------------------ the steps
    def _learned_premises(
        self,
        question: str,
        analysis: QuestionAnalysis,
        checks: list[PremiseCheck],
        answered: bool | None,
        mentions: list[Mention],
        hits: list[Hit],
    ) -> tuple[list[PremiseCheck], dict[str, Any] | None]:
        """The checks with the learned detector's judgement (:func:`apply_detector`), and what it scored.

        ``answered``: whether the graph or an entailing passage answers the question (``None``: not
        known yet, so only presuppositions left unknown are scored; see :func:`needs_detector`).
        """
        det = self.detector
        if det is None or not needs_detector(analysis, checks, answered):
            return checks, None
        scores = det.score([question])
        if scores is None:  # no model folder: the detector is off
            return checks, None
        score, threshold = float(scores[0]), det.threshold
        checks = apply_detector(question, checks, score, threshold, entity_context(self.kg, mentions, hits), det.name)
        info = {"decided_by": "model", "model": det.name, "score": round(score, 4), "threshold": threshold}
        return checks, {**info, "flagged": score >= threshold}

    def _no_answer_threshold(self) -> float | None:
        """The reader's null threshold: the config's override, else the reader model's own (``None``: never abstain)."""
        if self.config.reader_no_answer_threshold is not None:
            return float(self.config.reader_no_answer_threshold)
        value = getattr(self.reader, "no_answer_threshold", None)
        return float(value) if isinstance(value, int | float) else None

    def _answer(
        self,
        question: str,
        premises: list[str],
        top_k: int,
        hits: list[Hit],
        spans: list[ReaderSpan],
        analysed: tuple[QuestionAnalysis, list[Mention]],
        timings: dict[str, float],
    ) -> Answer:
        trace = Trace(question, list(premises))
        analysis, mentions = analysed
        with trace.stage("question_analysis", question=question) as st:
            st.outputs.update(analysis.to_dict())
            st.outputs["entities"] = [m.to_dict() for m in mentions]
        with trace.stage("premises", stated=premises) as st:
            presupposed = list(analysis.presuppositions)
            st.outputs["presupposed"] = presupposed
        with trace.stage("retrieval", top_k=top_k) as st:
            st.outputs["hits"] = [h.to_dict() for h in hits]
        with trace.stage("entity_linking") as st:
            st.outputs["mentions"] = [m.to_dict() for m in mentions]
            unknown = unknown_names(question, mentions, [h.passage.text for h in hits])
            st.outputs["unknown_names"] = unknown

        gans: GraphAnswer | None = None
        checks: list[PremiseCheck] = []
        nli_records: list[NLIRecord] = []
        evidence: list[Evidence] = []
        answer: str | None = None
        reader_best: ReaderSpan | None = None
        yes_no_check: PremiseCheck | None = None

        with trace.stage("reader", passages=[h.passage.id for h in hits[: self.config.read_k]]) as st:
            if analysis.qtype != "yes_no" and spans:
                # DrQA-style: the span score plus a prior from how well its passage was retrieved
                prior = {h.passage.id: h.score for h in hits}
                w = self.config.retrieval_weight
                spans = sorted(spans, key=lambda sp: sp.score + w * prior.get(sp.passage_id, 0.0), reverse=True)
                reader_best = spans[0]
            st.outputs["spans"] = span_records(self.reader, spans[:5], spans)  # with calibrated probabilities
            na_threshold = self._no_answer_threshold()
            abstained = analysis.qtype != "yes_no" and abstains(spans, na_threshold)
            st.outputs["no_answer"] = {
                "threshold": na_threshold,
                "null_scores": passage_no_answer_scores(spans),
                "abstained": abstained,
            }

        with trace.stage("graph") as st:
            numeric = (
                numeric_answer(self.kg, self.linker, self.relations, question, mentions)
                if analysis.qtype in ("factoid", "other")
                else None
            )
            if numeric is not None:
                # counted or compared in the graph ("how many", "which ... first, A or B", "the largest"):
                # a reader span is no answer to these; a withheld one says why in the trace
                st.outputs["numeric"] = numeric.to_dict()
                gans, spans, reader_best = numeric.graph_answer(), [], None
            elif analysis.qtype in ("factoid", "other"):
                notes: dict[str, Any] = {}
                gans = graph_answer(
                    self.kg,
                    self.relations,
                    mentions,
                    analysis.focus,
                    analysis.wh,
                    question,
                    self.config.path_hop_margin,
                    self.config.path_budget,
                    self.config.path_text_budget,
                    self.config.path_threshold,
                    asked_classes(self.linker, question),
                    notes=notes,
                )
                st.outputs.update(notes)  # a path search's best path that was not taken, and why
            if gans is not None and spans and not answers_match(self.kg, spans[0].text, gans):
                # the graph knows the answer: prefer a reader span that names it, if any
                chosen = next((sp for sp in spans if answers_match(self.kg, sp.text, gans)), None)
                if chosen is not None:
                    reader_best = chosen
                    st.outputs["span_selected_by_graph"] = chosen.to_dict()
            narrowed = narrow_to_graph_answer(self.kg, reader_best, gans) if gans and reader_best else None
            if narrowed is not None and reader_best is not None:
                st.outputs["span_narrowed_to_graph_answer"] = {"from": reader_best.text, "to": narrowed.text}
                reader_best = narrowed
            st.outputs["answer"] = None if gans is None else {"texts": gans.texts, "relation": gans.relation}
            if gans is not None and gans.path is not None:
                st.outputs["relation_path"] = gans.path  # chosen path, score, runner-ups, budget cuts
            st.outputs["facts"] = [t.to_dict() for t in (gans.facts if gans else [])]

        with trace.stage("premise_check", stated=premises, presupposed=analysis.presuppositions) as st:
            for p in premises:
                checks.append(self._check_premise(p, "stated"))
            for p in analysis.presuppositions:
                checks.append(self._check_premise(p, "presupposed"))
            if analysis.qtype == "yes_no" and analysis.statement:
                yes_no_check = self.checker.check(analysis.statement, source="question", hits=hits[: self.config.nli_k])
            # presuppositions the graph and the passages left unknown (the question-level check waits for the NLI)
            checks, learned = self._learned_premises(question, analysis, checks, None, mentions, hits)
            if learned is not None:
                st.outputs["learned_false_premise"] = learned
            st.outputs["checks"] = [c.to_dict() for c in checks]
            if yes_no_check is not None:
                st.outputs["question_claim"] = yes_no_check.to_dict()
        with trace.stage("causal_check") as st:
            causal = [
                c
                for c in checks + ([yes_no_check] if yes_no_check else [])
                if c.claim is not None
                and c.claim.kind in ("causal", "temporal")
                or any(e.kind == "date" and e.stance != "neutral" for e in c.evidence)
            ]
            st.outputs["checks"] = [c.to_dict() for c in causal]

        with trace.stage("nli") as st:
            if analysis.qtype == "yes_no" and yes_no_check is not None:
                for e in yes_no_check.evidence:
                    if e.kind == "passage" and e.nli:
                        nli_records.append(
                            {
                                "passage_id": e.passage_id,
                                "premise": e.text,
                                "hypothesis": analysis.statement,
                                "probs": e.nli,
                                "label": max(e.nli, key=e.nli.get),
                                "calibrated": e.detail.get("calibrated_nli", e.nli),
                            }
                        )
            elif reader_best is not None and reader_best.text.strip():
                statement = answer_statement(analysis, reader_best.text)
                supporting = [h for h in hits if h.passage.id == reader_best.passage_id][:1]
                others = [h for h in hits[: self.config.nli_k] if h.passage.id != reader_best.passage_id]
                pairs = supporting + others[: max(self.config.nli_k - 1, 0)]
                if pairs:
                    probs = self.nli.predict([(h.passage.text, statement) for h in pairs])
                    cal = calibrated_probs(self.nli, probs)  # for the trace; the thresholds read the raw ones
                    for h, p, c in zip(pairs, probs, cal, strict=True):
                        dist = {"entailment": float(p[0]), "neutral": float(p[1]), "contradiction": float(p[2])}
                        nli_records.append(
                            {
                                "passage_id": h.passage.id,
                                "premise": h.passage.text,
                                "hypothesis": statement,
                                "probs": dist,
                                "label": max(dist, key=dist.get),
                                "calibrated": label_probs(c),
                            }
                        )
            st.outputs["checks"] = nli_records

        if self.detector is not None and not any(c.source == "presupposed" for c in checks):
            # a question without a stated presupposition: unless the graph or an entailing passage answers it
            t0 = time.perf_counter()
            et = self.config.entail_threshold
            answered = gans is not None or any(r["probs"]["entailment"] >= et for r in nli_records)
            checks, learned = self._learned_premises(question, analysis, checks, answered, mentions, hits)
            step = trace.get("premise_check")
            if learned is not None and step is not None:
                step.outputs["learned_false_premise"] = learned
                step.outputs["checks"] = [c.to_dict() for c in checks]
                step.ms += (time.perf_counter() - t0) * 1000

        with trace.stage("decision") as st:
            agrees = (
                answers_match(self.kg, reader_best.text, gans) if reader_best is not None and gans is not None else None
            )
            result = decide(
                analysis=analysis,
                checks=checks,
                yes_no=yes_no_check,
                reader_best=reader_best,
                graph=gans,
                graph_agrees=agrees,
                nli_records=nli_records,
                hits=hits,
                config=self.config,
                unknown_names=unknown,
                reader_abstained=abstained,
                agreed=agreed_answer(self.kg, reader_best.text, gans) if agrees and reader_best and gans else None,
            )
            answer = result.answer
            evidence = result.evidence
            st.outputs.update(
                {
                    "verdict": result.verdict,
                    "rule": result.rule,
                    "confidence": result.confidence,
                    "answer": answer,
                    "alternative": result.alternative,
                }
            )
        trace.decision = {
            "verdict": result.verdict,
            "rule": result.rule,
            "confidence": result.confidence,
            "answer": result.answer,
            "alternative": result.alternative,
        }
        for step in trace.steps:
            # batched stages: their time is the batch's time per question
            if step.stage in timings:
                step.ms += timings[step.stage]
        facts = list(gans.facts) if gans else []
        for c in checks + ([yes_no_check] if yes_no_check else []):
            for e in c.evidence:
                facts.extend(e.triples)
        seen = set()
        unique_facts = []
        for t in facts:
            key = (t.subject, t.predicate, t.object)
            if key not in seen:
                seen.add(key)
                unique_facts.append(t)
        out = Answer(
            question=question,
            answer=answer,
            verdict=result.verdict,
            confidence=result.confidence,
            evidence=evidence,
            premises=checks,
            graph_facts=unique_facts,
            alternative=result.alternative,
            trace=trace,
        )
        return self.calibrator.answer(out) if self.calibrator is not None else out
