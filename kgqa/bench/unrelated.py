"""Unrelated sentence pairs from SQuAD paragraphs: how often does the NLI model call them contradictions?

kgqa checks statements against retrieved passages, and most retrieved passages are about
something else: a passage that says nothing about a statement should be *neutral* to it (the
MultiNLI and SICK convention). SNLI's convention differs (two captions of one photo that do not
fit are a contradiction), and a model that learned it calls unrelated text a contradiction, which
turns into false refutations. :func:`unrelated_pairs` builds such pairs: the premise is one or two
sentences of one SQuAD paragraph, the hypothesis a sentence of another paragraph, either of
another article (``pairing="cross_article"``) or of the same article (``"same_article"``, the
harder case: the same topic, another fact). Gold is ``neutral``; a paragraph may now and then
restate another's fact, so the measured neutral rate is a lower bound on the true one.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

from kgqa.errors import InputError

#: the SQuAD file the pairs are drawn from, inside the data directory
DEFAULT_SQUAD = "squad/dev-v1.1.json"
PAIRINGS = ("cross_article", "same_article")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph) if 8 <= len(s.split()) <= 30]


def unrelated_pairs(squad_file: Path, n: int = 1000, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` rows (half of each pairing) of ``premise``, ``hypothesis``, ``label="neutral"``, ``pairing``.

    Raises:
        InputError: if the file holds fewer than two articles with usable sentences.
    """
    from kgqa.train.data import read_squad

    by_title: dict[str, list[str]] = {}
    for ex in read_squad(squad_file):
        paragraphs = by_title.setdefault(ex.title, [])
        if ex.context not in paragraphs and _sentences(ex.context):
            paragraphs.append(ex.context)
    titles = sorted(t for t, ps in by_title.items() if len(ps) >= 2)
    if len(titles) < 2:
        raise InputError(f"{squad_file}: needs at least two articles of two or more paragraphs to pair")
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for k in range(n):
        pairing = PAIRINGS[k % 2]
        a = rng.choice(titles)
        b = a if pairing == "same_article" else rng.choice([t for t in titles if t != a])
        pa, pb = rng.sample(by_title[a], 2) if a == b else (rng.choice(by_title[a]), rng.choice(by_title[b]))
        sa = _sentences(pa)
        i = rng.randrange(len(sa))
        rows.append(
            {
                "id": f"unrelated-{k}",
                "premise": " ".join(sa[i : i + 2]),
                "hypothesis": rng.choice(_sentences(pb)),
                "label": "neutral",
                "pairing": pairing,
            }
        )
    return rows
