"""The tokenizer pool: one borrower per tokenizer at a time, copies only when every tokenizer is lent out."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kgqa.reader.tokenizer_pool import TokenizerPool

WORDS = ["the", "capital", "of", "norland", "is", "eastholm", "a", "city", "by", "sea"]


@pytest.fixture()
def tokenizer(tmp_path: Path):
    from transformers import BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    return BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"))


def test_one_borrower_at_a_time_gets_the_original(tokenizer) -> None:
    pool = TokenizerPool(tokenizer)
    for _ in range(3):
        with pool.borrow() as tok:
            assert tok is tokenizer
    assert pool.size == 1


def test_a_second_borrower_gets_a_copy_that_tokenizes_the_same(tokenizer) -> None:
    pool = TokenizerPool(tokenizer)
    with pool.borrow() as first, pool.borrow() as second:
        assert first is tokenizer and second is not tokenizer
        text = "the capital of norland is eastholm"
        assert second(text)["input_ids"] == first(text)["input_ids"]
    assert pool.size == 2
    # both are idle again: two borrowers at once need no third copy
    with pool.borrow() as a, pool.borrow() as b:
        assert a is not b
    assert pool.size == 2


def test_copies_are_made_from_a_tokenizer_never_lent_out(tokenizer) -> None:
    pool = TokenizerPool(tokenizer)
    with pool.borrow() as first:
        first.model_max_length = 7  # a borrower changing its tokenizer
        with pool.borrow() as second:
            assert second.model_max_length != 7


def test_threads_calling_with_different_settings_get_the_same_results(tokenizer) -> None:
    pool = TokenizerPool(tokenizer)
    texts = [" ".join(WORDS[i:] + WORDS[:i]) * 8 for i in range(len(WORDS))]

    def call(tok, i: int) -> list[list[int]]:
        # alternate truncation and padding: each call reconfigures the Rust tokenizer
        if i % 2:
            return tok(texts, truncation=True, max_length=16, padding="max_length")["input_ids"]
        return tok(texts, add_special_tokens=False)["input_ids"]

    expected = [call(tokenizer, i) for i in range(2)]
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []
    wrong: list[int] = []

    def worker(i: int) -> None:
        barrier.wait()
        try:
            for round_ in range(50):
                with pool.borrow() as tok:
                    if call(tok, i + round_) != expected[(i + round_) % 2]:
                        wrong.append(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and not wrong
    assert 1 <= pool.size <= 8
