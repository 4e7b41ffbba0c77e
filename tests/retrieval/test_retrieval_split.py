"""Splitting long passages at sentence boundaries (kgqa.retrieval.split) and where it is applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError
from kgqa.retrieval import DenseIndex, Encoder, build_index, split_passage, split_passages
from kgqa.types import Passage

TEXT = (
    "Dr. Watson met J. K. Rowling in London in 1999. They talked for hours about books!\n"
    '"Why?" she asked him. The U.S. edition sold 3.5 million copies in its first week. '
    "It rained all day, and the streets were empty until late. "
    "Nobody noticed."
)


def _words(text: str) -> list[str]:
    return text.split()


def test_a_passage_that_fits_is_returned_unchanged() -> None:
    p = Passage("d", "Paris is the capital of France.", "Paris", ("Paris",))
    assert split_passage(p, 8) == [p]


def test_pieces_are_whole_sentences_in_order_within_the_limit() -> None:
    p = Passage("d", TEXT, "A title", ("Watson",))
    pieces = split_passage(p, 16)
    assert [q.id for q in pieces] == [f"d#{k}" for k in range(1, len(pieces) + 1)] and len(pieces) > 1
    assert all(q.title == "A title" and q.entities == ("Watson",) for q in pieces)
    assert all(len(_words(q.text)) <= 16 for q in pieces)
    # each piece is an exact slice of the original; together, without overlap, they hold every word once
    assert all(q.text in TEXT for q in pieces)
    assert [w for q in pieces for w in _words(q.text)] == _words(TEXT)
    # abbreviations, initials and decimals do not end a sentence
    assert pieces[0].text.startswith("Dr. Watson met J. K. Rowling in London in 1999.")
    assert any("The U.S. edition sold 3.5 million copies" in q.text for q in pieces)
    # nothing is cut inside a sentence that fits
    assert all(q.text.rstrip()[-1] in '.!?"' for q in pieces)


def test_overlap_repeats_the_last_sentences_of_the_previous_piece() -> None:
    pieces = split_passage(Passage("d", TEXT), 20, overlap_words=5)
    plain = split_passage(Passage("d", TEXT), 20)
    assert len(pieces) >= len(plain)
    assert '"Why?" she asked him.' in pieces[0].text and pieces[1].text.startswith('"Why?" she asked him.')
    assert all(len(_words(q.text)) <= 20 for q in pieces)
    # every word of the text is in some piece
    assert set(_words(TEXT)) <= {w for q in pieces for w in _words(q.text)}


def test_a_sentence_longer_than_the_limit_is_cut_at_words() -> None:
    text = " ".join(f"w{i}" for i in range(25)) + ". Short one here."
    pieces = split_passage(Passage("x", text), 10)
    assert [len(_words(q.text)) for q in pieces] == [10, 10, 8]
    assert pieces[-1].text == "w20 w21 w22 w23 w24. Short one here."


@pytest.mark.parametrize(
    ("max_words", "overlap"), [(3, 0), (0, 0), (10, 10), (10, -1), (10.5, 0), (True, 0), (None, 4)]
)
def test_bad_settings_raise_config_error_naming_the_flag(max_words, overlap) -> None:
    with pytest.raises(ConfigError, match="--max-passage-words|--passage-overlap-words"):
        split_passages([Passage("d", TEXT)], max_words, overlap)
    with pytest.raises(ConfigError):
        PipelineConfig(max_passage_words=max_words, passage_overlap_words=overlap)


def test_build_index_splits_long_passages(tmp_path: Path, tiny_encoder: Encoder, write_jsonl) -> None:
    long = " ".join(["paris is the capital of france."] * 6)
    f = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "text": long}, {"id": "b", "text": "rome is in italy."}])
    index = build_index(f, tmp_path / "idx", encoder=tiny_encoder, max_passage_words=12, show_progress=False)
    assert index.store.ids == ["a#1", "a#2", "a#3", "b"]
    assert DenseIndex.load(tmp_path / "idx", tiny_encoder, use_gpu=False).store.ids == index.store.ids
    with pytest.raises(ConfigError):
        build_index(f, tmp_path / "idx2", encoder=tiny_encoder, passage_overlap_words=3, show_progress=False)


def test_cli_index_build_splits_and_rejects_bad_settings(tmp_path: Path, capsys, write_jsonl) -> None:
    from kgqa.cli import main

    f = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "text": TEXT}])
    out = tmp_path / "idx"
    assert main(["index", "build", str(f), "--out", str(out), "--max-passage-words", "16"]) == 0
    capsys.readouterr()
    assert json.loads((out / "meta.json").read_text())["count"] == len(split_passage(Passage("a", TEXT), 16))
    code = main(["index", "build", str(f), "--out", str(tmp_path / "bad"), "--max-passage-words", "3"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "--max-passage-words" in err and "\n" not in err
    assert not (tmp_path / "bad").exists()
