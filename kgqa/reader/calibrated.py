"""Calibrated probabilities of the reader and the NLI model, as stored in their ``kgqa_model.json``.

Torch-free (numpy only), so that the pipeline's trace can use it without loading a model:

- the NLI model's block is one temperature (:class:`~kgqa.calibration.TemperatureScaling`):
  ``{"calibration": {"temperature": T, "fitted_on": ..., ...}}``;
- the reader's block holds two logistic maps (:class:`~kgqa.calibration.PlattScaling`):
  ``answer`` (features of a span -> P(the span is right)) and ``no_answer`` (the passage's
  no-answer score -> P(the passage holds no answer)); see :class:`ReaderCalibration`.

Both are fitted by ``kgqa train calibrate-models`` on each recipe's carved-out dev data. A folder
without a block has no calibration (the NLI model then uses temperature 1, the reader gives no
probabilities); a malformed block raises :class:`~kgqa.errors.ConfigError` naming the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.calibration import PlattScaling, TemperatureScaling
from kgqa.errors import ConfigError
from kgqa.types import ReaderSpan

#: the NLI model's classes, in the order of its probability rows
NLI_LABELS = ("entailment", "neutral", "contradiction")
#: the features a reader calibration map may name (see :func:`span_features`)
SPAN_FEATURES = ("span_prob", "span_score", "no_answer_score")
_FEATURE_LIMIT = 1000.0  # an infinite no-answer score (no span at all) is clipped to this
_REFIT = {
    "nli": "re-fit it with `kgqa train calibrate-models --nli` or delete the 'calibration' block "
    "(the raw probabilities are then used)",
    "reader": "re-fit it with `kgqa train calibrate-models --reader` or delete the 'calibration' block "
    "(the reader then gives no probabilities)",
}


def span_features(span: ReaderSpan, candidates: Sequence[ReaderSpan] | None = None) -> dict[str, float]:
    """The features of one span that the reader's calibration maps read.

    ``span_prob`` is the softmax of the span's score among the candidates of its passage
    (``candidates`` from other passages are ignored; the span counts as one of them, so without
    candidates it is 1), ``span_score`` its start plus end logit, ``no_answer_score`` its passage's
    null minus best span score (see :mod:`kgqa.reader.postprocess`).

    Example:
        >>> a, b = ReaderSpan("p", "x", 0, 1, 2.0, -1.0), ReaderSpan("p", "y", 2, 3, 2.0, -1.0)
        >>> span_features(a, [a, b])["span_prob"]
        0.5
    """
    same = [c for c in (candidates or ()) if c.passage_id == span.passage_id and c != span]
    scores = np.array([span.score, *(c.score for c in same)], dtype=np.float64)
    weights = np.exp(scores - scores.max())
    return {
        "span_prob": float(weights[0] / weights.sum()),
        "span_score": float(np.clip(span.score, -_FEATURE_LIMIT, _FEATURE_LIMIT)),
        "no_answer_score": float(np.clip(span.no_answer_score, -_FEATURE_LIMIT, _FEATURE_LIMIT)),
    }


@dataclass(frozen=True)
class ReaderCalibration:
    """The reader's two logistic maps.

    ``answer``: features of a span (:data:`SPAN_FEATURES`) -> P(the span is a right answer: SQuAD
    F1 >= 0.5 against a reference; never, on a passage that holds no answer); ``no_answer``: the
    passage's no-answer score -> P(the passage holds no answer to the question).

    Example:
        >>> cal = ReaderCalibration(PlattScaling([0.5], 0.0, ["span_score"]), PlattScaling([1.0], 0.0, ["no_answer_score"]))
        >>> cal.no_answer_probability(ReaderSpan("p", "x", 0, 1, 2.0, 0.0))
        0.5
    """

    answer: PlattScaling
    no_answer: PlattScaling

    def __post_init__(self) -> None:
        for name, m in (("answer", self.answer), ("no_answer", self.no_answer)):
            unknown = [f for f in m.features if f not in SPAN_FEATURES]
            if not m.features or unknown:
                raise ConfigError(
                    f"the reader's {name!r} map must name its features among {', '.join(SPAN_FEATURES)}, "
                    f"got {m.features!r}"
                )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReaderCalibration:
        """Read a reader's ``calibration`` block; raise :class:`ConfigError` if it is malformed."""
        if not isinstance(d, dict) or not isinstance(d.get("answer"), dict) or not isinstance(d.get("no_answer"), dict):
            raise ConfigError("the reader's calibration block needs an 'answer' and a 'no_answer' map")
        return cls(PlattScaling.from_dict(d["answer"]), PlattScaling.from_dict(d["no_answer"]))

    def answer_probability(self, span: ReaderSpan, candidates: Sequence[ReaderSpan] | None = None) -> float:
        """P(``span`` is a right answer)."""
        feats = span_features(span, candidates)
        return self.answer(*(feats[f] for f in self.answer.features))

    def no_answer_probability(self, span: ReaderSpan) -> float:
        """P(the passage of ``span`` holds no answer)."""
        feats = span_features(span)
        return self.no_answer(*(feats[f] for f in self.no_answer.features))


