"""Fixtures of the graph tests: the toy world (its own namespace, apart from the default world)."""

from __future__ import annotations

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
