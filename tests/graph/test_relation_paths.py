"""Relation-path answering (kgqa.graph.relation_paths) on the mini world with a stand-in relation model,
and the nested question on the shipped world with the shipped model."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from kgqa.answering import graph_answer
from kgqa.budget import Budget
from kgqa.checks.questions import analyze_question
from kgqa.errors import InputError
from kgqa.graph.kg import KnowledgeGraph
from kgqa.graph.linking import Candidate, EntityLinker, Mention
from kgqa.graph.relation_paths import (
    INVERSE_PREFIX,
    STEP_SEPARATOR,
    Step,
    path_text,
    read_starts,
    search_paths,
    steps_text,
    walk_paths,
)
from kgqa.graph.relations import RelationMatcher

ROOT = Path(__file__).resolve().parents[2]
M = "http://mini.example/"
ONT = "https://kgqa.dev/ontology#"
#: the stand-in model reads "born" as "birth" and "wrote" as "author", as a trained model would
SAME = {"born": "birth", "wrote": "author", "written": "author"}


class BagOfWords:
    """A stand-in relation model: cosine of hashed bags of words (the path logic, not the model, is tested)."""

    threshold = 0.2

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 512), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[i, zlib.crc32(SAME.get(word, word).encode()) % 512] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def rank(self, kg: KnowledgeGraph, marked_text: str, top_k: int = 5) -> list[tuple[str, float]]:
        return []  # the one-relation reading's learned candidates are not under test here


@pytest.fixture(scope="module")
def mini() -> tuple[KnowledgeGraph, EntityLinker]:
    kg = KnowledgeGraph.load(
        [ROOT / "graphs" / "ontology.ttl", ROOT / "tests" / "checks" / "fixtures" / "mini_world.ttl"]
    )
    return kg, EntityLinker(kg)


def search(mini: tuple[KnowledgeGraph, EntityLinker], question: str, **kw: int):  # noqa: ANN201
    kg, linker = mini
    return search_paths(kg, BagOfWords(), linker.find_mentions(question), question, analyze_question(question).wh, **kw)


def test_path_text_joins_the_step_texts() -> None:
    assert path_text(["author", "place of birth"]) == "author" + STEP_SEPARATOR + "place of birth"


def test_directed_path_texts_mark_backward_steps_of_longer_paths_only() -> None:
    assert path_text(["written by", "written by", "directed by"], [True, False, True]) == (
        f"written by ; {INVERSE_PREFIX}written by ; directed by"
    )
    # twin: the other direction of the last step gives another text, and so does the undirected form
    assert path_text(["written by", "directed by"], [True, False]) == f"written by ; {INVERSE_PREFIX}directed by"
    assert path_text(["written by", "directed by"]) == "written by ; directed by"
    # one step keeps its plain text whichever way it is walked
    assert path_text(["directed by"], [False]) == "directed by"
    props = {ONT + "author": "author"}
    back = (Step(ONT + "author"), Step(ONT + "author", forward=False))
    assert steps_text(props, back, directed=True) == f"author ; {INVERSE_PREFIX}author"
    assert steps_text(props, back, directed=False) == "author ; author"
    with pytest.raises(InputError, match="directions"):
        path_text(["a", "b"], [True])


class RecordingBagOfWords(BagOfWords):
    """The stand-in model, remembering every text it embeds."""

    def __init__(self, directed: bool) -> None:
        self.path_directions = directed
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen += list(texts)
        return super().encode(texts)


def test_a_directed_model_is_asked_the_directed_texts(mini) -> None:
    kg, linker = mini
    question = "Which other towns are in the country of Eastholm?"
    mentions = linker.find_mentions(question)
    plain, directed = RecordingBagOfWords(False), RecordingBagOfWords(True)
    assert search_paths(kg, plain, mentions, question, None) is not None
    assert search_paths(kg, directed, mentions, question, None) is not None
    # Eastholm -country-> Norland <-country- Port Vell: walked forward and back
    assert f"country ; {INVERSE_PREFIX}country" in directed.seen
    assert "country ; country" in plain.seen
    assert not any(INVERSE_PREFIX in t for t in plain.seen)


def test_a_nested_question_is_answered_through_a_two_step_path(mini) -> None:
    kg, _ = mini
    found = search(mini, "Where was the author of The Glass Orchard born?")
    assert found is not None
    assert found.best.steps == (Step(ONT + "author"), Step(ONT + "birthPlace"))
    assert found.best.answers(kg) == [M + "Port_Vell"]
    assert found.best.entity == M + "Glass_Orchard"
    record = found.to_dict(kg)
    assert record["chosen"]["answers"] == ["Port Vell"]
    assert record["chosen"]["text"] == "author ; place of birth"
    assert record["runners_up"] and all(r["adjusted"] <= record["chosen"]["adjusted"] for r in record["runners_up"])
    assert record["budgets"] == []  # nothing was cut


def test_another_relation_on_the_same_shape_gives_another_answer(mini) -> None:
    kg, _ = mini
    found = search(mini, "When was the author of The Glass Orchard born?")
    assert found is not None
    assert found.best.steps == (Step(ONT + "author"), Step(ONT + "birthDate"))
    assert found.best.answers(kg) == ["1850-02-11"]


def test_a_one_step_question_keeps_one_step(mini) -> None:
    kg, _ = mini
    found = search(mini, "Who wrote The Glass Orchard?")
    assert found is not None and len(found.best.steps) == 1
    assert [kg.label(a) for a in found.best.answers(kg)] == ["Ada Finch"]


def test_the_start_entity_is_never_its_own_answer(mini) -> None:
    kg, _ = mini
    found = walk_paths(kg, M + "Eastholm", lambda keys: [0.0] * len(keys), max_hops=2)
    assert found and all(M + "Eastholm" not in ends for ends in found.values())
    # Eastholm -country-> Norland <-country- Port Vell: a two-step walk backwards
    assert M + "Port_Vell" in found[(Step(ONT + "country"), Step(ONT + "country", forward=False))]


def test_a_budget_that_cuts_the_search_is_recorded(mini) -> None:
    found = search(mini, "Where was the author of The Glass Orchard born?", node_budget=1)
    assert found is not None
    assert {"budget": "path_nodes", "limit": 1, "used": 1} in found.budgets
    assert found.best.steps == (Step(ONT + "author"),)  # the second step was never read


def test_a_text_budget_bounds_the_path_texts_encoded_and_is_recorded(mini) -> None:
    question = "Where was the author of The Glass Orchard born?"
    cut = search(mini, question, text_budget=2)  # two texts of several steps may be scored
    full = search(mini, question)
    assert cut is not None and full is not None
    assert {"budget": "path_texts", "limit": 2, "used": 2} in cut.budgets
    # negative: the default budget does not cut this small world's search, and it finds the two-step path
    assert all(b["budget"] != "path_texts" for b in full.budgets)
    assert len(full.best.steps) == 2


def test_an_edge_budget_bounds_the_facts_read_and_is_recorded(mini) -> None:
    kg, _ = mini
    every = kg.edges(M + "Norland")
    assert len(kg.edges(M + "Norland", limit=2)) == 2 < len(every)
    assert (ONT + "capital", M + "Eastholm", True) in every and (ONT + "country", M + "Port_Vell", False) in every
    edges = Budget("path_edges", 3)
    cut = walk_paths(kg, M + "Norland", lambda keys: [0.0] * len(keys), max_hops=2, edges=edges)
    assert edges.exhausted and edges.used == 3 and edges.to_dict() == {"budget": "path_edges", "limit": 3, "used": 3}
    whole = walk_paths(
        kg, M + "Norland", lambda keys: [0.0] * len(keys), max_hops=2, edges=Budget("path_edges", 10_000)
    )
    assert sum(len(v) for v in cut.values()) < sum(len(v) for v in whole.values())


def test_bad_hops_and_text_are_refused(mini) -> None:
    kg, linker = mini
    with pytest.raises(InputError, match="max_hops"):
        walk_paths(kg, M + "Eastholm", lambda keys: [0.0] * len(keys), max_hops=0)
    with pytest.raises(InputError, match="question text"):
        search_paths(kg, BagOfWords(), [], "  ")


def test_graph_answer_takes_the_path_and_records_it(mini) -> None:
    kg, linker = mini
    question = "Where was the author of The Glass Orchard born?"
    analysis = analyze_question(question)
    relations = RelationMatcher(kg, BagOfWords())  # type: ignore[arg-type]
    ans = graph_answer(kg, relations, linker.find_mentions(question), analysis.focus, analysis.wh, question=question)
    assert ans is not None and ans.texts == ["Port Vell"]
    assert ans.relation == f"{ONT}author ; {ONT}birthPlace"
    assert ans.path is not None and ans.path["chosen"]["hops"] == 2
    assert {(t.subject, t.predicate, t.object) for t in ans.facts} == {
        (M + "Glass_Orchard", ONT + "author", M + "Ada_Finch"),
        (M + "Ada_Finch", ONT + "birthPlace", M + "Port_Vell"),
    }


class TwoThresholds(BagOfWords):
    """A model whose one-relation threshold differs from its path threshold (as a trained model's do)."""

    threshold = 0.21
    path_threshold = 0.37


def test_a_one_step_path_is_judged_by_the_one_relation_threshold(mini) -> None:
    kg, linker = mini
    for question, steps, expected in (
        ("What is the capital of Norland?", 1, 0.21),
        ("Where was the author of The Glass Orchard born?", 2, 0.37),  # negative: a longer path keeps its own
    ):
        found = search_paths(
            kg, TwoThresholds(), linker.find_mentions(question), question, analyze_question(question).wh
        )
        assert found is not None and len(found.best.steps) == steps and found.threshold == expected


def test_graph_answer_passes_its_text_budget_to_the_path_search(mini) -> None:
    kg, linker = mini
    question = "Where was the author of The Glass Orchard born?"
    analysis = analyze_question(question)
    mentions = linker.find_mentions(question)
    # one text of several steps is all the search may score
    tiny = graph_answer(
        kg, RelationMatcher(kg, BagOfWords()), mentions, analysis.focus, analysis.wh, question=question, text_budget=1
    )  # type: ignore[arg-type]
    assert tiny is None or tiny.path is None or tiny.texts != ["Port Vell"]
    full = graph_answer(kg, RelationMatcher(kg, BagOfWords()), mentions, analysis.focus, analysis.wh, question=question)  # type: ignore[arg-type]
    assert full is not None and full.texts == ["Port Vell"]


def answer_args(mini: tuple[KnowledgeGraph, EntityLinker], question: str, model: object) -> tuple:
    """The positional arguments of :func:`graph_answer` for ``question`` with the stand-in ``model``."""
    kg, linker = mini
    analysis = analyze_question(question)
    relations = RelationMatcher(kg, model)  # type: ignore[arg-type]
    return (kg, relations, linker.find_mentions(question), analysis.focus, analysis.wh, question)


def test_graph_answer_takes_the_world_s_path_threshold_over_the_model_s(mini) -> None:
    args = answer_args(mini, "Where was the author of The Glass Orchard born?", BagOfWords())
    kept = graph_answer(*args, path_threshold=-1.0)
    assert kept is not None and kept.texts == ["Port Vell"] and kept.path["threshold"] == -1.0
    # negative: a threshold above any cosine turns the path down (the recorded threshold is the one used)
    refused = graph_answer(*args, path_threshold=1.0)
    assert refused is None or refused.path is None
    assert BagOfWords.threshold == 0.2  # the model itself is left as it was
    # the path turned down is recorded for the trace, with why; a taken one is not
    notes: dict = {}
    graph_answer(*args, path_threshold=1.0, notes=notes)
    skipped = notes["path_not_taken"]
    assert skipped["threshold"] == 1.0 and skipped["chosen"]["score"] < 1.0 and "under the threshold" in skipped["why"]
    taken: dict = {}
    graph_answer(*args, path_threshold=-1.0, notes=taken)
    assert taken == {}


def test_an_exact_relation_name_keeps_the_one_relation_reading(mini) -> None:
    kg, linker = mini
    question = "What is the capital of Norland?"
    analysis = analyze_question(question)
    relations = RelationMatcher(kg, BagOfWords())  # type: ignore[arg-type]
    ans = graph_answer(kg, relations, linker.find_mentions(question), analysis.focus, analysis.wh, question=question)
    assert ans is not None and ans.texts == ["Eastholm"] and ans.path is None


# ------------------------------------------------------------------ the shipped world and model


@pytest.fixture(scope="module")
def shipped():  # noqa: ANN201
    from kgqa.graph.relation_model import shipped_model_dir
    from kgqa.pipeline import Pipeline

    if not (shipped_model_dir() / "layers.safetensors").is_file():
        pytest.skip("the shipped relation model is missing")
    return Pipeline.load()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Where was the author of Hamlet born?", "Stratford-upon-Avon"),
        ("Who wrote Hamlet?", "William Shakespeare"),  # one step stays one step
    ],
)
def test_nested_question_on_the_shipped_world(shipped, question: str, expected: str) -> None:
    ms = shipped.linker.find_mentions(question)
    analysis = analyze_question(question)
    ans = graph_answer(shipped.kg, shipped.relations, ms, analysis.focus, analysis.wh, question=question)
    assert ans is not None and ans.texts[0] == expected


