"""Writing a LoRA fine-tune as a low-rank model folder (``kgqa train ... --lora --lora-export low-rank``).

The folder's format and its loading are :mod:`kgqa.reader.low_rank`; this module holds the training side: the
factors read from a peft model, and the folder written from them. It sits under ``train/`` because only training
writes such folders, and loading a shipped model needs neither peft nor these writers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

from kgqa.reader.low_rank import FACTORS_FILE, STORAGE, base_digest, base_encoder_state
from kgqa.reader.modelio import write_meta

_PEFT_PREFIX = "base_model.model."


def low_rank_factors(peft_model: torch.nn.Module) -> dict[str, tuple[torch.Tensor, torch.Tensor, float]]:
    """``{weight key: (A, B, scale)}`` of every LoRA-adapted linear layer of a peft model (its default adapter)."""
    out: dict[str, tuple[torch.Tensor, torch.Tensor, float]] = {}
    for name, module in peft_model.named_modules():
        lora_a, lora_b = getattr(module, "lora_A", None), getattr(module, "lora_B", None)
        if lora_a is None or lora_b is None or "default" not in lora_a:
            continue
        key = name.removeprefix(_PEFT_PREFIX) + ".weight"
        scale = float(module.scaling["default"])
        out[key] = (lora_a["default"].weight.detach().cpu(), lora_b["default"].weight.detach().cpu(), scale)
    return out


def factor_tensors(factors: dict[str, tuple[torch.Tensor, torch.Tensor, float]]) -> dict[str, torch.Tensor]:
    """The float16 tensors that store :func:`low_rank_factors` (``<key>.lora_A`` and ``<key>.lora_B``)."""
    tensors: dict[str, torch.Tensor] = {}
    for key, (a, b, _scale) in factors.items():
        tensors[f"{key}.lora_A"] = a.to(torch.float16).contiguous()
        tensors[f"{key}.lora_B"] = b.to(torch.float16).contiguous()
    return tensors


def save_low_rank_folder(
    peft_model: torch.nn.Module,
    plain: torch.nn.Module,
    out_dir: str | Path,
    task: str,
    head_prefix: str,
    extra_meta: dict[str, Any] | None = None,
) -> Path:
    """Write a low-rank folder: the config, the factors and the head (float16), and ``kgqa_model.json``.

    Args:
        peft_model: the trained peft model (its LoRA factors are read).
        plain: the same model with the factors merged (:func:`kgqa.train.common.plain_model`): its head is saved
            and its encoder checked against the base plus the factors.
        out_dir: the folder (created).
        task: the kgqa task name recorded in the metadata.
        head_prefix: the head's state-dict prefix (``"classifier."`` or ``"qa_outputs."``).
        extra_meta: merged into ``kgqa_model.json``.
    """
    factors = low_rank_factors(peft_model)
    if not factors:
        raise ValueError("the model has no LoRA factors: train with --lora, or write the folder in full")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plain.config.save_pretrained(out)
    tensors = factor_tensors(factors)
    head = {k: v.detach().cpu() for k, v in plain.state_dict().items() if k.startswith(head_prefix)}
    if not head:
        raise ValueError(f"the model has no tensors under {head_prefix!r}")
    tensors.update({k: v.to(torch.float16).contiguous() for k, v in head.items()})
    save_file(tensors, str(out / FACTORS_FILE), metadata={"format": "pt"})
    base = base_encoder_state(plain.config, type(plain))
    fields = {
        "task": task,
        "storage": STORAGE,
        "storage_dtype": "float16",
        "base_digest": base_digest(base),
        "low_rank": {k: {"scale": s, "rank": int(a.shape[0])} for k, (a, _b, s) in sorted(factors.items())},
        "head": sorted(head),
        "tokenizer": "base",
    }
    write_meta(out, fields, extra_meta)
    return out
