"""A pipeline over the user's own long passages, split at sentence boundaries before indexing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pipeline.conftest import _models_present

FILLER = (
    "The town of Varnholm lies on a cold northern fjord. Its harbour freezes for three months each winter. "
    "Fishing boats wait in the sheds until the ice breaks in spring. The market square hosts a fair every June. "
    "Visitors come from the inland valleys to buy dried fish and wool. "
)
FACT = "The lighthouse of Varnholm was designed by the engineer Astrid Kolbeinsen in 1871."


@pytest.mark.skipif(not _models_present(), reason="the shipped models are missing; run `kgqa train` (see README)")
def test_long_passage_is_split_and_the_answer_cites_its_piece(tmp_path: Path) -> None:
    from kgqa.pipeline import Pipeline

    f = tmp_path / "docs.jsonl"
    f.write_text(json.dumps({"id": "varnholm", "title": "Varnholm", "text": FILLER + FILLER + FACT}) + "\n")
    pipe = Pipeline.load(None, passages=[str(f)], max_passage_words=40)
    ids = pipe.index.store.ids
    assert len(ids) > 1 and all(i.startswith("varnholm#") for i in ids)
    assert all(len(pipe.index.store[i].text.split()) <= 40 for i in range(len(ids)))
    ans = pipe.ask("Who designed the lighthouse of Varnholm?")
    # unsplit, the fact lies past the NLI check's 128 tokens and the passage reads as a contradiction
    assert "Astrid Kolbeinsen" in ans.answer and ans.verdict == "answered"
    cited = [e.passage_id for e in ans.evidence if e.kind == "passage" and e.stance == "supports"]
    assert cited and all(FACT in pipe.index.store.get(c).text for c in cited)
    claim = pipe.check("Astrid Kolbeinsen designed the lighthouse of Varnholm.")
    assert claim.status == "supported"
