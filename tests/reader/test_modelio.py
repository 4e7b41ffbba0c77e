"""Model folders: save/load round trips, safetensors only, clear errors for broken folders."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from kgqa.errors import ModelNotFoundError
from kgqa.reader.modelio import check_model_folder, load_model_folder, read_meta, save_model_folder


@pytest.fixture()
def tiny(tmp_path: Path):
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "dog", "runs", "cat", "sleeps"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"))
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=3,
    )
    return BertForSequenceClassification(cfg).eval(), tok


def test_round_trip_gives_same_outputs(tmp_path: Path, tiny) -> None:
    model, tok = tiny
    out = save_model_folder(model, tok, tmp_path / "m", task="nli", dtype="float32", share_word_embeddings=False)
    loaded, tok2 = load_model_folder(out, head="nli")
    batch = tok(["a dog runs"], ["a cat sleeps"], return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(model(**batch).logits, loaded(**batch).logits, atol=1e-6)
    assert read_meta(out)["task"] == "nli"
    assert not list(out.glob("*.bin")) and not list(out.glob("*.pt"))


def test_fp16_storage_is_close(tmp_path: Path, tiny) -> None:
    model, tok = tiny
    out = save_model_folder(model, tok, tmp_path / "m", task="nli", dtype="float16", share_word_embeddings=False)
    loaded, _ = load_model_folder(out, head="nli")
    batch = tok(["a dog runs"], ["a cat sleeps"], return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(model(**batch).logits, loaded(**batch).logits, atol=1e-2)


def test_missing_and_corrupt_folders(tmp_path: Path, tiny) -> None:
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        check_model_folder(tmp_path / "nope")
    model, tok = tiny
    out = save_model_folder(model, tok, tmp_path / "m", task="nli", dtype="float32", share_word_embeddings=False)
    (out / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelNotFoundError, match="corrupt"):
        load_model_folder(out, head="nli")
    (out / "model.safetensors").unlink()
    with pytest.raises(ModelNotFoundError, match="lacks"):
        load_model_folder(out, head="nli")
