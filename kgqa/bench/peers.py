"""Peer systems for ``kgqa bench speed``: Haystack's ExtractiveReader, transformers'
question-answering pipeline and sentence-transformers' CrossEncoder.

They need ``transformers<5``, so they run in their own virtual environment
(``$KGQA_CACHE/peers-venv``, default ``~/.cache/kgqa/peers-venv``), built on first use,
through :mod:`kgqa.bench.peers_runner` with JSON files in and out. They load the same
weights as kgqa: each kgqa model folder is first exported as a plain transformers
folder (float32 safetensors with the word embeddings, config, tokenizer).
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from kgqa.errors import KGQAError

logger = logging.getLogger(__name__)

#: what the peers venv installs (torch pinned to kgqa's so that both sides run the same kernels)
PEER_REQUIREMENTS = (
    "haystack-ai>=2,<3",
    "transformers==4.57.*",
    "sentence-transformers<5",
    "torch==2.13.0",
    "accelerate",  # Haystack's ExtractiveReader imports it
)
#: extra pip arguments for the venv install, e.g. ``--extra-index-url https://download.pytorch.org/whl/cpu``
PIP_ARGS_ENV = "KGQA_PEERS_PIP_ARGS"
RUNNER = Path(__file__).with_name("peers_runner.py")
_CHECK = (
    "import json, haystack, transformers, sentence_transformers, torch, accelerate; "
    "from importlib.metadata import version; "
    "print(json.dumps({d: version(d) for d in ('haystack-ai', 'transformers', 'sentence-transformers', 'torch')}))"
)


class PeersUnavailable(KGQAError):
    """The peer environment cannot be built or run; the benchmark records why and goes on."""


def cache_dir() -> Path:
    """``$KGQA_CACHE``, else ``~/.cache/kgqa``."""
    env = os.environ.get("KGQA_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "kgqa"


def venv_dir() -> Path:
    """Where the peers venv lives."""
    return cache_dir() / "peers-venv"


def venv_python(venv: Path) -> Path:
    """The venv's interpreter."""
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def peer_versions(python: Path, timeout: float = 300) -> dict[str, str] | None:
    """Versions of the peer libraries importable by ``python``, or ``None`` when they are not."""
    if not Path(python).is_file():
        return None
    try:
        proc = subprocess.run([str(python), "-c", _CHECK], capture_output=True, text=True, timeout=timeout, env=_env(1))
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return None


def ensure_venv(build: bool = True, timeout: float = 1800) -> tuple[Path, dict[str, str]]:
    """The peers venv's python and its library versions, building the venv if needed.

    Raises:
        PeersUnavailable: when it is absent and ``build`` is false, or the install fails
            (offline, no matching wheels); the message names the log file.
    """
    venv = venv_dir()
    python = venv_python(venv)
    versions = peer_versions(python)
    if versions:
        return python, versions
    if not build:
        raise PeersUnavailable(f"no peers venv at {venv}; run without --no-build-peers to build it")
    venv.parent.mkdir(parents=True, exist_ok=True)
    log = venv.parent / "peers-install.log"
    extra = shlex.split(os.environ.get(PIP_ARGS_ENV, ""))
    logger.info("building the peers venv in %s (log: %s)", venv, log)
    try:
        with log.open("w") as fh:
            steps = [
                [sys.executable, "-m", "venv", str(venv)],
                [str(python), "-m", "pip", "install", *PEER_REQUIREMENTS, *extra],
            ]
            for cmd in steps:
                fh.write("$ " + " ".join(shlex.quote(c) for c in cmd) + "\n")
                fh.flush()
                proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, timeout=timeout)
                if proc.returncode != 0:
                    raise PeersUnavailable(
                        f"building the peers venv failed ({' '.join(cmd[:4])}... exited {proc.returncode}); see {log}"
                        f"; set {PIP_ARGS_ENV} for extra pip arguments (e.g. an index URL)"
                    )
    except subprocess.TimeoutExpired as exc:
        raise PeersUnavailable(f"building the peers venv took over {timeout:.0f}s; see {log}") from exc
    except OSError as exc:
        raise PeersUnavailable(f"cannot build the peers venv in {venv}: {exc}") from exc
    versions = peer_versions(python)
    if not versions:
        raise PeersUnavailable(f"the peers venv in {venv} was installed but cannot import the peers; see {log}")
    return python, versions


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
        PeersUnavailable: when the runner fails or writes no output.
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
        raise PeersUnavailable(f"the peers runner took over {timeout:.0f}s") from exc
    if proc.returncode != 0 or not outp.is_file():
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-5:]
        raise PeersUnavailable(f"the peers runner exited {proc.returncode}: {' / '.join(tail)}")
    return json.loads(outp.read_text(encoding="utf-8"))
