"""The link model (kgqa.graph.link_model): rank shares, eligibility, files, and the graph rule it drives."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kgqa.errors import ConfigError, ModelNotFoundError
from kgqa.graph.link_model import LinkModel, complex_scores, relation_key

P = "http://x.example/directedBy"


def _model(threshold: float = 0.5) -> LinkModel:
    """Entities e0..e5; relation P (threshold given): head e0 prefers e1 > e2 > e3 > e4 > e5 (real parts only)."""
    entities = [f"http://x.example/e{i}" for i in range(6)]
    ent = np.zeros((6, 4), dtype=np.float32)
    ent[0] = [1.0, 0.0, 0.0, 0.0]
    for i in range(1, 6):
        ent[i] = [6.0 - i, 0.0, 0.0, 0.0]  # score with head e0 and relation (1, 0): 5, 4, 3, 2, 1
    rel = np.asarray([[1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    relations = [P, relation_key(P, True)]
    meta = {"test": {"per_relation": {P: {"false_alarm_rate": 0.04}}}}
    return LinkModel(entities, relations, ent, rel, {P: [1, 2, 3, 4, 5]}, {P: threshold}, meta)


def test_complex_scores_are_the_real_part_of_the_trilinear_product():
    rng = np.random.default_rng(0)
    h, r, t = (rng.normal(size=6) for _ in range(3))
    hc, rc, tc = (x[:3] + 1j * x[3:] for x in (h, r, t))
    expected = float(np.real(np.sum(hc * rc * np.conj(tc))))
    assert complex_scores(h, r, t[None, :])[0] == pytest.approx(expected)


def test_rank_share_counts_the_candidates_above_the_claimed_value_and_leaves_known_values_out():
    m = _model()
    e = m.entities
    assert m.rank_share(e[0], P, e[1], []) == (0.0, 5)
    assert m.rank_share(e[0], P, e[5], []) == (1.0, 5)
    share, n = m.rank_share(e[0], P, e[3], [])
    assert share == pytest.approx(0.5) and n == 5
    # the holder's known value e1 is not a competitor (filtered ranking)
    share, n = m.rank_share(e[0], P, e[3], [e[1]])
    assert share == pytest.approx(1 / 3) and n == 4


def test_plausibility_compares_with_the_threshold():
    m = _model(threshold=0.5)
    e = m.entities
    low = m.plausibility(e[0], P, e[2], [e[1]])
    high = m.plausibility(e[0], P, e[5], [e[1]])
    assert low is not None and not low.implausible
    assert high is not None and high.implausible and high.held_out_false_alarm == 0.04
    assert high.to_dict()["relation"] == P


def test_the_model_says_nothing_outside_what_it_knows():
    m = _model()
    e = m.entities
    assert m.eligible(P) and not m.eligible(P, inverse=True)  # the inverse direction has no range
    assert m.plausibility(e[5], P, e[0], inverse=True) is None
    assert m.plausibility(e[0], "http://x.example/other", e[1]) is None
    assert m.plausibility(e[0], P, "http://x.example/unknown") is None
    assert m.plausibility(e[0], P, e[0]) is None  # e0 is not in P's range
    # a range without a threshold (too few held-out facts to choose one): silent too
    silent = LinkModel(m.entities, m.relations, m.entity_vectors, m.relation_vectors, {P: [1, 2, 3, 4, 5]}, {})
    assert not silent.eligible(P) and silent.plausibility(e[0], P, e[5]) is None


def test_save_and_load_round_trip(tmp_path):
    m = _model(threshold=0.3)
    m.save(tmp_path)
    back = LinkModel.load(tmp_path)
    assert back.thresholds == {P: 0.3} and back.entities == m.entities
    assert back.meta["test"]["per_relation"][P]["false_alarm_rate"] == 0.04
    assert back.rank_share(m.entities[0], P, m.entities[4], []) == m.rank_share(m.entities[0], P, m.entities[4], [])


def test_load_errors_name_the_problem_and_the_fix(tmp_path):
    with pytest.raises(ModelNotFoundError, match="kgqa train link-model"):
        LinkModel.load(tmp_path / "missing")
    _model().save(tmp_path)
    meta = json.loads((tmp_path / "link_model.json").read_text())
    (tmp_path / "link_model.json").write_text(json.dumps({**meta, "format": "other"}))
    with pytest.raises(ConfigError, match="not a kgqa-link-model/1 file"):
        LinkModel.load(tmp_path)
    (tmp_path / "link_model.json").write_text(json.dumps({**meta, "entities": meta["entities"][:2]}))
    with pytest.raises(ConfigError, match="hold 6 and 2 rows"):
        LinkModel.load(tmp_path)
    (tmp_path / "link_model.json").write_text(json.dumps({**meta, "ranges": {P: [1, 9]}}))
    with pytest.raises(ConfigError, match="range of .* names entity 9"):
        LinkModel.load(tmp_path)
    (tmp_path / "link_model.json").write_text(json.dumps({**meta, "thresholds": {P: 0.5, "inverse " + P: 0.5}}))
    with pytest.raises(ConfigError, match="without a range"):
        LinkModel.load(tmp_path)
    (tmp_path / "link_model.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read"):
        LinkModel.load(tmp_path)


# ---------------------------------------------------------------- the graph rule


@pytest.fixture
def studio_kg(tmp_path):
    from kgqa.graph.kg import KnowledgeGraph

    lines = ["@prefix x: <http://x.example/> .", "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    lines.append('x:directedBy rdfs:label "directed by" .')
    lines.append('x:film rdfs:label "Film" . x:d1 rdfs:label "Mara Holt" . x:d2 rdfs:label "Ada Finch" .')
    lines.append('x:d3 rdfs:label "Ivo Brant" .')
    lines.append("x:film x:directedBy x:d1 .")
    lines.append('x:writtenBy rdfs:label "written by" . x:film2 x:writtenBy x:d3 .')
    path = tmp_path / "studio.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return KnowledgeGraph.load([path])


def _studio_model(threshold: float) -> LinkModel:
    entities = ["http://x.example/film", "http://x.example/d1", "http://x.example/d2", "http://x.example/d3"]
    ent = np.asarray([[1, 0], [3, 0], [2, 0], [1, 0]], dtype=np.float32)  # rank for film: d1 > d2 > d3
    rel = np.asarray([[1, 0], [1, 0]], dtype=np.float32)
    return LinkModel(entities, [P, relation_key(P, True)], ent, rel, {P: [1, 2, 3]}, {P: threshold})


def _claim(o: str):
    from kgqa.types import Claim

    return Claim(text="claim", subject="http://x.example/film", relation=P, object=o)


def test_an_implausible_other_value_is_contradicted_and_a_plausible_one_is_not(studio_kg):
    from kgqa.checks.graph_check import GraphChecker

    checker = GraphChecker(studio_kg, link_model=_studio_model(threshold=0.5))
    wrong = checker._check_fact(_claim("http://x.example/d3"))  # ranked last of d2, d3
    assert wrong.holds is False and wrong.rule == "implausible_value"
    detail = wrong.evidence[0].detail
    assert detail["model"]["implausible"] and detail["model"]["rank_share"] == 1.0
    assert "Mara Holt" in (wrong.correction or "")
    plausible = checker._check_fact(_claim("http://x.example/d2"))  # ranked first once d1 is left out
    assert plausible.holds is None and plausible.rule != "implausible_value"
    held = checker._check_fact(_claim("http://x.example/d1"))
    assert held.holds is True and held.rule == "fact_in_graph"


def test_without_a_value_in_the_graph_or_a_model_nothing_is_contradicted(studio_kg):
    from kgqa.checks.graph_check import GraphChecker
    from kgqa.types import Claim

    model = _studio_model(threshold=0.0)
    checker = GraphChecker(studio_kg, link_model=model)
    # d2 has no value of the relation as a subject: open world, no contradiction
    other = Claim(text="claim", subject="http://x.example/d2", relation=P, object="http://x.example/d3")
    assert checker._check_fact(other).holds is None
    assert GraphChecker(studio_kg)._check_fact(_claim("http://x.example/d3")).holds is None


def test_the_config_names_the_model_folder_relative_to_kgqa_json(tmp_path):
    from kgqa.config import PipelineConfig
    from kgqa.graph.link_model import link_model

    _model().save(tmp_path / "lm")
    (tmp_path / "kgqa.json").write_text(json.dumps({"link_model_dir": "lm"}), encoding="utf-8")
    config = PipelineConfig.load(tmp_path / "kgqa.json")
    assert config.link_model_dir == str((tmp_path / "lm").resolve())
    loaded = link_model(config.link_model_dir)
    assert loaded is not None and loaded is link_model(config.link_model_dir)  # loaded once
    assert link_model(None) is None and link_model("none") is None
    assert PipelineConfig().link_model_dir is None  # off by default
    with pytest.raises(ModelNotFoundError):
        link_model(str(tmp_path / "nowhere"))


def test_a_value_linked_to_the_holder_by_another_fact_is_never_called_implausible(studio_kg, tmp_path):
    from kgqa.checks.graph_check import GraphChecker
    from kgqa.graph.kg import KnowledgeGraph

    model = _studio_model(threshold=0.5)
    assert GraphChecker(studio_kg, link_model=model)._check_fact(_claim("http://x.example/d3")).holds is False
    # the same graph, where d3 also wrote the film: a co-director the graph may lack, not a wrong value
    extra = tmp_path / "extra.ttl"
    extra.write_text("<http://x.example/film> <http://x.example/writtenBy> <http://x.example/d3> .\n")
    linked = KnowledgeGraph.load([tmp_path / "studio.ttl", extra])
    verdict = GraphChecker(linked, link_model=model)._check_fact(_claim("http://x.example/d3"))
    assert verdict.holds is None and verdict.rule != "implausible_value"
