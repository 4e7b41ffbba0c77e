"""Relation-path answering: from a linked entity, walk paths of 1 to 3 relations and read the answer off the best one.

"Where was the author of Hamlet born?" needs two relations: from Hamlet its author, then the author's birth
place. A path is a sequence of steps, each a property walked forward (subject to object) or backward (object
to subject); its text is the properties' names joined by :data:`STEP_SEPARATOR` ("author ; birth place"). The
learned relation model (:class:`~kgqa.graph.relation_model.RelationModel`) scores the question, its entity
mention marked, against each path's text by cosine, exactly as it scores a single relation.

The search is a beam search over the graph, bounded by budgets (:class:`kgqa.budget.Budget`):

* every 1-hop path from the entity is read and scored; only the :data:`BEAM` best paths of each length are
  extended by one more step, up to ``max_hops``;
* a path reaching more than ``frontier_limit`` nodes is not extended (a hub: a language, a year, a genre);
* ``path_nodes`` bounds the nodes whose edges are read, ``relation_paths`` the distinct paths scored,
  ``path_texts`` the path texts embedded anew (the cost on a graph of many relations), ``path_edges``
  the facts read (a hub has thousands); a budget
  that cut the search is recorded in the result (``{"budget": NAME, "limit": N, "used": M}``).

The entity itself is never an answer of its own path ("who co-starred with X" does not answer X). A longer
path must beat a shorter one by ``hop_margin`` per extra step (:data:`HOP_MARGIN`, chosen on a dev split of
the relation model's training questions, see ``data/models/relations/README.md``). The end values are ranked
by how many walks reach them, then by label.

Example:
    >>> found = search_paths(kg, model, mentions, "Where was the author of Hamlet born?")   # doctest: +SKIP
    >>> found.best.text, found.best.answers(kg)[:1]                                          # doctest: +SKIP
    ('author ; birth place', ['Stratford-upon-Avon'])
"""

from __future__ import annotations

import logging
import re
import weakref
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from kgqa.budget import Budget, cuts
from kgqa.errors import InputError
from kgqa.graph.answer_type import MAX_TYPED_ENDS, type_fit
from kgqa.graph.relation_text import relation_texts

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import Mention
    from kgqa.graph.relation_model import RelationModel
    from kgqa.types import Triple

logger = logging.getLogger(__name__)

#: joins the step texts of a path; the relation model was trained on path texts in this form
STEP_SEPARATOR = " ; "
#: put before a backward step's text in a path of several steps, for a relation model trained with directed
#: path texts (``path_directions`` in its metadata): "written by ; inverse written by ; directed by"
INVERSE_PREFIX = "inverse "
#: longest path searched
MAX_HOPS = 3
#: paths of each length extended by one more step
BEAM = 8
#: a path reaching more nodes than this is not extended (hubs)
FRONTIER_LIMIT = 1500
#: texts of paths of several steps that may be scored per question, embedded already or not (a new one costs
#: about 5 ms on one CPU thread); one-step texts are always scored (embedded at warm-up: :func:`encode_step_texts`)
TEXT_BUDGET = 48
#: facts read per question (a hub has thousands)
EDGE_BUDGET = 20_000
#: nodes whose edges may be read per question
NODE_BUDGET = 2000
#: facts of the edge budget kept for each later start while a start's own facts are read (:func:`read_starts`)
START_RESERVE = 1000
#: distinct relation paths that may be scored per question
PATH_BUDGET = 1500
#: cosine a longer path must gain per extra step over a shorter one (chosen on a dev split, see the module docstring)
HOP_MARGIN = 0.04
#: linked mentions, and candidate entities per mention, searched from
MAX_MENTIONS = 3
MAX_CANDIDATES = 3
#: how many of the runner-up paths the result keeps for the trace
RUNNERS_UP = 4
#: the best paths whose end values' types are read when the question asks for a class (kgqa.graph.answer_type)
TYPED_PATHS = 24

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
_YEAR = re.compile(r"\b\d{3,4}\b")


