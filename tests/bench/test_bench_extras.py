"""``kgqa bench`` without the ``bench`` extra: one line on stderr naming ``kgqa[bench]``, exit code 2."""

from __future__ import annotations

import sys

import pytest

from kgqa.bench import openqa_suite, qa_suite
from kgqa.cli import main

KNOWN = {"Who wrote Hamlet?": "William Shakespeare"}


def _one_line_naming_the_extra(capsys: pytest.CaptureFixture[str], module: str) -> None:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert module in err and 'pip install "kgqa[bench]"' in err


def test_open_qa_without_rank_bm25(
    tmp_path, fixtures, fake_reader_cls, fake_encoder, fake_index_cls, monkeypatch, capsys
) -> None:
    monkeypatch.setitem(sys.modules, "rank_bm25", None)  # as after `pip install kgqa`
    monkeypatch.setattr(openqa_suite, "load_reader", lambda ns: fake_reader_cls(KNOWN))
    monkeypatch.setattr(openqa_suite, "load_encoder", lambda ns: fake_encoder)
    monkeypatch.setattr(openqa_suite, "build_dense_index", lambda enc, passages: fake_index_cls(enc, passages))
    argv = ["bench", "open-qa", "--data", str(fixtures / "squad_tiny.json"), "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    _one_line_naming_the_extra(capsys, "rank_bm25")


def test_open_qa_without_bm25_needs_no_rank_bm25(
    tmp_path, fixtures, fake_reader_cls, fake_encoder, fake_index_cls, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "rank_bm25", None)
    monkeypatch.setattr(openqa_suite, "load_reader", lambda ns: fake_reader_cls(KNOWN))
    monkeypatch.setattr(openqa_suite, "load_encoder", lambda ns: fake_encoder)
    monkeypatch.setattr(openqa_suite, "build_dense_index", lambda enc, passages: fake_index_cls(enc, passages))
    argv = ["bench", "open-qa", "--data", str(fixtures / "squad_tiny.json"), "--out", str(tmp_path / "o"), "--no-bm25"]
    assert main(argv) == 0


def test_qa_plots_without_matplotlib(tmp_path, fixtures, fake_reader_cls, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setattr(qa_suite, "load_reader", lambda ns: fake_reader_cls(KNOWN))
    argv = ["bench", "qa", "--data", str(fixtures / "squad_tiny.json"), "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    _one_line_naming_the_extra(capsys, "matplotlib")
