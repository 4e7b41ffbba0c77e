"""``kgqa bench world build`` on tiny files shaped like the shared datasets, written to tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kgqa.bench import cli, world
from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError, DataNotFoundError
from kgqa.graph.kg import KnowledgeGraph
from kgqa.paths import PROJECT_ROOT

ONT = "https://kgqa.dev/ontology#"

DATA_NOUN = """\
  1 This software and database is being provided to you, the LICENSEE, by
  2 Princeton University under the following license.
00001740 03 n 01 entity 0 001 ~ 00002000 n 0000 | that which is perceived or known to exist
00002000 03 n 02 person 0 individual 0 002 @ 00001740 n 0000 ~ 00003000 n 0000 | a human being
00003000 18 n 01 dramatist 0 002 @ 00002000 n 0000 + 01700000 v 0101 | someone who writes plays
00004000 18 n 02 Shakespeare 0 William_Shakespeare 0 001 @i 00003000 n 0000 | English poet and dramatist
"""


@pytest.fixture
def data_dir(tmp_path) -> Path:
    root = tmp_path / "datasets"
    fb = root / "kg" / "fb15k237"
    fb.mkdir(parents=True)
    (fb / "train.txt").write_text(
        "/m/01a\t/people/person/nationality\t/m/02b\n/m/03c\t/film/film/directed_by\t/m/01a\n"
    )
    (fb / "valid.txt").write_text("/m/02b\t/location/country/capital\t/m/04d\n")
    (fb / "test.txt").write_text("")
    (fb / "entity2text.txt").write_text("/m/01a\tAda Quill\n/m/02b\tArvenia\n/m/03c\tMoon Harbor\n/m/04d\tBrightport\n")
    (fb / "relation2text.txt").write_text(
        "/people/person/nationality\tpeople person nationality\n"
        "/film/film/directed_by\tfilm film directed by\n"
        "/location/country/capital\tlocation country capital\n"
    )
    (fb / "entity2wikidata.json").write_text(
        json.dumps(
            {
                "/m/01a": {
                    "alternatives": ["A. Quill"],
                    "description": "fictional film director",
                    "label": "Ada Quill",
                    "wikidata_id": "Q1",
                    "wikipedia": "https://en.wikipedia.org/wiki/Ada_Quill",
                },
                "/m/04d": {
                    "alternatives": [],
                    "description": "capital of Arvenia",
                    "label": "Brightport city",
                    "wikidata_id": "Q2",
                    "wikipedia": None,
                },
            }
        )
    )
    wn = root / "kg" / "wordnet3.0"
    wn.mkdir(parents=True)
    (wn / "data.noun").write_text(DATA_NOUN)
    cn = root / "kg" / "conceptnet100k"
    cn.mkdir(parents=True)
    (cn / "train.txt").write_text(
        "Causes\train\twet ground\nIsA\tdog\tanimal\n"
        "HasPrerequisite\tbake bread\tbuy flour\nCausesDesire\thunger\teat food\n"
    )
    squad = root / "squad"
    squad.mkdir()
    (squad / "train-v1.1.json").write_text(
        json.dumps(
            {
                "version": "1.1",
                "data": [
                    {
                        "title": "Harbor_Town",
                        "paragraphs": [
                            {"context": "Harbor Town lies on a quiet bay.", "qas": []},
                            {"context": "Its lighthouse was built in 1850.", "qas": []},
                        ],
                    },
                    {"title": "Rain", "paragraphs": [{"context": "Rain makes the ground wet.", "qas": []}]},
                ],
            }
        )
    )
    return root


def test_build_without_index(data_dir, tmp_path):
    out = tmp_path / "world"
    summary = world.build_world(data_dir, out, index=False, show_progress=False)
    assert summary["passages"] == 3 and not summary["indexed"]
    for name in ("fb15k237.nt", "wordnet.nt", "conceptnet.nt", "ontology.ttl", "passages.jsonl", "kgqa.json"):
        assert (out / name).is_file(), name

    fb = rdflib.Graph().parse(out / "fb15k237.nt", format="nt")
    ada = rdflib.URIRef(world.fb_entity("/m/01a"))
    nationality = rdflib.URIRef(world.fb_relation("/people/person/nationality"))
    assert (ada, RDFS.label, rdflib.Literal("Ada Quill", lang="en")) in fb
    assert (ada, SKOS.altLabel, rdflib.Literal("A. Quill", lang="en")) in fb
    assert (ada, RDFS.comment, rdflib.Literal("fictional film director", lang="en")) in fb
    assert (ada, SKOS.exactMatch, rdflib.URIRef("http://www.wikidata.org/entity/Q1")) in fb
    assert (ada, nationality, rdflib.URIRef(world.fb_entity("/m/02b"))) in fb
    assert (nationality, RDFS.label, rdflib.Literal("people person nationality", lang="en")) in fb
    assert (ada, RDF.type, rdflib.URIRef(world.FB_NS + "class/people.person")) in fb
    assert len(list(fb.triples((None, RDFS.label, None)))) >= 4 + 3  # entities and relations
    assert summary["triples"]["fb15k237"] == len(fb)

    wn = rdflib.Graph().parse(out / "wordnet.nt", format="nt")
    person, dramatist, bard = (rdflib.URIRef(world.wn_synset(o)) for o in ("00002000", "00003000", "00004000"))
    assert (dramatist, RDFS.subClassOf, person) in wn and (person, RDF.type, OWL.Class) in wn
    assert (bard, RDF.type, dramatist) in wn  # an instance hypernym: an individual
    assert (person, SKOS.altLabel, rdflib.Literal("individual", lang="en")) in wn
    assert (bard, SKOS.altLabel, rdflib.Literal("William Shakespeare", lang="en")) in wn
    assert (dramatist, RDFS.comment, rdflib.Literal("someone who writes plays", lang="en")) in wn

    cn = rdflib.Graph().parse(out / "conceptnet.nt", format="nt")
    rain, wet = rdflib.URIRef(world.cn_concept("rain")), rdflib.URIRef(world.cn_concept("wet ground"))
    assert (rain, rdflib.URIRef(ONT + "causes"), wet) in cn
    assert (
        rdflib.URIRef(world.cn_concept("bake bread")),
        rdflib.URIRef(world.CN_NS + "relation/hasPrerequisite"),
        rdflib.URIRef(world.cn_concept("buy flour")),
    ) in cn
    assert not list(cn.triples((rdflib.URIRef(world.cn_concept("dog")), None, None)))  # IsA is not causal

    passages = [json.loads(line) for line in (out / "passages.jsonl").read_text().splitlines()]
    assert passages[0] == {
        "id": "squad-train-000-000",
        "title": "Harbor Town",
        "text": "Harbor Town lies on a quiet bay.",
    }

    config = PipelineConfig.load(out)
    assert config.index_dir is None and config.passages == [str((out / "passages.jsonl").resolve())]
    assert all(Path(g).is_file() for g in config.graphs)
    kg = KnowledgeGraph.load([Path(g) for g in config.graphs])
    assert kg.label(ada) == "Ada Quill"
    assert kg.is_instance(bard, world.wn_synset("00001740"))[0]  # Shakespeare -> dramatist -> person -> entity
    assert kg.facts(str(rain), ONT + "causes", str(wet))
    assert kg.label(ONT + "causes") == "caused"


def test_build_with_index_and_limit(data_dir, tmp_path):
    calls = []

    def fake_builder(files, out_dir, batch_size=64, show_progress=True):
        calls.append((files, out_dir, batch_size))
        Path(out_dir).mkdir(parents=True)
        return None

    out = tmp_path / "world"
    summary = world.build_world(
        data_dir, out, limit_passages=1, show_progress=False, batch_size=8, index_builder=fake_builder
    )
    assert summary["passages"] == 1 and summary["indexed"]
    assert calls == [([out.resolve() / "passages.jsonl"], out.resolve() / "index", 8)]
    assert PipelineConfig.load(out).index_dir == str((out / "index").resolve())
    with pytest.raises(ConfigError, match="already holds a world"):
        world.build_world(data_dir, out, index=False, show_progress=False)
    world.build_world(data_dir, out, index=False, overwrite=True, show_progress=False)
    assert not (out / "index").exists()


def test_refuses_the_repository_assets(data_dir):
    for inside in (PROJECT_ROOT / "data" / "big-world", PROJECT_ROOT / "graphs", PROJECT_ROOT):
        with pytest.raises(ConfigError):
            world.check_out_dir(inside)
    assert not (PROJECT_ROOT / "data" / "big-world").exists()


def test_missing_sources(tmp_path):
    with pytest.raises(DataNotFoundError, match="train.txt"):
        world.build_world(tmp_path, tmp_path / "out", index=False, show_progress=False)


def test_parse_data_noun_line():
    syn = world.parse_data_noun_line(DATA_NOUN.splitlines()[3])
    assert syn.offset == "00002000" and syn.lemmas == ["person", "individual"] and syn.hypernyms == ["00001740"]
    assert world.parse_data_noun_line(DATA_NOUN.splitlines()[0]) is None


def test_cli(data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(cli.SUITES, "world", cli.Suite(world.HELP, world.add_arguments, world.run))
    out = tmp_path / "w"
    assert cli.main(["world", "build", "--data-dir", str(data_dir), "--out", str(out), "--no-index"]) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["suite"] == "world" and res["n"] == sum(res["triples"].values()) > 0
    assert res["passages"] == 3 and (out / "kgqa.json").is_file()
    monkeypatch.chdir(tmp_path)
    assert cli.main(["world", "build", "--data-dir", str(data_dir), "--no-index"]) == 2
    assert "needs --out" in capsys.readouterr().err


def test_cli_refusal_leaves_no_folder_in_data(data_dir, monkeypatch):
    monkeypatch.setitem(cli.SUITES, "world", cli.Suite(world.HELP, world.add_arguments, world.run))
    target = PROJECT_ROOT / "data" / "kgqa-test-world-refused"
    assert not target.exists()
    assert cli.main(["world", "build", "--data-dir", str(data_dir), "--out", str(target), "--no-index"]) == 2
    assert not target.exists()
