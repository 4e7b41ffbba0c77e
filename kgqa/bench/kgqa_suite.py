"""``kgqa bench kgqa``: MetaQA question answering through kgqa's graph module, scored by hits@1.

MetaQA (WikiMovies KB) comes as ``kb_ids.tsv`` (``head_id<TAB>relation_id<TAB>tail_id``),
``entity2text.txt`` and ``relation2text.txt`` (``id<TAB>name``), and question files with
lines ``question with [entity]<TAB>answer1|answer2``.

The KB becomes RDF (:func:`kb_to_ntriples`): entities with ``rdfs:label`` names and a
class per role (movie, person, year, ...), each relation an ``owl:ObjectProperty``
labelled from its name ("directed by") with an inverse property carrying the inverse
reading ("directed", "director of"). The file is written once as N-Triples under
``$KGQA_CACHE`` (default ``~/.cache/kgqa``) and loaded with :class:`KnowledgeGraph`.

A question is answered by :class:`MetaQAAnswerer`: the bracketed entity is linked by exact
(normalised) label lookup; relation mentions are found by running the graph's
:class:`RelationMatcher` over the question's n-grams; then every relation path of the
file's length (1, 2 or 3 hops, from the ``N-hop`` folder name) that leaves the topic
entity in the graph is scored against those mentions (see :func:`score_path`), and the
best path's end nodes, minus the topic entity, are the answers.

Example:
    >>> kg = load_kb_graph(Path("metaqa"))                       # doctest: +SKIP
    >>> MetaQAAnswerer(kg).answer(parse_question_line("who directed [Kismet]\\tWilliam Dieterle"), 1)  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgqa.errors import DataNotFoundError, InputError

logger = logging.getLogger(__name__)

NS = "https://kgqa.dev/metaqa/"
ENTITY_NS = NS + "entity/"
RELATION_NS = NS + "relation/"
CLASS_NS = NS + "class/"
INVERSE_SUFFIX = "__inverse"
#: bump when the RDF conversion changes, so that cached N-Triples are rebuilt
CONVERTER_VERSION = 2
DEFAULT_KB = "kgqa/metaqa"
DEFAULT_FILES = ("kgqa/metaqa/1-hop/dev.txt", "kgqa/metaqa/2-hop/dev.txt", "kgqa/metaqa/3-hop/dev.txt")

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
OWL_OBJECT_PROPERTY = "http://www.w3.org/2002/07/owl#ObjectProperty"
OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"
OWL_INVERSE = "http://www.w3.org/2002/07/owl#inverseOf"

#: extra readings of the WikiMovies relations, (forward, inverse): the names a question uses for them
READINGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "directed_by": (("director", "directors", "directed", "directed by the director"), ("direct", "director of")),
    "written_by": (
        (
            "writer",
            "writers",
            "screenwriter",
            "screenwriters",
            "author",
            "screenplay",
            "script",
            "story",
            "creator",
            "wrote",
            "written",
        ),
        ("write", "writer of", "screenwriter of"),
    ),
    "starred_actors": (
        ("actor", "actors", "starred", "star", "stars", "starring", "acted", "acted by", "starred by", "cast"),
        (
            "acted in",
            "act in",
            "starred in",
            "appear",
            "appears",
            "appeared",
            "co star",
            "co stars",
            "together with",
            "together",
        ),
    ),
    "release_year": (
        ("released", "release", "release date", "release dates", "release years", "year", "years", "when"),
        ("released in",),
    ),
    "in_language": (("language", "languages", "spoken"), ("language of",)),
    "has_tags": (
        ("tags", "tag", "describe", "described", "describing", "words", "topics", "topic", "about", "terms"),
        ("tag of",),
    ),
    "has_genre": (("genre", "genres", "type", "types", "kind", "sort", "fall under"), ("genre of",)),
    "has_imdb_votes": (("imdb votes", "votes", "popular", "popularity", "famous"), ()),
    "has_imdb_rating": (("imdb rating", "rating", "rated", "rate", "think", "opinion", "good"), ()),
}
#: class of a relation's tail (the head of every WikiMovies relation is a movie)
TAIL_CLASSES = {
    "directed_by": "Person",
    "written_by": "Person",
    "starred_actors": "Person",
    "release_year": "Year",
    "in_language": "Language",
    "has_tags": "Tag",
    "has_genre": "Genre",
    "has_imdb_votes": "Votes",
    "has_imdb_rating": "Rating",
}
WH_WORDS = frozenset({"who", "whom", "whose", "what", "which", "when", "where", "how"})
_BRACKET = re.compile(r"\[([^\]]+)\]")
#: frontier size above which a path is not expanded further (hub nodes such as a language)
MAX_FRONTIER = 5000


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class MetaQAQuestion:
    """One MetaQA question: the text (brackets removed), the topic entity's span in it, gold answers."""

    text: str
    entity: str
    start: int
    end: int
    answers: tuple[str, ...]
    line: int = 0


