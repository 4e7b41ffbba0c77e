"""Training pairs for the relation matcher: text with its entity mention marked -> the property it asks about.

Two sources:

* **Graphs** (:func:`graph_pool`): every RDF file is streamed with pyoxigraph; per property a seeded
  reservoir of facts is kept, the property's texts come from :mod:`kgqa.graph.relation_text` and the
  entities' names from their ``rdfs:label``. Questions and claims are generated from :data:`TEMPLATES`,
  which are GENERIC: each names only slots (``{rel}``, ``{subj}``, ``{obj}``), never a relation, so a
  graph brings its own wordings through its labels.
* **A question set mapping questions to Wikidata properties** (:func:`simplequestions_pool`), the
  SimpleQuestions-Wikidata format: ``subject<TAB>P..|R..<TAB>object<TAB>question``, kept where the property
  has a label in a ``{"P..": {"label", "description"}}`` file. ``R`` rows are the inverse reading.

The entity mention is marked with brackets: "where was [Mara Holt] born?". Each example records its
*pool* (the graph or question set it came from): at evaluation a text is ranked against every property
of its pool. :func:`split` holds out a seeded share of properties AND of entities for the dev split.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kgqa.errors import DataNotFoundError, InputError
from kgqa.graph.relation_text import (
    DESCRIPTION_PREDICATES,
    NAME_PREDICATES,
    VOCABULARIES,
    make_relation_text,
)

logger = logging.getLogger(__name__)

#: the marker put around the entity mention (also used at inference, see kgqa.graph.relation_model)
OPEN, CLOSE = "[", "]"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

#: generic templates: (kind, direction, text); "fwd" marks the subject, "inv" marks the object
TEMPLATES: tuple[tuple[str, str, str], ...] = (
    ("question", "fwd", "What is the {rel} of {subj}?"),
    ("question", "fwd", "what is {subj}'s {rel}?"),
    ("question", "fwd", "Which {rel} does {subj} have?"),
    ("question", "fwd", "Tell me the {rel} of {subj}."),
    ("question", "fwd", "{subj}: {rel}?"),
    ("question", "fwd", "what {rel} is associated with {subj}"),
    ("question", "inv", "What has {obj} as its {rel}?"),
    ("question", "inv", "{obj} is the {rel} of what?"),
    ("question", "inv", "which entity has {rel} {obj}"),
    ("claim", "fwd", "{subj}'s {rel} is {obj}."),
    ("claim", "fwd", "The {rel} of {subj} is {obj}."),
    ("claim", "fwd", "{subj} has {obj} as {rel}."),
    ("claim", "inv", "{obj} is the {rel} of {subj}."),
    ("claim", "inv", "{subj} has the {rel} {obj}."),
)


def mark(text: str) -> str:
    """Put the mention markers around ``text``."""
    return f"{OPEN}{text}{CLOSE}"


@dataclass
class Example:
    """One training or dev pair.

    Attributes:
        text: the question or claim, its entity mention marked.
        relation: the property it asks about.
        pool: the graph or question set whose properties it is ranked against.
        entities: the entities it names (for the split by entity).
        negatives: other properties of the same subject (hard negatives).
        source: ``"template"`` or ``"questions"``.
    """

    text: str
    relation: str
    pool: str
    entities: list[str] = field(default_factory=list)
    negatives: list[str] = field(default_factory=list)
    source: str = "template"


@dataclass
class Pool:
    """The properties of one graph or question set, with their texts (names first, then descriptions)."""

    name: str
    relations: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)


def _literal_or_iri(term: object) -> str:
    return str(getattr(term, "value", term))


def _is_en(term: object) -> bool:
    lang = getattr(term, "language", None)
    return not lang or str(lang).startswith("en")


def read_graph(
    paths: Sequence[str | Path], per_property: int = 40, seed: int = 13
) -> tuple[Pool, dict[str, list[tuple[str, str, bool]]], dict[str, str], dict[str, set[str]]]:
    """Stream RDF files and keep what the templates need.

    Returns:
        ``(pool, facts, labels, subject_properties)``: the pool of properties and texts, a seeded reservoir
        of up to ``per_property`` ``(subject, object, object is an IRI)`` facts per property, English
        ``rdfs:label`` of every node, and the properties each subject has.

    Raises:
        DataNotFoundError: if a file is missing.
    """
    import pyoxigraph as ox

    rng = random.Random(seed)
    names: dict[str, list[str]] = defaultdict(list)
    descriptions: dict[str, list[str]] = defaultdict(list)
    declared: set[str] = set()
    facts: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    seen: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    subject_props: dict[str, set[str]] = defaultdict(set)
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise DataNotFoundError(f"graph file {path} not found; pass existing RDF files to --graphs")
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.TURTLE
        logger.info("reading %s", path)
        for quad in ox.parse(path=str(path), format=fmt):
            s, p, o = _literal_or_iri(quad.subject), quad.predicate.value, quad.object
            if p in NAME_PREDICATES:
                if _is_en(o):
                    names[s].append(_literal_or_iri(o))
                    if p == _LABEL:
                        labels.setdefault(s, _literal_or_iri(o))
                continue
            if p in DESCRIPTION_PREDICATES:
                if _is_en(o):
                    descriptions[s].append(_literal_or_iri(o))
                continue
            if p == _RDF_TYPE:
                if _literal_or_iri(o).endswith(("#ObjectProperty", "#DatatypeProperty", "#Property")):
                    declared.add(s)
                continue
            if p.startswith(VOCABULARIES):
                continue
            subject_props[s].add(p)
            seen[p] += 1
            pair = (s, _literal_or_iri(o), isinstance(o, ox.NamedNode))
            bucket = facts[p]
            if len(bucket) < per_property:
                bucket.append(pair)
            else:
                j = rng.randrange(seen[p])
                if j < per_property:
                    bucket[j] = pair
    pool = Pool(",".join(Path(p).name for p in paths))
    for prop in sorted(declared | set(facts)):
        text = make_relation_text(prop, names.get(prop, ()), descriptions.get(prop, ()))
        if text.texts:
            pool.relations[prop] = list(text.texts)
            pool.names[prop] = list(text.name_texts) or list(text.texts)
    return pool, dict(facts), labels, dict(subject_props)


def _surface(value: str, labels: dict[str, str]) -> str | None:
    """How a node reads in text: its label, or a literal's value; ``None`` for an unlabelled IRI."""
    if value in labels:
        return labels[value]
    if re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I):
        return None
    return value if 0 < len(value) <= 60 else None