def test_nested_question_negative_on_the_shipped_world(shipped) -> None:
    """The same shape with another entity gives that entity's author's birthplace, not Stratford."""
    question = "Where was the author of Pride and Prejudice born?"
    ms = shipped.linker.find_mentions(question)
    analysis = analyze_question(question)
    ans = graph_answer(shipped.kg, shipped.relations, ms, analysis.focus, analysis.wh, question=question)
    assert ans is not None and ans.texts[0] != "Stratford-upon-Avon"
    assert ans.path is not None and ans.path["chosen"]["hops"] == 2


@pytest.mark.parametrize(("value", "ok"), [(True, True), (False, True), ("yes", False), (1, False)])
def test_the_model_path_directions_flag_is_checked(tmp_path, value: object, ok: bool) -> None:
    import json

    from kgqa.errors import ConfigError
    from kgqa.graph.relation_model import META_FILE, WEIGHTS_FILE, RelationModel

    (tmp_path / WEIGHTS_FILE).write_bytes(b"")  # read on first use only
    (tmp_path / META_FILE).write_text(json.dumps({"layers": [5], "threshold": 0.5, "path_directions": value}))
    if ok:
        assert RelationModel(tmp_path).path_directions is value
    else:
        with pytest.raises(ConfigError, match="path_directions"):
            RelationModel(tmp_path)


