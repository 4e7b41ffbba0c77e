"""The fact-sentence thresholds chosen on graph-derived cases (kgqa.train.fact_thresholds)."""

from __future__ import annotations

from kgqa.train.fact_thresholds import choose, generate


def _case(kind, split="train", entailment=0.0, contradiction=0.0):
    return {"kind": kind, "split": split, "entailment": entailment, "contradiction": contradiction}


def test_the_substitution_threshold_bounds_other_relations_and_ignores_the_other_kinds():
    cases = [_case("true", entailment=0.95), _case("unrelated", contradiction=0.1)]
    cases += [_case("substituted_other", entailment=x / 100) for x in range(0, 100, 10)]  # 0.0 ... 0.9
    cases += [_case("substituted_same", entailment=0.97), _case("substituted_same", entailment=0.6)]
    cases += [_case("substituted_same", split="held_out", entailment=0.99)]
    got = choose(cases, precision=0.95, margin=0.02, substitution_fpr=0.1)
    # one of ten other-relation cases (10%) may reach it: the lowest grid value above 0.8
    assert got["fact_substitution_threshold"] == 0.81
    sub = got["train"]["substitution"]
    assert sub["same_relation"] == 2 and sub["same_relation_reached"] == 0.5 and sub["other_relation_reached"] == 0.1
    assert got["held_out"]["substitution"]["same_relation_reached"] == 1.0
    # substitution cases neither count for nor against the entailment threshold's precision
    assert got["fact_entail_threshold"] == 0.5 and got["train"]["supported_precision"] == 1.0


def test_a_stricter_false_positive_rate_raises_the_substitution_threshold():
    cases = [_case("substituted_other", entailment=x / 100) for x in range(0, 100, 10)]
    loose = choose(cases, 0.95, 0.02, substitution_fpr=0.3)["fact_substitution_threshold"]
    strict = choose(cases, 0.95, 0.02, substitution_fpr=0.0)["fact_substitution_threshold"]
    assert loose < strict and strict == 0.91


def test_generated_cases_never_use_the_nli_band(league_kg):
    from kgqa.train.graph_pairs import split_of

    cases = generate(league_kg, seed=13, relations=10, per_relation=60)
    assert cases and {c["split"] for c in cases} <= {"train", "held_out"}
    kinds = {c["kind"] for c in cases}
    # "coach" is single-valued (60 of 60 teams): its facts give substitution cases
    assert {"true", "swapped", "substituted_same"} <= kinds
    for c in cases:
        if c["kind"] == "substituted_same":
            assert "coach" in c["premise"]
    teams = [c for c in cases if c["premise"].startswith("The coach of Team ")]
    assert teams
    for c in teams:
        team = "http://league.example/team" + c["premise"].split("Team ", 1)[1].split(" ", 1)[0]
        assert split_of(team) != "nli"


def test_the_config_defaults_are_the_recorded_choice():
    import json
    from pathlib import Path

    from kgqa.config import PipelineConfig

    record = json.loads((Path(__file__).resolve().parents[2] / "data" / "fact_sentence_thresholds.json").read_text())
    for name in ("fact_entail_threshold", "fact_contradict_threshold", "fact_substitution_threshold"):
        assert getattr(PipelineConfig(), name) == record[name], name
