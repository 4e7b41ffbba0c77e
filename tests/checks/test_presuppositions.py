"""Presuppositions read off English syntax: each shape with a positive and a negative case, then checked on the mini-world."""

from __future__ import annotations

import pytest

from kgqa.checks.presuppositions import (
    base_form,
    dedupe,
    is_participle,
    is_statement,
    np_ending_at,
    remove_spans,
    subordinates,
)
from kgqa.checks.questions import analyze_question


def presup(question: str, spans: list[tuple[int, int]] | None = None) -> list[str]:
    return analyze_question(question, spans=spans).presuppositions


# ---------------------------------------------------------------- 1. was + participle + PP
def test_passive_with_a_place_presupposes_the_whole_clause() -> None:
    assert presup("When was Katharine Hepburn born in Hartford?") == ["Katharine Hepburn was born in Hartford"]
    assert presup("Where was the Eiffel Tower built in 1889?") == ["the Eiffel Tower was built in 1889"]


def test_passive_without_a_place_presupposes_nothing_checkable() -> None:
    assert presup("When was Katharine Hepburn born?") == []
    assert presup("Where was Ada Finch born?") == []
    assert presup("When was Katharine Hepburn happy in Hartford?") == []  # no participle


# ---------------------------------------------------------------- 2. appositives
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which river flows through Vienna, the capital of Cuba?", ["Vienna is the capital of Cuba"]),
        (
            "Which city of Canada did R. Kelly, a citizen of Canada, live in?",
            ["R. Kelly is a citizen of Canada"],
        ),
        (
            "When did Y Tran leave Paducah, the place Y Tran comes from?",
            ["Y Tran did leave Paducah", "Y Tran comes from Paducah"],
        ),
        (
            "Which music scene of Portland, the hometown of Debbie Harry, shaped them?",
            ["Portland is the hometown of Debbie Harry"],
        ),
        (
            "Why did Paris, the capital of Germany, host the Olympics?",
            ["Paris did host the Olympics", "Paris is the capital of Germany"],
        ),
    ],
)
def test_appositives_presuppose_their_statement(question: str, expected: list[str]) -> None:
    assert presup(question) == expected


def test_the_appositive_is_removed_from_the_main_clause() -> None:
    a = analyze_question("Did Paris, the capital of Germany, host the Olympics?")
    assert a.qtype == "yes_no" and a.statement == "Paris did host the Olympics"
    assert a.presuppositions == ["Paris is the capital of Germany"]
    assert not any("," in p for p in presup("Why did Paris, the capital of Germany, host the Olympics?"))


@pytest.mark.parametrize(
    "question",
    [
        "Who lives in Paris, France?",  # a place and its country, not "the N of"
        "Who wrote Hamlet, Macbeth and Othello?",  # a list
        "Who wrote Hamlet, the Book of Mormon, and Macbeth?",  # a list whose item looks like "the N of"
        "Which river flows through Washington, D.C., the capital of Freedonia?",  # a comma inside a name
        "Which river flows through the city, the capital of Cuba?",  # no name before the comma
    ],
)
def test_no_appositive_where_there_is_none(question: str) -> None:
    assert presup(question) == []


def test_mentions_bound_the_noun_phrases() -> None:
    q = "Which river flows through Washington, D.C., the capital of Freedonia?"
    start = q.index("Washington")
    assert presup(q, spans=[(start, start + len("Washington, D.C."))]) == [
        "Washington, D.C. is the capital of Freedonia"
    ]
    q = "Why did Ann Lee, the author of Romeo and Juliet, move?"
    title = q.index("Romeo")
    # without the linker "Romeo and Juliet" is no name: the parenthetical is not understood, nothing is derived
    assert presup(q) == []
    assert presup(q, spans=[(title, title + len("Romeo and Juliet"))]) == [
        "Ann Lee did move",
        "Ann Lee is the author of Romeo and Juliet",
    ]


# ---------------------------------------------------------------- 3. relative clauses
def test_where_clauses_presuppose_the_clause_in_the_place() -> None:
    assert presup("How old was Ty when the family left Madrid, where Drake Bell was born?") == [
        "Drake Bell was born in Madrid"
    ]
    assert presup("How did Portland, where Debbie Harry comes from, shape their music?") == [
        "Portland did shape their music",
        "Debbie Harry comes from Portland",
    ]


def test_who_and_which_clauses_presuppose_the_verb_phrase_of_their_noun() -> None:
    assert presup("When did Ada Finch, who wrote The Glass Orchard, die?") == [
        "Ada Finch did die",
        "Ada Finch wrote The Glass Orchard",
    ]
    assert presup("Who founded Paris, which lies on the Seine?") == ["Paris lies on the Seine"]


def test_relative_clauses_that_are_not_clauses_give_nothing() -> None:
    assert presup("How old was Ty when the family left Madrid, where else?") == []
    assert presup("Who wrote Hamlet, which Shakespeare?") == []  # "which" + a name, not a verb phrase
    assert presup("Who won in Madrid, where?") == []


