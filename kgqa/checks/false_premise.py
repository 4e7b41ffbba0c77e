"""The learned false-premise detector: how likely a question's presupposition is false, by a model.

The graph and the passages decide a presupposition when they can. When they cannot (the
presupposition's check is ``unknown``, or a question has no presupposition the parser could
state and neither the graph nor an entailing passage answers it), :class:`FalsePremiseDetector` scores the question
itself: kgqa's fine-tune of all-MiniLM-L6-v2 (``kgqa train false-premise``) gives the
probability that the question presupposes something false. From the model's threshold up,
:func:`apply_detector` marks the presupposition ``contradicted`` with rule
``learned_false_premise``; its evidence says that a model decided, not a fact, with the score
and the threshold, and lists the graph facts and passages retrieved about the question's
entities (context, not proof). A presupposition the graph or the passages decided is never
touched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kgqa.errors import InputError, ModelNotFoundError
from kgqa.types import Evidence, Hit, PremiseCheck

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from kgqa.checks.questions import QuestionAnalysis
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import Mention

logger = logging.getLogger(__name__)

#: label names of the classifier, in output order
LABELS = ("true_premise", "false_premise")
#: the rule of a presupposition the detector contradicted
RULE = "learned_false_premise"
#: the threshold when neither the config nor the model folder names one
DEFAULT_THRESHOLD = 0.5
#: the model folder's name under the shipped models
MODEL_NAME = "false_premise"


def check_threshold(value: Any, name: str = "threshold") -> float:
    """``value`` as a float in (0, 1).

    Raises:
        InputError: not a number strictly between 0 and 1.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < float(value) < 1.0:
        raise InputError(f"{name} must be a probability strictly between 0 and 1, not {value!r}")
    return float(value)


