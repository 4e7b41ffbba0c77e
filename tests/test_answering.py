"""Reading answers off the graph and matching them with reader spans, on a small invented world:
:func:`graph_answer`, :func:`answers_match` and :func:`unknown_names` on their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.answering import (
    GraphAnswer,
    agreed_answer,
    answers_match,
    graph_answer,
    nested_possessor,
    relation_phrase,
    unknown_names,
)
from kgqa.checks.questions import analyze_question
from kgqa.graph.kg import KnowledgeGraph
from kgqa.graph.linking import EntityLinker, Mention
from kgqa.graph.relation_paths import named_in
from kgqa.graph.relations import RelationMatcher

ROOT = Path(__file__).resolve().parents[1]
M = "http://mini.example/"
ONT = "https://kgqa.dev/ontology#"

#: a few triples beside the mini world: an alias that shares no word with its label
EXTRA = """
@prefix m:    <http://mini.example/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
m:Eastholm skos:altLabel "the Old Harbour" .
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeGraph, EntityLinker, RelationMatcher]:
    extra = tmp_path_factory.mktemp("answering") / "extra.ttl"
    extra.write_text(EXTRA)
    kg = KnowledgeGraph.load(
        [ROOT / "graphs" / "ontology.ttl", ROOT / "tests" / "checks" / "fixtures" / "mini_world.ttl", extra]
    )
    return kg, EntityLinker(kg), RelationMatcher(kg)


def ask_graph(world: tuple[KnowledgeGraph, EntityLinker, RelationMatcher], question: str) -> GraphAnswer | None:
    kg, linker, relations = world
    analysis = analyze_question(question)
    return graph_answer(kg, relations, linker.find_mentions(question), analysis.focus, analysis.wh)


def mention(text: str, start: int, iri: str) -> Mention:
    return Mention(text, start, start + len(text), iri, text, 1.0, "exact")


# ---------------------------------------------------------------------------------- graph_answer


@pytest.mark.parametrize(
    ("question", "texts", "relation"),
    [
        ("What is the capital of Norland?", ["Eastholm"], "capital"),  # the mention's own value
        ("Which country is Eastholm in?", ["Norland"], "country"),
        ("Who invented the steam loom?", ["Jon Reed"], "invented"),  # the mention is the object
        ("Who wrote The Glass Orchard?", ["Ada Finch"], "wrote"),
        ("What did Ada Finch write?", ["The Glass Orchard"], "wrote"),
        ("When did Jon Reed die?", ["1841"], "deathDate"),
        ("Who was born in Port Vell?", ["Ada Finch"], "birthPlace"),
    ],
)
def test_graph_answer_reads_the_matched_relation(world, question: str, texts: list[str], relation: str) -> None:
    ans = ask_graph(world, question)
    assert ans is not None
    assert ans.texts == texts and ans.relation == ONT + relation
    assert len(ans.facts) == len(texts)  # the facts behind the answer, for the evidence


def test_when_and_where_of_the_same_focus_read_different_relations(world) -> None:
    # "was Ada Finch born" either way: "when" wants a date property, "where" a place
    when, where = ask_graph(world, "When was Ada Finch born?"), ask_graph(world, "Where was Ada Finch born?")
    assert when is not None and where is not None
    assert (when.texts, when.relation) == (["1850-02-11"], ONT + "birthDate")
    assert (where.texts, where.relation, where.iris) == (["Port Vell"], ONT + "birthPlace", [M + "Port_Vell"])


def test_when_prefers_a_date_to_the_relation_named(world) -> None:
    when = ask_graph(world, "When was the steam loom invented?")
    assert when is not None and (when.texts, when.relation) == (["1810"], ONT + "date")
    # twin: "who" with the same verb reads the inventor
    who = ask_graph(world, "Who invented the steam loom?")
    assert who is not None and who.texts == ["Jon Reed"]


def test_the_longest_mention_is_tried_first(world) -> None:
    kg, _, relations = world
    focus = "was Jon Reed or Ada Finch born"
    jon = mention("Jon Reed", focus.index("Jon"), M + "Jon_Reed")
    ada = mention("Ada Finch", focus.index("Ada"), M + "Ada_Finch")
    for mentions in ([jon, ada], [ada, jon]):
        ans = graph_answer(kg, relations, mentions, focus, "when")
        assert ans is not None and ans.texts == ["1850-02-11"]
    # twin: Jon Reed alone
    ans = graph_answer(kg, relations, [jon], focus, "when")
    assert ans is not None and ans.texts == ["1780"]


def test_an_alias_question_answers_with_the_entity_the_alias_names(world) -> None:
    ans = ask_graph(world, "Which novelist is known as Finch?")
    assert ans is not None and (ans.texts, ans.iris, ans.relation) == (["Ada Finch"], [M + "Ada_Finch"], "alias")
    # twin: asking what the alias of a named entity is goes through relations, and none matches
    assert ask_graph(world, "What is Finch known as?") is None


