"""Optional dependencies: ``pip install kgqa`` answers questions without the bench and train extras."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kgqa.errors import KGQAError, MissingDependencyError
from kgqa.extras import EXTRAS, require

ROOT = Path(__file__).resolve().parents[1]
#: the pip names of the modules of each extra
PIP_NAMES = {
    "matplotlib": "matplotlib",
    "rank_bm25": "rank-bm25",
    "bm25s": "bm25s",
    "peft": "peft",
    "pymilvus": "pymilvus",
    "milvus_lite": "milvus-lite",
}


def _requirement_name(req: str) -> str:
    return req.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()


def test_pyproject_keeps_the_extras_out_of_the_core_dependencies() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {_requirement_name(r) for r in project["dependencies"]}
    optional = project["optional-dependencies"]
    for extra, modules in EXTRAS.items():
        names = {PIP_NAMES[m] for m in modules}
        assert names <= {_requirement_name(r) for r in optional[extra]}
        assert not names & core
    assert any(r.replace(" ", "") == "kgqa[bench,hybrid,milvus,train]" for r in optional["dev"])


def test_require_returns_an_installed_module() -> None:
    assert require("json", "bench", "a test") is json


def test_require_names_the_extra_of_a_missing_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rank_bm25", None)  # as if not installed
    with pytest.raises(MissingDependencyError, match=r'the BM25 baseline needs rank_bm25.*pip install "kgqa\[bench\]"'):
        require("rank_bm25", "bench", "the BM25 baseline")
    assert issubclass(MissingDependencyError, KGQAError) and issubclass(MissingDependencyError, ImportError)


def test_require_refuses_an_unknown_extra() -> None:
    with pytest.raises(ValueError, match="unknown extra 'plots'"):
        require("json", "plots", "a test")


def test_lora_without_peft_asks_for_the_train_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "peft", None)
    with pytest.raises(MissingDependencyError, match=r'--lora needs peft.*pip install "kgqa\[train\]"'):
        require("peft", "train", "--lora")


# A subprocess whose import system cannot find the extras' modules, as after `pip install kgqa`.
_WITHOUT_EXTRAS = """
import importlib.machinery, json, sys

HIDDEN = {"matplotlib", "rank_bm25", "bm25s", "peft", "pymilvus", "milvus_lite"}


class WithoutExtras(importlib.machinery.PathFinder):
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        return None if name.split(".")[0] in HIDDEN else super().find_spec(name, path, target)


sys.meta_path = [WithoutExtras if f is importlib.machinery.PathFinder else f for f in sys.meta_path]


def loaded():
    roots = HIDDEN | {"kgqa.bench", "kgqa.train"}
    return sorted(m for m in sys.modules if m.split(".")[0] in roots or m.startswith(("kgqa.bench", "kgqa.train")))


report = {}
import kgqa
from kgqa.cli import build_parser

report["import"] = loaded()
kgqa.Pipeline.load()
report["load"] = loaded()
{ask}
print(json.dumps(report))
"""
_ASK = """
from kgqa.cli import main
report["rc"] = main(["ask", "Who wrote Hamlet?", "--json"])
report["ask"] = loaded()
"""


def _run_without_extras(ask: bool) -> dict:
    code = _WITHOUT_EXTRAS.replace("{ask}", _ASK if ask else "")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_hiding_itself_works() -> None:
    code = _WITHOUT_EXTRAS.split("report = {}")[0] + "import matplotlib\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "No module named 'matplotlib'" in proc.stderr


def test_import_load_and_ask_need_no_extra() -> None:
    report = _run_without_extras(ask=True)
    assert report["import"] == [] and report["load"] == []
    assert report["rc"] == 0 and report["ask"] == []