class FalsePremiseDetector:
    """Scores questions: the probability that a question's presupposition is false.

    The model loads on first use, once however many threads ask at the same time; each call
    borrows its own tokenizer (as :class:`kgqa.reader.nli.NLIModel`).

    Args:
        model_dir: a folder written by ``kgqa train false-premise``; ``None`` for the shipped
            model (``data/models/false_premise``). A named folder that does not exist raises
            :class:`ModelNotFoundError` here; a missing shipped folder turns the detector off
            (:meth:`score` returns ``None``), with one warning.
        threshold: the probability from which a question counts as having a false premise;
            ``None`` for the one chosen on the dev splits and stored in the model folder.
        max_length: tokens per question.
        batch_size: questions per forward pass.
        quantize: int8 dynamic quantisation (CPU only).
        device: a torch device; ``None`` picks CUDA when present.
        precision: ``"auto"`` (bfloat16 autocast where the hardware has it) or ``"fp32"`` ...

    Example:
        >>> det = FalsePremiseDetector()  # doctest: +SKIP
        >>> det.score(["How many eyes does the sun have?"])  # doctest: +SKIP
        array([0.97], dtype=float32)
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        threshold: float | None = None,
        max_length: int = 64,
        batch_size: int = 64,
        quantize: bool = False,
        device: str | None = None,
        precision: str = "auto",
    ) -> None:
        from kgqa.paths import models_dir
        from kgqa.reader.modelio import check_model_folder

        self.shipped = model_dir is None
        self.model_dir = Path(model_dir) if model_dir is not None else models_dir() / MODEL_NAME
        if not self.shipped and str(model_dir) != "<in-memory>":
            check_model_folder(self.model_dir)
        self._threshold = None if threshold is None else check_threshold(threshold)
        self.max_length = max_length
        self.batch_size = batch_size
        self.quantize = quantize
        self.device_name = device
        self.precision = precision
        self._model: torch.nn.Module | None = None
        self._tokenizers: Any = None
        self._meta: dict[str, Any] | None = None
        self._missing = False
        self._load_lock = threading.Lock()

    @classmethod
    def from_model(
        cls, model: torch.nn.Module, tokenizer: Any, threshold: float | None = None, **kwargs: Any
    ) -> FalsePremiseDetector:
        """Wrap an in-memory classifier (training evaluates with this; tests use a tiny one)."""
        from kgqa.reader.tokenizer_pool import TokenizerPool

        det = cls(model_dir="<in-memory>", threshold=threshold, **kwargs)
        det._tokenizers = TokenizerPool(tokenizer)
        det._model = model
        det._meta = {}
        return det

    # ------------------------------------------------------------------ state
    @property
    def name(self) -> str:
        """How the trace names the model: its folder."""
        return str(self.model_dir)

    @property
    def available(self) -> bool:
        """Whether there is a model to run (``False`` once the shipped folder was found missing)."""
        if self._model is not None:
            return True
        if self._missing:
            return False
        from kgqa.reader.low_rank import has_weights

        return has_weights(self.model_dir)

    @property
    def threshold(self) -> float:
        """The decision threshold: the one given, else the model folder's, else :data:`DEFAULT_THRESHOLD`."""
        if self._threshold is not None:
            return self._threshold
        stored = self.meta.get("threshold")
        return check_threshold(stored, f"{self.model_dir}/kgqa_model.json threshold") if stored else DEFAULT_THRESHOLD

    @property
    def meta(self) -> dict[str, Any]:
        """``kgqa_model.json`` of the model folder (``{}`` when it has none)."""
        if self._meta is None:
            from kgqa.reader.modelio import read_meta

            self._meta = read_meta(self.model_dir) if self.model_dir.is_dir() else {}
        return self._meta

    def warm_up(self) -> bool:
        """Load the model now; returns whether it is available (a missing shipped folder: ``False``)."""
        if self._model is not None:
            return True
        with self._load_lock:
            if self._model is None and not self._missing:
                self._load()
        return self._model is not None

    def _load(self) -> None:
        import torch

        from kgqa.precision import autocast_dtype, quantize_int8
        from kgqa.reader.low_rank import has_weights
        from kgqa.reader.modelio import load_model_folder
        from kgqa.reader.tokenizer_pool import TokenizerPool

        if self.shipped and not has_weights(self.model_dir):
            self._missing = True
            logger.warning(
                "no false-premise model at %s: the learned false-premise detector is off "
                "(train one with `kgqa train false-premise` or set false_premise_detector to false)",
                self.model_dir,
            )
            return
        model, tok = load_model_folder(self.model_dir, head="nli")
        if model.config.num_labels != len(LABELS):
            raise ModelNotFoundError(
                f"{self.model_dir} is a {model.config.num_labels}-label classifier, not the 2-label false-premise "
                "model; pass the folder written by `kgqa train false-premise`"
            )
        device = torch.device(self.device_name or ("cuda" if torch.cuda.is_available() else "cpu"))
        autocast_dtype(self.precision, device)  # validates the setting
        if self.quantize and device.type == "cpu":
            model = quantize_int8(model.float())
        self._tokenizers = TokenizerPool(tok)
        self._model = model.to(device)  # set last: a thread that sees it sees the tokenizers too

    @contextmanager
    def _session(self) -> Iterator[tuple[Any, Any]]:
        assert self._model is not None and self._tokenizers is not None  # warm_up succeeded
        with self._tokenizers.borrow() as tok:
            yield self._model, tok

    # ------------------------------------------------------------------ scoring
    def score(self, questions: Sequence[str]) -> np.ndarray | None:
        """``P(false premise)`` of each question, shape ``[n]``; ``None`` when the detector is off.

        Raises:
            InputError: ``questions`` is not a list of strings.
        """
        import torch

        from kgqa.precision import autocast, autocast_dtype
        from kgqa.reader.batching import collate

        if isinstance(questions, str) or not all(isinstance(q, str) for q in questions):
            raise InputError("FalsePremiseDetector.score takes a list of question strings")
        if not self.warm_up():
            return None
        qs = list(questions)
        out = np.zeros(len(qs), dtype=np.float32)
        if not qs:
            return out
        with self._session() as (model, tok), torch.inference_mode():
            device = next(model.parameters()).device
            amp = None if (self.quantize and device.type == "cpu") else autocast_dtype(self.precision, device)
            enc = tok(qs, truncation=True, max_length=self.max_length)
            feats = [
                {"input_ids": ids, "token_type_ids": tt}
                for ids, tt in zip(enc["input_ids"], enc["token_type_ids"], strict=True)
            ]
            order = sorted(range(len(feats)), key=lambda i: len(feats[i]["input_ids"]))
            with autocast(device, amp):
                for b in range(0, len(order), self.batch_size):
                    chunk = order[b : b + self.batch_size]
                    batch = collate([feats[i] for i in chunk], tok.pad_token_id)
                    logits = model(**{k: v.to(device) for k, v in batch.items()}).logits.float()
                    out[chunk] = torch.softmax(logits, dim=-1)[:, 1].cpu().numpy()
        return out


