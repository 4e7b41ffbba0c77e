"""Vector backends: the same retrieval tests against FAISS flat, HNSW, IVF-PQ on disk and Milvus Lite."""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
from pathlib import Path

import faiss
import numpy as np
import pytest

from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError, IndexLoadError, InputError, MissingDependencyError
from kgqa.retrieval import DenseIndex, Encoder
from kgqa.retrieval.backends import BACKENDS, FaissBackend, bytes_per_passage, is_memory_mapped, recall_at_k
from kgqa.retrieval.index import index_text
from kgqa.types import Passage

HAVE_MILVUS = all(importlib.util.find_spec(m) is not None for m in ("pymilvus", "milvus_lite"))
needs_milvus = pytest.mark.skipif(
    not HAVE_MILVUS, reason='pymilvus and milvus-lite are not installed (pip install "kgqa[milvus]")'
)
ALL = ["flat", "hnsw", "ivfpq", pytest.param("milvus", marks=needs_milvus)]
#: 300 passages: enough to train an 8-bit product quantiser (256 codes), so ivfpq really is IVF-PQ
N = 300


@pytest.fixture(scope="module")
def corpus(tiny_model_dir: Path) -> list[Passage]:
    """300 distinct seeded word salads over the tiny model's vocabulary."""
    vocab = (tiny_model_dir.parent / "hf" / "vocab.txt").read_text(encoding="utf-8").split()
    words = [w for w in vocab if len(w) > 1 and w.isalpha()]
    rng = np.random.default_rng(7)
    texts = ["paris is the capital of france", "shakespeare wrote hamlet"]
    while len(texts) < N:
        text = " ".join(rng.choice(words, size=int(rng.integers(4, 9))))
        if text not in texts:
            texts.append(text)
    return [Passage(f"s{i}", text) for i, text in enumerate(texts)]


@pytest.fixture(scope="module")
def corpus_vectors(tiny_encoder: Encoder, corpus: list[Passage]) -> np.ndarray:
    return tiny_encoder.encode([index_text(p) for p in corpus])


def _new(kind: str, encoder: Encoder | None, tmp_path: Path, **kwargs) -> DenseIndex:
    if kind == "milvus":
        kwargs.setdefault("milvus_uri", str(tmp_path / "idx" / "milvus.db"))
    if kind == "ivfpq":
        kwargs.setdefault("pq_m", 16)  # 2 dimensions per code byte: near-exact on 32-dimensional vectors
    return DenseIndex(encoder, kind=kind, use_gpu=False, **kwargs)


@pytest.fixture
def built(request, tmp_path: Path, tiny_encoder: Encoder, corpus, corpus_vectors) -> DenseIndex:
    index = _new(request.param, tiny_encoder, tmp_path)
    index.add_vectors(corpus, corpus_vectors)
    assert index.kind == request.param and len(index) == N
    return index


def _exact(corpus_vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(queries @ corpus_vectors.T), axis=1, kind="stable")[:, :k]


