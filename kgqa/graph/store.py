"""A small in-memory triple index with O(1) lookups on any bound position.

rdflib's memory store answers ``triples()`` too, but through several layers of
generators and context bookkeeping; the pipeline asks the graph hundreds of times per
question, so :class:`TripleIndex` keeps three plain nested dicts (``spo``, ``pos``,
``osp``) over rdflib terms instead. Dicts with ``None`` values serve as ordered sets, so
iteration follows insertion (file) order and results are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib.term import Node

Key = tuple[Node, Node, Node]


class TripleIndex:
    """Triples indexed by subject, predicate and object; ``None`` is a wildcard in :meth:`triples`."""

    def __init__(self) -> None:
        self.spo: dict[Node, dict[Node, dict[Node, None]]] = {}
        self.pos: dict[Node, dict[Node, dict[Node, None]]] = {}
        self.osp: dict[Node, dict[Node, dict[Node, None]]] = {}
        self._n = 0

    def add(self, s: Node, p: Node, o: Node) -> bool:
        """Add a triple; ``False`` if it was already there."""
        objs = self.spo.setdefault(s, {}).setdefault(p, {})
        if o in objs:
            return False
        objs[o] = None
        self.pos.setdefault(p, {}).setdefault(o, {})[s] = None
        self.osp.setdefault(o, {}).setdefault(s, {})[p] = None
        self._n += 1
        return True

    def __len__(self) -> int:
        return self._n

    def __contains__(self, key: Key) -> bool:
        s, p, o = key
        return o in self.spo.get(s, {}).get(p, ())

    def __iter__(self) -> Iterator[Key]:
        return self.triples(None, None, None)

    def has_node(self, node: Node) -> bool:
        """Whether ``node`` is the subject or object of a triple here."""
        return node in self.spo or node in self.osp

    def objects(self, s: Node, p: Node) -> Iterator[Node]:
        return iter(self.spo.get(s, {}).get(p, ()))

    def subjects(self, p: Node, o: Node) -> Iterator[Node]:
        return iter(self.pos.get(p, {}).get(o, ()))

    def triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Key]:
        """Every triple matching the pattern, like ``rdflib.Graph.triples``."""
        if s is not None:
            by_p = self.spo.get(s)
            if not by_p:
                return
            preds = [p] if p is not None else list(by_p)
            for pp in preds:
                objs = by_p.get(pp)
                if not objs:
                    continue
                if o is not None:
                    if o in objs:
                        yield (s, pp, o)
                else:
                    for oo in objs:
                        yield (s, pp, oo)
        elif p is not None:
            by_o = self.pos.get(p)
            if not by_o:
                return
            if o is not None:
                for ss in by_o.get(o, ()):
                    yield (ss, p, o)
            else:
                for oo, subs in by_o.items():
                    for ss in subs:
                        yield (ss, p, oo)
        elif o is not None:
            for ss, preds in self.osp.get(o, {}).items():
                for pp in preds:
                    yield (ss, pp, o)
        else:
            for ss, by_p in self.spo.items():
                for pp, objs in by_p.items():
                    for oo in objs:
                        yield (ss, pp, oo)


__all__ = ["Key", "TripleIndex"]