# ---------------------------------------------------------------------- the decision
def needs_detector(analysis: QuestionAnalysis, checks: Sequence[PremiseCheck], answered: bool | None) -> bool:
    """Whether the question has a presupposition nothing else decided.

    A presupposed check with status ``unknown``; or, for a question that is not yes/no and has no
    presupposed check at all, ``answered is False``: neither the graph nor a passage that entails
    the answer supports what the question takes for granted (``None``: not known yet).
    """
    presupposed = [c for c in checks if c.source == "presupposed"]
    if presupposed:
        return any(c.status == "unknown" for c in presupposed)
    return answered is False and analysis.qtype != "yes_no"


def entity_context(
    kg: KnowledgeGraph | None, mentions: Sequence[Mention], hits: Sequence[Hit], per_entity: int = 3
) -> list[Evidence]:
    """Graph facts and retrieved passages about the question's linked entities, as neutral evidence.

    They are what the pipeline found about the entities; the detector did not read them.
    """
    out: list[Evidence] = []
    seen: set[str] = set()
    for m in mentions:
        if m.iri in seen:
            continue
        seen.add(m.iri)
        if kg is not None:
            for t in kg.facts(m.iri, None, None, inferred=False)[:per_entity]:
                out.append(
                    Evidence(
                        "triple", "neutral", t.text(), 1.0, triples=(t,), detail={"role": "context", "entity": m.label}
                    )
                )
        name = m.label.lower()
        about = [h for h in hits if m.iri in h.passage.entities or (name and name in h.passage.text.lower())]
        for h in about[:2]:
            out.append(
                Evidence(
                    "passage",
                    "neutral",
                    h.passage.text,
                    float(h.score),
                    passage_id=h.passage.id,
                    start=0,
                    end=len(h.passage.text),
                    detail={"role": "context", "entity": m.label, "title": h.passage.title},
                )
            )
    return out


def model_evidence(question: str, score: float, threshold: float, model: str) -> Evidence:
    """The evidence item that records the detector's judgement (a model's, not a fact)."""
    above = score >= threshold
    text = (
        f"The learned false-premise detector (a model, not a fact) gives this question a probability of "
        f"{score:.3f} of resting on a false premise; its threshold is {threshold:.3f}, so it "
        + ("rejects the premise." if above else "does not reject it.")
    )
    return Evidence(
        "model",
        "contradicts" if above else "neutral",
        text,
        float(score),
        detail={
            "decided_by": "model",
            "model": model,
            "score": float(score),
            "threshold": float(threshold),
            "input": question,
        },
    )


def apply_detector(
    question: str,
    checks: Sequence[PremiseCheck],
    score: float,
    threshold: float,
    context: Sequence[Evidence] = (),
    model: str = MODEL_NAME,
) -> list[PremiseCheck]:
    """``checks`` with the detector's judgement applied.

    Each presupposed check still ``unknown`` becomes ``contradicted`` (rule :data:`RULE`, confidence
    the score) when ``score >= threshold``, else stays ``unknown`` with the score recorded. Without
    any presupposed check, a ``contradicted`` check of the question itself is added from the
    threshold up (nothing is added below it). Supported and contradicted checks and stated
    premises are returned unchanged.
    """
    check_threshold(threshold)
    above = score >= threshold
    judged = model_evidence(question, score, threshold, model)
    presupposed = [c for c in checks if c.source == "presupposed"]
    out: list[PremiseCheck] = []
    for c in checks:
        if c.source != "presupposed" or c.status != "unknown":
            out.append(c)
        elif above:
            out.append(
                replace(
                    c,
                    status="contradicted",
                    confidence=round(float(score), 4),
                    evidence=(judged, *context, *c.evidence),
                    rule=RULE,
                    correction=None,
                )
            )
        else:
            out.append(replace(c, evidence=(*c.evidence, judged)))
    if not presupposed and above:
        out.append(
            PremiseCheck(
                text=question,
                status="contradicted",
                confidence=round(float(score), 4),
                evidence=(judged, *context),
                claim=None,
                source="presupposed",
                correction=None,
                rule=RULE,
            )
        )
    return out