@pytest.mark.parametrize(("value", "ok"), [(0.45, True), (2, False), ("high", False), (True, False)])
def test_the_model_path_threshold_is_checked(tmp_path, value: object, ok: bool) -> None:
    import json

    from kgqa.errors import ConfigError
    from kgqa.graph.relation_model import META_FILE, WEIGHTS_FILE, RelationModel

    (tmp_path / WEIGHTS_FILE).write_bytes(b"")  # read on first use only
    (tmp_path / META_FILE).write_text(json.dumps({"layers": [5], "threshold": 0.5, "path_threshold": value}))
    if ok:
        assert RelationModel(tmp_path).path_threshold == value
    else:
        with pytest.raises(ConfigError, match="path_threshold"):
            RelationModel(tmp_path)


def test_the_config_s_path_settings_default_to_the_shared_margin_and_the_model_s_threshold() -> None:
    from kgqa.config import PipelineConfig
    from kgqa.errors import ConfigError
    from kgqa.graph.relation_paths import HOP_MARGIN

    config = PipelineConfig()
    assert config.path_hop_margin == HOP_MARGIN and config.path_threshold is None
    assert PipelineConfig(path_hop_margin=0.01, path_threshold=0.42).path_threshold == 0.42
    # negative: out of range
    with pytest.raises(ConfigError, match="path_threshold is a cosine"):
        PipelineConfig(path_threshold=1.5)
    with pytest.raises(ConfigError, match="path_hop_margin"):
        PipelineConfig(path_hop_margin=-0.1)