# ---------------------------------------------------------------- 4. become
def test_become_presupposes_its_result_state() -> None:
    assert presup("When did Vienna become the capital of Cuba?") == ["Vienna is the capital of Cuba"]
    assert presup("How did Vienna become the capital of Cuba?") == ["Vienna is the capital of Cuba"]
    assert presup("Why did Jon Reed become an inventor?") == ["Jon Reed is an inventor"]


def test_other_verbs_keep_their_did_form() -> None:
    assert presup("When did Vienna host the capital of Cuba?") == ["Vienna did host the capital of Cuba"]
    assert presup("Who became the capital of Cuba?") == []


# ---------------------------------------------------------------- 5. how long, when/while V-ing
def test_how_long_questions_presuppose_the_activity() -> None:
    assert presup("How long did it take Steven Spielberg to direct Jaws?") == ["Steven Spielberg did direct Jaws"]
    assert presup("How long did Gene Roddenberry spend writing Star Trek?") == ["Gene Roddenberry did write Star Trek"]


def test_how_long_questions_without_the_shape_give_nothing() -> None:
    assert presup("How long did it take?") == []
    assert presup("How long did it take them to finish?") == []  # no name: unsure, nothing
    assert presup("How long did Ada Finch spend in Paris?") == []  # no -ing verb
    assert presup("How long is the Seine?") == []


def test_a_when_ing_adjunct_presupposes_the_subject_did_it() -> None:
    assert presup("Which book did Gene Roddenberry adapt when writing Star Trek?") == [
        "Gene Roddenberry did write Star Trek"
    ]
    assert presup("What did Drake Bell do while living in Madrid?") == ["Drake Bell did live in Madrid"]


def test_adjuncts_without_a_named_subject_or_an_ing_verb_give_nothing() -> None:
    assert presup("Who adapted a book when writing Star Trek?") == []  # the subject is the wh-word
    assert presup("Which book did Gene Roddenberry adapt when Star Trek began?") == []


# ---------------------------------------------------------------- 6. which N in O
def test_which_questions_with_a_place_restrictor() -> None:
    assert presup("Which hospital in Hartford was Katharine Hepburn born in?") == [
        "Katharine Hepburn was born in Hartford"
    ]
    assert presup("Which street in Paris did Ada Finch live on?") == ["Ada Finch did live in Paris"]


def test_which_questions_whose_restrictor_is_not_the_subject_clause_give_nothing() -> None:
    assert presup("Which hospital in Hartford was built first?") == []  # the which-phrase is the subject
    assert presup("Which museum in Paris did Claude Monet visit?") == []  # a transitive verb: unsure
    assert presup("Which hospital of Hartford was Katharine Hepburn born in?") == []


# ---------------------------------------------------------------- 8. a gerund subject
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How did being a citizen of Iran shape the career of Peter Weir?", "Peter Weir was a citizen of Iran"),
        ("How did being a citizen of Spain shape Ron Carter's career?", "Ron Carter was a citizen of Spain"),
        (
            "Why did being the author of The Glass Orchard help Ada Finch?",
            "Ada Finch was the author of The Glass Orchard",
        ),
        ("How does being a member of Club 0 help Mara Holt?", "Mara Holt is a member of Club 0"),
    ],
)
def test_a_gerund_subject_is_presupposed_of_the_objects_possessor(question: str, expected: str) -> None:
    assert expected in presup(question)


def test_gerunds_without_a_predicate_noun_or_a_named_possessor_give_nothing() -> None:
    assert presup("How did being there shape Ron Carter?") == []  # no article: not a predicate noun
    assert presup("How did being a citizen of Spain shape the career of his son?") == []  # no name
    assert presup("How did being a citizen of Spain shape?") == []  # no object


# ---------------------------------------------------------------- 7. negative yes/no questions
def test_negative_yes_no_questions_ask_about_the_positive_statement() -> None:
    a = analyze_question("Didn't Charles Dickens write Oliver Twist?")
    assert a.qtype == "yes_no" and a.statement == "Charles Dickens did write Oliver Twist"
    a = analyze_question("Wasn\u2019t Ada Finch born in Port Vell?")
    assert a.qtype == "yes_no" and a.statement == "Ada Finch was born in Port Vell"
    q = "Didn't Charles Dickens write Oliver Twist?"
    a = analyze_question(q, subject_end=len("Charles Dickens"), spans=[(7, 22), (29, 41)])
    assert a.statement == "Charles Dickens did write Oliver Twist"


def test_negative_words_that_are_not_auxiliaries_stay_as_they_were() -> None:
    assert analyze_question("Don Quixote wrote what?").qtype == "other"
    a = analyze_question("Did Charles Dickens not write Oliver Twist?")
    assert a.qtype == "yes_no" and a.statement == "Charles Dickens did not write Oliver Twist"


