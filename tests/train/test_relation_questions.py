"""Relation-matcher pairs from ToG-format question sets read on a graph (toy graph, toy rows)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgqa.errors import GraphError, InputError
from kgqa.train.relation_data import Pool, graph_examples
from kgqa.train.relation_matcher import RelationTrainArgs, _pools, add_relations_parser, args_from_namespace
from kgqa.train.relation_questions import SOURCE, card_text, open_graph, tog_examples

EX = "http://example.org/q/"

GRAPH = f"""
@prefix ex:   <{EX}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
ex:bornIn a owl:ObjectProperty ; rdfs:label "place of birth" .
ex:livedIn a owl:ObjectProperty ; rdfs:label "places lived" .
ex:directed a owl:ObjectProperty ; rdfs:label "directed by" .
ex:m.ann rdfs:label "Ann Sample" ; ex:bornIn ex:m.oslo ; ex:livedIn ex:m.rome .
ex:m.oslo rdfs:label "Oslo" .
ex:m.rome rdfs:label "Rome" .
ex:m.film rdfs:label "Blue Door" ; ex:directed ex:m.ann .
ex:m.ben rdfs:label "Ben Other" ; ex:bornIn ex:m.rome ; ex:livedIn ex:m.rome .
"""


def entity(mid: str) -> str:
    return EX + mid


@pytest.fixture()
def graph(tmp_path: Path) -> Path:
    path = tmp_path / "toy.ttl"
    path.write_text(GRAPH, encoding="utf-8")
    return path


def _rows(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "questions.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def _pool(graph: Path) -> dict[str, Pool]:
    pool, _ = graph_examples([graph], per_property=5, per_fact=1)
    return {pool.name: pool}


def test_a_one_edge_question_is_paired_with_its_property(tmp_path: Path, graph: Path) -> None:
    rows = [
        {"question": "Where was Ann Sample born?", "answer": "Oslo", "topic_entity": {"m.ann": "Ann Sample"}},
        # backward edge: the film's director is Ann
        {"question": "who directed blue door?", "answers": ["Ann Sample"], "topic_entity": {"m.film": "Blue Door"}},
    ]
    pools = _pool(graph)
    added, examples = tog_examples([_rows(tmp_path, rows)], open_graph(graph), pools, entity)
    assert [(e.text, e.relation) for e in examples] == [
        ("Where was [Ann Sample] born?", EX + "bornIn"),
        ("who directed [blue door]?", EX + "directed"),
    ]
    first = examples[0]
    assert first.source == SOURCE and first.pool in added and first.pool != next(iter(pools))
    assert added[first.pool].relations is next(iter(pools.values())).relations  # ranked against the same texts
    assert first.negatives == [EX + "directed", EX + "livedIn"]  # the topic's other properties, both directions
    assert first.entities == [EX + "m.ann"]  # held out for dev by topic only


def test_ambiguous_unreachable_and_test_derived_questions_are_skipped(tmp_path: Path, graph: Path) -> None:
    rows = [
        # Rome is both Ben's birthplace and where he lived: two properties, no label guessed
        {"question": "Where is Ben Other from?", "answer": "Rome", "topic_entity": {"m.ben": "Ben Other"}},
        # two edges away
        {"question": "Where was the director of Blue Door born?", "answer": "Oslo", "topic_entity": {"m.film": "B"}},
        # built from a test question: never read
        {
            "question": "Where was Ann Sample born?",
            "answer": "Oslo",
            "topic_entity": {"m.ann": "Ann Sample"},
            "webqsp_ID": "WebQTest-1",
        },
        # the topic's name is not in the text: nothing to mark
        {"question": "Where was she born?", "answer": "Oslo", "topic_entity": {"m.ann": "Ann Sample"}},
    ]
    _added, examples = tog_examples([_rows(tmp_path, rows)], open_graph(graph), _pool(graph), entity)
    assert examples == []


def test_a_training_origin_question_is_a_second_text(tmp_path: Path, graph: Path) -> None:
    rows = [
        {
            "question": "Where was the person who lived in Rome, Ann Sample, born?",
            "answer": "Oslo",
            "topic_entity": {"m.ann": "Ann Sample"},
            "webqsp_ID": "WebQTrn-5",
            "webqsp_question": "where was ann sample born",
        }
    ]
    _added, examples = tog_examples([_rows(tmp_path, rows)], open_graph(graph), _pool(graph), entity)
    assert [e.text for e in examples] == [
        "Where was the person who lived in Rome, [Ann Sample], born?",
        "where was [ann sample] born",
    ]
    assert {e.relation for e in examples} == {EX + "bornIn"}


def test_refusals(tmp_path: Path, graph: Path) -> None:
    kg = open_graph(graph)
    with pytest.raises(InputError, match="--tog FILE"):
        tog_examples([], kg, _pool(graph), entity)
    with pytest.raises(InputError, match="--graphs"):
        tog_examples([_rows(tmp_path, [])], kg, {}, entity)
    with pytest.raises(InputError, match="does not exist"):
        tog_examples([tmp_path / "missing.json"], kg, _pool(graph), entity)
    with pytest.raises(GraphError):
        open_graph(tmp_path / "missing.ttl")
    with pytest.raises(GraphError):
        open_graph(tmp_path)  # a folder that is not a graph store


def test_the_trainer_joins_the_pairs_and_the_card_says_so(tmp_path: Path, graph: Path) -> None:
    rows = [{"question": "Where was Ann Sample born?", "answer": "Oslo", "topic_entity": {"m.ann": "Ann Sample"}}]
    data = _rows(tmp_path, rows)
    with pytest.raises(InputError, match="--tog-graph"):
        _pools(RelationTrainArgs(graphs=[str(graph)], tog=[str(data)]))
    import argparse

    sub = argparse.ArgumentParser().add_subparsers()
    add_relations_parser(sub)
    ns = sub.choices["relations"].parse_args(
        ["--graphs", str(graph), "--tog", str(data), "--tog-graph", str(graph), "--tog-repeat", "3"]
    )
    args = args_from_namespace(ns)
    assert args.tog == [str(data)] and args.tog_graph == str(graph) and args.tog_repeat == 3
    assert "ToG question files" in card_text({"tog": [str(data)], "tog_graph": str(graph)})
    assert card_text({"tog": []}) == ""


def test_placing_the_tog_pairs_repeats_them_and_a_final_fit_trains_on_the_dev_ones() -> None:
    from kgqa.train.relation_data import Example
    from kgqa.train.relation_questions import place_tog_pairs

    def ex(text: str, source: str, negatives: list[str]) -> Example:
        return Example(text, EX + "bornIn", "pool", [EX + "m.ann"], negatives, source)

    train = [ex("where was [Ann] born?", SOURCE, [EX + "livedIn"]), ex("[Ann] born in Oslo", "template", [])]
    dev = [ex("where was [Ben] born?", SOURCE, [EX + "livedIn", EX + "directed"]), ex("[Ben] born in", "template", [])]
    held = {EX + "directed"}
    kept_train, kept_dev = place_tog_pairs(train, dev, held, repeat=3)
    assert [e.text for e in kept_train].count("where was [Ann] born?") == 3 and kept_dev == dev
    final_train, final_dev = place_tog_pairs(train, dev, held, repeat=2, train_all=True)
    moved = [e for e in final_train if e.text == "where was [Ben] born?"]
    # moved and repeated like any ToG training pair, without the held-out property among its negatives
    assert len(moved) == 2 and all(e.negatives == [EX + "livedIn"] for e in moved)
    # negative: only ToG pairs move; the template dev pair stays on dev, and no ToG pair is left there
    assert [e.text for e in final_dev] == ["[Ben] born in"]
    with pytest.raises(InputError, match="--tog-repeat"):
        place_tog_pairs(train, dev, held, repeat=0)
    assert "final fit" in card_text({"tog": ["q.json"], "tog_graph": "g.ttl", "tog_train_all": True})
