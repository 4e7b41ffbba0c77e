"""Graph-derived NLI pairs and the subject split shared with the fact-sentence thresholds and the benchmark."""

from __future__ import annotations

from collections import Counter

import pytest

from kgqa.train.graph_pairs import CONTRADICTION, ENTAILMENT, NEUTRAL, band, graph_nli_pairs, split_of

X = "http://league.example/"


def test_band_is_a_stable_seeded_split():
    assert band(X + "team0") == band(X + "team0")
    assert band(X + "team0", seed=1) != band(X + "team0")
    parts = Counter(split_of(f"{X}team{i}") for i in range(3000))
    # bands [0, 0.3), [0.3, 0.65), [0.65, 1)
    assert abs(parts["held_out"] / 3000 - 0.3) < 0.04
    assert abs(parts["thresholds"] / 3000 - 0.35) < 0.04
    assert abs(parts["nli"] / 3000 - 0.35) < 0.04


@pytest.fixture(scope="module")
def pairs(league_kg):
    return graph_nli_pairs(league_kg, limit=10_000, seed=0, relations=50, per_relation=60)


def test_pairs_come_from_nli_band_subjects_only(pairs, league_kg):
    assert pairs
    # every "coach"/"member" fact sentence names its subject; no held-out or thresholds team appears as a premise subject
    for i in range(60):
        team, club = f"Team {i}", f"Club {i}"
        named = [ex for ex in pairs if ex.premise.startswith((f"The coach of {team} ", f"{team}'s coach"))]
        if split_of(f"{X}team{i}") != "nli":
            assert not named, team
        named = [ex for ex in pairs if f"member of {club}." in ex.premise or ex.premise.startswith(f"{club} has")]
        if split_of(f"{X}club{i}") != "nli":
            assert not named, club


def test_swaps_contradict_only_on_a_single_valued_relation(pairs):
    kinds = Counter(ex.source for ex in pairs)
    assert kinds["graph_swap_single"] and kinds["graph_paraphrase"]
    for ex in pairs:
        if ex.source == "graph_swap_single":
            # one coach per team (60 of 60 teams): another coach contradicts; three members per club do not
            assert ex.label == CONTRADICTION and "coach" in ex.premise and "coach" in ex.hypothesis
            assert "member" not in ex.premise
        if ex.source in ("graph_paraphrase", "graph_alias", "graph_in_context"):
            assert ex.label == ENTAILMENT
        if ex.source == "graph_unrelated":
            assert ex.label == NEUTRAL


def test_a_paraphrase_states_the_same_fact(pairs):
    para = [ex for ex in pairs if ex.source == "graph_paraphrase" and "coach" in ex.premise]
    assert para
    for ex in para:
        assert ex.premise != ex.hypothesis
        # the same two names on both sides
        names = [w for w in ("Team", "Mara", "Ivo", "Lena", "Tomas", "Rhea", "Coach Nr") if w in ex.premise]
        assert all(w in ex.hypothesis for w in names)


def test_the_limit_keeps_each_kind_within_its_quota(league_kg):
    from kgqa.train.graph_pairs import QUOTAS

    few = graph_nli_pairs(league_kg, limit=40, seed=0, relations=50, per_relation=60)
    assert len(few) == 40
    kinds = Counter(ex.source for ex in few)
    # the rarest kind gets at least its share (and what kinds without pairs, here aliases, leave over)
    assert kinds["graph_swap_single"] >= int(40 * QUOTAS["graph_swap_single"])
    assert "graph_alias" not in kinds and kinds["graph_paraphrase"] >= int(40 * QUOTAS["graph_paraphrase"])
    assert set(kinds) <= set(QUOTAS)
