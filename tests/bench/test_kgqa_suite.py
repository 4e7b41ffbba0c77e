"""The MetaQA suite on a tiny hand-written movie KB (tests/bench/fixtures/metaqa)."""

from __future__ import annotations

import json

import pytest
import rdflib
from rdflib.namespace import OWL, RDFS

from kgqa.bench import cli, kgqa_suite
from kgqa.bench.kgqa_suite import (
    ENTITY_NS,
    INVERSE_SUFFIX,
    RELATION_NS,
    MetaQAAnswerer,
    inverse_reading,
    parse_question_line,
    read_id_names,
    read_kb,
    read_questions,
    score_path,
)
from kgqa.errors import InputError


@pytest.fixture
def metaqa(fixtures):
    return fixtures / "metaqa"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KGQA_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def answerer(metaqa, cache):
    return MetaQAAnswerer(kgqa_suite.load_kb_graph(metaqa))


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


def test_inverse_reading():
    assert inverse_reading("directed by") == "directed"
    assert inverse_reading("has genre") == "genre of"
    assert inverse_reading("in language") == "language of"
    assert inverse_reading("release_year") == "release year of"


def test_rdf_conversion_is_cached_and_parseable(metaqa, cache):
    path = kgqa_suite.cached_ntriples(metaqa)
    assert path.is_relative_to(cache) and path.suffix == ".nt"
    assert kgqa_suite.cached_ntriples(metaqa) == path  # second call: the cached file
    g = rdflib.Graph().parse(path, format="nt")
    directed = rdflib.URIRef(RELATION_NS + "directed_by")
    inverse = rdflib.URIRef(RELATION_NS + "directed_by" + INVERSE_SUFFIX)
    assert (directed, RDFS.label, rdflib.Literal("directed by")) in g
    assert (inverse, OWL.inverseOf, directed) in g
    assert (inverse, RDFS.label, rdflib.Literal("directed")) in g
    assert (rdflib.URIRef(ENTITY_NS + "0"), directed, rdflib.URIRef(ENTITY_NS + "1")) in g
    assert (rdflib.URIRef(ENTITY_NS + "12"), RDFS.label, rdflib.Literal("Echo Lantern")) in g


def test_link_and_mentions(answerer):
    assert answerer.link("ben rook") == ENTITY_NS + "2"
    assert answerer.link("Nobody") is None
    q = parse_question_line("who starred in the films written by [Ada Quill]\tBen Rook")
    mentions, nearest = answerer.mentions(q)
    assert set(mentions) == {"starred_actors", "written_by"}
    assert nearest == "starred_actors"  # next to "who": the answer's relation


@pytest.mark.parametrize(
    "line",
    [
        "who directed [Moon Harbor]\tAda Quill",
        "what films did [Ben Rook] act in\tMoon Harbor|Star Orchard",
        "what year was [Star Orchard] released\t2004",
        "which movies are about [lighthouse]\tMoon Harbor",
    ],
)
def test_one_hop_answers(answerer, line):
    q = parse_question_line(line)
    pred = answerer.answer(q, 1)
    assert pred.linked and len(pred.path) == 1
    assert pred.answers[0] in q.answers


def test_two_hop_answers(answerer):
    q = parse_question_line("which movies have the same director of [Echo Lantern]\tMoon Harbor")
    pred = answerer.answer(q, 2)
    # the topic entity is never an answer, even though the path comes back to it
    assert pred.answers == ["Moon Harbor"]
    assert [kgqa_suite.base_relation(p) for p in pred.path] == ["directed_by", "directed_by"]
    assert pred.path[1].endswith(INVERSE_SUFFIX)
    q = parse_question_line("who starred in the films written by [Ada Quill]\tBen Rook|Cara Vale")
    pred = answerer.answer(q, 2)
    assert kgqa_suite.path_text(pred.path) == "written_by^-1 / starred_actors"
    assert pred.answers[0] == "Ben Rook"  # reached through both of her films


def test_score_path_prefers_covering_the_named_relations():
    r = RELATION_NS
    mentions = {"written_by": 1, "starred_actors": 1}
    good = score_path([r + "written_by" + INVERSE_SUFFIX, r + "starred_actors"], mentions, "starred_actors")
    back = score_path([r + "written_by" + INVERSE_SUFFIX, r + "written_by"], mentions, "starred_actors")
    assert good > back


def test_suite_end_to_end(tmp_path, metaqa, cache, monkeypatch):
    monkeypatch.setitem(cli.SUITES, "kgqa", cli.Suite(kgqa_suite.HELP, kgqa_suite.add_arguments, kgqa_suite.run))
    out = tmp_path / "out"
    argv = [
        "kgqa",
        "--kb",
        str(metaqa),
        "--questions",
        str(metaqa / "1-hop" / "dev.txt"),
        "--questions",
        str(metaqa / "2-hop" / "dev.txt"),
        "--out",
        str(out),
    ]
    assert cli.main(argv) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["suite"] == "kgqa" and res["n"] == 9
    assert set(res["per_file"]) == {"1-hop", "2-hop"}
    assert res["per_file"]["1-hop"]["hops"] == 1 and res["per_file"]["2-hop"]["hops"] == 2
    assert res["hits_at_1"] == pytest.approx(1.0)
    assert res["hits_at_1_1_hop"] == pytest.approx(1.0)
    assert len(res["data"]["sha256"]) == 64 and len(res["data"]["files"]) == 2
    assert res["data"]["kb"]["triples_in_graph"] > 18
    details = json.loads((out / "details.json").read_text())
    assert details["2-hop"]["paths"]["written_by^-1 / starred_actors"] == 1
    assert (out / "hits_at_1.png").read_bytes()[:4] == b"\x89PNG"
    # --limit samples each file
    assert cli.main([*argv[:-2], "--out", str(tmp_path / "lim"), "--limit", "2"]) == 0
    assert json.loads((tmp_path / "lim" / "results.json").read_text())["n"] == 4
