"""A passage's stance counts only where one of its sentence windows says it, and only when it names the claim's entities."""

from __future__ import annotations

import numpy as np
import pytest

from kgqa.checks.premise import PremiseChecker, confirmed, sentence_windows
from kgqa.graph.linking import EntityLinker
from kgqa.graph.relations import RelationMatcher
from kgqa.types import Claim, Evidence, Hit, Passage

ENTAIL = (0.9, 0.05, 0.05)
NEUTRAL = (0.05, 0.9, 0.05)
CONTRADICT = (0.05, 0.05, 0.9)

# no entity of the mini world: the passages count by their retrieval score alone
CLAIM = "Zorblax the Unseen painted the moon purple."
TOPICAL = "Zorblax the Unseen was a painter of skies. The moon was often purple in his region. He died poor."


class KeyedNLI:
    """Probabilities by premise: ``rules`` maps a substring of the premise to a distribution; else neutral."""

    def __init__(self, rules: dict[str, tuple[float, float, float]]) -> None:
        self.rules = rules
        self.premises: list[str] = []

    def predict(self, pairs):
        out = []
        for premise, _ in pairs:
            self.premises.append(premise)
            out.append(next((p for key, p in self.rules.items() if key == premise or key in premise), NEUTRAL))
        return np.asarray(out, dtype=np.float32)

    def warm_up(self) -> None:
        return None


def _checker(kg, nli) -> PremiseChecker:
    return PremiseChecker(kg, EntityLinker(kg), RelationMatcher(kg), nli=nli)


def _hits(text: str) -> list[Hit]:
    return [Hit(Passage("p1", text), 0.9, 1)]


def test_sentence_windows_pair_each_sentence_with_the_one_before() -> None:
    assert sentence_windows("A rose. It is red. Grass is green.") == [
        "A rose.",
        "A rose. It is red.",
        "It is red. Grass is green.",
    ]
    assert sentence_windows("One sentence only.") == []
    assert sentence_windows("") == []


def test_a_paragraph_that_entails_only_as_a_whole_supports_nothing(mini_kg) -> None:
    nli = KeyedNLI({TOPICAL: ENTAIL})  # the whole paragraph, by topic overlap; no window says it
    check = _checker(mini_kg, nli).check(CLAIM, hits=_hits(TOPICAL))
    assert check.status == "unknown"
    passage = next(e for e in check.evidence if e.kind == "passage")
    assert passage.stance == "neutral"
    assert passage.detail["sentence_window"]["entailment"] < 0.5


def test_a_paragraph_whose_window_says_it_supports(mini_kg) -> None:
    text = "Zorblax the Unseen was a painter of skies. In 1900 he painted the moon purple. He died poor."
    nli = KeyedNLI({"he painted the moon purple": ENTAIL})  # the window and the whole paragraph hold it
    check = _checker(mini_kg, nli).check(CLAIM, hits=_hits(text))
    assert check.status == "supported"
    passage = next(e for e in check.evidence if e.kind == "passage")
    assert passage.stance == "supports"
    assert "he painted the moon purple" in passage.detail["sentence_window"]["entailment_text"]


def test_a_contradiction_needs_a_window_too(mini_kg) -> None:
    claim = "Jon Reed was born in Eastholm."  # subject, relation and object read: such a claim can be contradicted
    topical = "Jon Reed was an inventor of looms. Eastholm was often cold in his time. He died poor."
    assert _checker(mini_kg, KeyedNLI({topical: CONTRADICT})).check(claim, hits=_hits(topical)).status == "unknown"
    text = "Jon Reed was an inventor of looms. He was never in Eastholm. He died poor."
    said = KeyedNLI({"He was never in Eastholm": CONTRADICT})
    assert _checker(mini_kg, said).check(claim, hits=_hits(text)).status == "contradicted"


def test_windows_are_read_only_for_a_passage_that_could_decide(mini_kg) -> None:
    nli = KeyedNLI({})  # every pair neutral: no passage reaches a threshold
    _checker(mini_kg, nli).check(CLAIM, hits=_hits(TOPICAL))
    assert nli.premises == [TOPICAL]


