"""Every decision threshold is a PipelineConfig field, validated, and read where it is used."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from kgqa.checks.premise import PremiseChecker
from kgqa.checks.questions import analyze_question
from kgqa.checks.verdict import decide
from kgqa.config import THRESHOLDS, PipelineConfig
from kgqa.errors import ConfigError
from kgqa.graph.linking import EntityLinker
from kgqa.graph.relations import RelationMatcher
from kgqa.types import Hit, Passage, ReaderSpan

DEFAULTS = {
    "entail_threshold": 0.6,
    "contradict_threshold": 0.6,
    "min_passage_relevance": 0.45,
    "min_retrieval_score": 0.2,
    "linker_fuzzy_threshold": 0.85,
    "linker_embedding_threshold": 0.75,
}


def test_the_defaults_are_the_shipped_behaviour() -> None:
    config = PipelineConfig()
    assert {name: getattr(config, name) for name in THRESHOLDS} == DEFAULTS


@pytest.mark.parametrize("name", sorted(DEFAULTS))
@pytest.mark.parametrize("value", [1.5, -1.5, "0.5", True, None])
def test_a_threshold_out_of_range_or_not_a_number_is_refused(name: str, value: object) -> None:
    with pytest.raises(ConfigError, match=name):
        PipelineConfig(**{name: value})


@pytest.mark.parametrize(
    ("name", "value", "ok"),
    [
        ("entail_threshold", 1.0, True),
        ("entail_threshold", 0.0, False),  # every passage would entail
        ("min_passage_relevance", 0.0, True),
        ("min_passage_relevance", -1.0, True),  # a cosine: every passage counts
        ("min_retrieval_score", -1.0, True),
        ("linker_fuzzy_threshold", 0.0, False),
        ("linker_embedding_threshold", -0.5, True),
        ("linker_embedding_threshold", -1.0, False),
    ],
)
def test_range_edges(name: str, value: float, ok: bool) -> None:
    if ok:
        assert getattr(PipelineConfig(**{name: value}), name) == value
    else:
        with pytest.raises(ConfigError, match=name):
            PipelineConfig(**{name: value})


def test_a_threshold_hidden_in_extra_is_refused() -> None:
    with pytest.raises(ConfigError, match="min_retrieval_score"):
        PipelineConfig(extra={"min_retrieval_score": 0.3})
    assert PipelineConfig(extra={"note": "kept"}).extra == {"note": "kept"}


def test_thresholds_round_trip_through_json(tmp_path) -> None:
    config = PipelineConfig(entail_threshold=0.7, min_passage_relevance=0.3, linker_fuzzy_threshold=0.9)
    assert PipelineConfig.load(config.save(tmp_path)) == config


# -- the premise check reads its thresholds ------------------------------------------------------------------


class FixedNLI:
    """Gives every pair the same entailment / neutral / contradiction probabilities."""

    def __init__(self, probs: tuple[float, float, float]) -> None:
        self.probs = np.asarray(probs, dtype=np.float32)

    def predict(self, pairs):
        return np.tile(self.probs, (len(pairs), 1))

    def warm_up(self) -> None:
        return None


# no entity of the mini world: the passages count by their retrieval score alone
CLAIM = "Zorblax the Unseen painted the moon purple."


def _checker(mini_kg, nli: FixedNLI, **thresholds: float) -> PremiseChecker:
    return PremiseChecker(mini_kg, EntityLinker(mini_kg), RelationMatcher(mini_kg), nli=nli, **thresholds)


def _hits(score: float) -> list[Hit]:
    return [Hit(Passage("p1", "Zorblax the Unseen painted the moon purple in 1900."), score, 1)]


def test_premise_check_uses_the_entailment_threshold(mini_kg) -> None:
    nli = FixedNLI((0.65, 0.25, 0.10))
    assert _checker(mini_kg, nli).check(CLAIM, hits=_hits(0.9)).status == "supported"
    assert _checker(mini_kg, nli, entail_threshold=0.7).check(CLAIM, hits=_hits(0.9)).status == "unknown"


# a claim the mini world reads (subject, relation, object) and holds nothing about, and a passage naming both
LINKED = "Jon Reed was born in Eastholm."
LINKED_TEXT = "Jon Reed was born in Eastholm in 1780."
LINKED_HITS = [Hit(Passage("p2", LINKED_TEXT), 0.9, 1)]


class PassageNLI(FixedNLI):
    """The fixed probabilities for the passage only; every other premise (a fact sentence) neutral."""

    def predict(self, pairs):
        neutral = np.asarray((0.0, 1.0, 0.0), dtype=np.float32)
        return np.stack([self.probs if premise == LINKED_TEXT else neutral for premise, _ in pairs])


def test_premise_check_uses_the_contradiction_threshold(mini_kg) -> None:
    nli = PassageNLI((0.10, 0.25, 0.65))
    assert _checker(mini_kg, nli).check(LINKED, hits=LINKED_HITS).status == "contradicted"
    assert _checker(mini_kg, nli, contradict_threshold=0.7).check(LINKED, hits=LINKED_HITS).status == "unknown"


def test_a_passage_does_not_contradict_a_claim_it_cannot_read(mini_kg) -> None:
    nli = FixedNLI((0.10, 0.25, 0.65))  # over the threshold, but nothing ties the passage to the claim's subject
    assert _checker(mini_kg, nli).check(CLAIM, hits=_hits(0.9)).status == "unknown"
    # a linked subject without a relation read: the passage may be about anything else the subject did
    text = "Ada Finch painted the moon purple in 1900."
    assert (
        _checker(mini_kg, nli)
        .check("Ada Finch painted the moon purple.", hits=[Hit(Passage("p3", text), 0.9, 1)])
        .status
        == "unknown"
    )


def test_premise_check_uses_the_relevance_threshold(mini_kg) -> None:
    nli = FixedNLI((0.9, 0.05, 0.05))
    assert _checker(mini_kg, nli).check(CLAIM, hits=_hits(0.4)).status == "unknown"  # 0.4 < 0.45
    assert _checker(mini_kg, nli, min_relevance=0.3).check(CLAIM, hits=_hits(0.4)).status == "supported"


def test_the_pipeline_passes_its_thresholds_to_the_checker(mini_kg) -> None:
    from kgqa.pipeline import Pipeline

    config = PipelineConfig(entail_threshold=0.8, contradict_threshold=0.7, min_passage_relevance=0.3)
    linker = EntityLinker(mini_kg)
    pipe = Pipeline(config, mini_kg, None, None, FixedNLI((1, 0, 0)), linker, RelationMatcher(mini_kg))  # type: ignore[arg-type]
    checker = pipe.checker
    assert (checker.entail_threshold, checker.contradict_threshold, checker.min_relevance) == (0.8, 0.7, 0.3)


# -- the decision reads min_retrieval_score ------------------------------------------------------------------


def _decide(best_score: float, config: PipelineConfig):
    span = ReaderSpan("p1", "Zorblax", 0, 7, 3.0, -2.0)
    return decide(
        analysis=analyze_question("Who painted the moon purple?"),
        checks=[],
        yes_no=None,
        reader_best=span,
        graph=None,
        graph_agrees=None,
        nli_records=[],
        hits=_hits(best_score),
        config=config,
    )


def test_an_unconfirmed_answer_is_dropped_below_min_retrieval_score() -> None:
    assert _decide(0.25, PipelineConfig()).verdict == "unverified"
    dropped = _decide(0.25, PipelineConfig(min_retrieval_score=0.3))
    assert (dropped.verdict, dropped.rule, dropped.answer) == ("no_answer", "nothing_relevant_retrieved", None)


def test_pipeline_load_passes_the_linker_thresholds(monkeypatch: pytest.MonkeyPatch, mini_kg) -> None:
    import kgqa.graph.kg
    import kgqa.retrieval

    monkeypatch.setattr(kgqa.graph.kg.KnowledgeGraph, "load", classmethod(lambda cls, paths=None: mini_kg))
    monkeypatch.setattr(kgqa.retrieval, "default_index", lambda encoder=None: SimpleNamespace(search=None))
    from kgqa.pipeline import Pipeline

    config = dataclasses.replace(PipelineConfig(), linker_fuzzy_threshold=0.9, linker_embedding_threshold=0.8)
    pipe = Pipeline.load(config)
    assert (pipe.linker.fuzzy_threshold, pipe.linker.embedding_threshold) == (0.9, 0.8)
