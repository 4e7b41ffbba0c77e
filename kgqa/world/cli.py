"""``kgqa world build --out DIR [sources...]``: the options and the command of the world build.

Without any source option the command builds the data directory's world: FB15k-237, WordNet's
noun hierarchy, ConceptNet's causal relations and the SQuAD train paragraphs (indexed unless
``--no-index``). Naming any source builds only the sources named.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the build imports rdflib; the parser is mounted on every kgqa command
    from kgqa.world.build import WorldSpec

#: the help text of ``kgqa world build``
DESCRIPTION = (
    "Build a world folder (N-Triples graphs, passages, an index and kgqa.json) for kgqa ask --pipeline DIR. "
    "Without any source option it builds the data directory's world: FB15k-237, WordNet's noun hierarchy, "
    "ConceptNet's causal relations and the SQuAD train paragraphs. Naming sources builds only those. "
    "Every source is a step recorded in DIR/build-state.json; --resume continues an interrupted build."
)


def add_build_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``kgqa world build``."""
    p.add_argument("--out", required=True, metavar="DIR", help="the world folder to write (outside the repository)")
    src = p.add_argument_group("sources (none given: FB15k-237, WordNet, ConceptNet and SQuAD from the data directory)")
    src.add_argument("--fb15k237", action="store_true", help="FB15k-237 with its entity and Wikidata labels")
    src.add_argument("--wordnet", action="store_true", help="WordNet 3.0's noun hierarchy")
    src.add_argument("--conceptnet", action="store_true", help="ConceptNet's causal relations (CN-100K)")
    src.add_argument("--squad-passages", action="store_true", help="the SQuAD train paragraphs as passages")
    src.add_argument(
        "--rdf",
        action="append",
        default=[],
        metavar="FILE",
        help="an RDF file: .nt (streamed line by line), .ttl or .rdf/.owl/.xml (parsed whole), optionally .gz/.bz2",
    )
    src.add_argument("--wikidata", metavar="DUMP", help="a Wikidata truthy .nt or JSON dump (.gz/.bz2 allowed)")
    src.add_argument("--items", metavar="FILE", help="the Wikidata items to keep, one id (Q42) per line")
    src.add_argument("--properties", metavar="FILE", help="the Wikidata properties to keep, one id (P31) per line")
    src.add_argument(
        "--languages", default="en", help="comma-separated label languages kept from the dump (default: en; '' all)"
    )
    src.add_argument("--passages", action="append", default=[], metavar="FILE", help="passage JSON lines")
    p.add_argument("--data-dir", help="the dataset folder (default: $KGQA_DATA or ../shared/datasets)")
    p.add_argument("--limit-passages", type=int, default=None, metavar="N", help="keep the first N SQuAD paragraphs")
    p.add_argument(
        "--no-index",
        action="store_true",
        help="do not embed the passages (kgqa.json then names the passage files; "
        "build an index later with `kgqa index build`)",
    )
    p.add_argument(
        "--graph-store",
        action="store_true",
        help="also write the reasoned graphs to graph-store/ (Oxigraph), which kgqa.json names: "
        "the world then opens without parsing RDF",
    )
    p.add_argument("--batch-size", type=int, default=32, help="texts per encoder forward pass")
    p.add_argument(
        "--skip-bad-lines", action="store_true", help="skip (and count) malformed lines of --rdf N-Triples files"
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume",
        action="store_true",
        help="continue a build in --out: keep the steps build-state.json records as finished",
    )
    mode.add_argument("--overwrite", action="store_true", help="remove an earlier build in --out first")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def spec_from_args(ns: argparse.Namespace) -> WorldSpec:
    """The :class:`WorldSpec` the parsed options describe (the data directory's world when no source is named)."""
    from kgqa.paths import data_dir
    from kgqa.world.build import WorldSpec

    named = [ns.fb15k237, ns.wordnet, ns.conceptnet, ns.squad_passages, ns.rdf, ns.wikidata, ns.passages]
    default = not any(named)
    datasets = default or ns.fb15k237 or ns.wordnet or ns.conceptnet or ns.squad_passages
    root = (Path(ns.data_dir) if ns.data_dir else data_dir(required=True)) if datasets else None
    return WorldSpec(
        data_dir=root,
        fb15k237=default or ns.fb15k237,
        wordnet=default or ns.wordnet,
        conceptnet=default or ns.conceptnet,
        squad=default or ns.squad_passages,
        rdf=[Path(f) for f in ns.rdf],
        wikidata_dump=Path(ns.wikidata) if ns.wikidata else None,
        items=Path(ns.items) if ns.items else None,
        properties=Path(ns.properties) if ns.properties else None,
        languages=tuple(lang.strip() for lang in ns.languages.split(",") if lang.strip()),
        passages=[Path(f) for f in ns.passages],
        limit_passages=ns.limit_passages,
        index=not ns.no_index,
        batch_size=ns.batch_size,
        skip_bad_lines=ns.skip_bad_lines,
        graph_store=ns.graph_store,
    )


def run_build(ns: argparse.Namespace) -> int:
    """Run ``kgqa world build``; prints a summary and returns 0.

    Raises:
        KGQAError: bad options or input (the CLI prints one line and exits 2).
    """
    from kgqa.errors import ConfigError
    from kgqa.world.build import build_world

    if ns.batch_size < 1:
        raise ConfigError(f"--batch-size must be positive, got {ns.batch_size}")
    summary = build_world(
        spec_from_args(ns), ns.out, resume=ns.resume, overwrite=ns.overwrite, show_progress=not ns.no_progress
    )
    for name, result in summary["steps"].items():
        how = "kept" if name in summary["kept"] else "built"
        counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in result.items() if isinstance(v, int))
        print(f"{how:5} {name}: {counts or 'done'}")
    print(f'wrote {summary["config"]}; run kgqa ask --pipeline {summary["out"]} "..."')
    return 0


__all__ = ["add_build_arguments", "run_build", "spec_from_args"]
