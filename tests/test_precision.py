"""Precision settings: validation, what ``auto`` picks, and that reduced precision stays close to float32."""

from __future__ import annotations

import pytest
import torch

from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError
from kgqa.precision import autocast, autocast_dtype, cpu_has_native_bf16, dtype_name
from kgqa.train.args import TrainArgs


def test_explicit_settings() -> None:
    assert autocast_dtype("fp32", "cpu") is None
    assert autocast_dtype("no", "cpu") is None
    assert autocast_dtype("bf16", "cpu") is torch.bfloat16
    assert autocast_dtype("fp16", "cpu") is torch.float16
    assert dtype_name(None) == "fp32" and dtype_name(torch.bfloat16) == "bf16"


def test_auto_follows_the_hardware(monkeypatch) -> None:
    import kgqa.precision as precision

    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert autocast_dtype("auto", "cpu") is torch.bfloat16
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert autocast_dtype("auto", "cpu") is None
    assert isinstance(cpu_has_native_bf16(), bool)


@pytest.mark.parametrize("bad", ["half", "", "BF16"])
def test_bad_precision_is_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="precision must be one of"):
        autocast_dtype(bad, "cpu")
    with pytest.raises(ConfigError, match="precision"):
        PipelineConfig(precision=bad)
    with pytest.raises(ConfigError, match="precision"):
        TrainArgs(task="nli", precision=bad)


def test_legacy_fp16_training_argument(tmp_path) -> None:
    path = tmp_path / "args.json"
    path.write_text('{"task": "nli", "fp16": "no"}')
    assert TrainArgs.from_json(path).precision == "fp32"


def test_bf16_autocast_stays_close_to_fp32() -> None:
    torch.manual_seed(0)
    layer = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.GELU(), torch.nn.Linear(64, 3))
    x = torch.randn(8, 64)
    with torch.inference_mode():
        ref = layer(x).softmax(-1)
        with autocast("cpu", torch.bfloat16):
            low = layer(x).float().softmax(-1)
        with autocast("cpu", None):
            same = layer(x).softmax(-1)
    assert torch.equal(ref, same)
    assert float((ref - low).abs().max()) < 0.02


def test_cli_rejects_unknown_precision(capsys) -> None:
    from kgqa.cli import main

    assert main(["ask", "Who wrote Hamlet?", "--precision", "half"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "precision" in err[0]


def test_bench_suites_pass_the_precision_on() -> None:
    import argparse

    from kgqa.bench import nli_suite, openqa_suite, qa_suite

    for suite, loader in ((qa_suite, qa_suite.load_reader), (nli_suite, nli_suite.load_model)):
        p = argparse.ArgumentParser()
        p.add_argument("--limit", type=int)
        suite.add_arguments(p)
        ns = p.parse_args(["--precision", "fp32"])
        assert loader(ns).precision == "fp32"  # models load lazily: nothing is read here
    p = argparse.ArgumentParser()
    openqa_suite.add_arguments(p)
    assert openqa_suite.load_reader(p.parse_args(["--precision", "bf16"])).precision == "bf16"


def test_quantize_int8_keeps_ffn_outputs_and_heads_float() -> None:
    from transformers import BertConfig, BertForQuestionAnswering

    from kgqa.precision import quantize_int8

    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    model = BertForQuestionAnswering(cfg).eval()
    ids = torch.randint(0, 100, (2, 12))
    with torch.inference_mode():
        want = model(input_ids=ids).start_logits
    q = quantize_int8(model)
    kinds = {name: type(m).__module__ for name, m in q.named_modules() if "Linear" in type(m).__name__}
    quantised = {n for n, mod in kinds.items() if "quantized" in mod}
    assert "bert.encoder.layer.0.attention.self.query" in quantised
    assert "bert.encoder.layer.1.intermediate.dense" in quantised
    assert "bert.encoder.layer.0.attention.output.dense" in quantised
    assert "bert.encoder.layer.0.output.dense" not in quantised  # FFN output: outlier activations
    assert "qa_outputs" not in quantised  # the task head
    layer = q.bert.encoder.layer[0].attention.self.query
    assert layer.weight().qscheme() == torch.per_channel_affine  # one scale per output channel
    with torch.inference_mode():
        got = q(input_ids=ids).start_logits
    assert torch.allclose(got, want, atol=0.1)
