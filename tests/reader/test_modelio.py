"""Model folders: save/load round trips, safetensors only, clear errors for broken folders."""

from __future__ import annotations

import json
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


def test_a_tokenizer_like_the_base_s_is_not_written_and_loads_from_the_base(tmp_path: Path) -> None:
    from transformers import BertConfig, BertForSequenceClassification

    from kgqa.reader.modelio import base_tokenizer, tokenizer_digest

    base = base_tokenizer()
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=base.vocab_size,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=3,
    )
    out = save_model_folder(
        BertForSequenceClassification(cfg).eval(), base, tmp_path / "m", task="nli", share_word_embeddings=False
    )
    assert not (out / "tokenizer.json").exists() and not (out / "vocab.txt").exists()
    meta = read_meta(out)
    assert meta["tokenizer"] == "base" and meta["tokenizer_digest"] == tokenizer_digest(base)
    _, tok = load_model_folder(out, head="nli")
    pair = ("Who wrote Hamlet?", "Hamlet is a tragedy by William Shakespeare.")
    assert tok(*pair)["input_ids"] == base(*pair)["input_ids"]
    # a digest of another vocabulary (a folder trained over another base package) is refused with the fix
    (out / "kgqa_model.json").write_text(json.dumps({**meta, "tokenizer_digest": "0" * 16}))
    with pytest.raises(ModelNotFoundError, match="another tokenizer.*reinstall"):
        load_model_folder(out, head="nli")


def test_another_tokenizer_is_written_and_a_folder_missing_it_is_refused(tmp_path: Path, tiny) -> None:
    model, tok = tiny  # a vocabulary of ten words: not the base's
    out = save_model_folder(model, tok, tmp_path / "m", task="nli", dtype="float32", share_word_embeddings=False)
    assert (out / "tokenizer.json").exists() and "tokenizer" not in read_meta(out)
    for name in ("tokenizer.json", "vocab.txt"):
        (out / name).unlink(missing_ok=True)
    with pytest.raises(ModelNotFoundError, match="lacks vocab.txt or tokenizer.json"):
        check_model_folder(out)
