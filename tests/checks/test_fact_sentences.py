"""Fact sentences: graph facts rendered from labels and judged by NLI, and the open-world rules on refuting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kgqa.checks.fact_sentences import FactRenderer, FactSentenceJudge, path_phrase, phrase_from_words
from kgqa.types import Claim

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
M = "http://mini.example/"
X = "http://league.example/"


# ---------------------------------------------------------------------------- rendering
@pytest.mark.parametrize(
    ("words", "form"),
    [
        ("wrote", "verb"),
        ("contains", "verb"),
        ("orbits", "noun"),  # a noun reading wins for one word
        ("featured film locations", "noun"),
        ("married to", "state"),
        ("influenced by", "passive"),
        ("located in", "state"),
        ("place of birth", "noun"),
        ("author", "noun"),
        ("capital of", "noun_prep"),
        ("artists", "noun"),
    ],
)
def test_phrase_forms(words, form):
    assert phrase_from_words(words.split()).form == form


@pytest.mark.parametrize(
    ("iri", "label", "expected"),
    [
        (X + "rel/team/coach/team", "team coach team", ("coach", "role")),
        (X + "rel/people/person/place_of_birth", "people person place of birth", ("place of birth", "noun")),
        (X + "rel/show/actor/show./show/performance/show", "show actor show. show performance show", ("actor", "role")),
        (
            X + "rel/show/show/release_s./show/release/region",
            "show show release s. show release region",
            ("region", "noun"),
        ),
    ],
)
def test_iri_path_labels_read_naturally(iri, label, expected):
    got = path_phrase(iri, label)
    assert got is not None and (got.text, got.form) == expected


def test_a_real_label_is_not_read_as_an_iri_path():
    assert path_phrase(X + "rel/team/coach/team", "trainer") is None
    assert path_phrase(X + "rel/team/coach/team", "coach team") is not None  # the last two segments


def test_fact_sentences_from_labels(league_kg):
    r = FactRenderer(league_kg)
    orchard = league_kg.facts(M + "Glass_Orchard", "https://kgqa.dev/ontology#author", None)[0]
    assert r.sentence(orchard, single=True) == "The author of The Glass Orchard is Ada Finch."
    assert r.sentence(orchard) == "Ada Finch is an author of The Glass Orchard."
    coach = league_kg.facts(X + "team0", X + "coach", None)[0]
    assert r.sentence(coach, single=True) == "The coach of Team 0 is Mara Holt."
    assert r.sentence(coach, style=1, single=True) == "Team 0's coach is Mara Holt."


# ---------------------------------------------------------------------------- judging, with a scripted NLI
class ScriptedNLI:
    """Entailment / contradiction for premises containing given words; neutral otherwise."""

    def __init__(self, entail: tuple[str, ...] = (), contradict: tuple[str, ...] = ()) -> None:
        self.entail, self.contradict = entail, contradict
        self.pairs: list[tuple[str, str]] = []

    def predict(self, pairs):
        self.pairs += list(pairs)
        rows = []
        for premise, _ in pairs:
            if any(w in premise for w in self.entail):
                rows.append([0.97, 0.02, 0.01])
            elif any(w in premise for w in self.contradict):
                rows.append([0.01, 0.02, 0.97])
            else:
                rows.append([0.05, 0.9, 0.05])
        return np.array(rows, dtype=np.float32)


def sentence_records(evidence):
    """Every fact sentence read: the deciding one's detail, and the others listed in the summary item."""
    out = []
    for e in evidence:
        if e.detail.get("rule") == "fact_sentence":
            out.append({**e.detail, "triple": e.triples[0].to_dict(), "nli": e.nli})
        elif e.detail.get("rule") == "fact_sentences":
            out += e.detail["sentences"]
    return out


def _judge(kg, nli, **kw):
    args = dict(
        entail_threshold=0.8,
        contradict_threshold=0.8,
        single_valued_share=0.9,
        fact_budget=200,
        nli_pair_budget=50,
    )
    return FactSentenceJudge(kg, nli, **{**args, **kw})