def parse_question_line(line: str, where: str = "") -> MetaQAQuestion:
    """Parse ``question with [entity]<TAB>answer1|answer2``.

    Raises:
        InputError: no tab, no bracketed entity or no answer (naming ``where``).
    """
    text, sep, answers = line.rstrip("\r\n").partition("\t")
    m = _BRACKET.search(text)
    if not sep or m is None:
        raise InputError(f"{where}: expected 'question with [entity]<TAB>answer1|answer2', got {line[:80]!r}")
    gold = tuple(a for a in answers.split("|") if a.strip())
    if not gold:
        raise InputError(f"{where}: the question has no answer after the tab")
    entity = m.group(1)
    clean = text[: m.start()] + entity + text[m.end() :]
    return MetaQAQuestion(clean, entity, m.start(), m.start() + len(entity), gold)


def read_questions(path: str | Path) -> list[MetaQAQuestion]:
    """Every question of a MetaQA file (blank lines skipped)."""
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path} does not exist; pass an existing MetaQA question file with --questions")
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                q = parse_question_line(line, f"{path}:{lineno}")
                out.append(MetaQAQuestion(q.text, q.entity, q.start, q.end, q.answers, lineno))
    if not out:
        raise InputError(f"{path} holds no questions")
    return out


def read_id_names(path: str | Path) -> dict[str, str]:
    """``id -> name`` from ``id<TAB>name`` lines; read with ``newline=''`` (names may hold stray ``\\r``).

    A repeated id keeps its first name. When the file is otherwise positional (line ``i``,
    counted from 0, holds id ``i``) and the repeat sits on the line of a missing id, that
    line is read as the missing id: the shared MetaQA ``entity2text.txt`` has one such
    slip (id 22446, "Michèle Mercier", written as 29).
    """
    path = Path(path)
    rows: list[tuple[int, str, str]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for lineno, line in enumerate(fh.read().split("\n"), 1):
            if not line.strip():
                continue
            ident, sep, name = line.partition("\t")
            if not sep:
                raise InputError(f"{path}:{lineno}: expected 'id<TAB>name', got {line[:80]!r}")
            rows.append((lineno, ident.strip(), name.rstrip("\r")))
    out: dict[str, str] = {}
    repeats: list[tuple[int, int, str, str]] = []  # (position, line, id, name)
    for pos, (lineno, ident, name) in enumerate(rows):
        if ident in out:
            repeats.append((pos, lineno, ident, name))
        else:
            out[ident] = name
    if repeats:
        positional = all(
            ident == str(pos) for pos, (_, ident, _) in enumerate(rows) if pos not in {r[0] for r in repeats}
        )
        for pos, lineno, ident, name in repeats:
            fixed = str(pos) if positional and str(pos) not in out else None
            logger.warning(
                "%s:%d repeats id %s (%r)%s",
                path,
                lineno,
                ident,
                name,
                f"; read as id {fixed}, the id of its line" if fixed else "; kept the first",
            )
            if fixed:
                out[fixed] = name
    return out


@dataclass
class MetaQAKB:
    """The KB as ids: triples, entity names and relation names."""

    triples: list[tuple[str, str, str]]
    entities: dict[str, str]
    relations: dict[str, str]
    files: list[Path] = field(default_factory=list)


def kb_files(kb_dir: str | Path) -> list[Path]:
    """The three files of a MetaQA KB folder (``kb_ids.tsv``, ``entity2text.txt``, ``relation2text.txt``)."""
    kb_dir = Path(kb_dir)
    files = [kb_dir / "kb_ids.tsv", kb_dir / "entity2text.txt", kb_dir / "relation2text.txt"]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise DataNotFoundError(f"{kb_dir} lacks {', '.join(missing)}; pass the MetaQA folder with --kb DIR")
    return files


def read_kb(kb_dir: str | Path) -> MetaQAKB:
    """Read a MetaQA KB folder."""
    kb_path, ent_path, rel_path = kb_files(kb_dir)
    entities, relations = read_id_names(ent_path), read_id_names(rel_path)
    triples = []
    with kb_path.open(encoding="utf-8", newline="") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) != 3:
                raise InputError(f"{kb_path}:{lineno}: expected 'head_id<TAB>relation_id<TAB>tail_id'")
            h, r, t = (p.strip() for p in parts)
            for ident, table, what in ((h, entities, "entity"), (t, entities, "entity"), (r, relations, "relation")):
                if ident not in table:
                    raise InputError(f"{kb_path}:{lineno}: unknown {what} id {ident!r}")
            triples.append((h, r, t))
    return MetaQAKB(triples, entities, relations, [kb_path, ent_path, rel_path])


