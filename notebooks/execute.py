"""Execute the tutorial notebooks and save them with their outputs.

    python notebooks/execute.py                      # every notebook, in place
    python notebooks/execute.py 01_quickstart 03     # some of them (a name or its start)
    python notebooks/execute.py --fast --out /tmp/nb # the small samples the tests use, saved elsewhere

Each notebook runs top to bottom in a fresh ``python3`` kernel whose working directory is the
folder it is saved to, with ``OMP_NUM_THREADS=1`` unless set. A notebook that fails is not
written; the error is printed and the exit code is 1. The committed notebooks are executed
without ``--fast``, so that they show the full samples.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: environment variable the notebooks read to shrink their samples and training steps
FAST_ENV = "KGQA_NOTEBOOK_FAST"


def notebook_paths(names: list[str] | None = None) -> list[Path]:
    """The notebooks of this folder, in order; ``names`` picks them by name or name prefix."""
    found = sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return found
    picked = []
    for name in names:
        stem = Path(name).name.removesuffix(".ipynb")
        matches = [p for p in found if p.stem == stem] or [p for p in found if p.stem.startswith(stem)]
        if not matches:
            raise SystemExit(f"no notebook matches {name!r}; have {', '.join(p.name for p in found)}")
        picked += [p for p in matches if p not in picked]
    return picked


def kernel_env(fast: bool = False) -> dict[str, str]:
    """The kernel's environment: this one, offline, one OpenMP thread, quiet, fast mode on or off."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # keep the saved outputs readable: no weight-loading bars, no warning that ipywidgets is absent
    env.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    env.setdefault("PYTHONWARNINGS", "ignore:IProgress not found")
    if fast:
        env[FAST_ENV] = "1"
    else:
        env.pop(FAST_ENV, None)
    return env


def execute(src: Path, dst: Path | None = None, fast: bool = False, timeout: int = 600) -> float:
    """Run notebook ``src`` top to bottom and write it with its outputs to ``dst`` (default: in place).

    Returns:
        The seconds it took.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell failed (nothing is written).
    """
    import nbformat
    from nbclient import NotebookClient

    dst = Path(dst) if dst else src
    dst.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=timeout,
        resources={"metadata": {"path": str(dst.parent)}},
        record_timing=False,  # no timestamps in the saved file: re-runs diff cleanly
        coalesce_streams=True,  # one stream output per cell, progress bars reduced to their last state
    )
    t0 = time.perf_counter()
    client.execute(env=kernel_env(fast))
    seconds = time.perf_counter() - t0
    for cell in nb.cells:  # a progress bar that cleared itself leaves a blank stderr output
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and not o.text.strip())]
    nbformat.write(nb, dst)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="notebooks to run (default: all)")
    parser.add_argument("--fast", action="store_true", help=f"set {FAST_ENV}=1: small samples, few steps")
    parser.add_argument("--out", help="write the executed notebooks to this folder instead of in place")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    ns = parser.parse_args(argv)
    from nbclient.exceptions import CellExecutionError

    failed = []
    for path in notebook_paths(ns.names):
        dst = Path(ns.out) / path.name if ns.out else path
        print(f"{path.name}: running...", flush=True)
        try:
            seconds = execute(path, dst, fast=ns.fast, timeout=ns.timeout)
        except CellExecutionError as exc:
            print(f"{path.name}: FAILED\n{exc}", flush=True)
            failed.append(path.name)
            continue
        print(f"{path.name}: {seconds:.0f} s, written to {dst}", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