@dataclass(frozen=True)
class Step:
    """One step of a path: a property walked forward (subject to object) or backward (object to subject)."""

    prop: str
    forward: bool = True

    def to_dict(self) -> dict[str, Any]:
        """``{"property": IRI, "direction": "forward" | "backward"}``."""
        return {"property": self.prop, "direction": "forward" if self.forward else "backward"}


@dataclass
class RelationPath:
    """A scored path from one entity.

    Attributes:
        entity: the start node.
        mention: the question's text of the entity.
        steps: the steps walked.
        text: the path text the model scored.
        score: the model's cosine between the marked question and ``text``.
        adjusted: ``score`` minus the hop margin for each step after the first (paths are ranked by it).
        ends: the end nodes with how many walks reach them (the entity left out).
    """

    entity: str
    mention: str
    steps: tuple[Step, ...]
    text: str
    score: float
    adjusted: float
    ends: Counter[str] = field(default_factory=Counter)

    def answers(self, kg: KnowledgeGraph) -> list[str]:
        """The end nodes, most walks first, then by label."""
        return sorted(self.ends, key=lambda n: (-self.ends[n], label_of(kg, n), n))

    def to_dict(self, kg: KnowledgeGraph | None = None) -> dict[str, Any]:
        """A JSON-ready record for the trace (with the entity's label and the first answers when ``kg`` is given)."""
        d: dict[str, Any] = {
            "entity": self.entity,
            "mention": self.mention,
            "path": [s.to_dict() for s in self.steps],
            "text": self.text,
            "hops": len(self.steps),
            "score": round(self.score, 4),
            "adjusted": round(self.adjusted, 4),
            "n_answers": len(self.ends),
        }
        if kg is not None:
            d["entity_label"] = kg.label(self.entity)
            d["answers"] = [label_of(kg, n) for n in self.answers(kg)[:5]]
        return d


@dataclass
class PathSearch:
    """The outcome of :func:`search_paths`: the best path, the runner-ups and the budgets that cut the search."""

    best: RelationPath
    runners_up: list[RelationPath]
    budgets: list[dict[str, Any]]
    threshold: float
    hop_margin: float
    #: the answer type asked for and the paths set aside for ending at other types (:mod:`kgqa.graph.answer_type`)
    answer_type: dict[str, Any] | None = None
    #: the narrowing of the best path's answers by the question's other entities (:mod:`kgqa.graph.constraints`)
    constraints: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self, kg: KnowledgeGraph | None = None) -> dict[str, Any]:
        """The trace record: chosen path, score, runner-ups, the margin and threshold used, budget cuts."""
        out = {
            "chosen": self.best.to_dict(kg),
            "runners_up": [p.to_dict(kg) for p in self.runners_up],
            "hop_margin": self.hop_margin,
            "threshold": self.threshold,
            "budgets": self.budgets,
        }
        if self.answer_type is not None:
            out["answer_type"] = self.answer_type
        if self.constraints:
            out["constraints"] = self.constraints
        return out


def is_literal(node: str) -> bool:
    """Whether a node string is a literal's value rather than an IRI (or blank node)."""
    return not (_SCHEME.match(node) or node.startswith("_:"))


def label_of(kg: KnowledgeGraph, node: str) -> str:
    """How a node reads: its label, or a literal's value."""
    return node if is_literal(node) else kg.label(node)


def path_text(step_texts: Sequence[str], forward: Sequence[bool] | None = None) -> str:
    """``["author", "birth place"]`` -> ``"author ; birth place"``: the text a path is scored by.

    With ``forward`` (each step's direction) a path of several steps marks its backward steps with
    :data:`INVERSE_PREFIX`: "the films written by X's writer" walks ``written by`` forward and back, "the films
    X's writer directed" walks ``written by`` forward and ``directed by`` back, and without the mark both
    read "written by ; directed by" although one ends at films and one at people. A single step keeps its plain
    text: its direction is fixed by which side of the relation the entity is on.
    """
    if forward is not None and len(forward) != len(step_texts):
        raise InputError(f"path_text got {len(step_texts)} step texts but {len(forward)} directions")
    texts = [t.strip() for t in step_texts]
    if forward is not None and len(texts) > 1:
        texts = [t if f else INVERSE_PREFIX + t for t, f in zip(texts, forward, strict=True)]
    return STEP_SEPARATOR.join(texts)


