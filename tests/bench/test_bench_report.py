"""results.json / results.md, provenance helpers, the CLI registry and the peers plumbing."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import textwrap

import pytest

from kgqa.bench import cli, peers, report
from kgqa.bench.common import seeded_sample


def test_file_sha256(tmp_path):
    f = tmp_path / "x.txt"
    f.write_bytes(b"kgqa\n" * 1000)
    assert report.file_sha256(f) == hashlib.sha256(b"kgqa\n" * 1000).hexdigest()
    info = report.data_info(f, split="all")
    assert info["file"] == "x.txt" and info["split"] == "all" and len(info["sha256"]) == 64


def test_hardware_and_metadata_keys():
    hw = report.hardware()
    assert {"cpu", "cores", "torch_threads", "gpu"} <= set(hw)
    meta = report.run_metadata("nli", {"limit": 5, "fn": print})
    assert {"suite", "kgqa_version", "hardware", "software", "date", "command"} <= set(meta)
    assert meta["args"] == {"limit": 5}  # callables dropped


def test_write_results_schema_and_markdown(tmp_path):
    results = {
        **report.run_metadata("demo"),
        "n": 3,
        "data": {"file": "d.jsonl", "sha256": "ab" * 32},
        "models": {"nli": {"path": "m", "trained_on": {"snli": 10}}},
        "accuracy": 0.5,
        "ece": float("nan"),
        "labels": ["a", "b"],
        "confusion_matrix": [[1, 0], [1, 1]],
        "per_label": {"a": {"precision": 0.5, "recall": 1.0}},
        "plots": ["x.png"],
    }
    json_path, md_path = report.write_results(tmp_path, results)
    loaded = json.loads(json_path.read_text())  # strict JSON: NaN written as null
    assert loaded["ece"] is None
    for key in report.REQUIRED_KEYS:
        assert key in loaded
    md = md_path.read_text()
    assert "| accuracy | 0.5 |" in md
    assert "| a | 0.5 | 1 |" in md  # per-label table
    assert "| gold \\ pred | a | b |" in md
    assert "snli (10)" in md and "![x](x.png)" in md


def test_model_info_reads_the_model_card(tmp_path):
    card = {
        "task": "nli",
        "base_model": "base",
        "training_args": {"train_files": []},
        "best": {"step": 3, "dev": {"accuracy": 0.8}, "train_sources": {"snli": 5, "rte": 2}},
    }
    (tmp_path / "kgqa_model.json").write_text(json.dumps(card))
    info = report.model_info(tmp_path, quantized=True)
    assert info["trained_on"] == {"snli": 5, "rte": 2}
    assert info["dev_metrics"] == {"accuracy": 0.8} and info["quantized"] is True
    assert report.model_info(None) == {"path": "None"}


def test_seeded_sample_is_reproducible_and_ordered():
    items = list(range(100))
    a = seeded_sample(items, 10, seed=0)
    assert a == seeded_sample(items, 10, seed=0) == sorted(a)
    assert a != seeded_sample(items, 10, seed=1)
    assert seeded_sample(items, None) == items and seeded_sample(items, 500) == items


def test_registry_accepts_new_suites(tmp_path, monkeypatch):
    def add(p):
        p.add_argument("--data")

    def run(ns, out):
        return {"n": 1, "score": 0.25, "data": {"file": ns.data}, "models": {}, "plots": []}

    monkeypatch.setitem(cli.SUITES, "toy", cli.Suite("a toy suite", add, run))
    assert cli.main(["toy", "--data", "t.txt", "--out", str(tmp_path)]) == 0
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["suite"] == "toy" and res["score"] == 0.25 and res["limit"] is None


def test_cli_rejects_bad_limit(tmp_path, capsys):
    assert cli.main(["qa", "--limit", "0", "--out", str(tmp_path)]) == 2
    assert "--limit" in capsys.readouterr().err


def test_run_peers_exchanges_json(tmp_path, monkeypatch):
    runner = tmp_path / "runner.py"
    runner.write_text(
        textwrap.dedent("""
        import json, sys
        cfg = json.load(open(sys.argv[1]))
        json.dump({"echo": len(cfg["questions"]), "errors": {}}, open(sys.argv[2], "w"))
    """)
    )
    monkeypatch.setattr(peers, "RUNNER", runner)
    out = peers.run_peers(sys.executable, {"questions": [1, 2, 3], "threads": 1}, tmp_path)
    assert out == {"echo": 3, "errors": {}}
    runner.write_text("import sys; sys.exit('boom')\n")
    with pytest.raises(peers.PeersRunError, match="boom"):
        peers.run_peers(sys.executable, {"threads": 1}, tmp_path)


def test_export_plain_round_trip(tmp_path):
    """A kgqa model folder (fp16, shared word embeddings) exports to a plain fp32 folder with the same outputs."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from kgqa.paths import base_model_dir
    from kgqa.reader.modelio import load_model_folder, save_model_folder

    try:
        tok = transformers.AutoTokenizer.from_pretrained(str(base_model_dir()), local_files_only=True)
    except Exception as exc:  # the base package is a dependency, but keep the test honest if it is absent
        pytest.skip(f"base tokenizer unavailable: {exc}")
    config = transformers.BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=3,
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config).eval()
    save_model_folder(model, tok, tmp_path / "kgqa", task="nli", dtype="float16", share_word_embeddings=False)
    plain = peers.export_plain(tmp_path / "kgqa", "nli", tmp_path / "plain")
    reloaded = transformers.AutoModelForSequenceClassification.from_pretrained(str(plain)).eval()
    ours, _ = load_model_folder(tmp_path / "kgqa", head="nli")
    batch = tok(["A man sleeps."], ["A person rests."], return_tensors="pt")
    with torch.inference_mode():
        assert torch.allclose(ours(**batch).logits, reloaded(**batch).logits, atol=1e-6)
    assert reloaded.config.id2label[0] == "entailment"
    assert reloaded.dtype == torch.float32


def test_module_entry_point_help(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    assert "nli" in capsys.readouterr().out


def test_suite_namespaces_have_common_options():
    parser = argparse.ArgumentParser()
    cli.add_bench_parser(parser.add_subparsers(dest="command"))
    for suite in ("nli", "qa", "open-qa", "speed"):
        ns = parser.parse_args(["bench", suite])
        assert ns.bench_suite == suite and ns.seed == 0 and ns.limit is None
    assert parser.parse_args(["bench", "qa", "--quantize", "--stride", "64"]).stride == 64
