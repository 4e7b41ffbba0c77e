"""Training smoke tests: a tiny random BERT trains for a few steps on tiny fixtures, stops and resumes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from kgqa.errors import ConfigError
from kgqa.train.args import TrainArgs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WORDS = (
    "the a an of in on by to was is are and for its it can be seen after who when where what how did "
    "harbor light built engineer mara quill stands granite point mouth river lamp twelve miles glass lenses lamps "
    "came from workshop town verrin closed fire destroyed furnaces far dog runs across wet grass animal moving "
    "outside cat sleeps sofa chasing ball two children build sandcastle beach kids playing with sand asleep indoors "
    "brothers woman plays violin stage someone making music nobody famous old man reads newspaper bench reading "
    "young girl swimming waiting bus company reported record profits this year lost money made 1871 1902 ."
).split()


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT model folder (2 layers, hidden 32) with its own word-level vocab."""
    from transformers import BertConfig, BertForQuestionAnswering, BertTokenizerFast

    from kgqa.reader.modelio import save_model_folder

    folder = tmp_path_factory.mktemp("tiny_bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(set(WORDS))]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=256,
    )
    model = BertForQuestionAnswering(config)
    out = folder / "model"
    save_model_folder(model, tok, out, task="qa", dtype="float32", share_word_embeddings=False)
    return out


def _args(tmp_path: Path, tiny_bert: Path, task: str, **kw) -> TrainArgs:
    files = {"qa": ["tiny_squad.json"], "nli": ["tiny_nli.jsonl"]}[task]
    base = dict(
        task=task,
        output_dir=str(tmp_path / task),
        data_dir=str(FIXTURES),
        init_model=str(tiny_bert),
        train_files=files,
        max_length=64,
        doc_stride=16,
        max_query_length=16,
        batch_size=4,
        eval_every=2,
        max_eval_samples=0,
        learning_rate=1e-3,
        warmup_ratio=0.1,
        seed=1,
        num_threads=1,
        save_every_minutes=0.0,
        freeze_word_embeddings=False,
        derived_data=False,
    )
    base.update(kw)
    return TrainArgs(**base)


def _state(out: Path) -> dict:
    return json.loads((out / "checkpoint" / "trainer_state.json").read_text())["state"]


@pytest.mark.parametrize("task", ["qa", "nli"])
def test_train_stop_and_resume(tmp_path: Path, tiny_bert: Path, task: str) -> None:
    from kgqa.train.nli import run as run_nli
    from kgqa.train.qa import run as run_qa

    run = run_qa if task == "qa" else run_nli
    # a full run of 6 steps ...
    full = _args(tmp_path / "full", tiny_bert, task, max_steps=6)
    run(full)
    # ... equals 3 steps, stop, resume to 6
    part = _args(tmp_path / "part", tiny_bert, task, max_steps=6, max_minutes=1e-9)
    state = run(part)
    assert 0 < state["step"] < 6
    resumed = _args(tmp_path / "part", tiny_bert, task, max_steps=6, resume=True)
    state = run(resumed)
    assert state["step"] == 6 and state["done"]
    a = torch.load if False else None  # noqa: F841 - checkpoints are safetensors, never torch.load
    from safetensors.torch import load_file

    w_full = load_file(str(Path(full.output_dir) / "checkpoint" / "trainable.safetensors"))
    w_part = load_file(str(Path(resumed.output_dir) / "checkpoint" / "trainable.safetensors"))
    for k in w_full:
        assert torch.allclose(w_full[k], w_part[k], atol=1e-5), k
    # metrics log, best model folder, training args
    lines = [json.loads(x) for x in (Path(full.output_dir) / "metrics.jsonl").read_text().splitlines()]
    assert any("eval" in rec for rec in lines) and any("train_loss" in rec for rec in lines)
    assert (Path(full.output_dir) / "best" / "model.safetensors").is_file()
    assert (Path(full.output_dir) / "best" / "kgqa_model.json").is_file()


def test_refuses_non_empty_output_dir(tmp_path: Path, tiny_bert: Path) -> None:
    from kgqa.train.nli import run

    args = _args(tmp_path, tiny_bert, "nli", max_steps=2)
    run(args)
    with pytest.raises(ConfigError, match="not empty"):
        run(_args(tmp_path, tiny_bert, "nli", max_steps=2))


def test_resume_without_checkpoint_is_a_clear_error(tmp_path: Path, tiny_bert: Path) -> None:
    from kgqa.train.qa import run

    out = tmp_path / "qa"
    out.mkdir(parents=True)
    with pytest.raises(ConfigError, match="no checkpoint"):
        run(_args(tmp_path, tiny_bert, "qa", max_steps=2, resume=True))
    shutil.rmtree(out)


