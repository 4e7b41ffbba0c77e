"""The real default pipeline (shipped world and models), loaded once per test session."""

from __future__ import annotations

import pytest

from kgqa.paths import models_dir


def _models_present() -> bool:
    return all((models_dir() / name / "model.safetensors").is_file() for name in ("reader", "nli"))


@pytest.fixture(scope="session")
def pipe():
    if not _models_present():
        pytest.skip(f"the shipped models are missing under {models_dir()}; run `kgqa train` (see README)")
    from kgqa.pipeline import Pipeline

    return Pipeline.load().warm_up()
