"""The MetaQA suite on a tiny hand-written movie KB (tests/bench/fixtures/metaqa): questions asked through the
linker and graph_answer that Pipeline.ask uses, brackets removed and the hop count not given."""

from __future__ import annotations

import argparse
import json
import re
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from kgqa.bench import cli, kgqa_suite
from kgqa.bench.metaqa_kb import (
    ENTITY_NS,
    RELATION_NS,
    cached_ntriples,
    hops_of,
    in_benchmark_split,
    load_kb_graph,
    parse_question_line,
    read_id_names,
    read_kb,
    read_questions,
)
from kgqa.errors import InputError

#: the stand-in model's synonyms: what a trained model learns from the path pairs
SAME = {"director": "directed", "act": "starred", "acted": "starred", "years": "year", "languages": "language"}
SAME |= {"about": "tags"}
#: words the stand-in ignores
STOP = frozenset("in by of the a what who which did was were are is have".split())


class BagOfWords:
    """A stand-in relation model: cosine of hashed bags of words (the suite's plumbing is tested, not the model)."""

    threshold = 0.2
    model_dir = "bag-of-words"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 512), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                if word in STOP:
                    continue
                out[i, zlib.crc32(SAME.get(word, word).encode()) % 512] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def rank(self, kg: object, marked_text: str, top_k: int = 5) -> list[tuple[str, float]]:
        return []


@pytest.fixture
def metaqa(fixtures):
    return fixtures / "metaqa"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KGQA_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def stand_in(monkeypatch):
    import kgqa.graph.relation_model as rm

    monkeypatch.setattr(rm, "relation_model", lambda setting, device=None: BagOfWords())


@pytest.fixture
def runner(metaqa, cache, stand_in):
    return kgqa_suite.MetaQARunner(load_kb_graph(metaqa))


def suite_args(metaqa: Path, **overrides: Any) -> argparse.Namespace:
    """The suite's parsed options over the fixture KB, with ``overrides``."""
    base = dict(
        kb=str(metaqa),
        questions=None,
        split="benchmark",
        limit=None,
        seed=0,
        cache_dir=None,
        relation_model="default",
        hop_margin=0.04,
        path_threshold=None,
        choose_on_train=None,
    )
    return argparse.Namespace(**{**base, **overrides})


def test_parse_question_line():
    q = parse_question_line("what films did [Ben Rook] act in\tMoon Harbor|Star Orchard\n")
    assert q.text == "what films did Ben Rook act in"
    assert q.entity == "Ben Rook" and q.text[q.start : q.end] == "Ben Rook"
    assert q.answers == ("Moon Harbor", "Star Orchard")
    for bad in ("no tab [X]", "no entity\tY", "[X] no answer\t"):
        with pytest.raises(InputError):
            parse_question_line(bad, "f:1")


def test_read_questions_and_kb(metaqa):
    qs = read_questions(metaqa / "1-hop" / "dev.txt")
    assert len(qs) == 5 and qs[0].line == 1 and qs[0].entity == "Moon Harbor"
    kb = read_kb(metaqa)
    assert len(kb.triples) == 18
    assert kb.entities["13"] == "lighthouse" and kb.relations["6"] == "has genre"


def test_read_id_names_keeps_unicode_separators_and_repairs_a_slipped_id(tmp_path):
    # newline='' reading: U+2028 and \x85 are not line breaks in these files
    path = tmp_path / "names.txt"
    path.write_bytes("0\tA\u2028B\n1\tC\x85D\n1\tE\n".encode())
    names = read_id_names(path)
    # line 2 (0-based) repeats id 1 where id 2 is missing: read as id 2
    assert names == {"0": "A\u2028B", "1": "C\x85D", "2": "E"}


def test_hops_of_and_the_benchmark_split():
    assert hops_of("x/2-hop/dev.txt") == 2 and hops_of("x/dev.txt") == 1
    # the split is by topic entity, the same for every call and every case
    assert in_benchmark_split("Tom Hanks") == in_benchmark_split("tom hanks")
    share = sum(in_benchmark_split(f"entity {i}") for i in range(2000)) / 2000
    assert 0.25 < share < 0.35


def test_rdf_conversion_adds_no_wording_class_or_inverse(metaqa, cache):
    path = cached_ntriples(metaqa)
    assert path.is_relative_to(cache) and path.suffix == ".nt"
    assert cached_ntriples(metaqa) == path  # second call: the cached file
    g = rdflib.Graph().parse(path, format="nt")
    directed = rdflib.URIRef(RELATION_NS + "directed_by")
    assert (directed, RDFS.label, rdflib.Literal("directed by")) in g
    assert set(g.objects(directed, None)) == {rdflib.Literal("directed by"), OWL.ObjectProperty}
    assert not list(g.triples((None, OWL.inverseOf, None)))
    assert (rdflib.URIRef(ENTITY_NS + "0"), directed, rdflib.URIRef(ENTITY_NS + "1")) in g
    assert (rdflib.URIRef(ENTITY_NS + "12"), RDFS.label, rdflib.Literal("Echo Lantern")) in g
    assert set(g.objects(None, RDF.type)) == {OWL.ObjectProperty, OWL.NamedIndividual}


