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

from pathlib import Path
from typing import Any

#: the SQuAD file the pairs are drawn from, inside the data directory
DEFAULT_SQUAD = "squad/dev-v1.1.json"


def unrelated_pairs(squad_file: Path, n: int = 1000, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` rows (half of each pairing) of ``premise``, ``hypothesis``, ``label="neutral"``, ``pairing``
    (:func:`kgqa.train.data.unrelated_sentence_pairs`; training draws its pairs from SQuAD train instead).

    Raises:
        InputError: if the file holds fewer than two articles with usable sentences.
    """
    from kgqa.errors import InputError
    from kgqa.train.data import read_squad, unrelated_sentence_pairs

    try:
        triples = unrelated_sentence_pairs(read_squad(squad_file), n, seed)
    except InputError as exc:
        raise InputError(f"{squad_file}: {exc}") from exc
    return [
        {"id": f"unrelated-{k}", "premise": p, "hypothesis": h, "label": "neutral", "pairing": pairing}
        for k, (p, h, pairing) in enumerate(triples)
    ]
