"""``kgqa bench scale``: the graph and the vector index at growing sizes, per backend.

Graph (:mod:`kgqa.bench.scale_graph`), at ``--sizes`` triples (default 10k, 300k, 3M): the load
(or open) time, the peak memory, and the latency of a graph-side ``check`` of ``--claims``
seeded claims and of the fact lookup behind it, per backend in ``--backends``:

- ``memory``: the N-Triples parsed by rdflib into kgqa's in-memory triple index, then reasoned;
- ``oxigraph``: the same graph saved once as an on-disk Oxigraph store, then opened (no parsing);
- ``sparql``: the same graph exported as N-Quads into an Oxigraph SPARQL server on loopback
  (:class:`~kgqa.bench.sparql_server.OxigraphServer`), read through ``KnowledgeGraph.connect``.

Triples are the real ones of ``--world DIR`` (a ``kgqa world build`` folder) up to its size and
synthetic beyond it, or all synthetic without ``--world``; ``results.json`` says how many of each.

Vector index (:mod:`kgqa.bench.scale_vectors`), at ``--vector-sizes`` passages (default 20k, 1M)
of seeded synthetic unit vectors: build time, bytes per passage on disk, single-query search
latency (p50/p95, k = 10), recall@10 against exact search and peak memory, per backend in
``--vector-backends`` (FAISS flat, hnsw, ivfpq; milvus = Milvus Lite).

Every measurement runs in a fresh process (multiprocessing, spawn), so that its peak resident
memory (``VmHWM``, see :func:`~kgqa.bench.scale_graph.hwm_rss_mb`) is its own; each has
``--timeout`` seconds, and one that times out, runs out of memory or fails is recorded with the
reason (and the larger sizes of that backend are skipped) instead of stopping the run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import multiprocessing
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.bench import scale_graph, scale_vectors
from kgqa.errors import ConfigError

logger = logging.getLogger(__name__)

GRAPH_BACKENDS = ("memory", "oxigraph", "sparql")
VECTOR_BACKENDS = ("flat", "hnsw", "ivfpq", "milvus")
DEFAULT_SIZES = "10k,300k,3M"
DEFAULT_VECTOR_SIZES = "20k,1M"
K = 10
#: the SPARQL server's limit per query. ``oxigraph serve`` keeps a thread per query for this long,
#: and the linker's hundreds of queries a second reach the machine's thread limit (HTTP 500,
#: "Resource temporarily unavailable") with the server's default of 60 s
SERVER_TIMEOUT_S = 10.0
_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}
_counter = itertools.count()


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``scale`` suite."""
    p.add_argument("--sizes", default=DEFAULT_SIZES, help=f"graph sizes in triples (default {DEFAULT_SIZES})")
    p.add_argument(
        "--vector-sizes", default=DEFAULT_VECTOR_SIZES, help=f"vector index sizes (default {DEFAULT_VECTOR_SIZES})"
    )
    p.add_argument("--backends", default=",".join(GRAPH_BACKENDS), help="graph backends, comma-separated")
    p.add_argument("--vector-backends", default=",".join(VECTOR_BACKENDS), help="vector backends, comma-separated")
    p.add_argument("--world", help="a world folder (kgqa world build --out DIR) whose triples come first")
    p.add_argument("--claims", type=int, default=50, help="claims checked per graph (half true, half false)")
    p.add_argument("--queries", type=int, default=200, help="single-vector queries per index")
    p.add_argument("--dim", type=int, default=384, help="vector dimension (the base encoder's)")
    p.add_argument("--only", choices=("graph", "vectors"), help="measure only the graph or only the vectors")
    p.add_argument(
        "--search-threads", type=int, default=1, help="FAISS threads for the single-query searches (0: all cores)"
    )
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed to each measurement")
    p.add_argument("--work-dir", help="where the generated graphs, stores and vectors go (default: a temp folder)")