# -- the shared retrieval tests ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL)
def test_build_from_passages_finds_each_passage_by_its_text(
    kind: str, tmp_path: Path, tiny_encoder: Encoder, corpus: list[Passage]
) -> None:
    index = _new(kind, tiny_encoder, tmp_path).build(corpus, show_progress=False)
    assert index.kind == kind and len(index) == N and index.dim == 32
    sample = corpus[:: N // 30]
    results = index.search([p.text for p in sample], top_k=3)
    assert [hits[0].passage.id for hits in results] == [p.id for p in sample]
    assert all(abs(hits[0].score - 1.0) < 0.02 for hits in results)


@pytest.mark.parametrize("built", ALL, indirect=True)
def test_ids_and_scores_against_exact_search(built: DenseIndex, corpus, corpus_vectors: np.ndarray) -> None:
    queries = corpus_vectors[:40] + 0.05 * np.random.default_rng(1).standard_normal((40, 32)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    results = built.search_vectors(queries, top_k=10)
    exact = _exact(corpus_vectors, queries, 10)
    found = np.array([[int(h.passage.id[1:]) for h in hits] for hits in results])
    assert recall_at_k(exact, found) >= (0.999 if built.kind in ("flat", "milvus") else 0.85)
    for row, hits in enumerate(results):
        assert [h.rank for h in hits] == list(range(1, 11))
        assert [h.passage for h in hits] == [corpus[int(h.passage.id[1:])] for h in hits]
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        true = corpus_vectors[found[row]] @ queries[row]
        np.testing.assert_allclose(scores, true, atol=1e-4 if built.kind in ("flat", "milvus", "hnsw") else 0.05)


@pytest.mark.parametrize("built", ALL, indirect=True)
def test_top_k_larger_than_the_index(built: DenseIndex, corpus_vectors: np.ndarray) -> None:
    hits = built.search_vectors(corpus_vectors[3], top_k=5 * N)[0]
    ids = [h.passage.id for h in hits]
    assert len(ids) == len(set(ids)) and ids[0] == "s3"
    # exact backends return every passage; a graph search may miss a few it never reached, but pads nothing
    assert len(ids) == N if built.kind in ("flat", "milvus", "ivfpq") else 0.9 * N <= len(ids) <= N
    assert [h.rank for h in hits] == list(range(1, len(ids) + 1))


@pytest.mark.parametrize("kind", ALL)
def test_query_errors_and_empty_index(kind: str, tmp_path: Path, tiny_encoder: Encoder, corpus) -> None:
    index = _new(kind, tiny_encoder, tmp_path)
    assert index.search(["paris"], top_k=3) == [[]]  # nothing added yet
    with pytest.raises(InputError, match="no passages"):
        index.build([], show_progress=False)
    index.build(corpus, show_progress=False)
    assert index.search([], top_k=3) == []
    with pytest.raises(InputError, match="list of queries"):
        index.search("paris", top_k=3)  # type: ignore[arg-type]
    for bad_k in (0, -2, 1.5, True):
        with pytest.raises(InputError, match="top_k"):
            index.search(["paris"], top_k=bad_k)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="dimension"):
        index.search_vectors(np.zeros((1, 16), np.float32), 3)


@pytest.mark.parametrize("built", ALL, indirect=True)
def test_save_load_round_trip(built: DenseIndex, tmp_path: Path, tiny_encoder: Encoder, corpus) -> None:
    out = built.save(tmp_path / "idx")
    meta = json.loads((out / "meta.json").read_text())
    assert meta["kind"] == built.kind and meta["count"] == N
    if built.kind == "milvus":
        assert "index.faiss" not in meta["sha256"]
        assert meta["backend"] == {"uri": "milvus.db", "collection": "kgqa_passages"}  # relative: moves with the folder
    else:
        assert (out / "index.faiss").is_file() and "backend" not in meta
    loaded = DenseIndex.load(out, tiny_encoder, use_gpu=False)
    assert loaded.kind == built.kind and list(loaded.store) == corpus
    queries = ["paris river", "who wrote hamlet", "capital of italy"]
    before, after = built.search(queries, 5), loaded.search(queries, 5)
    # Milvus may search a flushed (sealed) segment with other kernels: same hits, scores equal to float precision
    assert [[h.passage for h in hits] for hits in after] == [[h.passage for h in hits] for hits in before]
    np.testing.assert_allclose([[h.score for h in r] for r in after], [[h.score for h in r] for r in before], atol=1e-5)
    assert bytes_per_passage(out, N) > 0


# -- IVF-PQ on disk --------------------------------------------------------------------------------------


def _mapped_files() -> str:
    return Path("/proc/self/maps").read_text() if Path("/proc/self/maps").exists() else ""


@pytest.mark.parametrize("built", ["ivfpq"], indirect=True)
def test_ivfpq_is_memory_mapped_from_its_file(
    built: DenseIndex, tmp_path: Path, tiny_encoder: Encoder, corpus, corpus_vectors
) -> None:
    assert not is_memory_mapped(built.backend)  # built in memory
    assert built.backend.params()["pq_m"] == 16  # type: ignore[union-attr]
    out = built.save(tmp_path / "pq")
    loaded = DenseIndex.load(out, tiny_encoder, use_gpu=False)
    assert is_memory_mapped(loaded.backend)
    if sys.platform.startswith("linux"):
        assert str((out / "index.faiss").resolve()) in _mapped_files()
    # 16-byte codes + 8-byte ids per passage, plus the coarse and product quantisers
    assert bytes_per_passage(out, N, ["index.faiss"]) < (out / "passages.jsonl").stat().st_size
    with pytest.raises(InputError, match="memory-mapped read-only"):
        loaded.add([Passage("new", "paris")])
    assert len(loaded) == N
    loaded.save(out)  # saving onto its own file keeps it
    copy = loaded.save(tmp_path / "copy")  # elsewhere: the mapped file is copied
    assert (copy / "index.faiss").read_bytes() == (out / "index.faiss").read_bytes()
    assert DenseIndex.load(copy, tiny_encoder, use_gpu=False).search(["hamlet"], 4) == built.search(["hamlet"], 4)


def test_ivfpq_trains_on_a_sample_and_small_corpora_fall_back(
    tiny_encoder: Encoder, corpus, corpus_vectors, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="kgqa.retrieval.backends"):
        index = DenseIndex(tiny_encoder, kind="ivfpq", use_gpu=False, train_sample=260)
        index.add_vectors(corpus, corpus_vectors)
    assert "trained ivfpq index on 260 vectors" in caplog.text and index.kind == "ivfpq"
    small = DenseIndex(tiny_encoder, kind="ivfpq", use_gpu=False)
    with caplog.at_level(logging.WARNING, logger="kgqa.retrieval.backends"):
        small.add_vectors(corpus[:50], corpus_vectors[:50])
    assert small.kind == "flat" and "instead of ivfpq" in caplog.text
    with pytest.raises(InputError, match="pq_m must divide the dimension 32"):
        DenseIndex(tiny_encoder, kind="ivfpq", use_gpu=False, pq_m=5).add_vectors(corpus, corpus_vectors)
    for bad in (0, -1, True, 2.5):
        with pytest.raises(InputError, match="train_sample"):
            DenseIndex(tiny_encoder, kind="ivfpq", train_sample=bad)  # type: ignore[arg-type]


def test_ivfpq_gpu_wiring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, corpus, corpus_vectors) -> None:
    calls: list[str] = []

    class Options:
        useFloat16 = False

    monkeypatch.setattr(faiss, "get_num_gpus", lambda: 1)
    monkeypatch.setattr(faiss, "StandardGpuResources", lambda: object(), raising=False)
    monkeypatch.setattr(faiss, "GpuClonerOptions", Options, raising=False)
    monkeypatch.setattr(
        faiss,
        "index_cpu_to_gpu",
        lambda res, dev, idx, opts=None: calls.append(f"to_gpu fp16={opts.useFloat16}") or idx,
        raising=False,
    )
    monkeypatch.setattr(faiss, "index_gpu_to_cpu", lambda idx: calls.append("to_cpu") or idx, raising=False)
    index = DenseIndex(None, kind="ivfpq", pq_m=16)
    index.add_vectors(corpus, corpus_vectors)
    assert index.on_gpu and calls == ["to_gpu fp16=True"]  # trained and filled on the GPU
    index.save(tmp_path / "gpu")
    assert calls[-1] == "to_cpu"
    loaded = DenseIndex.load(tmp_path / "gpu")
    assert loaded.on_gpu and not loaded.backend.read_only  # type: ignore[union-attr]


