"""The extractive-QA reader: n-best answer spans with character offsets and a no-answer score."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch

from kgqa.errors import InputError
from kgqa.precision import autocast, autocast_dtype, quantize_int8
from kgqa.reader.batching import collate
from kgqa.reader.calibrated import ReaderCalibration, reader_calibration_from_meta
from kgqa.reader.modelio import load_model_folder, read_meta
from kgqa.reader.postprocess import abstains, best_spans
from kgqa.reader.tokenizer_pool import TokenizerPool
from kgqa.reader.windows import Window, sliding_windows, tokenize_contexts
from kgqa.types import ReaderSpan

logger = logging.getLogger(__name__)


def no_answer_probability(no_answer_score: float) -> float:
    """``sigmoid(no-answer score)``: the reader's probability that the passage holds no answer.

    The no-answer score is ``null - best span`` in logits, so this is the two-way softmax of
    the ``[CLS]`` score against the best span's.
    """
    if no_answer_score >= 0:
        return 1.0 / (1.0 + math.exp(-min(no_answer_score, 700.0)))
    z = math.exp(max(no_answer_score, -700.0))
    return z / (1.0 + z)


class Reader:
    """Extractive reader over a kgqa model folder.

    Args:
        model_dir: the folder written by ``kgqa train qa`` (default: the shipped reader).
        max_length: tokens per window at inference.
        stride: overlap between windows of long passages.
        batch_size: windows per forward pass.
        quantize: int8 dynamic quantisation (CPU only; see :func:`kgqa.precision.quantize_int8`).
        precision: ``"auto"`` runs bfloat16 autocast where the hardware has it (see
            :mod:`kgqa.precision`); ``"fp32"`` turns it off.
        no_answer_threshold: the reader abstains on a passage whose no-answer score exceeds
            this; ``None`` takes the threshold stored with the model (``kgqa_model.json``,
            ``no_answer.threshold``, chosen on a dev split by ``kgqa train qa --unanswerable-rate``);
            a model without one never abstains.

    With a calibration stored with the model (``kgqa_model.json``, ``calibration``, fitted by
    ``kgqa train calibrate-models --reader``), :meth:`answer_probability` and
    :meth:`no_answer_probability` give probabilities; without one they give ``None``.

    Example:
        >>> reader = Reader()  # doctest: +SKIP
        >>> reader.read("Who wrote Hamlet?", [("p1", "Hamlet is a tragedy by William Shakespeare.")])[0].text  # doctest: +SKIP
        'William Shakespeare'
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        max_length: int = 256,
        stride: int = 96,
        max_query_length: int = 48,
        batch_size: int = 32,
        quantize: bool = False,
        device: str | None = None,
        precision: str = "auto",
        no_answer_threshold: float | None = None,
    ) -> None:
        from kgqa.paths import models_dir

        self.model_dir = Path(model_dir) if model_dir else models_dir() / "reader"
        self.max_length = max_length
        self.stride = stride
        self.max_query_length = max_query_length
        self.batch_size = batch_size
        self.quantize = quantize
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.precision = precision
        autocast_dtype(precision, self.device)  # validates the setting now
        self._model: torch.nn.Module | None = None
        self._tokenizers: TokenizerPool | None = None
        self._load_lock = threading.Lock()
        self._threshold_override = no_answer_threshold
        self._model_threshold: tuple[float | None] | None = None  # read from the folder once
        self._calibration: tuple[ReaderCalibration | None] | None = None  # read from the folder once

    @property
    def calibration(self) -> ReaderCalibration | None:
        """The stored probability maps, or ``None``; read from the folder once."""
        if self._calibration is None:
            folder = Path(self.model_dir)
            meta = read_meta(folder) if folder.is_dir() else {}
            self._calibration = (reader_calibration_from_meta(meta, folder / "kgqa_model.json"),)
        return self._calibration[0]

    def answer_probability(self, span: ReaderSpan, candidates: Sequence[ReaderSpan] | None = None) -> float | None:
        """P(``span`` is a right answer), from its features among ``candidates`` (see :func:`kgqa.reader.calibrated.span_features`).

        Pass the spans the reader returned for the question as ``candidates`` (those of other
        passages are ignored); ``None`` without a calibration.
        """
        cal = self.calibration
        return None if cal is None else round(cal.answer_probability(span, candidates), 4)

    def no_answer_probability(self, span: ReaderSpan) -> float | None:
        """P(the passage of ``span`` holds no answer), from its no-answer score; ``None`` without a calibration."""
        cal = self.calibration
        return None if cal is None else round(cal.no_answer_probability(span), 4)

    @property
    def no_answer_threshold(self) -> float | None:
        """The null threshold in use: the override, else the model's, else ``None`` (never abstain)."""
        if self._threshold_override is not None:
            return float(self._threshold_override)
        if self._model_threshold is None:
            value = None
            if Path(self.model_dir).is_dir():
                value = (read_meta(self.model_dir).get("no_answer") or {}).get("threshold")
            self._model_threshold = (float(value) if isinstance(value, (int, float)) else None,)
        return self._model_threshold[0]

    def abstains(self, spans: Sequence[ReaderSpan]) -> bool:
        """Whether the reader declines to answer from these spans of one question.

        True when a threshold is set and every passage's no-answer score exceeds it (see
        :func:`kgqa.reader.postprocess.abstains`; no spans at all is not an abstention).
        """
        return abstains(spans, self.no_answer_threshold)

    @classmethod
    def from_model(cls, model: torch.nn.Module, tokenizer: Any, **kwargs: Any) -> Reader:
        """Wrap an in-memory model (used by training to evaluate)."""
        reader = cls(model_dir=kwargs.pop("model_dir", "<in-memory>"), **kwargs)
        reader._tokenizers = TokenizerPool(tokenizer)
        reader._model = model
        reader.device = next(model.parameters()).device
        return reader

    @property
    def amp_dtype(self) -> torch.dtype | None:
        """The autocast dtype used at inference (``None``: float32; always float32 when quantised)."""
        if self.quantize and self.device.type == "cpu":
            return None
        return autocast_dtype(self.precision, self.device)

    @property
    def loaded(self) -> bool:
        """Whether the model and tokenizer have been read from disk."""
        return self._model is not None

    def warm_up(self) -> None:
        """Load the model now rather than on first use (once, however many threads ask at the same time)."""
        if self._model is not None:
            return
        with self._load_lock:
            if self._model is None:
                _ = self.calibration  # a malformed calibration block fails at load time, not mid-question
                model, tok = load_model_folder(self.model_dir, head="qa")
                if self.quantize and self.device.type == "cpu":
                    model = quantize_int8(model.float())
                self._tokenizers = TokenizerPool(tok)
                self._model = model.to(self.device)  # set last: a thread that sees it sees the tokenizers too

    @contextmanager
    def _session(self) -> Iterator[tuple[torch.nn.Module, Any]]:
        """The model and a tokenizer that no other thread uses until the block ends.

        The forward pass needs no lock (inference does not change the model); the tokenizer
        does, so each call borrows one from a :class:`~kgqa.reader.tokenizer_pool.TokenizerPool`.
        """
        self.warm_up()
        assert self._model is not None and self._tokenizers is not None  # set by warm_up
        with self._tokenizers.borrow() as tok:
            yield self._model, tok

    @property
    def tokenizer(self) -> Any:
        """The tokenizer (loads the model); calls from several threads at once must borrow from the pool."""
        self.warm_up()
        assert self._tokenizers is not None  # set by warm_up
        return self._tokenizers.tokenizer

    def read(
        self,
        question: str,
        passages: Sequence[tuple[str, str]],
        n_best: int = 5,
        max_answer_length: int = 30,
    ) -> list[ReaderSpan]:
        """Answer spans for ``question`` from ``passages`` (``(id, text)`` pairs), best first."""
        return self.read_batch([question], [passages], n_best=n_best, max_answer_length=max_answer_length)[0]

    def read_batch(
        self,
        questions: Sequence[str],
        passages: Sequence[Sequence[tuple[str, str]]],
        n_best: int = 5,
        max_answer_length: int = 30,
    ) -> list[list[ReaderSpan]]:
        """:meth:`read` for many questions, all windows batched together."""
        if len(questions) != len(passages):
            raise InputError("read_batch needs one passage list per question")
        with self._session() as (model, tok):
            items, results = self._logits(model, tok, questions, passages)
        grouped: dict[tuple[int, int], list[int]] = {}
        for i, (qi, pi, _) in enumerate(items):
            grouped.setdefault((qi, pi), []).append(i)
        answers: list[list[ReaderSpan]] = [[] for _ in questions]
        for (qi, pi), idxs in grouped.items():
            pid, text = passages[qi][pi]
            cands, no_ans = best_spans(
                [results[i][0] for i in idxs],
                [results[i][1] for i in idxs],
                [items[i][2].offsets for i in idxs],
                text,
                n_best=max(n_best, 20),
                max_answer_length=max_answer_length,
            )
            for c in cands[:n_best]:
                answers[qi].append(ReaderSpan(pid, c.text, c.start, c.end, c.score, no_ans))
        for spans in answers:
            spans.sort(key=lambda s: s.score, reverse=True)
        return [spans[: max(n_best, 1) * 4] for spans in answers]

    def _logits(
        self,
        model: torch.nn.Module,
        tok: Any,
        questions: Sequence[str],
        passages: Sequence[Sequence[tuple[str, str]]],
    ) -> tuple[list[tuple[int, int, Window]], dict[int, tuple[np.ndarray, np.ndarray]]]:
        """Every window as ``(question index, passage index, window)``, and its start/end logits by item index."""
        items: list[tuple[int, int, Window]] = []
        unique = list(dict.fromkeys(text for plist in passages for _, text in plist))
        ctx_cache = dict(zip(unique, tokenize_contexts(tok, unique), strict=True))
        q_tokens = tok(list(questions), add_special_tokens=False)["input_ids"] if questions else []
        for qi, plist in enumerate(passages):
            q_ids = list(q_tokens[qi])[: self.max_query_length]
            for pi, (_, text) in enumerate(plist):
                ids, offs = ctx_cache[text]
                for w in sliding_windows(tok, q_ids, ids, offs, self.max_length, self.stride):
                    items.append((qi, pi, w))
        order = sorted(range(len(items)), key=lambda i: len(items[i][2].input_ids))
        results: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        with torch.inference_mode(), autocast(self.device, self.amp_dtype):
            for b in range(0, len(order), self.batch_size):
                chunk = order[b : b + self.batch_size]
                feats = [
                    {"input_ids": items[i][2].input_ids, "token_type_ids": items[i][2].token_type_ids} for i in chunk
                ]
                batch = {k: v.to(self.device) for k, v in collate(feats, tok.pad_token_id).items()}
                out = model(**batch)
                sl = out.start_logits.float().cpu().numpy()
                el = out.end_logits.float().cpu().numpy()
                for row, i in enumerate(chunk):
                    n = len(items[i][2].input_ids)
                    results[i] = (sl[row, :n], el[row, :n])
        return items, results