def test_a_one_sentence_passage_is_its_own_window(mini_kg) -> None:
    text = "Zorblax the Unseen painted the moon purple in 1900."
    check = _checker(mini_kg, KeyedNLI({text: ENTAIL})).check(CLAIM, hits=_hits(text))
    assert check.status == "supported"
    assert confirmed(next(e for e in check.evidence if e.kind == "passage"), "entailment") == pytest.approx(0.9)


@pytest.mark.parametrize(
    ("passage", "named"),
    [
        ("Ada Finch wrote The Glass Orchard in 1890.", True),
        ("Finch's Glass Orchard appeared in 1890.", True),  # alternative labels count, before a possessive too
        ("The Glass Orchardist was written by Ada Finch.", False),  # inside a longer word
        ("Ada Finch wrote novels.", False),  # the object is not named
    ],
)
def test_a_passage_names_an_entity_as_a_whole_word(mini_kg, passage: str, named: bool) -> None:
    claim = Claim(
        "Ada Finch wrote The Glass Orchard.",
        subject="http://mini.example/Glass_Orchard",
        relation="https://kgqa.dev/ontology#author",
        object="http://mini.example/Ada_Finch",
    )
    assert _checker(mini_kg, None)._names_all(passage, claim) is named


def test_confirmed_reads_the_window_where_there_is_one() -> None:
    whole = Evidence("passage", "supports", "x", nli={"entailment": 0.9, "neutral": 0.05, "contradiction": 0.05})
    assert confirmed(whole, "entailment") == pytest.approx(0.9)
    windowed = Evidence(
        "passage",
        "neutral",
        "x",
        nli={"entailment": 0.9, "neutral": 0.05, "contradiction": 0.05},
        detail={"sentence_window": {"entailment": 0.2, "contradiction": 0.1}},
    )
    assert confirmed(windowed, "entailment") == pytest.approx(0.2)
    assert confirmed(Evidence("triple", "neutral", "x"), "entailment") == 0.0


BAND = """
@prefix x: <http://band.example/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
x:TheWho a x:Band ; rdfs:label "The Who" ; skos:altLabel "Who" .
"""


@pytest.mark.parametrize(
    ("passage", "named"),
    [
        ("The Who played Tommy in 1969.", True),  # the title as written
        ("Ry Cooder, who performed covers, played the mandolin.", False),  # the stop word, not the band
        ("the who played tommy in 1969.", False),  # a title of stop words counts only capitalised
    ],
)
def test_a_name_of_stop_words_counts_only_as_a_capitalised_title(tmp_path, passage: str, named: bool) -> None:
    from kgqa.graph.kg import KnowledgeGraph

    path = tmp_path / "band.ttl"
    path.write_text(BAND, encoding="utf-8")
    kg = KnowledgeGraph.load([path])
    claim = Claim("The Who played Tommy.", subject="http://band.example/TheWho")
    assert _checker(kg, None)._names_all(passage, claim) is named


def test_the_window_budget_reads_the_strongest_passage_first_and_records_a_cut(mini_kg) -> None:
    strong = "Zorblax the Unseen was a painter. In 1900 he painted the moon purple. He died poor."
    weaker = "Zorblax the Unseen lived in Norland. Some say he painted the moon purple. Nobody knows."
    nli = KeyedNLI({"In 1900 he painted the moon purple": ENTAIL, weaker: (0.7, 0.2, 0.1)})
    hits = [Hit(Passage("weak", weaker), 0.9, 1), Hit(Passage("strong", strong), 0.9, 2)]
    small = PremiseChecker(mini_kg, EntityLinker(mini_kg), RelationMatcher(mini_kg), nli=nli, nli_pair_budget=3)
    check = small.check(CLAIM, hits=hits)
    assert check.status == "supported"  # the strongest passage's three windows fit and one says it
    by_id = {e.passage_id: e for e in small.passage_evidence(CLAIM, hits)}
    assert by_id["weak"].stance == "neutral"
    assert by_id["weak"].detail["sentence_window"]["budgets"] == [{"budget": "nli_pair_budget", "limit": 3, "used": 3}]
    assert confirmed(by_id["weak"], "entailment") == 0.0  # left unread: it decides nothing
    generous = PremiseChecker(mini_kg, EntityLinker(mini_kg), RelationMatcher(mini_kg), nli=nli, nli_pair_budget=16)
    read = {e.passage_id: e for e in generous.passage_evidence(CLAIM, hits)}
    assert "budgets" not in read["weak"].detail["sentence_window"]
