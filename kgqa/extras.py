"""Optional dependencies, grouped in pip extras, imported only where they are used.

``pip install kgqa`` installs what answering questions needs. The benchmark suites'
plots and BM25 baseline need ``kgqa[bench]`` (matplotlib, rank-bm25) and LoRA training
needs ``kgqa[train]`` (peft); BM25 and hybrid retrieval (``--retrieval bm25/hybrid``) need
``kgqa[hybrid]`` (bm25s). :func:`require` imports such a module inside the function
that uses it, so that ``import kgqa``, :meth:`kgqa.Pipeline.load` and ``kgqa ask`` never
import them, and a missing one is a :class:`~kgqa.errors.MissingDependencyError` that says
what to install (the CLI prints it on one line and exits with code 2).

Example:
    >>> require("json", "bench", "reading JSON").__name__
    'json'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from kgqa.errors import MissingDependencyError

#: extra -> the modules it provides (their pip names differ: rank_bm25 is rank-bm25)
EXTRAS: dict[str, tuple[str, ...]] = {
    "bench": ("matplotlib", "rank_bm25"),
    "hybrid": ("bm25s",),
    "milvus": ("pymilvus", "milvus_lite"),
    "train": ("peft",),
}


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingDependencyError` naming ``kgqa[extra]``.

    Args:
        module: the module to import (``"matplotlib.pyplot"``, ``"rank_bm25"``).
        extra: the pip extra of kgqa that installs it (``"bench"``, ``"hybrid"`` or ``"train"``).
        purpose: what needs it, for the message (``"the benchmark plots"``).

    Raises:
        MissingDependencyError: if the module (or one it imports) is not installed.
    """
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; kgqa's extras are {', '.join(EXTRAS)}")
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or module
        raise MissingDependencyError(
            f'{purpose} needs {missing}, which is not installed: pip install "kgqa[{extra}]"'
        ) from exc


__all__ = ["EXTRAS", "require"]