def test_supported_through_a_fact_sentence(league_kg):
    claim = Claim("Ada Finch penned The Glass Orchard.", subject=M + "Ada_Finch", object=M + "Glass_Orchard")
    got = _judge(league_kg, ScriptedNLI(entail=("author",))).judge(claim, claim.text)
    assert got.holds is True and got.confidence >= 0.9
    first = got.evidence[0]
    assert first.stance == "supports" and first.detail["rule"] == "fact_sentence" and "author" in first.text
    assert set(first.nli) == {"entailment", "neutral", "contradiction"}


@pytest.mark.parametrize(
    ("stated", "judged"),
    [
        ("Ada Finch did write The Glass Orchard", "Ada Finch wrote The Glass Orchard"),  # a question's presupposition
        ("Ada Finch does write The Glass Orchard", "Ada Finch writes The Glass Orchard"),
        ("Ada Finch wrote The Glass Orchard", "Ada Finch wrote The Glass Orchard"),  # a plain statement: as stated
        ("Ada Finch did Glass Orchard work", "Ada Finch did Glass Orchard work"),  # "did" + a non-verb: as stated
    ],
)
def test_the_nli_hypothesis_is_the_claim_without_do_support(league_kg, stated, judged):
    nli = ScriptedNLI(entail=("author",))
    claim = Claim(stated, subject=M + "Ada_Finch", object=M + "Glass_Orchard")
    _judge(league_kg, nli).judge(claim, stated)
    assert nli.pairs and {h for _, h in nli.pairs} == {judged}


def test_swapped_object_on_single_valued_relation_is_contradicted(league_kg):
    claim = Claim("Ivo Brant coaches Team 0.", subject=X + "team0", relation=X + "coach", object=X + "person1")
    got = _judge(league_kg, ScriptedNLI(contradict=("coach",))).judge(claim, claim.text)
    assert got.holds is False
    first = got.evidence[0]
    assert first.stance == "contradicts" and first.triples[0].object == X + "person0"
    assert first.detail["single_valued"]["holders"] == 60 and first.detail["single_valued"]["share"] == 1.0
    assert got.correction == "The coach of Team 0 is Mara Holt"


def test_a_relation_read_below_the_matcher_threshold_refutes_nothing(league_kg):
    # the same swapped object, but the claim's relation is a weak reading (kgqa.checks.readings): a guess
    reading = {"tier": "typed", "weak": True}
    claim = Claim(
        "Ivo Brant coaches Team 0.", subject=X + "team0", relation=X + "coach", object=X + "person1", reading=reading
    )
    got = _judge(league_kg, ScriptedNLI(contradict=("coach",))).judge(claim, claim.text)
    assert got.holds is None
    # negative: the true value under the same weak reading is still supported by its fact sentence
    true = Claim(
        "Mara Holt coaches Team 0.", subject=X + "team0", relation=X + "coach", object=X + "person0", reading=reading
    )
    assert _judge(league_kg, ScriptedNLI(entail=("coach",))).judge(true, true.text).holds is True


def test_weak_contradiction_does_not_refute(league_kg):
    claim = Claim("Ivo Brant coaches Team 0.", subject=X + "team0", relation=X + "coach", object=X + "person1")
    got = _judge(league_kg, ScriptedNLI(contradict=("coach",)), contradict_threshold=0.99).judge(claim, claim.text)
    assert got.holds is None


def test_multi_valued_relation_with_a_missing_value_stays_unknown(league_kg):
    claim = Claim("Member 5 is a member of Club 0.", subject=X + "club0", relation=X + "member", object=X + "m5")
    got = _judge(league_kg, ScriptedNLI(contradict=("Member",))).judge(claim, claim.text)
    assert got.holds is None
    counted = [r["single_valued"] for r in sentence_records(got.evidence) if "single_valued" in r]
    assert counted and all(c["share"] < 0.9 for c in counted)


def test_a_relation_the_graph_lacks_stays_unknown(league_kg):
    claim = Claim("Team 0 sponsors Club 0.", subject=X + "team0", relation=X + "sponsor", object=X + "club0")
    got = _judge(league_kg, ScriptedNLI(contradict=("coach", "member"))).judge(claim, claim.text)
    records = sentence_records(got.evidence)
    assert got.holds is None and records  # judged, and nothing of the claim's relation to refute it
    (summary,) = got.evidence
    assert summary.detail["rule"] == "fact_sentences" and summary.stance == "neutral" and not summary.triples
    assert all(set(r["nli"]) == {"entailment", "neutral", "contradiction"} for r in records)


