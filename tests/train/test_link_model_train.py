"""Training the link model on a small world (kgqa.train.link_model)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kgqa.errors import InputError
from kgqa.train.link_model import (
    LinkTrainArgs,
    choose_threshold,
    directions,
    eligible_keys,
    graph_triples,
    run,
    split_triples,
)

X = "http://studio.example/"


@pytest.fixture
def studio_world(tmp_path):
    """120 films; a film's director is the one of its studio (learnable); every tenth film has two directors."""
    lines = [f"@prefix x: <{X}> .", "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    lines.append('x:directedBy rdfs:label "directed by" . x:studio rdfs:label "studio" .')
    for i in range(120):
        k = i % 8
        lines.append(f'x:film{i} rdfs:label "Film {i}" ; x:studio x:studio{k} ; x:directedBy x:dir{k} .')
        if i % 10 == 0:
            lines.append(f"x:film{i} x:directedBy x:dir{(k + 1) % 8} .")
    (tmp_path / "g.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "kgqa.json").write_text(json.dumps({"graphs": ["g.ttl"]}), encoding="utf-8")
    return tmp_path


def small_run(world: Path, out: Path, **overrides: Any) -> dict[str, Any]:
    """The flags of a seconds-long training on the studio world (rank 4, 20% dev and test, low floors)."""
    return {
        "world": str(world / "kgqa.json"),
        "output_dir": str(out),
        "rank": 4,
        "dev_share": 0.2,
        "test_share": 0.2,
        "min_candidates": 5,
        "min_dev_facts": 5,
        **overrides,
    }


def test_triples_directions_and_eligibility(studio_world):
    from kgqa.graph.kg import KnowledgeGraph

    kg = KnowledgeGraph.load([studio_world / "g.ttl"], reason=False)
    triples = graph_triples(kg)
    assert all(t[2].startswith(X) for t in triples)  # labels (literals) are left out
    values = directions(triples)
    eligible = eligible_keys(values, min_share=0.8, min_holders=50)
    # forward: 108 of 120 films have one director; inverse: a director has many films
    assert X + "directedBy" in eligible and eligible[X + "directedBy"]["single_share"] == 0.9
    assert "inverse " + X + "directedBy" not in eligible
    assert X + "directedBy" not in eligible_keys(values, min_share=0.95, min_holders=50)
    train, dev, test = split_triples(triples, 0.1, 0.1, seed=1)
    assert len(train) + len(dev) + len(test) == len(triples) and not set(dev) & set(train)
    assert split_triples(triples, 0.1, 0.1, seed=1) == (train, dev, test)
    # with a focus, only those relations' facts are held out
    train, dev, test = split_triples(triples, 0.2, 0.2, seed=1, focus={X + "directedBy"})
    assert dev and test and {t[1] for t in dev + test} == {X + "directedBy"}
    assert all(t in train for t in triples if t[1] == X + "studio")
    with pytest.raises(InputError, match="below 0.5"):
        split_triples(triples, 0.6, 0.1, seed=1)


def test_choose_threshold_allows_at_most_the_stated_share():
    shares = [i / 100 for i in range(100)]  # 0.00 .. 0.99
    t = choose_threshold(shares, 0.05)
    assert sum(s > t for s in shares) <= 5 and sum(s > t - 0.011 for s in shares) > 5
    assert choose_threshold(shares, 0.0) == 0.99
    with pytest.raises(InputError, match="no held-out facts"):
        choose_threshold([], 0.05)


def test_training_learns_the_studio_pattern_and_writes_a_card(studio_world, tmp_path):
    from kgqa.graph.link_model import LinkModel

    out = tmp_path / "lm"
    args = LinkTrainArgs(
        world=str(studio_world / "kgqa.json"),
        output_dir=str(out),
        rank=8,
        batch_size=32,
        epochs=60,
        dev_share=0.2,
        test_share=0.2,
        min_holders=50,
        min_candidates=5,
        min_dev_facts=10,
        max_false_alarm=0.1,
    )
    summary = run(args)
    model = LinkModel.load(out)
    # the forward directions are judged (8 candidate values each >= --min-candidates 5); the inverse ones
    # (a director or studio has many films) are not even eligible
    assert summary["judged"] == 2 and set(model.thresholds) == {X + "directedBy", X + "studio"}
    assert 0.0 <= model.thresholds[X + "directedBy"] <= 1.0
    assert model.eligible(X + "directedBy") and not model.eligible(X + "studio", inverse=True)
    # the studio's director ranks above another director for a film
    share, _ = model.rank_share(X + "film3", X + "directedBy", X + "dir3", [])
    wrong, _ = model.rank_share(X + "film3", X + "directedBy", X + "dir5", [])
    assert share < wrong
    test = model.meta["test"]
    assert test["judged_true_facts"] > 0 and X + "directedBy" in test["per_relation"]
    assert test["catch_rate"] is not None and test["median_true_rank_share"] < test["median_wrong_rank_share"]
    card = (out / "README.md").read_text()
    assert "Thresholds" in card and "| test |" in card and X + "directedBy" in card
    assert (out / "rank_shares.png").stat().st_size > 1000


def test_a_world_without_entity_facts_is_refused(tmp_path):
    (tmp_path / "g.ttl").write_text('<http://a.example/x> <http://www.w3.org/2000/01/rdf-schema#label> "X" .\n')
    (tmp_path / "kgqa.json").write_text(json.dumps({"graphs": ["g.ttl"]}))
    with pytest.raises(InputError, match="entity-to-entity facts"):
        run(LinkTrainArgs(world=str(tmp_path / "kgqa.json"), output_dir=str(tmp_path / "out")))


def test_evaluate_only_re_measures_the_trained_model_and_refuses_another_graph(studio_world, tmp_path):
    import argparse

    from kgqa.graph.link_model import LinkModel
    from kgqa.train.link_model import add_link_model_parser, args_from_namespace

    out = tmp_path / "lm"
    base = small_run(studio_world, out, epochs=5)
    run(LinkTrainArgs(**base))
    before = LinkModel.load(out).entity_vectors.copy()
    parser = argparse.ArgumentParser()
    add_link_model_parser(parser.add_subparsers(dest="task"))
    ns = parser.parse_args(
        [
            "link-model",
            "--world",
            base["world"],
            "--output-dir",
            str(out),
            "--evaluate-only",
            "--rank",
            "4",
            "--dev-share",
            "0.2",
            "--test-share",
            "0.2",
            "--min-candidates",
            "5",
            "--min-dev-facts",
            "5",
            "--max-false-alarm",
            "0.2",
        ]
    )
    args = args_from_namespace(ns)
    assert args.evaluate_only is True and args.max_false_alarm == 0.2
    run(args)
    after = LinkModel.load(out)
    assert (after.entity_vectors == before).all()  # not retrained
    assert after.meta["test"]["judged_true_facts"] > 0
    # the training record keeps the flags the weights were trained with; "selection" has this run's
    assert after.meta["training"]["args"]["max_false_alarm"] == 0.05
    assert after.meta["selection"]["max_false_alarm"] == 0.2
    assert args_from_namespace(parser.parse_args(["link-model", "--world", "w.json"])).evaluate_only is False
    # another graph: refused with the fix named
    (studio_world / "g.ttl").write_text(
        (studio_world / "g.ttl").read_text() + "x:film0 x:studio x:studio99 .\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="another graph"):
        run(LinkTrainArgs(**{**base, "evaluate_only": True}))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("dev_share", 0.7, "below 0.5"),
        ("rank", 0, "--rank must be at least 1"),
        ("max_false_alarm", 1.5, "--max-false-alarm is a share"),
        ("epochs", 0.0, "must be positive"),
        ("checkpoint_minutes", 0.0, "--checkpoint-minutes must be positive"),
    ],
)
def test_flags_out_of_range_are_refused_before_the_graph_is_read(field, value, message):
    from kgqa.train.link_model import check_args

    check_args(LinkTrainArgs(world="w.json"))  # the defaults pass
    with pytest.raises(InputError, match=message):
        run(LinkTrainArgs(world="/nonexistent/kgqa.json", **{field: value}))


def test_resume_goes_on_from_the_checkpoint_and_refuses_nothing_to_resume(studio_world, tmp_path):
    from safetensors.numpy import load_file

    from kgqa.graph.link_model import LinkModel

    out = tmp_path / "lm"
    base = small_run(studio_world, out, batch_size=32, epochs=2)
    with pytest.raises(InputError, match="holds no checkpoint.safetensors"):
        run(LinkTrainArgs(**{**base, "resume": True}))
    run(LinkTrainArgs(**base))
    first = load_file(str(out / "checkpoint.safetensors"))
    steps = int(first["steps"][0])
    assert steps == LinkModel.load(out).meta["training"]["steps"] > 0
    assert first["entities_sum"].shape == first["entities"].shape and first["entities_sum"].max() > 0
    run(LinkTrainArgs(**{**base, "resume": True}))
    model = LinkModel.load(out)
    training = model.meta["training"]
    assert training["resumed_from_step"] == steps and training["steps"] == steps + training["steps_this_run"]
    assert not np.allclose(load_file(str(out / "checkpoint.safetensors"))["entities"], first["entities"])
    assert f"resumed from step {steps}" in (out / "README.md").read_text()
    # negative: a checkpoint of another graph (fewer entities) is refused, and so is --resume with --evaluate-only
    bad = {k: v[:3] if k in ("entities", "entities_sum") else v for k, v in first.items()}
    from safetensors.numpy import save_file

    save_file(bad, str(out / "checkpoint.safetensors"))
    with pytest.raises(InputError, match="another graph"):
        run(LinkTrainArgs(**{**base, "resume": True}))
    with pytest.raises(InputError, match="give one of them"):
        run(LinkTrainArgs(**{**base, "resume": True, "evaluate_only": True}))


def test_the_evaluation_applies_the_checkers_link_guard():
    import numpy as np

    from kgqa.graph.link_model import LinkModel
    from kgqa.train.link_model import evaluate, linked_pairs

    # one relation, holders h0..h3 each with value v0; the model ranks v1 above v0 for every holder
    ents = ["h0", "h1", "h2", "h3", "v0", "v1", "v2"]
    vec = np.zeros((7, 2), dtype=np.float32)
    vec[:4] = [1, 0]
    vec[4:] = [[1, 0], [2, 0], [0, 0]]
    rel = np.asarray([[1, 0], [1, 0]], dtype=np.float32)
    model = LinkModel(ents, ["r", "inverse r"], vec, rel, {"r": [4, 5, 6]}, {"r": 0.4})
    facts = [(f"h{i}", "r", "v0") for i in range(4)]
    values = {"r": {f"h{i}": {"v0"} for i in range(4)}}
    plain = evaluate(model, facts, values, {"r"}, 100, seed=0)
    assert plain["false_alarm_rate"] == 1.0  # v0 ranks below v1: a share of 0.5 > 0.4
    # h0 and h1 are also linked to v0 by another fact: the checker would not refute those
    links = linked_pairs(facts + [("v0", "s", "h0"), ("h1", "q", "v0")])
    guarded = evaluate(model, facts, values, {"r"}, 100, seed=0, links=links)
    assert guarded["false_alarm_rate"] == 0.5 and guarded["linked_guard"] is True
    assert guarded["median_true_rank_share"] == plain["median_true_rank_share"]


def test_a_direction_s_threshold_also_bounds_the_false_alarms_where_the_checker_judges():
    from kgqa.train.link_model import LinkTrainArgs, dev_thresholds

    args = LinkTrainArgs(min_dev_facts=20, min_checker_facts=10, max_false_alarm=0.1)
    # 40 true dev values: over all, 4 (10%) exceed 0.35; the 10 whose holder has other values rank much worse
    everyone = [i / 100 for i in range(36)] + [0.95, 0.96, 0.97, 0.98]
    checker = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.92, 0.95, 0.96, 0.99]
    got = dev_thresholds({"d": everyone}, {"d": checker}, args)
    assert got["d"] == 0.96  # the stricter bound: at most 10% (1 of 10) of the checker's values exceed it
    # negative: too few checker values to choose on, the threshold over all true values stands
    alone = dev_thresholds({"d": everyone}, {"d": checker[:9]}, args)
    assert alone["d"] == 0.35
    # a linked value (-1: never flagged) does not push the bound up
    linked = dev_thresholds({"d": everyone}, {"d": [-1.0] * 9 + [0.99]}, args)
    assert linked["d"] == 0.35
    # too few dev values: the direction stays silent
    assert dev_thresholds({"d": everyone[:19]}, {"d": checker}, args) == {}