# --------------------------------------------------------------------------- RDF
def relation_slug(name: str) -> str:
    """``"directed by"`` -> ``"directed_by"`` (also accepts a slug)."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def inverse_reading(name: str) -> str:
    """The reading of a relation from its tail: "directed by" -> "directed", "has genre" -> "genre of"."""
    words = name.replace("_", " ").split()
    if len(words) > 1 and words[-1] == "by":
        return " ".join(words[:-1])
    if words and words[0] in ("has", "in"):
        words = words[1:]
    return " ".join([*words, "of"])


def _literal(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _iri(iri: str) -> str:
    return f"<{iri}>"


def kb_to_ntriples(kb: MetaQAKB, out: str | Path) -> int:
    """Write the KB as N-Triples (see the module docstring); returns the number of lines written."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:

        def emit(s: str, p: str, o: str) -> None:
            nonlocal n
            fh.write(f"{s} {p} {o} .\n")
            n += 1

        classes = {"Movie", *TAIL_CLASSES.values()}
        for cls in sorted(classes):
            emit(_iri(CLASS_NS + cls), _iri(RDF_TYPE), _iri(OWL_CLASS))
            emit(_iri(CLASS_NS + cls), _iri(RDFS_LABEL), _literal(cls.lower()))
        slugs = {}
        for rid, name in sorted(kb.relations.items()):
            slug = slugs[rid] = relation_slug(name)
            fwd, inv = _iri(RELATION_NS + slug), _iri(RELATION_NS + slug + INVERSE_SUFFIX)
            extra_fwd, extra_inv = READINGS.get(slug, ((), ()))
            emit(fwd, _iri(RDF_TYPE), _iri(OWL_OBJECT_PROPERTY))
            emit(fwd, _iri(RDFS_LABEL), _literal(name.replace("_", " ")))
            for alt in extra_fwd:
                emit(fwd, _iri(SKOS_ALT), _literal(alt))
            emit(inv, _iri(RDF_TYPE), _iri(OWL_OBJECT_PROPERTY))
            emit(inv, _iri(OWL_INVERSE), fwd)
            emit(inv, _iri(RDFS_LABEL), _literal(inverse_reading(name)))
            for alt in extra_inv:
                emit(inv, _iri(SKOS_ALT), _literal(alt))
        types: dict[str, set[str]] = {}
        for h, r, t in kb.triples:
            types.setdefault(h, set()).add("Movie")
            types.setdefault(t, set()).add(TAIL_CLASSES.get(slugs[r], "Value"))
        # every named entity gets its label, also those without a triple (questions still name them)
        for eid in sorted(set(types) | set(kb.entities), key=lambda x: (len(x), x)):
            e = _iri(ENTITY_NS + eid)
            emit(e, _iri(RDFS_LABEL), _literal(kb.entities[eid]))
            for cls in sorted(types.get(eid, ())):
                emit(e, _iri(RDF_TYPE), _iri(CLASS_NS + cls))
        for h, r, t in kb.triples:
            emit(_iri(ENTITY_NS + h), _iri(RELATION_NS + slugs[r]), _iri(ENTITY_NS + t))
    os.replace(tmp, out)
    return n


