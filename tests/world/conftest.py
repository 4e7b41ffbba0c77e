"""Tiny files shaped like the shared datasets, written to tmp_path, for the world build tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA_NOUN = """\
  1 This software and database is being provided to you, the LICENSEE, by
  2 Princeton University under the following license.
00001740 03 n 01 entity 0 001 ~ 00002000 n 0000 | that which is perceived or known to exist
00002000 03 n 02 person 0 individual 0 002 @ 00001740 n 0000 ~ 00003000 n 0000 | a human being
00003000 18 n 01 dramatist 0 002 @ 00002000 n 0000 + 01700000 v 0101 | someone who writes plays
00004000 18 n 02 Shakespeare 0 William_Shakespeare 0 001 @i 00003000 n 0000 | English poet and dramatist
"""


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A data directory with a few lines of FB15k-237, WordNet, ConceptNet and SQuAD."""
    root = tmp_path / "datasets"
    fb = root / "kg" / "fb15k237"
    fb.mkdir(parents=True)
    (fb / "train.txt").write_text(
        "/m/01a\t/people/person/nationality\t/m/02b\n/m/03c\t/film/film/directed_by\t/m/01a\n"
    )
    (fb / "valid.txt").write_text("/m/02b\t/location/country/capital\t/m/04d\n")
    (fb / "test.txt").write_text("")
    (fb / "entity2text.txt").write_text("/m/01a\tAda Quill\n/m/02b\tArvenia\n/m/03c\tMoon Harbor\n/m/04d\tBrightport\n")
    (fb / "relation2text.txt").write_text(
        "/people/person/nationality\tpeople person nationality\n"
        "/film/film/directed_by\tfilm film directed by\n"
        "/location/country/capital\tlocation country capital\n"
    )
    (fb / "entity2wikidata.json").write_text(
        json.dumps(
            {
                "/m/01a": {
                    "alternatives": ["A. Quill"],
                    "description": "fictional film director",
                    "label": "Ada Quill",
                    "wikidata_id": "Q1",
                    "wikipedia": "https://en.wikipedia.org/wiki/Ada_Quill",
                },
                "/m/04d": {
                    "alternatives": [],
                    "description": "capital of Arvenia",
                    "label": "Brightport city",
                    "wikidata_id": "Q2",
                    "wikipedia": None,
                },
            }
        )
    )
    wn = root / "kg" / "wordnet3.0"
    wn.mkdir(parents=True)
    (wn / "data.noun").write_text(DATA_NOUN)
    cn = root / "kg" / "conceptnet100k"
    cn.mkdir(parents=True)
    (cn / "train.txt").write_text(
        "Causes\train\twet ground\nIsA\tdog\tanimal\n"
        "HasPrerequisite\tbake bread\tbuy flour\nCausesDesire\thunger\teat food\n"
    )
    squad = root / "squad"
    squad.mkdir()
    (squad / "train-v1.1.json").write_text(
        json.dumps(
            {
                "version": "1.1",
                "data": [
                    {
                        "title": "Harbor_Town",
                        "paragraphs": [
                            {"context": "Harbor Town lies on a quiet bay.", "qas": []},
                            {"context": "Its lighthouse was built in 1850.", "qas": []},
                        ],
                    },
                    {"title": "Rain", "paragraphs": [{"context": "Rain makes the ground wet.", "qas": []}]},
                ],
            }
        )
    )
    return root
