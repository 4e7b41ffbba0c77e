"""build_index, default_index (shipped index, then the cache) and write_default_index."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.errors import DataNotFoundError
from kgqa.retrieval import DenseIndex, Encoder, build_index, default_index, write_default_index
from kgqa.retrieval.store import PassageStore
from kgqa.types import Passage


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passages: list[Passage], write_jsonl) -> Path:
    """A kgqa home with two passage files, and an empty cache; returns the home."""
    home = tmp_path / "home"
    folder = home / "data" / "passages"
    folder.mkdir(parents=True)
    write_jsonl(folder / "b.jsonl", [p.to_dict() for p in passages[5:]])
    write_jsonl(folder / "a.jsonl", [p.to_dict() for p in passages[:5]])
    monkeypatch.setenv("KGQA_HOME", str(home))
    monkeypatch.setenv("KGQA_CACHE", str(tmp_path / "cache"))
    return home


def _no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("the index should have been loaded, not built")

    monkeypatch.setattr(DenseIndex, "build", fail)


def test_build_index_writes_a_loadable_folder(tmp_path: Path, world: Path, tiny_encoder: Encoder, caplog) -> None:
    files = sorted((world / "data" / "passages").glob("*.jsonl"))
    with caplog.at_level("INFO", logger="kgqa.retrieval.index"):
        index = build_index(files, tmp_path / "out", kind="hnsw", encoder=tiny_encoder, batch_size=2)
    assert "passages/s" in caplog.text
    loaded = DenseIndex.load(tmp_path / "out", tiny_encoder, use_gpu=False)
    assert loaded.kind == "hnsw" and loaded.store.ids == [f"p{i}" for i in range(10)]
    assert loaded.search(["hamlet"], 3) == index.search(["hamlet"], 3)


def test_default_index_builds_once_then_reuses_cache(
    tmp_path: Path, world: Path, tiny_encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = default_index(tiny_encoder, show_progress=False)
    assert first.store.ids == [f"p{i}" for i in range(10)]  # a.jsonl before b.jsonl
    sha12 = PassageStore(first.store).sha256()[:12]
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [f"index-{sha12}-tiny-encoder"]
    _no_build(monkeypatch)
    again = default_index(tiny_encoder)
    assert again.search(["paris"], 3) == first.search(["paris"], 3)


def test_default_index_prefers_matching_shipped_index(
    tmp_path: Path, world: Path, tiny_encoder: Encoder, monkeypatch: pytest.MonkeyPatch, write_jsonl
) -> None:
    write_default_index(encoder=tiny_encoder)
    assert (world / "data" / "index" / "meta.json").is_file()
    with monkeypatch.context() as m:
        _no_build(m)
        assert len(default_index(tiny_encoder)) == 10
    assert not (tmp_path / "cache").exists()

    # passages changed after the shipped index was written: it is stale, a cached one is built
    write_jsonl(world / "data" / "passages" / "c.jsonl", [{"id": "new", "text": "madrid is in spain"}])
    index = default_index(tiny_encoder, show_progress=False)
    assert "new" in index.store and len(list((tmp_path / "cache").iterdir())) == 1


def test_default_index_rebuilds_a_corrupt_cache(tmp_path: Path, world: Path, tiny_encoder: Encoder) -> None:
    default_index(tiny_encoder, show_progress=False)
    (cached,) = (tmp_path / "cache").iterdir()
    (cached / "index.faiss").write_bytes(b"garbage")
    index = default_index(tiny_encoder, show_progress=False)
    assert len(index) == 10
    assert DenseIndex.load(cached, tiny_encoder, use_gpu=False).search(["rome"], 2) == index.search(["rome"], 2)


def test_default_index_without_passages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_encoder) -> None:
    monkeypatch.setenv("KGQA_HOME", str(tmp_path))
    with pytest.raises(DataNotFoundError, match="no passage files"):
        default_index(tiny_encoder)
