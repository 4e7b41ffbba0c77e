"""The CLI contract: JSON output shapes, exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kgqa.cli import main
from kgqa.paths import models_dir

needs_models = pytest.mark.skipif(
    not all((models_dir() / n / "model.safetensors").is_file() for n in ("reader", "nli")),
    reason="the shipped models are missing; run `kgqa train`",
)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kgqa.cli", *args], capture_output=True, text=True, timeout=600)


@needs_models
def test_ask_json_premise_rejected() -> None:
    proc = run_cli("ask", "Did Shakespeare write Hamlet?", "--premise", "Shakespeare was not a writer.", "--json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["verdict"] == "premise_rejected" and d["answer"] == "yes"
    assert d["premises"][0]["status"] == "contradicted"
    assert {"text", "status", "evidence"} <= set(d["premises"][0])
    assert "Traceback" not in proc.stderr


@needs_models
def test_check_json_and_text(capsys) -> None:
    assert main(["check", "The printing press caused the fall of the Western Roman Empire.", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["status"] == "contradicted" and {"text", "status", "evidence"} <= set(d)


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", ""],
        ["ask", "   "],
        ["ask", "Who wrote Hamlet?", "--graph", "/nonexistent/file.ttl"],
        ["index", "build", "/nonexistent.jsonl", "--out", "/tmp/kgqa-never"],
        ["graph", "query", "SELEC ?x WHERE {"],
        ["frobnicate"],
        ["ask"],
    ],
)
def test_user_errors_exit_2_with_one_line(argv, capsys) -> None:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err and "\n" not in err and "Traceback" not in err


def test_malformed_rdf_names_file_and_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://ex.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n')
    code = main(["graph", "query", "SELECT ?s WHERE { ?s ?p ?o }", "--graph", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "bad.ttl" in err and "line" in err.lower()


def test_graph_query_binds_values(tmp_path: Path, capsys) -> None:
    g = tmp_path / "g.ttl"
    g.write_text('@prefix ex: <http://ex.org/> .\nex:a ex:name "O\'Brien } ; DROP ALL" .\nex:b ex:name "Bob" .\n')
    q = "SELECT ?s WHERE { ?s <http://ex.org/name> ?n }"
    assert main(["graph", "query", q, "--graph", str(g), "--bind", "n=O'Brien } ; DROP ALL", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"s": "http://ex.org/a"}]


def test_index_build_cli(tmp_path: Path, capsys) -> None:
    p = tmp_path / "p.jsonl"
    p.write_text('{"id": "a", "text": "Paris is the capital of France."}\n{"id": "b", "text": "Cats purr."}\n')
    assert main(["index", "build", str(p), "--out", str(tmp_path / "idx")]) == 0
    meta = json.loads((tmp_path / "idx" / "meta.json").read_text())
    assert meta["count"] == 2


def test_version(capsys) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("kgqa ")
