"""The false-premise data: FalseQA reader, relation labels and frames, graph question pairs and their split."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgqa.errors import DataNotFoundError, InputError
from kgqa.train.false_premise_data import (
    GraphFacts,
    as_examples,
    generate_pairs,
    generated_splits,
    label_shape,
    phrase,
    read_falseqa,
    relation_label,
    split_by_subject,
    split_dev,
    twin_groups,
)

CITIES = [f"c{i}" for i in range(8)]
CITY_NAMES = ["Paris", "Lyon", "Oslo", "Rome", "Lima", "Kyiv", "Riga", "Bern"]


def _graph(n_people: int = 40) -> GraphFacts:
    """People with one birthplace each (a functional relation) and a few non-functional likes."""
    triples = []
    names = {c: n for c, n in zip(CITIES, CITY_NAMES, strict=True)}
    for i in range(n_people):
        p = f"p{i}"
        names[p] = f"Person Number{i}"
        triples.append((p, "/people/person/place_of_birth", CITIES[i % len(CITIES)]))
        triples.append((p, "/people/person/likes", CITIES[(i + 1) % len(CITIES)]))
        triples.append((p, "/people/person/likes", CITIES[(i + 2) % len(CITIES)]))
    labels = {r: relation_label(r) for r in {t[1] for t in triples}}
    return GraphFacts("fb15k237", triples, names, labels)


# --------------------------------------------------------------------------- FalseQA
def test_read_falseqa_reads_rows_and_ignores_the_answer(tmp_path: Path) -> None:
    f = tmp_path / "train.csv"
    f.write_text(
        'question,answer,label\n"Why do fish breathe with lungs?","[\'Fish use gills.\']",1\n'
        'How do fish breathe?,"They use gills, mostly",0\n'
    )
    rows = read_falseqa(f)
    assert [(r.question, r.label, r.source) for r in rows] == [
        ("Why do fish breathe with lungs?", 1, "falseqa"),
        ("How do fish breathe?", 0, "falseqa"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("question,answer,label\nWhy?,x,2\n", ":2: label must be 0"),
        ("question,answer,label\nWhy?,x,\n", ":2: label must be 0"),
        ('question,answer,label\n"",x,1\n', ":2: empty question"),
        ("query,answer,label\nWhy?,x,1\n", "no column question"),
        ("question,answer,label\n", "holds no rows"),
    ],
)
def test_read_falseqa_refuses_bad_rows(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(InputError, match=message):
        read_falseqa(f)


def test_read_falseqa_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="does not exist"):
        read_falseqa(tmp_path / "nope.csv")


def test_split_dev_keeps_twins_together_and_is_seeded(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    rows = "".join(
        f"Why do fish{i} breathe with lungs?,a,1\nWhy do fish{i} breathe with gills?,a,0\n" for i in range(50)
    )
    f.write_text("question,answer,label\n" + rows)
    examples = read_falseqa(f)
    assert sorted(map(sorted, twin_groups(examples))) == [[2 * i, 2 * i + 1] for i in range(50)]
    train, dev = split_dev(examples, 0.2, seed=3)
    assert len(dev) == 20 and sum(e.label for e in dev) == 10
    assert not {e.question for e in train} & {e.question for e in dev}
    twins = {e.question.split()[2] for e in dev}  # fishN
    assert all(sum(e.question.split()[2] == t for e in dev) == 2 for t in twins)
    assert split_dev(examples, 0.2, seed=3) == (train, dev)
    assert split_dev(examples, 0.2, seed=4)[1] != dev
    with pytest.raises(InputError, match="dev fraction"):
        split_dev(examples, 1.5, seed=3)


def test_unrelated_questions_are_not_twins() -> None:
    from kgqa.train.false_premise_data import FPExample

    ex = [FPExample("Why do cats bark?", 1, "x"), FPExample("How tall is Mount Everest?", 0, "x")]
    assert twin_groups(ex) == [[0], [1]]
    # a twin must have the other label
    ex = [FPExample("Why do cats bark?", 1, "x"), FPExample("Why do cats bark loudly?", 1, "x")]
    assert twin_groups(ex) == [[0], [1]]


# --------------------------------------------------------------------------- labels and frames
@pytest.mark.parametrize(
    ("relation", "label"),
    [
        ("/people/person/place_of_birth", "place of birth"),
        ("/organization/organization/headquarters./location/mailing_address/citytown", "headquarters citytown"),
        ("/people/person/spouse_s./people/marriage/spouse", "spouse"),
        ("CapableOf", "capable of"),
        ("_has_part", "has part"),
    ],
)
def test_relation_label_from_the_identifier(relation: str, label: str) -> None:
    assert relation_label(relation) == label


def test_label_shapes_and_phrases() -> None:
    assert label_shape("headquarters citytown") == "noun"
    assert label_shape("causes desire") == "verb"
    assert label_shape("at location") == "predicate"
    assert label_shape("") == "noun"
    assert (
        phrase("Jeremy Irons", "place of birth", "Cowes", 2)
        == "When did Cowes become the place of birth of Jeremy Irons?"
    )
    assert phrase("car", "has part", "wheel", 0) == "Why is it that car has part wheel?"
    assert phrase("fish", "capable of", "fly", 1) == "How come fish is capable of fly?"


# --------------------------------------------------------------------------- generation
def test_false_twin_is_absent_from_the_graph_and_the_true_twin_present() -> None:
    g = _graph()
    facts = set(g.triples)
    pairs = generate_pairs(g, 30, seed=1)
    assert pairs
    for p in pairs:
        assert (p.subject, p.relation, p.true_object) in facts
        assert (p.subject, p.relation, p.false_object) not in facts
        # not linked to the subject by any fact at all
        assert not any({s, o} == {p.subject, p.false_object} for s, _, o in facts)
        assert g.names[p.true_object] in p.true_question and g.names[p.false_object] in p.false_question
        assert p.true_question.replace(g.names[p.true_object], "X") == p.false_question.replace(
            g.names[p.false_object], "X"
        )
    ex = as_examples(pairs)
    assert [e.label for e in ex[:2]] == [0, 1] and len(ex) == 2 * len(pairs)
    assert generate_pairs(g, 30, seed=1) == pairs


def test_functional_filter_keeps_only_functional_relations() -> None:
    pairs = generate_pairs(_graph(), 40, seed=2, min_functional=0.85)
    assert pairs and {p.relation for p in pairs} == {"/people/person/place_of_birth"}


def test_relation_without_alternative_objects_gives_no_pair() -> None:
    # every subject has the only object the relation ever takes: nothing to swap in
    triples = [(f"p{i}", "/people/person/gender", "male") for i in range(10)]
    names = {f"p{i}": f"Person {i}" for i in range(10)} | {"male": "male"}
    g = GraphFacts("fb15k237", triples, names, {"/people/person/gender": "gender"})
    assert generate_pairs(g, 10, seed=0) == []
    # the other objects all hold for the subject, or are linked to it: still no pair
    triples = [("p0", "r", "a"), ("p0", "r", "b"), ("p0", "s", "c"), ("p1", "r", "c")]
    g = GraphFacts("x", triples, {x: x.upper() + "name" for x in "abc"} | {"p0": "P zero", "p1": "P one"}, {"r": "r"})
    assert [p for p in generate_pairs(g, 10, seed=0) if p.subject == "p0"] == []


def test_split_by_subject_is_disjoint_and_seeded() -> None:
    pairs = generate_pairs(_graph(200), 400, seed=1)
    splits = split_by_subject(pairs, seed=7)
    subjects = {k: {p.subject for p in v} for k, v in splits.items()}
    assert not subjects["train"] & subjects["dev"]
    assert not subjects["train"] & subjects["test"]
    assert not subjects["dev"] & subjects["test"]
    assert sum(len(v) for v in splits.values()) == len(pairs)
    assert len(splits["train"]) > len(splits["dev"]) > 0 and splits["test"]
    assert split_by_subject(pairs, seed=7) == splits
    with pytest.raises(InputError, match="fractions"):
        split_by_subject(pairs, seed=7, fractions=(0.5, 0.5, 0.5))


def test_generated_splits_from_a_data_folder(tmp_path: Path) -> None:
    folder = tmp_path / "kg" / "fb15k237"
    folder.mkdir(parents=True)
    g = _graph(120)
    (folder / "train.txt").write_text("".join(f"{s}\t{r}\t{o}\r\n" for s, r, o in g.triples))
    (folder / "valid.txt").write_text("")
    (folder / "test.txt").write_text("")
    (folder / "entity2text.txt").write_text("".join(f"{k}\t{v}\n" for k, v in g.names.items()))
    splits = generated_splits(tmp_path, 100, seed=5)
    assert {p.source for v in splits.values() for p in v} == {"fb15k237"}
    assert sum(len(v) for v in splits.values()) > 20
    with pytest.raises(DataNotFoundError, match="no graph"):
        generated_splits(tmp_path / "empty", 100, seed=5)


@pytest.mark.slow
def test_generated_splits_on_the_real_graphs(data_root: Path) -> None:
    splits = generated_splits(data_root, 600, seed=42)
    assert {p.source for p in splits["train"]} == {"fb15k237", "conceptnet", "wordnet"}


def test_twin_groups_are_the_same_in_every_process(tmp_path: Path) -> None:
    """Ties between equally similar twins must not be broken by set order (Python's string hash seed)."""
    import os
    import subprocess
    import sys

    rows = []
    for i in range(5):  # question 0 is as close to 1 as to 3, and 1 and 3 each have a closer twin
        for words, label in (("wa wb wc wd", 1), ("wa wb aa ab", 0), ("wa wb aa ab ac", 1), ("wc wd ba bb", 0)):
            rows.append((" ".join(f"{w}{i}" for w in words.split()), label))
        rows.append((" ".join(f"{w}{i}" for w in "wc wd ba bb bc".split()), 1))
    f = tmp_path / "t.csv"
    f.write_text("question,answer,label\n" + "".join(f"{q},a,{y}\n" for q, y in rows))
    code = (
        "from kgqa.train.false_premise_data import read_falseqa, twin_groups; "
        f"print(twin_groups(read_falseqa({str(f)!r})))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3, 4, 5)
    }
    assert len(outs) == 1
