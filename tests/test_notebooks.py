"""The tutorial notebooks: committed with their outputs and no errors, and they run top to bottom.

Executing them takes a few minutes, so those tests are marked ``slow``
(``python -m pytest -m slow tests/test_notebooks.py``). Each notebook runs in a temporary copy, in
a fresh kernel on the CPU, in fast mode (``KGQA_NOTEBOOK_FAST=1``: small samples, few training
steps), with a time limit per cell, through ``notebooks/execute.py``: the script that writes the
committed notebooks.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from kgqa.paths import PROJECT_ROOT, data_dir, models_dir

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
#: notebooks with nothing to show without the data directory (04 runs, and skips its fine-tuning part)
NEEDS_DATA = {"03_nli_benchmarks"}
CELL_TIMEOUT_S = 300


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def _execute_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kgqa_notebooks_execute", NOTEBOOKS_DIR / "execute.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_notebooks_are_there() -> None:
    assert _ids(NOTEBOOKS) == ["01_quickstart", "02_premises_and_causes", "03_nli_benchmarks", "04_fine_tuning"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_notebook_has_outputs_and_no_errors(path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert code, f"{path.name} has no code"
    # executed top to bottom in one run: every code cell ran, in order
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: execution counts {counts}; run notebooks/execute.py"
    assert sum(len(c.outputs) for c in code) >= len(code) // 2, f"{path.name} was saved without its outputs"
    for i, cell in enumerate(code):
        for out in cell.outputs:
            assert out.output_type != "error", f"{path.name}, code cell {i + 1}: {out.ename}: {out.evalue}"
            text = out.get("text", "") if out.output_type == "stream" else ""
            assert "Traceback (most recent call last)" not in text, f"{path.name}, code cell {i + 1}: a traceback"


@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    missing = [n for n in ("reader", "nli") if not (models_dir() / n / "model.safetensors").is_file()]
    if missing:
        pytest.skip(
            f"the shipped models are missing ({', '.join(missing)} under {models_dir()}); run `kgqa train` (see README)"
        )
    if path.stem in NEEDS_DATA and data_dir() is None:
        pytest.skip(f"{path.name} needs the data directory: set KGQA_DATA or place the datasets at ../shared/datasets")
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    # raises CellExecutionError, naming the cell and its traceback, on the first failing cell
    _execute_module().execute(copy, copy, fast=True, timeout=CELL_TIMEOUT_S)
