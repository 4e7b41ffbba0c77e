"""``kgqa bench fact-claims``: a world's own facts worded as claims and checked, on a toy graph with a real checker."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from kgqa.bench import cli, fact_claims_suite
from kgqa.bench.fact_claims_suite import evaluate, sample_facts, wilson_upper
from kgqa.graph.kg import KnowledgeGraph

EX = "https://example.org/claims/"


def _toy() -> str:
    lines = [
        "@prefix ex: <https://example.org/claims/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        'ex:bornIn a owl:ObjectProperty, owl:FunctionalProperty ; rdfs:label "place of birth" .',
        'ex:directedBy a owl:ObjectProperty ; rdfs:label "director" .',
        'ex:rivalOf a owl:ObjectProperty ; rdfs:label "rival" .',
    ]
    towns = ["Arden", "Belmoor", "Corrin", "Dunmere", "Eskby"]
    lines += [f'ex:town{i} a ex:Town ; rdfs:label "{t}" .' for i, t in enumerate(towns)]
    first = ["Ada", "Bram", "Cleo", "Dov", "Edda", "Fenn"]
    last = ["Quill", "Rusk", "Stave", "Thorne", "Umber"]
    people = [f"{a} {b}" for a in first for b in last]  # 30 names
    for i, name in enumerate(people):
        lines.append(f'ex:person{i} a ex:Person ; rdfs:label "{name}" ; ex:bornIn ex:town{i % 5} .')
    films = [
        f"The {a} {b}"
        for a in ("Amber", "Broken", "Cold", "Distant", "Empty")
        for b in ("Gate", "Hill", "Isle", "Jar", "Keep")
    ]
    for i, title in enumerate(films):
        lines.append(f'ex:film{i} a ex:Film ; rdfs:label "{title}" ; ex:directedBy ex:person{i} .')
    lines += [f"ex:person{i} ex:rivalOf ex:person{i + 1} ." for i in range(5)]  # too few facts to draw from
    lines.append("ex:unnamed ex:bornIn ex:town0 .")  # no label: never drawn
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def toy_kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    path = Path(tmp_path_factory.mktemp("claims")) / "toy.ttl"
    path.write_text(_toy(), encoding="utf-8")
    return KnowledgeGraph.load([path])


@pytest.fixture(scope="module")
def toy_pipe(toy_kg: KnowledgeGraph) -> SimpleNamespace:
    from kgqa.checks.premise import PremiseChecker
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher

    checker = PremiseChecker(toy_kg, EntityLinker(toy_kg), RelationMatcher(toy_kg), nli=None)
    return SimpleNamespace(kg=toy_kg, check=checker.check)


def test_facts_are_drawn_in_turn_from_each_relation(toy_kg: KnowledgeGraph) -> None:
    facts = sample_facts(toy_kg, 10, seed=0, min_facts=20)
    assert len(facts) == 10
    by_relation = {p: sum(f.predicate == p for f in facts) for p in (EX + "bornIn", EX + "directedBy")}
    assert by_relation == {EX + "bornIn": 5, EX + "directedBy": 5}
    # negatives: a relation under --min-facts is never drawn, nor an unlabelled node
    assert all(f.predicate != EX + "rivalOf" for f in sample_facts(toy_kg, 200, seed=0, min_facts=20))
    assert all(f.subject != EX + "unnamed" for f in sample_facts(toy_kg, 200, seed=0, min_facts=20))
    assert any(f.predicate == EX + "rivalOf" for f in sample_facts(toy_kg, 200, seed=0, min_facts=5))
    # seeded, and filtered by subject
    assert sample_facts(toy_kg, 10, seed=3) == sample_facts(toy_kg, 10, seed=3)
    assert sample_facts(toy_kg, 10, seed=3) != sample_facts(toy_kg, 10, seed=4)
    kept = sample_facts(toy_kg, 200, seed=0, keep=lambda s: s.startswith(EX + "film"))
    assert kept and all(f.subject.startswith(EX + "film") for f in kept)


def test_true_facts_are_checked_in_both_wordings(toy_pipe: SimpleNamespace) -> None:
    facts = sample_facts(toy_pipe.kg, 6, seed=1)
    results, records = evaluate(toy_pipe, facts)
    assert results["n_facts"] == 6 and results["n"] == 12 and len(records) == 12
    assert {r["style"] for r in records} == {0, 1}
    assert len({r["claim"] for r in records}) == 12  # two different wordings of each fact
    assert results["contradicted"] == 0 and results["contradictions"] == []
    assert results["supported_rate"] > 0.5  # a real checker reads most of its own facts
    assert results["supported_rate"] + results["unknown_rate"] + results["contradicted_rate"] == pytest.approx(1.0)
    assert results["per_style"]["0"]["n"] == 6


def test_a_contradiction_is_listed_with_its_rule(toy_pipe: SimpleNamespace) -> None:
    facts = sample_facts(toy_pipe.kg, 4, seed=1)

    def check(text: str):  # the real check, with one claim refuted: what the suite must then report
        got = toy_pipe.check(text)
        if text == records0[0]["claim"]:
            return SimpleNamespace(
                status="contradicted", rule="passage_nli", evidence=[SimpleNamespace(text="a passage")]
            )
        return got

    _, records0 = evaluate(toy_pipe, facts)
    results, _ = evaluate(SimpleNamespace(kg=toy_pipe.kg, check=check), facts)
    assert results["contradicted"] == 1 and results["contradicted_rate"] == pytest.approx(1 / 8)
    assert results["contradictions"][0]["rule"] == "passage_nli"
    assert results["contradictions"][0]["evidence"] == "a passage"
    assert results["rules"]["contradicted"] == {"passage_nli": 1}


def test_wilson_upper_bound() -> None:
    assert wilson_upper(0, 400) == pytest.approx(0.0095, abs=1e-4)
    assert wilson_upper(0, 0) == 1.0
    assert wilson_upper(5, 10) > 0.5 > wilson_upper(0, 10)


def test_suite_runs_end_to_end(tmp_path: Path, toy_pipe: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fact_claims_suite, "load_world", lambda ns: (toy_pipe, {"world": str(tmp_path / "w")}))
    out = tmp_path / "out"
    argv = ["fact-claims", "--limit", "4", "--all-subjects", "--save-cases", "--out", str(out)]
    assert cli.main(argv) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["suite"] == "fact-claims" and res["n_facts"] == 4 and res["data"]["subjects"] == "all"
    assert (out / "statuses.png").is_file() and len((out / "cases.jsonl").read_text().splitlines()) == 8
    # negative: a --min-facts no relation reaches is a clear error (exit 2)
    assert cli.main(["fact-claims", "--min-facts", "500", "--all-subjects", "--out", str(tmp_path / "x")]) == 2
    assert cli.main(["fact-claims", "--min-facts", "0", "--out", str(tmp_path / "y")]) == 2


def test_swapped_objects_count_false_supports_and_catches(toy_pipe: SimpleNamespace) -> None:
    import random

    from kgqa.bench.fact_claims_suite import swap_object

    kg = toy_pipe.kg
    facts = sample_facts(kg, 6, seed=2)
    pools: dict[str, list[str]] = {}
    for fact in facts:
        wrong = swap_object(kg, fact, pools, random.Random(0))
        assert wrong is not None and (wrong.subject, wrong.predicate) == (fact.subject, fact.predicate)
        assert not kg.has(fact.subject, fact.predicate, wrong.object)  # a value the subject does not have
        assert wrong.object_label == kg.label(wrong.object)
    results, records = evaluate(toy_pipe, facts, swapped=True, seed=0)
    assert {r["kind"] for r in records} == {"true", "swapped"} and len(records) == 24
    assert results["n"] == 12  # the top-level rates stay those of the true facts
    sw = results["swapped"]
    assert sw["n"] == 12 and sw["supported"] == 0 and sw["false_supports"] == []
    # the declared functional place of birth refutes a swapped birthplace
    caught = {r["relation"] for r in records if r["kind"] == "swapped" and r["status"] == "contradicted"}
    assert EX + "bornIn" in caught
    assert all(r["status"] != "supported" for r in records if r["kind"] == "swapped")
    # negative: without --swapped nothing is swapped
    assert "swapped" not in evaluate(toy_pipe, facts)[0]


def test_a_swapped_value_linked_to_the_subject_is_not_offered(tmp_path: Path) -> None:
    import random

    from kgqa.bench.fact_claims_suite import swap_object

    path = tmp_path / "linked.ttl"
    # every other town is tied to person0 by another fact: none can be offered as a wrong birthplace
    extra = "".join(f"ex:person0 ex:visited ex:town{i} .\n" for i in range(1, 5))
    path.write_text(_toy() + extra, encoding="utf-8")
    kg = KnowledgeGraph.load([path])
    fact = kg.facts(EX + "person0", EX + "bornIn", None, inferred=False)[0]
    assert swap_object(kg, fact, {}, random.Random(0)) is None
    # negative: without those ties a wrong birthplace is offered
    other = kg.facts(EX + "person1", EX + "bornIn", None, inferred=False)[0]
    assert swap_object(kg, other, {}, random.Random(0)) is not None
