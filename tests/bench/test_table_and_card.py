"""The benchmark table and the model-card writer."""

from __future__ import annotations

import json
from pathlib import Path

from kgqa.bench.table import row, table
from kgqa.train.card import write_card


def test_table_rows_show_headline_metrics_and_command(tmp_path: Path) -> None:
    res = {
        "suite": "qa",
        "n": 10,
        "exact_match": 50.0,
        "f1": 61.25,
        "data": {"file": "dev.json"},
        "date": "2026-11-24T10:00:00",
        "command": "kgqa bench qa --out x",
        "args": {"quantize": True},
    }
    line = row(res)
    assert "exact_match=50.0" in line and "f1=61.2" in line and "[int8]" in line and "`kgqa bench qa --out x`" in line
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "results.json").write_text(json.dumps(res))
    assert table(tmp_path).count("\n") == 2


def test_card_lists_training_data_curve_and_results(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    (model / "kgqa_model.json").write_text(
        json.dumps(
            {
                "task": "nli",
                "storage_dtype": "float16",
                "training_args": {"max_length": 128, "learning_rate": 5e-5},
                "best": {"step": 20, "dev": {"accuracy": 0.7}, "train_pairs": 100, "train_sources": {"snli": 100}},
            }
        )
    )
    (model / "training_log.jsonl").write_text(
        json.dumps({"step": 20, "eval": {"accuracy": 0.7}, "primary": 0.7}) + "\n"
    )
    res = tmp_path / "r.json"
    res.write_text(json.dumps({"suite": "nli", "n": 5, "accuracy": 0.6, "data": {"file": "x.jsonl"}, "command": "c"}))
    text = write_card(model, [res], notes=["trained briefly"]).read_text()
    assert "snli 100" in text and "| 20 |" in text and "| x.jsonl | 5 | accuracy | 0.6000 | `c` |" in text
    assert "trained briefly" in text and "kgqa train nli" in text


def test_card_of_a_two_stage_model_gives_both_commands_and_curves(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    stage2 = {"task": "qa", "init_model": "data/models/reader", "max_length": 192, "doc_stride": 64, "max_steps": 30}
    (model / "kgqa_model.json").write_text(
        json.dumps({"task": "qa", "training_args": stage2, "best": {"step": 30, "dev": {"f1": 78.0}}})
    )
    (model / "stage1_training_args.json").write_text(json.dumps({"task": "qa", "init_model": None, "max_steps": 20}))
    (model / "stage1_training_log.jsonl").write_text(json.dumps({"step": 20, "eval": {}, "primary": 70.5}) + "\n")
    (model / "training_log.jsonl").write_text(json.dumps({"step": 30, "eval": {}, "primary": 78.0}) + "\n")
    text = write_card(model).read_text()
    first = "kgqa train qa --output-dir runs/qa-stage1 --export-dir runs/qa-stage1/export --max-steps 20"
    assert first in text
    assert "--init-model runs/qa-stage1/export" in text and "--export-dir data/models/reader" in text
    assert "stage 1" in text and "| 20 |" in text and "| 30 |" in text and "70.5" in text


def test_table_names_the_precision(tmp_path: Path) -> None:
    res = {
        "suite": "nli",
        "n": 3,
        "accuracy": 0.5,
        "data": {"file": "d.jsonl"},
        "models": {"nli": {"precision": "bf16"}},
    }
    assert "d.jsonl [bf16]" in row(res)


def test_card_of_a_three_stage_model_chains_the_commands(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    last = {"task": "nli", "init_model": "data/models/nli", "max_steps": 40}
    (model / "kgqa_model.json").write_text(json.dumps({"task": "nli", "training_args": last, "best": {"step": 40}}))
    (model / "stage1_training_args.json").write_text(json.dumps({"task": "nli", "init_model": None, "max_steps": 10}))
    (model / "stage2_training_args.json").write_text(
        json.dumps({"task": "nli", "init_model": "data/models/nli", "max_steps": 20})
    )
    (model / "stage2_training_log.jsonl").write_text(json.dumps({"step": 20, "eval": {}, "primary": 0.61}) + "\n")
    text = write_card(model).read_text()
    assert "3 stages" in text
    cmds = [line for line in text.splitlines() if line.startswith("kgqa train nli")]
    assert len(cmds) == 3
    assert "--init-model" not in cmds[0] and "--export-dir runs/nli-stage1/export" in cmds[0]
    assert "--init-model runs/nli-stage1/export" in cmds[1] and "--export-dir runs/nli-stage2/export" in cmds[1]
    assert "--init-model runs/nli-stage2/export" in cmds[2] and "--export-dir data/models/nli" in cmds[2]
    assert "Learning curve, stage 2" in text and "0.61" in text


def test_card_command_carries_the_mixture_and_selection_flags(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    args = {"task": "nli", "seed": 23, "dev_split_seed": 42, "repeat": ["rte=2"], "select_last": True, "patience": 10}
    meta = {"task": "nli", "training_args": args, "best": {"step": 9, "selected": "last"}}
    (model / "kgqa_model.json").write_text(json.dumps(meta))
    # an earlier stage written before dev_split_seed existed: its dev carve-out followed --seed
    (model / "stage1_training_args.json").write_text(json.dumps({"task": "nli", "seed": 11, "max_steps": 5}))
    text = write_card(model).read_text()
    cmds = [line for line in text.splitlines() if line.startswith("kgqa train nli")]
    assert "--dev-split-seed 11" in cmds[0]
    assert "--dev-split-seed" not in cmds[1]
    assert "--repeat rte=2" in cmds[1] and "--select-last" in cmds[1] and "--patience 10" in cmds[1]
    assert "Shipped checkpoint:** step 9, the end of the schedule" in text


def test_card_of_an_exported_checkpoint_gives_the_export_command(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    meta = {
        "task": "qa",
        "training_args": {"task": "qa", "max_steps": 9},
        "best": {"step": 7, "selected": "checkpoint"},
    }
    (model / "kgqa_model.json").write_text(json.dumps(meta))
    text = write_card(model).read_text()
    assert "step 7, where the run stopped" in text
    assert "kgqa train export runs/qa --out data/models/reader" in text


def test_card_gives_the_export_command_of_an_earlier_stage_shipped_from_its_checkpoint(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    last = {"task": "qa", "init_model": "data/models/reader", "max_steps": 30, "select_last": True}
    meta = {"task": "qa", "training_args": last, "best": {"step": 30, "selected": "last"}}
    (model / "kgqa_model.json").write_text(json.dumps(meta))
    for k in (1, 2):
        (model / f"stage{k}_training_args.json").write_text(json.dumps({"task": "qa", "max_steps": 10 * k}))
    # stage 2 was stopped by early stopping and its stopped checkpoint exported; stage 1 kept no metadata
    stage2 = {"task": "qa", "best": {"step": 16, "selected": "checkpoint"}}
    (model / "stage2_kgqa_model.json").write_text(json.dumps(stage2))
    lines = write_card(model).read_text().splitlines()
    exports = [line for line in lines if line.startswith("kgqa train export")]
    assert exports == [
        "kgqa train export runs/qa-stage2 --out runs/qa-stage2/export  # the weights where the run stopped"
    ]
    i = lines.index(exports[0])
    assert "--export-dir runs/qa-stage2/export" in lines[i - 1]  # right after the stage-2 command
    assert "--init-model runs/qa-stage2/export" in lines[i + 1] and "--select-last" in lines[i + 1]


def test_card_names_the_model_the_first_stage_started_from(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    last = {"task": "nli", "init_model": "runs/x/export", "max_steps": 40}
    (model / "kgqa_model.json").write_text(json.dumps({"task": "nli", "training_args": last, "best": {"step": 40}}))
    (model / "stage1_training_args.json").write_text(
        json.dumps({"task": "nli", "init_model": "data/models/reader", "max_steps": 10})
    )
    text = write_card(model).read_text()
    assert "**Starts from:** `data/models/reader`" in text
    cmds = [line for line in text.splitlines() if line.startswith("kgqa train nli")]
    assert "--init-model data/models/reader" in cmds[0]
    # a model trained from the base model in one stage names no starting model
    (model / "stage1_training_args.json").unlink()
    (model / "kgqa_model.json").write_text(
        json.dumps({"task": "nli", "training_args": {"task": "nli", "init_model": None}, "best": {"step": 40}})
    )
    assert "Starts from" not in write_card(model).read_text()


def test_card_command_carries_unrelated_pairs(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    args = {"task": "nli", "init_model": None, "max_steps": 40, "unrelated_pairs": 4000}
    (model / "kgqa_model.json").write_text(json.dumps({"task": "nli", "training_args": args, "best": {"step": 40}}))
    cmd = next(line for line in write_card(model).read_text().splitlines() if line.startswith("kgqa train nli"))
    assert "--unrelated-pairs 4000" in cmd


def test_card_of_an_averaged_model_gives_the_average_command(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    (model / "stage1_training_args.json").write_text(
        json.dumps({"task": "qa", "init_model": None, "max_steps": 20, "export_dir": "runs/a/export"})
    )
    stage2 = {"task": "qa", "init_model": "runs/a/export", "max_steps": 30, "export_dir": "runs/b/export/"}
    members = [
        {"model": "runs/a/export", "weight": 0.5, "step": 20, "dev": {"f1": 70.0}},
        {"model": "runs/b/export", "weight": 0.5, "step": 30, "dev": {"f1": 71.5}},
    ]
    (model / "kgqa_model.json").write_text(
        json.dumps({"task": "qa", "training_args": stage2, "best": {"step": 30}, "averaged_from": members})
    )
    text = write_card(model).read_text()
    assert "kgqa train average runs/qa-stage1/export runs/qa-stage2/export --out data/models/reader" in text
    # the last stage exports to its own folder, not over the shipped model
    assert "--output-dir runs/qa-stage2 --export-dir runs/qa-stage2/export" in text
    assert "the weight average of 2 model folders" in text and "dev 71.50" in text
    members[1]["weight"], members[0]["weight"] = 0.75, 0.25
    (model / "kgqa_model.json").write_text(
        json.dumps({"task": "qa", "training_args": stage2, "best": {"step": 30}, "averaged_from": members})
    )
    assert "--weights 0.25 0.75" in write_card(model).read_text()
