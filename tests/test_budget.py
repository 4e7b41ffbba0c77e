"""Budgets: the limit of each search, validated, and recorded in the trace only when it cut a search short."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kgqa.budget import Budget, check_limit, cuts
from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "checks" / "fixtures" / "mini_world.ttl"
M = "http://mini.example/"


@pytest.fixture(scope="module")
def mini():
    from kgqa.graph.kg import KnowledgeGraph

    return KnowledgeGraph.load([ROOT / "graphs" / "ontology.ttl", MINI])


def test_budget_counts_and_records_a_cut():
    b = Budget("path_budget", 3)
    assert b.cut(range(2)) == [0, 1] and not b.exhausted and b.left == 1
    assert cuts([b]) == []
    assert b.cut(range(5)) == [0]
    assert b.exhausted and b.to_dict() == {"budget": "path_budget", "limit": 3, "used": 3}
    assert cuts([b, Budget("other", 9)]) == [{"budget": "path_budget", "limit": 3, "used": 3}]


def test_budget_that_fits_exactly_is_not_a_cut():
    b = Budget("fact_budget", 2)
    assert b.cut(["a", "b"]) == ["a", "b"] and not b.exhausted


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3", None])
def test_budget_limit_must_be_a_positive_whole_number(bad):
    with pytest.raises(ConfigError, match="budget fact_budget must be a whole number of at least 1"):
        check_limit("fact_budget", bad)
    with pytest.raises(ConfigError):
        Budget("fact_budget", bad)


@pytest.mark.parametrize("name", ["path_budget", "path_text_budget", "fact_budget", "nli_pair_budget"])
def test_config_budgets_are_validated(name):
    assert getattr(PipelineConfig(), name) >= 1
    assert getattr(PipelineConfig(**{name: 7}), name) == 7
    with pytest.raises(ConfigError, match=f"{name} must be at least 1"):
        PipelineConfig(**{name: 0})
    with pytest.raises(ConfigError, match=f"{name} must be a whole number"):
        PipelineConfig.from_dict({name: "many"})


@pytest.mark.parametrize(
    "name",
    ["fact_entail_threshold", "fact_contradict_threshold", "fact_single_valued_share", "fact_substitution_threshold"],
)
def test_config_fact_thresholds_are_probabilities(name):
    assert 0 < getattr(PipelineConfig(), name) <= 1
    with pytest.raises(ConfigError, match=name):
        PipelineConfig(**{name: 1.5})
    with pytest.raises(ConfigError, match=name):
        PipelineConfig(**{name: 0.0})


def test_neighbour_path_tiny_budget_is_recorded_generous_is_not(mini):
    from kgqa.graph.paths import neighbour_path

    generous = Budget("path_budget", 1000)
    path = neighbour_path(mini, M + "Ada_Finch", M + "Borea", max_len=4, budget=generous)
    assert path and M + "Ada_Finch" in (path[0].subject, path[0].object)
    assert M + "Borea" in (path[-1].subject, path[-1].object)
    assert not generous.exhausted and cuts([generous]) == []
    tiny = Budget("path_budget", 1)
    assert neighbour_path(mini, M + "Ada_Finch", M + "Borea", max_len=4, budget=tiny) is None
    assert cuts([tiny]) == [{"budget": "path_budget", "limit": 1, "used": 1}]


def test_neighbour_path_agrees_with_shortest_path(mini):
    from kgqa.graph.paths import neighbour_path

    a, b = M + "Glass_Orchard", M + "Norland"
    mine = neighbour_path(mini, a, b, max_len=4)
    theirs = mini.shortest_path(a, b, max_len=4)
    assert mine is not None and theirs is not None and len(mine) == len(theirs) == 3
    assert neighbour_path(mini, a, M + "Steam_Loom", max_len=4) is None  # no chain joins them
    assert neighbour_path(mini, a, a) == []


def test_bfs_path_budget():
    from rdflib import URIRef

    from kgqa.graph import paths

    a, b, c, d = (URIRef(M + x) for x in "abcd")
    p = URIRef(M + "next")
    adj = paths.adjacency([(a, p, b), (b, p, c), (c, p, d)])
    assert paths.bfs_path(adj, a, d, 4, Budget("path_budget", 100)) == [(a, p, b), (b, p, c), (c, p, d)]
    tiny = Budget("path_budget", 1)
    assert paths.bfs_path(adj, a, d, 4, tiny) is None and tiny.exhausted
    assert paths.bfs_path(adj, a, d, 4) is not None  # no budget: unbounded, as before


class _NLI:
    """Neutral on every pair (no calibration)."""

    def predict(self, pairs):
        return np.tile(np.array([[0.1, 0.8, 0.1]], dtype=np.float32), (len(pairs), 1))


def _check(mini, **limits):
    from kgqa.checks.premise import PremiseChecker
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher
    from kgqa.types import Claim

    checker = PremiseChecker(mini, EntityLinker(mini), RelationMatcher(mini), nli=_NLI(), **limits)
    claim = Claim("Norland borders Borea.", subject=M + "Norland", relation=None, object=M + "Borea")
    return checker.check(claim.text, claim=claim)


def _sentences(check):
    return [e for e in check.evidence if e.detail.get("rule") in ("fact_sentence", "fact_sentences")]


def test_fact_budgets_recorded_in_the_trace_only_when_they_cut(mini):
    # Norland has more facts than 4: its other facts are not read; Borea's one fact is
    tiny = _check(mini, fact_budget=4, nli_pair_budget=1)
    (summary,) = _sentences(tiny)
    assert len(summary.detail["sentences"]) == 1
    assert {"budget": "fact_budget", "limit": 4, "used": 1} in summary.detail["budgets"]
    generous = _check(mini, fact_budget=500, nli_pair_budget=500)
    (summary,) = _sentences(generous)
    assert len(summary.detail["sentences"]) > 1 and "budgets" not in summary.detail
    assert tiny.status == generous.status == "unknown"


def test_the_config_path_budgets_are_the_search_defaults():
    # graph_answer's defaults (used by `kgqa bench kgqa`) and Pipeline.ask's config must search alike
    from kgqa.graph.relation_paths import NODE_BUDGET, TEXT_BUDGET

    assert PipelineConfig().path_budget == NODE_BUDGET
    assert PipelineConfig().path_text_budget == TEXT_BUDGET
