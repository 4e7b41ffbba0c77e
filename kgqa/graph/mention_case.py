"""How letter case decides whether a span of a cased text is an entity mention.

In a text that uses capitals, case is evidence: a title is capitalised ("Down to You"), a common noun
before a name describes it ("the film Blue Harvest"), and a lower-case word is an ordinary word where the
writer capitalised the names ("... wrote films together with Mara Holt"). These are the linker's
(:class:`kgqa.graph.linking.EntityLinker`) tests on the spans it finds.

Why hand-written: they read the letter case of a span and its neighbours, which no linking library
exposes as a rule; each is a few lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lemminflect import getAllLemmas

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.linking import Mention


def titled(surface: str, n: int, text: str | None = None) -> bool:
    """Whether a span of ``n`` stop words is a title in a cased text: "Down to You", "The Who", not "It".

    ``text``: given for a span that starts the text, where the first word's capital is the sentence's own.
    There the span is a title only when every later word of it is capitalised too and the text writes
    some word in lower case ("The Who is a band", not "What Is It" nor "The who").
    """
    words = surface.split()
    if text is not None:
        later = all(w[:1].isupper() for w in words[1:])
        return n >= 2 and later and any(w[:1].islower() for w in text.split())
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


def pieces_of_longer_names(text: str, mentions: Sequence[Mention]) -> set[int]:
    """The indices of ``mentions`` (in text order) that are only pieces of a longer name, in a sentence-cased text.

    "The Western Wall is in Jerusalem": the graph has no "Western Wall", and "Western" (a film genre) is
    not what the sentence names; nor are "Mount Everest" and "Camp" in "Mount Everest Base Camp", or
    "College" in "United States Army War College". A mention written with a capital and followed, after
    one space, by a capitalised common noun (a noun of ``lemminflect``'s English lexicon: "Wall", "Camp")
    opens a name the graph lacks (the linker matched the longest name it has); so does every mention
    after it in the same run of capitalised words. Such pieces are dropped: open world, the sentence is
    about something the graph does not hold. A name followed by a capitalised word that is no common noun
    is kept: a verb or a foreign word a writer capitalised ("the Missouri River Bisect", "Tennessee
    Williams Alma Mater"), a nationality ("East German"), another name. So is a name that only ends a
    run ("President Barack Obama"). Only in a text that writes some word in lower case: a title-cased
    headline ("When Did Mara Holt Get Married") capitalises every word.

    Example:
        >>> from kgqa.graph.linking import Mention
        >>> w, j = Mention("Western", 4, 11, "x:W", "Western", 1.0, "exact"), Mention("Wall", 12, 16, "x:J", "Wall", 1.0, "exact")
        >>> pieces_of_longer_names("The Western Wall is old.", [w, j]), pieces_of_longer_names("The Western Wall Is Old", [w, j])
        ({0, 1}, set())
    """
    if not any(w[:1].islower() for w in text.split()):
        return set()
    out: set[int] = set()
    for k, m in enumerate(mentions):
        if not m.text[:1].isupper():
            continue
        rest = text[m.end :]
        word = re.match(r" ([A-Z][a-z]*)(?![\w-])", rest)  # the next word, punctuation after it allowed
        opens = word is not None and "NOUN" in getAllLemmas(word.group(1).lower())
        gap = text[mentions[k - 1].end : m.start] if k else ""
        follows = k - 1 in out and re.fullmatch(r"(?: [A-Z][\w'.-]*)* ", gap) is not None
        if opens or follows:
            out.add(k)
    return out


__all__ = ["cuts_compound", "describes_next", "lower_cased_name", "pieces_of_longer_names", "titled"]