def cache_dir() -> Path:
    """``$KGQA_CACHE``, else ``~/.cache/kgqa``."""
    env = os.environ.get("KGQA_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "kgqa"


def cached_ntriples(kb_dir: str | Path, cache: str | Path | None = None) -> Path:
    """The KB as N-Triples in the cache, converted on first use (keyed by the files' size, mtime and path)."""
    files = kb_files(kb_dir)
    h = hashlib.sha256(f"v{CONVERTER_VERSION}".encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
    path = Path(cache or cache_dir()) / "metaqa" / h.hexdigest()[:16] / "metaqa.nt"
    if not path.is_file():
        logger.info("converting %s to N-Triples at %s", kb_dir, path)
        kb_to_ntriples(read_kb(kb_dir), path)
    return path


def load_kb_graph(kb_dir: str | Path, cache: str | Path | None = None) -> Any:
    """A :class:`~kgqa.graph.kg.KnowledgeGraph` of a MetaQA KB folder (converted once, then cached)."""
    from kgqa.graph.kg import KnowledgeGraph

    return KnowledgeGraph.load([cached_ntriples(kb_dir, cache)])


# --------------------------------------------------------------------------- answering
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


# --------------------------------------------------------------------------- the suite
def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``kgqa`` suite."""
    p.add_argument(
        "--kb",
        help=f"MetaQA KB folder with kb_ids.tsv, entity2text.txt, relation2text.txt (default: $KGQA_DATA/{DEFAULT_KB})",
    )
    p.add_argument(
        "--questions",
        action="append",
        metavar="FILE",
        help="MetaQA question file (repeatable; default: the 1-, 2- and 3-hop dev.txt); --limit applies to each file",
    )
    p.add_argument(
        "--hops", type=int, default=None, help="relation path length (default: from the file's N-hop folder, else 1)"
    )
    p.add_argument(
        "--cache-dir", help="where the N-Triples conversion is cached (default: $KGQA_CACHE or ~/.cache/kgqa)"
    )


def _default_path(relative: str) -> Path:
    from kgqa.paths import data_dir

    root = data_dir()
    if root is None:
        raise DataNotFoundError(f"no data directory for the default {relative}; set KGQA_DATA or pass the path")
    return root / relative


def _files_info(files: list[Path]) -> dict[str, Any]:
    from kgqa.bench.report import data_info

    infos = [data_info(f) for f in files]
    if len(infos) == 1:
        return infos[0]
    digest = hashlib.sha256("".join(str(i["sha256"]) for i in infos).encode()).hexdigest()
    return {
        "file": " + ".join(f"{f.parent.name}/{f.name}" for f in files),
        "sha256": digest,
        "sha256_of": "the concatenated sha256 of the files",
        "files": infos,
    }


def file_key(path: Path, others: Iterable[Path]) -> str:
    """A short name for a question file: its folder (``1-hop``) when that tells the files apart."""
    others = list(others)
    if sum(1 for o in others if o.parent.name == path.parent.name) == 1:
        return path.parent.name
    return str(path)


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the suite; returns the results (per file and overall) and writes the paths used and
    the first errors of each file to ``details.json``."""
    from kgqa.bench.common import seeded_sample
    from kgqa.bench.report import data_info, plot_bars

    kb_dir = Path(ns.kb) if ns.kb else _default_path(DEFAULT_KB)
    files = [Path(f) for f in ns.questions] if ns.questions else [_default_path(f) for f in DEFAULT_FILES]
    if ns.hops is not None and not 1 <= ns.hops <= 3:
        raise InputError(f"--hops must be 1, 2 or 3, got {ns.hops}")
    per_file_questions = {f: seeded_sample(read_questions(f), ns.limit, ns.seed) for f in files}
    kg = load_kb_graph(kb_dir, ns.cache_dir)
    answerer = MetaQAAnswerer(kg)
    per_file: dict[str, Any] = {}
    total_hits = total_n = 0.0
    for f, questions in per_file_questions.items():
        hops = ns.hops or hops_of(f)
        res = evaluate(answerer, questions, hops)
        per_file[file_key(f, files)] = res
        total_hits += res["hits_at_1"] * res["n"]
        total_n += res["n"]
    results: dict[str, Any] = {
        "hits_at_1": total_hits / total_n if total_n else 0.0,
        "n": int(total_n),
        "per_file": {
            k: {
                m: v[m] for m in ("hits_at_1", "answer_f1", "entity_link_rate", "answered_rate", "n", "hops", "seconds")
            }
            for k, v in per_file.items()
        },
        "data": {**_files_info(files), "kb": {**data_info(kb_dir / "kb_ids.tsv"), "triples_in_graph": len(kg)}},
        "details": "details.json",
        "models": {"relation_matcher": {"path": "<kgqa.graph.RelationMatcher: no trained model>"}},
        "notes": [
            "hits@1: the top-ranked answer (the end node reached by most paths) is one of the gold answers",
            "--limit samples each question file separately",
        ],
    }
    if len(per_file) > 1:
        for key, res in per_file.items():
            results[f"hits_at_1_{relation_slug(key)}"] = res["hits_at_1"]
    details = {k: {m: v[m] for m in ("paths", "errors", "questions_per_s")} for k, v in per_file.items()}
    (out / "details.json").write_text(json.dumps(details, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    names = list(per_file)
    plot = plot_bars(
        names,
        {"hits@1": [per_file[k]["hits_at_1"] for k in names]},
        out / "hits_at_1.png",
        title="MetaQA hits@1",
        ylabel="hits@1",
    )
    results["plots"] = [plot.name]
    return results


HELP = "MetaQA 1/2/3-hop questions answered over kgqa's graph module (hits@1)"
