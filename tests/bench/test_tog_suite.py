"""The ToG one-edge benchmark on a toy graph and toy ToG-format rows (no data set rows)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from kgqa.bench import cli, tog_data, tog_suite
from kgqa.bench.tog_data import OneEdgeQuestion, TogQuestion, names_gold, read_tog, select_one_edge
from kgqa.errors import ConfigError, InputError
from kgqa.graph.kg import KnowledgeGraph
from kgqa.trace import Trace

EX = "https://example.org/toy/"

TOY = """
@prefix ex:   <https://example.org/toy/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .

ex:bornIn a owl:ObjectProperty ; rdfs:label "born in" .
ex:directed a owl:ObjectProperty ; rdfs:label "directed" .
ex:inCountry a owl:ObjectProperty ; rdfs:label "in country" .

ex:m.alice rdfs:label "Alice Example" ; ex:bornIn ex:m.paris .
ex:m.paris rdfs:label "Paris" ; skos:altLabel "City of Light" ; ex:inCountry ex:m.france .
ex:m.france rdfs:label "France" .
ex:m.bob rdfs:label "Bob Director" ; skos:altLabel "Bobby" ; ex:directed ex:m.film .
ex:m.film rdfs:label "The Toy Film" ; rdfs:comment "Paris" .
ex:m.carol rdfs:label "Carol" .
"""


def entity(mid: str) -> str:
    return EX + mid


@pytest.fixture(scope="module")
def toy_kg(tmp_path_factory):
    path = tmp_path_factory.mktemp("tog") / "toy.ttl"
    path.write_text(TOY, encoding="utf-8")
    return KnowledgeGraph.load([path])


def q(answers, topics, qid="q") -> TogQuestion:
    return TogQuestion(qid, "a question?", tuple(answers), dict(topics))


# --------------------------------------------------------------------------- reading
def test_read_tog_both_formats(tmp_path):
    path = tmp_path / "toy.json"
    rows = [
        {"question": "where?", "answers": ["Paris"], "topic_entity": {"m.alice": "Alice"}},
        {"ID": "cwq-1", "question": "who?", "answer": "Bobby", "topic_entity": {"m.film": "Film"}},
    ]
    path.write_text(json.dumps(rows), encoding="utf-8")
    got = read_tog(path)
    assert got[0] == TogQuestion("toy-0", "where?", ("Paris",), {"m.alice": "Alice"})
    assert got[1].id == "cwq-1" and got[1].answers == ("Bobby",)


def test_read_tog_grailqa_answers_and_the_origin_of_built_questions(tmp_path):
    path = tmp_path / "toy.json"
    rows = [
        {
            "qid": 7,
            "question": "which film did bob direct?",
            "answer": [{"answer_type": "Entity", "answer_argument": "m.film", "entity_name": "The Toy Film"}],
            "topic_entity": {"m.bob": "Bob"},
        },
        {"question": "how many?", "answer": [{"answer_type": "Value", "answer_argument": "3"}], "topic_entity": {}},
        {
            "ID": "c-1",
            "question": "Where was the director of The Toy Film born?",
            "answer": "Paris",
            "webqsp_ID": "WebQTrn-12",
            "webqsp_question": " where was bob born ",
            "topic_entity": {"m.bob": "Bob"},
        },
        {"ID": "c-2", "question": "x?", "answer": "Paris", "webqsp_ID": "WebQTest-3", "topic_entity": {}},
        {"ID": "c-3", "question": "y?", "answer": "Paris", "webqsp_ID": "Other-3", "topic_entity": {}},
    ]
    path.write_text(json.dumps(rows), encoding="utf-8")
    got = read_tog(path)
    assert got[0].id == "7" and got[0].answers == ("The Toy Film",)
    assert got[1].answers == ("3",)  # a value answer: its value
    assert got[0].origin_split is None and got[0].origin_question is None
    assert got[2].origin_split == "train" and got[2].origin_question == "where was bob born"
    assert got[3].origin_split == "test"
    assert got[4].origin_split is None  # an id of no known split names none


@pytest.mark.parametrize(
    "rows, says",
    [
        ([{"question": "x", "answer": [{"answer_type": "Entity"}]}], "no 'answers'"),  # an answer object without a name
        ({"question": "x"}, "not a list"),
        (["text"], "not an object"),
        ([{"answers": ["a"]}], "no 'question'"),
        ([{"question": "x", "answers": [1]}], "no 'answers'"),
        ([{"question": "x", "answers": ["a"], "topic_entity": ["m.1"]}], "topic_entity"),
    ],
)
def test_read_tog_refuses_bad_rows(tmp_path, rows, says):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(InputError, match=says):
        read_tog(path)


def test_read_tog_missing_and_broken_files(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_tog(tmp_path / "nope.json")
    (tmp_path / "broken.json").write_text("[{", encoding="utf-8")
    with pytest.raises(InputError, match="not a readable JSON"):
        read_tog(tmp_path / "broken.json")


# --------------------------------------------------------------------------- the one-edge filter
def test_one_edge_forward_and_backward(toy_kg):
    questions = [q(["paris"], {"m.alice": "Alice"}, "fwd"), q(["Bobby"], {"m.film": "Film"}, "back")]
    selected, counts = select_one_edge(toy_kg, questions, entity)
    assert counts == {"rows": 2, "with_topic": 2, "one_edge": 2}
    fwd, back = selected
    assert fwd.topics == (EX + "m.alice",) and fwd.relations == (EX + "bornIn",)
    assert fwd.answer_iris == (EX + "m.paris",)
    assert "paris" in fwd.gold_names and "Paris" in fwd.gold_names  # the gold text and the entity's label
    assert "City of Light" not in fwd.gold_names  # aliases do not: they hold codes a wrong span may equal
    assert back.relations == (EX + "directed",) and back.answer_iris == (EX + "m.bob",)


def test_one_edge_rejects_two_hops_comments_and_unknown_topics(toy_kg):
    questions = [
        q(["France"], {"m.alice": "Alice"}, "two-hops"),  # alice -> paris -> france
        q(["Paris"], {"m.film": "Film"}, "comment"),  # the film's comment says Paris: not an edge
        q(["Paris"], {"m.nobody": "Nobody"}, "unknown-topic"),
        q(["Paris"], {"m.carol": "Carol"}, "no-edges"),
        q([""], {"m.alice": "Alice"}, "no-gold"),
    ]
    selected, counts = select_one_edge(toy_kg, questions, entity)
    assert selected == []
    assert counts == {"rows": 5, "with_topic": 4, "one_edge": 0}


def test_names_gold():
    assert names_gold("Paris", ["paris"])
    assert names_gold("The Paris.", ["Paris"])
    assert names_gold("Lyon, Paris and Nice", ["Paris"])
    assert names_gold("Edinburgh, Scotland", ["Edinburgh"])  # a place with its region names the place
    assert names_gold("Atheism; Buddhism", ["Buddhism"])
    assert not names_gold("Atheism; Buddhism", ["Buddhism"], first_only=True)
    assert names_gold("Buddhism; Atheism", ["Buddhism"], first_only=True)
    assert not names_gold("Paris Hilton", ["Paris"])
    assert not names_gold("Parisian", ["Paris"])
    assert not names_gold(None, ["Paris"])
    assert not names_gold("", ["Paris"])


# --------------------------------------------------------------------------- scoring
def _answer(text, linked=(), relation=None):
    trace = Trace("q")
    with trace.stage("entity_linking") as st:
        st.outputs["mentions"] = [{"iri": iri} for iri in linked]
    with trace.stage("graph") as st:
        st.outputs["answer"] = None if relation is None else {"texts": [text], "relation": relation}
    return SimpleNamespace(answer=text, verdict="answered" if text else "no_answer", trace=trace)


class ScriptedPipe:
    def __init__(self, kg, answers):
        self.kg = kg
        self.answers = answers
        self.asked = []

    def ask(self, question):
        self.asked.append(question)
        return self.answers[question]


def _item(text, gold, topics, relations):
    return OneEdgeQuestion(TogQuestion(text, text, tuple(gold), {}), tuple(topics), tuple(relations), (), tuple(gold))


def test_evaluate_scores_hits_linking_and_relation():
    items = [
        _item("q1", ["Paris"], [EX + "a"], [EX + "bornIn"]),
        _item("q2", ["Bob"], [EX + "f"], [EX + "directed"]),
        _item("q3", ["Lyon"], [EX + "c"], [EX + "bornIn"]),
        _item("q4", ["Nice"], [EX + "d"], [EX + "bornIn"]),
    ]
    pipe = ScriptedPipe(
        None,
        {
            "q1": _answer("Paris", [EX + "a", EX + "x"], EX + "bornIn"),  # all right
            "q2": _answer("Alice", [EX + "f"], EX + "wrote"),  # linked, wrong relation and answer
            "q3": _answer("Lyon", [EX + "x"]),  # right answer from a passage, entity not linked
            "q4": _answer(None),
        },
    )
    results, records = tog_suite.evaluate(pipe, items)
    assert results["n"] == 4
    assert results["hits_at_1"] == 0.5 and results["hits_at_1_first_item"] == 0.5
    assert results["entity_linking_accuracy"] == 0.5
    assert results["relation_accuracy"] == 0.25
    assert results["answered_rate"] == 0.75
    assert results["graph_answered_rate"] == 0.5
    assert set(results["ask_s"]) >= {"p50", "p95", "max"}
    assert [r["hit"] for r in records] == [True, False, True, False]
    no_text, _ = tog_suite.evaluate(pipe, items[:1], keep_text=False)
    assert no_text["hits_at_1"] == 1.0
    assert "question" not in tog_suite.evaluate(pipe, items[:1], keep_text=False)[1][0]


def _path_answer(key, score, answers, hops=1):
    trace = Trace("q")
    with trace.stage("graph") as st:
        st.outputs[key] = {"chosen": {"score": score, "hops": hops, "answers": answers}, "threshold": 0.5}
    return SimpleNamespace(answer=None, verdict="no_answer", trace=trace)


def test_path_record_reads_the_best_path_taken_or_not():
    taken = tog_suite.path_record(_path_answer("relation_path", 0.71, ["Paris", "Lyon"]), ["Paris"])
    assert taken == {"path_score": 0.71, "path_hops": 1, "path_taken": True, "path_hit": True}
    # a path under the threshold: its answers are scored all the same, to measure the threshold on a dev set
    untaken = tog_suite.path_record(_path_answer("path_not_taken", 0.31, ["Nice"], hops=2), ["Paris"])
    assert untaken == {"path_score": 0.31, "path_hops": 2, "path_taken": False, "path_hit": False}
    # only the first three answers count, as in an answer
    late = tog_suite.path_record(_path_answer("path_not_taken", 0.4, ["A", "B", "C", "Paris"]), ["Paris"])
    assert late["path_hit"] is False
    # no path search in the trace: nothing
    assert tog_suite.path_record(_answer("Paris"), ["Paris"]) == {}
    assert tog_suite.path_record(SimpleNamespace(trace=None), ["Paris"]) == {}


# --------------------------------------------------------------------------- the suite
def test_suite_writes_selection_and_cost(tmp_path, toy_kg, monkeypatch):
    data = tmp_path / "toy.json"
    rows = [
        {"question": "Where was Alice Example born?", "answers": ["Paris"], "topic_entity": {"m.alice": "Alice"}},
        {"question": "What country is Alice in?", "answers": ["France"], "topic_entity": {"m.alice": "Alice"}},
    ]
    data.write_text(json.dumps(rows), encoding="utf-8")
    pipe = ScriptedPipe(toy_kg, {rows[0]["question"]: _answer("Paris", [EX + "m.alice"], EX + "bornIn")})
    cost = {"world": str(tmp_path / "kgqa.json"), "load_s": 1.0, "peak_rss_mb_after_load": 1.0}
    monkeypatch.setattr(tog_suite, "load_world", lambda ns: (pipe, dict(cost)))
    monkeypatch.setattr(tog_suite, "default_entity_iri", lambda: entity)
    out = tmp_path / "out"
    code = cli.main(["tog", "--data", str(data), "--out", str(out), "--save-records"])
    assert code == 0
    res = json.loads((out / "results.json").read_text())
    assert res["suite"] == "tog" and res["n"] == 1
    assert res["selection"]["rows"] == 2 and res["selection"]["one_edge"] == 1
    assert res["hits_at_1"] == 1.0 and res["relation_accuracy"] == 1.0
    assert res["world_cost"]["load_s"] == 1.0 and "peak_rss_mb" in res["world_cost"]
    assert (out / "records.jsonl").is_file() and (out / "metrics.png").is_file()


@pytest.mark.parametrize(("dataset", "keeps_text"), [("simpleqa", True), ("cwq", True), ("webqsp", False)])
def test_development_sets_keep_question_text_and_measurement_sets_do_not(
    tmp_path, toy_kg, monkeypatch, dataset, keeps_text
):
    rows = [{"question": "Where was Alice Example born?", "answer": "Paris", "topic_entity": {"m.alice": "Alice"}}]
    folder = tmp_path / "data" / "kgqa" / "tog"
    folder.mkdir(parents=True)
    (folder / Path(tog_data.DATASETS[dataset]).name).write_text(json.dumps(rows), encoding="utf-8")
    monkeypatch.setenv("KGQA_DATA", str(tmp_path / "data"))
    pipe = ScriptedPipe(toy_kg, {rows[0]["question"]: _answer("Paris", [EX + "m.alice"], EX + "bornIn")})
    cost = {"world": str(tmp_path / "kgqa.json"), "load_s": 1.0, "peak_rss_mb_after_load": 1.0}
    monkeypatch.setattr(tog_suite, "load_world", lambda ns: (pipe, dict(cost)))
    monkeypatch.setattr(tog_suite, "default_entity_iri", lambda: entity)
    out = tmp_path / "out"
    assert cli.main(["tog", "--dataset", dataset, "--out", str(out), "--save-records"]) == 0
    record = json.loads((out / "records.jsonl").read_text().splitlines()[0])
    assert ("question" in record) is keeps_text
    notes = json.loads((out / "results.json").read_text())["notes"]
    assert any("measurement only" in n for n in notes) is not keeps_text


def test_questions_built_from_training_questions_are_never_measured(tmp_path, toy_kg, monkeypatch):
    rows = [
        {"ID": "a", "question": "Where was Alice Example born?", "answer": "Paris", "webqsp_ID": "WebQTrn-1"},
        {"ID": "b", "question": "Where is Alice Example from?", "answer": "Paris", "webqsp_ID": "WebQTest-1"},
    ]
    for row in rows:
        row["topic_entity"] = {"m.alice": "Alice"}
    data = tmp_path / "cwq.json"
    data.write_text(json.dumps(rows), encoding="utf-8")
    pipe = ScriptedPipe(toy_kg, {r["question"]: _answer("Paris", [EX + "m.alice"], EX + "bornIn") for r in rows})
    cost = {"world": str(tmp_path / "kgqa.json"), "load_s": 1.0, "peak_rss_mb_after_load": 1.0}
    monkeypatch.setattr(tog_suite, "load_world", lambda ns: (pipe, dict(cost)))
    monkeypatch.setattr(tog_suite, "default_entity_iri", lambda: entity)
    out = tmp_path / "out"
    assert cli.main(["tog", "--data", str(data), "--out", str(out)]) == 0
    res = json.loads((out / "results.json").read_text())
    assert pipe.asked == ["Where is Alice Example from?"]
    assert res["selection"]["left_out_as_training_data"] == 1 and res["selection"]["rows"] == 1


def test_world_option_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("KGQA_WORLD", raising=False)
    with pytest.raises(ConfigError, match="--world"):
        tog_suite.world_config(SimpleNamespace(world=None))
    with pytest.raises(ConfigError, match="kgqa world build"):
        tog_suite.world_config(SimpleNamespace(world=str(tmp_path)))
    (tmp_path / "kgqa.json").write_text("{}", encoding="utf-8")
    assert tog_suite.world_config(SimpleNamespace(world=str(tmp_path))) == tmp_path / "kgqa.json"
    ns = SimpleNamespace(index=str(tmp_path / "no-index"), passages=None)
    with pytest.raises(ConfigError, match="kgqa index build"):
        tog_suite.world_overrides(ns, tmp_path / "kgqa.json", tmp_path)
    with pytest.raises(ConfigError, match="exclude"):
        tog_suite.world_overrides(SimpleNamespace(index=str(tmp_path), passages=3), tmp_path / "kgqa.json", tmp_path)
    with pytest.raises(ConfigError, match="positive"):
        tog_suite.world_overrides(SimpleNamespace(index=None, passages=0), tmp_path / "kgqa.json", tmp_path)


def test_first_passages_keeps_n(tmp_path):
    lines = [json.dumps({"id": f"p{i}", "text": f"passage {i}"}) for i in range(5)]
    (tmp_path / "p.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "kgqa.json").write_text(json.dumps({"passages": ["p.jsonl"]}), encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    ns = SimpleNamespace(index=None, passages=3)
    overrides = tog_suite.world_overrides(ns, tmp_path / "kgqa.json", sub)
    kept = open(overrides["passages"][0], encoding="utf-8").read().splitlines()
    assert [json.loads(x)["id"] for x in kept] == ["p0", "p1", "p2"]


def test_first_passages_of_a_world_with_an_index_come_from_the_index(tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    lines = [json.dumps({"id": f"i{i}", "text": f"passage {i}"}) for i in range(4)]
    (index / "passages.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "kgqa.json").write_text(json.dumps({"passages": None, "index_dir": "index"}), encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    overrides = tog_suite.world_overrides(SimpleNamespace(index=None, passages=2), tmp_path / "kgqa.json", sub)
    kept = open(overrides["passages"][0], encoding="utf-8").read().splitlines()
    assert [json.loads(x)["id"] for x in kept] == ["i0", "i1"] and overrides["index_dir"] is None


def test_first_passages_refuse_a_world_without_passages_or_an_index(tmp_path):
    (tmp_path / "kgqa.json").write_text(json.dumps({"passages": None, "index_dir": None}), encoding="utf-8")
    with pytest.raises(ConfigError, match="no passage files nor an index"):
        tog_suite.world_overrides(SimpleNamespace(index=None, passages=2), tmp_path / "kgqa.json", tmp_path)


# --------------------------------------------------------------------------- choosing the path threshold
class ThresholdPipe:
    """Answers with a relation path of a set cosine, taken when it reaches the config's path threshold."""

    def __init__(self, kg, paths):
        self.kg = kg
        self.paths = paths  # question -> (cosine, answer)
        self.config = SimpleNamespace(path_threshold=None)
        self.relations = SimpleNamespace(model=SimpleNamespace(path_threshold=0.5))
        self.asked = []

    def ask(self, question):
        self.asked.append((question, self.config.path_threshold))
        score, text = self.paths[question]
        threshold = 0.5 if self.config.path_threshold is None else self.config.path_threshold
        taken = text if score >= threshold else None
        trace = Trace(question)
        with trace.stage("entity_linking") as st:
            st.outputs["mentions"] = []
        with trace.stage("graph") as st:
            st.outputs["answer"] = None if taken is None else {"texts": [taken], "relation": EX + "bornIn"}
            st.outputs["relation_path"] = {"chosen": {"score": score}, "threshold": threshold}
        return SimpleNamespace(answer=taken, verdict="answered" if taken else "no_answer", trace=trace)


