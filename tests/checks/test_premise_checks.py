"""The premise, causal and temporal checks on an invented world: the mechanisms, not the demo answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.checks.claims import find_date, strip_negation
from kgqa.checks.questions import analyze_question, answer_statement
from kgqa.errors import InputError

M = "http://mini.example/"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ONT = "https://kgqa.dev/ontology#"


def test_negated_type_claim_is_contradicted_through_the_class_hierarchy(checker) -> None:
    res = checker.check("Ada Finch was not a writer.")
    assert res.claim.kind == "type" and res.claim.negated
    assert res.claim.subject == M + "Ada_Finch" and res.claim.object == ONT + "Writer"
    assert res.status == "contradicted"
    path = [t for e in res.evidence for t in e.triples]
    assert (M + "Ada_Finch", ONT + "Novelist") in [(t.subject, t.object) for t in path]
    assert (ONT + "Novelist", ONT + "Writer") in [(t.subject, t.object) for t in path]


def test_positive_type_claim_is_supported(checker) -> None:
    assert checker.check("Ada Finch was a writer.").status == "supported"
    assert checker.check("Ada Finch was a person.").status == "supported"


def test_disjoint_class_contradicts(checker) -> None:
    res = checker.check("Ada Finch is a city.")
    assert res.status == "contradicted"
    assert res.rule == "disjoint_classes"


def test_functional_property_gives_a_correction(checker) -> None:
    assert checker.check("Eastholm is the capital of Norland.").status == "supported"
    res = checker.check("Port Vell is the capital of Norland.")
    assert res.status == "contradicted"
    assert "Eastholm" in (res.correction or "")


def test_place_containment_supports(checker) -> None:
    res = checker.check("Ada Finch was born in Norland.")
    assert res.status == "supported", res
    assert res.rule == "place_containment"


def test_dates(checker) -> None:
    assert checker.check("Ada Finch was born in 1850.").status == "supported"
    res = checker.check("Ada Finch was born in 1849.")
    assert res.status == "contradicted"
    assert any("1850" in str(e.detail) for e in res.evidence)


def test_known_creators_and_dates_refute_a_false_authorship(checker) -> None:
    res = checker.check("Jon Reed wrote The Glass Orchard.")
    assert res.status == "contradicted"
    assert "Ada Finch" in (res.correction or "")
    rules = {e.detail.get("rule") for e in res.evidence}
    assert "known_creators" in rules
    assert "acts_after_death" in rules  # 1890 is 49 years after Reed's death in 1841
    dates = [d["date"] for e in res.evidence if e.kind == "date" for d in e.detail["dates"]]
    assert "1890" in dates and "1841" in dates


def test_true_authorship_is_supported(checker) -> None:
    res = checker.check("Ada Finch wrote The Glass Orchard.")
    assert res.status == "supported"
    res = checker.check("The Glass Orchard was written by Ada Finch.")
    assert res.status == "supported"


def test_cause_after_effect_is_contradicted_with_both_dates(checker) -> None:
    res = checker.check("The steam loom caused the Great Flood.")
    assert res.claim.kind == "causal"
    assert res.status == "contradicted" and res.rule == "cause_after_effect"
    dates = [d["date"] for e in res.evidence for d in e.detail.get("dates", [])]
    assert "1810" in dates and "1702" in dates


@pytest.mark.parametrize(
    "text",
    [
        "The Great Flood caused the Norland famine.",
        "The Norland famine happened because of the Great Flood.",
        "The Great Flood led to the Norland emigration wave.",  # through the transitive chain
    ],
)
def test_causal_edges_support(checker, text: str) -> None:
    res = checker.check(text)
    assert res.status == "supported", res
    assert res.rule == "causal_edge"


def test_negated_causal_claim(checker) -> None:
    assert checker.check("The Great Flood did not cause the Norland famine.").status == "contradicted"


def test_unknown_entities_are_unknown_not_errors(checker) -> None:
    res = checker.check("Zorblax the Unseen painted the moon purple.")
    assert res.status == "unknown"


def test_bad_claims_raise_typed_errors(checker) -> None:
    with pytest.raises(InputError):
        checker.check("   ")
    with pytest.raises(InputError):
        checker.check(42)  # type: ignore[arg-type]


def test_long_claims_parse_in_linear_time(checker) -> None:
    """The checker has no length limit of its own (the pipeline applies PipelineConfig's max_*_chars).

    Each "is" once made the type pattern rescan to the last comma: 0.4 s at 10,000 characters, 9 s at 40,000.
    """
    import time

    text = ("Ada Finch is " * 3_100)[:39_999] + ","
    t0 = time.perf_counter()
    assert checker.check(text).status == "unknown"
    assert time.perf_counter() - t0 < 3.0
    assert checker.check("Ada Finch " * 1_000 + "is a writer.").status in ("supported", "contradicted", "unknown")
    from kgqa.checks.claims import _type_parts

    assert _type_parts("Ada Finch, the poet, is a writer") == ("Ada Finch, the poet,", "writer")
    assert _type_parts("Ada Finch is a writer, surely") is None
    assert _type_parts("is a writer") is None


def test_question_analysis() -> None:
    a = analyze_question("Why did Jon Reed write The Glass Orchard?")
    assert a.qtype == "why" and a.presuppositions == ["Jon Reed did write The Glass Orchard"]
    a = analyze_question("When did Jon Reed invent the steam loom?")
    assert a.qtype == "factoid" and a.presuppositions == ["Jon Reed did invent the steam loom"]
    assert analyze_question("When was Ada Finch born?").presuppositions == []
    b = analyze_question("Did Ada Finch write The Glass Orchard?", subject_end=len("Ada Finch"))
    assert b.qtype == "yes_no" and b.statement == "Ada Finch did write The Glass Orchard"
    assert answer_statement(analyze_question("Who wrote The Glass Orchard?"), "Ada Finch") == (
        "Ada Finch wrote The Glass Orchard."
    )
    assert answer_statement(analyze_question("What is the capital of Norland?"), "Eastholm") == (
        "The capital of Norland is Eastholm."
    )


def test_negation_and_dates_helpers() -> None:
    assert strip_negation("Ada did not write it") == ("Ada write it", True)
    assert strip_negation("Ada wasn't a poet") == ("Ada was a poet", True)
    assert strip_negation("Ada was a poet") == ("Ada was a poet", False)
    assert find_date("Caesar died in 44 BC")[0] == "-0044"
    assert find_date("published in 1890")[0] == "1890"
    assert find_date("on 1969-07-20")[0] == "1969-07-20"
    assert find_date("it has 3 moons") is None


def test_a_number_ending_a_linked_name_is_no_date() -> None:
    # the name's span ends at the number; the space after it is not part of the year ("Fortune Global 500 is a
    # list of ..." was read as a claim dated 500 and refuted by a passage about another company)
    text = "Fortune Global 500 is a list of Hewlett-Packard."
    assert find_date(text, [(0, 18)]) is None
    assert find_date("Boeing 747 is an airliner.", [(0, 10)]) is None
    # negative: a year outside the name, or a name that does not hold the number, still gives the date
    assert find_date("The Boeing 747 first flew in 1969.", [(4, 14)]) == ("1969", 29, 33)
    assert find_date(text, [(32, 47)]) == ("0500", 15, 18)
    assert find_date("It ended in 476 AD.", [(0, 2)]) == ("0476", 12, 18)
    assert find_date("Shakespeare was born in 1564 in Stratford.", [(0, 11)]) == ("1564", 24, 28)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Ada Finch was born before Jon Reed.", "contradicted"),
        ("Jon Reed was born before Ada Finch.", "supported"),
        ("The Great Flood happened after the Norland famine.", "contradicted"),
        ("The Norland famine happened after the Great Flood.", "supported"),
    ],
)
def test_temporal_order_claims(checker, text: str, status: str) -> None:
    res = checker.check(text)
    assert res.claim.kind == "order"
    assert res.status == status and res.rule == "temporal_order"
    assert len(res.evidence[0].detail["dates"]) == 2


def test_negated_type_claim_gets_a_correction(checker) -> None:
    res = checker.check("Ada Finch was not a writer.")
    assert "Ada Finch is a novelist" in (res.correction or "")


def test_a_name_that_starts_with_an_article_links_as_written(tmp_path) -> None:
    """ "The Lantern" is the book; "Lantern" alone is someone else: dropping the article first mislinks."""
    from kgqa.checks.premise import PremiseChecker
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher

    root = Path(__file__).resolve().parents[2]
    world = tmp_path / "lantern.ttl"
    world.write_text(
        "@prefix o: <https://kgqa.dev/ontology#> . @prefix m: <http://mini.example/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'm:The_Lantern a o:Treatise ; rdfs:label "The Lantern"@en .\n'
        'm:Lantern_Smith a o:Person ; rdfs:label "Lantern"@en .\n',
        encoding="utf-8",
    )
    kg = KnowledgeGraph.load([root / "graphs" / "ontology.ttl", world])
    checker = PremiseChecker(kg, EntityLinker(kg), RelationMatcher(kg), nli=None)
    book = checker.check("The Lantern is a treatise.")
    assert book.claim.subject == M + "The_Lantern" and book.status == "supported"
    person = checker.check("Lantern is a person.")
    assert person.claim.subject == M + "Lantern_Smith" and person.status == "supported"
    assert checker.check("The Lantern is a person.").status == "contradicted"


def test_negation_inside_a_name_negates_nothing() -> None:
    title = "Cats Don't Sing"
    text = f"{title} was not a poem"
    assert strip_negation(text, [(0, len(title))]) == ("Cats Don't Sing was a poem", True)
    assert strip_negation(f"Ada wrote {title}", [(10, 10 + len(title))]) == (f"Ada wrote {title}", False)
    # without the name's span, the title's "n't" is read as a negation
    assert strip_negation(f"Ada wrote {title}") == ("Ada wrote Cats Do Sing", True)


@pytest.fixture(scope="module")
def titled_checker(tmp_path_factory: pytest.TempPathFactory):
    from kgqa.checks.premise import PremiseChecker
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher

    root = Path(__file__).resolve().parents[2]
    extra = tmp_path_factory.mktemp("titled") / "titled.ttl"
    extra.write_text(
        "@prefix o: <https://kgqa.dev/ontology#> .\n@prefix m: <http://mini.example/> .\n"
        '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\nm:Cats_Dont_Sing a o:Novel ; rdfs:label "Cats '
        "Don't Sing\" ; o:author m:Ada_Finch .\n",
        encoding="utf-8",
    )
    kg = KnowledgeGraph.load([root / "graphs" / "ontology.ttl", FIXTURES / "mini_world.ttl", extra])
    return PremiseChecker(kg, EntityLinker(kg), RelationMatcher(kg), nli=None)


@pytest.mark.parametrize(
    ("text", "negated", "status"),
    [
        ("Ada Finch wrote Cats Don't Sing.", False, "supported"),
        ("Ada Finch did not write Cats Don't Sing.", True, "contradicted"),
        ("Ada Finch didn't write Cats Don't Sing.", True, "contradicted"),
    ],
)
def test_a_title_with_a_negation_word_is_a_name(titled_checker, text: str, negated: bool, status: str) -> None:
    res = titled_checker.check(text)
    assert res.claim.negated is negated
    assert res.claim.object_text == "Cats Don't Sing" and res.claim.object == "http://mini.example/Cats_Dont_Sing"
    assert res.status == status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("The Norland famine was caused by the Great Flood.", "supported"),
        ("The Norland emigration wave was caused by the Great Flood.", "supported"),  # the transitive chain
        # negatives: the same passive shape the wrong way round
        ("The Great Flood was caused by the Norland famine.", "contradicted"),
        ("The Great Flood was brought about by the Norland emigration wave.", "contradicted"),
    ],
)
def test_passive_causal_claims_keep_their_direction(checker, text: str, status: str) -> None:
    """ "Y was caused by X" is X causing Y: the active pattern once read it as "(Y was) caused (by X)"."""
    res = checker.check(text)
    assert res.status == status, (text, res.status, res.rule)


def test_a_transitive_causal_chain_is_explained_by_its_asserted_edges(checker) -> None:
    """The evidence of an inferred causal edge is the chain of asserted facts behind it (kg.explain)."""
    res = checker.check("The Great Flood led to the Norland emigration wave.")
    path = [e for e in res.evidence if e.detail.get("rule") == "causal_edge"][0]
    assert [(t.subject_label, t.object_label) for t in path.triples] == [
        ("Great Flood of Norland", "Norland famine"),
        ("Norland famine", "Norland emigration wave"),
    ]
    # negative: a direct edge is its own evidence
    direct = checker.check("The Great Flood caused the Norland famine.")
    edge = [e for e in direct.evidence if e.detail.get("rule") == "causal_edge"][0]
    assert [(t.subject_label, t.object_label) for t in edge.triples] == [("Great Flood of Norland", "Norland famine")]
