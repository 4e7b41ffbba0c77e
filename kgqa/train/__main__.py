"""``python -m kgqa.train {qa,nli,false-premise,relations,link-model,short-paths,export,average} [flags]``: fine-tune the reader, the NLI model, the false-premise detector or the relation matcher."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from kgqa.errors import KGQAError
from kgqa.train.args import add_arguments, from_namespace
from kgqa.train.relation_matcher import add_relations_parser


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """The ``train`` argument parser (also mounted as ``kgqa train``)."""
    parser = parser or argparse.ArgumentParser(prog="python -m kgqa.train", description=__doc__)
    sub = parser.add_subparsers(dest="task", required=True)
    for task, helptext in (
        ("qa", "fine-tune the extractive reader on SQuAD"),
        ("nli", "fine-tune the 3-way NLI cross-encoder"),
        ("false-premise", "fine-tune the question classifier that flags false premises (FalseQA + graph questions)"),
    ):
        add_arguments(sub.add_parser(task, help=helptext, description=helptext))
    from kgqa.train.calibrate import add_arguments as add_calibration_arguments

    add_calibration_arguments(
        sub.add_parser(
            "calibration",
            help="fit the verdict calibrator (confidence = probability the verdict is right)",
            description="Fit kgqa.calibration.VerdictCalibrator on labelled cases generated from the pipeline's graph "
            "(the held-out part is left for `kgqa bench calibration`).",
        )
    )
    from kgqa.train.calibrate_models import add_arguments as add_model_calibration_arguments

    add_model_calibration_arguments(
        sub.add_parser(
            "calibrate-models",
            help="fit the NLI model's temperature and the reader's probability maps on their dev splits",
            description="Fit calibrated probabilities of the NLI model (one temperature) and the reader (logistic maps "
            "to P(answer right) and P(no answer)) on each recipe's carved-out dev data; writes them into kgqa_model.json.",
        )
    )
    add_relations_parser(sub)
    from kgqa.train.link_model import add_link_model_parser

    add_link_model_parser(sub)
    from kgqa.train.short_paths import add_short_paths_parser

    add_short_paths_parser(sub)
    exp = sub.add_parser(
        "export",
        help="write a run's latest checkpoint as a model folder",
        description="Write the resumable checkpoint of a `kgqa train` run (where it stopped) as a model folder; "
        "the best dev model is already in RUN_DIR/best.",
    )
    exp.add_argument("run_dir", help="the --output-dir of a training run")
    exp.add_argument("--out", required=True, help="model folder to write")
    avg = sub.add_parser(
        "average",
        help="average the weights of model folders (a model soup)",
        description="Write the weight average of two or more model folders of one task and architecture, "
        "for example the exports of successive training stages, as a new model folder.",
    )
    avg.add_argument("models", nargs="+", metavar="MODEL_DIR", help="model folders to average")
    avg.add_argument("--out", required=True, help="model folder to write")
    avg.add_argument(
        "--weights", type=float, nargs="+", help="one positive weight per folder (normalised; default uniform)"
    )
    avg.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    return parser


def add_train_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``train`` on ``subparsers`` (``kgqa train``, through the ``kgqa.commands`` entry point).

    The parsed namespace's ``run_command`` runs the task and returns the exit code 0.
    """
    train = subparsers.add_parser("train", help="fine-tune the reader (qa) or the NLI model (nli)")
    build_parser(train)
    train.set_defaults(run_command=_run_command)
    return train


def _run_command(ns: argparse.Namespace) -> int:
    logging.getLogger().setLevel(logging.INFO)  # training reports its progress
    run_from_namespace(ns)
    return 0


def run_from_namespace(ns: argparse.Namespace) -> dict:
    """Run the recipe named by ``ns.task`` (or export a checkpoint)."""
    if ns.task == "export":
        from kgqa.train.common import export_checkpoint

        return {"exported": str(export_checkpoint(ns.run_dir, ns.out))}
    if ns.task == "average":
        from kgqa.train.average import average_models

        return {"averaged": str(average_models(ns.models, ns.out, ns.weights, ns.overwrite))}
    if ns.task == "relations":
        from kgqa.train.relation_matcher import args_from_namespace
        from kgqa.train.relation_matcher import run as run_relations

        return run_relations(args_from_namespace(ns))
    if ns.task == "link-model":
        from kgqa.train.link_model import args_from_namespace as link_args
        from kgqa.train.link_model import run as run_link_model

        return run_link_model(link_args(ns))
    if ns.task == "short-paths":
        from kgqa.train.short_paths import args_from_namespace as short_args
        from kgqa.train.short_paths import run as run_short_paths

        return run_short_paths(short_args(ns))
    if ns.task == "calibrate-models":
        from kgqa.train.calibrate_models import run as run_model_calibration

        return run_model_calibration(ns)
    if ns.task == "calibration":
        from kgqa.train.calibrate import run as run_calibration

        return run_calibration(ns)
    args = from_namespace(ns.task, ns)
    if args.task == "qa":
        from kgqa.train.qa import run
    elif args.task == "false-premise":
        from kgqa.train.false_premise import run
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