@pytest.mark.parametrize(
    "question",
    [
        "What is the population of Norland?",  # no such relation
        "What is the favourite colour of Ada Finch?",
    ],
)
def test_no_relation_found_gives_none(world, question: str) -> None:
    assert ask_graph(world, question) is None


def test_no_mention_gives_none(world) -> None:
    kg, _, relations = world
    focus = "is the capital of Norland"
    assert graph_answer(kg, relations, [], focus, "what") is None
    # twin: the same focus with Norland linked by hand
    ans = graph_answer(kg, relations, [mention("Norland", focus.index("Norland"), M + "Norland")], focus, "what")
    assert ans is not None and ans.texts == ["Eastholm"]


def test_a_mention_without_the_relation_gives_way_to_the_next(world) -> None:
    kg, _, relations = world
    focus = "is the capital of Norland near Port Vell"
    norland = mention("Norland", focus.index("Norland"), M + "Norland")
    port_vell = mention("Port Vell", focus.index("Port"), M + "Port_Vell")
    # Port Vell, the longer mention, is tried first and has no capital: Norland answers
    ans = graph_answer(kg, relations, [norland, port_vell], focus, "what")
    assert ans is not None and ans.texts == ["Eastholm"]
    # twin: Port Vell alone answers nothing
    assert graph_answer(kg, relations, [port_vell], focus, "what") is None


def test_relation_phrase_drops_the_mention_and_question_words() -> None:
    assert relation_phrase("wrote The Glass Orchard", "The Glass Orchard") == "wrote"
    assert relation_phrase("is the capital of Norland?", "Norland") == "capital"
    # only question words: the phrase is what is left
    assert relation_phrase("is Norland", "Norland") == "is"


# ---------------------------------------------------------------------------------- answers_match

EASTHOLM = GraphAnswer(["Eastholm"], [M + "Eastholm"])
BIRTH = GraphAnswer(["1850-02-11"], ["1850-02-11"])


@pytest.mark.parametrize(
    ("reader_text", "graph", "matches"),
    [
        ("Eastholm", EASTHOLM, True),
        ("eastholm", EASTHOLM, True),  # case
        ("Eastholm.", EASTHOLM, True),  # punctuation
        ("the city of Eastholm", EASTHOLM, True),  # the span names the answer
        ("the Old Harbour", EASTHOLM, True),  # an alias from the graph
        ("Old Harbour!", EASTHOLM, True),
        ("11 February 1850", BIRTH, True),  # the same year
        ("1850", BIRTH, True),
        # near misses
        ("Westholm", EASTHOLM, False),
        ("the Old Harbor", EASTHOLM, False),  # one letter off the alias
        ("Norland", EASTHOLM, False),  # another entity of the same question
        ("Port Vell", EASTHOLM, False),
        ("Old", EASTHOLM, False),  # under four letters: no match inside a name
        ("1851", BIRTH, False),
        ("February", BIRTH, False),
        ("", EASTHOLM, False),
        ("the", EASTHOLM, False),  # nothing left after normalisation
        ("...", EASTHOLM, False),
        ("the Eastholmers' harbour", EASTHOLM, False),  # inside a longer word: not the name
        ("his family was later told", GraphAnswer(["MI"], ["MI"]), False),  # a short name inside a word
        ("MI", GraphAnswer(["MI"], ["MI"]), True),  # ... but whole, it matches
        ("born in Eastholm harbour", EASTHOLM, True),  # whole words inside a longer span
    ],
)
def test_answers_match(world, reader_text: str, graph: GraphAnswer, matches: bool) -> None:
    kg, _, _ = world
    assert answers_match(kg, reader_text, graph) is matches


def test_answers_match_any_of_several_graph_answers(world) -> None:
    kg, _, _ = world
    both = GraphAnswer(["Eastholm", "Port Vell"], [M + "Eastholm", M + "Port_Vell"])
    assert answers_match(kg, "Port Vell", both)
    assert not answers_match(kg, "Borea", both)


def test_a_literal_answer_has_no_labels_to_look_up(world) -> None:
    kg, _, _ = world
    # a literal (not an IRI) is matched by its text only: the alias of the entity does not apply
    literal = GraphAnswer(["Eastholm"], ["Eastholm"])
    assert answers_match(kg, "Eastholm", literal)
    assert not answers_match(kg, "the Old Harbour", literal)


def test_the_agreed_answer_is_the_graph_s_name_of_what_the_span_names(world) -> None:
    kg, _, _ = world
    both = GraphAnswer(["Eastholm", "Port Vell"], [M + "Eastholm", M + "Port_Vell"])
    assert agreed_answer(kg, "the Old Harbour", EASTHOLM) == "Eastholm"  # an alias: the graph's label answers
    assert agreed_answer(kg, "born in Eastholm harbour", both) == "Eastholm"  # only the value the span names
    assert agreed_answer(kg, "Eastholm and Port Vell", both) == "Eastholm; Port Vell"
    # a value named by the whole span wins over one whose name is inside it
    port = GraphAnswer(["Port Vell", "Vell"], [M + "Port_Vell", M + "Vell"])
    assert agreed_answer(kg, "Port Vell", port) == "Port Vell"
    assert agreed_answer(kg, "the Port Vell harbour", port) == "Port Vell; Vell"  # both inside: both named
    # negatives: a span that names nothing, a year of a date literal, and a literal value keep the reader's words
    assert agreed_answer(kg, "Borea", both) is None
    assert agreed_answer(kg, "11 February 1850", BIRTH) is None
    assert agreed_answer(kg, "Eastholm", GraphAnswer(["Eastholm"], ["Eastholm"])) is None


