"""How a two-entity statement is read on the graph (kgqa.checks.readings): relation, direction, entities."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.checks.readings import (
    choose_reading,
    local_relation,
    model_relations,
    namesakes,
    noun_of,
    worded_alike,
)
from kgqa.graph import KnowledgeGraph
from kgqa.graph.linking import Candidate, Mention

X = "http://read.example/"

# No schema beyond classes: "directedBy" runs from a film to its director (named from the film's
# side), "bornIn" from a person to a city; every node is also a catch-all x:Thing, which tells the
# two sides of a property nothing apart. "Paris" is a city and a word.
TTL = f"""
@prefix x: <{X}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
x:p0 a x:Person, x:Thing ; rdfs:label "Ann Vale" .
x:p1 a x:Person, x:Thing ; rdfs:label "Bo Lind" .
x:p2 a x:Person, x:Thing ; rdfs:label "Cy Moss" .
x:f0 a x:Film, x:Thing ; rdfs:label "Grey Sea" .
x:f1 a x:Film, x:Thing ; rdfs:label "Red Hill" .
x:f2 a x:Film, x:Thing ; rdfs:label "Blue Lake" .
x:Paris a x:City, x:Thing ; rdfs:label "Paris" .
x:Rome a x:City, x:Thing ; rdfs:label "Rome" .
x:ParisWord a x:Word, x:Thing ; rdfs:label "Paris" .
x:f0 x:directedBy x:p0 .
x:f1 x:directedBy x:p1 .
x:f2 x:directedBy x:p1 .
x:p0 x:bornIn x:Paris .
x:p1 x:bornIn x:Rome .
x:p2 x:bornIn x:Rome .
x:ParisWord x:relatedTo x:Rome .
"""


def _load(tmp_path_factory: pytest.TempPathFactory, turtle: str) -> KnowledgeGraph:
    path = Path(tmp_path_factory.mktemp("readings")) / "graph.ttl"
    path.write_text(turtle, encoding="utf-8")
    return KnowledgeGraph.load([path])


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    return _load(tmp_path_factory, TTL)


def mention(iri: str, label: str, start: int = 0, others: tuple[str, ...] = ()) -> Mention:
    cands = tuple(Candidate(i, label, "label", 1.0, 1, 1.0 - 0.1 * n) for n, i in enumerate((iri, *others)))
    return Mention(label, start, start + len(label), iri, label, 1.0, "exact", cands if others else ())


def test_active_statement_over_a_property_named_from_the_other_side_is_read_reversed(kg: KnowledgeGraph) -> None:
    r = choose_reading(kg, mention(X + "p0", "Ann Vale"), mention(X + "f0", "Grey Sea"), [(X + "directedBy", 0.9)])
    assert r is not None
    assert (r.subject, r.relation, r.object, r.tier, r.reversed) == (X + "f0", X + "directedBy", X + "p0", "fact", True)


def test_statement_in_the_property_s_own_direction_is_not_reversed(kg: KnowledgeGraph) -> None:
    # "Grey Sea ... Bo Lind": the film first, as the property runs; no such fact, but the classes fit
    r = choose_reading(kg, mention(X + "f0", "Grey Sea"), mention(X + "p1", "Bo Lind"), [(X + "directedBy", 0.9)])
    assert r is not None
    assert (r.subject, r.object, r.reversed, r.tier) == (X + "f0", X + "p1", False, "typed")


def test_ambiguous_name_is_read_as_the_candidate_the_relation_fits(kg: KnowledgeGraph) -> None:
    # the linker ranked the word first; "born in" fits the city
    obj = mention(X + "ParisWord", "Paris", 13, others=(X + "Paris",))
    r = choose_reading(kg, mention(X + "p0", "Ann Vale"), obj, [(X + "bornIn", 0.9)])
    assert r is not None and r.object == X + "Paris" and r.tier == "fact"
    # negative: someone born elsewhere still gets the city (typed), never the word
    r2 = choose_reading(kg, mention(X + "p2", "Cy Moss"), obj, [(X + "bornIn", 0.9)])
    assert r2 is not None and r2.object == X + "Paris" and r2.tier == "typed"


def test_a_relation_holding_the_fact_beats_a_better_matched_one_without_it(kg: KnowledgeGraph) -> None:
    r = choose_reading(
        kg,
        mention(X + "p0", "Ann Vale"),
        mention(X + "Paris", "Paris", 13),
        [(X + "diedIn", 0.95), (X + "bornIn", 0.7)],
    )
    assert r is not None and r.relation == X + "bornIn" and r.relation_rank == 1
    assert any(c["relation"] == X + "diedIn" for c in r.considered)


def test_weak_property_is_taken_only_where_the_graph_holds_the_statement(kg: KnowledgeGraph) -> None:
    subj, film = mention(X + "p0", "Ann Vale"), mention(X + "f0", "Grey Sea")
    r = choose_reading(kg, subj, film, [(X + "relatedTo", 0.6)], weak=[X + "directedBy"])
    assert r is not None and r.relation == X + "directedBy" and r.tier == "fact"
    # negative: Ann Vale did not direct Red Hill, so the weak reading is not taken at all
    r2 = choose_reading(kg, subj, mention(X + "f1", "Red Hill"), [(X + "relatedTo", 0.6)], weak=[X + "directedBy"])
    assert r2 is not None and r2.relation == X + "relatedTo"


def test_no_relation_left_gives_none(kg: KnowledgeGraph) -> None:
    subj, obj = mention(X + "p0", "Ann Vale"), mention(X + "Paris", "Paris", 13)
    assert choose_reading(kg, subj, obj, []) is None
    assert choose_reading(kg, subj, obj, [(X + "bornIn", 0.9)], skip=lambda p: True) is None


class _Ranker:
    """A stand-in for the learned relation model: a fixed ranking over the graph's properties."""

    def __init__(self, order: list[str]) -> None:
        self.order = order

    def rank(self, kg: KnowledgeGraph, marked: str, top_k: int = 5) -> list[tuple[str, float]]:
        assert "[" in marked and "]" in marked  # the subject mention is marked
        return [(p, 0.5 - 0.01 * i) for i, p in enumerate(self.order[:top_k])]


