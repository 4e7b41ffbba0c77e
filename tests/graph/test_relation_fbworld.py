"""Before/after of the learned relation matcher on the FB15k-237 world (slow; needs the built world).

Run: ``KGQA_FBWORLD=/tmp/fbworld python -m pytest -q -s -m slow tests/graph/test_relation_fbworld.py``
(the world comes from ``kgqa bench world build``). Prints one line per question: the relation and
answer without the model (names only) and with the shipped model.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kgqa.answering import graph_answer, relation_phrase

pytestmark = pytest.mark.slow

WORLD = Path(os.environ.get("KGQA_FBWORLD", "/tmp/fbworld"))
R = "https://kgqa.dev/fb15k237/relation/"
#: (question, wh word, the FB15k-237 relation it asks about, whether the answer must come through it:
#: True yes, False no answer at all (the world lacks the fact), None only printed)
CASES = [
    ("Where was Jeremy Irons born?", "where", "people/person/place_of_birth", False),
    ("Who directed Titanic?", "who", "film/director/film", True),
    ("Where was Tom Hanks born?", "where", "people/person/place_of_birth", True),
    ("Who directed Pulp Fiction?", "who", "film/director/film", True),
    ("Where did Elvis Presley die?", "where", "people/deceased_person/place_of_death", True),
    ("Where was Quentin Tarantino born?", "where", "people/person/place_of_birth", True),
    ("What is the nationality of Meryl Streep?", "what", "people/person/nationality", True),
    ("Who wrote Pulp Fiction?", "who", "film/film/written_by", True),
    ("What language is spoken in Brazil?", "what", "location/country/official_language", None),
    ("Who is Steven Spielberg married to?", "who", "people/person/spouse_s./people/marriage/spouse", None),
]


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    store = WORLD / "graph-store"
    if not store.is_dir():
        pytest.skip(f"no FB15k-237 world at {WORLD} (build it with `kgqa bench world build`)")
    import torch

    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relation_model import RelationModel
    from kgqa.graph.relations import RelationMatcher

    torch.set_num_threads(1)
    kg = KnowledgeGraph.open(store)
    return kg, EntityLinker(kg), RelationMatcher(kg), RelationMatcher(kg, model=RelationModel())


def test_before_after(world) -> None:  # type: ignore[no-untyped-def]
    kg, linker, names_only, learned = world
    found = {"before": 0, "after": 0}
    answered = {"before": 0, "after": 0}
    for question, wh, relation, held in CASES:
        mentions = linker.find_mentions(question)
        m = max(mentions, key=lambda x: x.end - x.start)
        phrase = relation_phrase(question, m.text)
        row = [question]
        for name, matcher in (("before", names_only), ("after", learned)):
            candidates = [p for p, _ in matcher.match_text(question, m.start, m.end, phrase=phrase, top_k=6)]
            answer = graph_answer(kg, matcher, mentions, question, wh)
            hit = answer is not None and answer.relation == R + relation
            found[name] += R + relation in candidates
            answered[name] += hit
            shown = "-" if answer is None else f"{kg.label(answer.relation)} -> {', '.join(answer.texts[:2])}"
            row.append(f"{name}: {shown}")
            if name == "after":
                assert R + relation in candidates, question
                if held is not None:
                    assert hit if held else answer is None, question
        print(" | ".join(row))
    print(f"relation among the candidates: {found}; answered through it: {answered}")
