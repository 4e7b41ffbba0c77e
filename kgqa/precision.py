"""Numeric precision: which reduced-precision mode this machine runs fast.

Training and inference both take a precision setting:

* ``"auto"``: bfloat16 autocast on a CUDA GPU (float16 where the GPU lacks
  bfloat16) and on a CPU with native bfloat16 instructions (AVX512-BF16 or AMX,
  e.g. AMD Zen 4 or Intel Sapphire Rapids); float32 elsewhere.
* ``"bf16"``, ``"fp16"``: that autocast dtype, whatever the hardware.
* ``"fp32"`` (or ``"no"``): no autocast.

Weights stay float32 in memory; autocast runs the matrix products in the
reduced dtype, which on a bf16-capable CPU roughly halves the time of a BERT
forward pass (see ``benchmarks/README.md`` for the measured accuracy cost).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from kgqa.errors import ConfigError

if TYPE_CHECKING:
    import torch

PRECISIONS = ("auto", "bf16", "fp16", "fp32", "no")


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when oneDNN reports native bfloat16 support on this CPU."""
    import torch

    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - builds without oneDNN
        return False


def autocast_dtype(precision: str, device: torch.device | str) -> torch.dtype | None:
    """The autocast dtype for ``precision`` on ``device``, or ``None`` for float32."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    import torch

    dev = torch.device(device)
    if precision in ("fp32", "no"):
        return None
    if precision == "bf16":
        return torch.bfloat16
    if precision == "fp16":
        return torch.float16
    if dev.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if dev.type == "cpu" and cpu_has_native_bf16():
        return torch.bfloat16
    return None


def dtype_name(dtype: torch.dtype | None) -> str:
    """``"bf16"``, ``"fp16"`` or ``"fp32"``."""
    import torch

    return {torch.bfloat16: "bf16", torch.float16: "fp16"}.get(dtype, "fp32")


@contextlib.contextmanager
def autocast(device: torch.device | str, dtype: torch.dtype | None) -> Iterator[None]:
    """``torch.autocast`` for ``dtype`` on ``device``; a no-op for ``None``."""
    import torch

    dev = torch.device(device)
    with torch.autocast(dev.type, dtype=dtype, enabled=dtype is not None):
        yield


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """Int8 dynamic quantisation of a BERT-style model for CPU inference.

    The weights of the encoder's linear layers become int8 with one scale per output
    channel (per-tensor scales cost far more accuracy on these small models), and the
    activations are quantised on the fly. Two kinds of layer stay float32:

    * the feed-forward output projections (``encoder.layer.N.output.dense``), whose
      inputs carry the large outlier activations that make BERT hard to quantise
      (Bondarenko et al., 2021, "Understanding and Overcoming the Challenges of
      Efficient Transformer Quantization");
    * everything outside the encoder, such as the small task heads.

    On the shipped reader this cut int8's cost on a 500-question SQuAD dev sample
    from 5.3 F1 points (all linear layers, per-tensor scales) to 0.4, for about 40%
    more CPU time than quantising every layer; ``benchmarks/README.md`` has the
    numbers on the reported sets.

    Args:
        model: a float32 model in eval mode; it is modified in place and returned.

    Returns:
        The quantised model.
    """
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    spec = {
        name: per_channel_dynamic_qconfig
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and _quantizable(name)
    }
    return quantize_dynamic(model, spec, dtype=torch.qint8)


def _quantizable(name: str) -> bool:
    """Whether the linear layer ``name`` is quantised by :func:`quantize_int8`."""
    parts = name.split(".")
    if "encoder" not in parts:
        return False
    # encoder.layer.N.output.dense is the FFN output; encoder.layer.N.attention.output.dense is not
    return not (parts[-2:] == ["output", "dense"] and "attention" not in parts)
