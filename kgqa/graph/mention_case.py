"""How letter case decides whether a span of a cased text is an entity mention.

In a text that uses capitals, case is evidence: a title is capitalised ("Down to You"), a common noun
before a name describes it ("the film Blue Harvest"), and a lower-case word is an ordinary word where the
writer capitalised the names ("... wrote films together with Mara Holt"). These are the linker's
(:class:`kgqa.graph.linking.EntityLinker`) tests on the spans it finds.

Why hand-written: they read the letter case of a span and its neighbours, which no linking library
exposes as a rule; each is a few lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lemminflect import getAllLemmas

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.linking import Mention


def titled(surface: str, n: int) -> bool:
    """Whether a span of ``n`` stop words is a title in a cased text: "Down to You", "The Who", not "It"."""
    words = surface.split()
    return n >= 2 and words[0][:1].isupper() and words[-1][:1].isupper()


def describes_next(text: str, mention: Mention, after: Sequence[tuple[Mention, bool]]) -> bool:
    """Whether a lower-case entity mention only describes the capitalised name right after it.

    "the film Blue Harvest", "the novelist Mara Holt": in a cased text the common noun before a name is
    that name's descriptor, not a second topic, even where the graph has a node of that name (a tag, a
    word sense). Such a mention is dropped; class mentions are kept (they type the name).
    """
    if not after or not mention.text.islower():
        return False
    nxt = after[0][0]
    return not text[mention.end : nxt.start].strip() and nxt.text[:1].isupper()


def lower_cased_name(text: str, mention: Mention, others: Sequence[tuple[Mention, bool]]) -> bool:
    """Whether a lower-case mention of proper names is an ordinary word of a text that capitalises its names.

    "the screenwriter Mara Holt wrote films together with who": "together" matches the film "Together" and
    "fall" the film "Fall", but a writer who capitalised "Mara Holt" mid-sentence would have capitalised a
    title too. A lower-case span is dropped when every word of it is an ordinary English word (in
    ``lemminflect``'s lexicon, which holds no place or person names), every candidate's label is written
    with a capital, and another entity mention, not at the start of the text, is written with one. A
    text without such a mention ("Who directed the matrix?") keeps it, and so does a span with a name in
    it ("states divided by the missouri river", "a country in oceania"): users lower-case names.
    """
    if not mention.text.islower() or not mention.candidates:
        return False
    if not all(getAllLemmas(w) for w in mention.text.split()):
        return False
    if not all(any(ch.isupper() for ch in c.label) for c in mention.candidates):
        return False
    first = len(text) - len(text.lstrip())
    return any(
        entity and m is not mention and m.start > first and any(ch.isupper() for ch in m.text) for m, entity in others
    )


def cuts_compound(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` begins or ends inside a hyphenated word ("de" in "fleur-de-lis").

    A lower-case piece of a compound is a part of another word, not a name of its own; the finder
    skips it (a capitalised piece, "Seattle" in "Seattle-based", is still a name).

    Example:
        >>> cuts_compound("The fleur-de-lis is old.", 10, 12), cuts_compound("A Seattle-based firm", 2, 9)
        (True, True)
        >>> cuts_compound("Stratford-upon-Avon is small.", 0, 19)
        False
    """
    before = start >= 2 and text[start - 1] in "-\u2010\u2011" and text[start - 2].isalnum()
    after = end + 1 < len(text) and text[end] in "-\u2010\u2011" and text[end + 1].isalnum()
    return before or after


__all__ = ["cuts_compound", "describes_next", "lower_cased_name", "titled"]
