"""The short-path judge (kgqa.graph.short_paths) and its recipe (kgqa.train.short_paths)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kgqa.errors import ConfigError, InputError
from kgqa.graph.link_model import LinkModel, relation_key
from kgqa.graph.short_paths import SHORT_PATHS_FILE, ShortPathJudge, linking_node

X = "http://x.example/"
NAT = X + "nationality"


@pytest.fixture
def world(tmp_path):
    """Ana (nationality Norland) was born in Port Vell, a city of Norland; Sud is a country nobody is tied to.

    ``hub`` ties Ana and every country: it has more facts than the small caps allow.
    """
    from kgqa.graph.kg import KnowledgeGraph

    lines = [f"<{X}ana> <{NAT}> <{X}norland> .", f"<{X}bo> <{NAT}> <{X}sud> ."]
    lines.append(f"<{X}ana> <{X}bornIn> <{X}portvell> .")
    lines.append(f"<{X}portvell> <{X}country> <{X}estmark> .")
    lines.append(f"<{X}ana> <{X}gender> <{X}hub> .")
    for country in ("norland", "estmark", "sud", "westa"):
        lines.append(f"<{X}{country}> <{X}type> <{X}hub> .")
    for i in range(10):
        lines.append(f"<{X}p{i}> <{X}gender> <{X}hub> .")
    path = tmp_path / "w.nt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return KnowledgeGraph.load([path])


def test_linking_node_finds_the_node_with_fewest_facts_under_the_cap(world):
    found = linking_node(world, X + "ana", X + "estmark", max_degree=5)
    assert found.judged and found.node == X + "portvell" and found.degree == 2
    # only the hub ties Ana to Westa: not under a small cap, but under a cap above its facts
    assert linking_node(world, X + "ana", X + "westa", max_degree=5).node is None
    assert linking_node(world, X + "ana", X + "westa", max_degree=100).node == X + "hub"
    # the claimed value itself is no linking node; a holder with too many facts is not judged
    assert linking_node(world, X + "ana", X + "norland", max_degree=5).node is None
    assert linking_node(world, X + "hub", X + "sud", max_degree=5, max_holder_facts=3).judged is False
    with pytest.raises(ValueError, match="at least 1"):
        linking_node(world, X + "ana", X + "sud", max_degree=0)


def _judge(share: float = 0.3, cap: int = 5) -> ShortPathJudge:
    return ShortPathJudge({NAT: {"rank_share": share, "max_degree": cap, "test": {"false_alarm_rate": 0.04}}})


def test_untied_needs_a_low_rank_and_no_short_path(world):
    judge = _judge()
    got = judge.untied(world, X + "ana", NAT, X + "westa", rank_share=0.6)
    assert got == {"judge": "no_short_path", "max_degree": 5, "rank_share_threshold": 0.3, "held_out_false_alarm": 0.04}
    assert judge.untied(world, X + "ana", NAT, X + "westa", rank_share=0.2) is None  # ranked high enough
    assert judge.untied(world, X + "ana", NAT, X + "estmark", rank_share=0.9) is None  # tied through Port Vell
    assert judge.untied(world, X + "ana", X + "other", X + "westa", rank_share=0.9) is None  # direction not judged


def test_the_judge_file_round_trips_and_bad_files_are_named(tmp_path):
    judge = _judge()
    judge.meta = {"how": "test"}
    judge.save(tmp_path)
    again = ShortPathJudge.load(tmp_path)
    assert again is not None and again.directions == judge.directions and again.meta == {"how": "test"}
    assert ShortPathJudge.load(tmp_path / "nowhere") is None
    (tmp_path / SHORT_PATHS_FILE).write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match="kgqa train short-paths"):
        ShortPathJudge.load(tmp_path)
    (tmp_path / SHORT_PATHS_FILE).write_text(json.dumps({"format": "other", "directions": {}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="is not a"):
        ShortPathJudge.load(tmp_path)
    with pytest.raises(ConfigError, match="max_degree"):
        ShortPathJudge({NAT: {"rank_share": 0.3, "max_degree": 0}})
    with pytest.raises(ConfigError, match="rank_share"):
        ShortPathJudge({NAT: {"rank_share": 1.5, "max_degree": 5}})


def _nat_model(threshold: float) -> LinkModel:
    """Ana's nationality: Norland scores first, then Estmark, Westa, Sud (real parts only)."""
    names = ["ana", "norland", "estmark", "westa", "sud"]
    ent = np.asarray([[1, 0], [4, 0], [3, 0], [2, 0], [1, 0]], dtype=np.float32)
    rel = np.asarray([[1, 0], [1, 0]], dtype=np.float32)
    return LinkModel(
        [X + n for n in names], [NAT, relation_key(NAT, True)], ent, rel, {NAT: [1, 2, 3, 4]}, {NAT: threshold}
    )