def _threshold_rows(n):
    return [
        {"question": f"Where was person {i} born?", "answer": "Paris", "topic_entity": {"m.alice": "Alice"}}
        for i in range(n)
    ]


def test_the_path_threshold_is_chosen_on_other_questions_than_the_measured_ones(tmp_path, toy_kg, monkeypatch):
    rows = _threshold_rows(8)
    data = tmp_path / "toy.json"
    data.write_text(json.dumps(rows), encoding="utf-8")
    # right answers down to cosine 0.4, wrong ones below: the threshold that decides most right is 0.4
    scores = [0.9, 0.45, 0.4, 0.35, 0.2, 0.42, 0.41, 0.3]
    paths = {r["question"]: (sc, "Paris" if sc >= 0.4 else "Lyon") for r, sc in zip(rows, scores, strict=True)}
    pipe = ThresholdPipe(toy_kg, paths)
    cost = {"world": str(tmp_path / "kgqa.json"), "load_s": 1.0, "peak_rss_mb_after_load": 1.0}
    monkeypatch.setattr(tog_suite, "load_world", lambda ns: (pipe, dict(cost)))
    monkeypatch.setattr(tog_suite, "default_entity_iri", lambda: entity)
    out = tmp_path / "out"
    args = ["tog", "--data", str(data), "--limit", "3", "--choose-path-threshold", "5", "--out", str(out)]
    assert cli.main([*args, "--save-records"]) == 0
    res = json.loads((out / "results.json").read_text())
    choice = res["path_threshold_choice"]
    chosen_on = [q for q, t in pipe.asked if t == -1.0]
    measured = [q for q, t in pipe.asked if t != -1.0]
    assert len(chosen_on) == 5 and len(measured) == 3 and not set(chosen_on) & set(measured)
    assert choice["questions"] == 5 and choice["answered_by_a_path"] == 5 and choice["model_threshold"] == 0.5
    want = min(s for q in chosen_on for s in [paths[q][0]] if s >= 0.4)
    assert choice["path_threshold"] == want  # the lowest cosine of a right answer: every wrong one falls below
    assert all(t == want for _, t in pipe.asked[5:])  # measured at the choice
    curve = choice["curve"]  # hits, answered and precision of the choosing set at each cosine
    assert [c["threshold"] for c in curve] == sorted({round(paths[q][0], 2) for q in chosen_on})
    assert curve[0]["answered"] == 1.0 and curve[-1]["answered"] == 0.2
    assert (out / "path_threshold.png").is_file() and "path_threshold.png" in res["plots"]
    hits = [paths[q][0] >= 0.4 for q in measured]
    assert res["hits_at_1"] == pytest.approx(sum(hits) / 3)


