"""Training pairs for the relation matcher: generic templates over a graph, question sets, the dev split."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kgqa.errors import DataNotFoundError, InputError
from kgqa.train.relation_data import (
    TEMPLATES,
    Example,
    graph_examples,
    read_graph,
    simplequestions_pool,
    split,
)
from kgqa.train.relation_matcher import choose_threshold

GRAPH = """
@prefix ex:   <http://example.org/g/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
ex:{a} a owl:ObjectProperty ; rdfs:label "{a_label}" ; skos:altLabel "{a_alt}" ; rdfs:comment "{a_desc}" .
ex:{b} a owl:DatatypeProperty .
"""


def _graph(tmp_path: Path, name: str, a: str, a_label: str, a_alt: str, b: str, n: int = 12) -> Path:
    text = GRAPH.format(a=a, a_label=a_label, a_alt=a_alt, a_desc=f"the {a_label} of a thing", b=b)
    for i in range(n):
        text += f'ex:e{i} rdfs:label "Entity {i}" ; ex:{a} ex:o{i} ; ex:{b} "{1900 + i}" .\n'
        text += f'ex:o{i} rdfs:label "Object {i}" .\n'
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_templates_are_generic() -> None:
    for kind, direction, template in TEMPLATES:
        assert kind in ("question", "claim") and direction in ("fwd", "inv")
        slots = set(re.findall(r"\{(\w+)\}", template))
        assert slots <= {"rel", "subj", "obj"} and "rel" in slots
        assert ("subj" in slots) if direction == "fwd" else ("obj" in slots)


def test_graph_examples(tmp_path: Path) -> None:
    path = _graph(tmp_path, "g.ttl", "headOf", "head of", "leads", "foundedYear")
    pool, examples = graph_examples([path], per_property=10, per_fact=2, seed=1)
    a, b = "http://example.org/g/headOf", "http://example.org/g/foundedYear"
    assert pool.relations[a] == ["head of", "leads", "the head of of a thing"]
    assert pool.relations[b] == ["founded year"]  # no label: the IRI's phrase
    assert {e.relation for e in examples} == {a, b}
    for e in examples:
        assert e.text.count("[") == 1 and e.text.count("]") == 1
        names = pool.names[e.relation]
        assert any(n.lower() in e.text.lower() for n in names), e.text  # the wording comes from the graph
        marked = re.search(r"\[(.+?)\]", e.text).group(1)
        # a literal (a year) is never the marked mention
        assert not marked.isdigit()
    assert sum(e.relation == a for e in examples) == 20  # 10 facts x 2 templates
    # hard negatives: the other property of the same subject
    assert all(e.negatives == [b] for e in examples if e.relation == a)


def test_relation_wording_follows_the_graph(tmp_path: Path) -> None:
    """The same templates over a graph with other labels give other wordings: nothing is written per relation."""
    one = graph_examples([_graph(tmp_path, "1.ttl", "r", "wrote", "author of", "y")], 5, 1, seed=3)[1]
    two = graph_examples([_graph(tmp_path, "2.ttl", "r", "painted", "painter of", "y")], 5, 1, seed=3)[1]
    texts_one = " ".join(e.text for e in one if e.relation.endswith("/r"))
    texts_two = " ".join(e.text for e in two if e.relation.endswith("/r"))
    assert "painted" not in texts_one and "painter" not in texts_one
    assert "wrote" not in texts_two and "author" not in texts_two


def test_read_graph_reservoir(tmp_path: Path) -> None:
    path = _graph(tmp_path, "g.ttl", "headOf", "head of", "leads", "foundedYear", n=30)
    _pool, facts, labels, subject_props = read_graph([path], per_property=7, seed=2)
    assert len(facts["http://example.org/g/headOf"]) == 7
    assert labels["http://example.org/g/e3"] == "Entity 3"
    assert subject_props["http://example.org/g/e3"] == {
        "http://example.org/g/headOf",
        "http://example.org/g/foundedYear",
    }


def test_missing_graph(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="--graphs"):
        graph_examples([tmp_path / "absent.nt"])
    with pytest.raises(InputError):
        graph_examples([tmp_path / "absent.nt"], per_property=0)


def test_split_is_disjoint(tmp_path: Path) -> None:
    examples = [
        Example(f"q {i} [{i % 17}]", f"p{i % 11}", "pool", [f"e{i % 17}", f"o{i % 13}"], [f"p{(i + 1) % 11}"])
        for i in range(400)
    ]
    train, dev, held = split(examples, dev_share=0.2, seed=5)
    assert train and dev and held
    assert len(train) + len(dev) == len(examples)
    assert not {e.relation for e in train} & held
    dev_only = {x for e in dev for x in e.entities} - {x for e in train for x in e.entities}
    assert dev_only  # some entities are seen in dev only
    assert all(n not in held for e in train for n in e.negatives)
    assert split(examples, dev_share=0.2, seed=5)[2] == held  # seeded
    with pytest.raises(InputError):
        split(examples, dev_share=1.5)


def test_simplequestions_pool(tmp_path: Path) -> None:
    rows = tmp_path / "sq.txt"
    rows.write_text(
        "Q1\tP19\tQ2\twhere was ada quill born\n"
        "Q2\tR19\tQ1\twho was born in lorton\n"
        "Q1\tP999\tQ3\twhat is unknown about ada quill\n"
        "bad row\n",
        encoding="utf-8",
    )
    props = tmp_path / "props.json"
    props.write_text(json.dumps({"P19": {"label": "place of birth", "description": "where born"}, "P5": {}}))
    ents = tmp_path / "ents.json"
    ents.write_text(json.dumps({"/m/1": {"wikidata_id": "Q1", "label": "Ada Quill", "alternatives": []}}))
    pool, examples = simplequestions_pool(rows, props, ents)
    assert pool.relations == {"P19": ["place of birth", "where born"]}
    assert [e.relation for e in examples] == ["P19", "P19"]
    assert examples[0].text == "where was [ada quill] born"
    assert examples[1].text == "who was born in lorton"  # no label known for Q2: unmarked
    with pytest.raises(DataNotFoundError):
        simplequestions_pool(tmp_path / "absent.txt", props)
    with pytest.raises(DataNotFoundError):
        simplequestions_pool(rows, tmp_path / "absent.json")


def test_choose_threshold() -> None:
    result = choose_threshold([0.9, 0.8, 0.7, 0.4, 0.3], [True, True, True, False, False])
    assert 0.4 < result["threshold"] <= 0.7
    assert result["precision"] == 1.0 and result["coverage"] == 0.6
    assert choose_threshold([], [])["coverage"] == 0.0


def test_metaqa_path_pairs_are_directed_on_request() -> None:
    from kgqa.graph.relation_paths import INVERSE_PREFIX
    from kgqa.train.relation_data import metaqa_path_pool

    kb = Path(__file__).resolve().parents[1] / "bench" / "fixtures" / "metaqa"
    files = sorted(kb.glob("*-hop/dev.txt"))
    _, plain = metaqa_path_pool(kb, files, 100, 13)
    _, directed = metaqa_path_pool(kb, files, 100, 13, directed=True)
    by_text = {e.text: e.relation for e in directed}
    assert {e.text for e in plain} == set(by_text)
    # "the movies directed by [Dev Marsh]" walks directed_by backward, then release_year forward
    two_step = next(t for t in by_text if "Dev Marsh" in t)
    assert by_text[two_step] == f"{INVERSE_PREFIX}directed by ; release year"
    assert {e.text: e.relation for e in plain}[two_step] == "directed by ; release year"
    # twin: a one-step pair keeps its plain text
    one_step = next(t for t in by_text if "lighthouse" in t)
    assert by_text[one_step] == "has tags"


def test_path_negatives_put_the_target_s_confusers_first() -> None:
    import random

    from kgqa.train.relation_data import path_negatives

    target = "written by ; inverse written by ; directed by"
    confusers = ["directed by ; inverse written by", "written by ; inverse directed by", "directed by"]
    unrelated = [f"has tags ; in language {i}" for i in range(20)]
    negs = path_negatives(target, unrelated + confusers, random.Random(3))
    assert len(negs) == 8 and len(set(negs)) == 8 and target not in negs
    assert set(negs[:3]) == set(confusers)  # every confuser is in, ahead of the random ones
    assert set(negs[3:]) <= set(unrelated)
    # negative: with no path sharing a relation name, all are drawn at random (and seeded)
    plain = path_negatives(target, unrelated, random.Random(3))
    assert set(plain) <= set(unrelated) and plain == path_negatives(target, unrelated, random.Random(3))
    assert path_negatives(target, [], random.Random(3)) == []


def test_metaqa_path_negatives_reach_longer_paths_on_request() -> None:
    from kgqa.graph.relation_paths import MAX_HOPS, STEP_SEPARATOR
    from kgqa.train.relation_data import metaqa_path_pool

    kb = Path(__file__).resolve().parents[1] / "bench" / "fixtures" / "metaqa"
    files = sorted(kb.glob("*-hop/dev.txt"))
    _, plain = metaqa_path_pool(kb, files, 100, 13, directed=True)
    _, longer = metaqa_path_pool(kb, files, 100, 13, directed=True, negative_hops=MAX_HOPS)
    # the readings (targets) do not change: only the negatives do
    assert sorted((e.text, e.relation) for e in plain) == sorted((e.text, e.relation) for e in longer)

    def steps(text: str) -> int:
        return text.count(STEP_SEPARATOR) + 1

    for e in plain:  # negative: without the option no negative is longer than the question's own path
        assert all(steps(n) <= steps(e.relation) for n in e.negatives)
    one_step = [e for e in longer if steps(e.relation) == 1]
    assert one_step and any(steps(n) > 1 for e in one_step for n in e.negatives)
    assert all(steps(n) <= MAX_HOPS for e in longer for n in e.negatives)
    with pytest.raises(InputError):
        metaqa_path_pool(kb, files, 100, 13, negative_hops=-1)
