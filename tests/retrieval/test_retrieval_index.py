"""DenseIndex: exact search against numpy, ANN recall, persistence checks, threads and the GPU wiring."""

from __future__ import annotations

import hashlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import faiss
import numpy as np
import pytest

from kgqa.errors import IndexLoadError, InputError
from kgqa.retrieval import DenseIndex, Encoder, Hit
from kgqa.types import Passage


def _ids(results: list[list[Hit]]) -> list[list[str]]:
    return [[h.passage.id for h in hits] for hits in results]


def _vector_index(kind: str, vectors, **kwargs) -> DenseIndex:
    passages, x, _ = vectors
    index = DenseIndex(None, kind=kind, use_gpu=False, **kwargs)
    index.add_vectors(passages, x)
    return index


class StubEncoder:
    """Duck-typed encoder with a chosen name and dimension."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def encode(self, texts, batch_size=None, show_progress=False) -> np.ndarray:
        return np.ones((len(texts), self.dim), np.float32) / np.sqrt(self.dim)


# -- search ---------------------------------------------------------------------------------------------


def test_flat_search_equals_brute_force(vectors) -> None:
    passages, x, q = vectors
    index = _vector_index("flat", vectors)
    results = index.search_vectors(q, top_k=10)
    scores = q @ x.T
    for row, hits in enumerate(results):
        order = np.argsort(-scores[row], kind="stable")[:10]
        assert [h.passage.id for h in hits] == [passages[i].id for i in order]
        np.testing.assert_allclose([h.score for h in hits], scores[row, order], rtol=1e-5, atol=1e-6)
        assert [h.rank for h in hits] == list(range(1, 11))


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_kinds_recall_against_flat(vectors, kind: str) -> None:
    _, _, q = vectors
    exact = _ids(_vector_index("flat", vectors).search_vectors(q, 10))
    index = _vector_index(kind, vectors)
    assert index.kind == kind
    approx = _ids(index.search_vectors(q, 10))
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx, strict=True)])
    assert recall >= 0.9


def test_ivf_falls_back_to_flat_for_small_corpora(passages, caplog: pytest.LogCaptureFixture) -> None:
    index = DenseIndex(None, kind="ivf", use_gpu=False)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((len(passages), 8)).astype(np.float32)
    with caplog.at_level(logging.WARNING, logger="kgqa.retrieval.index"):
        index.add_vectors(passages, x / np.linalg.norm(x, axis=1, keepdims=True))
    assert index.kind == "flat"
    assert "instead of ivf" in caplog.text


def test_text_search_finds_verbatim_passage(tiny_encoder: Encoder, passages: list[Passage]) -> None:
    index = DenseIndex(tiny_encoder, use_gpu=False).build(passages, show_progress=False)
    assert len(index) == len(passages) and index.dim == 32
    results = index.search([p.text for p in passages], top_k=3)
    assert [hits[0].passage.id for hits in results] == [p.id for p in passages]
    assert all(abs(hits[0].score - 1.0) < 1e-4 for hits in results)
    assert index.search([], top_k=3) == []


def test_top_k_beyond_corpus_drops_padding(tiny_encoder: Encoder, passages: list[Passage]) -> None:
    index = DenseIndex(tiny_encoder, kind="hnsw", use_gpu=False).build(passages[:3], show_progress=False)
    hits = index.search(["paris"], top_k=50)[0]
    assert sorted(h.passage.id for h in hits) == ["p0", "p1", "p2"]
    assert [h.rank for h in hits] == [1, 2, 3]


def test_search_input_errors(tiny_encoder: Encoder, passages: list[Passage]) -> None:
    index = DenseIndex(tiny_encoder, use_gpu=False)
    assert index.search_vectors(np.zeros((2, 32), np.float32), 3) == [[], []]  # empty index
    index.build(passages, show_progress=False)
    with pytest.raises(InputError, match="list of queries"):
        index.search("paris", top_k=3)  # type: ignore[arg-type]
    for bad_k in (0, -1, 2.5, True):
        with pytest.raises(InputError, match="top_k"):
            index.search(["paris"], top_k=bad_k)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="dimension"):
        index.search_vectors(np.zeros((1, 16), np.float32), 3)
    with pytest.raises(InputError, match="float"):
        index.search_vectors(np.zeros((1, 32), np.int64), 3)
    assert len(index.search_vectors(np.ones(32, np.float32), 2)) == 1  # one vector is one query
    with pytest.raises(InputError, match="unknown index kind"):
        DenseIndex(tiny_encoder, kind="lsh")
    with pytest.raises(InputError, match="use_gpu"):
        DenseIndex(tiny_encoder, use_gpu="yes")


def test_duplicate_ids_and_add(tiny_encoder: Encoder, passages: list[Passage]) -> None:
    index = DenseIndex(tiny_encoder, use_gpu=False)
    with pytest.raises(InputError, match="duplicate"):
        index.build([passages[0], passages[0]], show_progress=False)
    with pytest.raises(InputError, match="no passages"):
        index.build([], show_progress=False)
    index.build(passages[:5], show_progress=False)
    with pytest.raises(InputError, match="duplicate"):
        index.add([passages[5], passages[1]])
    assert len(index) == 5 and index._index.ntotal == 5
    index.add(passages[5:])
    assert len(index) == len(passages)
    assert index.search([passages[7].text], 1)[0][0].passage == passages[7]
    with pytest.raises(InputError, match="2 passages but 1 vectors"):
        index.add_vectors([Passage("n1", "a"), Passage("n2", "b")], np.zeros((1, 32), np.float32))


def test_hit_to_dict_round_trip(passages: list[Passage]) -> None:
    hit = Hit(passages[0], 0.5, 1)
    assert hit.to_dict() == {"passage": passages[0].to_dict(), "score": 0.5, "rank": 1}
    assert Hit.from_dict(json.loads(json.dumps(hit.to_dict()))) == hit
    with pytest.raises(AttributeError):
        hit.score = 1.0  # type: ignore[misc]


def test_concurrent_searches_match_sequential(tiny_encoder: Encoder, passages: list[Passage]) -> None:
    index = DenseIndex(tiny_encoder, use_gpu=False).build(passages, show_progress=False)
    queries = [[p.text] for p in passages] + [["paris river"], ["who wrote hamlet"], ["capital of italy"]]
    expected = [index.search(q, top_k=4) for q in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda q: index.search(q, top_k=4), queries * 4))
    for i, result in enumerate(got):
        assert result == expected[i % len(queries)]


# -- persistence ----------------------------------------------------------------------------------------


def test_save_load_round_trip_text(tmp_path: Path, tiny_encoder: Encoder, passages: list[Passage]) -> None:
    index = DenseIndex(tiny_encoder, use_gpu=False).build(passages, show_progress=False)
    out = index.save(tmp_path / "idx")
    assert {p.name for p in out.iterdir()} == {"index.faiss", "passages.jsonl", "meta.json"}
    meta = json.loads((out / "meta.json").read_text())
    assert meta["model"] == "tiny-encoder" and meta["dim"] == 32 and meta["count"] == len(passages)
    assert meta["kind"] == "flat" and meta["format_version"] == 1
    assert set(meta["sha256"]) == {"index.faiss", "passages.jsonl"} and meta["created"]
    loaded = DenseIndex.load(out, tiny_encoder, use_gpu=False)
    queries = ["paris", "river in rome", "hamlet"]
    assert loaded.search(queries, 5) == index.search(queries, 5)
    assert list(loaded.store) == passages


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_save_load_round_trip_vectors(tmp_path: Path, vectors, kind: str) -> None:
    _, _, q = vectors
    index = _vector_index(kind, vectors, ef_search=40, nprobe=5)
    index.save(tmp_path / kind)
    loaded = DenseIndex.load(tmp_path / kind, use_gpu=False)
    assert loaded.encoder is None and loaded.kind == kind
    assert loaded.search_vectors(q, 10) == index.search_vectors(q, 10)
    if kind == "hnsw":
        assert loaded._index.hnsw.efSearch == 40
    else:
        assert loaded._index.nprobe == 5


def test_save_empty_index_refused(tmp_path: Path, tiny_encoder: Encoder) -> None:
    with pytest.raises(InputError, match="nothing to save"):
        DenseIndex(tiny_encoder).save(tmp_path / "empty")


@pytest.fixture
def saved(tmp_path: Path, tiny_encoder: Encoder, passages: list[Passage]) -> Path:
    return DenseIndex(tiny_encoder, use_gpu=False).build(passages, show_progress=False).save(tmp_path / "saved")


def _load_error(path: Path, encoder=None) -> str:
    with pytest.raises(IndexLoadError) as info:
        DenseIndex.load(path, encoder, use_gpu=False)
    message = str(info.value)
    assert str(path) in message and "kgqa index build PASSAGES.jsonl --out" in message
    return message


def test_load_missing_folder_and_files(tmp_path: Path, saved: Path, tiny_encoder: Encoder) -> None:
    assert "no index folder" in _load_error(tmp_path / "absent", tiny_encoder)
    (saved / "meta.json").unlink()
    assert "lacks meta.json" in _load_error(saved, tiny_encoder)


def test_load_corrupt_index_file(saved: Path, tiny_encoder: Encoder) -> None:
    data = bytearray((saved / "index.faiss").read_bytes())
    data[-5] ^= 0xFF
    (saved / "index.faiss").write_bytes(bytes(data))
    assert "corrupt" in _load_error(saved, tiny_encoder)


def test_load_unreadable_index_with_matching_checksum(saved: Path, tiny_encoder: Encoder) -> None:
    (saved / "index.faiss").write_bytes(b"not a faiss index")
    meta = json.loads((saved / "meta.json").read_text())
    meta["sha256"]["index.faiss"] = hashlib.sha256(b"not a faiss index").hexdigest()
    (saved / "meta.json").write_text(json.dumps(meta))
    assert "FAISS cannot read" in _load_error(saved, tiny_encoder)


def test_load_edited_passages(saved: Path, tiny_encoder: Encoder) -> None:
    path = saved / "passages.jsonl"
    path.write_text(path.read_text().replace("paris", "lyon"))
    assert "passages.jsonl is corrupt or was edited" in _load_error(saved, tiny_encoder)


def test_load_count_mismatch(saved: Path, tiny_encoder: Encoder) -> None:
    meta = json.loads((saved / "meta.json").read_text())
    meta["count"] += 1
    (saved / "meta.json").write_text(json.dumps(meta))
    assert "count mismatch" in _load_error(saved, tiny_encoder)


def test_load_wrong_dim_or_model(saved: Path) -> None:
    assert "gives 16" in _load_error(saved, StubEncoder("tiny-encoder", 16))  # type: ignore[arg-type]
    assert "not 'other-model'" in _load_error(saved, StubEncoder("other-model", 32))  # type: ignore[arg-type]
    assert "encoder=Encoder(DIR)" in _load_error(saved, None)


def test_load_unsupported_format(saved: Path, tiny_encoder: Encoder) -> None:
    meta = json.loads((saved / "meta.json").read_text())
    meta["format_version"] = 99
    (saved / "meta.json").write_text(json.dumps(meta))
    assert "format version 99" in _load_error(saved, tiny_encoder)
    (saved / "meta.json").write_text("{")
    assert "unreadable" in _load_error(saved, tiny_encoder)


# -- GPU wiring (faked: the test machine has no GPU) ---------------------------------------------------


def test_gpu_placement_and_cpu_copy_on_save(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_encoder: Encoder, passages: list[Passage]
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(faiss, "get_num_gpus", lambda: 1)
    monkeypatch.setattr(faiss, "StandardGpuResources", lambda: object(), raising=False)
    monkeypatch.setattr(faiss, "index_cpu_to_gpu", lambda res, dev, idx: calls.append("to_gpu") or idx, raising=False)
    monkeypatch.setattr(faiss, "index_gpu_to_cpu", lambda idx: calls.append("to_cpu") or idx, raising=False)

    index = DenseIndex(tiny_encoder).build(passages, show_progress=False)
    assert index.on_gpu and calls == ["to_gpu"]
    index.save(tmp_path / "gpu")
    assert calls == ["to_gpu", "to_cpu"]
    assert DenseIndex.load(tmp_path / "gpu", tiny_encoder).on_gpu

    assert not DenseIndex(tiny_encoder, kind="hnsw").build(passages, show_progress=False).on_gpu
    assert not DenseIndex(tiny_encoder, use_gpu=False).build(passages, show_progress=False).on_gpu