# ---------------------------------------------------------------- statements, never fragments
ALL_SHAPES = [
    "When was Katharine Hepburn born in Hartford?",
    "Which river flows through Vienna, the capital of Cuba?",
    "Which city of Canada did R. Kelly, a citizen of Canada, live in?",
    "When did Y Tran leave Paducah, the place Y Tran comes from?",
    "How did Portland, where Debbie Harry comes from, shape their music?",
    "When did Ada Finch, who wrote The Glass Orchard, die?",
    "When did Vienna become the capital of Cuba?",
    "How long did it take Steven Spielberg to direct Jaws?",
    "Which book did Gene Roddenberry adapt when writing Star Trek?",
    "Which hospital in Hartford was Katharine Hepburn born in?",
    "Why did Paris, the capital of Germany, host the Olympics?",
    "How did being a citizen of Iran shape the career of Peter Weir?",
]


@pytest.mark.parametrize("question", ALL_SHAPES)
def test_every_presupposition_is_a_whole_statement_and_unique(question: str) -> None:
    found = presup(question)
    assert found, question
    assert len({p.lower() for p in found}) == len(found)
    for p in found:
        assert is_statement(p), p
        words = p.split()
        assert words[0][0].isupper() or words[0] == "the", p  # a subject first
        assert not p.startswith(",") and ", ," not in p and "?" not in p


def test_is_statement_rejects_fragments() -> None:
    assert is_statement("Drake Bell was born in Madrid")
    assert not is_statement(", the capital of Cuba")
    assert not is_statement("the capital of Cuba")  # no verb
    assert not is_statement("was born in Madrid")  # no subject
    assert not is_statement("in Madrid")
    assert not is_statement("Paris")


def test_helpers() -> None:
    assert dedupe(["A is B", "a is b.", "C is D"]) == ["A is B", "C is D"]
    assert base_form("writing") == "write" and base_form("Paris") is None
    assert is_participle("born") and is_participle("written") and not is_participle("capital")
    q = "Which river flows through Vienna, the capital of Cuba"
    assert np_ending_at(q, q.index(",")) == q.index("Vienna")
    assert [s.statement for s in subordinates("Who lives in Paris, France")] == []
    text, spans = remove_spans("Did A, the b of C, go to D", [(5, 18)], [(4, 5), (8, 9), (25, 26)])
    assert text == "Did A go to D" and spans == [(4, 5), (12, 13)]


# ---------------------------------------------------------------- checked on the mini-world
MINI_PAIRS = [
    # (false presupposition, its true twin): the derived presupposition is contradicted / not contradicted
    (
        "Which river flows through Port Vell, the capital of Norland?",
        "Which river flows through Eastholm, the capital of Norland?",
    ),
    (
        "When did Jon Reed leave Eastholm, where Ada Finch was born?",
        "When did Jon Reed leave Port Vell, where Ada Finch was born?",
    ),
    (
        "When did Jon Reed, who wrote The Glass Orchard, die?",
        "When did Ada Finch, who wrote The Glass Orchard, die?",
    ),
    (
        "Why did Jon Reed, the author of The Glass Orchard, move?",
        "Why did Ada Finch, the author of The Glass Orchard, move?",
    ),
    ("When did Port Vell become the capital of Norland?", "When did Eastholm become the capital of Norland?"),
    ("When was Ada Finch born in Eastholm?", "When was Ada Finch born in Port Vell?"),
    ("Which hospital in Eastholm was Ada Finch born in?", "Which hospital in Port Vell was Ada Finch born in?"),
    (
        "How long did it take Jon Reed to write The Glass Orchard?",
        "How long did it take Ada Finch to write The Glass Orchard?",
    ),
    (
        "Which poem did Jon Reed quote when writing The Glass Orchard?",
        "Which poem did Ada Finch quote when writing The Glass Orchard?",
    ),
    (
        "How did being the author of The Glass Orchard shape the career of Jon Reed?",
        "How did being the author of The Glass Orchard shape the career of Ada Finch?",
    ),
]


@pytest.mark.parametrize(("false_q", "true_q"), MINI_PAIRS)
def test_mini_world_false_presupposition_is_contradicted_and_its_twin_is_not(checker, false_q, true_q) -> None:
    false_statuses = [checker.check(p, source="presupposed").status for p in presup(false_q)]
    true_statuses = [checker.check(p, source="presupposed").status for p in presup(true_q)]
    assert "contradicted" in false_statuses, (false_q, presup(false_q))
    assert "contradicted" not in true_statuses and "supported" in true_statuses, (true_q, presup(true_q))


def test_mini_world_negative_yes_no_statement_is_checked_positively(checker) -> None:
    yes = analyze_question("Didn't Ada Finch write The Glass Orchard?").statement
    no = analyze_question("Didn't Jon Reed write The Glass Orchard?").statement
    assert checker.check(yes).status == "supported"
    assert checker.check(no).status == "contradicted"


def test_undo_do_support_inflects_the_verb_after_the_auxiliary() -> None:
    from kgqa.checks.presuppositions import undo_do_support

    assert undo_do_support("George Seaton did direct Searching for Debra Winger") == (
        "George Seaton directed Searching for Debra Winger"
    )
    assert undo_do_support("Richard Marx does come from Chattanooga") == "Richard Marx comes from Chattanooga"
    # negative: "did" as the main verb, or before a word that is no verb, stays as written
    assert undo_do_support("Ada did her homework") == "Ada did her homework"
    assert undo_do_support("Who did Paris host") == "Who did Paris host"
