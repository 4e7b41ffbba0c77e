"""What the fuzz tests share: the case budget, the strategies and the check that an outcome is acceptable.

The budget is split between the tests by weight. The default run (``pytest``) draws a few hundred
cases in all, the same ones every time (derandomised); ``pytest -m fuzz`` (or ``KGQA_FUZZ_EXAMPLES=N``)
draws 10,000 (or N) random ones. Every generated input must end in a correct result or a typed
:class:`~kgqa.errors.KGQAError`; anything else fails the test with the input that caused it.
"""

from __future__ import annotations

import json
import os
import string
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from kgqa.errors import KGQAError

#: cases in all when fuzzing was not asked for
DEFAULT_TOTAL = 300
#: cases in all under ``-m fuzz``
FUZZ_TOTAL = 10_000
#: seconds one input may take (hypothesis reports a slower one as a failure)
DEADLINE_S = 30

#: each test's share of the budget
WEIGHTS: dict[str, int] = {
    "ask": 14,
    "ask_long": 2,
    "check": 8,
    "ask_batch": 6,
    "limits": 2,
    "shipped": 2,
    "cli": 14,
    "cli_graph": 6,
    "config_json": 10,
    "config_bytes": 4,
    "pipeline_load": 4,
    "passages": 10,
    "rdf": 12,
    "index": 6,
}


def total_cases() -> int:
    """Cases in all: ``KGQA_FUZZ_EXAMPLES`` (set to 10,000 by ``-m fuzz``), else :data:`DEFAULT_TOTAL`."""
    value = os.environ.get("KGQA_FUZZ_EXAMPLES", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_TOTAL


def fuzzing() -> bool:
    """Whether a full fuzz run was asked for (random cases rather than the fixed default ones)."""
    return total_cases() != DEFAULT_TOTAL


def budget(name: str) -> settings:
    """Hypothesis settings for the test ``name``: its share of the cases and the per-input deadline."""
    share = total_cases() * WEIGHTS[name] / sum(WEIGHTS.values())
    return settings(
        max_examples=max(1, round(share)),
        deadline=DEADLINE_S * 1000,
        derandomize=not fuzzing(),
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


def expect_typed(call: Any, *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)``, or ``None`` when it raised a :class:`KGQAError` with a useful message.

    Any other exception propagates and fails the test.
    """
    try:
        return call(*args, **kwargs)
    except KGQAError as exc:
        message = str(exc)
        assert message.strip(), f"{type(exc).__name__} without a message"
        assert "Traceback" not in message
        return None


# -- strategies -----------------------------------------------------------------------------------

WORDS = (
    "who what when where why how did does is was were not never Ada Finch Jon Reed The Glass Orchard steam loom "
    "Norland Eastholm Port Vell Borea Great Flood famine write wrote born died invent invented capital of in the a "
    "caused because before after 1850 1702 44 BC AD novelist city writer , . ? ! ' \""
).split()

#: any Unicode, control characters and lone surrogates included
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
#: text made of the mini world's words, so that parsing and linking get exercised
wordy_text = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)
ascii_junk = st.text(string.printable, max_size=200)
texts = st.one_of(any_text, wordy_text, ascii_junk, st.sampled_from(["", " ", "\x00", "?", "\u200b", "\ud800"]))

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    any_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)),
    max_leaves=12,
)
#: wrong types for an argument: everything a caller might pass by mistake
wrong_types = st.one_of(json_values, st.just(object()), st.binary(max_size=20), st.tuples(texts))


def as_json_line(value: Any) -> str:
    """``value`` as one JSON line, the way a careless writer of a passages file might produce it."""
    return json.dumps(value, ensure_ascii=False, allow_nan=True).replace("\n", " ")


def mutate(data: bytes, draw: Any) -> bytes:
    """A truncated, bit-flipped, spliced or re-encoded copy of ``data`` (one operation, drawn)."""
    op = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "encode", "repeat"]))
    if not data:
        return draw(st.binary(max_size=64))
    i = draw(st.integers(0, len(data) - 1))
    if op == "truncate":
        return data[:i]
    if op == "flip":
        return data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    if op == "insert":
        junk = draw(st.one_of(st.binary(min_size=1, max_size=16), st.sampled_from([b"\xff", b"\xc3", b"\x00", b'"'])))
        return data[:i] + junk + data[i:]
    if op == "delete":
        j = draw(st.integers(i, min(len(data), i + 64)))
        return data[:i] + data[j:]
    if op == "encode":
        codec = draw(st.sampled_from(["utf-16", "latin-1", "cp1252", "utf-32"]))
        return data.decode("utf-8", "replace").encode(codec, "replace")
    return data[:i] + data[i:] * draw(st.integers(2, 5))