def _claim(o: str):
    from kgqa.types import Claim

    return Claim(text="claim", subject=X + "ana", relation=NAT, object=o)


def test_the_checker_asks_the_judge_where_the_model_finds_a_value_plausible(world, tmp_path):
    from kgqa.checks.graph_check import GraphChecker

    model = _nat_model(threshold=0.9)  # the model alone calls nothing implausible here
    assert GraphChecker(world, link_model=model)._check_fact(_claim(X + "westa")).holds is None
    model.short_paths = _judge(share=0.3, cap=5)
    checker = GraphChecker(world, link_model=model)
    wrong = checker._check_fact(_claim(X + "westa"))  # rank share 0.5 (Estmark above it), tied by the hub only
    assert wrong.holds is False and wrong.rule == "implausible_value"
    assert wrong.evidence[0].detail["short_path"]["judge"] == "no_short_path"
    # tied to Ana through her birthplace: a second nationality the graph may lack, not a wrong one
    assert checker._check_fact(_claim(X + "estmark")).holds is None
    # ranked high enough for the judge: not implausible
    model.short_paths = _judge(share=0.6, cap=5)
    assert GraphChecker(world, link_model=model)._check_fact(_claim(X + "westa")).holds is None


def test_a_saved_judge_is_loaded_with_its_link_model(tmp_path):
    _nat_model(0.5).save(tmp_path / "lm")
    assert LinkModel.load(tmp_path / "lm").short_paths is None
    _judge().save(tmp_path / "lm")
    loaded = LinkModel.load(tmp_path / "lm")
    assert loaded.short_paths is not None and NAT in loaded.short_paths.directions


# ---------------------------------------------------------------- choosing on dev


def test_the_rule_is_chosen_within_the_false_alarm_limit():
    from kgqa.train.short_paths import Case, choose_rules, rates

    # true values: ranked high or tied; wrong values: ranked low and untied, some caught by the model alone
    cases = [Case(NAT, True, 0.1 * (i % 5), 0.9, 10, True) for i in range(40)]
    cases += [Case(NAT, True, 0.7, 0.9, None, True)]  # one true value ranked low and untied: a false alarm
    cases += [Case(NAT, False, 0.95, 0.9, None, True) for _ in range(10)]
    cases += [Case(NAT, False, 0.6, 0.9, None, True) for _ in range(20)]
    cases += [Case(NAT, False, 0.6, 0.9, 3, True) for _ in range(10)]  # tied through a small node
    chosen = choose_rules(cases, [0.0, 0.5, 0.8], [5, 50], max_false_alarm=0.05, min_facts=20)
    entry = chosen[NAT]
    assert (entry["rank_share"], entry["max_degree"]) == (0.5, 5)
    assert entry["dev_model_alone"]["catch_rate"] == 0.25 and entry["dev"]["catch_rate"] == 0.75
    assert entry["dev"]["false_alarm_rate"] <= 0.05
    # a limit nothing meets, or too few facts: the direction is left to the model
    assert choose_rules(cases, [0.5], [5], max_false_alarm=0.0, min_facts=20) == {}
    assert choose_rules(cases, [0.5], [5], max_false_alarm=0.05, min_facts=100) == {}
    assert rates(cases, None)["false_alarm_rate"] == 0.0


def test_bad_grids_are_refused():
    from kgqa.train.short_paths import parse_grid

    assert parse_grid("50,25,50", "--degrees", int) == [25, 50]
    assert parse_grid("0.3,0", "--shares", float) == [0.0, 0.3]
    for text, kind in (("", int), ("a,b", int), ("0,5", int), ("1.5", float), ("-0.1", float)):
        with pytest.raises(InputError):
            parse_grid(text, "--x", kind)