def test_local_relation_is_the_best_ranked_property_the_entities_hold(kg: KnowledgeGraph) -> None:
    text = "Ann Vale made Grey Sea"
    subj, film = mention(X + "p0", "Ann Vale"), mention(X + "f0", "Grey Sea", 14)
    ranked = model_relations(kg, _Ranker([X + "madeOf", X + "directedBy", X + "bornIn"]), text, subj)
    assert ranked == [X + "madeOf", X + "directedBy", X + "bornIn"]
    assert local_relation(kg, ranked, subj, film) == X + "directedBy"
    # negative: none of the ranked properties is held by these entities
    assert local_relation(kg, [X + "madeOf", X + "relatedTo"], subj, film) is None
    assert model_relations(kg, None, text, subj) == []


def test_local_relation_asks_the_subject_first(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A better-ranked property that only the object holds gives way to one the subject holds."""
    kg = _load(tmp_path_factory, TTL + "x:p1 x:citizenOf x:Rome .\n")
    ranked = [X + "citizenOf", X + "bornIn"]
    cy, rome = mention(X + "p2", "Cy Moss"), mention(X + "Rome", "Rome", 18)
    assert local_relation(kg, ranked, cy, rome) == X + "bornIn"  # Cy Moss holds no citizenship; Rome is one
    r = choose_reading(kg, cy, rome, [], weak=[X + "bornIn"], loose=ranked)
    assert r is not None and (r.relation, r.tier) == (X + "bornIn", "fact")
    # negative: a subject that holds the better-ranked property keeps it
    bo = mention(X + "p1", "Bo Lind")
    assert local_relation(kg, ranked, bo, rome) == X + "citizenOf"
    # and a subject that holds neither leaves it to the object
    assert local_relation(kg, ranked, mention(X + "f0", "Grey Sea"), rome) == X + "citizenOf"


def test_loose_property_is_read_only_where_the_classes_fit_and_is_marked_weak(kg: KnowledgeGraph) -> None:
    # Bo Lind did not direct Grey Sea; the loose "directedBy" fits a person and a film (typed), so it is
    # read, marked weak; the strong candidate that fits nothing comes second
    subj, film = mention(X + "p1", "Bo Lind"), mention(X + "f0", "Grey Sea", 13)
    r = choose_reading(kg, subj, film, [(X + "madeOf", 0.9)], loose=[X + "directedBy"])
    assert r is not None and r.relation == X + "directedBy" and r.weak and r.tier == "typed" and r.reversed
    # negative: a loose property whose classes do not fit (born in: a person and a city) is not read at all
    r2 = choose_reading(kg, subj, film, [(X + "madeOf", 0.9)], loose=[X + "bornIn"])
    assert r2 is not None and r2.relation == X + "madeOf" and not r2.weak


# A schema property with the wordings and no facts, beside the data's populated namesake ("native of"
# is the schema's own; the data names its property from the IRI and carries the schema's label as an
# alternative); "linked to" is a populated property that shares only the schema's loose wording.
MERGED = f"""
@prefix x: <{X}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
x:citizenOf rdfs:label "citizenship" ; skos:altLabel "native of" , "from" .
x:people_citizenship rdfs:label "people citizenship" ; skos:altLabel "Citizenship" .
x:linkedTo rdfs:label "linked to" ; skos:altLabel "from" .
x:p0 a x:Person ; rdfs:label "Ann Vale" .
x:p1 a x:Person ; rdfs:label "Bo Lind" .
x:c0 a x:Country ; rdfs:label "Avalon" .
x:c1 a x:Country ; rdfs:label "Brega" .
x:p0 x:people_citizenship x:c0 .
x:p1 x:people_citizenship x:c1 .
x:p0 x:linkedTo x:c0 .
x:p1 x:linkedTo x:c1 .
"""


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    return _load(tmp_path_factory, MERGED)


def test_populated_namesake_of_an_empty_matched_property_is_not_weak(merged: KnowledgeGraph) -> None:
    assert namesakes(merged, [X + "citizenOf"], [X + "linkedTo", X + "people_citizenship"]) == {
        X + "people_citizenship": X + "citizenOf"
    }
    # Ann Vale is a citizen of Brega? the data holds another value; the reading is as sure as the match
    subj, obj = mention(X + "p0", "Ann Vale"), mention(X + "c1", "Brega", 20)
    loose = [X + "linkedTo", X + "people_citizenship"]
    r = choose_reading(merged, subj, obj, [(X + "citizenOf", 1.0)], loose=loose)
    assert r is not None and r.relation == X + "people_citizenship" and r.tier == "typed"
    assert not r.weak and r.stands_for == X + "citizenOf" and r.to_dict()["stands_for"] == X + "citizenOf"
    # negative: a populated property sharing only a loose wording ("from") is no namesake, and stays weak
    r2 = choose_reading(merged, subj, obj, [(X + "citizenOf", 1.0)], loose=[X + "linkedTo"])
    assert r2 is not None and r2.relation == X + "linkedTo" and r2.weak and r2.stands_for is None
    # negative: a matched property that holds facts has no namesake to defer to
    assert namesakes(merged, [X + "linkedTo"], [X + "people_citizenship"]) == {}


def test_local_property_that_is_also_loose_is_read_when_typed(merged: KnowledgeGraph) -> None:
    # the local property (the entities hold it) is also among the loose ones: the statement is not a fact,
    # but the classes fit, so it is read (weak) instead of being dropped for not being a fact
    subj, obj = mention(X + "p0", "Ann Vale"), mention(X + "c1", "Brega", 20)
    prop = X + "linkedTo"
    r = choose_reading(merged, subj, obj, [(X + "nowhere", 0.9)], weak=[prop], loose=[prop])
    assert r is not None and r.relation == prop and r.tier == "typed" and r.weak
    # negative: local only (not loose), the same non-fact is not read on it
    r2 = choose_reading(merged, subj, obj, [(X + "nowhere", 0.9)], weak=[prop])
    assert r2 is not None and r2.relation == X + "nowhere"


def test_misread_relation_is_no_domain_violation(checker) -> None:  # noqa: ANN001 - the conftest's fixture
    # "lies in" matches "died in" by spelling; neither entity has a death place and a city is no person:
    # the relation was misread, the statement is not false
    c = checker.check("Port Vell lies in Norland.")
    assert c.status != "contradicted"
    assert c.claim is not None and c.claim.reading is not None and c.claim.reading["tier"] == "none"
    # the same two entities under a relation they hold are read and supported
    assert checker.check("Port Vell is in Norland.").status == "supported"


# Two "capital" properties: the countries here hold "countryCapital" facts, other areas "areaCapital" ones.
CAPITALS = f"""
@prefix x: <{X}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
x:c0 a x:Country ; rdfs:label "Norland" .
x:c1 a x:Country ; rdfs:label "Suden" .
x:a0 a x:Country ; rdfs:label "Westmark" .
x:t0 a x:City ; rdfs:label "Vell" .
x:t1 a x:City ; rdfs:label "Brega" .
x:t2 a x:City ; rdfs:label "Ostra" .
x:t3 a x:City ; rdfs:label "Lund" .
x:c0 x:countryCapital x:t0 .
x:c1 x:countryCapital x:t1 .
x:a0 x:areaCapital x:t3 .
"""


@pytest.fixture(scope="module")
def capitals(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    return _load(tmp_path_factory, CAPITALS)


def test_a_matcher_tie_goes_to_the_property_the_entities_hold(capitals: KnowledgeGraph) -> None:
    # "Ostra is the capital of Norland": both properties fit a country and a city, the matcher ties them
    subj, obj = mention(X + "c0", "Norland"), mention(X + "t2", "Ostra", 30)
    tied = [(X + "areaCapital", 0.7), (X + "countryCapital", 0.7)]
    r = choose_reading(capitals, subj, obj, tied)
    assert r is not None and r.relation == X + "countryCapital" and r.tier == "typed" and r.relation_rank == 1
    # negative: a property the matcher scores better stays first, held or not
    r2 = choose_reading(capitals, subj, obj, [(X + "areaCapital", 0.75), (X + "countryCapital", 0.7)])
    assert r2 is not None and r2.relation == X + "areaCapital"


# No classes: a college's tuition currency (two kinds of things) and a rivalry between colleges (one kind)
UNTYPED = (
    f"""
@prefix x: <{X}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
x:usd rdfs:label "Dollar" .
x:eur rdfs:label "Euro" .
"""
    + "".join(
        f'x:col{i} rdfs:label "College {i}" ; x:tuitionCurrency x:{"usd" if i % 2 else "eur"} .\n' for i in range(12)
    )
    + "".join(f"x:col{i} x:rivalOf x:col{i + 1} .\n" for i in range(11))
)  # College 0 is no one's rival


@pytest.fixture(scope="module")
def untyped(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    return _load(tmp_path_factory, UNTYPED)


def test_sides_apart_by_the_data(untyped: KnowledgeGraph) -> None:
    vocab = untyped.graph_vocabulary()
    assert vocab.sides_apart(X + "tuitionCurrency")  # 12 colleges, 2 currencies, none on both sides
    assert not vocab.sides_apart(X + "rivalOf")  # colleges on both sides


def test_untyped_statement_reads_the_other_way_round_by_the_sides_used(untyped: KnowledgeGraph) -> None:
    dollar, col = mention(X + "usd", "Dollar"), mention(X + "col1", "College 1", 20)
    r = choose_reading(untyped, dollar, col, [(X + "tuitionCurrency", 0.9)])
    assert r is not None and r.reversed and (r.subject, r.object, r.tier) == (X + "col1", X + "usd", "fact")
    # negative: the stated way round is kept where it uses the entities on their sides
    r2 = choose_reading(untyped, col, dollar, [(X + "tuitionCurrency", 0.9)])
    assert r2 is not None and not r2.reversed and r2.tier == "fact"
    # negative: a property between things of one kind is never turned round by usage: "College 11 is a rival
    # of College 0" uses neither on its side and the reverse uses both, yet it stays as stated
    r3 = choose_reading(
        untyped, mention(X + "col11", "College 11"), mention(X + "col0", "College 0", 26), [(X + "rivalOf", 0.9)]
    )
    assert r3 is not None and not r3.reversed and r3.tier == "none"


NOUNS = (
    f"""
@prefix x: <{X}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
x:rivalOf rdfs:label "rival" .
x:mentorOf rdfs:label "taught" .
"""
    + "".join(f'x:col{i} rdfs:label "College {i}" .\n' for i in range(4))
    + ("x:col0 x:rivalOf x:col1 .\nx:col2 x:rivalOf x:col3 .\nx:col0 x:mentorOf x:col2 .\n")
)


def test_noun_of_reads_the_phrase() -> None:
    assert noun_of("is the capital of") == "capital"
    assert noun_of("was one of the rivals of") == "rivals"
    assert noun_of(" is an administrative parent of ") == "administrative parent"
    # negatives: no article, no "of", another verb
    assert noun_of("is capital of") is None
    assert noun_of("is the capital") is None
    assert noun_of("wrote the preface of") is None


def test_a_statement_naming_the_propertys_noun_reads_as_kgqa_words_it(tmp_path_factory: pytest.TempPathFactory) -> None:
    """ "College 1 is a rival of College 0" is College 0's rival: (col0 rivalOf col1), between things of one kind."""
    kg = _load(tmp_path_factory, NOUNS)
    c1, c0 = mention(X + "col1", "College 1"), mention(X + "col0", "College 0", 22)
    r = choose_reading(kg, c1, c0, [(X + "rivalOf", 0.9)], noun="rival")
    assert r is not None and r.reversed and (r.subject, r.object, r.tier) == (X + "col0", X + "col1", "fact")
    assert choose_reading(kg, c1, c0, [(X + "rivalOf", 0.9)], noun="rivals").reversed  # a plural noun
    # negatives: without the noun, or a noun that is not the property's own phrase, the statement stays as written
    assert not choose_reading(kg, c1, c0, [(X + "rivalOf", 0.9)]).reversed
    assert not choose_reading(kg, c1, c0, [(X + "rivalOf", 0.9)], noun="neighbour").reversed
    # a verb ("taught") is no noun: "College 2 is a taught of College 0" is not turned round by it
    c2 = mention(X + "col2", "College 2")
    assert not choose_reading(kg, c2, c0, [(X + "mentorOf", 0.9)], noun="taught").reversed


ALIKE = f"""
@prefix x: <{X}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
x:tuitionCurrency rdfs:label "currency" .
x:gdpCurrency rdfs:label "currency" .
x:tradePartner rdfs:label "trade partner" .
x:usd rdfs:label "Dollar" .
x:land rdfs:label "Helvetia" .
x:land x:gdpCurrency x:usd .
x:land x:tradePartner x:usd .
"""


def test_worded_alike_finds_the_property_of_the_fact_between_the_entities(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    kg = _load(tmp_path_factory, ALIKE)
    usd, land = mention(X + "usd", "Dollar"), mention(X + "land", "Helvetia", 21)
    assert worded_alike(kg, [X + "tuitionCurrency"], usd, land) == [X + "gdpCurrency"]
    r = choose_reading(kg, usd, land, [(X + "tuitionCurrency", 0.9)], weak=[X + "gdpCurrency"], noun="currency")
    assert r is not None and (r.subject, r.relation, r.object, r.tier) == (
        X + "land",
        X + "gdpCurrency",
        X + "usd",
        "fact",
    )
    # negatives: a fact between them worded otherwise ("trade partner") is not offered, nor anything without
    # a fact between the two, nor anything for no matched property
    assert X + "tradePartner" not in worded_alike(kg, [X + "tuitionCurrency"], usd, land)
    assert worded_alike(kg, [X + "tuitionCurrency"], usd, mention(X + "usd2", "Peso")) == []
    assert worded_alike(kg, [], usd, land) == []


SHARED = (
    f"""
@prefix x: <{X}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
x:contains rdfs:label "contains" .
x:county rdfs:label "county" .
x:state rdfs:label "Avalon" .
"""
    + "".join(f'x:jc{i} rdfs:label "Jeff County" .\n' for i in range(5))
    + "x:state x:contains x:jc4 .\n"
)


def test_a_fact_of_a_candidate_past_the_first_few_is_read(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Five nodes share the name; the state contains the fifth: the statement is that fact."""
    kg = _load(tmp_path_factory, SHARED)
    state = mention(X + "state", "Avalon")
    jeff = mention(X + "jc0", "Jeff County", 16, others=tuple(X + f"jc{i}" for i in range(1, 5)))
    r = choose_reading(kg, state, jeff, [(X + "contains", 1.0), (X + "county", 0.5)])
    assert r is not None and (r.subject, r.relation, r.object, r.tier) == (
        X + "state",
        X + "contains",
        X + "jc4",
        "fact",
    )
    # negative: a relation the graph does not hold for any candidate reads as before, on the first candidates
    r2 = choose_reading(kg, state, jeff, [(X + "county", 0.5)])
    assert r2 is not None and r2.tier != "fact" and r2.object in {X + "jc0", X + "jc1", X + "jc2"}


def _people_and_bands() -> str:
    """60 people (Person, Agent) each a citizen of a country; 60 bands (Band, Agent) each from a city or a country."""
    lines = [f"@prefix x: <{X}> .", "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    lines += [f'x:land{i} a x:Country ; rdfs:label "Land {i}" .' for i in range(5)]
    lines += [f'x:town{i} a x:City ; rdfs:label "Town {i}" .' for i in range(5)]
    for i in range(60):
        lines.append(f'x:person{i} a x:Person, x:Agent ; rdfs:label "Person {i}" ; x:citizenOf x:land{i % 5} .')
        place = f"x:town{i % 5}" if i % 2 else f"x:land{i % 5}"
        lines.append(f'x:band{i} a x:Band, x:Agent ; rdfs:label "Band {i}" ; x:originIn {place} .')
    lines.append('x:loner rdfs:label "Loner" .')  # typed by nothing
    return "\n".join(lines) + "\n"


def test_a_node_typed_without_the_class_every_holder_has_does_not_fit(tmp_path_factory: pytest.TempPathFactory) -> None:
    kg = _load(tmp_path_factory, _people_and_bands())
    relations = [(X + "citizenOf", 0.6), (X + "originIn", 0.55)]
    # "Band 3 comes from Land 4": every citizen is a Person (a band is an Agent like them, not a Person)
    band = choose_reading(kg, mention(X + "band3", "Band 3"), mention(X + "land4", "Land 4", 21), relations)
    assert band is not None and band.relation == X + "originIn" and band.tier == "typed"
    # negative: a person takes the better matched relation, and so does a node typed by nothing (open world)
    person = choose_reading(kg, mention(X + "person3", "Person 3"), mention(X + "land4", "Land 4", 23), relations)
    assert person is not None and person.relation == X + "citizenOf" and person.tier == "typed"
    loner = choose_reading(kg, mention(X + "loner", "Loner"), mention(X + "land4", "Land 4", 20), relations)
    assert loner is not None and loner.relation == X + "citizenOf"
    # a value lacking the class every value has ("Town 1" is no Country) does not fit either, nor does a person
    # hold an origin: neither reading is typed, and the better matched one stays first
    town = choose_reading(kg, mention(X + "person3", "Person 3"), mention(X + "town1", "Town 1", 23), relations)
    assert town is not None and town.relation == X + "citizenOf" and town.tier == "used"
