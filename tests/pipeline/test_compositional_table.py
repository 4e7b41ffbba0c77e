"""The shape table of issue 14 item 4 on the shipped world: compositional questions and claims with their results.

Each row is ``(shape, kind, text, expected)``:

- ``kind == "check"``: ``Pipeline.check(text).status`` is ``expected``;
- ``kind == "ask"``: ``Pipeline.ask(text).answer`` is ``expected`` ("yes"/"no" for yes/no questions,
  ``None`` when the graph cannot answer without guessing), or contains it when ``expected`` starts
  with ``"~"``; ``"verdict:X"`` checks the verdict instead, ``"verdict:!X"`` that it is not X.

Every shape has a positive row and a negative one (the same shape with another entity or relation,
and another correct result). The expected results are facts of ``graphs/*.ttl``. No true statement
of the table may come back ``contradicted``.

``PENDING_OTHER_HELPERS`` holds rows for shapes built in other modules (presuppositions in
appositives and relative clauses, "Didn't ...?" questions, nested relations in questions) that did
not pass when the table was written; they are not run. Move a row into ``ROWS`` once it passes.
"""

from __future__ import annotations

from collections import Counter

import pytest

Row = tuple[str, str, str, str | None]

ROWS: list[Row] = [
    # nested relations inside a claim (subject or object)
    ("nested_claim", "check", "The author of Hamlet was born in Stratford-upon-Avon.", "supported"),
    ("nested_claim", "check", "The author of Hamlet was born in London.", "contradicted"),
    ("nested_claim", "check", "The author of Oliver Twist was born in Portsmouth.", "supported"),
    ("nested_claim", "check", "The author of Pride and Prejudice died in Winchester.", "supported"),
    ("nested_claim", "check", "Charles Dickens was born in the capital of France.", "contradicted"),
    ("nested_claim", "check", "The author of France was born in London.", "unknown"),
    # conjunctions, each conjunct checked; names holding "and" are one entity
    ("conjunction", "check", "Charles Dickens wrote Oliver Twist and Great Expectations.", "supported"),
    ("conjunction", "check", "Charles Dickens wrote Oliver Twist and Emma.", "contradicted"),
    ("conjunction", "check", "Charles Dickens and Jane Austen were born in England.", "supported"),
    ("conjunction", "check", "Charles Dickens and Jane Austen wrote Emma.", "contradicted"),
    ("conjunction", "check", "William Shakespeare wrote Romeo and Juliet and Macbeth.", "supported"),
    ("name_with_and", "check", "Jane Austen wrote Pride and Prejudice.", "supported"),
    ("name_with_and", "check", "Christopher Marlowe wrote Romeo and Juliet.", "contradicted"),
    # negation scoped to what it negates
    ("negation_scope", "check", "Charles Dickens, not Jane Austen, wrote Pride and Prejudice.", "contradicted"),
    ("negation_scope", "check", "Jane Austen, not Charles Dickens, wrote Pride and Prejudice.", "supported"),
    ("negation_scope", "check", "Jane Austen wrote Emma, not Charles Dickens.", "supported"),
    ("negation_scope", "check", "Charles Dickens wrote Emma, not Oliver Twist.", "contradicted"),
    # full dates with month and day
    ("full_date", "check", "William Shakespeare was born on 23 April 1564.", "supported"),
    ("full_date", "check", "William Shakespeare was born on 24 May 1564.", "contradicted"),
    ("full_date", "check", "Christopher Marlowe was born on 26 February 1564.", "unknown"),
    ("full_date", "check", "Christopher Marlowe was born on 26 February 1565.", "contradicted"),
    ("full_date", "check", "Charles Dickens was born on February 7, 1812.", "supported"),
    # how many: a count of the graph's distinct values
    ("how_many", "ask", "How many plays did William Shakespeare write?", "9"),
    ("how_many", "ask", "How many plays did Christopher Marlowe write?", "3"),
    ("how_many", "ask", "How many novels did Jane Austen write?", "6"),
    ("how_many", "ask", "How many moons does Jupiter have?", "4"),
    # comparatives over numbers and dates the graph holds
    ("comparative", "ask", "Who was born first, Charles Dickens or Jane Austen?", "Jane Austen"),
    ("comparative", "ask", "Who was born first, Leo Tolstoy or Charles Dickens?", "Charles Dickens"),
    ("comparative", "ask", "Who was born first, William Shakespeare or Christopher Marlowe?", None),
    ("comparative", "ask", "Which is bigger, Jupiter or Saturn?", "Jupiter"),
    ("comparative", "ask", "Which has a larger population, France or Germany?", "Germany"),
    ("comparative", "ask", "Is Jupiter larger than Saturn?", "yes"),
    ("comparative", "ask", "Is Mars larger than Earth?", "no"),
    ("comparative", "ask", "Is Paris larger than Lyon?", None),
    ("comparative", "ask", "Was Charles Dickens born before Jane Austen?", "no"),
    ("comparative", "ask", "Was Jane Austen born before Charles Dickens?", "yes"),
    ("comparative", "check", "Germany has a larger population than France.", "supported"),
    ("comparative", "check", "France has a larger population than Germany.", "contradicted"),
    # superlatives
    ("superlative", "ask", "Which is the largest planet?", "Jupiter"),
    ("superlative", "ask", "Which is the smallest planet?", "Mercury"),
    ("superlative", "ask", "Which is the largest city in France?", None),
    # shapes built in kgqa/answering.py and kgqa/checks/presuppositions.py (nested questions, "Didn't ...?",
    # presuppositions in appositives and relative clauses)
    ("nested_question", "ask", "Where was the author of Hamlet born?", "Stratford-upon-Avon"),
    ("nested_question", "ask", "Where was the author of Oliver Twist born?", "Portsmouth"),
    ("negative_question", "ask", "Didn't Charles Dickens write Oliver Twist?", "yes"),
    ("negative_question", "ask", "Didn't Charles Dickens write Emma?", "no"),
    ("appositive", "ask", "What language is spoken in Paris, the capital of France?", "verdict:!premise_rejected"),
    ("appositive", "ask", "What language is spoken in Lyon, the capital of France?", "verdict:premise_rejected"),
    ("appositive", "ask", "When did Charles Dickens, the author of Oliver Twist, die?", "verdict:!premise_rejected"),
    ("appositive", "ask", "When did Charles Dickens, the author of Emma, die?", "verdict:premise_rejected"),
    (
        "relative_clause",
        "ask",
        "Did Charles Dickens visit Stratford-upon-Avon, where William Shakespeare was born?",
        "verdict:!premise_rejected",
    ),
    (
        "relative_clause",
        "ask",
        "Did Charles Dickens visit London, where William Shakespeare was born?",
        "verdict:premise_rejected",
    ),
]

