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


def test_a_role_relation_single_valued_on_the_object_side_swaps_its_subject(tmp_path):
    from kgqa.graph.kg import KnowledgeGraph

    # 60 films with one director each; each director made two films (many-valued on the director's side)
    lines = ["@prefix f: <http://films.example/> .", "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    lines.append("<http://films.example/film/director/film> a <http://www.w3.org/2002/07/owl#ObjectProperty> .")
    lines.append('<http://films.example/film/director/film> rdfs:label "film director film" .')
    for i in range(60):
        lines.append(f'f:film{i} rdfs:label "Film {i}" . f:dir{i // 2} rdfs:label "Director {i // 2}" .')
        lines.append(f"f:dir{i // 2} <http://films.example/film/director/film> f:film{i} .")
    path = tmp_path / "films.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kg = KnowledgeGraph.load([path])
    pairs = graph_nli_pairs(kg, limit=10_000, seed=0, relations=5, per_relation=60)
    swaps = [ex for ex in pairs if ex.source == "graph_swap_single_object"]
    assert swaps and all(ex.label == CONTRADICTION for ex in swaps)
    for ex in swaps:
        film = next(w for w in ex.premise.replace(".", " ").split("Film ")[1:2])
        # the same film, another director: "Director 3 is the director of Film 7." / "Film 7 has Director 5 as its director."
        assert f"Film {film.split()[0]}" in ex.hypothesis and "director" in ex.hypothesis
        premise_dir = ex.premise.split("Director ")[1].split()[0]
        assert f"Director {premise_dir} " not in ex.hypothesis + " "
    # negative: the director's side is many-valued, so no object of it is swapped there
    assert not [ex for ex in pairs if ex.source == "graph_swap_single"]


def test_no_object_side_swap_where_the_sentence_does_not_mark_one_holder(pairs):
    # one team per coach too, but "the coach of Team 1 is Mara Holt" names Mara's teams without "the"
    assert not [ex for ex in pairs if ex.source == "graph_swap_single_object"]
