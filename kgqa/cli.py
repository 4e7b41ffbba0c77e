"""The ``kgqa`` command line: ask, check, index, graph, demo, train and bench.

Every user error ends with exit code 2 and one line on stderr; no tracebacks
(``--debug`` shows them).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from kgqa.errors import KGQAError
from kgqa.precision import PRECISIONS

PROG = "kgqa"


class UsageError(Exception):
    """A command-line usage error (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def _add_pipeline_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pipeline", metavar="DIR", help="pipeline folder or kgqa.json (default: the shipped world)")
    p.add_argument("--graph", action="append", metavar="FILE", help="RDF file(s) to use instead of the shipped graphs")
    p.add_argument("--passages", action="append", metavar="FILE", help="passage JSON lines to index instead")
    p.add_argument("--index", metavar="DIR", help="a FAISS index folder built by `kgqa index build`")
    _add_split_args(p, "--passages files")
    p.add_argument("--top-k", type=int, default=None, help="passages to retrieve")
    p.add_argument("--quantize", action="store_true", help="int8 dynamic quantisation of the reader and NLI model")
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=None,
        help="model arithmetic: auto (bf16 where the hardware has it, the default), bf16, fp16, fp32",
    )


def _add_split_args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--max-passage-words",
        type=int,
        default=None,
        metavar="N",
        help=f"split {what} longer than N words at sentence boundaries (80 suits the NLI check's 128 tokens)",
    )
    p.add_argument(
        "--passage-overlap-words",
        type=int,
        default=None,
        metavar="M",
        help="repeat up to M words of whole sentences from one piece at the start of the next",
    )


