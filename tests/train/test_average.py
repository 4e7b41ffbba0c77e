"""``kgqa train average``: weight averaging of model folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from kgqa.errors import ConfigError, ModelNotFoundError
from kgqa.reader.modelio import load_model_folder, save_model_folder
from kgqa.train.average import average_models

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "?"]


def _folder(root: Path, name: str, seed: int, task: str = "qa", hidden: int = 16) -> Path:
    from transformers import BertConfig, BertForQuestionAnswering, BertForSequenceClassification, BertTokenizerFast

    (root / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
    tok = BertTokenizerFast(vocab_file=str(root / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=hidden,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=2 if task == "qa" else 3,
    )
    model = BertForQuestionAnswering(config) if task == "qa" else BertForSequenceClassification(config)
    out = root / name
    save_model_folder(
        model, tok, out, task=task, dtype="float32", share_word_embeddings=False, extra_meta={"best": {"step": seed}}
    )
    (out / "training_args.json").write_text(json.dumps({"seed": seed}))
    return out


def test_uniform_average_is_the_mean_and_loads(tmp_path: Path) -> None:
    a, b, c = (_folder(tmp_path, n, s) for n, s in (("a", 1), ("b", 2), ("c", 3)))
    out = average_models([a, b, c], tmp_path / "avg")
    got = load_file(str(out / "model.safetensors"))
    parts = [load_file(str(p / "model.safetensors")) for p in (a, b, c)]
    name = "bert.encoder.layer.0.attention.self.query.weight"
    assert torch.allclose(got[name], (parts[0][name] + parts[1][name] + parts[2][name]) / 3, atol=1e-6)
    assert not torch.allclose(got[name], parts[0][name])
    meta = json.loads((out / "kgqa_model.json").read_text())
    assert [m["weight"] for m in meta["averaged_from"]] == pytest.approx([1 / 3] * 3, abs=1e-5)
    assert [m["step"] for m in meta["averaged_from"]] == [1, 2, 3]
    assert json.loads((out / "training_args.json").read_text()) == {"seed": 3}  # the last member's
    model, tok = load_model_folder(out, head="qa")
    enc = tok("the cat", "sat on the mat", return_tensors="pt")
    with torch.no_grad():
        assert model(**enc).start_logits.shape[-1] == enc["input_ids"].shape[-1]


def test_weighted_average_and_float16_storage_kept(tmp_path: Path) -> None:
    a, b = _folder(tmp_path, "a", 1), _folder(tmp_path, "b", 2)
    for p in (a, b):  # store in float16 like the shipped models
        state = {k: v.half() for k, v in load_file(str(p / "model.safetensors")).items()}
        from safetensors.torch import save_file

        save_file(state, str(p / "model.safetensors"))
    out = average_models([a, b], tmp_path / "avg", weights=[3, 1])
    got = load_file(str(out / "model.safetensors"))
    pa, pb = (load_file(str(p / "model.safetensors")) for p in (a, b))
    name = "qa_outputs.weight"
    assert got[name].dtype == torch.float16
    want = 0.75 * pa[name].double() + 0.25 * pb[name].double()
    assert torch.allclose(got[name].double(), want, atol=2e-3)


def test_rejects_mismatched_folders(tmp_path: Path) -> None:
    a = _folder(tmp_path, "a", 1)
    with pytest.raises(ConfigError, match="at least two"):
        average_models([a], tmp_path / "o1")
    with pytest.raises(ConfigError, match="different configs"):
        average_models([a, _folder(tmp_path, "wide", 2, hidden=32)], tmp_path / "o2")
    with pytest.raises(ConfigError, match="one task"):
        average_models([a, _folder(tmp_path, "nli", 2, task="nli")], tmp_path / "o3")
    b = _folder(tmp_path, "b", 2)
    with pytest.raises(ConfigError, match="one weight per folder"):
        average_models([a, b], tmp_path / "o4", weights=[1.0])
    with pytest.raises(ConfigError, match="positive"):
        average_models([a, b], tmp_path / "o5", weights=[1.0, 0.0])
    with pytest.raises(ConfigError, match="twice"):
        average_models([a, tmp_path / "a"], tmp_path / "o6")
    with pytest.raises(ConfigError, match="one of the folders"):
        average_models([a, b], b)
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        average_models([a, tmp_path / "missing"], tmp_path / "o7")
    assert not any((tmp_path / f"o{k}").exists() for k in range(1, 8))


def test_existing_output_kept_unless_overwrite(tmp_path: Path) -> None:
    a, b = _folder(tmp_path, "a", 1), _folder(tmp_path, "b", 2)
    out = tmp_path / "avg"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        average_models([a, b], out)
    assert (out / "notes.txt").read_text() == "mine"
    average_models([a, b], out, overwrite=True)
    assert (out / "model.safetensors").is_file()


def test_cli_average_and_its_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kgqa.cli import main

    a, b = _folder(tmp_path, "a", 1), _folder(tmp_path, "b", 2)
    assert main(["train", "average", str(a), str(b), "--out", str(tmp_path / "avg")]) == 0
    assert (tmp_path / "avg" / "kgqa_model.json").is_file()
    capsys.readouterr()
    assert main(["train", "average", str(a), str(b), "--out", str(tmp_path / "avg2"), "--weights", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--weights has 1 values for 2 model folders" in err[0]
