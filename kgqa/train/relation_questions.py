"""Relation-matcher pairs from question sets that give topic entities and gold answers, read on a graph.

Question sets of the ToG collection (ComplexWebQuestions, GrailQA, ... in ``kgqa/tog/`` of the data
directory) give each question its topic entities as Freebase ids and its gold answers as names, not
the relation asked about. :func:`tog_examples` recovers it from a graph, as the benchmark does
(:func:`kgqa.bench.tog_data.select_one_edge`): a question whose gold answers are one asserted edge from a
topic entity through exactly one property is paired with that property, its topic mention marked
("where did [Mara Holt] study?"); a question whose answers several properties reach is ambiguous and
skipped, never guessed. The property's texts are those of the graph pool (``--graphs``) that holds it,
so the labels of the user's graph are the targets, and the topic's other properties are the hard negatives.

Which questions are read: a question built from another data set's *test* question (ComplexWebQuestions
from WebQuestionsSP test, ``origin_split == "test"``) never is; one built from a training question adds
that simpler question as a second text, when it names the same topic. The ToG benchmark
(``kgqa bench tog``) leaves out the questions built from training questions, so nothing it measures is
trained on.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from kgqa.errors import InputError
from kgqa.train.relation_data import Example, Pool, find_mention

logger = logging.getLogger(__name__)

#: the example source of these pairs (``Example.source``)
SOURCE = "tog"


def open_graph(path: str | Path) -> Any:
    """The graph the questions are read on: a graph store folder (opened) or RDF files (comma-separated, loaded).

    Raises:
        GraphError: the store or a file is missing or unreadable.
    """
    from kgqa.graph import KnowledgeGraph

    first = Path(str(path).split(",")[0])
    if first.is_dir():
        return KnowledgeGraph.open(first)
    return KnowledgeGraph.load(str(path).split(","), reason=False)


def tog_examples(
    files: Sequence[str | Path],
    kg: Any,
    pools: dict[str, Pool],
    entity_iri: Callable[[str], str] | None = None,
) -> tuple[dict[str, Pool], list[Example]]:
    """(question, property) examples from ToG question files read on ``kg``, and their pools.

    Each example's pool, named ``"<pool> (ToG questions)"``, shares the properties and texts of the graph
    pool holding its property: ranked against the same ones, reported apart from the graph's template examples.

    Args:
        files: ToG JSON question files.
        kg: the graph holding the topic entities (:class:`kgqa.graph.KnowledgeGraph`).
        pools: the graph pools already built (``--graphs``); an example joins the pool holding its property.
        entity_iri: Freebase id -> the graph's IRI (default: how ``kgqa world build`` writes them).

    Raises:
        InputError: no file given, or no pool to rank the properties against.
    """
    from kgqa.bench.tog_data import read_tog, select_one_edge

    if not files:
        raise InputError("no ToG question file given; pass --tog FILE")
    if not pools:
        raise InputError("--tog needs --graphs naming the graph whose properties the questions ask about")
    if entity_iri is None:
        from kgqa.world.sources import fb_entity

        entity_iri = fb_entity
    owner = {rel: name for name, pool in reversed(list(pools.items())) for rel in pool.relations}
    added = {
        f"{name} (ToG questions)": Pool(f"{name} (ToG questions)", pool.relations, pool.names)
        for name, pool in pools.items()
    }
    out: list[Example] = []
    skipped: Counter[str] = Counter()
    for file in files:
        rows = read_tog(file)
        usable = [q for q in rows if q.origin_split != "test"]
        skipped["built from a test question"] += len(rows) - len(usable)
        selected, counts = select_one_edge(kg, usable, entity_iri)
        skipped["no one-edge answer"] += counts["rows"] - counts["one_edge"]
        seen: set[tuple[str, str]] = set()
        for item in selected:
            relations = sorted({r for r in item.relations if r in owner})
            if len(relations) != 1:
                skipped["no pooled property" if not relations else "several properties"] += 1
                continue
            relation, topic = relations[0], item.topics[0]
            names = [n for mid, n in item.question.topics.items() if entity_iri(mid) == topic]
            names += kg.labels(topic)
            others = sorted({p for p, _o, _fwd in kg.edges(topic, inferred=False) if p in owner and p != relation})
            texts = [item.question.question]
            if item.question.origin_question:
                texts.append(item.question.origin_question)
            for text in texts:
                marked = find_mention(" ".join(text.split()), names)
                if "[" not in marked or (marked.casefold(), relation) in seen:
                    skipped["topic not named" if "[" not in marked else "duplicate"] += 1
                    continue
                seen.add((marked.casefold(), relation))
                # held out for dev by topic only: answers are hubs (countries, languages) shared by many questions
                out.append(Example(marked, relation, f"{owner[relation]} (ToG questions)", [topic], others, SOURCE))
    logger.info("ToG questions: %d examples; skipped %s", len(out), dict(skipped))
    used = {e.pool for e in out}
    return {k: v for k, v in added.items() if k in used}, out


def place_tog_pairs(
    train: list[Example], dev: list[Example], held: set[str], repeat: int = 1, train_all: bool = False
) -> tuple[list[Example], list[Example]]:
    """The split's ToG pairs placed: each training pair drawn ``repeat`` times; with ``train_all`` the dev ones too.

    ``train_all`` is a final fit, after a run that held the ToG pairs out chose the recipe: the pairs of the
    dev split move to training (hard negatives naming a held-out property dropped, as the split drops them)
    and no ToG pool is left on dev. ``held`` is the split's held-out properties.

    Raises:
        InputError: ``repeat`` below 1.
    """
    if repeat < 1:
        raise InputError(f"--tog-repeat must be at least 1, got {repeat}")
    if train_all:
        moved = [replace(e, negatives=[n for n in e.negatives if n not in held]) for e in dev if e.source == SOURCE]
        train = train + moved
        dev = [e for e in dev if e.source != SOURCE]
    return train + [e for e in train if e.source == SOURCE] * (repeat - 1), dev


def card_text(args: dict[str, Any]) -> str:
    """The model card's sentence on these pairs, when the run had them."""
    if not args.get("tog"):
        return ""
    return (
        f"\n  Question pairs from ToG question files (source `{SOURCE}`): {', '.join(map(str, args['tog']))}, read on "
        f"{args.get('tog_graph')}: a question whose gold answers are one asserted edge from its topic entity through "
        "exactly one property of a --graphs pool is paired with that property (its topic mention marked; the topic's "
        "other properties are hard negatives); questions built from a WebQuestionsSP test question are never read, "
        "and `kgqa bench tog` never measures the ComplexWebQuestions questions built from training questions."
        + (
            " A final fit (--tog-train-all): the ToG pairs of the dev split were trained on too, so the dev numbers"
            " hold no ToG pool."
            if args.get("tog_train_all")
            else ""
        )
    )


__all__ = ["SOURCE", "card_text", "open_graph", "place_tog_pairs", "tog_examples"]
