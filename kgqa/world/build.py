"""The resumable world build: each source is a step with atomic outputs, recorded in ``build-state.json``.

A world folder holds ``ontology.ttl`` (a copy of the shipped ontology), one N-Triples file per
graph source, passage JSON lines, optionally a dense ``index/``, and ``kgqa.json`` (a
:class:`~kgqa.config.PipelineConfig` with paths relative to the folder), so that
``kgqa ask --pipeline DIR "..."`` runs on it.

Every step writes its outputs to temporary names and renames them into place when it succeeds,
then records in ``DIR/build-state.json`` a fingerprint of its inputs (path, size and
modification time of each file) and options. With ``resume=True`` a step whose fingerprint is
unchanged and whose outputs exist is skipped; a step that was interrupted (or whose inputs
changed) runs again. A step that fails leaves no partial output behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgqa.errors import ConfigError, DataNotFoundError, InputError
from kgqa.world import sources, wikidata
from kgqa.world.rdf_stream import NTWriter, convert_rdf, copy_ntriples, rdf_format

logger = logging.getLogger(__name__)

STATE_FILE = "build-state.json"
STATE_VERSION = 1
#: files a world build writes besides its per-source outputs (removed by ``overwrite``)
FIXED_OUTPUTS = (
    "ontology.ttl",
    "fb15k237.nt",
    "wordnet.nt",
    "conceptnet.nt",
    "passages.jsonl",
    "kgqa.json",
    "index",
    "graph-store",
)


@dataclass
class WorldSpec:
    """What goes into a world.

    Attributes:
        data_dir: the data directory (``$KGQA_DATA``) for the dataset sources.
        fb15k237, wordnet, conceptnet, squad: the data directory's sources to convert.
        rdf: RDF files (N-Triples, Turtle, RDF/XML; ``.gz``/``.bz2`` allowed) copied in as N-Triples.
        wikidata_dump: a truthy N-Triples or JSON Wikidata dump, filtered by ``items``/``properties``.
        items, properties: files listing the Wikidata ids to keep (one per line).
        languages: label languages kept from the Wikidata dump (empty: all).
        passages: passage JSON-lines files.
        limit_passages: keep only the first N SQuAD paragraphs.
        index: embed the passages into ``index/`` (else ``kgqa.json`` names the passage files).
        batch_size: texts per encoder forward pass when indexing.
        skip_bad_lines: skip (and count) malformed N-Triples lines of ``rdf`` instead of failing.
        graph_store: also write the reasoned graphs to a ``graph-store/`` folder that
            ``kgqa.json`` names, so the world opens without parsing RDF (see :mod:`kgqa.graph.oxi_store`).
    """

    data_dir: Path | None = None
    fb15k237: bool = False
    wordnet: bool = False
    conceptnet: bool = False
    squad: bool = False
    rdf: list[Path] = field(default_factory=list)
    wikidata_dump: Path | None = None
    items: Path | None = None
    properties: Path | None = None
    languages: tuple[str, ...] = ("en",)
    passages: list[Path] = field(default_factory=list)
    limit_passages: int | None = None
    index: bool = True
    batch_size: int = 32
    skip_bad_lines: bool = False
    graph_store: bool = False


Progress = Callable[[int], None]


@dataclass
class Step:
    """One unit of the build: ``run(out_dir, progress)`` writes ``outputs`` atomically and returns its counts."""

    name: str
    kind: str  # "graph", "passages" or "index"
    inputs: list[Path]
    options: dict[str, Any]
    outputs: list[str]
    run: Callable[[Path, Progress], dict[str, Any]]
    compressed: bool = False

    def fingerprint(self) -> dict[str, Any]:
        """The inputs' paths, sizes and modification times and the options, as recorded in the state file."""
        files = []
        for path in self.inputs:
            st = path.stat()
            files.append([str(path.resolve()), st.st_size, st.st_mtime_ns])
        return {"inputs": files, "options": self.options}


def _safe_stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".bz2"):
        name = name.removesuffix(suffix)
    return re.sub(r"[^A-Za-z0-9_-]+", "_", Path(name).stem).strip("_")[:40] or "file"


def _graph_step(name: str, out_name: str, inputs: list[Path], options: dict[str, Any], write: Callable) -> Step:
    def run(out_dir: Path, progress: Progress) -> dict[str, Any]:
        return {"triples": write(out_dir / out_name, progress)}

    compressed = any(p.suffix.lower() in (".gz", ".bz2") for p in inputs)
    return Step(name, "graph", inputs, options, [out_name], run, compressed)


