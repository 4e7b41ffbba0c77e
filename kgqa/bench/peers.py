"""Peer systems for ``kgqa bench speed``: Haystack's ExtractiveReader, transformers'
question-answering pipeline and sentence-transformers' CrossEncoder.

They need ``transformers<5``, so they cannot share kgqa's environment: they run in a
separate one that the user builds beforehand (nothing is installed at run time)::

    python -m venv ~/.cache/kgqa/peers-venv
    ~/.cache/kgqa/peers-venv/bin/python -m pip install -r benchmarks/peers-requirements.txt

Its interpreter is ``$KGQA_PEERS_PYTHON``, else ``$KGQA_CACHE/peers-venv`` (default
``~/.cache/kgqa/peers-venv``). When it is missing or cannot import the peers,
:func:`find_peers` raises :class:`PeersUnavailable` whose message gives that command, and
the suite skips the peers. The peers run :mod:`kgqa.bench.peers_runner` with JSON files in
and out, on the same weights as kgqa: each kgqa model folder is first exported as a plain
transformers folder (float32 safetensors with the word embeddings, config, tokenizer).
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

from kgqa.errors import KGQAError
from kgqa.paths import PROJECT_ROOT, cache_dir

logger = logging.getLogger(__name__)

#: what the peers environment needs (torch pinned to kgqa's so that both sides run the same
#: kernels); benchmarks/peers-requirements.txt lists the same lines (a test keeps them equal)
PEER_REQUIREMENTS = (
    "haystack-ai>=2,<3",
    "transformers==4.57.*",
    "sentence-transformers<5",
    "torch==2.13.0",
    "accelerate",  # Haystack's ExtractiveReader imports it
)
#: the interpreter of the peers environment, when it is not the default venv
PYTHON_ENV = "KGQA_PEERS_PYTHON"
#: the requirements file in a kgqa checkout
REQUIREMENTS_FILE = Path("benchmarks") / "peers-requirements.txt"
RUNNER = Path(__file__).with_name("peers_runner.py")
_CHECK = (
    "import json, haystack, transformers, sentence_transformers, torch, accelerate; "
    "from importlib.metadata import version; "
    "print(json.dumps({d: version(d) for d in ('haystack-ai', 'transformers', 'sentence-transformers', 'torch')}))"
)


class PeersUnavailable(KGQAError):
    """No usable peers environment: the suite skips the peers; the message says how to build one."""


class PeersRunError(KGQAError):
    """The peers environment exists but the runner failed; the suite records the error and goes on."""


def venv_dir() -> Path:
    """The default peers environment: ``cache_dir()/peers-venv``."""
    return cache_dir() / "peers-venv"


def venv_python(venv: Path) -> Path:
    """The interpreter of the virtual environment ``venv``."""
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def peers_python() -> Path:
    """``$KGQA_PEERS_PYTHON``, else the default peers environment's interpreter."""
    env = os.environ.get(PYTHON_ENV)
    return Path(env).expanduser() if env else venv_python(venv_dir())


def install_hint() -> str:
    """The commands that build the default peers environment (nothing runs them but the user)."""
    venv = venv_dir()
    py = shlex.quote(str(venv_python(venv)))
    req_file = PROJECT_ROOT / REQUIREMENTS_FILE
    reqs = f"-r {shlex.quote(str(req_file))}" if req_file.is_file() else " ".join(map(shlex.quote, PEER_REQUIREMENTS))
    return (
        f"build the peers environment with `python -m venv {shlex.quote(str(venv))} && {py} -m pip install {reqs}`, "
        f"or set {PYTHON_ENV} to a python that has them (see benchmarks/README.md)"
    )


def peer_versions(python: str | Path, timeout: float = 300) -> dict[str, str]:
    """Versions of the peer libraries importable by ``python``.

    Raises:
        PeersUnavailable: when ``python`` does not exist or cannot import the peers; the message
            says why and gives :func:`install_hint`.
    """
    python = Path(python)
    if not python.is_file():
        where = (
            f"{PYTHON_ENV}={python} does not exist"
            if os.environ.get(PYTHON_ENV)
            else f"no peers environment ({python} does not exist)"
        )
        raise PeersUnavailable(f"{where}; {install_hint()}")
    try:
        proc = subprocess.run([str(python), "-c", _CHECK], capture_output=True, text=True, timeout=timeout, env=_env(1))
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PeersUnavailable(f"cannot run {python}: {exc}; {install_hint()}") from exc
    lines = proc.stdout.strip().splitlines()
    try:
        if proc.returncode == 0 and lines:
            return dict(json.loads(lines[-1]))
    except (json.JSONDecodeError, TypeError, ValueError):
        pass
    why = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
    raise PeersUnavailable(f"{python} cannot import the peers ({why}); {install_hint()}")


def find_peers(timeout: float = 300) -> tuple[Path, dict[str, str]]:
    """The peers environment's interpreter and its library versions; installs nothing.

    Raises:
        PeersUnavailable: see :func:`peer_versions`.
    """
    python = peers_python()
    return python, peer_versions(python, timeout=timeout)


def export_plain(model_dir: str | Path, head: str, out_dir: str | Path) -> Path:
    """Write a kgqa model folder as a plain transformers folder (float32, word embeddings included)."""
    from kgqa.reader.modelio import load_model_folder

    model, tokenizer = load_model_folder(model_dir, head=head)
    if head == "nli":
        from kgqa.reader.nli import LABELS

        # peers read label names from the config; kgqa's order is fixed by its head
        model.config.id2label = dict(enumerate(LABELS))
        model.config.label2id = {lab: i for i, lab in enumerate(LABELS)}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return out


def _env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "OMP_NUM_THREADS": str(threads),
            "MKL_NUM_THREADS": str(threads),
            "TOKENIZERS_PARALLELISM": "false",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HAYSTACK_TELEMETRY_ENABLED": "False",
            "PYTHONNOUSERSITE": "1",
        }
    )
    env.pop("PYTHONPATH", None)  # the venv must not see this environment's transformers 5
    return env


def run_peers(python: Path, payload: dict[str, Any], workdir: str | Path, timeout: float = 3600) -> dict[str, Any]:
    """Run :mod:`kgqa.bench.peers_runner` with ``payload``; returns its output dict.

    Raises:
        PeersRunError: when the runner fails or writes no output.
    """
    work = Path(workdir)
    inp, outp = work / "peers_in.json", work / "peers_out.json"
    inp.write_text(json.dumps(payload), encoding="utf-8")
    threads = int(payload.get("threads") or 1)
    try:
        proc = subprocess.run(
            [str(python), str(RUNNER), str(inp), str(outp)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_env(threads),
            cwd=str(work),
        )
    except subprocess.TimeoutExpired as exc:
        raise PeersRunError(f"the peers runner took over {timeout:.0f}s") from exc
    if proc.returncode != 0 or not outp.is_file():
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-5:]
        raise PeersRunError(f"the peers runner exited {proc.returncode}: {' / '.join(tail)}")
    return json.loads(outp.read_text(encoding="utf-8"))