# --------------------------------------------------------------------------- options
def parse_sizes(text: str, option: str) -> list[int]:
    """Sizes like ``"10k,300k,3M"`` or ``"1000"`` as sorted positive ints.

    Raises:
        ConfigError: a size is not a positive whole number with an optional k, M or G suffix.

    Example:
        >>> parse_sizes("3M,10k", "--sizes")
        [10000, 3000000]
    """
    sizes = []
    for item in str(text).split(","):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)\s*", item)
        value = float(m.group(1)) * _SUFFIX[m.group(2).lower()] if m else 0
        if not m or value < 1 or not value.is_integer():
            raise ConfigError(f"{option} takes positive sizes such as 10k,300k,3M; got {item.strip()!r}")
        sizes.append(int(value))
    return sorted(set(sizes))


def parse_backends(text: str, known: tuple[str, ...], option: str) -> list[str]:
    """Comma-separated backend names, each one of ``known``, without repeats.

    Raises:
        ConfigError: an unknown or empty name.
    """
    names = [b.strip() for b in str(text).split(",")]
    for name in names:
        if name not in known:
            raise ConfigError(f"{option}: unknown backend {name!r}; choose from {', '.join(known)}")
    return list(dict.fromkeys(names))


def _check_options(ns: argparse.Namespace) -> None:
    for name in ("claims", "queries", "dim"):
        if getattr(ns, name) < 1:
            raise ConfigError(f"--{name} must be a positive number, got {getattr(ns, name)}")
    if ns.claims < 2:
        raise ConfigError(f"--claims must be at least 2 (one true, one false), got {ns.claims}")
    if ns.search_threads < 0:
        raise ConfigError(f"--search-threads must be 0 (all cores) or positive, got {ns.search_threads}")
    if ns.timeout <= 0:
        raise ConfigError(f"--timeout must be a positive number of seconds, got {ns.timeout}")


# --------------------------------------------------------------------------- isolated measurements
def _child(module: str, name: str, kwargs: dict[str, Any], result: str) -> None:
    """Entry point of a measuring process: run ``module.name(**kwargs)``, add the peak RSS, write JSON."""
    import importlib

    try:
        res = getattr(importlib.import_module(module), name)(**kwargs)
        res["peak_rss_mb"] = scale_graph.hwm_rss_mb()
    except Exception as exc:  # any failure is a recorded skip reason, not the end of the whole run
        res = {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:500]}
    Path(result).write_text(json.dumps(res, default=str), encoding="utf-8")


def run_isolated(func: Callable[..., dict[str, Any]], kwargs: dict[str, Any], timeout_s: float, scratch: Path) -> dict:
    """``func(**kwargs)`` in a fresh spawned process; its result with ``peak_rss_mb``, or ``{"skipped": reason}``."""
    result = scratch / f"result-{next(_counter)}.json"
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_child, args=(func.__module__, func.__name__, kwargs, str(result)))
    proc.start()
    proc.join(timeout_s)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return {"skipped": f"timed out after {timeout_s:.0f} s"}
    if not result.is_file():
        why = " (SIGKILL: out of memory?)" if proc.exitcode == -9 else ""
        return {"skipped": f"the measuring process ended with code {proc.exitcode}{why}"}
    res = json.loads(result.read_text(encoding="utf-8"))
    result.unlink()
    return {"skipped": res["error"]} if "error" in res else res


