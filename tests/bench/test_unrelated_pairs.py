"""Unrelated SQuAD sentence pairs (kgqa.bench.unrelated) and the nli suite's --unrelated-squad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgqa.bench import cli, nli_suite
from kgqa.bench.unrelated import unrelated_pairs
from kgqa.errors import InputError

TOPICS = {
    "Rivers": [
        "The Volga flows into the Caspian Sea near the city of Astrakhan.",
        "Barges carry grain along the wide river during the long summer.",
        "Fishermen on the lower river catch sturgeon in the early spring.",
        "The delta of the river is a reserve for pelicans and herons.",
    ],
    "Bridges": [
        "The old bridge was built of grey stone in the twelfth century.",
        "Its five arches were rebuilt after the great flood of that year.",
        "A toll was charged to every cart that crossed the narrow bridge.",
        "The city council replaced the wooden railings with iron ones later.",
    ],
    "Birds": [
        "Swifts spend most of their lives on the wing above the fields.",
        "They sleep while gliding high above the ground on warm nights.",
        "A young swift may fly for two years before it ever lands again.",
        "Their nests are made of feathers and straw glued with saliva.",
    ],
}
ARTICLE = {sent: title for title, sents in TOPICS.items() for sent in sents}


def _squad(path: Path) -> Path:
    data = {
        "data": [
            {
                "title": title,
                "paragraphs": [
                    {
                        "context": " ".join(sents[i : i + 2]),
                        "qas": [{"id": f"{title}{i}", "question": "q?", "answers": [{"text": "a", "answer_start": 0}]}],
                    }
                    for i in (0, 2)
                ],
            }
            for title, sents in TOPICS.items()
        ]
    }
    path.write_text(json.dumps(data))
    return path


def test_pairs_are_neutral_half_cross_half_same_article(tmp_path: Path) -> None:
    rows = unrelated_pairs(_squad(tmp_path / "s.json"), n=40, seed=3)
    assert len(rows) == 40 and {r["label"] for r in rows} == {"neutral"}
    assert sum(r["pairing"] == "same_article" for r in rows) == 20
    for r in rows:
        first = next(s for s in ARTICLE if r["premise"].startswith(s))
        assert (ARTICLE[first] == ARTICLE[r["hypothesis"]]) == (r["pairing"] == "same_article")
        # another paragraph, never the premise's own
        assert TOPICS[ARTICLE[first]].index(first) // 2 != TOPICS[ARTICLE[r["hypothesis"]]].index(
            r["hypothesis"]
        ) // 2 or (ARTICLE[first] != ARTICLE[r["hypothesis"]])
    assert rows == unrelated_pairs(tmp_path / "s.json", n=40, seed=3)
    assert rows != unrelated_pairs(tmp_path / "s.json", n=40, seed=4)


def test_too_few_articles_is_an_input_error() -> None:
    with pytest.raises(InputError, match="two articles"):
        unrelated_pairs(Path(__file__).parents[1] / "fixtures" / "tiny_squad.json")


def test_nli_suite_unrelated_squad(tmp_path: Path, fake_nli, monkeypatch) -> None:
    (tmp_path / "squad").mkdir()
    _squad(tmp_path / "squad" / "dev-v1.1.json")
    monkeypatch.setattr(nli_suite, "load_model", lambda ns: fake_nli)
    out = tmp_path / "o"
    argv = ["nli", "--unrelated-squad", "--data-dir", str(tmp_path), "--limit", "6", "--out", str(out)]
    assert cli.main(argv) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["n"] == 6 and set(res["per_group"]["pairing"]) == {"cross_article", "same_article"}
    assert "unrelated" in res["data"]["split"] and res["label_mode"] == "3-way"