def graph_examples(
    paths: Sequence[str | Path], per_property: int = 40, per_fact: int = 2, seed: int = 13
) -> tuple[Pool, list[Example]]:
    """Template examples from the facts of the graph files ``paths`` (one pool).

    Args:
        paths: RDF files read together as one graph.
        per_property: facts sampled per property.
        per_fact: templates instantiated per fact.
        seed: sampling seed.
    """
    if per_property < 1 or per_fact < 1:
        raise InputError("per_property and per_fact must be >= 1")
    pool, facts, labels, subject_props = read_graph(paths, per_property, seed)
    rng = random.Random(seed)
    out: list[Example] = []
    for prop, pairs in sorted(facts.items()):
        if prop not in pool.relations:
            continue
        for s, o, o_is_iri in pairs:
            subj, obj = _surface(s, labels), _surface(o, labels)
            if not subj or not obj:
                continue
            negatives = sorted(q for q in subject_props.get(s, ()) if q != prop and q in pool.relations)
            # a literal (a date, a number) is not an entity a question is about: no inverse reading
            usable = [t for t in TEMPLATES if o_is_iri or t[1] == "fwd"]
            for _kind, direction, template in rng.sample(usable, min(per_fact, len(usable))):
                rel = rng.choice(pool.names[prop])
                if direction == "fwd":
                    text = template.format(rel=rel, subj=mark(subj), obj=obj)
                else:
                    text = template.format(rel=rel, subj=subj, obj=mark(obj))
                if rng.random() < 0.3:
                    text = text.lower()
                out.append(Example(text, prop, pool.name, [s, o], negatives, "template"))
    logger.info("%s: %d properties, %d template examples", pool.name, len(pool.relations), len(out))
    return pool, out


