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
