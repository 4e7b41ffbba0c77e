"""Calibrated confidence: maps from a rule's or a model's own score to the probability of being right.

Three maps, each stored as plain JSON (no pickle) and applied with numpy:

- :class:`IsotonicMap`: a monotone, piecewise-linear map from a score to a probability (fitted by
  scikit-learn's isotonic regression at training time and stored as its breakpoints, with the
  number of fitted cases behind each, so that a step fitted on few cases is shrunk toward 1/2);
- :class:`TemperatureScaling`: softmax logits divided by one temperature (the NLI model's classes);
- :class:`PlattScaling`: a logistic map of a few features (the reader's span and no-answer scores).

:class:`VerdictCalibrator` holds one :class:`IsotonicMap` per kind of verdict: ``answer:<verdict>`` for
``ask`` (``answered``, ``unverified``, ``contradicted``, ``premise_rejected``, ``no_answer``) and
``claim:<status>`` for premises and ``check`` (``supported``, ``contradicted``). A verdict without a map
of its own uses its family's pooled map (``answer:*``, ``claim:*``). ``unknown`` asserts nothing and
keeps confidence 0. The rule's own value stays on the result as ``rule_score`` and in the trace.

The shipped calibrator is ``data/models/calibration/verdict.json``, written by
``kgqa train calibration`` from labelled cases on the shipped world (see its card).

Example:
    >>> m = IsotonicMap(x=[0.0, 0.5, 1.0], y=[0.1, 0.5, 0.9], n=[10, 10, 10])
    >>> round(m(0.75), 2)  # 0.9 on 10 cases reads 0.86 after shrinkage
    0.68
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kgqa.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.types import Answer, PremiseCheck

#: the calibrator file format; a file of another version is refused with the command that rewrites it
FORMAT_VERSION = 1
#: verdicts that assert nothing: their confidence is not a probability of being right and stays 0
UNCALIBRATED = frozenset({"unknown"})
_REFIT = "rewrite it with `kgqa train calibration --out FILE` or set calibration_file to none"


@dataclass
class IsotonicMap:
    """A monotone map ``score -> P(right)``: linear between breakpoints ``x`` (ascending), flat outside.

    ``n`` is how many fitted cases each breakpoint's value stands on (``None``: no shrinkage): a
    value ``y`` on ``n`` cases is reported as ``(y * n + prior_weight / 2) / (n + prior_weight)``,
    so a step fitted on three cases that were all right reads 0.9 rather than 1.0.
    """

    x: list[float]
    y: list[float]
    n: list[int] | None = None
    prior_weight: float = 1.0

    def __post_init__(self) -> None:
        if not self.x or len(self.x) != len(self.y) or (self.n is not None and len(self.n) != len(self.x)):
            raise ConfigError(f"an isotonic map needs as many x as y (and n) values, got {len(self.x)}/{len(self.y)}")
        if any(b < a for a, b in zip(self.x, self.x[1:], strict=False)):
            raise ConfigError("an isotonic map's x values must be ascending")
        if any(not 0.0 <= v <= 1.0 or math.isnan(v) for v in self.y):
            raise ConfigError("an isotonic map's y values must be probabilities in [0, 1]")
        y = np.asarray(self.y, dtype=float)
        if self.n is not None:
            n = np.asarray(self.n, dtype=float)
            y = (y * n + self.prior_weight / 2) / (n + self.prior_weight)
        self._xs = np.asarray(self.x, dtype=float)
        self._ys = y

    def __call__(self, score: float) -> float:
        """The probability for ``score`` (a NaN score gives the map's lowest value)."""
        if math.isnan(score):
            return float(self._ys[0])
        return float(np.interp(score, self._xs, self._ys))

    def to_dict(self) -> dict[str, Any]:
        return {"x": list(self.x), "y": list(self.y), "n": self.n, "prior_weight": self.prior_weight}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IsotonicMap:
        return cls(
            [float(v) for v in d["x"]],
            [float(v) for v in d["y"]],
            [int(v) for v in d["n"]] if d.get("n") is not None else None,
            float(d.get("prior_weight", 1.0)),
        )


@dataclass
class TemperatureScaling:
    """Softmax with logits divided by ``temperature`` (> 0); the arg-max never changes."""

    temperature: float

    def __post_init__(self) -> None:
        if not (self.temperature > 0 and math.isfinite(self.temperature)):
            raise ConfigError(f"a temperature must be a positive number, got {self.temperature!r}")

    def probs(self, probs: np.ndarray) -> np.ndarray:
        """Rescale probabilities ``[..., classes]`` as if their logits were divided by the temperature."""
        logp = np.log(np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0)) / self.temperature
        logp -= logp.max(axis=-1, keepdims=True)
        out = np.exp(logp)
        return (out / out.sum(axis=-1, keepdims=True)).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {"temperature": self.temperature}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TemperatureScaling:
        """Read ``{"temperature": T}``; anything else raises :class:`ConfigError`."""
        if not isinstance(d, dict) or isinstance(d.get("temperature"), bool):
            raise ConfigError(f"a temperature block must be an object with a number 'temperature', got {d!r}")
        try:
            return cls(float(d["temperature"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"a temperature block needs a positive number 'temperature' ({exc!r})") from None


@dataclass
class PlattScaling:
    """``sigmoid(coef . features + intercept)``: a logistic map of a few named features."""

    coef: list[float]
    intercept: float
    features: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.features and len(self.features) != len(self.coef):
            raise ConfigError(f"a logistic map has {len(self.coef)} weights but {len(self.features)} feature names")

    def __call__(self, *values: float) -> float:
        if len(values) != len(self.coef):
            raise ConfigError(f"this logistic map takes {len(self.coef)} features, got {len(values)}")
        z = float(np.dot(self.coef, values)) + self.intercept
        return float(1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z)))))

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "coef": list(self.coef), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlattScaling:
        """Read ``{"coef": [...], "intercept": b, "features": [...]}``; a malformed one raises :class:`ConfigError`."""
        try:
            coef = [float(v) for v in d["coef"]]
            intercept = float(d["intercept"])
            features = [str(f) for f in d.get("features") or []]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"a logistic map needs a 'coef' list and a number 'intercept' ({exc!r})") from None
        if not coef or not all(math.isfinite(v) for v in [*coef, intercept]):
            raise ConfigError("a logistic map needs at least one weight, and finite weights and intercept")
        return cls(coef, intercept, features)