# --------------------------------------------------------------------------- the two halves
def run_graph(ns: argparse.Namespace, sizes: list[int], backends: list[str], work: Path) -> dict[str, Any]:
    """Graph measurements: ``{backend: {size: row}}`` and the description of the data."""
    world = scale_graph.RealWorld(Path(ns.world)) if ns.world else None
    claims = min(ns.claims, ns.limit) if ns.limit else ns.claims
    rows: dict[str, dict[str, Any]] = {b: {} for b in backends}
    failed: dict[str, str] = {}
    for size in sizes:
        folder = work / f"graph-{size}"
        data = scale_graph.prepare_graph(size, folder, world, claims, ns.seed)
        files = [str(f) for f in data.files]
        cases = scale_graph.claim_dicts(data.claims)
        sizes_info = {"triples": data.triples, "real_triples": data.real_triples}
        sizes_info["synthetic_triples"] = data.synthetic_triples
        sizes_info["real_claims"] = sum(c.real for c in data.claims)
        prep = _prepare([b for b in backends if b not in failed], files, folder, ns.timeout, work)
        for backend in backends:
            if backend in failed:
                rows[backend][str(size)] = {**sizes_info, "skipped": failed[backend]}
                continue
            logger.info("graph: %s at %d triples", backend, size)
            row = _graph_row(backend, prep, files, cases, ns.timeout, work)
            rows[backend][str(size)] = {**sizes_info, **row}
            if "skipped" in row:
                failed[backend] = f"{backend} failed at {size:,} triples ({row['skipped']})"
            logger.info("graph: %s at %d triples: %s", backend, size, _brief(row))
        shutil.rmtree(folder, ignore_errors=True)
    real = world is not None
    info = {
        "world": str(Path(ns.world).resolve()) if real else None,
        "world_files": [f.name for f in world.files] if world else [],
        "world_triples": len(world) if world else 0,
        "real": (
            "a seeded sample of the world's facts with the types, labels and class hierarchy of their nodes "
            "(below the world's size), else every triple of the world"
            if real
            else "none (no --world)"
        ),
        "synthetic": (
            f"labelled entities of {len(scale_graph.NOUNS)} classes, each with a type, a label and "
            f"{scale_graph.FACTS_PER_ENTITY} facts under {len(scale_graph.VERBS)} object properties "
            f"(every fourth functional), seed {ns.seed}"
        ),
        "claims": f"{claims} per size, every other one false (object swapped), seed {ns.seed}",
    }
    return {"rows": rows, "data": info}


def _prepare(backends: list[str], files: list[str], folder: Path, timeout: float, work: Path) -> dict[str, Any]:
    """The one-off set-up of ``oxigraph`` (a saved store) and ``sparql`` (N-Quads), from one parse of the files."""
    store = str(folder / "graph-store") if "oxigraph" in backends else None
    nquads = str(folder / "graph.nq") if "sparql" in backends else None
    if store is None and nquads is None:
        return {}
    done = run_isolated(scale_graph.prepare_backends, {"files": files, "store": store, "nquads": nquads}, timeout, work)
    if "skipped" not in done:
        done["prepare_peak_rss_mb"] = done.pop("peak_rss_mb")
    return {**done, "store": store, "nquads": nquads}


def _graph_row(backend: str, prep: dict, files: list[str], cases: list[dict], timeout: float, work: Path) -> dict:
    if backend == "memory":
        return run_isolated(
            scale_graph.measure_graph, {"backend": "memory", "source": files, "claims": cases}, timeout, work
        )
    if "skipped" in prep:
        return {"skipped": f"parsing the graph to save it: {prep['skipped']}"}
    common = {"parse_reason_s": prep["parse_reason_s"], "prepare_peak_rss_mb": prep["prepare_peak_rss_mb"]}
    if backend == "oxigraph":
        built = {**common, "store_save_s": prep["store_save_s"], "store_bytes": prep["store_bytes"]}
        kwargs = {"backend": "oxigraph", "source": prep["store"], "claims": cases}
        row = run_isolated(scale_graph.measure_graph, kwargs, timeout, work)
        return {**built, **row}
    from kgqa.bench.sparql_server import OxigraphServer
    from kgqa.errors import KGQAError

    start = time.perf_counter()
    try:
        server = OxigraphServer(
            work / "sparql-db", nquads=[prep["nquads"]], read_only=True, timeout_s=SERVER_TIMEOUT_S
        ).start()
    except KGQAError as exc:
        return {"skipped": f"starting the SPARQL server: {exc}"}
    built = {**common, "export_s": prep["export_s"], "catalogue_s": prep["catalogue_s"]}
    built["server_load_s"] = time.perf_counter() - start
    try:
        kwargs = {"backend": "sparql", "source": server.query_url, "claims": cases}
        kwargs["catalogue"] = prep["nquads"] + ".catalogue.sqlite"
        row = run_isolated(scale_graph.measure_graph, kwargs, timeout, work)
    finally:
        server.stop()
        shutil.rmtree(work / "sparql-db", ignore_errors=True)
    return {**built, **row}