def find_mention(question: str, names: Iterable[str]) -> str:
    """``question`` with the first of ``names`` it contains (case-insensitive, whole words) marked."""
    for name in sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True):
        m = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", question, re.I)
        if m:
            return question[: m.start()] + mark(m.group(0)) + question[m.end() :]
    return question


def load_property_labels(path: str | Path) -> dict[str, dict[str, str]]:
    """A ``{"P..": {"label": ..., "description": ...}}`` file (entries without a label are dropped)."""
    file = Path(path)
    if not file.is_file():
        raise DataNotFoundError(f"property label file {file} not found; point --property-labels at it")
    data = json.loads(file.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InputError(f"{file}: expected an object of property id -> {{label, description}}")
    return {k: v for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("label"), str) and v["label"]}


def load_entity_names(path: str | Path | None) -> dict[str, list[str]]:
    """Wikidata id -> names, from a ``{key: {"wikidata_id", "label", "alternatives"}}`` file (``{}`` if ``None``)."""
    if path is None:
        return {}
    file = Path(path)
    if not file.is_file():
        raise DataNotFoundError(f"entity label file {file} not found; point --entity-labels at it or leave it out")
    out: dict[str, list[str]] = {}
    for value in json.loads(file.read_text(encoding="utf-8")).values():
        if isinstance(value, dict) and value.get("wikidata_id") and value.get("label"):
            alts = [a for a in value.get("alternatives") or [] if isinstance(a, str)]
            out[str(value["wikidata_id"])] = [str(value["label"]), *alts]
    return out


def simplequestions_pool(
    questions: str | Path, property_labels: str | Path, entity_labels: str | Path | None = None
) -> tuple[Pool, list[Example]]:
    """Examples from a SimpleQuestions-Wikidata file, for the properties with a known label.

    Raises:
        DataNotFoundError: if a file is missing.
    """
    file = Path(questions)
    if not file.is_file():
        raise DataNotFoundError(f"question file {file} not found; point --questions at it")
    props = load_property_labels(property_labels)
    ent_names = load_entity_names(entity_labels)
    pool = Pool(file.name)
    for pid, info in sorted(props.items()):
        desc = info.get("description") or ""
        pool.relations[pid] = [info["label"], *([desc] if desc else [])]
        pool.names[pid] = [info["label"]]
    out: list[Example] = []
    marked = 0
    with file.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 4 or not re.fullmatch(r"[PR]\d+", row[1]):
                continue
            pid = "P" + row[1][1:]
            if pid not in props:
                continue
            question = " ".join(row[3].split())
            text = find_mention(question, ent_names.get(row[0], ()))
            marked += text != question
            out.append(Example(text, pid, pool.name, [row[0], row[2]], [], "questions"))
    logger.info("%s: %d questions on %d labelled properties (%d marked)", file.name, len(out), len(props), marked)
    return pool, out


#: the least Jaccard overlap between a path's end entities and a MetaQA question's gold answers
MIN_PATH_OVERLAP = 0.5


def _step_names(text: str) -> set[str]:
    from kgqa.graph.relation_paths import INVERSE_PREFIX

    return {step.removeprefix(INVERSE_PREFIX) for step in text.split(" ; ")}