def test_too_few_holders_do_not_make_a_relation_single_valued(mini_kg):
    # the mini world's author facts: two works, each with one author, far below MIN_HOLDERS (50)
    claim = Claim(
        "Jon Reed wrote The Glass Orchard.",
        subject=M + "Glass_Orchard",
        relation="https://kgqa.dev/ontology#author",
        object=M + "Jon_Reed",
    )
    got = _judge(mini_kg, ScriptedNLI(contradict=("author",))).judge(claim, claim.text)
    assert got.holds is None


def test_a_supporting_fact_vetoes_a_refuting_one(league_kg, tmp_path):
    from kgqa.graph.kg import KnowledgeGraph

    extra = tmp_path / "assistant.ttl"
    extra.write_text(
        "@prefix x: <http://league.example/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'x:assistant rdfs:label "assistant coach" .\nx:team0 x:assistant x:person1 .\n',
        encoding="utf-8",
    )
    kg = KnowledgeGraph.load([*league_kg.files, extra])
    claim = Claim("Ivo Brant coaches Team 0.", subject=X + "team0", relation=X + "coach", object=X + "person1")
    # the assistant coach fact is about both entities and is read as entailing; Team 0's coach contradicts
    got = _judge(kg, ScriptedNLI(entail=("assistant",), contradict=("Team 0",))).judge(claim, claim.text)
    assert got.holds is True


def test_a_fact_about_other_entities_supports_nothing(league_kg):
    """ "Ivo Brant coaches Team 1" read as entailing "Ivo Brant coaches Team 0" is no support (nor a veto)."""
    claim = Claim("Ivo Brant coaches Team 0.", subject=X + "team0", relation=X + "coach", object=X + "person1")
    got = _judge(league_kg, ScriptedNLI(entail=("Team 1",), contradict=("Team 0",))).judge(claim, claim.text)
    assert got.holds is False  # Team 0's one coach, Mara Holt, refutes it
    assert all(e.stance != "supports" for e in got.evidence)


def test_negated_and_unlinked_claims_are_left_alone(league_kg):
    nli = ScriptedNLI(contradict=("coach",))
    negated = Claim("Ivo Brant does not coach Team 0.", X + "team0", X + "coach", X + "person1", negated=True)
    unlinked = Claim("Someone coaches a team.")
    assert _judge(league_kg, nli).judge(negated, negated.text).holds is None
    assert _judge(league_kg, nli).judge(unlinked, unlinked.text).holds is None
    assert nli.pairs == []


def test_facts_of_the_claim_relation_are_judged_first(league_kg):
    nli = ScriptedNLI()
    claim = Claim("Ivo Brant coaches Team 0.", subject=X + "team0", relation=X + "coach", object=X + "person1")
    _judge(league_kg, nli, nli_pair_budget=1).judge(claim, claim.text)
    # one fact sentence judged (then the substitution reads its own pair: tests/checks/test_fact_substitution.py)
    assert "coach of Team 0 is Mara Holt" in nli.pairs[0][0]
    assert sum("Mara Holt" in premise for premise, _ in nli.pairs) == 1


# ---------------------------------------------------------------------------- the premise checker
def test_premise_checker_uses_fact_sentences_when_the_graph_rules_do_not_decide(league_kg):
    from kgqa.checks.premise import PremiseChecker
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher

    checker = PremiseChecker(
        league_kg, EntityLinker(league_kg), RelationMatcher(league_kg), nli=ScriptedNLI(contradict=("coach",))
    )
    claim = Claim("Ivo Brant coaches Team 0.", subject=X + "team0", relation=X + "coach", object=X + "person1")
    got = checker.check(claim.text, claim=claim)
    assert got.status == "contradicted" and got.rule == "fact_sentence_nli"
    assert got.evidence[0].detail["rule"] == "fact_sentence" and got.correction
    true = Claim("Mara Holt coaches Team 0.", subject=X + "team0", relation=X + "coach", object=X + "person0")
    assert checker.check(true.text, claim=true).rule == "fact_in_graph"  # the graph rule decides first


