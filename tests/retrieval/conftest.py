"""Retrieval fixtures: a tiny random sentence-transformers model built once, passages and seeded vectors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kgqa.types import Passage

WORDS = (
    "paris capital france berlin germany rome italy madrid spain london england city river seine "
    "thames tiber population largest country europe who wrote hamlet shakespeare play poet what is "
    "the of a in on and was by which where"
).split()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-dimensional random BERT saved as a sentence-transformers folder (mean pooling, normalised)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    root = tmp_path_factory.mktemp("tiny-model")
    hf_dir = root / "hf"
    hf_dir.mkdir()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = list(dict.fromkeys([*specials, *WORDS, *"abcdefghijklmnopqrstuvwxyz0123456789.,?:"]))
    (hf_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    # positional: the keyword is ``vocab_file`` in transformers 4 and ``vocab`` in 5
    tokenizer = BertTokenizerFast(str(hf_dir / "vocab.txt"), do_lower_case=True)
    assert "[UNK]" not in tokenizer.tokenize(" ".join(WORDS))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    model = SentenceTransformer(
        modules=[Transformer(str(hf_dir), max_seq_length=128), Pooling(32, "mean"), Normalize()], device="cpu"
    )
    out = root / "tiny-encoder"
    model.save(str(out))
    return out


@pytest.fixture(scope="session")
def tiny_encoder(tiny_model_dir: Path):
    """A loaded :class:`Encoder` over the tiny model (shared: the encoder is thread-safe)."""
    from kgqa.retrieval import Encoder

    enc = Encoder(tiny_model_dir, device="cpu", batch_size=4)
    assert enc.dim == 32
    return enc


TEXTS = (
    "paris is the capital of france",
    "berlin is the capital of germany",
    "rome is the capital of italy",
    "madrid is the largest city of spain",
    "london is on the river thames",
    "the seine is a river in paris",
    "shakespeare wrote hamlet",
    "hamlet is a play by shakespeare",
    "the tiber is a river in rome",
    "england is a country in europe",
)


@pytest.fixture
def passages() -> list[Passage]:
    """Ten short passages over the tiny model's vocabulary (no titles, so text search finds them verbatim)."""
    return [Passage(f"p{i}", text, entities=(f"e{i}",)) for i, text in enumerate(TEXTS)]


@pytest.fixture
def write_jsonl() -> Callable[[Path, Iterable[Any]], Path]:
    """Write records (dicts as JSON, strings verbatim) one per line."""

    def write(path: Path, records: Iterable[Any]) -> Path:
        lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


def clustered_vectors(
    n: int = 2000, dim: int = 32, n_queries: int = 50, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded unit vectors around 40 centres, and noisy copies of some of them as queries."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, dim))
    x = centres[rng.integers(0, 40, n)] + 0.35 * rng.standard_normal((n, dim))
    q = x[rng.choice(n, n_queries, replace=False)] + 0.1 * rng.standard_normal((n_queries, dim))
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    return x.astype(np.float32), q.astype(np.float32)


@pytest.fixture
def vectors() -> tuple[list[Passage], np.ndarray, np.ndarray]:
    """2,000 synthetic passages with clustered vectors, and 50 query vectors."""
    x, q = clustered_vectors()
    return [Passage(f"v{i}", f"vector {i}") for i in range(len(x))], x, q