def test_the_paths_scored_do_not_depend_on_what_was_asked_before(mini) -> None:
    kg, linker = mini
    question = "Where was the author of The Glass Orchard born?"
    model = BagOfWords()

    def run(**kw: int):  # noqa: ANN202
        return search_paths(kg, model, linker.find_mentions(question), question, analyze_question(question).wh, **kw)

    first = run(text_budget=1)
    run()  # every path text of the question is embedded now
    again = run(text_budget=1)
    assert first is not None and again is not None
    assert again.to_dict(kg) == first.to_dict(kg)  # the same paths scored, the same choice and record
    assert {"budget": "path_texts", "limit": 1, "used": 1} in again.budgets


class Overeager(BagOfWords):
    """A stand-in whose one-relation reading of any phrase is Ada Finch's place of birth, with a high score."""

    def rank(self, kg: KnowledgeGraph, marked_text: str, top_k: int = 5) -> list[tuple[str, float]]:
        return [(ONT + "birthPlace", 0.99)]


def test_a_path_turned_down_is_not_re_answered_by_the_learned_reading_of_the_phrase(mini) -> None:
    args = answer_args(mini, "What was the weather like in the town the day Ada Finch married?", Overeager())
    # the path search read the whole question and turned its best path down: no answer from the phrase's reading
    assert graph_answer(*args, path_threshold=1.0) is None
    # negative: where the path search takes a path, it answers
    taken = graph_answer(*args, path_threshold=-1.0)
    assert taken is not None and taken.path is not None
    # negative: a phrase that names a property still answers after a turned-down path
    found = graph_answer(
        *answer_args(mini, "Where is the place of birth of Ada Finch?", Overeager()), path_threshold=1.0
    )
    assert found is not None and found.texts == ["Port Vell"]