def _rdf_step(k: int, path: Path, skip_bad_lines: bool) -> Step:
    fmt = rdf_format(path)
    out_name = f"rdf-{k:02d}-{_safe_stem(path)}.nt"

    def run(out_dir: Path, progress: Progress) -> dict[str, Any]:
        skipped = 0
        with NTWriter(out_dir / out_name) as w:
            if fmt == "nt":
                skipped = copy_ntriples(path, w, skip_bad_lines, progress)
            else:
                convert_rdf(path, w)
        if skipped:
            logger.warning("%s: skipped %d malformed N-Triples lines", path, skipped)
        return {"triples": w.count, "skipped_lines": skipped}

    options = {"format": fmt, "skip_bad_lines": skip_bad_lines}
    compressed = path.suffix.lower() in (".gz", ".bz2")
    return Step(f"rdf:{path.name}", "graph", [path], options, [out_name], run, compressed)


def _wikidata_step(spec: WorldSpec) -> Step:
    dump = spec.wikidata_dump
    assert dump is not None
    wikidata.dump_format(dump)
    items = wikidata.read_ids(spec.items, "Q") if spec.items else None
    props = wikidata.read_ids(spec.properties, "P") if spec.properties else None
    keep = wikidata.WikidataFilter(items, props, spec.languages)
    inputs = [p for p in (dump, spec.items, spec.properties) if p is not None]

    def write(out: Path, progress: Progress) -> int:
        with NTWriter(out) as w:
            wikidata.filter_dump(dump, w, keep, progress)
        return w.count

    return _graph_step("wikidata", "wikidata.nt", inputs, {"languages": list(spec.languages)}, write)


def plan(spec: WorldSpec, index_builder: Callable[..., Any] | None = None, show_progress: bool = True) -> list[Step]:
    """The steps that build ``spec``, with their inputs checked.

    Raises:
        DataNotFoundError: a source file is missing. InputError: bad options or id lists.
        GraphError: an RDF file whose format its name does not tell.
    """
    steps: list[Step] = []
    chosen = [name for name in ("fb15k237", "wordnet", "conceptnet", "squad") if getattr(spec, name)]
    if chosen:
        if spec.data_dir is None:
            raise DataNotFoundError("no data directory: set KGQA_DATA or pass --data-dir")
        root = Path(spec.data_dir)
        missing = [
            rel
            for name in chosen
            for rel in sources.SOURCES[name]
            if not (root / rel).is_file() and rel not in sources.OPTIONAL_SOURCES
        ]
        if missing:
            raise DataNotFoundError(
                f"the data directory {root} lacks {', '.join(missing)}; set KGQA_DATA or --data-dir"
            )
    writers = {"fb15k237": sources.write_fb15k237, "wordnet": sources.write_wordnet}
    writers["conceptnet"] = sources.write_conceptnet
    for name in chosen:
        if name == "squad":
            continue
        root = Path(spec.data_dir)  # type: ignore[arg-type]
        files = [root / rel for rel in sources.SOURCES[name] if (root / rel).is_file()]
        write = writers[name]
        steps.append(_graph_step(name, f"{name}.nt", files, {}, lambda out, pr, w=write, r=root: w(r, out, pr)))
    for k, path in enumerate(spec.rdf, start=1):
        _require(path, "--rdf")
        steps.append(_rdf_step(k, path, spec.skip_bad_lines))
    if spec.wikidata_dump is not None:
        _require(spec.wikidata_dump, "--wikidata")
        for opt, path in (("--items", spec.items), ("--properties", spec.properties)):
            if path is not None:
                _require(path, opt)
        if spec.items is None and spec.properties is None:
            raise InputError("--wikidata needs --items FILE and/or --properties FILE to filter the dump by")
        steps.append(_wikidata_step(spec))
    elif spec.items is not None or spec.properties is not None:
        raise InputError("--items and --properties filter a Wikidata dump; pass it with --wikidata DUMP")
    if spec.limit_passages is not None and spec.limit_passages < 1:
        raise InputError(f"--limit-passages must be positive, got {spec.limit_passages}")
    if spec.squad:
        root = Path(spec.data_dir)  # type: ignore[arg-type]
        limit = spec.limit_passages
        steps.append(
            Step(
                "squad",
                "passages",
                [root / sources.SOURCES["squad"][0]],
                {"limit": limit},
                ["passages.jsonl"],
                lambda out_dir, pr: {
                    "passages": sources.write_squad_passages(root, out_dir / "passages.jsonl", limit, pr)
                },
            )
        )
    for k, path in enumerate(spec.passages, start=1):
        _require(path, "--passages")
        out_name = f"passages-{k:02d}-{_safe_stem(path)}.jsonl"
        steps.append(
            Step(
                f"passages:{path.name}",
                "passages",
                [path],
                {},
                [out_name],
                lambda out_dir, pr, p=path, o=out_name: {
                    "passages": sources.copy_passages(p, out_dir / o, progress=pr)
                },
            )
        )
    if not steps:
        raise InputError("nothing to build: choose at least one source (see `kgqa world build --help`)")
    return steps


