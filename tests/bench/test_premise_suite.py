"""The false-premise generator on a toy Turtle world, and the suite with a scripted fake pipeline."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from kgqa.bench import cli, premise_suite
from kgqa.bench.premise_suite import KINDS, PremiseCase, generate_premise_cases
from kgqa.errors import GraphError, InputError
from kgqa.graph.kg import KnowledgeGraph
from kgqa.types import PremiseCheck

ONT = "https://kgqa.dev/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def toy_kg():
    from pathlib import Path

    return KnowledgeGraph.load([Path(__file__).parent / "fixtures" / "premise_toy.ttl"])


def _holds(kg, case: PremiseCase) -> bool:
    """Whether the graph makes the premise true, read straight off the facts."""
    s, p, o = case.claim
    if p == RDF_TYPE:
        fact = kg.is_instance(s, o)[0]
    elif p == ONT + "birthDate":
        fact = kg.date(s, p).year == int(o)
    else:
        fact = bool(kg.facts(s, p, o))
    return fact != case.negated


def _year(kg, iri, *props):
    for p in props:
        d = kg.date(iri, p)
        if d is not None:
            return d.year
    return None


def test_every_kind_is_made_true_and_false(toy_kg):
    cases = generate_premise_cases(toy_kg, 48, seed=0)
    assert len(cases) == 48
    for kind in KINDS:
        made = {c.false_premise for c in cases if c.kind == kind}
        assert made == {True, False}, kind
    assert sum(c.false_premise for c in cases) == 24
    assert len({c.id for c in cases}) == 48


def test_deterministic_for_a_seed(toy_kg):
    a = [c.to_dict() for c in generate_premise_cases(toy_kg, 30, seed=7)]
    b = [c.to_dict() for c in generate_premise_cases(toy_kg, 30, seed=7)]
    c = [c.to_dict() for c in generate_premise_cases(toy_kg, 30, seed=8)]
    assert a == b
    assert a != c
    assert PremiseCase.from_dict(a[0]).to_dict() == a[0]


def test_premises_are_true_or_false_in_the_graph(toy_kg):
    cases = generate_premise_cases(toy_kg, 60, seed=3)
    for case in cases:
        assert _holds(toy_kg, case) is (not case.false_premise), case
        assert case.premise.endswith(".") and toy_kg.label(case.subject) in case.premise
        # the question's answer is the graph's
        assert case.answers and case.question.startswith("What is the ")
        assert all(toy_kg.facts(case.subject, None, iri) for iri in case.answer_iris)


def test_impossible_dates_are_impossible(toy_kg):
    for case in generate_premise_cases(toy_kg, 60, seed=1):
        if not case.false_premise:
            continue
        s, _, o = case.claim
        if case.kind == "work_after_death":
            assert _year(toy_kg, o, ONT + "publicationDate") - _year(toy_kg, s, ONT + "deathDate") > 30
        elif case.kind == "work_before_birth":
            assert _year(toy_kg, o, ONT + "publicationDate") < _year(toy_kg, s, ONT + "birthDate")
        elif case.kind == "cause_after_effect":
            assert _year(toy_kg, s, ONT + "startDate") > _year(toy_kg, o, ONT + "endDate")
        elif case.kind == "negated_type":
            assert case.negated and " not " in case.premise
        elif case.kind == "disjoint_class":
            types = toy_kg.types(s, inferred=False)
            assert any(toy_kg.disjoint(t, o)[0] for t in types)


def test_phrasing_from_labels(toy_kg):
    by_kind = {}
    for c in generate_premise_cases(toy_kg, 48, seed=0):
        by_kind.setdefault((c.kind, c.false_premise), c)
    assert by_kind[("wrong_capital", True)].premise.startswith("Arvenia's capital is ")
    assert "place of birth is" in by_kind[("wrong_birth_place", True)].premise
    assert "date of birth is" in by_kind[("wrong_birth_year", True)].premise
    assert " wrote " in by_kind[("work_after_death", True)].premise
    assert " caused " in by_kind[("cause_after_effect", True)].premise


def test_a_graph_without_the_vocabulary_fails_clearly(tmp_path):
    path = tmp_path / "foaf.ttl"
    path.write_text(
        "@prefix ex: <http://example.org/> .\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
        'ex:alice a foaf:Person ; foaf:name "Alice" ; foaf:knows ex:bob .\n'
        'ex:bob a foaf:Person ; foaf:name "Bob" .\n'
    )
    kg = KnowledgeGraph.load([path])
    with pytest.raises(GraphError, match="o:capital"):
        generate_premise_cases(kg, 10, seed=0)
    with pytest.raises(InputError):
        generate_premise_cases(kg, 0, seed=0)


def test_only_some_kinds(toy_kg):
    cases = generate_premise_cases(toy_kg, 10, seed=0, kinds=("negated_type",))
    assert {c.kind for c in cases} == {"negated_type"}
    with pytest.raises(InputError):
        generate_premise_cases(toy_kg, 10, seed=0, kinds=("made_up",))


class ScriptedPipeline:
    """Flags every false premise except the causal ones, plus one true premise; answers all but one right."""

    config = SimpleNamespace(posthumous_years=30)
    nli = SimpleNamespace(model_dir="<fake-nli>")
    reader = SimpleNamespace(model_dir="<fake-reader>")

    def __init__(self, kg, n, seed):
        self.kg = kg
        self.cases = {c.premise: c for c in generate_premise_cases(kg, n, seed)}
        true_ones = [c for c in self.cases.values() if not c.false_premise]
        self.false_alarm = true_ones[0].premise
        self.wrong_answer = true_ones[1].premise
        self.asked = 0

    def check(self, premise):
        case = self.cases[premise]
        flagged = (case.false_premise and case.kind != "cause_after_effect") or premise == self.false_alarm
        return PremiseCheck(premise, "contradicted" if flagged else "supported", 0.9, rule="scripted")

    def ask(self, question, premises=None):
        self.asked += 1
        case = self.cases[premises[0]]
        answer = "somewhere else" if premises[0] == self.wrong_answer else case.answers[0]
        presupposed = PremiseCheck("x", "unknown", 0.0, source="presupposed")
        return SimpleNamespace(answer=answer, premises=[self.check(premises[0]), presupposed])


def test_suite_end_to_end(tmp_path, toy_kg, monkeypatch):
    pipe = ScriptedPipeline(toy_kg, 32, 5)
    monkeypatch.setattr(premise_suite, "load_pipeline", lambda ns: pipe)
    monkeypatch.setitem(
        cli.SUITES, "premises", cli.Suite(premise_suite.HELP, premise_suite.add_arguments, premise_suite.run)
    )
    out = tmp_path / "out"
    assert cli.main(["premises", "--limit", "32", "--seed", "5", "--out", str(out), "--save-cases"]) == 0
    res = json.loads((out / "results.json").read_text())
    assert pipe.asked == 32
    causal_false = sum(1 for c in pipe.cases.values() if c.false_premise and c.kind == "cause_after_effect")
    assert causal_false >= 1
    tp = 16 - causal_false
    assert res["n"] == 32 and res["n_false_premises"] == 16
    assert res["recall"] == pytest.approx(tp / 16)
    assert res["precision"] == pytest.approx(tp / (tp + 1))
    assert res["f1"] == pytest.approx(2 * tp / (2 * tp + 1 + causal_false))
    assert res["per_corruption"]["cause_after_effect"]["recall"] == 0.0
    assert res["per_corruption"]["wrong_capital"]["recall"] == 1.0
    assert res["true_premise_answer_accuracy"] == pytest.approx(15 / 16)
    assert res["confusion_matrix"] == [[tp, causal_false], [1, 15]]
    assert {"per_corruption.png", "confusion_matrix.png"} == set(res["plots"])
    assert len((out / "cases.jsonl").read_text().splitlines()) == 32
    # --mode check: no answers
    assert cli.main(["premises", "--limit", "32", "--seed", "5", "--out", str(tmp_path / "c"), "--mode", "check"]) == 0
    res = json.loads((tmp_path / "c" / "results.json").read_text())
    assert res["true_premise_answer_accuracy"] is None and res["recall"] == pytest.approx(tp / 16)