def run_vectors(ns: argparse.Namespace, sizes: list[int], backends: list[str], work: Path) -> dict[str, Any]:
    """Vector measurements: ``{backend: {size: row}}`` and the description of the data."""
    queries = min(ns.queries, ns.limit) if ns.limit else ns.queries
    rows: dict[str, dict[str, Any]] = {b: {} for b in backends}
    failed: dict[str, str] = {}
    for size in sizes:
        folder = work / f"vectors-{size}"
        folder.mkdir(parents=True, exist_ok=True)
        vectors, q_path, e_path = folder / "x.npy", folder / "queries.npy", folder / "exact.npy"
        x, q = scale_vectors.synthetic_vectors(size, ns.dim, min(queries, size), ns.seed, out=vectors)
        np.save(q_path, q)
        np.save(e_path, scale_vectors.exact_top_k(x, q, K))
        del x
        for backend in backends:
            if backend in failed:
                rows[backend][str(size)] = {"skipped": failed[backend]}
                continue
            logger.info("vectors: %s over %d", backend, size)
            index_dir = folder / backend
            built = run_isolated(
                scale_vectors.measure_build,
                {"kind": backend, "vectors": str(vectors), "folder": str(index_dir)},
                ns.timeout,
                work,
            )
            if "skipped" in built:
                row = {"skipped": f"building: {built['skipped']}"}
            else:
                built["build_peak_rss_mb"] = built.pop("peak_rss_mb")
                kwargs: dict[str, Any] = {"kind": backend, "folder": str(index_dir), "queries": str(q_path)}
                kwargs.update({"exact": str(e_path), "k": K, "threads": ns.search_threads})
                row = {**built, **run_isolated(scale_vectors.measure_search, kwargs, ns.timeout, work)}
            rows[backend][str(size)] = row
            if "skipped" in row:
                failed[backend] = f"{backend} failed at {size:,} vectors ({row['skipped']})"
            logger.info("vectors: %s over %d: %s", backend, size, _brief(row))
            shutil.rmtree(index_dir, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
    info = (
        f"synthetic: seeded unit vectors of dimension {ns.dim} around n/100 centres; {queries} queries are "
        f"noisy copies of corpus vectors (seed {ns.seed}); exact top-{K} by brute-force numpy search"
    )
    return {"rows": rows, "data": info}


def _brief(row: dict[str, Any]) -> str:
    keys = ("skipped", "load_s", "check_p50_ms", "build_s", "search_p50_ms", f"recall_at_{K}", "peak_rss_mb")
    return ", ".join(f"{k}={row[k]:.4g}" if isinstance(row[k], float) else f"{k}={row[k]}" for k in keys if k in row)


# --------------------------------------------------------------------------- plots
def _plot(
    series: dict[str, list[tuple[float, float, str]]], path: Path, title: str, xlabel: str, ylabel: str, logy: bool
) -> Path:
    """Lines of (x, y) points per series, log x (and log y when ``logy``), each point annotated with its tag."""
    from kgqa.extras import require

    matplotlib = require("matplotlib", "bench", "the benchmark plots")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.8, 4.3))
    for name, points in series.items():
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
            for x, y, tag in points:
                if tag:
                    ax.annotate(tag, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _series(rows: dict[str, dict[str, Any]], x: str, y: str, tag: str | None = None) -> dict[str, list]:
    out: dict[str, list] = {}
    for backend, by_size in rows.items():
        pts = [
            (float(r[x]), float(r[y]), _short(int(size)) if tag == "size" else "")
            for size, r in by_size.items()
            if isinstance(r.get(x), int | float) and isinstance(r.get(y), int | float) and r[x] > 0
        ]
        out[backend] = sorted(pts)
    return out


def _short(n: int) -> str:
    return f"{n / 1e6:g}M" if n >= 1e6 else f"{n / 1e3:g}k" if n >= 1e3 else str(n)


def plots(graph: dict | None, vectors: dict | None, out: Path) -> list[str]:
    """The PNG plots of the run, written into ``out``; their file names."""
    made = []
    if graph:
        rows = graph["rows"]
        for y, name, label in (
            ("load_s", "graph_load_time.png", "load / open time (s)"),
            ("peak_rss_mb", "graph_memory.png", "peak RSS (MB)"),
            ("check_p50_ms", "graph_check_latency.png", "check latency p50 (ms)"),
        ):
            _plot(_series(rows, "triples", y), out / name, f"graph: {label} vs size", "triples", label, True)
            made.append(name)
    if vectors:
        series = _series(vectors["rows"], "search_p50_ms", f"recall_at_{K}", tag="size")
        title = f"vector index: recall@{K} vs single-query latency"
        _plot(series, out / "vector_recall_latency.png", title, "search latency p50 (ms)", f"recall@{K}", False)
        made.append("vector_recall_latency.png")
    return made


# --------------------------------------------------------------------------- the suite
def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the scale benchmark; the metrics for ``results.json`` (see the module docstring)."""
    sizes = parse_sizes(ns.sizes, "--sizes")
    vector_sizes = parse_sizes(ns.vector_sizes, "--vector-sizes")
    backends = parse_backends(ns.backends, GRAPH_BACKENDS, "--backends")
    vector_backends = parse_backends(ns.vector_backends, VECTOR_BACKENDS, "--vector-backends")
    _check_options(ns)
    if ns.world:
        scale_graph.world_files(Path(ns.world))  # a missing world fails now, not after the vectors
    with tempfile.TemporaryDirectory(prefix="kgqa-scale-", dir=ns.work_dir) as tmp:
        work = Path(tmp)
        graph = run_graph(ns, sizes, backends, work) if ns.only != "vectors" else None
        vectors = run_vectors(ns, vector_sizes, vector_backends, work) if ns.only != "graph" else None
    rows = [r for part in (graph, vectors) if part for by in part["rows"].values() for r in by.values()]
    notes = [
        "each measurement ran in a fresh process; peak_rss_mb is that process's peak RSS (VmHWM), "
        "baseline_rss_mb its peak before loading (the interpreter and imports)",
        "check: kgqa.checks.premise.PremiseChecker with an entity linker and a relation matcher over the graph, "
        "no NLI model and no passages (the graph-side path of Pipeline.check); lookup: KnowledgeGraph.facts(s, p, o)",
        "oxigraph / sparql: parse_reason_s + store_save_s (or export_s + catalogue_s, the linker's names "
        "catalogue, then server_load_s: oxigraph load and serve) are the one-off set-up; load_s is opening the saved store / connecting to the endpoint; the "
        "SPARQL server's own memory is not in peak_rss_mb (another process)",
        "vectors: build_s includes saving; search latency is one query at a time (FAISS on --search-threads threads) on the "
        "index loaded back from disk (IVF-PQ memory-mapped); build_peak_rss_mb includes the memory-mapped input vectors",
    ]
    return {
        "n": sum("skipped" not in r for r in rows),
        "data": {
            "file": (f"{Path(ns.world).name} (world) + synthetic triples" if ns.world else "synthetic triples")
            + ", synthetic vectors",
            "graph": graph["data"] if graph else None,
            "vectors": vectors["data"] if vectors else None,
        },
        "models": {},
        "graph": graph["rows"] if graph else {},
        "vectors": vectors["rows"] if vectors else {},
        "skipped": sum("skipped" in r for r in rows),
        "plots": plots(graph, vectors, out),
        "notes": notes,
    }