def _index_step(passage_files: list[Path], spec: WorldSpec, builder: Callable[..., Any], show: bool) -> Step:
    def run(out_dir: Path, progress: Progress) -> dict[str, Any]:
        tmp = out_dir / ".index.tmp"
        if tmp.exists():
            shutil.rmtree(tmp)
        try:
            built = builder(passage_files, tmp, batch_size=spec.batch_size, show_progress=show)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if (out_dir / "index").exists():
            shutil.rmtree(out_dir / "index")
        os.replace(tmp, out_dir / "index")
        return {"encoder": getattr(getattr(built, "encoder", None), "name", None)}

    return Step("index", "index", passage_files, {"batch_size": spec.batch_size}, ["index"], run)


def _graph_store_step(ontology: Path, graph_files: list[Path]) -> Step:
    """The ``graph-store`` step; the ontology (copied afresh by every build) counts by its content, not its date."""

    def run(out_dir: Path, progress: Progress) -> dict[str, Any]:
        from kgqa.graph.kg import KnowledgeGraph

        tmp = out_dir / ".graph-store.tmp"
        if tmp.exists():
            shutil.rmtree(tmp)
        kg = KnowledgeGraph.load([ontology, *graph_files])
        kg.save_store(tmp)
        progress(len(kg))
        if (out_dir / "graph-store").exists():
            shutil.rmtree(out_dir / "graph-store")
        os.replace(tmp, out_dir / "graph-store")
        return {"asserted": len(kg), "inferred": len(kg._inferred)}

    digest = hashlib.sha256(ontology.read_bytes()).hexdigest()
    return Step("graph-store", "graph-store", graph_files, {"ontology_sha256": digest}, ["graph-store"], run)


def _require(path: Path, option: str) -> None:
    if not Path(path).is_file():
        raise DataNotFoundError(f"{option} {path}: no such file")


def check_out_dir(out: str | Path, resume: bool = False, overwrite: bool = False) -> Path:
    """The resolved world folder; refuses the repository and its ``data/``/``graphs/``, and a non-empty folder.

    Raises:
        ConfigError: the folder is inside the shipped assets, or holds files and neither
            ``resume`` nor ``overwrite`` is set (or both are).
    """
    from kgqa.paths import PROJECT_ROOT

    if resume and overwrite:
        raise ConfigError("--resume and --overwrite exclude each other; choose one")
    path = Path(out).expanduser().resolve()
    for shipped in (PROJECT_ROOT / "data", PROJECT_ROOT / "graphs"):
        if path == shipped.resolve() or shipped.resolve() in path.parents:
            raise ConfigError(
                f"--out {out} is inside the repository's {shipped.name}/; the world is large and must "
                "live outside the repository, e.g. --out ~/kgqa-world"
            )
    if path == PROJECT_ROOT.resolve():
        raise ConfigError(f"--out {out} is the repository itself; choose a folder outside it, e.g. ~/kgqa-world")
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out {out} is a file; give a folder")
    if path.is_dir() and any(path.iterdir()) and not (resume or overwrite):
        raise ConfigError(
            f"{path} is not empty; pass --resume to continue a build there (finished steps are kept) "
            "or --overwrite to rebuild it, or choose another --out"
        )
    return path


def _load_state(path: Path) -> dict[str, Any]:
    state_path = path / STATE_FILE
    if not state_path.is_file():
        return {"version": STATE_VERSION, "steps": {}}
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        logger.warning("%s is unreadable; every step is rebuilt", state_path)
        return {"version": STATE_VERSION, "steps": {}}
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION or not isinstance(state.get("steps"), dict):
        return {"version": STATE_VERSION, "steps": {}}
    return state


def _save_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path / STATE_FILE)


def _clear(path: Path, state: dict[str, Any]) -> None:
    """Remove what an earlier build wrote (its recorded outputs and the fixed names), nothing else."""
    names = set(FIXED_OUTPUTS) | {STATE_FILE}
    for record in state["steps"].values():
        names.update(record.get("outputs", []) if isinstance(record, dict) else [])
    for name in names:
        target = path / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()


