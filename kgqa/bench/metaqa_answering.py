"""Answering MetaQA questions over kgqa's graph module, and scoring the answers (hits@1).

A question is answered by :class:`MetaQAAnswerer`: the bracketed entity is linked by exact
(normalised) label lookup; relation mentions are found by running the graph's
:class:`RelationMatcher` over the question's n-grams; then every relation path of the
file's length (1, 2 or 3 hops, from the ``N-hop`` folder name) that leaves the topic
entity in the graph is scored against those mentions (see :func:`score_path`), and the
best path's end nodes, minus the topic entity, are the answers. :func:`evaluate` scores
a question file.

Example:
    >>> kg = load_kb_graph(Path("metaqa"))                       # doctest: +SKIP
    >>> MetaQAAnswerer(kg).answer(parse_question_line("who directed [Kismet]\\tWilliam Dieterle"), 1)  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgqa.bench.metaqa_kb import ENTITY_NS, INVERSE_SUFFIX, RDFS_LABEL, RELATION_NS, MetaQAQuestion
from kgqa.errors import InputError

WH_WORDS = frozenset({"who", "whom", "whose", "what", "which", "when", "where", "how"})
#: frontier size above which a path is not expanded further (hub nodes such as a language)
MAX_FRONTIER = 5000


@dataclass
class Prediction:
    """The answer to one question: ranked answer labels, the relation path used and its score."""

    answers: list[str]
    path: tuple[str, ...] = ()
    score: float = 0.0
    linked: bool = False


def base_relation(prop: str) -> str:
    """The relation slug of a property IRI, inverse or not."""
    local = prop.rsplit("/", 1)[-1]
    return local[: -len(INVERSE_SUFFIX)] if local.endswith(INVERSE_SUFFIX) else local


def score_path(path: Sequence[str], mentions: dict[str, int], nearest_to_wh: str | None) -> float:
    """How well a relation path fits the question (higher is better).

    ``mentions`` maps each relation (slug) named in the question to how many times it is
    named; ``nearest_to_wh`` is the relation named closest to the question word, which
    names the answer's relation (the last hop). The score

    * rewards every distinct named relation the path covers (a relation followed by its
      inverse, "films that share the director of X", covers one),
    * penalises hops over relations the question does not name, named relations the
      path misses, a relation used in two separate stretches of the path, and (slightly)
      a relation walked more or fewer times than it is named, and a return to a person's
      peers (inverse, then forward) anywhere but at the start,
    * adds a bonus when the last hop is the relation next to the question word.
    """
    bases = [base_relation(p) for p in path]
    covered = {b for b in bases if b in mentions}
    unnamed = sum(1 for b in bases if b not in mentions)
    missed = sum(1 for b in mentions if b not in covered)
    stretches = [b for i, b in enumerate(bases) if i == 0 or bases[i - 1] != b]
    split = len(stretches) - len(set(stretches))
    count_gap = sum(abs(bases.count(b) - mentions[b]) for b in covered)
    # inverse-then-forward ("the co-stars of") away from the topic entity goes back to a person's peers:
    # MetaQA's chains only do that at the start
    detour = sum(
        1
        for i in range(1, len(path) - 1)
        if path[i].endswith(INVERSE_SUFFIX) and bases[i + 1] == bases[i] and not path[i + 1].endswith(INVERSE_SUFFIX)
    )
    bonus = 1.0 if bases and nearest_to_wh is not None and bases[-1] == nearest_to_wh else 0.0
    return 2.0 * len(covered) - 1.5 * unnamed - 0.5 * missed - 1.0 * split - 0.25 * count_gap - 0.5 * detour + bonus


class MetaQAAnswerer:
    """Answer MetaQA questions over a :class:`KnowledgeGraph` built by :func:`kb_to_ntriples`.

    Args:
        kg: the graph.
        relations: its :class:`RelationMatcher` (built when not given).
    """

    def __init__(self, kg: Any, relations: Any = None) -> None:
        from kgqa.graph.linking import normalize
        from kgqa.graph.relations import RelationMatcher

        self.kg = kg
        self.relations = relations or RelationMatcher(kg)
        self._normalize = normalize
        self.props = [p for p in kg.properties() if p.startswith(RELATION_NS)]
        if not self.props:
            raise InputError("the graph has no MetaQA relations; build it with kb_to_ntriples")
        self._names: dict[str, list[str]] = {}
        for t in kg.facts(None, RDFS_LABEL, None, inferred=False):
            if t.subject.startswith(ENTITY_NS):
                self._names.setdefault(normalize(t.object), []).append(t.subject)
        self._edges: dict[str, dict[str, list[str]]] = {}

    def link(self, name: str) -> str | None:
        """The entity with this exact (normalised) label; an exact-case label wins ties."""
        iris = self._names.get(self._normalize(name), [])
        if len(iris) > 1:
            iris = sorted(iris, key=lambda i: (self.kg.label(i) != name, i))
        return iris[0] if iris else None

    def edges(self, iri: str) -> dict[str, list[str]]:
        """``property -> objects`` of a node over the MetaQA properties (inverses included), cached."""
        got = self._edges.get(iri)
        if got is None:
            got = {}
            for p in self.props:
                objs = self.kg.objects(iri, p)
                if objs:
                    got[p] = objs
            if len(self._edges) > 200_000:
                self._edges.clear()
            self._edges[iri] = got
        return got

    def mentions(self, q: MetaQAQuestion, max_n: int = 4) -> tuple[dict[str, int], str | None]:
        """Relations named in the question (slug -> count) and the one named nearest the question word."""
        from kgqa.graph.linking import tokens
        from kgqa.graph.relations import DROP

        # the entity's span becomes a boundary, so that no n-gram crosses it (nor reads the title's words)
        spans = tokens(q.text)
        before = [t for t, _, e in spans if e <= q.start]
        after = [t for t, s, _ in spans if s >= q.end]
        pieces = [(before, 0), (after, len(before) + 1)]
        found: dict[str, list[int]] = {}
        for words, offset in pieces:
            for n in range(1, max_n + 1):
                for i in range(len(words) - n + 1):
                    if words[i] in DROP or words[i + n - 1] in DROP:
                        continue  # "the director" is the same mention as "director"
                    for prop, score in self.relations.match(" ".join(words[i : i + n]), top_k=3, min_score=0.99):
                        if prop.startswith(RELATION_NS) and score >= 0.99:
                            found.setdefault(base_relation(prop), []).append(offset + i)
        wh = [offset + i for words, offset in pieces for i, w in enumerate(words) if w in WH_WORDS]
        nearest = None
        if wh and found:
            nearest = min(found, key=lambda b: (min(abs(p - wh[0]) for p in found[b]), b))
        return {b: len(set(ps)) for b, ps in found.items()}, nearest

    def paths(self, start: str, hops: int) -> dict[tuple[str, ...], Counter[str]]:
        """Every relation path of exactly ``hops`` edges from ``start``, with how often each end node is reached.

        The topic entity is left out of every node set along the way, as MetaQA's answers do.
        """
        frontier: dict[tuple[str, ...], Counter[str]] = {(): Counter({start: 1})}
        for _ in range(hops):
            nxt: dict[tuple[str, ...], Counter[str]] = {}
            for path, nodes in frontier.items():
                if len(nodes) > MAX_FRONTIER:
                    continue
                for node, count in nodes.items():
                    for prop, objs in self.edges(node).items():
                        bucket = nxt.setdefault((*path, prop), Counter())
                        for o in objs:
                            if o != start:  # MetaQA never counts the topic entity as a node of the chain
                                bucket[o] += count
            frontier = {p: c for p, c in nxt.items() if c}
        return frontier

    def answer(self, q: MetaQAQuestion, hops: int) -> Prediction:
        """Answer one question with a ``hops``-edge relation path."""
        start = self.link(q.entity)
        if start is None:
            return Prediction([], linked=False)
        mentions, nearest = self.mentions(q)
        best: tuple[float, int, tuple[str, ...]] | None = None
        ends: dict[tuple[str, ...], Counter[str]] = self.paths(start, hops)
        for path, nodes in ends.items():
            key = (score_path(path, mentions, nearest), -len(nodes), path)
            if best is None or key[:2] > best[:2] or (key[:2] == best[:2] and key[2] < best[2]):
                best = key
        if best is None:
            return Prediction([], linked=True)
        nodes = ends[best[2]]
        ranked = sorted(nodes, key=lambda n: (-nodes[n], self.kg.label(n)))
        return Prediction([self.kg.label(n) for n in ranked], best[2], best[0], True)


def path_text(path: Sequence[str]) -> str:
    """``"directed_by / directed_by^-1"``: a path's relations, inverses marked."""
    return " / ".join(base_relation(p) + ("^-1" if p.endswith(INVERSE_SUFFIX) else "") for p in path) or "(none)"


