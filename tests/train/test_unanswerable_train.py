"""Training with derived unanswerable questions on a tiny random BERT: negatives are labelled at [CLS],
the null threshold chosen on the carved dev split travels with the model folder, and the Reader reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from kgqa.errors import ModelNotFoundError
from kgqa.reader.modelio import read_meta, update_meta
from kgqa.reader.qa import Reader, no_answer_probability
from kgqa.train.args import TrainArgs
from kgqa.train.data import QAExample

FACTS = [
    ("Lighthouses", "The Granite Point lighthouse was built in 1871 by Mara Quill.", "Who built the lighthouse?"),
    ("Lighthouses", "Its lamp came from a workshop in Verrin that closed in 1902.", "Where did the lamp come from?"),
    ("Rivers", "The Verrin river runs past the old mill at Tolvast.", "What does the Verrin run past?"),
    ("Rivers", "Boats carried grain down the river to the harbour at Quill Bay.", "Where did boats carry grain?"),
    ("Bridges", "The stone bridge at Tolvast was finished in 1890 by masons from Verrin.", "Who finished the bridge?"),
    ("Bridges", "A wooden bridge stood at Quill Bay until a flood in 1911.", "What happened in 1911?"),
]
ANSWERS = [
    "Mara Quill",
    "a workshop in Verrin",
    "the old mill at Tolvast",
    "the harbour at Quill Bay",
    "masons",
    "a flood",
]


def _squad(path: Path) -> Path:
    articles: dict[str, list] = {}
    for i, ((title, ctx, q), a) in enumerate(zip(FACTS, ANSWERS, strict=True)):
        qa = {"id": f"q{i}", "question": q, "answers": [{"text": a, "answer_start": ctx.index(a)}]}
        articles.setdefault(title, []).append({"context": ctx, "qas": [qa]})
    data = {"data": [{"title": t, "paragraphs": ps} for t, ps in articles.items()]}
    path.write_text(json.dumps(data))
    return path


@pytest.fixture(scope="module")
def tiny_qa_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT QA model folder with a word-level vocab over the facts above."""
    import re

    from transformers import BertConfig, BertForQuestionAnswering, BertTokenizerFast

    from kgqa.reader.modelio import save_model_folder

    folder = tmp_path_factory.mktemp("tiny_qa")
    words = sorted({w.lower() for t, c, q in FACTS for w in re.findall(r"\w+|[^\w\s]", f"{t} {c} {q}")})
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n")
    tok = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(words) + 5,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    out = folder / "model"
    save_model_folder(
        BertForQuestionAnswering(config), tok, out, task="qa", dtype="float32", share_word_embeddings=False
    )
    return out


def _args(tmp_path: Path, model: Path, **kw) -> TrainArgs:
    base = dict(
        task="qa",
        output_dir=str(tmp_path / "run"),
        export_dir=str(tmp_path / "export"),
        data_dir=str(_squad(tmp_path / "squad.json").parent),
        train_files=["squad.json"],
        init_model=str(model),
        max_length=64,
        doc_stride=16,
        max_query_length=16,
        batch_size=4,
        max_steps=2,
        eval_every=2,
        max_eval_samples=0,
        learning_rate=1e-3,
        seed=1,
        num_threads=1,
        save_every_minutes=0.0,
        freeze_word_embeddings=False,
        unanswerable_rate=1.0,
        dev_articles=0.34,
        train_layers=1,
    )
    base.update(kw)
    return TrainArgs(**base)


def test_unanswerable_windows_are_labelled_at_cls(tiny_qa_model: Path, tmp_path: Path) -> None:
    from kgqa.reader.modelio import load_model_folder
    from kgqa.train.qa import qa_features

    _, tok = load_model_folder(tiny_qa_model, head="qa")
    ctx = FACTS[0][1]
    answerable = QAExample("a", "Who built it?", ctx, ("Mara Quill",), (ctx.index("Mara Quill"),), "L")
    unanswerable = QAExample("a#na-other_paragraph", "Who built it?", FACTS[2][1], (), (), "L")
    pos, neg = qa_features(tok, [answerable, unanswerable], _args(tmp_path, tiny_qa_model), seed=0)
    assert pos["start_positions"] > 0 and pos["end_positions"] >= pos["start_positions"]
    assert neg["start_positions"] == neg["end_positions"] == 0


def test_threshold_is_chosen_on_dev_and_round_trips(tiny_qa_model: Path, tmp_path: Path) -> None:
    from kgqa.train.qa import run

    args = _args(tmp_path, tiny_qa_model)
    run(args)
    for folder in (tmp_path / "run" / "best", tmp_path / "export"):
        block = read_meta(folder)["no_answer"]
        assert isinstance(block["threshold"], float) and "training articles" in block["chosen_on"]
        assert Reader(folder).no_answer_threshold == pytest.approx(block["threshold"])
    metrics = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    evals = [m["eval"] for m in metrics if "eval" in m]
    assert evals and {"best_f1", "v1_f1", "no_ans_accuracy", "no_answer_ece", "threshold"} <= set(evals[-1])
    best = read_meta(tmp_path / "run" / "best")
    assert best["training_args"]["train_layers"] == 1
    from kgqa.train.card import write_card

    card = write_card(tmp_path / "export").read_text()
    assert "**No-answer threshold:**" in card and "derived unanswerable questions labelled at [CLS]" in card
    assert "--unanswerable-rate 1.0 --unanswerable-kinds all --dev-articles 0.34" in card
    assert "--train-layers 1" in card


def test_reader_threshold_override_and_missing(tiny_qa_model: Path, tmp_path: Path) -> None:
    assert Reader(tiny_qa_model).no_answer_threshold is None  # no threshold stored: never abstains
    assert Reader(tiny_qa_model, no_answer_threshold=1.5).no_answer_threshold == 1.5
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_qa_model, copy)
    update_meta(copy, {"no_answer": {"threshold": -0.75}})
    assert Reader(copy).no_answer_threshold == -0.75
    assert read_meta(copy)["task"] == "qa"  # the rest of the metadata is kept
    with pytest.raises(ModelNotFoundError):
        update_meta(tmp_path / "nowhere", {"no_answer": {"threshold": 0.0}})


def test_no_answer_probability_is_a_sigmoid() -> None:
    assert no_answer_probability(0.0) == pytest.approx(0.5)
    assert no_answer_probability(3.0) == pytest.approx(1 / (1 + 2.718281828459045**-3))
    assert no_answer_probability(-1e6) == pytest.approx(0.0) and no_answer_probability(1e6) == pytest.approx(1.0)