def _progress_bar(step: Step, show: bool) -> Any:
    from tqdm.auto import tqdm

    total = None if step.compressed else sum(p.stat().st_size for p in step.inputs) or None
    return tqdm(
        total=total, desc=step.name, unit="B", unit_scale=True, disable=not show, leave=False, dynamic_ncols=True
    )


def build_world(
    spec: WorldSpec,
    out: str | Path,
    resume: bool = False,
    overwrite: bool = False,
    show_progress: bool = True,
    index_builder: Callable[..., Any] | None = None,
) -> dict[str, Any]:
    """Build (or resume building) the world ``spec`` describes into ``out``; returns a summary.

    Args:
        spec: the sources and options.
        out: the world folder (outside the repository's ``data/`` and ``graphs/``).
        resume: keep the steps an earlier build finished with unchanged inputs and options.
        overwrite: remove an earlier build's outputs first.
        show_progress: tqdm progress bars on stderr.
        index_builder: the index builder (default :func:`kgqa.retrieval.build_index`; tests pass a fake).

    Returns:
        ``out``, per-step counts, which steps ran and which were kept, the graphs, passages and config.

    Raises:
        ConfigError: a refused ``out``. DataNotFoundError: a missing input. InputError, GraphError:
        malformed input (naming file and line).
    """
    from kgqa.config import PipelineConfig
    from kgqa.paths import graphs_dir

    steps = plan(spec)
    path = check_out_dir(out, resume, overwrite)
    ontology = graphs_dir() / "ontology.ttl"
    if not ontology.is_file():
        raise DataNotFoundError(f"{ontology} is missing; the world reuses the shipped ontology")
    path.mkdir(parents=True, exist_ok=True)
    state = _load_state(path)
    if overwrite:
        _clear(path, state)
        state = {"version": STATE_VERSION, "steps": {}}
    for stale in path.glob(".*.tmp"):  # left by a build that was killed
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    shutil.copyfile(ontology, path / ".ontology.ttl.tmp")
    os.replace(path / ".ontology.ttl.tmp", path / "ontology.ttl")
    passage_files = [path / o for s in steps if s.kind == "passages" for o in s.outputs]
    if spec.index and passage_files:
        builder = index_builder
        if builder is None:
            from kgqa.retrieval import build_index as builder
        steps.append(_index_step(passage_files, spec, builder, show_progress))
    if spec.graph_store:
        graph_files = [path / o for s in steps if s.kind == "graph" for o in s.outputs]
        steps.append(_graph_store_step(path / "ontology.ttl", graph_files))
    results: dict[str, dict[str, Any]] = {}
    ran: list[str] = []
    kept: list[str] = []
    for step in steps:
        fingerprint = step.fingerprint()
        record = state["steps"].get(step.name)
        done = (
            resume
            and isinstance(record, dict)
            and record.get("fingerprint") == fingerprint
            and all((path / o).exists() for o in step.outputs)
        )
        if done:
            logger.info("%s: unchanged since the last build, kept", step.name)
            results[step.name] = record.get("result", {})
            kept.append(step.name)
            continue
        state["steps"].pop(step.name, None)
        _save_state(path, state)
        with _progress_bar(step, show_progress) as bar:
            result = step.run(path, bar.update)
        state["steps"][step.name] = {"fingerprint": fingerprint, "outputs": step.outputs, "result": result}
        _save_state(path, state)
        results[step.name] = result
        ran.append(step.name)
    graphs = ["ontology.ttl"] + [o for s in steps if s.kind == "graph" for o in s.outputs]
    config = PipelineConfig(graphs=graphs)
    if spec.graph_store:
        config.graph_store = "graph-store"
    indexed = any(s.kind == "index" for s in steps)
    if indexed:
        config.index_dir = "index"
    elif passage_files:
        config.passages = [p.name for p in passage_files]
    config.save(path)
    return {
        "out": str(path),
        "steps": results,
        "ran": ran,
        "kept": kept,
        "triples": {n: r["triples"] for n, r in results.items() if "triples" in r},
        "passages": sum(r.get("passages", 0) for r in results.values()),
        "indexed": indexed,
        "encoder": results.get("index", {}).get("encoder"),
        "graphs": graphs,
        "config": str(path / "kgqa.json"),
    }


__all__ = ["STATE_FILE", "Step", "WorldSpec", "build_world", "check_out_dir", "plan"]
