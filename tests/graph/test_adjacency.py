"""A graph store's saved adjacency serves exactly the facts the store gives; a stale or broken file is ignored."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from kgqa.graph import KnowledgeGraph
from kgqa.graph.adjacency import ADJACENCY_FILE, Adjacency, add_adjacency, adjacency, saved_edges
from kgqa.graph.relation_paths import is_literal

TOY = Path(__file__).resolve().parent / "fixtures" / "toy.ttl"


@pytest.fixture(scope="module")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return KnowledgeGraph.load([TOY]).save_store(tmp_path_factory.mktemp("adjacency") / "store")


def _nodes(kg: KnowledgeGraph) -> list[str]:
    out: dict[str, None] = {}
    for s, _p, o in kg.scan(inferred=True):
        out[str(s)] = None
        if not is_literal(str(o)):
            out[str(o)] = None
    return list(out)


def _store_only(folder: Path) -> KnowledgeGraph:
    """The store opened without its saved adjacency: the facts as the store itself gives them."""
    kg = KnowledgeGraph.open(folder)
    kg.adjacency_path = None
    return kg


def test_a_saved_store_serves_every_nodes_facts_in_the_stores_order(toy_store: Path) -> None:
    assert (toy_store / ADJACENCY_FILE).is_file()
    served, store = KnowledgeGraph.open(toy_store), _store_only(toy_store)
    assert served.adjacency_path == toy_store / ADJACENCY_FILE
    adj = adjacency(served)
    assert adj is not None and len(adj) > 10 and adjacency(store) is None
    nodes = _nodes(store)
    assert set(nodes) == set(adj.names[: len(adj)])
    literal_neighbours = 0
    for node in nodes:
        want = store.edges(node)
        assert adj.edges(node) == want == saved_edges(served, node), node
        assert served.edges(node) == want  # KnowledgeGraph.edges reads the saved file
        assert served.edges(node, limit=2) == want[:2] == store.edges(node, limit=2)
        literal_neighbours += sum(is_literal(o) for _p, o, _f in want)
    assert literal_neighbours  # literal values come back as their lexical form, like kg.edges
    assert any(not f for n in nodes for _p, _o, f in store.edges(n))  # both directions are kept
    # asserted facts only: the file holds inferred ones too, so the store answers
    node = nodes[0]
    assert served.edges(node, inferred=False) == store.edges(node, inferred=False)
    # a node without a row is read from the store (and has no facts there either)
    assert adj.edges("http://toy.example/e/Nobody") is None
    assert saved_edges(served, "http://toy.example/e/Nobody") is None
    assert served.edges("http://toy.example/e/Nobody") == []


def test_a_graph_without_the_file_reads_the_store(toy_store: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(toy_store, tmp_path / "store"))
    (copy / ADJACENCY_FILE).unlink()
    kg = KnowledgeGraph.open(copy)
    assert kg.adjacency_path is None and adjacency(kg) is None
    node = _nodes(kg)[0]
    assert saved_edges(kg, node) is None and kg.edges(node) == _store_only(toy_store).edges(node)
    memory = KnowledgeGraph.load([TOY])
    assert adjacency(memory) is None and saved_edges(memory, node) is None


def test_a_file_of_another_graph_or_a_broken_one_is_ignored_with_the_fix(
    toy_store: Path, tmp_path: Path, caplog
) -> None:
    copy = Path(shutil.copytree(toy_store, tmp_path / "store"))
    path = copy / ADJACENCY_FILE
    asserted = len(KnowledgeGraph.open(copy))
    with caplog.at_level(logging.WARNING):
        assert Adjacency.load(path, asserted + 1) is None
    assert "another graph" in caplog.text and "kgqa graph adjacency" in caplog.text
    assert Adjacency.load(path, asserted) is not None
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["indptr"] = arrays["indptr"][:-1]  # rows no longer cover the facts
    np.savez(path, **arrays)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert Adjacency.load(path, asserted) is None
    assert "inconsistent" in caplog.text
    path.write_bytes(b"not a numpy file")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert Adjacency.load(path, asserted) is None
    assert "cannot read" in caplog.text
    # the store still answers, from its own facts
    kg = KnowledgeGraph.open(copy)
    node = _nodes(kg)[0]
    assert adjacency(kg) is None and kg.edges(node) == _store_only(copy).edges(node)


def test_add_adjacency_and_the_cli(toy_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kgqa.cli import main

    copy = Path(shutil.copytree(toy_store, tmp_path / "store"))
    (copy / ADJACENCY_FILE).unlink()
    assert main(["graph", "adjacency", str(copy)]) == 0
    assert str(copy / ADJACENCY_FILE) in capsys.readouterr().out
    kg = KnowledgeGraph.open(copy)
    adj = adjacency(kg)
    store = _store_only(copy)
    assert adj is not None and all(adj.edges(n) == store.edges(n) for n in _nodes(store))
    # an existing file is replaced only when asked
    assert main(["graph", "adjacency", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "--overwrite" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert add_adjacency(copy, overwrite=True).is_file()
    assert main(["graph", "adjacency", str(tmp_path / "nowhere")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_warming_up_the_relation_matcher_loads_the_adjacency(toy_store: Path, monkeypatch) -> None:
    from kgqa.graph.relations import RelationMatcher

    loads: list[Path] = []
    real = Adjacency.load.__func__

    def counted(cls, path, asserted):
        loads.append(Path(path))
        return real(cls, path, asserted)

    monkeypatch.setattr(Adjacency, "load", classmethod(counted))
    kg = KnowledgeGraph.open(toy_store)
    RelationMatcher(kg).warm_up()
    assert loads == [toy_store / ADJACENCY_FILE]
    assert adjacency(kg) is not None and len(loads) == 1  # loaded once, at warm-up