def steps_text(props: dict[str, str], steps: Sequence[Step], directed: bool) -> str:
    """The text of a path of ``steps`` from the step texts ``props`` (:func:`step_texts`), directed or not."""
    return path_text([props[s.prop] for s in steps], [s.forward for s in steps] if directed else None)


_TEXTS: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()
_VECTORS: weakref.WeakKeyDictionary[Any, dict[str, np.ndarray]] = weakref.WeakKeyDictionary()


def step_texts(kg: KnowledgeGraph) -> dict[str, str]:
    """Each relation property's path-step text (its preferred name, else the IRI phrase), cached per graph."""
    cached = _TEXTS.get(kg)
    if cached is None:
        cached = {}
        for prop, text in relation_texts(kg).items():
            names = text.name_texts or text.texts
            if names:
                cached[prop] = names[0]
        _TEXTS[kg] = cached
    return cached


def _encode(model: RelationModel, texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Embeddings of ``texts`` (cached per model: path texts repeat across questions)."""
    cache = _VECTORS.setdefault(model, {})
    todo = [t for t in dict.fromkeys(texts) if t not in cache]
    if todo:
        if len(cache) > 200_000:
            cache.clear()
        cache.update(zip(todo, model.encode(todo), strict=True))
    return {t: cache[t] for t in texts if t in cache}


def encode_step_texts(kg: KnowledgeGraph, model: RelationModel) -> int:
    """Embed every one-step path text of ``kg`` now (a search scores them all, whatever its text budget);
    returns how many."""
    texts = sorted(set(step_texts(kg).values()))
    _encode(model, texts)
    return len(texts)


def _edges(
    kg: KnowledgeGraph, node: str, props: dict[str, str], seen: dict[str, list[tuple[Step, str, Triple]]]
) -> list[tuple[Step, str, Triple]]:
    """``(step, neighbour, fact)`` of a node over the relation properties, both directions (cached per search)."""
    got = seen.get(node)
    if got is None:
        got = [(Step(t.predicate, True), t.object, t) for t in kg.facts(node, None, None) if t.predicate in props]
        got += [(Step(t.predicate, False), t.subject, t) for t in kg.facts(None, None, node) if t.predicate in props]
        seen[node] = got
    return got


def _steps(
    kg: KnowledgeGraph,
    node: str,
    props: dict[str, str],
    seen: dict[str, list[tuple[Step, str]]],
    edges: Budget | None = None,
    cap: int | None = None,
) -> list[tuple[Step, str]]:
    """``(step, neighbour)`` of a node over the relation properties, both directions, without building facts.

    With an ``edges`` budget, the node's facts are read only as far as it has units left (a hub's
    thousands of facts are what a walk on a large graph spends its time reading); ``cap`` bounds them
    further (what this node may spend of the budget).
    """
    got = seen.get(node)
    if got is None:
        allowed = None if edges is None else edges.left if cap is None else min(edges.left, cap)
        limit = None if allowed is None else allowed + 1
        read = kg.edges(node, limit=limit)
        if edges is not None and allowed is not None and len(read) > allowed:
            edges.take(allowed)
            edges.exhausted = True
            read = read[:allowed]
        elif edges is not None:
            edges.take(len(read))
        got = seen[node] = [(Step(p, forward), other) for p, other, forward in read if p in props]
    return got


def read_starts(
    kg: KnowledgeGraph,
    starts: Sequence[str],
    seen: dict[str, list[tuple[Step, str]]],
    nodes: Budget,
    edges: Budget,
    reserve: int = START_RESERVE,
) -> None:
    """Read the facts of every start node into ``seen`` before any walk goes a step further.

    The path search shares its budgets between its starts (each candidate entity of each mention). Walked one
    after the other, the first start's longer paths could spend the whole edge budget before a later
    candidate's own facts were read, so that the right entity's one-step paths were never scored ("the brothers
    of JFK": the film "JFK" walked two steps deep, the person was left unread). Here each start reads its own
    facts first, in rank order, leaving ``reserve`` facts of the edge budget for each start after it (or, where
    the budget cannot hold that, an equal share of what is left).
    """
    props = step_texts(kg)
    todo = [s for s in dict.fromkeys(starts) if s not in seen and not is_literal(s)]  # a node two mentions share: once
    for i, start in enumerate(todo):
        if not nodes.take():
            break
        later = len(todo) - i - 1
        cap = max(edges.left - reserve * later, edges.left // (later + 1))
        _steps(kg, start, props, seen, edges, cap=cap)


def _fits(kg: KnowledgeGraph, ends: Counter[str], wh: str | None) -> bool:
    """Whether end values can answer the question word: ``when`` wants dates or years, ``who``/``where`` things."""
    if not ends:
        return False
    if wh == "when":
        return any(_YEAR.search(label_of(kg, n)) for n in list(ends)[:20])
    if wh in ("who", "whom", "where"):
        return any(not is_literal(n) for n in ends)
    return True


def walk_paths(
    kg: KnowledgeGraph,
    start: str,
    score: Any,
    max_hops: int = MAX_HOPS,
    beam: int = BEAM,
    frontier_limit: int = FRONTIER_LIMIT,
    nodes: Budget | None = None,
    paths: Budget | None = None,
    edges: Budget | None = None,
    seen: dict[str, list[tuple[Step, str]]] | None = None,
) -> dict[tuple[Step, ...], Counter[str]]:
    """Every path of 1 to ``max_hops`` steps from ``start`` that the beam keeps, with its end nodes.

    Args:
        kg: the graph.
        start: the start node.
        score: called with a list of paths (step tuples), returns their scores (a list of floats); the
            ``beam`` best of each length are extended.
        max_hops: the longest path.
        beam: paths of each length extended by one step.
        frontier_limit: a path reaching more nodes is not extended.
        nodes: the budget of nodes whose edges are read (``None``: :data:`NODE_BUDGET`).
        paths: the budget of distinct paths (``None``: :data:`PATH_BUDGET`).
        edges: the budget of facts read (``None``: unbounded).
        seen: the nodes whose facts were read already (shared by the starts of one search, see
            :func:`read_starts`); a node read there costs no budget again.

    Returns:
        ``path -> Counter(end node -> number of walks)``; the start node is never an end node.
    """
    if not 1 <= max_hops <= 5:
        raise InputError(f"max_hops must be between 1 and 5, got {max_hops}")
    props = step_texts(kg)
    nodes = nodes or Budget("path_nodes", NODE_BUDGET)
    paths = paths or Budget("relation_paths", PATH_BUDGET)
    seen = {} if seen is None else seen
    found: dict[tuple[Step, ...], Counter[str]] = {}
    frontier: dict[tuple[Step, ...], Counter[str]] = {(): Counter({start: 1})}
    for hop in range(max_hops):
        grown: dict[tuple[Step, ...], Counter[str]] = {}
        for prefix, reached in frontier.items():
            if len(reached) > frontier_limit:
                continue
            for node, count in reached.items():
                if is_literal(node):
                    continue
                if node not in seen and not nodes.take():
                    break
                for step, other in _steps(kg, node, props, seen, edges):
                    if other == start:
                        continue
                    key = (*prefix, step)
                    bucket = grown.get(key)
                    if bucket is None:
                        if not paths.take():
                            continue
                        bucket = grown[key] = Counter()
                    bucket[other] += count
        if not grown:
            break
        found.update(grown)
        if hop + 1 < max_hops:
            keys = list(grown)
            scores = score(keys)
            order = sorted((i for i in range(len(keys)) if scores[i] > float("-inf")), key=lambda i: -scores[i])[:beam]
            frontier = {keys[i]: grown[keys[i]] for i in order}
    return found


_CHOICE = re.compile(r"\bor\b", re.IGNORECASE)


def named_in(text: str, mentions: Sequence[Mention]) -> set[str]:
    """The entities ``text`` names (each mention's linked node), which its answer is not; empty for a choice.

    A question offering alternatives ("Which is older, X or Y?") is answered by one of the entities it
    names, so nothing is left out there.
    """
    if _CHOICE.search(text):
        return set()
    return {m.iri for m in mentions if m.iri}


def search_paths(
    kg: KnowledgeGraph,
    model: RelationModel,
    mentions: Sequence[Mention],
    text: str,
    wh: str | None = None,
    max_hops: int = MAX_HOPS,
    hop_margin: float = HOP_MARGIN,
    beam: int = BEAM,
    frontier_limit: int = FRONTIER_LIMIT,
    node_budget: int = NODE_BUDGET,
    path_budget: int = PATH_BUDGET,
    text_budget: int = TEXT_BUDGET,
    edge_budget: int = EDGE_BUDGET,
    answer_classes: Sequence[str] = (),
) -> PathSearch | None:
    """The best relation path for a question from its linked entities, or ``None`` when no path is found.

    Each of the first :data:`MAX_MENTIONS` mentions (longest first) and each of its first
    :data:`MAX_CANDIDATES` candidate entities is a start; the question with that mention marked is scored
    against every path text. Paths whose end values cannot answer ``wh`` are dropped; the best adjusted score
    wins, ties going to the better-linked candidate and then to the shorter path. The budgets are shared by
    all starts. A wh-question does not ask for what it names: the entities the question's mentions link to
    are no end values (:func:`named_in`; "What was the weather in Prague the day X died?" is not answered
    "Prague" by X's place of death), except in a question offering a choice ("..., X or Y?").

    Args:
        kg: the graph.
        model: the relation model.
        mentions: the question's linked mentions (offsets into ``text``).
        text: the question.
        wh: its question word (``None``: any end value).
        max_hops: the longest path.
        hop_margin: cosine subtracted per step after the first.
        beam: paths of each length extended.
        frontier_limit: a path reaching more nodes is not extended.
        node_budget: nodes whose edges may be read.
        path_budget: distinct paths that may be scored.
        text_budget: texts of paths of several steps that may be scored, embedded already or not, so
            that the paths scored depend on the question alone and not on what was asked before; a path
            whose text is left out is not scored (the cut is recorded like the others). One-step texts
            are always scored.
        edge_budget: facts that may be read.
        answer_classes: the classes the question asks for (:func:`kgqa.graph.answer_type.asked_classes`); when a
            path reaches a value of one, the paths whose typed end values have other types only are set aside.
    """
    from kgqa.graph.relation_model import mark_mention

    if not isinstance(text, str) or not text.strip():
        raise InputError("search_paths needs the question text")
    nodes, paths = Budget("path_nodes", node_budget), Budget("relation_paths", path_budget)
    encoded, read = Budget("path_texts", text_budget), Budget("path_edges", edge_budget)
    props = step_texts(kg)
    directed = bool(getattr(model, "path_directions", False))
    scored: list[tuple[float, int, int, RelationPath]] = []
    admitted: set[str] = set()  # the path texts this search scores: every one-step text, longer ones within budget
    ordered = sorted(mentions, key=lambda m: (-(m.end - m.start), m.start))[:MAX_MENTIONS]
    named = named_in(text, mentions)
    plan = [
        (m_rank, m, at, list(dict.fromkeys([c.iri for c in m.candidates[:MAX_CANDIDATES]] or [m.iri])))
        for m_rank, m in enumerate(ordered)
        if (at := _span(text, m)) is not None
    ]
    seen: dict[str, list[tuple[Step, str]]] = {}
    read_starts(kg, [s for *_, starts in plan for s in starts], seen, nodes, read)
    for m_rank, m, at, starts in plan:
        query = model.encode([mark_mention(text, *at)])[0]

        def score(keys: list[tuple[Step, ...]], query: np.ndarray = query) -> list[float]:
            texts = [steps_text(props, k, directed) for k in keys]
            for k, t in zip(keys, texts, strict=True):
                if t not in admitted and (len(k) == 1 or encoded.take()):
                    admitted.add(t)
            vectors = _encode(model, [t for t in texts if t in admitted])
            return [
                float(vectors[t] @ query) - hop_margin * (len(k) - 1) if t in vectors else float("-inf")
                for t, k in zip(texts, keys, strict=True)
            ]

        for c_rank, start in enumerate(starts):
            found = walk_paths(kg, start, score, max_hops, beam, frontier_limit, nodes, paths, read, seen)
            if named:
                found = {k: Counter({n: c for n, c in ends.items() if n not in named}) for k, ends in found.items()}
            keys = [k for k, ends in found.items() if _fits(kg, ends, wh)]
            if not keys:
                continue
            adjusted = score(keys)
            for key, adj in zip(keys, adjusted, strict=True):
                if adj == float("-inf"):
                    continue
                raw = adj + hop_margin * (len(key) - 1)
                text_k = steps_text(props, key, directed)
                rp = RelationPath(start, m.text, key, text_k, raw, adj, found[key])
                scored.append((adj, m_rank * MAX_CANDIDATES + c_rank, len(key), rp))
    if not scored:
        return None
    # scores equal to 1e-6 are ties (a repeated step can add float noise): the better-linked start, then fewer steps
    scored.sort(key=lambda x: (-round(x[0], 6), x[1], x[2], x[3].text))
    answer_type = None
    if answer_classes:  # the best TYPED_PATHS paths' end types, read only where a path reaches the asked type
        top = scored[:TYPED_PATHS]
        fits = [type_fit(kg, [n for n, _ in rp.ends.most_common(MAX_TYPED_ENDS)], answer_classes) for *_, rp in top]
        if any(f is True for f in fits):
            kept = [x for x, f in zip(top, fits, strict=True) if f is not False]
            answer_type = {"classes": list(answer_classes), "set_aside": len(top) - len(kept)}
            scored = kept + scored[TYPED_PATHS:]
    best = scored[0][3]
    runners: list[RelationPath] = []
    for _adj, _r, _n, rp in scored[1:]:
        if len(runners) >= RUNNERS_UP:
            break
        if (rp.entity, rp.steps) != (best.entity, best.steps):
            runners.append(rp)
    # one step is one relation: the model's threshold chosen on one-relation questions; a longer path, the one
    # chosen over every dev example, path pairs included
    threshold = float(model.threshold if len(best.steps) == 1 else getattr(model, "path_threshold", model.threshold))
    return PathSearch(best, runners, cuts([nodes, paths, encoded, read]), threshold, hop_margin, answer_type)


def path_facts(kg: KnowledgeGraph, start: str, steps: Sequence[Step], limit: int = 20) -> list[Triple]:
    """The facts along a path from ``start`` that lead to its end values (at most ``limit``, the walk's order)."""
    props = step_texts(kg)
    seen: dict[str, list[tuple[Step, str, Triple]]] = {}
    layer: dict[str, list[Triple]] = {start: []}
    for step in steps:
        nxt: dict[str, list[Triple]] = {}
        for node, chain in layer.items():
            if is_literal(node):
                continue
            for s, other, fact in _edges(kg, node, props, seen):
                if s == step and other != start and other not in nxt:
                    nxt[other] = [*chain, fact]
            if len(nxt) > limit:
                break
        layer = nxt
    out: dict[tuple[str, str, str], Triple] = {}
    for chain in layer.values():
        for fact in chain:
            out.setdefault((fact.subject, fact.predicate, fact.object), fact)
            if len(out) >= limit:
                return list(out.values())
    return list(out.values())


def _span(text: str, m: Mention) -> tuple[int, int] | None:
    """Where mention ``m`` is in ``text``: its own offsets when they fit, else its first occurrence."""
    if 0 <= m.start < m.end <= len(text) and text[m.start : m.end] == m.text:
        return m.start, m.end
    at = text.lower().find(m.text.lower()) if m.text else -1
    return (at, at + len(m.text)) if at >= 0 else None


__all__ = [
    "named_in",
    "BEAM",
    "FRONTIER_LIMIT",
    "HOP_MARGIN",
    "INVERSE_PREFIX",
    "MAX_HOPS",
    "NODE_BUDGET",
    "PATH_BUDGET",
    "STEP_SEPARATOR",
    "TYPED_PATHS",
    "PathSearch",
    "RelationPath",
    "Step",
    "is_literal",
    "label_of",
    "path_facts",
    "path_text",
    "search_paths",
    "step_texts",
    "steps_text",
    "walk_paths",
]
