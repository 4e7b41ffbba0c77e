"""Fixtures of the graph tests: the toy world (its own namespace, apart from the default world)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kgqa.graph import EntityLinker, KnowledgeGraph

TOY = Path(__file__).parent / "fixtures" / "toy.ttl"


@pytest.fixture(scope="session")
def toy_path() -> Path:
    return TOY


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The reasoned toy graph, shared: tests must not add files to it."""
    return KnowledgeGraph.load([TOY])


@pytest.fixture(scope="session")
def linker(kg: KnowledgeGraph) -> EntityLinker:
    return EntityLinker(kg)


@pytest.fixture(scope="session")
def mini_world() -> tuple[KnowledgeGraph, EntityLinker]:
    """The shipped ontology with the mini world of the checks' tests, and its linker (shared: read only)."""
    root = Path(__file__).resolve().parents[2]
    kg = KnowledgeGraph.load(
        [root / "graphs" / "ontology.ttl", root / "tests" / "checks" / "fixtures" / "mini_world.ttl"]
    )
    return kg, EntityLinker(kg)


def _oxigraph_or_skip() -> None:
    """Skip where the oxigraph server program is missing, except in CI (``CI`` set), where it must be there."""
    import os

    from kgqa.bench.sparql_server import INSTALL_HINT, oxigraph_binary
    from kgqa.errors import MissingDependencyError

    try:
        oxigraph_binary()
    except MissingDependencyError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"the oxigraph SPARQL server is not installed; {INSTALL_HINT}")


@pytest.fixture(scope="session")
def toy_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph SPARQL server on 127.0.0.1 holding the toy world's export; yields its query URL."""
    from kgqa.bench.sparql_server import OxigraphServer

    _oxigraph_or_skip()
    folder = tmp_path_factory.mktemp("toy-endpoint")
    nquads = KnowledgeGraph.load([TOY]).export_nquads(folder / "toy.nq")
    with OxigraphServer(folder / "db", nquads=[nquads], read_only=True) as server:
        yield server.query_url


@pytest.fixture(scope="session")
def plain_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server holding the toy world's Turtle as plain triples (no kgqa layout); yields its query URL."""
    from kgqa.bench.sparql_server import OxigraphServer

    _oxigraph_or_skip()
    folder = tmp_path_factory.mktemp("plain-endpoint")
    with OxigraphServer(folder / "db") as server:
        server.post_rdf(TOY)
        yield server.query_url
