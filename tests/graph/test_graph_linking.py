"""Entity linking on the toy world: normalisation, mentions with offsets, exact/fuzzy/embedding resolution."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from kgqa.graph import EntityLinker, KnowledgeGraph, Mention, normalize
from kgqa.graph.linking import pluralize

E = "http://toy.example/e/"
T = "http://toy.example/ns#"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Shakespeare's", "shakespeare"),
        ("  ÅNGSTRÖM  ", "angstrom"),
        ("Stratford-upon-Avon!", "stratford upon avon"),
        ("Zürich’s  old   town.", "zurich old town"),
        ("O'Brien", "obrien"),
        ("Løten", "loten"),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_pluralize() -> None:
    assert [pluralize(w) for w in ("writer", "city", "church", "person", "day", "military leader")] == [
        "writers",
        "cities",
        "churches",
        "people",
        "days",
        "military leaders",
    ]


def test_find_mentions_offsets_aliases_and_longest_match(linker: EntityLinker) -> None:
    text = "Did William Shakespeare's wife, anne HATHAWAY, visit Zurich, or did the Bard stay in Stratford upon Avon?"
    mentions = linker.find_mentions(text)
    assert [(m.text, m.iri) for m in mentions] == [
        ("William Shakespeare", f"{E}Shakespeare"),  # longest match, possessive dropped
        ("anne HATHAWAY", f"{E}Hathaway"),
        ("Zurich", f"{E}Zurich"),  # alias without the accent
        ("the Bard", f"{E}Shakespeare"),
        ("Stratford upon Avon", f"{E}Stratford"),
    ]
    for m in mentions:
        assert text[m.start : m.end] == m.text
        assert m.score == 1.0 and m.method == "exact"
    assert mentions[2].label == "Zürich"


def test_find_mentions_accents_and_no_classes_by_default(linker: EntityLinker) -> None:
    assert [m.iri for m in linker.find_mentions("Anders Angstrom met a writer.")] == [f"{E}Angstrom"]
    with_classes = linker.find_mentions("Anders Angstrom met two writers.", classes=True)
    assert [m.iri for m in with_classes] == [f"{E}Angstrom", f"{T}Writer"]
    assert linker.find_mentions("Nothing here at all.") == []


def test_stop_word_only_labels_are_ignored(tmp_path: Path, toy_path: Path) -> None:
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix t: <http://toy.example/ns#> . @prefix e: <http://toy.example/e/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'e:The a t:Work ; rdfs:label "The" . e:Tempest a t:Play ; rdfs:label "The Tempest" .\n'
    )
    linker = EntityLinker(KnowledgeGraph.load([toy_path, extra]))
    assert [m.text for m in linker.find_mentions("The play is the Tempest")] == ["the Tempest"]
    assert linker.resolve("The")[0].iri == f"{E}The"  # an explicit phrase may still name it


def _extra_linker(tmp_path: Path, toy_path: Path, turtle: str) -> EntityLinker:
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix t: <http://toy.example/ns#> . @prefix e: <http://toy.example/e/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n" + turtle
    )
    return EntityLinker(KnowledgeGraph.load([toy_path, extra]))


def test_a_title_of_stop_words_is_a_name_inside_a_cased_text(tmp_path: Path, toy_path: Path) -> None:
    linker = _extra_linker(tmp_path, toy_path, 'e:DownToYou a t:Work ; rdfs:label "Down to You" .\n')
    assert [m.iri for m in linker.find_mentions("Who directed Down to You?")] == [f"{E}DownToYou"]
    # negative: the same words in lower case, or one title-cased word, or at the start, are not the title
    assert linker.find_mentions("Who directed it down to you?") == []
    assert linker.find_mentions("Down to You, who directed it?") == []
    one = _extra_linker(tmp_path, toy_path, 'e:You a t:Work ; rdfs:label "You" .\n')
    assert one.find_mentions("Did They say You?") == []


def test_a_title_of_stop_words_may_start_the_text_when_its_later_words_are_capitalised(
    tmp_path: Path, toy_path: Path
) -> None:
    linker = _extra_linker(tmp_path, toy_path, 'e:TheWho a t:Band ; rdfs:label "The Who" .\n')
    assert [m.iri for m in linker.find_mentions("The Who released an album.")] == [f"{E}TheWho"]
    # negative: the later word in lower case, or a headline that capitalises every word, is not the title
    assert linker.find_mentions("The who released an album.") == []
    assert linker.find_mentions("The Who Released An Album") == []


def test_a_lower_case_descriptor_before_a_name_is_dropped(tmp_path: Path, toy_path: Path) -> None:
    linker = _extra_linker(
        tmp_path,
        toy_path,
        'e:oddtag a t:Work ; rdfs:label "oddity" . e:Harvest a t:Work ; rdfs:label "Blue Harvest" .\n',
    )
    assert [m.text for m in linker.find_mentions("Which words describe oddity Blue Harvest?")] == ["Blue Harvest"]
    # negative: not right before a name, the lower-case node is a mention of its own
    mentions = linker.find_mentions("Which oddity tags describe Blue Harvest?")
    assert [m.text for m in mentions] == ["oddity", "Blue Harvest"]
    # negative: in a text without capitals nothing marks the name, and both stay
    assert [m.text for m in linker.find_mentions("which words describe oddity blue harvest")] == [
        "oddity",
        "blue harvest",
    ]


def test_a_lower_case_word_is_no_title_where_the_text_capitalises_names(tmp_path: Path, toy_path: Path) -> None:
    linker = _extra_linker(
        tmp_path,
        toy_path,
        'e:Together a t:Work ; rdfs:label "Together" . e:gold a t:Work ; rdfs:label "gold" .\n'
        'e:Oceania a t:Work ; rdfs:label "Oceania" .\n',
    )
    # "together" is an ordinary word: the writer capitalised "William Shakespeare" mid-sentence
    found = linker.find_mentions("Who wrote plays together with William Shakespeare?")
    assert [m.text for m in found] == ["William Shakespeare"]
    # negative: the capitalised title is a mention
    found = linker.find_mentions("Who wrote Together with William Shakespeare?")
    assert [m.text for m in found] == ["Together", "William Shakespeare"]
    # negative: no other capitalised name (only the first word), so the lower-case title stays
    assert [m.text for m in linker.find_mentions("Who directed together?")] == ["together"]
    # negative: a name is no ordinary word, and users lower-case names
    found = linker.find_mentions("Which plays did William Shakespeare set in oceania?")
    assert [m.text for m in found] == ["William Shakespeare", "oceania"]
    # negative: a node labelled in lower case is written in lower case
    found = linker.find_mentions("Did William Shakespeare own gold?")
    assert [m.text for m in found] == ["William Shakespeare", "gold"]


def test_resolve_exact_and_fuzzy(linker: EntityLinker) -> None:
    exact = linker.resolve("shakespeare")
    assert [(m.iri, m.score, m.method) for m in exact] == [(f"{E}Shakespeare", 1.0, "exact")]
    typo = linker.resolve("Shakspeare")
    assert typo[0].iri == f"{E}Shakespeare" and typo[0].method == "fuzzy" and 0.85 <= typo[0].score < 1.0
    partial = linker.resolve("Hathaway")  # a surname: part of the label "Anne Hathaway"
    assert partial[0].iri == f"{E}Hathaway" and partial[0].method == "fuzzy"
    assert linker.resolve("Zzyzx Qwerty") == []
    assert linker.resolve("  ") == []


def test_resolve_class(linker: EntityLinker) -> None:
    for name in ("writer", "Writers", "author"):
        assert linker.resolve_class(name)[0].iri == f"{T}Writer"
    assert linker.resolve_class("playwrights")[0].iri == f"{T}Playwright"
    assert linker.resolve_class("cities")[0].iri == f"{T}City"
    assert linker.resolve_class("playwrigt")[0].method == "fuzzy"
    assert linker.resolve("writer") == []  # classes are not entities


class SynonymEncoder:
    """A fake encoder: one random unit vector per canonical string, with a synonym table."""

    synonyms = {"swan of avon": "william shakespeare"}

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        rows = []
        for text in texts:
            canon = self.synonyms.get(text, text)
            v = np.random.default_rng(zlib.crc32(canon.encode())).standard_normal(64)
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows).astype(np.float32)


def test_embedding_fallback_and_cache(kg: KnowledgeGraph) -> None:
    encoder = SynonymEncoder()
    linker = EntityLinker(kg, encoder=encoder)
    assert linker.resolve("Shakespeare")[0].method == "exact" and encoder.calls == []
    hit = linker.resolve("Swan of Avon")
    assert hit[0].iri == f"{E}Shakespeare" and hit[0].method == "embedding" and hit[0].score > 0.99
    linker.resolve("Swan of Avon")
    assert encoder.calls[0] > 10 and encoder.calls[1:] == [1, 1]  # names embedded once, then one query each
    assert EntityLinker(kg).resolve("Swan of Avon") == []  # no encoder, no fallback


def test_a_catalogue_too_large_to_embed_skips_the_embedding_tier(
    kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kgqa.graph.linking as linking

    monkeypatch.setattr(linking, "MAX_EMBEDDED_NAMES", 5)
    encoder = SynonymEncoder()
    linker = EntityLinker(kg, encoder=encoder)
    assert linker.resolve("Swan of Avon") == [] and encoder.calls == []  # nothing embedded
    assert linker.resolve("Shakespeare")[0].method == "exact"  # the other tiers still link


def test_mention_round_trip() -> None:
    m = Mention("Bard", 4, 8, f"{E}Shakespeare", "William Shakespeare", 1.0, "exact")
    assert Mention.from_dict(m.to_dict()) == m
    with pytest.raises(AttributeError):
        m.score = 0.5  # type: ignore[misc]


def test_a_lower_case_description_through_the_graph_s_vocabulary_is_left_to_its_parts(
    tmp_path: Path, toy_path: Path
) -> None:
    # a graph that names its capital city "capital of Norland" too (as WordNet names Madrid "capital of Spain")
    linker = _extra_linker(
        tmp_path,
        toy_path,
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        't:capital a <http://www.w3.org/1999/02/22-rdf-syntax-ns#Property> ; rdfs:label "capital" .\n'
        'e:Norland a t:Work ; rdfs:label "Norland" .\n'
        'e:Vell a t:Work ; rdfs:label "Vell" ; skos:altLabel "capital of Norland", "ruin of Norland" .\n'
        'e:Found a t:Work ; rdfs:label "capital of Eldham" . e:Eldham a t:Work ; rdfs:label "Eldham" .\n',
    )
    assert [m.iri for m in linker.find_mentions("Ostra is the capital of Norland.")] == [f"{E}Norland"]
    # negative: a capitalised title, a head the graph has no name for, or an uncased text stay whole
    assert [m.iri for m in linker.find_mentions("Ostra is the Capital of Norland.")] == [f"{E}Vell"]
    assert [m.iri for m in linker.find_mentions("Ostra is the ruin of Norland.")] == [f"{E}Vell"]
    assert [m.iri for m in linker.find_mentions("ostra is the capital of norland")] == [f"{E}Vell"]
    # negative: a node's own label in lower case ("discovery of Mimas", an event) is that node
    assert [m.iri for m in linker.find_mentions("Ostra founded the capital of Eldham.")] == [f"{E}Found"]


COMPOUNDS = """
@prefix x: <http://compound.example/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
x:Germany a x:Place ; rdfs:label "Germany" ; skos:altLabel "de" .
x:Seattle a x:Place ; rdfs:label "Seattle" .
x:Stratford a x:Place ; rdfs:label "Stratford-upon-Avon" .
x:Lis a x:Place ; rdfs:label "lis" .
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The fleur-de-lis is a French symbol.", []),  # lower-case pieces of a compound are parts of a word
        ("A Seattle-based company", ["Seattle"]),  # a capitalised piece is still a name
        ("She was born in Stratford-upon-Avon.", ["Stratford-upon-Avon"]),  # the whole compound is one name
        ("Is de the code of Germany?", ["de", "Germany"]),  # the same alias on its own is linked
    ],
)
def test_a_lower_case_piece_of_a_hyphenated_word_is_not_a_mention(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    assert _mention_texts(tmp_path, COMPOUNDS, text) == expected


def _mention_texts(tmp_path: Path, turtle: str, text: str) -> list[str]:
    """The texts of the mentions a linker over the graph ``turtle`` finds in ``text``."""
    path = tmp_path / "graph.ttl"
    path.write_text(turtle, encoding="utf-8")
    return [m.text for m in EntityLinker(KnowledgeGraph.load([path])).find_mentions(text)]


LONGER_NAMES = """
@prefix x: <http://names.example/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
x:Western a x:Genre ; rdfs:label "Western" .
x:Jerusalem a x:Place ; rdfs:label "Jerusalem" .
x:Obama a x:Person ; rdfs:label "Barack Obama" .
x:Everest a x:Place ; rdfs:label "Mount Everest" .
x:Army a x:Group ; rdfs:label "United States Army" .
x:College a x:Film ; rdfs:label "College" .
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Western Wall is in Jerusalem.", ["Jerusalem"]),  # "Western" only opens a name the graph lacks
        ("Mount Everest Base Camp is busy.", []),
        ("Jerusalem holds the Western Wall.", ["Jerusalem"]),  # punctuation after the longer name
        ("The United States Army War College is in Jerusalem.", ["Jerusalem"]),  # and the pieces after it
        ("The United States Army and College went to Jerusalem.", ["United States Army", "College", "Jerusalem"]),
        ("Western films were popular in Jerusalem.", ["Western", "Jerusalem"]),  # a name followed by a common noun
        ("The Mount Everest climb, Jerusalem", ["Mount Everest", "Jerusalem"]),
        ("President Barack Obama visited Jerusalem.", ["Barack Obama", "Jerusalem"]),  # a name that ends the span
        ("Mount Everest Became a symbol in Jerusalem.", ["Mount Everest", "Jerusalem"]),  # a verb follows
        ("Western Stereo Jerusalem is a band.", []),  # "Stereo" is one: the pieces of the name go
        ("Did Western Wall Tours Visit Jerusalem", ["Western", "Jerusalem"]),  # title case: every word capitalised
    ],
)
def test_a_capitalised_name_that_only_opens_a_longer_name_is_not_a_mention(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    assert _mention_texts(tmp_path, LONGER_NAMES, text) == expected