def test_the_curve_skips_a_best_cosine_rounded_up(monkeypatch):
    decisions = [(0.8451, True), (0.6, False), (0.5, True)]
    monkeypatch.setattr(tog_suite, "path_decisions", lambda pipe, questions: decisions)
    pipe = SimpleNamespace(config=SimpleNamespace(path_threshold=None), relations=SimpleNamespace(model=None))
    choice = tog_suite.choose_path_threshold(pipe, [object()] * 4)
    assert [c["threshold"] for c in choice["curve"]] == [0.5, 0.6]  # 0.85 is above every path: no point
    assert choice["curve"][-1]["precision"] == 0.5 and pipe.config.path_threshold == choice["path_threshold"]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--dataset", "webqsp"], "measurement only"),
        (["--dataset", "cwq", "--choose-path-threshold", "0"], "at least 1"),
    ],
)
def test_choosing_the_path_threshold_refuses_measurement_sets_and_empty_sets(
    tmp_path, toy_kg, monkeypatch, capsys, extra, says
):
    rows = _threshold_rows(2)
    folder = tmp_path / "data" / "kgqa" / "tog"
    folder.mkdir(parents=True)
    for name in ("webqsp", "cwq"):
        (folder / Path(tog_data.DATASETS[name]).name).write_text(json.dumps(rows), encoding="utf-8")
    monkeypatch.setenv("KGQA_DATA", str(tmp_path / "data"))
    pipe = ThresholdPipe(toy_kg, {r["question"]: (0.9, "Paris") for r in rows})
    cost = {"world": str(tmp_path / "kgqa.json"), "load_s": 1.0, "peak_rss_mb_after_load": 1.0}
    monkeypatch.setattr(tog_suite, "load_world", lambda ns: (pipe, dict(cost)))
    monkeypatch.setattr(tog_suite, "default_entity_iri", lambda: entity)
    args = ["tog", "--choose-path-threshold", "1", *extra, "--out", str(tmp_path / "out")]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert pipe.asked == []  # refused before any question