@pytest.mark.parametrize(
    ("line", "hops"),
    [
        ("who directed [Moon Harbor]\tAda Quill", 1),
        ("what films did [Ben Rook] act in\tMoon Harbor|Star Orchard", 1),
        ("which movies are about [lighthouse]\tMoon Harbor", 1),
        ("who starred in the films written by [Ada Quill]\tBen Rook|Cara Vale", 2),
        ("what were the release years of the movies directed by [Dev Marsh]\t2004", 2),
    ],
)
def test_questions_are_linked_and_answered_without_brackets_or_hop_count(runner, line, hops):
    q = parse_question_line(line)
    ans, mentions = runner.ask(q.text)
    assert any(m.text == q.entity for m in mentions)  # the linker found the entity in the plain question
    assert ans is not None and ans.texts[0] in q.answers
    assert ans.path is not None and ans.path["chosen"]["hops"] == hops
    assert ans.path["chosen"]["entity_label"] == q.entity


def test_a_different_relation_gives_a_different_answer(runner):
    directed, _ = runner.ask("who directed Moon Harbor")
    starred, _ = runner.ask("who starred in Moon Harbor")
    assert directed.texts == ["Ada Quill"]
    assert set(starred.texts) == {"Ben Rook", "Cara Vale"}


def test_suite_end_to_end(tmp_path, metaqa, cache, stand_in, monkeypatch):
    monkeypatch.setitem(cli.SUITES, "kgqa", cli.Suite(kgqa_suite.HELP, kgqa_suite.add_arguments, kgqa_suite.run))
    out = tmp_path / "out"
    argv = ["kgqa", "--kb", str(metaqa), "--split", "all"]
    argv += ["--questions", str(metaqa / "1-hop" / "dev.txt"), "--questions", str(metaqa / "2-hop" / "dev.txt")]
    assert cli.main([*argv, "--out", str(out)]) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["suite"] == "kgqa" and res["n"] == 9 and res["split"] == "all"
    assert set(res["per_file"]) == {"1-hop", "2-hop"}
    one, two = res["per_file"]["1-hop"], res["per_file"]["2-hop"]
    assert one["entity_link_rate"] == 1.0 and two["entity_link_rate"] == 1.0
    assert one["hits_at_1"] == 1.0 and set(one["hops_chosen"]) == {"1"}
    # "which movies have the same director of [Echo Lantern]": the bag of words cannot tell one step from two
    assert two["hits_at_1"] == pytest.approx(0.75)
    assert res["hits_at_1_1_hop"] == 1.0 and res["hits_at_1"] == pytest.approx(8 / 9)
    assert len(res["data"]["sha256"]) == 64 and len(res["data"]["files"]) == 2
    details = json.loads((out / "details.json").read_text())
    assert details["2-hop"]["paths"]["written by ; starred actors"] == 1
    assert details["2-hop"]["errors"][0]["topic_entity"] == "Echo Lantern"
    assert (out / "hits_at_1.png").read_bytes()[:4] == b"\x89PNG"
    # --limit samples each file
    assert cli.main([*argv, "--out", str(tmp_path / "lim"), "--limit", "2"]) == 0
    assert json.loads((tmp_path / "lim" / "results.json").read_text())["n"] == 4


def test_the_benchmark_split_must_hold_questions(tmp_path, metaqa, cache, stand_in):

    one = tmp_path / "1-hop" / "dev.txt"
    one.parent.mkdir()
    # a question about an entity outside the benchmark split only
    names = ("Moon Harbor", "Ben Rook", "Star Orchard", "Echo Lantern", "Ada Quill", "Cara Vale", "Dev Marsh")
    name = next(n for n in names if not in_benchmark_split(n))
    one.write_text(f"who is [{name}]\tAda Quill\n")
    ns = suite_args(metaqa, questions=[str(one)], hop_margin=0.0)
    with pytest.raises(InputError, match="benchmark split"):
        kgqa_suite.run(ns, tmp_path)


def test_parse_margins():
    assert kgqa_suite.parse_margins("0.01, 0.04") == [0.01, 0.04]
    for bad in ("", "a,0.1", "0.1,2", "-0.1"):
        with pytest.raises(InputError, match="--choose-on-train"):
            kgqa_suite.parse_margins(bad)


def test_choose_on_train_keeps_the_best_margin_and_its_threshold(runner, metaqa):
    questions = {hop: read_questions(metaqa / hop / "dev.txt") for hop in ("1-hop", "2-hop") if (metaqa / hop).is_dir()}
    choice = kgqa_suite.choose_on_train(runner, questions, [0.0, 0.3])
    tried = choice["tried"]
    assert set(tried) == {"0.0", "0.3"}
    best = max(tried.values(), key=lambda r: r["hits_at_1"])["hits_at_1"]
    assert tried[str(choice["hop_margin"])]["hits_at_1"] == best
    assert runner.hop_margin == choice["hop_margin"]
    assert runner.path_threshold == tried[str(choice["hop_margin"])]["path_threshold"]["threshold"]
    # a tie goes to the larger margin (tried first), the shared default's side
    if tried["0.0"]["hits_at_1"] == tried["0.3"]["hits_at_1"]:
        assert choice["hop_margin"] == 0.3


def test_choose_on_train_measures_only_the_benchmark_split(tmp_path, metaqa, cache, stand_in):

    ns = suite_args(metaqa, split="all", choose_on_train="0.01,0.04")
    with pytest.raises(InputError, match="--split benchmark"):
        kgqa_suite.run(ns, tmp_path)