def path_negatives(target: str, others: Sequence[str], rng: random.Random, k: int = 8) -> list[str]:
    """Up to ``k`` hard negatives for a path text: half of them its confusers, the rest drawn at random.

    Confusers are the other path texts from the same entity that walk the target's relations in another
    order, direction or number of steps ("directed by ; inverse written by" for "written by ; inverse
    written by ; directed by"): ranked by how much of the target's relation names they share (Jaccard),
    ties broken at random. They are the paths a path search must tell apart, and random ones from a
    hub's hundreds of paths are rarely among them.
    """
    names = _step_names(target)
    shuffled = list(others)
    rng.shuffle(shuffled)

    def overlap(text: str) -> float:
        other = _step_names(text)
        return len(other & names) / len(other | names)

    close = [t for t in sorted(shuffled, key=overlap, reverse=True) if overlap(t) > 0][: k // 2]
    rest = [t for t in shuffled if t not in close]
    return close + rest[: k - len(close)]


def metaqa_path_pool(
    kb_dir: str | Path,
    question_files: Sequence[str | Path],
    per_hop: int = 3000,
    seed: int = 13,
    directed: bool = False,
    negative_hops: int = 0,
) -> tuple[Pool, list[Example]]:
    """Weakly supervised (question, path text) pairs from MetaQA question files, over the MetaQA KB.

    Only the questions outside the benchmark's held-out share (:func:`kgqa.bench.metaqa_kb.in_benchmark_split`,
    by topic entity) are used: the data directory holds MetaQA dev only, so its benchmark part is never trained
    on. For each question (at most ``per_hop`` per file, seeded) every relation path of the file's hop count
    (``N-hop`` folder) from the bracketed topic entity, in both directions, is walked; the path whose end
    entities (the topic entity left out) overlap the gold answers best (Jaccard, at least
    :data:`MIN_PATH_OVERLAP`: MetaQA's gold sets and the KB's walks do not always agree exactly) is the
    question's reading. A question whose best overlap is shared by paths of different texts is ambiguous and
    skipped (no guessed label); one without a path that overlaps enough is skipped too.
    The path text is the relations' names joined as at inference
    (:func:`kgqa.graph.relation_paths.path_text`); the other path texts from the same entity are the hard
    negatives: with ``negative_hops`` (the longest path the search walks, e.g.
    :data:`kgqa.graph.relation_paths.MAX_HOPS`) they include the longer paths too, so that a two-step
    question learns to rank its path above the three-step zig-zag ("written by ; inverse written by ;
    written by") that reaches every writer again; 0 walks only the file's hop count. The pool's
    "relations" are the path texts; with ``directed`` they mark backward steps as at inference with a
    model trained on them (:func:`kgqa.graph.relation_paths.path_text`).
    """
    from kgqa.bench.metaqa_kb import hops_of, in_benchmark_split, read_kb, read_questions
    from kgqa.graph.relation_paths import FRONTIER_LIMIT, path_text

    if per_hop < 1:
        raise InputError(f"per_hop must be >= 1, got {per_hop}")
    if negative_hops < 0:
        raise InputError(f"negative_hops must be >= 0 (0: the question file's hop count), got {negative_hops}")
    kb = read_kb(kb_dir)
    names = {
        rid: make_relation_text(f"urn:relation:{rid}", [n.replace("_", " ")]).name_texts[0]
        for rid, n in kb.relations.items()
    }
    adjacency: dict[str, list[tuple[str, str]]] = defaultdict(list)  # node -> (step key, neighbour)
    for h, r, t in kb.triples:
        adjacency[h].append((r + ">", t))
        adjacency[t].append((r + "<", h))
    by_name: dict[str, list[str]] = defaultdict(list)
    for eid, name in kb.entities.items():
        by_name[name.casefold()].append(eid)

    def walk(start: str, hops: int) -> dict[tuple[str, ...], set[str]]:
        frontier: dict[tuple[str, ...], set[str]] = {(): {start}}
        every: dict[tuple[str, ...], set[str]] = {}
        for _ in range(hops):
            grown: dict[tuple[str, ...], set[str]] = defaultdict(set)
            for prefix, nodes in frontier.items():
                if len(nodes) > FRONTIER_LIMIT:
                    continue
                for node in nodes:
                    for step, other in adjacency.get(node, ()):
                        if other != start:
                            grown[(*prefix, step)].add(other)
            frontier = dict(grown)
            every.update(frontier)
        return every

    def text_of(path: tuple[str, ...]) -> str:
        return path_text([names[s[:-1]] for s in path], [s[-1] == ">" for s in path] if directed else None)

    pool = Pool("metaqa-paths")
    out: list[Example] = []
    rng = random.Random(seed)
    skipped = Counter()
    for file in question_files:
        hops = hops_of(file)
        questions = [q for q in read_questions(file) if not in_benchmark_split(q.entity)]
        for q in rng.sample(questions, min(per_hop, len(questions))):
            starts = sorted(
                by_name.get(q.entity.casefold(), ()),
                key=lambda e: (kb.entities[e] != q.entity, int(e) if e.isdigit() else 0),
            )
            if not starts:
                skipped["unlinked"] += 1
                continue
            every = walk(starts[0], max(hops, negative_hops))
            gold = {a.casefold() for a in q.answers}
            overlap: dict[str, float] = {}
            for p, ends in every.items():
                if len(p) == hops:
                    got = {kb.entities[e].casefold() for e in ends}
                    jaccard = len(got & gold) / len(got | gold)
                    overlap[text_of(p)] = max(overlap.get(text_of(p), 0.0), jaccard)
            top = max(overlap.values(), default=0.0)
            matching = [t for t, v in overlap.items() if v == top]
            if top < MIN_PATH_OVERLAP or len(matching) != 1:
                skipped["ambiguous" if top >= MIN_PATH_OVERLAP else "no path"] += 1
                continue
            target = matching[0]
            negatives = sorted({text_of(p) for p in every} - {target})
            for t in [target, *negatives]:
                pool.relations.setdefault(t, [t])
                pool.names.setdefault(t, [t])
            marked = q.text[: q.start] + mark(q.entity) + q.text[q.end :]
            out.append(Example(marked, target, pool.name, [starts[0]], path_negatives(target, negatives, rng), "paths"))
    logger.info(
        "metaqa paths: %d questions kept, %d path texts; skipped %s", len(out), len(pool.relations), dict(skipped)
    )
    return pool, out


def _held_out(key: str, share: float, seed: int) -> bool:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def split(
    examples: Sequence[Example], dev_share: float = 0.1, seed: int = 13
) -> tuple[list[Example], list[Example], set[str]]:
    """Split by property AND by entity: a seeded ``dev_share`` of properties and of entities is held out.

    An example goes to dev when its property or one of its entities is held out; train keeps only examples
    that touch neither, and hard negatives naming a held-out property are dropped from train.

    Returns:
        ``(train, dev, held-out properties)``.
    """
    if not 0 < dev_share < 1:
        raise InputError(f"dev_share must be in (0, 1), got {dev_share}")
    held_props = {e.relation for e in examples if _held_out("p:" + e.pool + e.relation, dev_share, seed)}
    train: list[Example] = []
    dev: list[Example] = []
    for e in examples:
        if e.relation in held_props or any(_held_out("e:" + x, dev_share, seed) for x in e.entities):
            dev.append(e)
        else:
            negs = [n for n in e.negatives if n not in held_props]
            train.append(Example(e.text, e.relation, e.pool, e.entities, negs, e.source))
    return train, dev, held_props


def write_jsonl(path: str | Path, examples: Iterable[Example]) -> int:
    """Write examples as JSON lines; returns how many."""
    n = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for e in examples:
            out.write(json.dumps(asdict(e), ensure_ascii=False) + "\n")
            n += 1
    return n


__all__ = [
    "CLOSE",
    "OPEN",
    "TEMPLATES",
    "Example",
    "Pool",
    "graph_examples",
    "load_entity_names",
    "load_property_labels",
    "find_mention",
    "mark",
    "metaqa_path_pool",
    "path_negatives",
    "read_graph",
    "simplequestions_pool",
    "split",
    "write_jsonl",
]
