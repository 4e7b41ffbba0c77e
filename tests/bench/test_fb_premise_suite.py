"""False presuppositions from templates: the template file's checks, case generation on a toy graph, scoring."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from kgqa.bench import cli, fb_premise_suite
from kgqa.bench.fb_premise_cases import generate_cases, load_templates, shape_of
from kgqa.errors import InputError
from kgqa.graph.kg import KnowledgeGraph

EX = "https://example.org/toy/"
REPO = Path(__file__).resolve().parents[2]

TOY = """
@prefix ex:   <https://example.org/toy/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .

ex:City a owl:Class . ex:Person a owl:Class . ex:Director a owl:Class . ex:Film a owl:Class .
ex:bornIn a owl:ObjectProperty ; rdfs:label "born in" .
ex:directed a owl:ObjectProperty ; rdfs:label "directed" .
ex:near a owl:ObjectProperty ; rdfs:label "near" .

ex:paris a ex:City ; rdfs:label "Paris" ; ex:near ex:lyon .
ex:lyon a ex:City ; rdfs:label "Lyon" .
ex:london a ex:City ; rdfs:label "London" .
ex:rome a ex:City ; rdfs:label "Rome" .
ex:atlantis rdfs:label "Atlantis" .

ex:alice a ex:Person ; rdfs:label "Alice" ; ex:bornIn ex:paris .
ex:bob a ex:Person ; rdfs:label "Bob" ; ex:bornIn ex:london .
ex:carol a ex:Person ; rdfs:label "Carol" ; ex:bornIn ex:rome .
ex:dave a ex:Person ; rdfs:label "Dave" ; ex:bornIn ex:atlantis .
ex:erin a ex:Person ; rdfs:label "Erin" ; ex:bornIn ex:lyon .

