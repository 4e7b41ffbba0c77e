"""MetaQA's knowledge base and question files, and their conversion to RDF for ``kgqa bench kgqa``.

MetaQA (WikiMovies KB) comes as ``kb_ids.tsv`` (``head_id<TAB>relation_id<TAB>tail_id``),
``entity2text.txt`` and ``relation2text.txt`` (``id<TAB>name``), and question files with
lines ``question with [entity]<TAB>answer1|answer2``.

The KB becomes RDF (:func:`kb_to_ntriples`) as it is: entities with their ``rdfs:label``
names (each an ``owl:NamedIndividual``) and each relation an ``owl:ObjectProperty`` labelled with its name from
``relation2text.txt`` ("directed by"). No wording, class or inverse is added: questions
are understood through the graph's own names and the learned relation model. The file is written once as N-Triples under
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
#: bump when the RDF conversion changes, so that cached N-Triples are rebuilt
CONVERTER_VERSION = 4

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
OWL_OBJECT_PROPERTY = "http://www.w3.org/2002/07/owl#ObjectProperty"
OWL_NAMED_INDIVIDUAL = "http://www.w3.org/2002/07/owl#NamedIndividual"

#: share of topic entities whose questions make the benchmark split (never trained on, see in_benchmark_split)
BENCHMARK_SHARE = 0.3
BENCHMARK_SEED = "metaqa-benchmark"
_BRACKET = re.compile(r"\[([^\]]+)\]")


# --------------------------------------------------------------------------- reading
def in_benchmark_split(entity: str, share: float = BENCHMARK_SHARE) -> bool:
    """Whether questions about this topic entity (its name as bracketed) belong to the benchmark split.

    The data directory holds MetaQA dev only: a seeded ``share`` of topic entities (by a hash of the
    name, the same for every hop file) is kept for measuring, and the relation model's path training
    (``kgqa train relations --metaqa``) uses only the other questions.
    """
    digest = hashlib.sha256(f"{BENCHMARK_SEED}:{entity.casefold()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def hops_of(path: str | Path, default: int = 1) -> int:
    """The hop count named by a ``N-hop`` folder in ``path`` (the training data's label; the suite never reads it)."""
    for part in reversed(Path(path).parts):
        m = re.fullmatch(r"(\d)-hop", part)
        if m:
            return int(m.group(1))
    return default


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
    tmp = out.with_suffix(f"{out.suffix}.{os.getpid()}.tmp")  # per process: two runs may build the cache at once
    n = 0
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:

        def emit(s: str, p: str, o: str) -> None:
            nonlocal n
            fh.write(f"{s} {p} {o} .\n")
            n += 1

        slugs = {}
        for rid, name in sorted(kb.relations.items()):
            slug = slugs[rid] = relation_slug(name)
            prop = _iri(RELATION_NS + slug)
            emit(prop, _iri(RDF_TYPE), _iri(OWL_OBJECT_PROPERTY))
            emit(prop, _iri(RDFS_LABEL), _literal(name.replace("_", " ")))
        used = {x for h, _, t in kb.triples for x in (h, t)}
        # every named entity gets its label, also those without a triple (questions still name them)
        for eid in sorted(used | set(kb.entities), key=lambda x: (len(x), x)):
            emit(_iri(ENTITY_NS + eid), _iri(RDFS_LABEL), _literal(kb.entities[eid]))
            emit(_iri(ENTITY_NS + eid), _iri(RDF_TYPE), _iri(OWL_NAMED_INDIVIDUAL))
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
