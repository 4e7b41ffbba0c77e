"""Where kgqa finds its shipped world and models: $KGQA_HOME, else inside the installed package, else the checkout."""

from __future__ import annotations

import pytest

from kgqa import paths


@pytest.fixture
def bundled(tmp_path, monkeypatch):
    """A stand-in for ``kgqa/_assets`` inside an installed wheel."""
    root = tmp_path / "site-packages" / "kgqa" / "_assets"
    monkeypatch.setattr(paths, "BUNDLED_ROOT", root)
    monkeypatch.delenv(paths.HOME_ENV, raising=False)
    monkeypatch.delenv(paths.MODELS_ENV, raising=False)
    return root


def test_checkout_is_used_without_bundled_assets(bundled):
    assert paths.assets_root() == paths.PROJECT_ROOT
    assert paths.graphs_dir() == paths.PROJECT_ROOT / "graphs"


def test_bundled_assets_win_over_the_checkout(bundled):
    (bundled / "graphs").mkdir(parents=True)
    assert paths.assets_root() == bundled
    assert paths.passages_dir() == bundled / "data" / "passages"
    assert paths.models_dir() == bundled / "data" / "models"


def test_a_bundled_folder_without_graphs_is_ignored(bundled):
    (bundled / "data").mkdir(parents=True)  # a partial copy is not a world
    assert paths.assets_root() == paths.PROJECT_ROOT


def test_kgqa_home_overrides_both(bundled, tmp_path, monkeypatch):
    (bundled / "graphs").mkdir(parents=True)
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home"))
    assert paths.assets_root() == tmp_path / "home"
    assert paths.graphs_dir() == tmp_path / "home" / "graphs"


def test_the_checkout_holds_no_bundled_copy():
    """``kgqa/_assets`` exists only inside a wheel; in the repository the assets stay at the top level."""
    if paths.PACKAGE_ROOT.parent.joinpath("pyproject.toml").is_file():
        assert not paths.BUNDLED_ROOT.exists()
        assert (paths.PROJECT_ROOT / "graphs").is_dir() and (paths.PROJECT_ROOT / "data" / "models").is_dir()
