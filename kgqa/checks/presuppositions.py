"""Presuppositions read off a question's English syntax: appositives, relative clauses and other triggers.

:func:`kgqa.checks.questions.analyze_question` is the entry point; this module holds the
shapes it understands beyond "Why did X ...?" and "When did X V O?":

- appositives: "Vienna, the capital of Cuba, ..." presupposes "Vienna is the capital of Cuba";
  "Paducah, the place Y comes from" presupposes "Y comes from Paducah";
- non-restrictive relative clauses: "Madrid, where X was born" presupposes "X was born in
  Madrid"; "Hamlet, which Y wrote" is left alone, "Y, who wrote Hamlet" gives "Y wrote Hamlet";
- a passive with a prepositional phrase: "When was X born in Y?" presupposes "X was born in Y";
- the change-of-state trigger *become*: "When did X become Y?" presupposes the result "X is Y";
- "How long did it take X to VP?" and "How long did X spend V-ing O?" presuppose "X did VP";
  a "when/while V-ing O" adjunct presupposes that the clause's subject did V O;
- a locative restrictor: "Which N in O was S born in?" presupposes "S was born in O";
- a gerund subject controlled by the object's possessor: "How did being a citizen of Iran shape the
  career of X?" (or "X's career", or "X") presupposes "X was a citizen of Iran".

The rules are about English syntax only, never about one graph's vocabulary. They are
hand-written because no maintained library ships presupposition triggers; noun phrases are
the entity linker's mentions where the caller passes them, else runs of capitalised words.
Verb forms come from ``lemminflect`` (a maintained English lemmatiser/inflector with its own
word lists, no network). When a shape is not clearly there, nothing is derived: every
presupposition returned has a subject and a verb phrase (:func:`is_statement`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lemminflect import getAllLemmas, getInflection, getLemma

#: a character span [start, end) in the question text (an entity mention)
Span = tuple[int, int]

_AUX_FORMS = frozenset(
    "is was are were be been being did does do has have had can could will would shall should may might must".split()
)
_PREPOSITIONS = frozenset("in at on from to into for with by of near about through under over".split())
# lower-case words that may sit inside a proper name ("Newcastle upon Tyne", "Lord of the Rings")
_NAME_CONNECTORS = frozenset("of the de del della da di du la le les von van der den upon y & 's".split())
_QUESTION_WORDS = frozenset("who whom whose what which when where why how".split())
_CAP_TOKEN = re.compile(r"[A-Z0-9][\w.'’\-&]*")
_TOKEN = re.compile(r"[^\s,;:?!]+")


def is_verb_form(word: str) -> bool:
    """Whether a lower-case ``word`` can be a verb or an auxiliary (by lemminflect's lexicon)."""
    if not word or not word[0].islower():
        return False
    if word in _AUX_FORMS:
        return True
    return bool(set(getAllLemmas(word)) & {"VERB", "AUX"})


def base_form(word: str) -> str | None:
    """The base form of a verb form ("writing" -> "write"); ``None`` when ``word`` is not a verb form."""
    if not is_verb_form(word):
        return None
    lemmas = getLemma(word, upos="VERB")
    return lemmas[0] if lemmas else None


_DO_SUPPORT = re.compile(r"\b(did|does|do)\s+([a-z]+)\b")


def undo_do_support(text: str) -> str:
    """The emphatic or question-derived "X did direct Y" as "X directed Y" ("does come" as "comes").

    The statements derived from questions keep the auxiliary ("When did X direct Y?" presupposes
    "X did direct Y"); claim parsing, relation matching and NLI read the plain verb better. Only
    a word that lemminflect knows as a verb's base form is inflected; otherwise the text is kept.

    Example:
        >>> undo_do_support("George Seaton did direct Searching for Debra Winger")
        'George Seaton directed Searching for Debra Winger'
    """

    def plain(m: re.Match[str]) -> str:
        aux, verb = m.group(1), m.group(2)
        if base_form(verb) != verb:
            return m.group(0)
        tag = "VBD" if aux == "did" else ("VBZ" if aux == "does" else "VBP")
        form = getInflection(verb, tag=tag)
        return form[0] if form else m.group(0)

    return _DO_SUPPORT.sub(plain, text)


def is_participle(word: str) -> bool:
    """Whether ``word`` is a past participle ("born", "written", "founded")."""
    if not is_verb_form(word) or word in _AUX_FORMS:
        return False
    for lemma in getAllLemmas(word).get("VERB", ()):
        if word in getInflection(lemma, tag="VBN"):
            return True
    return False


def is_gerund(word: str) -> bool:
    """Whether ``word`` is an -ing form of a verb ("writing")."""
    lemma = base_form(word) if word.endswith("ing") else None
    return bool(lemma) and word in getInflection(lemma, tag="VBG")


def is_statement(text: str) -> bool:
    """Whether ``text`` is a whole clause: a subject, then a verb phrase (never a fragment).

    Example:
        >>> is_statement("Drake Bell was born in Madrid"), is_statement(", the capital of Cuba")
        (True, False)
    """
    text = text.strip()
    if not text or not (text[0].isalnum()) or text[-1] in ",;:" or ",," in text.replace(" ", ""):
        return False
    words = text.split()
    if len(words) < 2 or words[0].lower() in _AUX_FORMS or words[0].lower() in _PREPOSITIONS:
        return False
    if words[0].lower() in _QUESTION_WORDS or words[0].lower() in ("and", "or"):
        return False
    return any(is_verb_form(w) for w in words[1:])


def dedupe(statements: Iterable[str]) -> list[str]:
    """``statements`` in order, each once (ignoring case, spacing and a final full stop)."""
    seen: set[str] = set()
    out: list[str] = []
    for s in statements:
        s = re.sub(r"\s+", " ", s).strip().rstrip(".").strip()
        key = s.lower()
        if s and key not in seen:
            seen.add(key)
            out.append(s)
    return out


# ---------------------------------------------------------------- noun phrases
def _tokens(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    return [(m.start() + lo, m.end() + lo, m.group()) for m in _TOKEN.finditer(text[lo:hi])]


def _is_cap(tok: str) -> bool:
    return bool(_CAP_TOKEN.fullmatch(tok))


def np_ending_at(text: str, end: int, spans: Sequence[Span] = ()) -> int | None:
    """Start of the noun phrase that ends at ``end``: a mention ending there, else a capitalised run."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    starts = [s for s, e in spans if e == end and s < end]
    run = _run_ending_at(text, end)
    return min(starts + ([run] if run is not None else [])) if starts else run


def _starts_clause(tok: str) -> bool:
    """A capitalised question word or auxiliary ("Did", "Why") is no part of a name."""
    return tok.lower() in _AUX_FORMS or tok.lower() in _QUESTION_WORDS or tok.lower().endswith("n't")


def _run_ending_at(text: str, end: int) -> int | None:
    """Start of the run of capitalised words (with name connectors) that ends at ``end``."""
    lo = max(text.rfind(c, 0, end) for c in ",;:")  # a name never runs over a comma here
    toks = _tokens(text, lo + 1, end)
    start: int | None = None
    i = len(toks) - 1
    while i >= 0:
        s, _e, tok = toks[i]
        if _is_cap(tok) and not _starts_clause(tok):
            start = s
        elif tok in _NAME_CONNECTORS and i > 0 and _is_cap(toks[i - 1][2]) and start is not None:
            pass
        else:
            break
        i -= 1
    if start is not None and i >= 0 and toks[i][2] == "the":  # "the Netherlands"
        start = toks[i][0]
    if start is not None and i < 0 and lo >= 0:
        return None  # right after a comma: maybe the end of a longer name ("Washington, D.C.") or of a list
    return start


def np_starting_at(text: str, start: int, spans: Sequence[Span] = ()) -> int | None:
    """End of the noun phrase that starts at ``start``: a mention starting there, else a capitalised run."""
    while start < len(text) and text[start].isspace():
        start += 1
    ends = [e for s, e in spans if s == start and e > start]
    if ends:
        return max(ends)
    hi = min([i for i in (text.find(c, start) for c in ",;:") if i >= 0] or [len(text)])
    toks = _tokens(text, start, hi)
    if toks and toks[0][2] == "the" and len(toks) > 1 and _is_cap(toks[1][2]):
        toks = toks[1:]
    end: int | None = None
    for i, (_s, e, tok) in enumerate(toks):
        if _is_cap(tok) and not _starts_clause(tok):
            end = e
        elif tok in _NAME_CONNECTORS and end is not None and i + 1 < len(toks) and _is_cap(toks[i + 1][2]):
            continue
        else:
            break
    return end


def _whole_np(text: str, spans: Sequence[Span] = ()) -> bool:
    """Whether ``text`` is one noun phrase (a name, or "the/a ..." without a verb)."""
    text = text.strip()
    if not text:
        return False
    if np_starting_at(text, 0, spans) == len(text):
        return True
    words = text.split()
    return words[0].lower() in ("the", "a", "an") and len(words) > 1 and not any(is_verb_form(w) for w in words[1:])


# ---------------------------------------------------------------- appositives and relative clauses
_DET_OF = re.compile(r"^(?P<det>the|a|an)\s+(?P<n>[a-z][a-z\-]*(?:\s+[a-z][a-z\-]*){0,2})\s+of\s+(?P<np>\S.*)$")
_CONTACT_REL = re.compile(r"^(?:the|a|an)\s+[a-z][a-z\-]*\s+(?P<clause>[A-Z0-9].*\s(?P<p>[a-z]+))$")


@dataclass(frozen=True)
class Subordinate:
    """A presupposition read off an appositive or relative clause, and the text span it came from."""

    statement: str
    start: int  # the comma that opens it
    end: int  # one past its closing comma, or the end of the question


def _shifted(spans: Sequence[Span], off: int) -> list[Span]:
    """``spans`` as offsets into the text that starts at ``off``."""
    return [(s - off, e - off) for s, e in spans if s >= off]


def _clause(text: str, spans: Sequence[Span] = ()) -> str | None:
    """``text`` when it reads as "SUBJECT verb ...": a name first, then a verb form."""
    end = np_starting_at(text, 0, spans)
    if end is None:
        return None
    rest = text[end:].split()
    return text if rest and is_verb_form(rest[0]) else None


def _subordinate(np1: str, body: str, spans: Sequence[Span] = ()) -> str | None:
    """The statement that the appositive or relative clause ``body`` after ``np1`` presupposes (``spans`` in ``body``)."""
    m = _DET_OF.match(body)
    if m:
        if _whole_np(m.group("np"), _shifted(spans, m.start("np"))):
            return f"{np1} is {m.group('det')} {m.group('n')} of {m.group('np').strip()}"
        return None
    m = _CONTACT_REL.match(body)
    if m and m.group("p") in _PREPOSITIONS and _clause(m.group("clause"), _shifted(spans, m.start("clause"))):
        return f"{m.group('clause')} {np1}"  # "the place Y comes from" -> "Y comes from NP1"
    head, _, clause = body.partition(" ")
    if head == "where" and _clause(clause, _shifted(spans, len(head) + 1)):
        last = clause.split()[-1]
        return f"{clause} {np1}" if last in _PREPOSITIONS else f"{clause} in {np1}"
    if head in ("who", "which") and clause.split() and is_verb_form(clause.split()[0]):
        return f"{np1} {clause}"
    return None


def subordinates(q: str, spans: Sequence[Span] = ()) -> list[Subordinate]:
    """Appositives and non-restrictive relative clauses of ``q`` with what each presupposes.

    Example:
        >>> [s.statement for s in subordinates("Which river flows through Vienna, the capital of Cuba")]
        ['Vienna is the capital of Cuba']
    """
    commas = [i for i, c in enumerate(q) if c == ","]
    out: list[Subordinate] = []
    for k, c in enumerate(commas):
        if any(s < c < e for s, e in spans):  # a comma inside a name ("Washington, D.C.")
            continue
        close = next((j for j in commas[k + 1 :] if not any(s < j < e for s, e in spans)), None)
        raw = q[c + 1 : close if close is not None else len(q)]
        body = raw.strip()
        off = c + 1 + len(raw) - len(raw.lstrip())
        after = q[close + 1 :].lstrip().lower() if close is not None else ""
        if not body or after.startswith(("and ", "or ")) or body.startswith(("and ", "or ")):
            continue  # a list: "A, B and C"
        start = np_ending_at(q, c, spans)
        if start is None:
            continue
        np1 = q[start:c].strip()
        statement = _subordinate(np1, body, [(s - off, e - off) for s, e in spans if s >= off])
        if statement and is_statement(statement) and not (out and c < out[-1].end):
            out.append(Subordinate(statement, c, close + 1 if close is not None else len(q)))
    return out


def remove_spans(q: str, cuts: Sequence[tuple[int, int]], spans: Sequence[Span]) -> tuple[str, list[Span]]:
    """``q`` without the character ranges ``cuts``, and ``spans`` moved to match (those cut into are dropped)."""

    def moved(pos: int) -> int:
        return pos - sum(b - a for a, b in cuts if b <= pos)

    kept = [(s, e) for s, e in spans if not any(a < e and s < b for a, b in cuts)]
    order = sorted(cuts)
    starts = [0] + [b for _a, b in order]
    stops = [a for a, _b in order] + [len(q)]
    text = "".join(q[a:b] for a, b in zip(starts, stops, strict=True))
    return text.rstrip(), [(moved(s), moved(e)) for s, e in kept]


# ---------------------------------------------------------------- main-clause shapes
_HOW_LONG_TAKE = re.compile(r"^how long (?P<aux>did|does|do|will) it take (?P<rest>.+)$", re.I)
_HOW_LONG_SPEND = re.compile(r"^how long (?P<aux>did|does|do) (?P<rest>.+)$", re.I)
_WHICH_IN = re.compile(
    r"^(?i:which) (?P<n>[a-z][a-z\-]*(?: [a-z][a-z\-]*)?) in (?P<rest>.+)$",
)
_ADJUNCT = re.compile(r"\s+(?:when|while)\s+(?P<ing>[a-z]+ing)\s+(?P<obj>\S.*)$")


def _subject_then(text: str, spans: Sequence[Span]) -> tuple[str, str] | None:
    """``(subject, rest)`` of "SUBJECT rest": a name first, then more words."""
    end = np_starting_at(text, 0, spans)
    if end is None or not text[end:].strip():
        return None
    return text[:end].strip(), text[end:].strip()


def be_participle_pp(aux: str, inner: str, spans: Sequence[Span] = ()) -> str | None:
    """ "(When was) X born in Y" -> "X was born in Y"; ``None`` without a prepositional phrase ("X born")."""
    parts = _subject_then(inner, spans)
    if parts is None:
        return None
    subject, rest = parts
    m = re.match(r"(?P<v>\S+)\s+(?P<p>\S+)\s+(?P<np>\S.*)$", rest)
    if not m or not is_participle(m.group("v")) or m.group("p") not in _PREPOSITIONS:
        return None
    if not _whole_np(m.group("np"), _shifted(spans, len(inner) - len(rest) + m.start("np"))):
        return None
    return f"{subject} {aux} {rest}"


def become_result(declarative: str) -> str | None:
    """ "X did become Y" -> "X is Y": *become* presupposes its result state."""
    m = re.match(r"^(?P<s>.+?) (?:did|does|do) become (?P<y>\S.*)$", declarative)
    return f"{m.group('s')} is {m.group('y')}" if m else None


def how_long(q: str, spans: Sequence[Span] = ()) -> str | None:
    """ "How long did it take X to VP" -> "X did VP"; "How long did X spend V-ing O" -> "X did V O"."""
    m = _HOW_LONG_TAKE.match(q)
    if m:
        rest, off = m.group("rest"), m.start("rest")
        end = np_starting_at(rest, 0, [(s - off, e - off) for s, e in spans if s >= off])
        if end is None:
            return None
        tail = rest[end:].split()
        if len(tail) >= 2 and tail[0] == "to" and is_verb_form(tail[1]):
            aux = "did" if m.group("aux").lower() == "did" else "does"
            return f"{rest[:end].strip()} {aux} {' '.join(tail[1:])}"
        return None
    m = _HOW_LONG_SPEND.match(q)
    if m:
        off = m.start("rest")
        parts = _subject_then(m.group("rest"), [(s - off, e - off) for s, e in spans if s >= off])
        if parts is None:
            return None
        subject, rest = parts
        words = rest.split()
        if len(words) >= 3 and words[0] == "spend" and is_gerund(words[2 if words[1] == "time" else 1]):
            i = 2 if words[1] == "time" else 1
            if len(words) > i + 1:
                return f"{subject} {m.group('aux').lower()} {base_form(words[i])} {' '.join(words[i + 1 :])}"
    return None


def split_adjunct(clause: str) -> tuple[str, str | None]:
    """``(clause without "when/while V-ing O", "V O")``: "adapt X when writing Y" -> ("adapt X", "write Y")."""
    m = _ADJUNCT.search(clause)
    if not m or not is_gerund(m.group("ing")) or base_form(m.group("ing")) in _AUX_FORMS:
        return clause, None  # "while being ..." states no action
    return clause[: m.start()], f"{base_form(m.group('ing'))} {m.group('obj').strip()}"


def clause_subject(rest: str, spans: Sequence[Span] = (), offset: int = 0) -> tuple[str, str] | None:
    """``(aux, subject)`` of "... did|does|do SUBJECT verb ...", the subject a name (``spans`` offset by ``offset``)."""
    m = re.search(r"\b(did|does|do)\s+", rest)
    if not m:
        return None
    local = [(s - offset, e - offset) for s, e in spans]
    end = np_starting_at(rest, m.end(), local)
    if end is None or not rest[end:].split() or not is_verb_form(rest[end:].split()[0]):
        return None
    return m.group(1), rest[m.end() : end].strip()


_GERUND = re.compile(r"^(?:how|why|when|where)\s+(?P<aux>did|does|do|has|have)\s+being\s+(?P<rest>\S.*)$", re.I)


def gerund_subject(q: str, spans: Sequence[Span] = ()) -> str | None:
    """ "How did being a citizen of Iran shape the career of X" -> "X was a citizen of Iran".

    The understood subject of a gerund "being P" that is the clause's subject is the one whose thing the
    clause's object names: "the N of X", "X's N", or X itself, a name (a linked mention in ``spans``, else
    a run of capitalised words) that ends the question. P is everything between "being" and the clause's
    verb (the rightmost verb form that leaves such an object), and starts with an article ("being a citizen
    of Iran", not "being there").
    """
    m = _GERUND.match(q)
    if not m:
        return None
    rest, off = m.group("rest"), m.start("rest")
    # the clause's verb: the rightmost verb form with a predicate noun before it and a named object after it
    for verb in reversed(list(re.finditer(r"\S+", rest))[1:]):
        if not base_form(verb.group()) or verb.group() in _AUX_FORMS:
            continue
        predicate = rest[: verb.start()].strip()
        obj = rest[verb.end() :]
        shape = re.match(r"^\s*(?:the\s+[a-z][a-z\s-]*?\s+of\s+)?(?P<x>.+?)(?:'s\s+[a-z][a-z\s-]*)?$", obj)
        if shape is None or not re.match(r"(?:a|an|the)\s+\S", predicate, re.I):
            continue
        x, start = shape.group("x").strip(), off + verb.end() + shape.start("x")
        if x and np_starting_at(q, start, spans) in (start + len(x), start + len(x) + 2):
            tense = "was" if m.group("aux").lower() in ("did", "has", "have") else "is"
            return f"{x} {tense} {predicate}"  # a name, its possessive "'s" read with it where no mention bounds it
    return None


def which_in(q: str, spans: Sequence[Span] = ()) -> str | None:
    """ "Which hospital in Hartford was X born in" -> "X was born in Hartford" (also with did: "S did live in O")."""
    m = _WHICH_IN.match(q)
    if not m:
        return None
    rest, off = m.group("rest"), m.start("rest")
    local = [(s - off, e - off) for s, e in spans if s >= off]
    end = np_starting_at(rest, 0, local)
    if end is None:
        return None
    place, tail = rest[:end].strip(), rest[end:].split()
    if len(tail) < 3 or tail[0] not in ("was", "were", "is", "are", "did", "does", "do"):
        return None
    aux, body = tail[0], " ".join(tail[1:])
    parts = _subject_then(body, [])
    if parts is None:
        return None
    subject, vp = parts
    words = vp.split()
    prep = words[-1] if words and words[-1] in _PREPOSITIONS else None
    verb_words = words[:-1] if prep else words
    if len(verb_words) != 1:
        return None
    verb = verb_words[0]
    # the restrictor places the whole event: "Which street in Paris did X live on" -> "X did live in Paris"
    if aux in ("was", "were", "is", "are") and is_participle(verb):
        return f"{subject} {aux} {verb} in {place}"
    if aux in ("did", "does", "do") and prep and is_verb_form(verb):
        return f"{subject} {aux} {verb} in {place}"
    return None