# ---------------------------------------------------------------------------------- unknown_names

ZORBLAX = "What is the favourite colour of Zorblax Quuxington?"


def test_a_name_nobody_knows_is_unknown() -> None:
    assert unknown_names(ZORBLAX, [], ["Ada Finch was a novelist born in Port Vell."]) == ["Zorblax Quuxington"]


def test_a_name_a_passage_knows_is_not_unknown() -> None:
    # twin: a retrieved passage names them (in any case)
    assert unknown_names(ZORBLAX, [], ["The painter zorblax quuxington liked green."]) == []


def test_a_name_the_graph_linked_is_not_unknown() -> None:
    question = "Where was Ada Finch born?"
    linked = mention("Ada Finch", question.index("Ada"), M + "Ada_Finch")
    assert unknown_names(question, [linked], []) == []
    # twin: the same question with nothing linked and no passage about her
    assert unknown_names(question, [], ["Norland is a country."]) == ["Ada Finch"]


def test_the_first_word_and_short_names_are_ignored() -> None:
    # "Where" is capitalised only because it starts the question; "AI" is too short to be a name
    assert unknown_names("Where does AI come from?", [], []) == []
    assert unknown_names("Where does Zorblax come from?", [], []) == ["Zorblax"]


def test_a_name_with_a_particle_is_one_name() -> None:
    assert unknown_names("When did Ludwig van Zorblax die?", [], []) == ["Ludwig van Zorblax"]


# ---------------------------------------------------------------------------------- what may answer on its own


def test_a_one_word_name_match_does_not_answer(world) -> None:
    # "first copy cost" shares only "first" with a name of the publication date: no relation is asked
    assert ask_graph(world, "How much did the first copy of The Glass Orchard cost?") is None
    # twin: a phrase that is the property's name answers
    ans = ask_graph(world, "When was The Glass Orchard first published?")
    assert ans is not None and ans.texts == ["1890"]


@pytest.mark.parametrize(
    ("question", "mention_text", "nested"),
    [
        ("In which hospital was Ada Finch's first child born?", "Ada Finch", True),
        ("Who was the apprentice of Ada Finch's printer?", "Ada Finch", True),
        ("Who taught Ada Finch’s son?", "Ada Finch", True),  # typographic apostrophe
        ("Who is Ada Finch's publisher?", "Ada Finch", False),  # only question words before the possessor
        ("What is the name of Ada Finch's birthplace?", "Ada Finch", False),
        ("Where was Ada Finch's son born?", "Ada Finch", False),  # the verb after the possessed noun is not read
        ("Who was the apprentice of Ada Finch?", "Ada Finch", False),  # not a possessor
    ],
)
def test_nested_possessor(question: str, mention_text: str, nested: bool) -> None:
    m = mention(mention_text, question.index(mention_text), M + "Ada_Finch")
    assert nested_possessor(question, m) is nested


def test_a_nested_possessor_is_not_answered_by_its_own_property(world) -> None:
    # the birth place of Ada Finch's child is asked, not hers: the graph knows no child, so no answer
    assert ask_graph(world, "In which town was Ada Finch's first child born?") is None
    # twin: the same question asked of Ada Finch herself is answered from her own facts
    ans = ask_graph(world, "In which town was Ada Finch born?")
    assert ans is not None and {t.subject for t in ans.facts} == {M + "Ada_Finch"}


def test_the_answer_is_never_an_entity_the_question_names(world) -> None:
    # Ada Finch was born in Port Vell: a question that names Port Vell does not ask for it
    assert ask_graph(world, "Where was Ada Finch born?").texts == ["Port Vell"]
    # without the rule these read "Port Vell" and "Ada Finch" back from the question
    for q in ("Where was Ada Finch born near Port Vell?", "Who was born in Port Vell besides Ada Finch?"):
        kg, linker, relations = world
        analysis = analyze_question(q)
        ans = graph_answer(kg, relations, linker.find_mentions(q), analysis.focus, analysis.wh, question=q)
        assert ans is None or not {"Port Vell", "Ada Finch"} & set(ans.texts), (q, ans)
    # negative: a question offering a choice is answered by one of the entities it names
    kg, linker, _ = world
    q = "Was Ada Finch born in Port Vell or Eastholm?"
    ids = {m.iri for m in linker.find_mentions(q)}
    assert named_in(q, linker.find_mentions(q)) == set() and M + "Port_Vell" in ids
    q2 = "Where was Ada Finch born, Port Vell?"
    assert named_in(q2, linker.find_mentions(q2)) == {M + "Ada_Finch", M + "Port_Vell"}