def test_directions_with_too_few_dev_facts_share_a_pooled_threshold():
    from kgqa.train.link_thresholds import dev_thresholds, pooled_threshold

    args = LinkTrainArgs(min_dev_facts=20, min_checker_facts=10, max_false_alarm=0.1)
    big = [i / 40 for i in range(40)]
    # two small directions of 10 dev values each: alone neither is judged, together they hold 20
    small_a = [i / 100 for i in range(10)]
    small_b = [0.5 + i / 100 for i in range(8)] + [0.97, 0.99]
    shares = {"big": big, "a": small_a, "b": small_b, "empty": []}
    own = dev_thresholds(shares, {}, args)
    assert set(own) == {"big"}
    pooled = pooled_threshold(shares, {}, args)
    assert pooled is not None and pooled["directions"] == ["a", "b"] and pooled["dev_facts"] == 20
    assert pooled["threshold"] == 0.57  # at most 10% (2 of 20: 0.97 and 0.99) of the pooled true values exceed it
    # negative: --no-pool keeps them silent, and so does a pool under --min-dev-facts
    assert pooled_threshold(shares, {}, LinkTrainArgs(min_dev_facts=20, no_pool=True)) is None
    assert pooled_threshold({"big": big, "a": small_a}, {}, args) is None


def test_a_pooled_threshold_is_also_bounded_where_the_checker_judges():
    from kgqa.train.link_thresholds import pooled_threshold

    args = LinkTrainArgs(min_dev_facts=20, min_checker_facts=10, max_false_alarm=0.1)
    shares = {"a": [i / 100 for i in range(10)], "b": [i / 100 for i in range(10, 20)]}
    checker = {"a": [0.5, 0.6, 0.7, 0.8, 0.9], "b": [0.91, 0.92, 0.93, 0.95, 0.99]}
    got = pooled_threshold(shares, checker, args)
    assert got is not None and got["threshold"] == 0.95 and got["dev_facts_with_other_values"] == 10


