"""The class a question asks for ("In which country ...", "What films ..."), read off the graph's own class names.

A wh-question whose question word is followed by a noun names the type of its answer: "In which Portuguese
speaking country was Mara Holt born?" asks for a country, not for the people born in one. :func:`asked_classes`
finds the class name of the graph (its labels, singular or plural, as the linker indexes them) that ends last
among the words between ``which``/``what`` and the clause's first verb, relative word or preposition (the head
of the noun phrase: "Portuguese speaking country"); nothing here names a class of any particular graph. :func:`type_fit` then says whether a relation path's end values are of such a class.

The type is a preference, never a refutation: :func:`kgqa.graph.relation_paths.search_paths` drops a path
whose end values are all typed, and none of them with an asked class, only when another path reaches a value
of the asked class. A graph that types nothing, or a question without a class name, changes nothing.

Why hand-written: the noun phrase after the question word is read with the linker's own class index and a
short list of the words that end it; a parser would be a large dependency for one noun.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import EntityLinker

#: "which"/"what", after at most one preposition ("In which country ..."), at the start of the question
_WH = re.compile(r"^\s*(?:[A-Za-z]+\s+)?(?:which|what)\s+", re.IGNORECASE)
#: the words that end the noun phrase after the question word (verbs, relative and question words)
_END = frozenset(
    """is are was were be been being am did does do has have had can could will would shall should may might
    must that who whom whose which where when why how""".split()
)
#: prepositions that end the noun phrase after its first word ("which city of Norland")
_PREPOSITIONS = frozenset("of in on at to from by with for about into near during since than like as".split())
#: end values of a path whose types are read
MAX_TYPED_ENDS = 20


def asked_classes(linker: EntityLinker, question: str) -> list[str]:
    """The graph classes named right after the question's ``which``/``what``: the type of answer it asks for.

    Returns:
        The classes of the head's class name (a name may label several classes), or ``[]``.

    Example:
        >>> asked_classes(linker, "In which country was Mara Holt born?")   # doctest: +SKIP
        ['urn:x:Country']
    """
    from kgqa.graph.linking import tokens

    m = _WH.match(question)
    if m is None:
        return []
    window: list[str] = []
    for tok, _start, _end in tokens(question[m.end() :]):
        if tok in _END or (window and tok in _PREPOSITIONS):
            break
        window.append(tok)
    exact = linker.classes.exact
    longest = max(1, linker.classes.max_tokens)
    # the head noun ends the phrase ("Portuguese speaking country"): the class name ending last, the longest
    for stop in range(len(window), 0, -1):
        for start in range(max(0, stop - longest), stop):
            bucket = exact.get(" ".join(window[start:stop]))
            if bucket:
                return list(dict.fromkeys(iri for iri, _primary in bucket))
    return []


def type_fit(kg: KnowledgeGraph, ends: Iterable[str], classes: Sequence[str]) -> bool | None:
    """Whether a path's end values are of one of ``classes``: ``True`` if one is, ``False`` if all the typed
    ends read have other types only (a literal counts as typed: it is an instance of no class), ``None`` if none
    of them is typed (nothing known)."""
    wanted = set(classes)
    typed = False
    for i, node in enumerate(ends):
        if i >= MAX_TYPED_ENDS:
            break
        if not str(node).startswith(("http://", "https://", "urn:")):
            typed = True  # a literal (a date, a number) is an instance of no class
            continue
        types = kg.types(node)
        if wanted.intersection(types):
            return True
        typed = typed or bool(types)
    return False if typed else None


__all__ = ["MAX_TYPED_ENDS", "asked_classes", "type_fit"]
