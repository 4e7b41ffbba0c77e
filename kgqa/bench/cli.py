"""``kgqa bench SUITE [options] --out DIR``: run a benchmark suite and write its report.

Every suite writes ``DIR/results.json`` (its metrics as top-level keys plus ``n``,
``suite``, the data file and its SHA-256, the models and what they were trained on,
kgqa's version, hardware, date and command line), ``DIR/results.md`` and PNG plots.

Suites live in :data:`SUITES`; another module adds one with :func:`register_suite`.
:func:`add_bench_parser` mounts the command into a CLI (``kgqa bench``, through the
``kgqa.commands`` entry point in pyproject.toml), or run ``python -m kgqa.bench SUITE ...``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgqa.errors import ConfigError, KGQAError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suite:
    """A benchmark suite: its help line, an option adder and the function that runs it.

    ``run(ns, out_dir) -> dict`` returns the metrics (and ``n``, ``data``, ``models``,
    ``plots``); the harness adds the run's provenance and writes the files.
    """

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Path], dict[str, Any]]


def _lazy(module: str, attr: str) -> Callable[..., Any]:
    # the suite modules import torch, numpy and friends; load them only when used
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), attr)(*args, **kwargs)

    call.__name__ = f"{module}.{attr}"
    return call


#: suite name -> :class:`Suite`
SUITES: dict[str, Suite] = {}


def register_suite(
    name: str,
    help: str,
    add_arguments: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace, Path], dict[str, Any]],
) -> None:
    """Add (or replace) a suite of ``kgqa bench``."""
    SUITES[name] = Suite(help, add_arguments, run)


for _name, _module, _help in (
    ("nli", "kgqa.bench.nli_suite", "NLI accuracy, macro F1, confusion matrix, calibration, per-group accuracy"),
    ("qa", "kgqa.bench.qa_suite", "SQuAD exact match and F1 of the reader (v2.0: no-answer threshold)"),
    ("open-qa", "kgqa.bench.openqa_suite", "retrieve-then-read over a SQuAD file's paragraphs, dense vs BM25"),
    ("speed", "kgqa.bench.speed_suite", "latency, throughput and memory, against Haystack / transformers peers"),
    (
        "kgqa",
        "kgqa.bench.kgqa_suite",
        "MetaQA 1/2/3-hop questions through Pipeline.ask's question understanding (hits@1)",
    ),
    (
        "factcheck",
        "kgqa.bench.factcheck_suite",
        "fact verification (FEVER, WiCE, CLIMATE-FEVER): supported / refuted / not enough info by NLI",
    ),
    (
        "premises",
        "kgqa.bench.premise_suite",
        "false premises generated from the graph: detection precision/recall/F1 and answer accuracy",
    ),
    (
        "false-premise",
        "kgqa.bench.false_premise_suite",
        "the learned false-premise detector: FalseQA valid and generated graph questions "
        "(accuracy, precision, recall, false alarms), and its effect through Pipeline.ask",
    ),
    (
        "calibration",
        "kgqa.bench.calibration_suite",
        "expected calibration error of the verdict confidence before and after the calibrator, on held-out cases",
    ),
    (
        "tog",
        "kgqa.bench.tog_suite",
        "WebQuestions / ComplexWebQuestions questions one graph edge from their topic, asked on a world "
        "(hits@1, entity linking, relation accuracy, load time, memory, ask latency)",
    ),
    (
        "fb-premises",
        "kgqa.bench.fb_premise_suite",
        "false presuppositions generated from a world's facts with templates, and their true twins "
        "(precision, recall, F1, false-alarm rate per relation)",
    ),
    (
        "fact-claims",
        "kgqa.bench.fact_claims_suite",
        "a world's own facts worded as claims and checked: supported / unknown / contradicted (false "
        "contradictions, with the rule that made each)",
    ),
    (
        "labelled-claims",
        "kgqa.bench.labelled_claims_suite",
        "true and false claims written by people (CREAK), checked on a world: false contradictions, catches, "
        "false supports",
    ),
    (
        "single-valued",
        "kgqa.bench.single_valued_suite",
        "how often refuting with a nearly single-valued relation would call a true fact the graph lacks false "
        "(held-out facts against known ones, per share threshold)",
    ),
    (
        "scale",
        "kgqa.bench.scale_suite",
        "graph load time, memory and check latency per backend at 10k-3M triples; vector index build, "
        "latency, recall@10 and memory at 20k-1M passages",
    ),
):
    register_suite(_name, _help, _lazy(_module, "add_arguments"), _lazy(_module, "run"))


def _add_common(p: argparse.ArgumentParser, suite: str) -> None:
    p.add_argument("--out", default=None, help=f"output folder (default: runs/bench/{suite})")
    p.add_argument("--limit", type=int, default=None, help="evaluate a seeded random sample of N items")
    p.add_argument("--seed", type=int, default=0, help="seed of the --limit sample (default 0)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details")


def add_bench_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``bench`` and its suites on ``subparsers`` (from ``add_subparsers``).

    The parsed namespace's ``run_command`` is :func:`run_bench`.
    """
    bench = subparsers.add_parser(
        "bench", help="run a benchmark suite", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    suites = bench.add_subparsers(dest="bench_suite", metavar="SUITE", required=True)
    for name, suite in SUITES.items():
        p = suites.add_parser(name, help=suite.help, description=suite.help)
        suite.add_arguments(p)
        _add_common(p, name)
    bench.set_defaults(run_command=run_bench)
    return bench


def run_bench(ns: argparse.Namespace) -> int:
    """Run the suite named by ``ns.bench_suite`` and write its report; returns 0.

    Raises:
        KGQAError: on user errors (missing files, bad options, missing models).
    """
    from kgqa.bench.common import set_threads
    from kgqa.bench.report import REQUIRED_KEYS, run_metadata, write_results

    name = getattr(ns, "bench_suite", None)
    if name not in SUITES:
        raise ConfigError(f"unknown benchmark suite {name!r}; choose one of {', '.join(SUITES)}")
    if ns.limit is not None and ns.limit <= 0:
        raise ConfigError(f"--limit must be a positive number, got {ns.limit}")
    if ns.threads < 0:
        raise ConfigError(f"--threads must be 0 (default) or positive, got {ns.threads}")
    set_threads(ns.threads)
    if getattr(ns, "verbose", False):
        # `kgqa` has already set the root logger to WARNING with a handler: lower the level, keep the handler
        root = logging.getLogger()
        if not root.handlers:
            logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        root.setLevel(min(root.level or logging.WARNING, logging.INFO))
    out = Path(ns.out or Path("runs") / "bench" / name)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the output folder {out}: {exc}") from exc
    meta = run_metadata(name, vars(ns))
    results = SUITES[name].run(ns, out)
    merged = {**meta, "seed": ns.seed, "limit": ns.limit, **results}
    merged["suite"] = name
    for key in REQUIRED_KEYS:
        merged.setdefault(key, None)
    json_path, md_path = write_results(out, merged)
    logger.info("wrote %s and %s", json_path, md_path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """A standalone ``python -m kgqa.bench`` parser."""
    parser = argparse.ArgumentParser(prog="kgqa", description="kgqa command line")
    add_bench_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m kgqa.bench SUITE ...``; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    ns = build_parser().parse_args(["bench", *argv])
    logging.basicConfig(
        level=logging.INFO if ns.verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        code = run_bench(ns)
    except KGQAError as exc:
        print(f"kgqa bench: error: {exc}", file=sys.stderr)
        return 2
    out = Path(ns.out or Path("runs") / "bench" / ns.bench_suite)
    print(f"wrote {out / 'results.json'}, {out / 'results.md'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