def hops_of(path: str | Path, default: int = 1) -> int:
    """The hop count named by a ``N-hop`` folder in ``path``."""
    for part in reversed(Path(path).parts):
        m = re.fullmatch(r"(\d)-hop", part)
        if m:
            return int(m.group(1))
    return default


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def evaluate(answerer: MetaQAAnswerer, questions: Sequence[MetaQAQuestion], hops: int) -> dict[str, Any]:
    """hits@1 (the top answer is a gold answer), answer-set F1, the link rate and the paths used."""
    from kgqa.bench.common import Timer, progress

    hits = linked = answered = 0
    f1_sum = 0.0
    path_counts: Counter[str] = Counter()
    examples = []
    with Timer() as t:
        for q in progress(questions, total=len(questions), desc=f"{hops}-hop", unit="q"):
            pred = answerer.answer(q, hops)
            gold = {_norm(a) for a in q.answers}
            got = [_norm(a) for a in pred.answers]
            linked += pred.linked
            answered += bool(got)
            ok = bool(got) and got[0] in gold
            hits += ok
            if got:
                common = len(set(got) & gold)
                if common:
                    p, r = common / len(set(got)), common / len(gold)
                    f1_sum += 2 * p * r / (p + r)
            path_counts[path_text(pred.path)] += 1
            if not ok and len(examples) < 10:
                examples.append(
                    {
                        "question": q.text,
                        "gold": list(q.answers)[:5],
                        "predicted": pred.answers[:5],
                        "path": path_text(pred.path),
                    }
                )
    n = len(questions)
    return {
        "hits_at_1": hits / n if n else 0.0,
        "answer_f1": f1_sum / n if n else 0.0,
        "entity_link_rate": linked / n if n else 0.0,
        "answered_rate": answered / n if n else 0.0,
        "n": n,
        "hops": hops,
        "seconds": t.seconds,
        "questions_per_s": n / t.seconds if t.seconds > 0 else None,
        "paths": dict(path_counts.most_common(15)),
        "errors": examples,
    }