# -- Milvus ---------------------------------------------------------------------------------------------


@needs_milvus
def test_milvus_load_errors(tmp_path: Path, tiny_encoder: Encoder, corpus, corpus_vectors) -> None:
    index = _new("milvus", tiny_encoder, tmp_path)
    index.add_vectors(corpus, corpus_vectors)
    out = index.save(tmp_path / "idx")
    with pytest.raises(IndexLoadError, match="there is no Milvus collection 'kgqa_passages'"):
        DenseIndex.load(out, tiny_encoder, milvus_uri=str(tmp_path / "other.db"))
    moved = DenseIndex.load(out, tiny_encoder, milvus_uri=str((out / "milvus.db").resolve()))  # the override
    assert moved.backend.uri == str((out / "milvus.db").resolve()) and len(moved) == N  # type: ignore[union-attr]
    with pytest.raises(IndexLoadError, match="ends in .db.*--milvus-uri"):
        DenseIndex.load(out, tiny_encoder, milvus_uri="localhost:19530")
    meta = json.loads((out / "meta.json").read_text())
    del meta["backend"]
    (out / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(IndexLoadError, match="uri and collection"):
        DenseIndex.load(out, tiny_encoder)


@needs_milvus
def test_milvus_count_mismatch(tmp_path: Path, tiny_encoder: Encoder, corpus, corpus_vectors) -> None:
    index = _new("milvus", tiny_encoder, tmp_path)
    index.add_vectors(corpus, corpus_vectors)
    out = index.save(tmp_path / "idx")
    _new("milvus", tiny_encoder, tmp_path).add_vectors(corpus[:20], corpus_vectors[:20])  # replaces the collection
    with pytest.raises(IndexLoadError, match="holds 20 vectors but the index folder 300 passages"):
        DenseIndex.load(out, tiny_encoder)


def test_milvus_arguments_are_checked(tiny_encoder: Encoder, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    with pytest.raises(InputError, match="needs milvus_uri"):
        DenseIndex(tiny_encoder, kind="milvus")
    with pytest.raises(InputError, match="ends in .db"):
        DenseIndex(tiny_encoder, kind="milvus", milvus_uri="localhost:19530")
    with pytest.raises(InputError, match="collection name"):
        DenseIndex(tiny_encoder, kind="milvus", milvus_uri="http://localhost:19530", milvus_collection="9 bad")
    DenseIndex(tiny_encoder, kind="milvus", milvus_uri="http://milvus.example:19530")  # connects on first add
    monkeypatch.setitem(sys.modules, "pymilvus", None)  # as if not installed
    index = DenseIndex(tiny_encoder, kind="milvus", milvus_uri=str(tmp_path / "m.db"), use_gpu=False)
    with pytest.raises(MissingDependencyError, match=r'pip install "kgqa\[milvus\]"'):
        index.add_vectors([Passage("a", "paris")], np.ones((1, 32), np.float32) / np.sqrt(32))


# -- measuring, config and CLI ---------------------------------------------------------------------------


def test_recall_at_k_and_bytes_per_passage(tmp_path: Path) -> None:
    assert recall_at_k([[1, 2], [3, 4]], [[2, 1], [3, 9]]) == 0.75
    assert recall_at_k(np.array([[1, -1]]), np.array([[1, 5]])) == 1.0
    with pytest.raises(InputError, match="same non-zero number"):
        recall_at_k([[1]], [])
    (tmp_path / "index.faiss").write_bytes(b"x" * 100)
    (tmp_path / "passages.jsonl").write_bytes(b"y" * 1000)
    assert bytes_per_passage(tmp_path, 4) == 25.0
    with pytest.raises(InputError, match="count"):
        bytes_per_passage(tmp_path, 0)


def test_config_vector_backend_fields() -> None:
    assert PipelineConfig(vector_backend="ivfpq").vector_backend == "ivfpq"
    config = PipelineConfig.from_dict({"vector_backend": "milvus", "milvus_uri": "http://milvus:19530"})
    assert config.milvus_uri == "http://milvus:19530"
    with pytest.raises(ConfigError, match="vector_backend must be one of flat, hnsw, ivf, ivfpq, milvus"):
        PipelineConfig(vector_backend="annoy")
    with pytest.raises(ConfigError, match="milvus_uri"):
        PipelineConfig(milvus_uri="not-a-uri")
    with pytest.raises(ConfigError, match="set milvus_uri"):
        PipelineConfig(vector_backend="milvus", passages=["p.jsonl"])
    with pytest.raises(ConfigError):
        PipelineConfig.from_dict({"milvus_uri": 19530})


def test_cli_index_build_backends(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from kgqa import cli

    assert cli.VECTOR_BACKENDS == BACKENDS
    ns = cli.build_parser().parse_args(
        ["index", "build", "p.jsonl", "--out", "o", "--backend", "milvus", "--milvus-uri", "http://h:19530"]
    )
    assert (ns.kind, ns.milvus_uri, ns.train_sample) == ("milvus", "http://h:19530", 100_000)
    assert cli.build_parser().parse_args(["index", "build", "p.jsonl", "--out", "o", "--kind", "ivfpq"]).kind == "ivfpq"
    with pytest.raises(cli.UsageError, match="invalid choice: 'annoy'"):
        cli.build_parser().parse_args(["index", "build", "p.jsonl", "--out", "o", "--backend", "annoy"])


def test_faiss_backend_refuses_unknown_kind(corpus_vectors: np.ndarray) -> None:
    with pytest.raises(InputError, match="unknown FAISS index kind"):
        FaissBackend.create("lsh", corpus_vectors, use_gpu=False)


@needs_milvus
def test_cli_builds_a_milvus_lite_index_in_the_folder(tmp_path: Path, capsys) -> None:
    from kgqa.cli import main

    p = tmp_path / "p.jsonl"
    p.write_text('{"id": "a", "text": "Paris is the capital of France."}\n{"id": "b", "text": "Cats purr."}\n')
    assert main(["index", "build", str(p), "--out", str(tmp_path / "idx"), "--backend", "milvus"]) == 0
    meta = json.loads((tmp_path / "idx" / "meta.json").read_text())
    assert (
        meta["kind"] == "milvus" and meta["backend"]["uri"] == "milvus.db" and (tmp_path / "idx" / "milvus.db").exists()
    )
    hits = DenseIndex.load(tmp_path / "idx").search(["What is the capital of France?"], 2)[0]
    assert [h.passage.id for h in hits] == ["a", "b"]
    capsys.readouterr()
    code = main(["index", "build", str(p), "--out", str(tmp_path / "x"), "--backend", "milvus", "--milvus-uri", "db"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "ends in .db" in err and "\n" not in err and "Traceback" not in err


@needs_milvus
def test_milvus_failures_are_typed(tmp_path: Path, tiny_encoder: Encoder, corpus, corpus_vectors) -> None:
    index = _new("milvus", tiny_encoder, tmp_path)
    index.add_vectors(corpus, corpus_vectors)
    index.backend._client.drop_collection("kgqa_passages")  # type: ignore[union-attr]  # gone behind kgqa's back
    with pytest.raises(IndexLoadError, match=r"Milvus at .*milvus\.db failed in search .*--milvus-uri"):
        index.search_vectors(corpus_vectors[:1], 3)
