"""The ``kgqa`` command line: ask, check, index, graph, demo, world, train and bench.

Every user error ends with exit code 2 and one line on stderr; no tracebacks
(``--debug`` shows them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from kgqa.errors import KGQAError
from kgqa.precision import PRECISIONS

PROG = "kgqa"


#: what an IRI in ``--bind VAR=<IRI>`` may not contain (rdflib warns about these and cannot serialise them)
_IRI_CHARS = re.compile(r'^[^\s<>"{}|\\^`]+$')


class UsageError(Exception):
    """A command-line usage error (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


#: kgqa.retrieval.backends.BACKENDS, spelled out so that building the parser does not import FAISS
VECTOR_BACKENDS = ("flat", "hnsw", "ivf", "ivfpq", "milvus")


def _add_pipeline_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pipeline", metavar="DIR", help="pipeline folder or kgqa.json (default: the shipped world)")
    p.add_argument("--graph", action="append", metavar="FILE", help="RDF file(s) to use instead of the shipped graphs")
    p.add_argument("--graph-store", metavar="DIR", help="a graph store folder (`kgqa world build` writes one) to open")
    p.add_argument("--sparql", metavar="URL", help="a SPARQL endpoint to read the graph from (graph_endpoint)")
    p.add_argument(
        "--catalogue",
        metavar="FILE",
        help="the --sparql graph's names catalogue, written on first use (graph_catalogue)",
    )
    p.add_argument("--passages", action="append", metavar="FILE", help="passage JSON lines to index instead")
    p.add_argument("--index", metavar="DIR", help="an index folder built by `kgqa index build`")
    p.add_argument(
        "--milvus-uri", metavar="URI", help="Milvus server (http://host:19530) of a --backend milvus index folder"
    )
    _add_split_args(p, "--passages files")
    p.add_argument("--top-k", type=int, default=None, help="passages to retrieve")
    p.add_argument(
        "--retrieval",
        choices=["dense", "bm25", "hybrid"],
        default=None,
        help='dense (default), bm25, or hybrid: BM25 fused with dense (needs pip install "kgqa[hybrid]")',
    )
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


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The ``kgqa`` parser.

    Args:
        commands: also mount the commands of :data:`COMMANDS_GROUP` (``train``, ``bench``);
            :func:`main` leaves them out when it runs a core command, so that ``kgqa ask``
            imports nothing of the trainer or the benchmarks.
    """
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
    build.add_argument(
        "--backend",
        "--kind",
        dest="kind",
        choices=VECTOR_BACKENDS,
        default="flat",
        help="FAISS flat (exact), hnsw, ivf, ivfpq (compressed, memory-mapped) or milvus",
    )
    build.add_argument(
        "--milvus-uri", metavar="URI", help="--backend milvus: http://host:19530 or a .db file (default: OUT/milvus.db)"
    )
    build.add_argument("--milvus-collection", metavar="NAME", help="--backend milvus: collection (kgqa_passages)")
    build.add_argument("--train-sample", type=int, default=100_000, help="--backend ivfpq: vectors to train on")
    build.add_argument("--batch-size", type=int, default=32, help="texts per encoder forward pass")
    build.add_argument(
        "--hybrid", action="store_true", help="also write a BM25 index for --retrieval bm25/hybrid (kgqa[hybrid])"
    )
    _add_split_args(build, "passages")

    graph = sub.add_parser("graph", help="query the knowledge graph")
    gsub = graph.add_subparsers(dest="graph_command", parser_class=_Parser, required=True)
    query = gsub.add_parser("query", help="run a SPARQL SELECT/ASK query")
    query.add_argument("sparql_query", metavar="sparql", help="the query, or @FILE to read it from a file")
    query.add_argument(
        "--bind",
        action="append",
        default=[],
        metavar="VAR=VALUE",
        help="bind ?VAR to VALUE (an IRI in <...> or a literal); values are never pasted into the query",
    )
    query.add_argument("--graph", action="append", metavar="FILE", help="RDF file(s) instead of the shipped graphs")
    query.add_argument("--graph-store", metavar="DIR", help="a graph store folder to query instead")
    query.add_argument("--sparql", metavar="URL", help="a SPARQL endpoint to send the query to instead")
    query.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop the query after this many seconds (default: 30, as sparql_timeout_s in kgqa.json)",
    )
    query.add_argument("--json", action="store_true")
    export = gsub.add_parser(
        "export", help="write the graph, reasoned, as N-Quads in kgqa's layout, to load into a SPARQL server"
    )
    export.add_argument("out", metavar="FILE", help="the N-Quads file to write (.nq, or .nq.gz to compress)")
    export.add_argument("--graph", action="append", metavar="FILE", help="RDF file(s) instead of the shipped graphs")
    export.add_argument("--graph-store", metavar="DIR", help="a graph store folder to export instead")
    catalogue = gsub.add_parser(
        "catalogue", help="add the names catalogue to a graph store folder (one saved without it opens slowly)"
    )
    catalogue.add_argument("store", metavar="STORE_DIR", help="the graph store folder")
    catalogue.add_argument("--overwrite", action="store_true", help="rebuild a catalogue the folder already has")
    vocab = gsub.add_parser(
        "vocabulary",
        help="save a graph store's inferred vocabulary beside it (first questions about a property are slow without)",
    )
    vocab.add_argument("store", metavar="STORE_DIR", help="the graph store folder")
    vocab.add_argument("--overwrite", action="store_true", help="rebuild the vocabulary file the folder already has")
    adjacency = gsub.add_parser(
        "adjacency", help="save a graph store's facts per node beside it (graph walks on a big store read it fast)"
    )
    adjacency.add_argument("store", metavar="STORE_DIR", help="the graph store folder")
    adjacency.add_argument("--overwrite", action="store_true", help="rebuild the adjacency file the folder already has")

    demo = sub.add_parser("demo", help="answer the demo questions on the shipped world, with traces")
    demo.add_argument("--json", action="store_true")
    demo.add_argument("--no-trace", action="store_true")

    from kgqa.world.cli import DESCRIPTION as WORLD_DESCRIPTION
    from kgqa.world.cli import add_build_arguments as add_world_build_arguments

    world = sub.add_parser("world", help="build a world folder (graphs, passages, kgqa.json)")
    wsub = world.add_subparsers(dest="world_command", metavar="COMMAND", parser_class=_Parser, required=True)
    add_world_build_arguments(
        wsub.add_parser(
            "build",
            help="build a world from RDF files, datasets, a Wikidata dump and passages (resumable)",
            description=WORLD_DESCRIPTION,
        )
    )

    if commands:
        _add_plugin_commands(sub)
    return parser


#: the entry-point group of the commands mounted into ``kgqa`` (``train`` and ``bench`` among them, see
#: pyproject.toml): each entry point is ``add_parser(subparsers)``, which adds its subparser and sets the
#: default ``run_command(ns) -> exit code``. The core CLI so knows no command of the trainer or the benchmarks.
COMMANDS_GROUP = "kgqa.commands"


def _add_plugin_commands(sub: Any) -> None:
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group=COMMANDS_GROUP), key=lambda ep: ep.name):
        try:
            add_parser = ep.load()
        except ImportError as exc:  # a command whose package is not installed is left out
            logging.getLogger(__name__).debug("kgqa %s is unavailable: %s", ep.name, exc)
            continue
        add_parser(sub)


def _config(ns: argparse.Namespace) -> Any:
    """The pipeline config the command line asks for: ``--pipeline`` (or the default) with the options applied."""
    from kgqa.config import PipelineConfig

    config = PipelineConfig.load(ns.pipeline) if getattr(ns, "pipeline", None) else PipelineConfig()
    overrides: dict[str, Any] = {}
    given = [o for o in ("graph", "graph_store", "sparql") if getattr(ns, o, None)]
    if len(given) > 1:
        raise UsageError(f"{PROG}: give one of --graph, --graph-store and --sparql, not {' and '.join(given)}")
    if getattr(ns, "graph", None):
        overrides["graphs"] = [str(Path(g).resolve()) for g in ns.graph]
        overrides["graph_store"] = overrides["graph_endpoint"] = overrides["graph_catalogue"] = None
    if getattr(ns, "graph_store", None):
        overrides["graph_store"] = str(Path(ns.graph_store).resolve())
        overrides["graph_endpoint"] = overrides["graph_catalogue"] = None
    if getattr(ns, "sparql", None):
        overrides["graph_endpoint"] = ns.sparql
        overrides["graph_store"] = None
    if getattr(ns, "catalogue", None):
        overrides["graph_catalogue"] = str(Path(ns.catalogue).resolve())
    if getattr(ns, "passages", None):
        overrides["passages"] = [str(Path(p).resolve()) for p in ns.passages]
    if getattr(ns, "index", None):
        overrides["index_dir"] = str(Path(ns.index).resolve())
    if getattr(ns, "milvus_uri", None):
        overrides["milvus_uri"] = ns.milvus_uri
    if getattr(ns, "max_passage_words", None) is not None:
        overrides["max_passage_words"] = ns.max_passage_words
    if getattr(ns, "passage_overlap_words", None) is not None:
        overrides["passage_overlap_words"] = ns.passage_overlap_words
    if getattr(ns, "top_k", None) is not None:
        overrides["top_k"] = ns.top_k
    if getattr(ns, "retrieval", None):
        overrides["retrieval"] = ns.retrieval
    if getattr(ns, "quantize", False):
        overrides["quantize"] = True
    if getattr(ns, "precision", None):
        overrides["precision"] = ns.precision
    return PipelineConfig.from_dict({**config.to_dict(), **overrides}, "command line: ") if overrides else config


def _print_answer(ans: Any, as_json: bool, trace: bool = True) -> None:
    if as_json:
        print(json.dumps(ans.to_dict(), indent=2, ensure_ascii=False))
    else:
        from kgqa.render import answer_text

        print(answer_text(ans, trace=trace))


def _cmd_ask(ns: argparse.Namespace) -> int:
    from kgqa.inputs import validate_batch
    from kgqa.pipeline import Pipeline

    config = _config(ns)
    # bad input fails before any model is loaded, against the limits the pipeline applies
    validate_batch(config, [ns.question], [ns.premise or None])
    pipe = Pipeline.load(config)
    _print_answer(pipe.ask(ns.question, premises=ns.premise or None), ns.json, not ns.no_trace)
    return 0


def _cmd_check(ns: argparse.Namespace) -> int:
    from kgqa.checks.claims import validate_text
    from kgqa.pipeline import Pipeline

    config = _config(ns)
    validate_text(ns.claim, "claim", config.max_claim_chars)
    pipe = Pipeline.load(config)
    result = pipe.check(ns.claim)
    if ns.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        from kgqa.render import premise_text

        print(premise_text(result))
    return 0


def _cmd_index(ns: argparse.Namespace) -> int:
    from kgqa.retrieval import build_index

    bm25 = None
    if ns.hybrid:  # before the dense build: a missing bm25s fails at once
        from kgqa.retrieval.bm25 import BM25Index

        bm25 = BM25Index()
    index = build_index(
        [Path(p) for p in ns.passages],
        Path(ns.out),
        kind=ns.kind,
        batch_size=ns.batch_size,
        max_passage_words=ns.max_passage_words,
        passage_overlap_words=ns.passage_overlap_words or 0,
        milvus_uri=ns.milvus_uri,
        milvus_collection=ns.milvus_collection,
        train_sample=ns.train_sample,
    )
    if bm25 is not None:
        bm25.build(index.store).save(Path(ns.out))
    print(f"indexed {len(index)} passages into {ns.out}" + (" (dense and BM25)" if bm25 is not None else ""))
    return 0


def _parse_binding(text: str) -> tuple[str, Any]:
    from rdflib import Literal, URIRef

    if "=" not in text:
        raise UsageError(f"{PROG} graph query: --bind takes VAR=VALUE, got {text!r}")
    var, value = text.split("=", 1)
    var = var.strip().lstrip("?")
    if value.startswith("<") and value.endswith(">"):
        if not _IRI_CHARS.match(value[1:-1]):
            raise UsageError(
                f"{PROG} graph query: --bind {var}=<...> needs an IRI without spaces or any of "
                f'<>"{{}}|\\^`, got {value!r}; drop the <> to bind a string'
            )
        return var, URIRef(value[1:-1])
    return var, Literal(value)


def _graph_of(ns: argparse.Namespace) -> Any:
    """The graph a ``kgqa graph`` command reads: ``--graph`` files, ``--graph-store`` or ``--sparql`` (default: shipped)."""
    from kgqa.graph.kg import KnowledgeGraph

    given = [o for o in ("graph", "graph_store", "sparql") if getattr(ns, o, None)]
    if len(given) > 1:
        raise UsageError(f"{PROG} graph: give one of --graph, --graph-store and --sparql, not {' and '.join(given)}")
    if getattr(ns, "sparql", None):
        return KnowledgeGraph.connect(ns.sparql)
    if getattr(ns, "graph_store", None):
        return KnowledgeGraph.open(ns.graph_store)
    return KnowledgeGraph.load([Path(g) for g in ns.graph] if ns.graph else None)


def _cmd_graph(ns: argparse.Namespace) -> int:
    from kgqa.graph.sparql import check_timeout

    if ns.graph_command == "vocabulary":
        from kgqa.graph.vocabulary_cache import add_vocabulary

        print(f"wrote {add_vocabulary(ns.store, overwrite=ns.overwrite)}")
        return 0
    if ns.graph_command == "adjacency":
        from kgqa.graph.adjacency import add_adjacency

        print(f"wrote {add_adjacency(ns.store, overwrite=ns.overwrite)}")
        return 0
    if ns.graph_command == "catalogue":
        from kgqa.graph.oxi_store import add_catalogue

        print(f"wrote {add_catalogue(ns.store, overwrite=ns.overwrite)}")
        return 0
    if ns.graph_command == "export":
        out = _graph_of(ns).export_nquads(ns.out)
        print(f"wrote {out}; load it into a SPARQL server (e.g. oxigraph load --location DB --file {out.name})")
        return 0
    sparql = ns.sparql_query
    if ns.timeout is not None:
        check_timeout(ns.timeout)
    if sparql.startswith("@"):
        try:
            sparql = Path(sparql[1:]).read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise UsageError(f"{PROG} graph query: cannot read {sparql[1:]}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise UsageError(f"{PROG} graph query: {sparql[1:]} is not UTF-8 text; save the query as UTF-8") from exc
    bindings = dict(_parse_binding(b) for b in ns.bind)
    kg = _graph_of(ns)
    rows = kg.query(sparql, bindings=bindings or None, timeout_s=ns.timeout)
    if ns.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        if not rows:
            print("(no results)")
        for row in rows:
            print("\t".join(f"{k}={v}" for k, v in row.items()))
    return 0


def _cmd_world(ns: argparse.Namespace) -> int:
    from kgqa.world.cli import run_build

    return run_build(ns)


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
    # text from argv or files may hold lone surrogates (undecodable bytes): print them escaped, never fail
    with contextlib.suppress(AttributeError, ValueError, OSError):
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    handlers = {
        "ask": _cmd_ask,
        "check": _cmd_check,
        "index": _cmd_index,
        "graph": _cmd_graph,
        "demo": _cmd_demo,
        "world": _cmd_world,
    }
    command = next((a for a in argv if not a.startswith("-")), None)
    try:
        ns = build_parser(commands=command not in handlers).parse_args(argv)
        if ns.version:
            from kgqa import __version__

            print(f"kgqa {__version__}")
            return 0
        run_command = handlers.get(ns.command) or getattr(ns, "run_command", None)
        if run_command is None:
            build_parser().print_help()
            print(f"{PROG}: error: no command given; choose one of those above (see `{PROG} --help`)", file=sys.stderr)
            return 2
        return run_command(ns)
    except UsageError as exc:  # one line, even when the argument it quotes holds line breaks
        print(" ".join(str(exc).split()), file=sys.stderr)
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
