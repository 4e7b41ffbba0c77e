"""``python -m kgqa.train {qa,nli} [flags]``: fine-tune the reader or the NLI model."""

from __future__ import annotations

import argparse
import logging
import sys

from kgqa.errors import KGQAError
from kgqa.train.args import add_arguments, from_namespace


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """The ``train`` argument parser (also mounted as ``kgqa train``)."""
    parser = parser or argparse.ArgumentParser(prog="python -m kgqa.train", description=__doc__)
    sub = parser.add_subparsers(dest="task", required=True)
    for task, helptext in (
        ("qa", "fine-tune the extractive reader on SQuAD"),
        ("nli", "fine-tune the 3-way NLI cross-encoder"),
    ):
        add_arguments(sub.add_parser(task, help=helptext, description=helptext))
    return parser


def run_from_namespace(ns: argparse.Namespace) -> dict:
    """Run the recipe named by ``ns.task``."""
    args = from_namespace(ns.task, ns)
    if args.task == "qa":
        from kgqa.train.qa import run
    else:
        from kgqa.train.nli import run
    return run(args)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ns = build_parser().parse_args(argv)
    try:
        run_from_namespace(ns)
    except KGQAError as exc:
        print(f"kgqa train: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