def build_parser() -> argparse.ArgumentParser:
    """The full ``kgqa`` parser."""
    parser = _Parser(prog=PROG, description="Knowledge-grounded question answering with checked answers.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    ask = sub.add_parser("ask", help="answer a question and check its premises")
    ask.add_argument("question")
    ask.add_argument("--premise", action="append", default=[], metavar="P", help="a premise to check (repeatable)")
    ask.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    ask.add_argument("--no-trace", action="store_true", help="text output without the trace")
    _add_pipeline_args(ask)

    check = sub.add_parser("check", help="check a claim against the graph and the passages")
    check.add_argument("claim")
    check.add_argument("--json", action="store_true", help="print the premise check as JSON")
    _add_pipeline_args(check)

    index = sub.add_parser("index", help="build FAISS indexes")
    isub = index.add_subparsers(dest="index_command", parser_class=_Parser, required=True)
    build = isub.add_parser("build", help="embed passages (JSON lines) into an index folder")
    build.add_argument("passages", nargs="+", help="JSON lines with id and text (title, entities optional)")
    build.add_argument("--out", required=True, help="the index folder to write")
    build.add_argument("--kind", choices=["flat", "hnsw", "ivf"], default="flat")
    build.add_argument("--batch-size", type=int, default=32, help="texts per encoder forward pass")
    _add_split_args(build, "passages")

    graph = sub.add_parser("graph", help="query the knowledge graph")
    gsub = graph.add_subparsers(dest="graph_command", parser_class=_Parser, required=True)
    query = gsub.add_parser("query", help="run a SPARQL SELECT/ASK query")
    query.add_argument("sparql", help="the query, or @FILE to read it from a file")
    query.add_argument(
        "--bind",
        action="append",
        default=[],
        metavar="VAR=VALUE",
        help="bind ?VAR to VALUE (an IRI in <...> or a literal); values are never pasted into the query",
    )
    query.add_argument("--graph", action="append", metavar="FILE", help="RDF file(s) instead of the shipped graphs")
    query.add_argument("--json", action="store_true")

    demo = sub.add_parser("demo", help="answer the demo questions on the shipped world, with traces")
    demo.add_argument("--json", action="store_true")
    demo.add_argument("--no-trace", action="store_true")

    train = sub.add_parser("train", help="fine-tune the reader (qa) or the NLI model (nli)")
    from kgqa.train.__main__ import build_parser as build_train

    build_train(train)

    try:
        from kgqa.bench.cli import add_bench_parser

        add_bench_parser(sub)
    except ImportError:  # pragma: no cover - the bench package is optional at import time
        pass
    return parser


def _pipeline(ns: argparse.Namespace) -> Any:
    from kgqa.pipeline import Pipeline

    overrides: dict[str, Any] = {}
    if getattr(ns, "graph", None):
        overrides["graphs"] = [str(Path(g).resolve()) for g in ns.graph]
    if getattr(ns, "passages", None):
        overrides["passages"] = [str(Path(p).resolve()) for p in ns.passages]
    if getattr(ns, "index", None):
        overrides["index_dir"] = str(Path(ns.index).resolve())
    if getattr(ns, "max_passage_words", None) is not None:
        overrides["max_passage_words"] = ns.max_passage_words
    if getattr(ns, "passage_overlap_words", None) is not None:
        overrides["passage_overlap_words"] = ns.passage_overlap_words
    if getattr(ns, "top_k", None):
        overrides["top_k"] = ns.top_k
    if getattr(ns, "quantize", False):
        overrides["quantize"] = True
    if getattr(ns, "precision", None):
        overrides["precision"] = ns.precision
    return Pipeline.load(ns.pipeline if getattr(ns, "pipeline", None) else None, **overrides)


def _print_answer(ans: Any, as_json: bool, trace: bool = True) -> None:
    if as_json:
        print(json.dumps(ans.to_dict(), indent=2, ensure_ascii=False))
    else:
        from kgqa.render import answer_text

        print(answer_text(ans, trace=trace))


def _cmd_ask(ns: argparse.Namespace) -> int:
    from kgqa.checks.parse import validate_text

    # bad input fails before any model is loaded
    validate_text(ns.question, "question")
    for p in ns.premise:
        validate_text(p, "premise")
    pipe = _pipeline(ns)
    _print_answer(pipe.ask(ns.question, premises=ns.premise or None), ns.json, not ns.no_trace)
    return 0


def _cmd_check(ns: argparse.Namespace) -> int:
    from kgqa.checks.parse import validate_text

    validate_text(ns.claim, "claim")
    pipe = _pipeline(ns)
    result = pipe.check(ns.claim)
    if ns.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        from kgqa.render import premise_text

        print(premise_text(result))
    return 0


def _cmd_index(ns: argparse.Namespace) -> int:
    from kgqa.retrieval import build_index

    index = build_index(
        [Path(p) for p in ns.passages],
        Path(ns.out),
        kind=ns.kind,
        batch_size=ns.batch_size,
        max_passage_words=ns.max_passage_words,
        passage_overlap_words=ns.passage_overlap_words or 0,
    )
    print(f"indexed {len(index)} passages into {ns.out}")
    return 0


def _parse_binding(text: str) -> tuple[str, Any]:
    from rdflib import Literal, URIRef

    if "=" not in text:
        raise UsageError(f"{PROG} graph query: --bind takes VAR=VALUE, got {text!r}")
    var, value = text.split("=", 1)
    var = var.strip().lstrip("?")
    if value.startswith("<") and value.endswith(">"):
        return var, URIRef(value[1:-1])
    return var, Literal(value)


def _cmd_graph(ns: argparse.Namespace) -> int:
    from kgqa.graph.kg import KnowledgeGraph

    sparql = ns.sparql
    if sparql.startswith("@"):
        try:
            sparql = Path(sparql[1:]).read_text()
        except OSError as exc:
            raise UsageError(f"{PROG} graph query: cannot read {sparql[1:]}: {exc.strerror}") from exc
    kg = KnowledgeGraph.load([Path(g) for g in ns.graph] if ns.graph else None)
    bindings = dict(_parse_binding(b) for b in ns.bind)
    rows = kg.query(sparql, bindings=bindings or None)
    if ns.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        if not rows:
            print("(no results)")
        for row in rows:
            print("\t".join(f"{k}={v}" for k, v in row.items()))
    return 0


def _cmd_demo(ns: argparse.Namespace) -> int:
    from kgqa.demo import DEMO_CLAIMS, DEMO_QUESTIONS
    from kgqa.pipeline import Pipeline
    from kgqa.render import premise_text

    pipe = Pipeline.load()
    results: list[dict[str, Any]] = []
    for question, premises in DEMO_QUESTIONS:
        ans = pipe.ask(question, premises=premises or None)
        if ns.json:
            results.append(ans.to_dict())
        else:
            _print_answer(ans, False, not ns.no_trace)
            print("-" * 78)
    for claim in DEMO_CLAIMS:
        check = pipe.check(claim)
        if ns.json:
            results.append(check.to_dict())
        else:
            print("Claim:", premise_text(check))
            print("-" * 78)
    if ns.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


def _cmd_train(ns: argparse.Namespace) -> int:
    from kgqa.train.__main__ import run_from_namespace

    run_from_namespace(ns)
    return 0


def _quiet_libraries() -> None:
    """No loading bars or reports from transformers on stderr (kgqa's own progress bars stay)."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not debug:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        _quiet_libraries()
    try:
        ns = build_parser().parse_args(argv)
        if ns.version:
            from kgqa import __version__

            print(f"kgqa {__version__}")
            return 0
        handlers = {
            "ask": _cmd_ask,
            "check": _cmd_check,
            "index": _cmd_index,
            "graph": _cmd_graph,
            "demo": _cmd_demo,
            "train": _cmd_train,
        }
        if ns.command == "bench":
            from kgqa.bench.cli import run_bench

            return run_bench(ns)
        if ns.command not in handlers:
            build_parser().print_help()
            return 2
        if ns.command in ("train",):
            logging.getLogger().setLevel(logging.INFO)
        return handlers[ns.command](ns)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KGQAError as exc:
        if debug:
            raise
        print(f"{PROG}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback unless --debug
        if debug:
            raise
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
            "(re-run with --debug and report it)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
