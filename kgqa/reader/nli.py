"""The NLI cross-encoder: entailment / neutral / contradiction probabilities for sentence pairs."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch

from kgqa.calibration import TemperatureScaling
from kgqa.errors import InputError
from kgqa.precision import autocast, autocast_dtype, quantize_int8
from kgqa.reader.batching import collate
from kgqa.reader.calibrated import NLI_LABELS, temperature_from_meta
from kgqa.reader.modelio import load_model_folder, read_meta
from kgqa.reader.tokenizer_pool import TokenizerPool

LABELS = NLI_LABELS


class NLIModel:
    """Three-way NLI over a kgqa model folder, batched with dynamic padding.

    Args:
        model_dir: the folder written by ``kgqa train nli`` (default: the shipped model).
        max_length: tokens per pair; longer pairs are cut from the premise first.
        batch_size: pairs per forward pass.
        quantize: int8 dynamic quantisation (CPU only; see :func:`kgqa.precision.quantize_int8`).
        precision: ``"auto"`` runs bfloat16 autocast where the hardware has it (see
            :mod:`kgqa.precision`); ``"fp32"`` turns it off.
        temperature: the calibration temperature; ``None`` takes the one stored with the model
            (``kgqa_model.json``, ``calibration.temperature``, fitted by ``kgqa train calibrate-models``),
            and a model without one uses 1 (the raw probabilities).

    :meth:`predict` returns the raw probabilities unless asked for ``calibrated=True``: the
    pipeline's entailment and contradiction thresholds were chosen on the raw ones, and the
    temperature never changes the arg-max.

    Example:
        >>> nli = NLIModel()  # doctest: +SKIP
        >>> nli.predict([("A man is sleeping.", "A person is asleep.")])[0].argmax()  # doctest: +SKIP
        0
    """

    labels = LABELS

    def __init__(
        self,
        model_dir: str | Path | None = None,
        max_length: int = 128,
        batch_size: int = 64,
        quantize: bool = False,
        device: str | None = None,
        precision: str = "auto",
        temperature: float | None = None,
    ) -> None:
        from kgqa.paths import models_dir

        self.model_dir = Path(model_dir) if model_dir else models_dir() / "nli"
        self.max_length = max_length
        self.batch_size = batch_size
        self.quantize = quantize
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.precision = precision
        autocast_dtype(precision, self.device)  # validates the setting now
        self._model: torch.nn.Module | None = None
        self._tokenizers: TokenizerPool | None = None
        self._load_lock = threading.Lock()
        self._scaling: tuple[TemperatureScaling | None] | None = None  # read from the folder once
        if temperature is not None:
            self._scaling = (TemperatureScaling(float(temperature)),)

    @property
    def calibration(self) -> TemperatureScaling | None:
        """The temperature scaling in use, or ``None`` (raw probabilities); read from the folder once."""
        if self._scaling is None:
            folder = Path(self.model_dir)
            meta = read_meta(folder) if folder.is_dir() else {}
            self._scaling = (temperature_from_meta(meta, folder / "kgqa_model.json"),)
        return self._scaling[0]

    @property
    def temperature(self) -> float:
        """The calibration temperature (1.0 without calibration)."""
        scaling = self.calibration
        return 1.0 if scaling is None else scaling.temperature

    def calibrate(self, probs: np.ndarray) -> np.ndarray:
        """Calibrated probabilities from raw ones ``[..., 3]`` (unchanged without a temperature; same arg-max)."""
        scaling = self.calibration
        probs = np.asarray(probs, dtype=np.float32)
        return probs.copy() if scaling is None or probs.size == 0 else scaling.probs(probs)

    @classmethod
    def from_model(cls, model: torch.nn.Module, tokenizer: Any, **kwargs: Any) -> NLIModel:
        """Wrap an in-memory model (used by training to evaluate)."""
        nli = cls(model_dir="<in-memory>", **kwargs)
        nli._tokenizers = TokenizerPool(tokenizer)
        nli._model = model
        nli.device = next(model.parameters()).device
        return nli

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
                model, tok = load_model_folder(self.model_dir, head="nli")
                if self.quantize and self.device.type == "cpu":
                    model = quantize_int8(model.float())
                self._tokenizers = TokenizerPool(tok)
                self._model = model.to(self.device)  # set last: a thread that sees it sees the tokenizers too

    @contextmanager
    def _session(self) -> Iterator[tuple[torch.nn.Module, Any]]:
        """The model and a tokenizer that no other thread uses until the block ends (as the reader's)."""
        self.warm_up()
        assert self._model is not None and self._tokenizers is not None  # set by warm_up
        with self._tokenizers.borrow() as tok:
            yield self._model, tok

    def encode(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, list[int]]]:
        """Token ids of each pair, truncated to ``max_length``."""
        with self._session() as (_, tok):
            return self._encode(tok, pairs)

    def _encode(self, tok: Any, pairs: Sequence[tuple[str, str]]) -> list[dict[str, list[int]]]:
        premises = [p for p, _ in pairs]
        hyps = [h for _, h in pairs]
        enc = tok(premises, hyps, truncation="longest_first", max_length=self.max_length)
        return [
            {"input_ids": ids, "token_type_ids": tt}
            for ids, tt in zip(enc["input_ids"], enc["token_type_ids"], strict=True)
        ]

    def predict(self, pairs: Sequence[tuple[str, str]] | tuple[str, str], calibrated: bool = False) -> np.ndarray:
        """Probabilities ``[n, 3]`` over :attr:`labels` (a single pair gives shape ``[3]``).

        With ``calibrated``, the probabilities after the stored temperature (see :meth:`calibrate`).
        """
        single = isinstance(pairs, tuple) and len(pairs) == 2 and isinstance(pairs[0], str)
        plist = [pairs] if single else list(pairs)
        for p in plist:
            if not (isinstance(p, (tuple, list)) and len(p) == 2 and all(isinstance(s, str) for s in p)):
                raise InputError("NLI pairs must be (premise, hypothesis) string tuples")
        if not plist:
            return np.zeros((0, 3), dtype=np.float32)
        out = np.zeros((len(plist), 3), dtype=np.float32)
        with self._session() as (model, tok), torch.inference_mode(), autocast(self.device, self.amp_dtype):
            feats = self._encode(tok, plist)
            order = sorted(range(len(feats)), key=lambda i: len(feats[i]["input_ids"]))
            for b in range(0, len(order), self.batch_size):
                chunk = order[b : b + self.batch_size]
                batch = collate([feats[i] for i in chunk], tok.pad_token_id)
                batch = {k: v.to(self.device) for k, v in batch.items()}
                logits = model(**batch).logits.float()
                out[chunk] = torch.softmax(logits, dim=-1).cpu().numpy()
        if calibrated:
            out = self.calibrate(out)
        return out[0] if single else out

    def predict_labels(self, pairs: Sequence[tuple[str, str]]) -> list[str]:
        """The most probable label of each pair."""
        probs = self.predict(list(pairs))
        return [LABELS[i] for i in probs.argmax(axis=-1)]
