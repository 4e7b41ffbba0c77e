"""Questions of the ToG collection (WebQuestions, ComplexWebQuestions, SimpleQuestions) and their one-edge subset on a graph.

The ToG release (``kgqa/tog/WebQuestions.json``, ``kgqa/tog/cwq.json`` and ``kgqa/tog/SimpleQA.json`` in the data directory)
gives each question its topic entities as Freebase ids (``{"m.0abc12": "<its name>"}``) and its gold
answers as names. :func:`select_one_edge` keeps the questions whose gold answer is one edge away
from a topic entity in a graph: some asserted fact ``(topic, r, a)`` or ``(a, r, topic)`` whose
``a`` has a name (label or alias) equal to a gold answer after SQuAD normalisation. The selection
reads only the graph and the gold answers, never the question's wording.

:func:`names_gold` scores an answer text against the gold names (hits@1).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgqa.errors import InputError
from kgqa.text import normalize_answer

#: dataset option -> its file in the data directory
DATASETS = {
    "webqsp": "kgqa/tog/WebQuestions.json",
    "cwq": "kgqa/tog/cwq.json",
    "simpleqa": "kgqa/tog/SimpleQA.json",
}
#: ComplexWebQuestions names the WebQuestionsSP question each of its questions was built from; the id's
#: prefix gives that question's split
ORIGIN_SPLITS = {"WebQTrn": "train", "WebQTest": "test"}
#: predicates of these vocabularies describe nodes (labels, types, mappings); they are not answer edges
SCHEMA_NAMESPACES = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2004/02/skos/core#",
)
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
# an answer naming several values: "A, B and C"
_LIST_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bor\b|/)\s*")


@dataclass(frozen=True)
class TogQuestion:
    """One question of a ToG data file.

    Attributes:
        id: the row's id (``ID`` in ComplexWebQuestions, else ``"<file stem>-<row>"``).
        question: the question text.
        answers: the gold answer names.
        topics: Freebase id (``m.0abc12``) -> the topic entity's name.
        origin_split: for a question built from another data set's question (ComplexWebQuestions from
            WebQuestionsSP), that question's split (``"train"`` or ``"test"``); ``None`` otherwise.
        origin_question: the text of that question, where the file gives it.
    """

    id: str
    question: str
    answers: tuple[str, ...]
    topics: dict[str, str] = field(default_factory=dict)
    origin_split: str | None = None
    origin_question: str | None = None


@dataclass(frozen=True)
class OneEdgeQuestion:
    """A question whose gold answer is one graph edge away from a topic entity.

    Attributes:
        question: the question.
        topics: the topic entities' IRIs from which an edge reaches a gold answer.
        relations: the predicates of those edges (the gold one-edge relations).
        answer_iris: the graph nodes the edges reach whose name is a gold answer.
        gold_names: the gold answers plus the preferred label of each of ``answer_iris``.
    """

    question: TogQuestion
    topics: tuple[str, ...]
    relations: tuple[str, ...]
    answer_iris: tuple[str, ...]
    gold_names: tuple[str, ...]


def _row(raw: Any, index: int, stem: str, path: Path) -> TogQuestion:
    if not isinstance(raw, dict):
        raise InputError(f"{path}: row {index} is a {type(raw).__name__}, not an object; pass a ToG question file")
    question = raw.get("question")
    if not isinstance(question, str) or not question.strip():
        raise InputError(f"{path}: row {index} has no 'question' text; pass a ToG question file")
    answers: Any = raw.get("answers", raw.get("answer"))
    if isinstance(answers, str):
        answers = [answers]
    if isinstance(answers, list):  # GrailQA: [{"answer_argument": id or value, "entity_name": name}, ...]
        answers = [_answer_name(a) for a in answers]
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise InputError(
            f"{path}: row {index} has no 'answers' list of names (nor an 'answer' string); pass a ToG question file"
        )
    topics = raw.get("topic_entity") or {}
    if not isinstance(topics, dict):
        raise InputError(f"{path}: row {index}: 'topic_entity' must map Freebase ids to names")
    row_id = raw.get("ID") or raw.get("id") or raw.get("qid") or f"{stem}-{index}"
    origin = str(raw.get("webqsp_ID") or "")
    origin_text = raw.get("webqsp_question")
    return TogQuestion(
        str(row_id),
        question.strip(),
        tuple(a for a in answers if a.strip()),
        dict(topics),
        ORIGIN_SPLITS.get(origin.split("-", 1)[0]),
        origin_text.strip() if isinstance(origin_text, str) and origin_text.strip() else None,
    )


def _answer_name(answer: Any) -> Any:
    """A GrailQA answer object's name (an entity's ``entity_name``, else the value); anything else as given."""
    if isinstance(answer, dict):
        name = answer.get("entity_name") or answer.get("answer_argument")
        return name if isinstance(name, str) else answer
    return answer


def read_tog(path: str | Path) -> list[TogQuestion]:
    """The questions of a ToG JSON file (a list of objects with ``question``, ``answers``/``answer``, ``topic_entity``).

    ``answer`` may also be GrailQA's list of answer objects (their ``entity_name``, else ``answer_argument``).

    Raises:
        InputError: the file is missing, not JSON, or a row lacks those fields.
    """
    p = Path(path)
    try:
        rows = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{p} does not exist; pass a ToG question file (kgqa/tog/*.json)") from exc
    except (OSError, ValueError) as exc:
        raise InputError(f"{p} is not a readable JSON file ({exc}); pass a ToG question file") from exc
    if not isinstance(rows, list):
        raise InputError(f"{p} holds a {type(rows).__name__}, not a list of questions; pass a ToG question file")
    return [_row(raw, i, p.stem, p) for i, raw in enumerate(rows)]


def _is_iri(value: str) -> bool:
    return bool(_IRI.match(value))


def _edge_predicate(predicate: str) -> bool:
    return not predicate.startswith(SCHEMA_NAMESPACES)


#: the properties whose values name a node (as :meth:`KnowledgeGraph.labels` reads them)
NAME_PROPERTIES = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
)


def named_nodes(kg: Any, names: Iterable[str]) -> dict[str, list[str]]:
    """Normalised name -> the IRIs of the nodes bearing it, for the ``names`` wanted only.

    One streamed pass over the graph's name facts (:meth:`KnowledgeGraph.scan`): far cheaper on a
    big graph than reading every neighbour of every topic entity and then its names.
    """
    wanted = {normalize_answer(n) for n in names} - {""}
    found: dict[str, dict[str, None]] = {}
    for prop in NAME_PROPERTIES:
        for s, _p, o in kg.scan(prop):
            key = normalize_answer(str(o))
            if key in wanted and _is_iri(str(s)):
                found.setdefault(key, {})[str(s)] = None
    return {k: list(v) for k, v in found.items()}


def _edges_between(kg: Any, a: str, b: str) -> list[str]:
    """Predicates of the asserted facts ``a p b`` and ``b p a`` that are not schema vocabulary."""
    facts = kg.facts(a, None, b, inferred=False) + kg.facts(b, None, a, inferred=False)
    return [t.predicate for t in facts if _edge_predicate(t.predicate)]


def one_edge(
    kg: Any, q: TogQuestion, entity_iri: Callable[[str], str], names: dict[str, list[str]] | None = None
) -> OneEdgeQuestion | None:
    """``q`` with its gold one-edge relations in ``kg`` (asserted facts only), or ``None`` when no edge fits.

    Args:
        kg: the graph (a :class:`kgqa.graph.KnowledgeGraph`).
        q: the question.
        entity_iri: maps a Freebase id (``m.0abc12``) to the graph's IRI for it.
        names: :func:`named_nodes` of (at least) ``q``'s answers; computed when not given.
    """
    gold = {normalize_answer(a) for a in q.answers} - {""}
    if not gold:
        return None
    names = named_nodes(kg, gold) if names is None else names
    candidates = dict.fromkeys(node for g in sorted(gold) for node in names.get(g, ()))
    topics: dict[str, None] = {}
    relations: dict[str, None] = {}
    answers: dict[str, None] = {}
    for mid in q.topics:
        topic = entity_iri(mid)
        for node in candidates:
            if node == topic:
                continue
            found = _edges_between(kg, topic, node)
            if found:
                topics[topic] = None
                relations.update(dict.fromkeys(found))
                answers[node] = None
    if not topics:
        return None
    # the preferred label, not every alias: aliases hold codes ("BE") that a wrong span may happen to be
    all_names: dict[str, None] = dict.fromkeys(q.answers)
    all_names.update(dict.fromkeys(kg.label(node) for node in answers))
    return OneEdgeQuestion(q, tuple(topics), tuple(relations), tuple(answers), tuple(all_names))


def select_one_edge(
    kg: Any, questions: Iterable[TogQuestion], entity_iri: Callable[[str], str]
) -> tuple[list[OneEdgeQuestion], dict[str, int]]:
    """The questions of ``questions`` whose gold answer is one edge from a topic entity, and the counts.

    Returns:
        ``(selected, counts)``; counts: ``rows`` (questions read), ``with_topic`` (a topic entity
        is a node of the graph), ``one_edge`` (selected).
    """
    questions = list(questions)
    names = named_nodes(kg, (a for q in questions for a in q.answers))
    selected: list[OneEdgeQuestion] = []
    with_topic = 0
    for q in questions:
        if any(entity_iri(mid) in kg for mid in q.topics):
            with_topic += 1
            found = one_edge(kg, q, entity_iri, names)
            if found is not None:
                selected.append(found)
    return selected, {"rows": len(questions), "with_topic": with_topic, "one_edge": len(selected)}


def names_gold(answer: str | None, gold_names: Sequence[str], first_only: bool = False) -> bool:
    """Whether ``answer`` names a gold answer: it, or one item of a list it gives ("A; B and C"), equals a gold name.

    Both sides are compared after SQuAD normalisation (case, punctuation, articles); a longer
    span that merely contains a gold name does not count. ``first_only``: only the whole answer
    or the list's first item count.

    Example:
        >>> names_gold("Alpha Beta and Gamma Delta", ["alpha beta"])
        True
        >>> names_gold("the alpha beta of gamma", ["Alpha Beta"])
        False
    """
    if not answer:
        return False
    gold = {normalize_answer(g) for g in gold_names} - {""}
    if normalize_answer(answer) in gold:
        return True
    items = [part for part in _LIST_SPLIT.split(answer) if part.strip()]
    return any(normalize_answer(part) in gold for part in items[: 1 if first_only else None])


def contains_gold(answer: str | None, gold_names: Sequence[str]) -> bool:
    """Whether ``answer`` contains a gold name as whole words (a lenient companion of :func:`names_gold`)."""
    if not answer:
        return False
    text = f" {normalize_answer(answer)} "
    return any(f" {g} " in text for g in (normalize_answer(n) for n in gold_names) if g)