def _block_from_meta(meta: dict[str, Any], where: str | Path, parse: Any, kind: str) -> Any:
    """``parse(meta["calibration"])``, ``None`` without the block, a :class:`ConfigError` naming the fix if malformed."""
    block = meta.get("calibration")
    if block is None:
        return None
    try:
        return parse(block)
    except ConfigError as exc:
        raise ConfigError(f"{where}: bad 'calibration' block: {exc}; {_REFIT[kind]}") from None


def temperature_from_meta(meta: dict[str, Any], where: str | Path) -> TemperatureScaling | None:
    """The NLI temperature of a model's metadata (``None`` without a ``calibration`` block).

    Raises:
        ConfigError: naming ``where`` and the fix, if the block is malformed.
    """
    return _block_from_meta(meta, where, TemperatureScaling.from_dict, "nli")


def reader_calibration_from_meta(meta: dict[str, Any], where: str | Path) -> ReaderCalibration | None:
    """The reader maps of a model's metadata (``None`` without a ``calibration`` block).

    Raises:
        ConfigError: naming ``where`` and the fix, if the block is malformed.
    """
    return _block_from_meta(meta, where, ReaderCalibration.from_dict, "reader")


def calibrated_probs(nli: object, probs: np.ndarray) -> np.ndarray:
    """``probs`` through ``nli.calibrate`` where the NLI model has one (any NLI predictor), else unchanged."""
    calibrate = getattr(nli, "calibrate", None)
    return calibrate(probs) if callable(calibrate) else np.asarray(probs, dtype=np.float32)


def label_probs(p: np.ndarray | Sequence[float]) -> dict[str, float]:
    """``{"entailment": .., "neutral": .., "contradiction": ..}`` of one probability row."""
    return {label: float(v) for label, v in zip(NLI_LABELS, p, strict=True)}


def span_records(reader: object, spans: Sequence[ReaderSpan], candidates: Sequence[ReaderSpan]) -> list[dict[str, Any]]:
    """``spans`` as trace dicts, each with the reader's calibrated ``answer_probability`` and
    ``no_answer_probability`` (``None`` where the reader has no calibration or offers none).
    """
    answer_p = getattr(reader, "answer_probability", None)
    no_answer_p = getattr(reader, "no_answer_probability", None)
    out = []
    for s in spans:
        d = s.to_dict()
        d["answer_probability"] = answer_p(s, candidates) if callable(answer_p) else None
        d["no_answer_probability"] = no_answer_p(s) if callable(no_answer_p) else None
        out.append(d)
    return out


__all__ = [
    "NLI_LABELS",
    "SPAN_FEATURES",
    "ReaderCalibration",
    "calibrated_probs",
    "label_probs",
    "reader_calibration_from_meta",
    "span_features",
    "span_records",
    "temperature_from_meta",
]
