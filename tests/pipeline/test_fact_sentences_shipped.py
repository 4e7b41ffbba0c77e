"""Fact sentences on the shipped world with the real NLI model (and, when slow tests run, on the FB15k-237 world).

The claims are given already parsed, so that what is tested is the fact sentences, not the claim parser.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kgqa.types import Claim

W = "https://kgqa.dev/world/"
ONT = "https://kgqa.dev/ontology#"


def _records(evidence):
    """Every fact sentence read: the deciding one's detail, and the others listed in the summary item."""
    out = []
    for e in evidence:
        if e.detail.get("rule") == "fact_sentence":
            out.append(e.detail)
        elif e.detail.get("rule") == "fact_sentences":
            out += e.detail["sentences"]
    return out


def _check(pipe, claim: Claim):
    return pipe.checker.check(claim.text, claim=claim)


def test_paraphrased_true_claim_is_supported_through_a_fact_sentence(pipe):
    # no relation given: the graph rules cannot decide; the fact "Hamlet author William Shakespeare" can
    claim = Claim(
        "William Shakespeare is the author of Hamlet.", subject=W + "William_Shakespeare", object=W + "Hamlet"
    )
    got = _check(pipe, claim)
    assert got.status == "supported" and got.rule == "fact_sentence_nli"
    first = got.evidence[0]
    assert first.detail["rule"] == "fact_sentence" and first.triples[0].subject == W + "Hamlet"
    assert first.detail["calibrated_nli"]["entailment"] >= pipe.config.fact_entail_threshold


def test_swapped_object_on_a_single_valued_relation_is_contradicted(pipe):
    claim = Claim(
        "The Trial of Galileo was held in Paris.",
        subject=W + "Trial_of_Galileo",
        relation=ONT + "location",
        object=W + "Paris",
    )
    got = _check(pipe, claim)
    assert got.status == "contradicted" and got.rule == "fact_sentence_nli"
    first = got.evidence[0]
    assert first.stance == "contradicts" and first.triples[0].object == W + "Rome"
    counts = first.detail["single_valued"]
    assert counts["holders"] >= 50 and counts["share"] >= pipe.config.fact_single_valued_share
    assert "Rome" in (got.correction or "")


def test_the_true_location_is_not_contradicted(pipe):
    claim = Claim(
        "The Trial of Galileo was held in Rome.",
        subject=W + "Trial_of_Galileo",
        relation=ONT + "location",
        object=W + "Rome",
    )
    assert _check(pipe, claim).status == "supported"


def test_multi_valued_relation_with_a_missing_value_stays_unknown(pipe):
    # nationality: 79% of the people hold one, below the 90% a refutation needs
    claim = Claim(
        "J. K. Rowling was a citizen of France.",
        subject=W + "J_K_Rowling",
        relation=ONT + "nationality",
        object=W + "France",
    )
    got = _check(pipe, claim)
    assert got.status == "unknown"
    counted = [r["single_valued"] for r in _records(got.evidence) if "single_valued" in r]
    assert counted and all(c["share"] < pipe.config.fact_single_valued_share or c["holder_values"] > 1 for c in counted)


def test_a_relation_the_graph_lacks_stays_unknown(pipe):
    claim = Claim(
        "Hamlet was filmed in Denmark.", subject=W + "Hamlet", relation=ONT + "filmingLocation", object=W + "Denmark"
    )
    got = _check(pipe, claim)
    assert got.status == "unknown"
    assert _records(got.evidence)  # read, and in the check's evidence


def test_fact_sentences_reach_the_trace(pipe):
    ans = pipe.ask("Where is Denmark?", premises=["Hamlet was filmed in Denmark."])
    step = next(s for s in ans.trace.steps if s.stage == "premise_check")
    (check,) = step.outputs["checks"]
    assert check["status"] == "unknown"
    records = [
        r
        for e in check["evidence"]
        for r in ([e["detail"]] if e["detail"].get("rule") == "fact_sentence" else e["detail"].get("sentences", []))
    ]
    assert records and all(set(r["calibrated_nli"]) == {"entailment", "neutral", "contradiction"} for r in records)


FB_WORLD = Path(os.environ.get("KGQA_FBWORLD", "/tmp/fbworld"))
SEATON = "m.0171lb"  # George Seaton


@pytest.mark.slow
def test_fb_world_director_claim(tmp_path):
    """``KGQA_FBWORLD=/tmp/fbworld python -m pytest -q -m slow tests/pipeline/test_fact_sentences_shipped.py``"""
    if not (FB_WORLD / "graph-store").is_dir():
        pytest.skip(f"no FB15k-237 world at {FB_WORLD}; build one with `kgqa bench world build`")
    from kgqa.pipeline import Pipeline

    subset = tmp_path / "passages.jsonl"  # a few passages: the graph is what is tested
    with open(FB_WORLD / "passages.jsonl", encoding="utf-8") as f:
        subset.write_text("".join(next(f) for _ in range(20)), encoding="utf-8")
    p = Pipeline.load(FB_WORLD / "kgqa.json", passages=[str(subset)], index_dir=None)
    R, E = "https://kgqa.dev/fb15k237/relation/", "https://kgqa.dev/fb15k237/entity/"
    film, rosanna, seaton = E + "m.03nqnnk", E + "m.01wk51", E + SEATON
    wrong = Claim("George Seaton directed Searching for Debra Winger.", seaton, R + "film/director/film", film)
    got = p.checker.check(wrong.text, claim=wrong)
    assert got.status == "contradicted" and got.evidence[0].triples[0].subject == rosanna
    right = Claim("Rosanna Arquette directed Searching for Debra Winger.", rosanna, R + "film/director/film", film)
    assert p.checker.check(right.text, claim=right).status == "supported"
