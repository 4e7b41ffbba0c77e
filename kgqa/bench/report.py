"""Benchmark reports: ``results.json``, ``results.md``, PNG plots and the run's provenance.

Every suite returns a dict of metrics; :func:`run_metadata` adds where the numbers
came from (data file and its SHA-256, models and their training data, kgqa's version,
hardware, date, command line) and :func:`write_results` writes both files.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import platform
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: keys every ``results.json`` holds (besides the suite's metrics)
REQUIRED_KEYS = ("suite", "n", "data", "models", "kgqa_version", "hardware", "software", "date", "command")
#: keys that describe the run rather than measure it (kept out of the metrics table)
META_KEYS = (*REQUIRED_KEYS, "args", "plots", "seed", "limit", "notes")
#: breakdowns written as tables of their own in ``results.md``: key -> title
TABLE_KEYS = {"per_label": "Per label", "per_question_type": "Per question word"}
#: breakdowns with one table per field (``per_group[field][value]``)
GROUP_KEYS = {"per_group": "Accuracy per"}


# --------------------------------------------------------------------------- provenance
def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def data_info(path: str | Path, **extra: Any) -> dict[str, Any]:
    """``{"file", "path", "sha256"}`` of a data file, plus ``extra`` (e.g. the split used)."""
    p = Path(path)
    info: dict[str, Any] = {"file": p.name, "path": str(p.resolve())}
    info["sha256"] = file_sha256(p) if p.is_file() else None
    info.update(extra)
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def hardware() -> dict[str, Any]:
    """CPU model, cores, memory, torch threads and GPU (if any) of this machine."""
    info: dict[str, Any] = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
    }
    if hasattr(os, "getloadavg"):
        # a busy machine slows every timing; the load average says how busy it was
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    if hasattr(os, "sched_getaffinity"):
        info["cores_available"] = len(os.sched_getaffinity(0))
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024**2, 1)
                break
    except OSError:
        pass
    try:
        import torch

        info["torch_threads"] = torch.get_num_threads()
        info["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:  # pragma: no cover - torch is a dependency
        info["gpu"] = None
    return info


def software() -> dict[str, Any]:
    """Versions of Python and of the libraries that shape the numbers."""
    from importlib import metadata

    out: dict[str, Any] = {"python": platform.python_version()}
    for dist in ("torch", "transformers", "sentence-transformers", "faiss-cpu", "numpy", "rank-bm25"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def kgqa_version() -> str:
    """The installed kgqa version (``"unknown"`` when running from an uninstalled checkout)."""
    import kgqa

    version = getattr(kgqa, "__version__", None)
    if version:
        return str(version)
    from importlib import metadata

    try:
        return metadata.version("kgqa")
    except metadata.PackageNotFoundError:
        return "unknown"


def model_info(model_dir: str | Path | None, **extra: Any) -> dict[str, Any]:
    """What a model folder is and what it was trained on, from its ``kgqa_model.json``."""
    if model_dir is None or str(model_dir).startswith("<"):
        return {"path": str(model_dir), **extra}
    from kgqa.reader.modelio import read_meta

    path = Path(model_dir)
    info: dict[str, Any] = {"path": str(path.resolve()) if path.exists() else str(path)}
    try:
        meta = read_meta(path) if path.is_dir() else {}
    except Exception as exc:  # a corrupt card must not stop the benchmark; say so instead
        meta = {}
        info["meta_error"] = str(exc)
    if meta:
        args = meta.get("training_args", {})
        best = meta.get("best", {})
        trained_on: Any = best.get("train_sources") or args.get("train_files") or None
        if trained_on is None and meta.get("task") == "qa" and args:
            trained_on = ["squad/train-v1.1.json"]  # the recipe's default (kgqa.train.qa.DEFAULT_TRAIN)
        info.update(
            {
                "task": meta.get("task"),
                "base_model": meta.get("base_model"),
                "method": meta.get("method"),
                "storage_dtype": meta.get("storage_dtype"),
                "trained_on": trained_on,
                "dev_metrics": best["dev"]
                if isinstance(best.get("dev"), dict)
                else {k: v for k, v in best.items() if isinstance(v, (int, float)) and not isinstance(v, bool)},
                "best_step": best.get("step"),
                "exported_at": meta.get("exported_at"),
                "training_hardware": meta.get("hardware"),
            }
        )
    info.update(extra)
    return info


def command_line() -> str:
    """The command line of this process, shell-quoted."""
    argv = list(sys.argv)
    if argv and argv[0].endswith(("bench/__main__.py", "bench/cli.py")):
        argv[0] = "python -m kgqa.bench"
    elif argv and argv[0].endswith("kgqa/__main__.py"):
        argv[0] = "python -m kgqa"
    elif argv:
        argv[0] = Path(argv[0]).name
    return " ".join(shlex.quote(a) if i else a for i, a in enumerate(argv))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def run_metadata(suite: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Provenance shared by every suite: version, hardware, software, date, command line."""
    meta = {
        "suite": suite,
        "kgqa_version": kgqa_version(),
        "hardware": hardware(),
        "software": software(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": command_line(),
    }
    if args is not None:
        meta["args"] = {k: _jsonable(v) for k, v in args.items() if not callable(v) and not k.startswith("_")}
    return meta


# --------------------------------------------------------------------------- files
def _default(obj: Any) -> Any:
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _clean_floats(value: Any) -> Any:
    # JSON has no NaN/inf: write null so that strict parsers can read the file
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean_floats(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_floats(v) for v in value]
    return value


def write_records(path: str | Path, records: Sequence[dict[str, Any]]) -> str:
    """``records`` as JSON lines at ``path`` (one per case or question); returns the file's name for the results."""
    p = Path(path)
    with p.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return p.name


def write_results(out_dir: str | Path, results: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``results.json`` and ``results.md`` into ``out_dir`` (created); returns both paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "results.json"
    json_path.write_text(json.dumps(_clean_floats(results), indent=2, default=_default) + "\n", encoding="utf-8")
    md_path = out / "results.md"
    md_path.write_text(to_markdown(results), encoding="utf-8")
    return json_path, md_path


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    return str(value).replace("|", "\\|")


def flatten_metrics(
    results: dict[str, Any], prefix: str = "", skip: Sequence[str] = META_KEYS
) -> list[tuple[str, Any]]:
    """``(dotted.key, scalar)`` rows of the metrics, nested dicts flattened, lists left out."""
    rows: list[tuple[str, Any]] = []
    for key, value in results.items():
        if not prefix and key in skip:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(flatten_metrics(value, f"{name}.", skip=()))
        elif isinstance(value, (int, float, str, bool)) or value is None:
            rows.append((name, value))
    return rows


def _dict_table(rows: dict[str, Any]) -> list[str]:
    """A markdown table with one row per key and the (flattened) scalar fields as columns."""
    flat = {
        name: dict(flatten_metrics(v, skip=())) if isinstance(v, dict) else {"value": v} for name, v in rows.items()
    }
    columns: list[str] = []
    for fields in flat.values():
        columns += [c for c in fields if c not in columns]
    out = ["| | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    out += [f"| {_fmt(name)} | " + " | ".join(_fmt(f.get(c, "")) for c in columns) + " |" for name, f in flat.items()]
    return out


def to_markdown(results: dict[str, Any]) -> str:
    """A readable report: the metrics table, confusion matrix, provenance and plots."""
    suite = results.get("suite", "?")
    lines = [f"# kgqa bench `{suite}`", ""]
    data = results.get("data") or {}
    if data:
        lines += [f"Data: `{data.get('file')}` (sha256 `{str(data.get('sha256'))[:12]}`), n = {results.get('n')}", ""]
    lines += ["| metric | value |", "|---|---|"]
    skip = (*META_KEYS, *TABLE_KEYS, *GROUP_KEYS)
    lines += [f"| {k} | {_fmt(v)} |" for k, v in flatten_metrics(results, skip=skip)]
    for key, title in TABLE_KEYS.items():
        if isinstance(results.get(key), dict) and results[key]:
            lines += ["", f"{title}", "", *_dict_table(results[key])]
    for key, title in GROUP_KEYS.items():
        for field, groups in (results.get(key) or {}).items():
            if isinstance(groups, dict) and groups:
                lines += ["", f"{title} `{field}`", "", *_dict_table(groups)]
    cm, labels = results.get("confusion_matrix"), results.get("labels")
    if cm and labels:
        lines += ["", "Confusion matrix (rows: gold, columns: predicted)", ""]
        lines += ["| gold \\ pred | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
        lines += [f"| {lab} | " + " | ".join(str(c) for c in row) + " |" for lab, row in zip(labels, cm, strict=True)]
    lines += ["", "## Run", "", "| | |", "|---|---|"]
    for key in ("kgqa_version", "date", "command"):
        lines.append(f"| {key} | `{_fmt(results.get(key))}` |")
    for name, info in (results.get("models") or {}).items():
        if isinstance(info, dict):
            trained = info.get("trained_on")
            if isinstance(trained, dict):
                trained = ", ".join(f"{k} ({v})" for k, v in trained.items())
            elif isinstance(trained, list):
                trained = ", ".join(map(str, trained))
            lines.append(f"| model `{name}` | `{_fmt(info.get('path'))}`; trained on: {_fmt(trained)} |")
    hw = results.get("hardware") or {}
    if hw:
        lines.append(
            f"| hardware | {_fmt(hw.get('cpu'))}, {hw.get('cores')} cores, torch threads {hw.get('torch_threads')}, "
            f"GPU {_fmt(hw.get('gpu'))} |"
        )
    sw = results.get("software") or {}
    if sw:
        lines.append("| software | " + ", ".join(f"{k} {v}" for k, v in sw.items() if v) + " |")
    for note in results.get("notes") or ():
        lines.append(f"| note | {_fmt(note)} |")
    plots = results.get("plots") or []
    if plots:
        lines += ["", "## Plots", ""] + [f"![{Path(p).stem}]({p})" for p in plots]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- plots
def _pyplot():
    from kgqa.extras import require

    matplotlib = require("matplotlib", "bench", "the benchmark plots")
    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    return plt


def plot_confusion(matrix: Sequence[Sequence[int]], labels: Sequence[str], path: str | Path, title: str = "") -> Path:
    """A heatmap of a confusion matrix (rows gold, columns predicted) with counts in the cells."""
    import numpy as np

    plt = _pyplot()
    mat = np.asarray(matrix, dtype=float)
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(labels), 1.2 + 1.1 * len(labels)))
    im = ax.imshow(mat, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    top = mat.max() if mat.size else 0
    for i in range(mat.shape[0]):
        for j in range(mat.shape[1]):
            ax.text(
                j,
                i,
                f"{int(mat[i, j])}",
                ha="center",
                va="center",
                color="white" if top and mat[i, j] > top / 2 else "black",
            )
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_title(title or "confusion matrix")
    return _save(fig, plt, path)


def plot_reliability(bins: Sequence[dict[str, float]], ece: float, path: str | Path, title: str = "") -> Path:
    """A reliability diagram: accuracy per confidence bin against the diagonal."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.8, 4.6))
    centres = [(b["lower"] + b["upper"]) / 2 for b in bins]
    widths = [b["upper"] - b["lower"] for b in bins]
    accs = [b["accuracy"] if b["count"] else 0.0 for b in bins]
    ax.bar(centres, accs, width=widths, edgecolor="black", alpha=0.75, label="accuracy")
    confs = [(c, b["confidence"]) for c, b in zip(centres, bins, strict=True) if b["count"]]
    if confs:
        ax.plot([c for c, _ in confs], [v for _, v in confs], "o", color="tab:red", label="mean confidence")
    ax.plot([0, 1], [0, 1], "--", color="gray", label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(title or f"reliability (ECE = {ece:.3f})")
    ax.legend(loc="upper left", fontsize=8)
    return _save(fig, plt, path)


def plot_bars(
    groups: Sequence[str], series: dict[str, Sequence[float]], path: str | Path, title: str = "", ylabel: str = ""
) -> Path:
    """Horizontal grouped bars: one group per row, one bar per series."""
    plt = _pyplot()
    n_series = max(len(series), 1)
    height = 0.8 / n_series
    fig, ax = plt.subplots(figsize=(7.0, 1.0 + 0.32 * len(groups) * max(1.0, n_series * 0.6)))
    for k, (name, values) in enumerate(series.items()):
        ys = [i + (k - (n_series - 1) / 2) * height for i in range(len(groups))]
        ax.barh(ys, list(values), height=height, label=name)
    ax.set_yticks(range(len(groups)), list(groups), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(ylabel)
    ax.set_title(title)
    if len(series) > 1:
        ax.legend(fontsize=8, loc="best")
    return _save(fig, plt, path)


def plot_curves(
    xs: Sequence[float],
    curves: dict[str, Sequence[float]],
    path: str | Path,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
) -> Path:
    """Line plot of several curves over the same x values."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    for name, ys in curves.items():
        ax.plot(list(xs), list(ys), marker="o", markersize=3, label=name)
    if all(float(x).is_integer() for x in xs):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if curves:
        ax.legend()
    return _save(fig, plt, path)


def _save(fig: Any, plt: Any, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