#: rows of shapes built by other modules that did not pass yet: NOT run (the lead enables them). Empty:
#: the appositive, relative-clause, "Didn't ...?" and nested-question rows pass and are in ``ROWS``.
PENDING_OTHER_HELPERS: list[Row] = []


def outcome(pipe, kind: str, text: str, expected: str | None) -> tuple[object, bool]:
    """What the pipeline gives for a row, and whether it is the expected result."""
    if kind == "check":
        status = pipe.check(text).status
        return status, status == expected
    answer = pipe.ask(text)
    if expected is not None and expected.startswith("verdict:"):
        want = expected.split(":", 1)[1]
        ok = answer.verdict != want[1:] if want.startswith("!") else answer.verdict == want
        return answer.verdict, ok
    if expected is None:
        return answer.answer, answer.answer is None
    if expected.startswith("~"):
        return answer.answer, expected[1:].lower() in (answer.answer or "").lower()
    return answer.answer, answer.answer == expected


def test_the_table_covers_every_shape_with_positive_and_negative_rows() -> None:
    rows = ROWS + PENDING_OTHER_HELPERS
    assert len(rows) >= 40
    shapes = Counter(shape for shape, *_ in rows)
    for shape in shapes:
        results = {str(expected) for s, _k, _t, expected in rows if s == shape}
        assert len(results) >= 2, f"shape {shape} has no row with another result"
    assert {
        "nested_claim",
        "nested_question",
        "conjunction",
        "name_with_and",
        "negation_scope",
        "negative_question",
        "full_date",
        "how_many",
        "comparative",
        "superlative",
        "appositive",
        "relative_clause",
    } <= set(shapes)
    assert len({t for _s, _k, t, _e in rows}) == len(rows), "a row is repeated"


@pytest.mark.parametrize(("shape", "kind", "text", "expected"), ROWS, ids=[r[2] for r in ROWS])
def test_shape_table_on_the_shipped_world(pipe, shape: str, kind: str, text: str, expected: str | None) -> None:
    got, ok = outcome(pipe, kind, text, expected)
    assert ok, f"{shape}: {text!r} gave {got!r}, expected {expected!r}"


def test_how_many_says_the_count_is_a_lower_bound(pipe) -> None:
    answer = pipe.ask("How many plays did William Shakespeare write?")
    numeric = answer.trace.get("graph").outputs["numeric"]
    assert numeric["explanation"].startswith("at least 9 according to the graph")
    assert len(numeric["facts"]) == 9 and "Hamlet" in numeric["counted"]
    assert answer.verdict == "answered"


def test_a_withheld_comparison_says_which_value_is_missing(pipe) -> None:
    answer = pipe.ask("Which is the largest city in France?")
    numeric = answer.trace.get("graph").outputs["numeric"]
    assert answer.answer is None and "no number or date" in numeric["explanation"]
