"""A premise checker over the shipped ontology plus an invented mini world (no models needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def mini_kg():
    from kgqa.graph.kg import KnowledgeGraph

    return KnowledgeGraph.load([ROOT / "graphs" / "ontology.ttl", FIXTURES / "mini_world.ttl"])


@pytest.fixture(scope="session")
def checker(mini_kg):
    from kgqa.checks.premise import PremiseChecker
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher

    return PremiseChecker(mini_kg, EntityLinker(mini_kg), RelationMatcher(mini_kg), nli=None)


@pytest.fixture(scope="module")
def checker_with(tmp_path_factory):
    """A function: the premise checker over the shipped ontology, the mini world and ``extra`` Turtle."""
    from kgqa.checks.premise import PremiseChecker
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher

    def make(extra: str) -> PremiseChecker:
        path = tmp_path_factory.mktemp("extra") / "extra.ttl"
        path.write_text(extra, encoding="utf-8")
        kg = KnowledgeGraph.load([ROOT / "graphs" / "ontology.ttl", FIXTURES / "mini_world.ttl", path])
        return PremiseChecker(kg, EntityLinker(kg), RelationMatcher(kg), nli=None)

    return make
