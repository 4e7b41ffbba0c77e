"""Benchmark suites (``kgqa bench``): metrics, suites and reports.

Run ``python -m kgqa.bench SUITE --help`` (or ``kgqa bench SUITE --help``); the suites are
registered in :data:`kgqa.bench.cli.SUITES`.
"""

from __future__ import annotations

__all__ = ["add_bench_parser", "register_suite", "run_bench"]


def __getattr__(name: str):  # keep ``import kgqa.bench.metrics`` free of the CLI
    if name in __all__:
        from kgqa.bench import cli

        return getattr(cli, name)
    raise AttributeError(f"module 'kgqa.bench' has no attribute {name!r}")