def test_trace_renderers_accept_fact_sentence_evidence(league_kg):
    from kgqa.render import premise_page_html
    from kgqa.render.text import premise_text

    claim = Claim("Ada Finch penned The Glass Orchard.", subject=M + "Ada_Finch", object=M + "Glass_Orchard")
    from kgqa.checks.premise import PremiseChecker
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher

    checker = PremiseChecker(
        league_kg, EntityLinker(league_kg), RelationMatcher(league_kg), nli=ScriptedNLI(entail=("author",))
    )
    got = checker.check(claim.text, claim=claim)
    assert got.status == "supported"
    assert "supported" in premise_text(got) and "<" in premise_page_html(got)
    assert got.to_dict()["evidence"][0]["detail"]["sentence"].endswith(".")


# ---------------------------------------------------------------------------- the real NLI model
@pytest.fixture(scope="module")
def real_nli():
    from kgqa.paths import models_dir

    if not (models_dir() / "nli" / "model.safetensors").is_file():
        pytest.skip("the shipped NLI model is missing; run `kgqa train nli` (see README)")
    from kgqa.reader.nli import NLIModel

    return NLIModel(device="cpu")


def _real_judge(kg, nli):
    from kgqa.config import PipelineConfig

    c = PipelineConfig()
    return FactSentenceJudge(
        kg,
        nli,
        c.fact_entail_threshold,
        c.fact_contradict_threshold,
        c.fact_single_valued_share,
        c.fact_budget,
        c.nli_pair_budget,
    )


def test_real_nli_supports_a_paraphrase(league_kg, real_nli):
    claim = Claim("Ada Finch authored The Glass Orchard.", subject=M + "Ada_Finch", object=M + "Glass_Orchard")
    got = _real_judge(league_kg, real_nli).judge(claim, claim.text)
    assert got.holds is True and "author" in got.evidence[0].text


def test_real_nli_refutes_a_swapped_object_on_a_single_valued_relation(league_kg, real_nli):
    claim = Claim("The coach of Team 0 is Ivo Brant.", subject=X + "team0", relation=X + "coach", object=X + "person1")
    got = _real_judge(league_kg, real_nli).judge(claim, claim.text)
    assert got.holds is False and got.evidence[0].triples[0].object == X + "person0"


def test_real_nli_leaves_a_missing_member_unknown(league_kg, real_nli):
    claim = Claim("Member 5 is a member of Club 0.", subject=X + "club0", relation=X + "member", object=X + "m5")
    assert _real_judge(league_kg, real_nli).judge(claim, claim.text).holds is None


def test_a_hub_entity_beyond_the_fact_budget_is_not_read(league_kg):
    nli = ScriptedNLI(entail=("Norland",))
    claim = Claim("Norland lies in Borea.", subject=M + "Norland", object=M + "Borea")
    tiny = _judge(league_kg, nli, fact_budget=3).judge(claim, claim.text)
    assert tiny.budgets and tiny.budgets[0]["budget"] == "fact_budget" and tiny.budgets[0]["limit"] == 3
    # only the facts of Borea (a small node) were read, none of Norland's others
    records = sentence_records(tiny.evidence)
    assert records and all(M + "Borea" in (r["triple"]["subject"], r["triple"]["object"]) for r in records)
    generous = _judge(league_kg, nli, fact_budget=200).judge(claim, claim.text)
    assert generous.holds is True and generous.budgets == []


def test_the_claims_relation_the_other_way_round_supports_nothing(league_kg):
    """ "Team 0 coaches Mara Holt" over "The coach of Team 0 is Mara Holt" read as entailing: no support."""
    claim = Claim("Team 0 is the coach of Mara Holt.", subject=X + "person0", relation=X + "coach", object=X + "team0")
    got = _judge(league_kg, ScriptedNLI(entail=("coach of Team 0",))).judge(claim, claim.text)
    assert got.holds is not True
    # negative: the same fact the right way round supports
    right = Claim("Mara Holt coaches Team 0.", subject=X + "team0", relation=X + "coach", object=X + "person0")
    assert _judge(league_kg, ScriptedNLI(entail=("coach of Team 0",))).judge(right, right.text).holds is True
