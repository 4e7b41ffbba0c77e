"""Helpers shared by the benchmark suites: data paths, seeded samples, progress, timing."""

from __future__ import annotations

import random
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from kgqa.errors import DataNotFoundError, InputError

T = TypeVar("T")


def resolve_data(path: str | Path | None, default_relative: str) -> Path:
    """``path`` if given, else ``default_relative`` inside the data directory; it must exist."""
    if path:
        p = Path(path).expanduser()
        if not p.is_file():
            raise DataNotFoundError(f"{p} does not exist; pass an existing file with --data")
        return p
    from kgqa.paths import data_dir

    root = data_dir()
    if root is None:
        raise DataNotFoundError(
            f"no data directory found for the default {default_relative}; set KGQA_DATA or pass --data FILE"
        )
    p = root / default_relative
    if not p.is_file():
        raise DataNotFoundError(f"{p} does not exist; set KGQA_DATA or pass --data FILE")
    return p


def seeded_sample(items: Sequence[T], limit: int | None, seed: int = 0) -> list[T]:
    """``limit`` items drawn without replacement with ``seed``, in their original order (all if no limit)."""
    if limit is not None and limit < 0:
        raise InputError(f"--limit must be positive, got {limit}")
    if not limit or limit >= len(items):
        return list(items)
    keep = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in keep]


def batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for i in range(0, len(items), max(size, 1)):
        yield items[i : i + size]


def progress(iterable: Any, total: int | None = None, desc: str = "", unit: str = "it") -> Any:
    """A tqdm bar on stderr (silent when stderr is not a terminal and the run is short)."""
    from tqdm.auto import tqdm

    disable = not sys.stderr.isatty() and (total or 0) < 2
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, leave=False, dynamic_ncols=True)


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def set_threads(threads: int | None) -> None:
    """Set torch's intra-op threads when asked (``None`` or 0 keeps torch's default)."""
    if threads:
        import torch

        torch.set_num_threads(int(threads))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (linear interpolation, like numpy's default)."""
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else 0.0


def add_precision_argument(p: Any) -> None:
    """The ``--precision`` option shared by the suites that run kgqa's models."""
    from kgqa.precision import PRECISIONS

    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="model arithmetic: auto (bf16 autocast where the hardware has it), bf16, fp16, fp32",
    )


def resolved_precision(model: Any) -> str:
    """What a loaded kgqa model computes in: ``int8``, ``bf16``, ``fp16`` or ``fp32``."""
    from kgqa.precision import dtype_name

    if getattr(model, "quantize", False):
        return "int8"
    return dtype_name(getattr(model, "amp_dtype", None))


#: how the held-out band of subjects is described in results (kgqa.train.graph_pairs.split_of)
HELD_OUT_SUBJECTS = "held-out band of kgqa.train.graph_pairs.split_of (seed 13, < 0.3)"


def add_generated_case_arguments(p: Any, what: str) -> None:
    """``--all-subjects`` and ``--save-cases`` of the suites that generate their cases from a world's facts."""
    p.add_argument(
        "--all-subjects",
        action="store_true",
        help="draw facts of every subject, not only the held-out band (kgqa.train.graph_pairs.split_of) "
        "that no NLI training pair or fact-sentence threshold came from",
    )
    p.add_argument("--save-cases", action="store_true", help=f"also write cases.jsonl (every {what} with its result)")


def subject_filter(ns: Any) -> tuple[Any, str]:
    """``(keep, description)``: the subjects a generated case may be about (``None``: all), per ``--all-subjects``."""
    if ns.all_subjects:
        return None, "all"
    from kgqa.train.graph_pairs import split_of

    return (lambda s: split_of(s) == "held_out"), HELD_OUT_SUBJECTS
