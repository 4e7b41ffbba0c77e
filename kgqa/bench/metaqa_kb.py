"""MetaQA's knowledge base and question files, and their conversion to RDF for ``kgqa bench kgqa``.

MetaQA (WikiMovies KB) comes as ``kb_ids.tsv`` (``head_id<TAB>relation_id<TAB>tail_id``),
``entity2text.txt`` and ``relation2text.txt`` (``id<TAB>name``), and question files with
lines ``question with [entity]<TAB>answer1|answer2``.

The KB becomes RDF (:func:`kb_to_ntriples`): entities with ``rdfs:label`` names and a
class per role (movie, person, year, ...), each relation an ``owl:ObjectProperty``
labelled from its name ("directed by") with an inverse property carrying the inverse
reading ("directed", "director of"). The file is written once as N-Triples under
``$KGQA_CACHE`` (default ``~/.cache/kgqa``) and loaded with :class:`KnowledgeGraph`
(:func:`load_kb_graph`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgqa.errors import DataNotFoundError, InputError
from kgqa.paths import cache_dir

logger = logging.getLogger(__name__)

NS = "https://kgqa.dev/metaqa/"
ENTITY_NS = NS + "entity/"
RELATION_NS = NS + "relation/"
CLASS_NS = NS + "class/"
INVERSE_SUFFIX = "__inverse"
#: bump when the RDF conversion changes, so that cached N-Triples are rebuilt
CONVERTER_VERSION = 2

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
_BRACKET = re.compile(r"\[([^\]]+)\]")


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
