"""``kgqa bench single-valued``: the single-valued refutation's exposure to true facts a graph lacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgqa.bench import cli
from kgqa.bench.single_valued_suite import read_triples, single_valued_risk
from kgqa.errors import InputError


def _tsv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path.write_text("".join(f"{h}\t{r}\t{t}\n" for h, r, t in rows), encoding="utf-8")
    return path


# 60 lands with one capital each (single-valued on both sides); 60 people speaking the same two languages
KNOWN = [(f"land{i}", "capital", f"city{i}") for i in range(60)] + [
    (f"person{i}", "speaks", lang) for i in range(60) for lang in ("tongueA", "tongueB")
]
HELD_OUT = [
    ("land0", "capital", "city99"),  # a second, true capital of land0: the rule would refute it
    ("land77", "capital", "city77"),  # a land the graph does not know: nothing to refute with
    ("person0", "speaks", "tongueC"),  # a many-valued relation: never refuted
]


def test_a_true_second_value_of_a_holder_with_one_known_value_is_counted_as_a_false_refutation() -> None:
    found = single_valued_risk(KNOWN, HELD_OUT, [0.9, 1.0], min_holders=50)
    # both sides of the two capital facts qualify (4); "speaks" qualifies on neither side
    assert [(c["qualifying"], c["false_refutations"]) for c in found["curve"]] == [(4, 1), (4, 1)]
    assert found["curve"][0]["false_refutation_rate"] == pytest.approx(0.25)
    assert found["per_side"]["capital (subject side)"] == {"share": 1.0, "held_out": 2, "false_refutations": 1}
    # negative: with too few holders for the data to call a relation single-valued, nothing qualifies
    few = single_valued_risk(KNOWN, HELD_OUT, [0.9], min_holders=61)
    assert few["curve"][0]["qualifying"] == 0 and few["curve"][0]["false_refutations"] == 0


def test_the_chosen_share_keeps_the_false_refutation_target(tmp_path: Path) -> None:
    known, held = _tsv(tmp_path / "known.tsv", KNOWN), _tsv(tmp_path / "held.tsv", HELD_OUT)
    argv = ["single-valued", "--known", str(known), "--held-out", str(held), "--shares", "0.9,1.0"]
    assert cli.main([*argv, "--max-false", "0.3", "--out", str(tmp_path / "a")]) == 0
    res = json.loads((tmp_path / "a" / "results.json").read_text())
    assert res["chosen_share"] == 0.9 and res["at_configured"]["false_refutations"] == 1
    assert (tmp_path / "a" / "single_valued.png").read_bytes()[:4] == b"\x89PNG"
    # negative: a target below the measured rate chooses nothing
    assert cli.main([*argv, "--max-false", "0.2", "--out", str(tmp_path / "b")]) == 0
    assert json.loads((tmp_path / "b" / "results.json").read_text())["chosen_share"] is None


def test_bad_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("land0\tcapital\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected head<TAB>relation<TAB>tail"):
        read_triples(bad)
    known = _tsv(tmp_path / "known.tsv", KNOWN)
    argv = ["single-valued", "--known", str(known), "--held-out", str(known), "--out", str(tmp_path / "o")]
    assert cli.main([*argv, "--shares", "0.9,lots"]) == 2
    assert cli.main([*argv, "--shares", "1.5"]) == 2
    assert "--shares" in capsys.readouterr().err


def test_verified_false_facts_give_the_share_the_rule_catches(tmp_path: Path) -> None:
    negatives = [
        ("land1", "capital", "city5"),  # land1's one capital is city1: refuted
        ("land2", "capital", "city2"),  # the known fact itself: not refuted
        ("person1", "speaks", "tongueC"),  # a many-valued relation: never refuted
        ("land88", "capital", "city88"),  # nothing known about either: not refuted
    ]
    found = single_valued_risk(KNOWN, HELD_OUT, [0.9, 1.0], min_holders=50, negatives=negatives)
    assert [c["negatives_refuted"] for c in found["curve"]] == [1, 1]
    assert found["curve"][0]["negatives_refuted_rate"] == pytest.approx(0.25)
    # negative: without negatives the rows carry no such count
    assert "negatives_refuted" not in single_valued_risk(KNOWN, HELD_OUT, [0.9], min_holders=50)["curve"][0]
    known, held = _tsv(tmp_path / "known.tsv", KNOWN), _tsv(tmp_path / "held.tsv", HELD_OUT)
    neg = _tsv(tmp_path / "neg.tsv", negatives)
    argv = ["single-valued", "--known", str(known), "--held-out", str(held), "--negatives", str(neg)]
    assert cli.main([*argv, "--shares", "0.9,1.0", "--out", str(tmp_path / "n")]) == 0
    res = json.loads((tmp_path / "n" / "results.json").read_text())
    assert res["at_configured"]["negatives_refuted_rate"] == pytest.approx(0.25)
    assert res["data"]["n_negatives"] == 4
    # a negatives file that does not exist is a clear error
    assert cli.main([*argv[:-1], str(tmp_path / "missing.tsv"), "--out", str(tmp_path / "m")]) == 2


def test_the_two_sided_rule_fires_only_where_both_ends_hold_another_single_value() -> None:
    held = [
        ("land0", "capital", "city1"),  # land0 has city0, and city1 is land1's: both ends tied elsewhere
        ("land0", "capital", "city99"),  # city99 is the capital of nothing known: open world, not refuted
        ("land77", "capital", "city3"),  # land77 holds nothing known: not refuted
        ("person0", "speaks", "tongueC"),  # a many-valued relation: does not qualify
    ]
    found = single_valued_risk(KNOWN, held, [0.9, 1.0], min_holders=50)
    assert [(c["qualifying"], c["false_refutations"]) for c in found["two_sided"]] == [(3, 1), (3, 1)]
    assert found["two_sided"][0]["qualifying_rate"] == pytest.approx(0.75)
    # negative: a relation side with too few holders makes the rule qualify nowhere
    few = single_valued_risk(KNOWN, held, [0.9], min_holders=61)
    assert few["two_sided"][0]["qualifying"] == 0
    negatives = [("land2", "capital", "city3"), ("land4", "capital", "city4")]  # a swap; the known fact itself
    caught = single_valued_risk(KNOWN, held, [0.9], min_holders=50, negatives=negatives)
    assert caught["two_sided"][0]["negatives_refuted"] == 1