def family(key: str) -> str:
    """``"answer:answered"`` -> ``"answer:*"``: the pooled map a verdict falls back to."""
    return key.split(":", 1)[0] + ":*"


@dataclass
class VerdictCalibrator:
    """One isotonic map per verdict kind (see the module docstring), with what it was fitted on."""

    maps: dict[str, IsotonicMap]
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def probability(self, key: str, score: float) -> float | None:
        """``P(right)`` for a verdict (``"answer:answered"``, ``"claim:supported"``, ...) with this rule score.

        ``None`` for a verdict that asserts nothing (``unknown``) or a family without any map.
        """
        if key.split(":", 1)[-1] in UNCALIBRATED:
            return None
        m = self.maps.get(key) or self.maps.get(family(key))
        return None if m is None else round(m(float(score)), 4)

    def check(self, check: PremiseCheck) -> PremiseCheck:
        """The check with its confidence calibrated and its rule's own value kept as ``rule_score``."""
        if check.rule_score is not None:  # already calibrated
            return check
        p = self.probability(f"claim:{check.status}", check.confidence)
        if p is None:
            return replace(check, rule_score=check.confidence)
        return replace(check, confidence=p, rule_score=check.confidence)

    def answer(self, answer: Answer) -> Answer:
        """The answer with its verdict's confidence and every premise's calibrated (the trace says so)."""
        raw = answer.confidence if answer.rule_score is None else answer.rule_score
        p = self.probability(f"answer:{answer.verdict}", raw)
        premises = [self.check(c) for c in answer.premises]
        out = replace(answer, premises=premises, rule_score=raw, confidence=raw if p is None else p)
        if answer.trace is not None and answer.trace.decision is not None:
            answer.trace.decision.update({"confidence": out.confidence, "rule_score": raw, "calibration": self.name})
            step = answer.trace.get("decision")
            if step is not None:
                step.outputs.update({"confidence": out.confidence, "rule_score": raw, "calibration": self.name})
            step = answer.trace.get("premise_check")
            if step is not None and "checks" in step.outputs:
                step.outputs["checks"] = [c.to_dict() for c in premises]
        return out

    @property
    def name(self) -> str:
        """What the trace names: the file and what it was fitted on."""
        where = str(self.path.name) if self.path else "in-memory"
        return f"{where} ({self.meta.get('fitted_on', 'unknown cases')})"

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "maps": {k: m.to_dict() for k, m in sorted(self.maps.items())},
            "meta": self.meta,
        }

    def save(self, path: str | Path) -> Path:
        """Write the calibrator as JSON."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> VerdictCalibrator:
        """Read a calibrator file; a missing, unreadable or malformed one raises :class:`ConfigError` naming the fix."""
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"calibration file {path} does not exist; {_REFIT}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"calibration file {path} is not readable JSON ({exc}); {_REFIT}") from None
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            raise ConfigError(f"calibration file {path} is not a version-{FORMAT_VERSION} kgqa calibrator; {_REFIT}")
        try:
            maps = {str(k): IsotonicMap.from_dict(v) for k, v in data["maps"].items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"calibration file {path} has a malformed map ({exc}); {_REFIT}") from None
        return cls(maps, dict(data.get("meta") or {}), path)


def default_calibration_file() -> Path:
    """The shipped calibrator: ``data/models/calibration/verdict.json``."""
    from kgqa.paths import models_dir

    return models_dir() / "calibration" / "verdict.json"


def load_calibrator(setting: str | None) -> VerdictCalibrator | None:
    """The calibrator a config names: ``None`` (the shipped file, if present), ``"none"`` (off) or a path."""
    if setting is not None and str(setting).strip().lower() in ("none", "off", ""):
        return None
    if setting is None:
        path = default_calibration_file()
        return VerdictCalibrator.load(path) if path.is_file() else None
    return VerdictCalibrator.load(setting)


__all__ = [
    "FORMAT_VERSION",
    "IsotonicMap",
    "PlattScaling",
    "TemperatureScaling",
    "VerdictCalibrator",
    "default_calibration_file",
    "family",
    "load_calibrator",
]