ex:d1 a ex:Director ; rdfs:label "Dana Director" ; ex:directed ex:f1 .
ex:d2 a ex:Director ; rdfs:label "Drew Director" ; ex:directed ex:f2 .
ex:d3 a ex:Director ; rdfs:label "Dora Director" ; ex:directed ex:f3 .
ex:f1 a ex:Film ; rdfs:label "First Film" .
ex:f2 a ex:Film ; rdfs:label "Second Film" .
ex:f3 a ex:Film ; rdfs:label "Third Film" .
"""

TEMPLATES = {
    "relations": {
        "birthplace": {
            "property": EX + "bornIn",
            "direction": "forward",
            "value_class": EX + "City",
            "templates": ["Why was {s} born in {o}?", "How did {o} shape {s}'s childhood?"],
        },
        "director": {
            "property": EX + "directed",
            "direction": "inverse",
            "value_class": EX + "Director",
            "templates": ["Why did {o} direct {s}?", "When did {o} direct {s}?"],
        },
    }
}


@pytest.fixture(scope="module")
def toy_kg(tmp_path_factory):
    path = tmp_path_factory.mktemp("fbp") / "toy.ttl"
    path.write_text(TOY, encoding="utf-8")
    return KnowledgeGraph.load([path])


@pytest.fixture
def templates_file(tmp_path):
    path = tmp_path / "templates.json"
    path.write_text(json.dumps(TEMPLATES), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the template file
def test_load_templates(templates_file):
    rels = load_templates(templates_file)
    assert [r.name for r in rels] == ["birthplace", "director"]
    assert rels[1].direction == "inverse" and len(rels[0].templates) == 2
    assert shape_of(rels[0].templates[1]) == "how"


def test_shipped_template_file_is_valid():
    rels = load_templates(REPO / "benchmarks" / "fb_premise_templates.json")
    assert len(rels) == 6
    for rel in rels:
        assert len(rel.templates) >= 4
        assert {"why", "how", "when", "which"} <= {shape_of(t) for t in rel.templates}, rel.name


def _with(change) -> dict:
    data = json.loads(json.dumps(TEMPLATES))
    change(data["relations"]["birthplace"])
    return data


@pytest.mark.parametrize(
    "data, says",
    [
        ([], "no 'relations' object"),
        ({"relations": {}}, "no 'relations' object"),
        ({"relations": {"x": "text"}}, "is not an object"),
        (_with(lambda r: r.pop("property")), "no property IRI"),
        (_with(lambda r: r.update(value_class="City")), "no value_class IRI"),
        (_with(lambda r: r.update(direction="sideways")), "use one of forward, inverse"),
        (_with(lambda r: r.update(templates=["Why was {s} born in {o}?"])), "write several question shapes"),
        (_with(lambda r: r.update(templates=["Why {s}?", "How {s} {o}?"])), "lacks {s} or {o}"),
        (_with(lambda r: r.update(templates=["Why {s} {x}?", "How {s} {o}?"])), "use only {s}"),
        (_with(lambda r: r.update(templates=["Why {s} {o}", "How {s} {o}?"])), "end it with"),
        (_with(lambda r: r.update(templates=["Why {s} {o?", "How {s} {o}?"])), "balance its braces"),
        (_with(lambda r: r.update(templates=["How {s} {o}?", "How {s} {o}?"])), "remove the duplicate"),
        (_with(lambda r: r.update(templates=[3, "How {s} {o}?"])), "write each as text"),
    ],
)
def test_bad_template_files_name_the_fix(tmp_path, data, says):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.json") as err:
        load_templates(path)
    assert says in str(err.value)


def test_missing_and_broken_template_files(tmp_path):
    with pytest.raises(InputError, match="--templates"):
        load_templates(tmp_path / "none.json")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="fix the JSON"):
        load_templates(tmp_path / "broken.json")


# --------------------------------------------------------------------------- case generation
def test_cases_twins_differ_only_in_the_value(toy_kg, templates_file):
    rels = {r.name: r for r in load_templates(templates_file)}
    cases = generate_cases(toy_kg, list(rels.values()), 6, seed=0)
    assert {c.relation for c in cases} == {"birthplace", "director"}
    assert len({c.subject for c in cases}) == len(cases)
    for c in cases:
        rel = rels[c.relation]
        assert c.template in rel.templates and c.shape == shape_of(c.template)
        assert c.false_question == c.template.format(s=c.subject_label, o=c.wrong_label)
        assert c.true_question == c.template.format(s=c.subject_label, o=c.true_label)
        assert c.false_question.replace(c.wrong_label, c.true_label) == c.true_question
        # the wrong value is of the value class, a value of the property elsewhere, and not true here
        assert toy_kg.is_instance(c.wrong_value, rel.value_class)[0]
        fact = (c.subject, c.wrong_value) if rel.direction == "forward" else (c.wrong_value, c.subject)
        assert not toy_kg.facts(fact[0], rel.property, fact[1])
        if rel.direction == "forward":
            assert toy_kg.subjects(rel.property, c.wrong_value)
            assert toy_kg.facts(c.subject, rel.property, c.true_value)
        else:
            assert toy_kg.objects(c.wrong_value, rel.property)
            assert toy_kg.facts(c.true_value, rel.property, c.subject)


def test_wrong_values_avoid_neighbours_and_untyped_values(toy_kg, templates_file):
    rels = load_templates(templates_file)[:1]
    for seed in range(8):
        for c in generate_cases(toy_kg, rels, 5, seed=seed):
            assert c.subject != EX + "dave"  # born in an untyped place: no case
            assert c.wrong_value != EX + "atlantis"
            if c.subject == EX + "alice":
                assert c.wrong_value != EX + "lyon"  # Lyon touches Paris, Alice's birthplace
            assert c.wrong_value != c.true_value


def test_cases_can_be_kept_to_some_subjects(toy_kg, templates_file):
    rels = load_templates(templates_file)
    direction = {r.name: r.direction for r in rels}

    def subject(c):  # the subject of the fact the case is drawn from
        return c.subject if direction[c.relation] == "forward" else c.true_value

    everything = generate_cases(toy_kg, rels, 100, seed=0)
    wanted = {subject(c) for c in everything[::2]}
    kept = generate_cases(toy_kg, rels, 100, seed=0, keep=lambda s: s in wanted)
    assert kept and all(subject(c) in wanted for c in kept)
    assert len(kept) < len(everything)


def test_generation_is_seeded(toy_kg, templates_file):
    rels = load_templates(templates_file)
    a = [c.to_dict() for c in generate_cases(toy_kg, rels, 5, seed=3)]
    assert a == [c.to_dict() for c in generate_cases(toy_kg, rels, 5, seed=3)]
    assert len(generate_cases(toy_kg, rels, 100, seed=3)) < 100  # the toy graph runs out of subjects


# --------------------------------------------------------------------------- scoring
class ScriptedPipe:
    """Contradicts the presupposition of exactly the questions in ``caught``."""

    def __init__(self, kg, caught: set[str]):
        self.kg = kg
        self.caught = caught

    def ask(self, question):
        hit = question in self.caught
        status, rule = ("contradicted", "implausible_value") if hit else ("supported", "fact_in_graph")
        premises = [SimpleNamespace(source="presupposed", status=status, rule=rule)]
        premises.append(SimpleNamespace(source="stated", status="contradicted"))  # stated premises do not count
        return SimpleNamespace(answer=None, verdict="premise_rejected" if hit else "answered", premises=premises)


def test_evaluate_precision_recall_and_false_alarms(toy_kg, templates_file):
    cases = generate_cases(toy_kg, load_templates(templates_file), 4, seed=0)
    assert len(cases) == 4
    # 2 of 4 wrong values caught, 1 of 4 true twins flagged
    pipe = ScriptedPipe(toy_kg, {cases[0].false_question, cases[3].false_question, cases[0].true_question})
    results, records = fb_premise_suite.evaluate(pipe, cases)
    assert results["n"] == 8 and results["n_pairs"] == 4
    assert results["recall"] == 0.5
    assert results["precision"] == pytest.approx(2 / 3)
    assert results["false_alarm_rate"] == 0.25
    assert results["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert results["presupposition_found_rate"] == 1.0
    assert set(results["per_relation"]) == {c.relation for c in cases}
    assert sum(r["caught"] for r in records) == 3
    # the rules behind the contradictions, false questions and true twins apart
    assert results["contradicting_rules"] == {"false": {"implausible_value": 2}, "true": {"implausible_value": 1}}


def test_suite_runs_end_to_end(tmp_path, toy_kg, templates_file, monkeypatch):
    cases = generate_cases(toy_kg, load_templates(templates_file), 4, seed=0)
    pipe = ScriptedPipe(toy_kg, {c.false_question for c in cases})
    cost = {"world": str(tmp_path / "kgqa.json"), "load_s": 2.0}
    monkeypatch.setattr(fb_premise_suite, "load_world", lambda ns: (pipe, dict(cost)))
    out = tmp_path / "out"
    argv = ["fb-premises", "--templates", str(templates_file), "--limit", "4", "--all-subjects", "--out", str(out)]
    assert cli.main(argv) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["suite"] == "fb-premises" and res["n_pairs"] == 4 and res["data"]["subjects"] == "all"
    assert res["f1"] == 1.0 and res["false_alarm_rate"] == 0.0
    assert res["world_cost"]["load_s"] == 2.0 and (out / "per_relation.png").is_file()


def test_verbose_logs_progress_through_the_kgqa_cli(tmp_path, toy_kg, templates_file, monkeypatch, caplog):
    import logging

    from kgqa.cli import main as kgqa_main

    cases = generate_cases(toy_kg, load_templates(templates_file), 2, seed=0)
    pipe = ScriptedPipe(toy_kg, {c.false_question for c in cases})
    monkeypatch.setattr(fb_premise_suite, "load_world", lambda ns: (pipe, {"world": "w", "load_s": 1.0}))
    root = logging.getLogger()
    before = root.level
    root.setLevel(logging.WARNING)  # what `kgqa` sets up outside the test runner
    try:
        argv = ["bench", "fb-premises", "--templates", str(templates_file), "--limit", "2", "--all-subjects"]
        quiet = kgqa_main([*argv, "--out", str(tmp_path / "quiet")])
        assert quiet == 0 and not any(r.getMessage().startswith("wrote ") for r in caplog.records)
        assert kgqa_main([*argv, "-v", "--out", str(tmp_path / "loud")]) == 0
        assert any(r.levelno == logging.INFO and r.getMessage().startswith("wrote ") for r in caplog.records)
    finally:
        root.setLevel(before)


def test_suite_refuses_unknown_relations(tmp_path, templates_file, capsys):
    code = cli.main(["fb-premises", "--templates", str(templates_file), "--relations", "nope", "--out", str(tmp_path)])
    assert code == 2
    assert "choose from birthplace, director" in capsys.readouterr().err