def test_short_paths_run_on_the_model_s_own_split_and_write_their_card(studio_world, tmp_path):
    from kgqa.graph.link_model import LinkModel
    from kgqa.train.short_paths import ShortPathArgs
    from kgqa.train.short_paths import run as run_short_paths

    out = tmp_path / "lm"
    run(LinkTrainArgs(**small_run(studio_world, out, epochs=20, min_holders=50, max_false_alarm=0.1)))
    args = ShortPathArgs(world=str(studio_world / "kgqa.json"), link_model_dir=str(out), min_checker_facts=1)
    summary = run_short_paths(args)
    # a film's second director is tied to it by no node of few facts (only through the studio's other films,
    # three steps away), so the judge would flag true values as often as wrong ones: no direction qualifies
    assert summary["directions"] == 0
    assert summary["dev"]["model_alone"] == summary["dev"]["with_short_paths"]
    assert summary["test"]["with_short_paths"]["true_values"] > 0
    loaded = LinkModel.load(out)
    assert loaded.short_paths is not None and loaded.short_paths.directions == {}
    card = (out / "short_paths.md").read_text()
    assert "| dev |" in card and "kgqa train short-paths" in card
    # another world's graph is refused, and so are missing flags
    other = tmp_path / "other"
    other.mkdir()
    (other / "g.ttl").write_text(f"<{X}a> <{X}r> <{X}b> .\n", encoding="utf-8")
    (other / "kgqa.json").write_text(json.dumps({"graphs": ["g.ttl"]}), encoding="utf-8")
    with pytest.raises(InputError, match="another graph"):
        run_short_paths(ShortPathArgs(world=str(other / "kgqa.json"), link_model_dir=str(out)))
    with pytest.raises(InputError, match="--world"):
        run_short_paths(ShortPathArgs(link_model_dir=str(out)))
    with pytest.raises(InputError, match="--max-false-alarm"):
        run_short_paths(
            ShortPathArgs(world=str(studio_world / "kgqa.json"), link_model_dir=str(out), max_false_alarm=2)
        )
