"""A graph saved to an Oxigraph store and opened again holds what the in-memory graph held; broken stores are refused.

The lookups, checks and answers shared by every backend are tested in ``test_graph_backends.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError, GraphError
from kgqa.graph import KnowledgeGraph
from kgqa.graph.oxi_store import DERIVATIONS_FILE, META_FILE, OxiIndex
from kgqa.graph.store import TripleIndex

TOY = Path(__file__).resolve().parent / "fixtures" / "toy.ttl"
T = "http://toy.example/ns#"
E = "http://toy.example/e/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


@pytest.fixture(scope="module")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return KnowledgeGraph.load([TOY]).save_store(tmp_path_factory.mktemp("toy") / "store")


def test_opened_graph_holds_the_same_triples(toy_store: Path) -> None:
    memory, opened = KnowledgeGraph.load([TOY]), KnowledgeGraph.open(toy_store)
    assert isinstance(opened._asserted, OxiIndex) and isinstance(memory._asserted, TripleIndex)
    assert len(opened) == len(memory) and len(opened._inferred) == len(memory._inferred)
    assert set(opened._asserted) == set(memory._asserted) and set(opened._inferred) == set(memory._inferred)
    assert {(t.subject, t.source, t.inferred) for t in opened.facts()} == {
        (t.subject, t.source, t.inferred) for t in memory.facts()
    }
    assert opened.namespaces == memory.namespaces and [f.name for f in opened.files] == ["toy.ttl"]


def test_an_opened_store_is_read_only(toy_store: Path) -> None:
    opened = KnowledgeGraph.open(toy_store)
    with pytest.raises(GraphError, match="read-only"):
        opened.add_file(TOY)
    with pytest.raises(GraphError, match="read-only"):
        opened.reason()


def test_saving_into_a_non_empty_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(GraphError, match="not empty"):
        KnowledgeGraph.load([TOY]).save_store(tmp_path)


# ---------------------------------------------------------------- broken stores
@pytest.fixture
def broken(tmp_path: Path, toy_store: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(toy_store, copy)
    return copy


def test_a_missing_store_names_the_path_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(GraphError, match=r"no graph store folder at .*nowhere.*--graph-store"):
        KnowledgeGraph.open(tmp_path / "nowhere")


def test_a_missing_sidecar_is_refused(broken: Path) -> None:
    (broken / META_FILE).unlink()
    with pytest.raises(GraphError, match=r"not a graph store .*rebuild"):
        KnowledgeGraph.open(broken)


def test_a_corrupt_sidecar_is_refused(broken: Path) -> None:
    (broken / META_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(GraphError, match=r"cannot read .*kgqa-store.json"):
        KnowledgeGraph.open(broken)


def test_another_version_is_refused(broken: Path) -> None:
    meta = json.loads((broken / META_FILE).read_text(encoding="utf-8"))
    (broken / META_FILE).write_text(json.dumps({**meta, "version": 99}), encoding="utf-8")
    with pytest.raises(GraphError, match=r"format version 99.*reads version 1.*rebuild"):
        KnowledgeGraph.open(broken)


def test_a_corrupt_database_is_refused(broken: Path) -> None:
    for f in (broken / "oxigraph").iterdir():
        if f.is_file():
            f.write_bytes(b"garbage")
    with pytest.raises(GraphError, match=r"cannot open the graph store .*rebuild"):
        KnowledgeGraph.open(broken)


def test_missing_derivations_fail_on_explain(broken: Path) -> None:
    (broken / DERIVATIONS_FILE).unlink()
    opened = KnowledgeGraph.open(broken)
    assert opened.objects("e:England", "t:capital") == [f"{E}London"]  # lookups need no derivations
    with pytest.raises(GraphError, match=r"no derivations.sqlite.*rebuild"):
        opened.explain("e:Ides", "t:causes", "e:Empire")


# ---------------------------------------------------------------- config and pipeline
def test_config_graph_store_is_resolved_and_checked(tmp_path: Path) -> None:
    (tmp_path / "kgqa.json").write_text(json.dumps({"graph_store": "graph-store"}), encoding="utf-8")
    assert PipelineConfig.load(tmp_path).graph_store == str((tmp_path / "graph-store").resolve())
    with pytest.raises(ConfigError, match="graph_store must be"):
        PipelineConfig.from_dict({"graph_store": ["a"]})


def test_world_build_writes_a_graph_store_that_kgqa_json_names(tmp_path: Path) -> None:
    from kgqa.world.build import WorldSpec, build_world

    out = tmp_path / "world"
    summary = build_world(WorldSpec(rdf=[TOY], index=False, graph_store=True), out, show_progress=False)
    assert summary["ran"][-1] == "graph-store" and summary["steps"]["graph-store"]["asserted"] > 100
    config = PipelineConfig.load(out)
    assert config.graph_store == str((out / "graph-store").resolve())
    opened = KnowledgeGraph.open(config.graph_store)  # N-Triples carry no prefixes: full IRIs
    assert opened.objects(f"{E}England", f"{T}capital") == [f"{E}London"]
    again = build_world(WorldSpec(rdf=[TOY], index=False, graph_store=True), out, resume=True, show_progress=False)
    assert "graph-store" in again["kept"]
    plain = build_world(WorldSpec(rdf=[TOY], index=False), tmp_path / "plain", show_progress=False)
    assert "graph-store" not in plain["ran"] and PipelineConfig.load(tmp_path / "plain").graph_store is None


def test_cli_graph_store_option(tmp_path: Path, toy_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kgqa.cli import UsageError, _config, build_parser, main

    ns = build_parser().parse_args(["ask", "--graph-store", str(toy_store), "Who wrote Hamlet?"])
    assert _config(ns).graph_store == str(toy_store.resolve())
    both = build_parser().parse_args(["ask", "--graph-store", str(toy_store), "--graph", str(TOY), "Who?"])
    with pytest.raises(UsageError, match="give one of --graph, --graph-store and --sparql"):
        _config(both)
    code = main(["ask", "--graph-store", str(tmp_path / "missing"), "Who wrote Hamlet?"])
    err = capsys.readouterr().err
    assert code == 2 and "no graph store folder" in err and "Traceback" not in err
