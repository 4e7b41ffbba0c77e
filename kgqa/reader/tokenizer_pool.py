"""Tokenizers shared by calls from several threads: each call borrows one that no other call is using.

A Hugging Face fast tokenizer is one Rust object, and every call may change its truncation
and padding settings; changing them while another thread encodes with it fails with
``RuntimeError: Already borrowed`` (huggingface/tokenizers#537). The tokenizers 0.23.3
installed here did not fail in a stress test, but kgqa accepts older releases, and which
calls reconfigure the tokenizer is an implementation detail of transformers.

Neither transformers nor tokenizers offers a pool, hence these few lines. A pool rather
than one copy per thread (``threading.local``): a server that starts a thread per request
would otherwise copy the tokenizer (about 0.1 s) on every request, while a pool holds as many
tokenizers as calls ever ran at the same time, plus the spare it copies from. One lock
around tokenising and the forward pass, the other choice, was slower in every run on the
2-core CPU, though by no more than its noise (benchmarks/README.md, "Threads").
"""

from __future__ import annotations

import copy
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class TokenizerPool:
    """Lends out ``tokenizer`` or a deep copy of it, one borrower at a time per object.

    Example:
        >>> pool = TokenizerPool({"vocab": ["a", "b"]})
        >>> with pool.borrow() as first, pool.borrow() as second:
        ...     first is pool.tokenizer, second is pool.tokenizer, second == first
        (True, False, True)
        >>> pool.size  # the lender and one copy
        2
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        # copies are made from a tokenizer never lent out: copying one in use could meet the same borrow error
        self._template = copy.deepcopy(tokenizer)
        self._idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._idle.put(tokenizer)
        self._size_lock = threading.Lock()
        self.size = 1

    @contextmanager
    def borrow(self) -> Iterator[Any]:
        """A tokenizer no other borrower holds until the block ends (a new copy when all are lent out)."""
        try:
            tok = self._idle.get_nowait()
        except queue.Empty:
            tok = copy.deepcopy(self._template)
            with self._size_lock:
                self.size += 1
        try:
            yield tok
        finally:
            self._idle.put(tok)


__all__ = ["TokenizerPool"]
