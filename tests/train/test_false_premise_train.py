"""``kgqa train false-premise``: its flags, the threshold rule, and a few steps on a tiny model and tiny data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgqa.errors import ConfigError
from kgqa.train.args import TrainArgs
from kgqa.train.false_premise import binary_metrics, choose_threshold

WORDS = "why how when which did does is the of a sun have eyes fish breathe with lungs gills cats fly bark".split()


# --------------------------------------------------------------------------- flags
def test_train_cli_registers_false_premise_with_its_defaults() -> None:
    from kgqa.train.__main__ import build_parser
    from kgqa.train.args import from_namespace

    ns = build_parser().parse_args(["false-premise", "--generated-pairs", "100", "--repeat", "falseqa=2"])
    args = from_namespace(ns.task, ns)
    assert (args.task, args.max_length, args.learning_rate) == ("false-premise", 64, 5e-5)
    assert args.generated_pairs == 100 and args.repeat_factors() == {"falseqa": 2}
    assert args.output_dir == "runs/false-premise"


def test_train_cli_refuses_bad_values(capsys: pytest.CaptureFixture[str]) -> None:
    from kgqa.train.__main__ import main

    with pytest.raises(ConfigError, match="generated_pairs"):
        TrainArgs(task="false-premise", generated_pairs=-1)
    with pytest.raises(ConfigError, match="task must be one of"):
        TrainArgs(task="falsepremise")
    assert main(["false-premise", "--generated-pairs", "-5", "--output-dir", "/nonexistent/x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "generated_pairs" in err[0]


# --------------------------------------------------------------------------- metrics and the threshold
def test_binary_metrics() -> None:
    m = binary_metrics([1, 1, 1, 0, 0], [0.9, 0.8, 0.2, 0.7, 0.1], 0.5)
    assert m["accuracy"] == pytest.approx(3 / 5)
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    assert m["false_alarm_rate"] == pytest.approx(1 / 2) and m["n"] == 5 and m["n_false_premise"] == 3
    assert binary_metrics([0, 0], [0.1, 0.2], 0.5)["f1"] == 0.0


def test_choose_threshold_keeps_false_alarms_down() -> None:
    labels = [1, 1, 1, 1, 0, 0, 0, 0]
    scores = [0.9, 0.8, 0.6, 0.4, 0.7, 0.3, 0.2, 0.1]
    t, acc = choose_threshold({"a": (labels, scores)}, max_false_alarm=0.0)
    assert 0.7 < t <= 0.8 and acc == pytest.approx(6 / 8)
    m = binary_metrics(labels, scores, t)
    assert m["false_alarm_rate"] == 0.0
    # allowing one false alarm in four buys more recall
    t2, acc2 = choose_threshold({"a": (labels, scores)}, max_false_alarm=0.25)
    assert t2 <= 0.6 and acc2 == pytest.approx(7 / 8)
    # every dev set must keep the limit
    t3, _ = choose_threshold({"a": (labels, scores), "b": ([0, 1], [0.85, 0.95])}, max_false_alarm=0.0)
    assert t3 > 0.85
    with pytest.raises(ConfigError, match="no dev examples"):
        choose_threshold({"a": ([], [])})


# --------------------------------------------------------------------------- a tiny run
@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from kgqa.reader.modelio import save_model_folder

    folder = tmp_path_factory.mktemp("fp-base")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, "?"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64
    )
    model = BertForSequenceClassification(config)  # 2 labels, like an earlier false-premise model
    out = folder / "model"
    save_model_folder(model, tok, out, task="false-premise", dtype="float32", share_word_embeddings=False)
    return out


def _data(root: Path) -> Path:
    fq = root / "kgqa" / "falseqa"
    fq.mkdir(parents=True)
    rows = [("Why do fish breathe with lungs?", 1), ("How do fish breathe with gills?", 0)] * 10
    rows += [("Why do cats fly?", 1), ("Why do cats bark?", 1), ("How does the sun have eyes?", 1)] * 3
    rows += [("When did the sun have eyes?", 0)] * 9
    (fq / "train.csv").write_text("question,answer,label\n" + "".join(f'"{q}",x,{y}\n' for q, y in rows))
    return root


def test_training_few_steps_writes_a_model_with_its_threshold(tmp_path: Path, tiny_base: Path) -> None:
    import torch

    from kgqa.checks.false_premise import FalsePremiseDetector
    from kgqa.train.false_premise import run

    torch.set_num_threads(1)
    args = TrainArgs(
        task="false-premise",
        output_dir=str(tmp_path / "run"),
        export_dir=str(tmp_path / "export"),
        data_dir=str(_data(tmp_path / "data")),
        init_model=str(tiny_base),
        generated_pairs=0,
        batch_size=8,
        max_steps=4,
        eval_every=2,
        max_eval_samples=0,
        learning_rate=1e-3,
        save_every_minutes=0.0,
        freeze_word_embeddings=False,
        num_threads=1,
        repeat=["falseqa=2"],
    )
    state = run(args)
    assert state["step"] == 4
    meta = json.loads((tmp_path / "export" / "kgqa_model.json").read_text())
    assert meta["task"] == "false-premise" and meta["labels"] == ["true_premise", "false_premise"]
    assert 0 < meta["threshold"] < 1 and meta["threshold"] == meta["best"]["threshold"]
    n_dev = meta["best"]["dev_sizes"]["falseqa_dev"]
    assert n_dev >= 6 and meta["best"]["dev_sizes"]["generated_dev"] == 0
    assert meta["best"]["train_sources"] == {"falseqa": 2 * (38 - n_dev)}  # the rest, twice (--repeat)
    det = FalsePremiseDetector(tmp_path / "export", precision="fp32")
    assert det.threshold == meta["threshold"]
    assert det.score(["Why do cats fly?"]).shape == (1,)
    evals = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines() if '"eval"' in x]
    assert {"threshold", "falseqa_dev", "max_false_alarm"} <= set(evals[-1]["eval"])

    from kgqa.train.card import write_card

    card = write_card(tmp_path / "export").read_text()
    assert card.startswith("# kgqa false-premise detector")
    assert "kgqa train false-premise --output-dir runs/false-premise --export-dir data/models/false_premise" in card
    assert "--generated-pairs 0" in card and "--repeat falseqa=2" in card
    assert "Decision threshold:" in card


def test_repeat_of_an_unknown_source_is_refused(tmp_path: Path, tiny_base: Path) -> None:
    from kgqa.train.false_premise import run

    args = TrainArgs(
        task="false-premise",
        output_dir=str(tmp_path / "run"),
        data_dir=str(_data(tmp_path / "data")),
        init_model=str(tiny_base),
        generated_pairs=0,
        repeat=["wordnet=2"],
    )
    with pytest.raises(ConfigError, match="no source named wordnet"):
        run(args)