def _ambiguous(kg: KnowledgeGraph, question: str, name: str, iris: Sequence[str]) -> Mention:
    """A mention of ``name`` whose candidates are ``iris``, the first one linked (as the prior would rank them)."""
    start = question.index(name)
    cands = tuple(Candidate(i, kg.label(i), "label", 1.0, len(kg.edges(i)), 1.0 - 0.1 * r) for r, i in enumerate(iris))
    return Mention(name, start, start + len(name), iris[0], kg.label(iris[0]), 1.0, "exact", cands)


def test_a_later_candidate_s_own_facts_are_read_before_an_earlier_one_walks_deeper(mini) -> None:
    kg, _ = mini
    question = "Where was Finch born?"
    hub, person = M + "Norland", M + "Ada_Finch"
    budget = 2 * max(len(kg.edges(hub)), len(kg.edges(person)))
    mention = _ambiguous(kg, question, "Finch", [hub, person])
    found = search_paths(kg, BagOfWords(), [mention], question, "where", edge_budget=budget)
    assert found is not None
    assert found.best.entity == person and found.best.steps == (Step(ONT + "birthPlace"),)
    assert {"budget": "path_edges", "limit": budget, "used": budget} in found.budgets  # the budget did cut
    # negative: walked one start after the other, the first start's deeper steps spend the same budget first
    edges = Budget("path_edges", budget)
    walk_paths(kg, hub, lambda keys: [0.0] * len(keys), edges=edges)
    assert walk_paths(kg, person, lambda keys: [0.0] * len(keys), edges=edges) == {}


def test_read_starts_leaves_each_later_start_its_share(mini) -> None:
    kg, _ = mini
    hub, person = M + "Norland", M + "Ada_Finch"
    assert len(kg.edges(hub)) > 5 and len(kg.edges(person)) > 5
    # a budget too small for the reserve is shared equally: the hub may read 5 of its facts, the person the rest
    seen: dict = {}
    edges = Budget("path_edges", 10)
    read_starts(kg, [hub, person], seen, Budget("path_nodes", 10), edges, reserve=1000)
    assert edges.used == 10 and edges.exhausted
    assert person in seen  # read, within what the hub left
    hub_only: dict = {}
    read_starts(kg, [hub], hub_only, Budget("path_nodes", 10), Budget("path_edges", 5), reserve=1000)
    assert seen[hub] == hub_only[hub]  # exactly the first 5 of the hub's facts
    # a start two mentions share is one start: it takes no second share
    twice: dict = {}
    read_starts(kg, [hub, hub, person], twice, Budget("path_nodes", 10), Budget("path_edges", 10), reserve=1000)
    assert twice == seen
    # negative: with room for both, every fact of both is read and nothing is cut
    seen, edges = {}, Budget("path_edges", 100)
    read_starts(kg, [hub, person], seen, Budget("path_nodes", 10), edges, reserve=10)
    assert edges.used == len(kg.edges(hub)) + len(kg.edges(person)) and not edges.exhausted
