"""The dataset converters of ``kgqa world build`` (moved from the old ``kgqa bench world``), on tiny files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError, DataNotFoundError, InputError
from kgqa.graph.kg import KnowledgeGraph
from kgqa.paths import PROJECT_ROOT
from kgqa.world import sources
from kgqa.world.build import WorldSpec, build_world, check_out_dir

ONT = "https://kgqa.dev/ontology#"


def _spec(data_dir: Path, **kw) -> WorldSpec:
    opts = {"fb15k237": True, "wordnet": True, "conceptnet": True, "squad": True, "index": False}
    return WorldSpec(data_dir=data_dir, **{**opts, **kw})


def test_build_without_index(data_dir, tmp_path):
    out = tmp_path / "world"
    summary = build_world(_spec(data_dir), out, show_progress=False)
    assert summary["passages"] == 3 and not summary["indexed"]
    for name in ("fb15k237.nt", "wordnet.nt", "conceptnet.nt", "ontology.ttl", "passages.jsonl", "kgqa.json"):
        assert (out / name).is_file(), name

    fb = rdflib.Graph().parse(out / "fb15k237.nt", format="nt")
    ada = rdflib.URIRef(sources.fb_entity("/m/01a"))
    nationality = rdflib.URIRef(sources.fb_relation("/people/person/nationality"))
    assert (ada, RDFS.label, rdflib.Literal("Ada Quill", lang="en")) in fb
    assert (ada, SKOS.altLabel, rdflib.Literal("A. Quill", lang="en")) in fb
    assert (ada, RDFS.comment, rdflib.Literal("fictional film director", lang="en")) in fb
    assert (ada, SKOS.exactMatch, rdflib.URIRef("http://www.wikidata.org/entity/Q1")) in fb
    assert (ada, nationality, rdflib.URIRef(sources.fb_entity("/m/02b"))) in fb
    assert (nationality, RDFS.label, rdflib.Literal("people person nationality", lang="en")) in fb
    assert (ada, RDF.type, rdflib.URIRef(sources.FB_NS + "class/people.person")) in fb
    assert len(list(fb.triples((None, RDFS.label, None)))) >= 4 + 3  # entities and relations
    assert summary["triples"]["fb15k237"] == len(fb)

    wn = rdflib.Graph().parse(out / "wordnet.nt", format="nt")
    person, dramatist, bard = (rdflib.URIRef(sources.wn_synset(o)) for o in ("00002000", "00003000", "00004000"))
    assert (dramatist, RDFS.subClassOf, person) in wn and (person, RDF.type, OWL.Class) in wn
    assert (bard, RDF.type, dramatist) in wn  # an instance hypernym: an individual
    assert (person, SKOS.altLabel, rdflib.Literal("individual", lang="en")) in wn
    assert (bard, SKOS.altLabel, rdflib.Literal("William Shakespeare", lang="en")) in wn
    assert (dramatist, RDFS.comment, rdflib.Literal("someone who writes plays", lang="en")) in wn

    cn = rdflib.Graph().parse(out / "conceptnet.nt", format="nt")
    rain, wet = rdflib.URIRef(sources.cn_concept("rain")), rdflib.URIRef(sources.cn_concept("wet ground"))
    assert (rain, rdflib.URIRef(ONT + "causes"), wet) in cn
    assert (
        rdflib.URIRef(sources.cn_concept("bake bread")),
        rdflib.URIRef(sources.CN_NS + "relation/hasPrerequisite"),
        rdflib.URIRef(sources.cn_concept("buy flour")),
    ) in cn
    assert not list(cn.triples((rdflib.URIRef(sources.cn_concept("dog")), None, None)))  # IsA is not causal

    passages = [json.loads(line) for line in (out / "passages.jsonl").read_text().splitlines()]
    assert passages[0] == {
        "id": "squad-train-000-000",
        "title": "Harbor Town",
        "text": "Harbor Town lies on a quiet bay.",
    }

    config = PipelineConfig.load(out)
    assert config.index_dir is None and config.passages == [str((out / "passages.jsonl").resolve())]
    assert all(Path(g).is_file() for g in config.graphs)
    assert json.loads((out / "kgqa.json").read_text())["graphs"][0] == "ontology.ttl"  # relative paths
    kg = KnowledgeGraph.load([Path(g) for g in config.graphs])
    assert kg.label(ada) == "Ada Quill"
    assert kg.is_instance(bard, sources.wn_synset("00001740"))[0]  # Shakespeare -> dramatist -> person -> entity
    assert kg.facts(str(rain), ONT + "causes", str(wet))
    assert kg.label(ONT + "causes") == "caused"


def test_build_with_index_and_limit(data_dir, tmp_path):
    calls = []

    def fake_builder(files, out_dir, batch_size=64, show_progress=True):
        calls.append((files, batch_size))
        Path(out_dir).mkdir(parents=True)
        (Path(out_dir) / "passages.jsonl").write_text("")
        return None

    out = tmp_path / "world"
    summary = build_world(
        _spec(data_dir, index=True, limit_passages=1, batch_size=8),
        out,
        show_progress=False,
        index_builder=fake_builder,
    )
    assert summary["passages"] == 1 and summary["indexed"]
    assert calls == [([out.resolve() / "passages.jsonl"], 8)]
    assert (out / "index" / "passages.jsonl").is_file() and not (out / ".index.tmp").exists()
    assert PipelineConfig.load(out).index_dir == str((out / "index").resolve())
    with pytest.raises(ConfigError, match="--resume.*--overwrite"):
        build_world(_spec(data_dir), out, show_progress=False)
    build_world(_spec(data_dir), out, overwrite=True, show_progress=False)
    assert not (out / "index").exists()


def test_index_builder_failure_leaves_no_index(data_dir, tmp_path):
    def failing_builder(files, out_dir, batch_size=64, show_progress=True):
        Path(out_dir).mkdir(parents=True)
        raise RuntimeError("encoder crashed")

    out = tmp_path / "world"
    with pytest.raises(RuntimeError, match="encoder crashed"):
        build_world(_spec(data_dir, index=True), out, show_progress=False, index_builder=failing_builder)
    assert not (out / "index").exists() and not (out / ".index.tmp").exists()


def test_refuses_the_repository_assets():
    for inside in (PROJECT_ROOT / "data" / "big-world", PROJECT_ROOT / "graphs", PROJECT_ROOT):
        with pytest.raises(ConfigError):
            check_out_dir(inside)
    assert not (PROJECT_ROOT / "data" / "big-world").exists()


def test_missing_sources(tmp_path):
    with pytest.raises(DataNotFoundError, match="train.txt"):
        build_world(_spec(tmp_path), tmp_path / "out", show_progress=False)
    assert not (tmp_path / "out").exists()


def test_parse_data_noun_line():
    line = "00002000 03 n 02 person 0 individual 0 002 @ 00001740 n 0000 ~ 00003000 n 0000 | a human being"
    syn = sources.parse_data_noun_line(line)
    assert syn.offset == "00002000" and syn.lemmas == ["person", "individual"] and syn.hypernyms == ["00001740"]
    assert syn.gloss == "a human being"
    assert sources.parse_data_noun_line("  1 This software and database is being provided") is None
    with pytest.raises(InputError, match="malformed data.noun"):
        sources.parse_data_noun_line("00002000 03 n zz person")


def test_malformed_fb15k237_and_conceptnet_lines(data_dir, tmp_path):
    (data_dir / "kg" / "fb15k237" / "valid.txt").write_text("/m/02b\t/location/country/capital\n")
    with pytest.raises(InputError, match=r"valid.txt:1: expected 'head<TAB>relation<TAB>tail'"):
        sources.write_fb15k237(data_dir, tmp_path / "fb.nt")
    (data_dir / "kg" / "conceptnet100k" / "train.txt").write_text("Causes\train\n")
    with pytest.raises(InputError, match=r"train.txt:1: expected 'relation<TAB>head<TAB>tail'"):
        sources.write_conceptnet(data_dir, tmp_path / "cn.nt")
    assert not list(tmp_path.glob("*.nt")) and not list(tmp_path.glob(".*.tmp"))


def test_squad_that_is_not_squad(data_dir, tmp_path):
    (data_dir / "squad" / "train-v1.1.json").write_text('{"version": "1.1"}')
    with pytest.raises(InputError, match="not a SQuAD JSON file"):
        sources.write_squad_passages(data_dir, tmp_path / "p.jsonl")
    assert not (tmp_path / "p.jsonl").exists()


def test_the_data_directory_world_plans(data_root):
    """The real data directory holds every file the default world reads (the build itself is measured by hand)."""
    from kgqa.world.build import plan

    steps = plan(_spec(data_root))
    assert [s.name for s in steps] == ["fb15k237", "wordnet", "conceptnet", "squad"]
    assert all(p.is_file() for s in steps for p in s.inputs)


def test_conceptnet_from_the_data_directory(data_root, tmp_path):
    count = sources.write_conceptnet(data_root, tmp_path / "conceptnet.nt")
    graph = rdflib.Graph().parse(tmp_path / "conceptnet.nt", format="nt")
    assert count >= len(graph) > 1000  # CN-100K repeats a few rows
    assert list(graph.triples((None, rdflib.URIRef(ONT + "causes"), None)))