def test_args_validation_and_json(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        TrainArgs(task="ner")
    with pytest.raises(ConfigError):
        TrainArgs(task="qa", max_length=64, doc_stride=60, max_query_length=16)
    path = tmp_path / "args.json"
    TrainArgs(task="nli", learning_rate=3e-5).save(path)
    assert TrainArgs.from_json(path).learning_rate == 3e-5
    path.write_text(json.dumps({"task": "nli", "bogus": 1}))
    with pytest.raises(ConfigError, match="bogus"):
        TrainArgs.from_json(path)


def test_cli_train_flags(tmp_path: Path, tiny_bert: Path) -> None:
    from kgqa.cli import main

    code = main(
        [
            "train",
            "nli",
            "--output-dir",
            str(tmp_path / "cli"),
            "--data-dir",
            str(FIXTURES),
            "--init-model",
            str(tiny_bert),
            "--train-files",
            "tiny_nli.jsonl",
            "--max-steps",
            "2",
            "--batch-size",
            "4",
            "--max-length",
            "48",
            "--no-derived-data",
            "--no-freeze-word-embeddings",
            "--eval-every",
            "2",
            "--max-eval-samples",
            "0",
        ]
    )
    assert code == 0
    saved = json.loads((tmp_path / "cli" / "training_args.json").read_text())
    assert saved["max_steps"] == 2 and saved["derived_data"] is False


def test_ctrl_c_stops_after_the_step_and_checkpoints(tmp_path: Path, tiny_bert: Path, monkeypatch) -> None:
    import os
    import signal

    import kgqa.train.nli as nli_recipe

    calls = {"n": 0}
    real_loss = nli_recipe.nli_loss

    def loss_then_ctrl_c(model, batch):
        calls["n"] += 1
        if calls["n"] == 3:  # during step 3
            os.kill(os.getpid(), signal.SIGINT)
        return real_loss(model, batch)

    monkeypatch.setattr(nli_recipe, "nli_loss", loss_then_ctrl_c)
    args = _args(tmp_path, tiny_bert, "nli", max_steps=8, eval_every=100)
    state = nli_recipe.run(args)
    assert state["step"] == 3 and not state["done"]
    assert _state(Path(args.output_dir))["step"] == 3
    log = (Path(args.output_dir) / "metrics.jsonl").read_text()
    assert '"stopped": "interrupted"' in log
    # the handler is gone afterwards, and --resume finishes the run
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    monkeypatch.setattr(nli_recipe, "nli_loss", real_loss)
    state = nli_recipe.run(_args(tmp_path, tiny_bert, "nli", max_steps=8, eval_every=100, resume=True))
    assert state["step"] == 8 and state["done"]


def test_select_last_ships_the_end_of_the_schedule(tmp_path: Path, tiny_bert: Path) -> None:
    from kgqa.train.nli import run

    args = _args(tmp_path, tiny_bert, "nli", max_steps=5, eval_every=2, patience=1, select_last=True)
    state = run(args)
    assert state["step"] == 5 and state["done"]  # patience 1 would have stopped a best-dev run
    meta = json.loads((Path(args.output_dir) / "best" / "kgqa_model.json").read_text())
    assert meta["best"]["step"] == 5 and meta["best"]["selected"] == "last"


def test_export_checkpoint_writes_the_stopped_weights(tmp_path: Path, tiny_bert: Path) -> None:
    from safetensors.torch import load_file

    from kgqa.reader.modelio import load_model_folder
    from kgqa.train.__main__ import main
    from kgqa.train.nli import run

    args = _args(tmp_path, tiny_bert, "nli", max_steps=4, eval_every=100)
    run(args)
    out = tmp_path / "exported"
    assert main(["export", args.output_dir, "--out", str(out)]) == 0
    meta = json.loads((out / "kgqa_model.json").read_text())
    assert meta["best"]["step"] == 4 and meta["best"]["selected"] == "checkpoint"
    assert meta["best"]["train_pairs"] > 0 and meta["best"]["train_sources"]  # carried over from RUN/best
    model, _ = load_model_folder(out, head="nli")
    trained = load_file(str(Path(args.output_dir) / "checkpoint" / "trainable.safetensors"))
    params = dict(model.named_parameters())
    for name, t in trained.items():
        assert torch.allclose(params[name].float(), t.float(), atol=1e-2), name  # stored in fp16
    assert main(["export", str(tmp_path / "nothing"), "--out", str(out)]) == 2
