"""The graph half of ``kgqa bench scale``: graphs of a given size, claims about them, and their measurements.

A graph of ``size`` triples is written as N-Triples into a folder (:func:`prepare_graph`):

- **real** triples first, when a world folder is given (:class:`RealWorld`, e.g. FB15k-237, WordNet
  and ConceptNet from ``kgqa world build``): below the world's size, a seeded sample of its facts,
  each with the descriptions (types, labels, comments, class hierarchy) of its subject, property
  and object, so that every sampled entity keeps its names; at or above it, every real triple;
- **synthetic** triples for the rest (:func:`write_synthetic`): labelled entities with one class
  each, under object properties (a quarter of them functional), generated with a seed.

Claims (:class:`ClaimCase`) are drawn with the seed from the graph's facts: ``"S p O."`` with the
labels of the subject, property and object (true), or with another entity as object (false).

:func:`measure_graph` and :func:`prepare_backends` run in a fresh process each (see
:mod:`kgqa.bench.scale_suite`), so their peak memory is theirs alone: load the graph with one
backend (or save it once for the on-disk and SPARQL backends), build the graph-side premise
checker (entity linker, relation matcher, :class:`~kgqa.checks.premise.PremiseChecker` without an
NLI model or passages, so no model runs), and time ``checker.check(claim)`` and the fact lookup.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kgqa.errors import DataNotFoundError, GraphError
from kgqa.world.rdf_stream import NTWriter, literal, rdf_format

logger = logging.getLogger(__name__)

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SKOS_PREF = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
#: namespaces of description (schema and naming) predicates; a triple with another predicate and an IRI object is a fact
_VOCAB_NS = (
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "<http://www.w3.org/2000/01/rdf-schema#",
    "<http://www.w3.org/2002/07/owl#",
    "<http://www.w3.org/2004/02/skos/core#",
)
SYN_NS = "https://kgqa.dev/synthetic/"
#: labels of the synthetic object properties (every fourth one is functional)
VERBS = (
    "admires advises employs funds visits teaches trains supplies sponsors mentors hosts owns follows supports "
    "designs builds studies rivals replaces inspires insures audits protects recruits"
).split()
#: labels of the synthetic classes
NOUNS = (
    "guild studio harbour orchard foundry archive observatory brewery academy quarry vineyard workshop "
    "laboratory monastery theatre ferry company museum"
).split()
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"][:64]
FACTS_PER_ENTITY = 6


@dataclass(frozen=True)
class ClaimCase:
    """A claim to check: its text, the triple it states (N-Triples terms), and whether that triple holds."""

    text: str
    subject: str
    predicate: str
    object: str
    true: bool
    real: bool


@dataclass
class GraphData:
    """A graph written for one size: its files, how many triples are real and synthetic, and claims about it."""

    folder: Path
    files: list[Path]
    real_triples: int
    synthetic_triples: int
    claims: list[ClaimCase]

    @property
    def triples(self) -> int:
        return self.real_triples + self.synthetic_triples


# --------------------------------------------------------------------------- real triples
def world_files(world: Path) -> list[Path]:
    """The RDF files of a world folder: those its ``kgqa.json`` lists under ``graphs``, else every RDF file in it.

    Raises:
        DataNotFoundError: the folder or a listed file is missing, or it holds no RDF file.
    """
    if not world.is_dir():
        raise DataNotFoundError(f"no world folder at {world}; build one with `kgqa world build --out DIR`")
    config = world / "kgqa.json"
    if config.is_file():
        graphs = json.loads(config.read_text(encoding="utf-8")).get("graphs") or []
        files = [world / g for g in graphs]
    else:
        files = sorted(p for p in world.iterdir() if p.is_file() and _is_rdf(p))
    missing = [str(f) for f in files if not f.is_file()]
    if missing or not files:
        raise DataNotFoundError(
            f"the world folder {world} lists missing graph files ({', '.join(missing)})"
            if missing
            else f"the world folder {world} holds no RDF files; build one with `kgqa world build --out DIR`"
        )
    return files


def _is_rdf(path: Path) -> bool:
    try:
        rdf_format(path)
    except GraphError:  # not an RDF file name
        return False
    return True


def _n3_triples(path: Path) -> Iterator[tuple[str, str, str]]:
    """The triples of an RDF file as N-Triples terms: N-Triples streamed line by line, other formats parsed whole."""
    from kgqa.graph.io import parse_file
    from kgqa.world.rdf_stream import LineParser, open_lines

    if rdf_format(path) == "nt":
        parser = LineParser()
        for _, line in open_lines(path):
            triple = parser.parse(line)
            if triple is not None:
                yield triple[0].n3(), triple[1].n3(), triple[2].n3()
    else:
        triples, _ = parse_file(path)
        for s, p, o in triples:
            yield s.n3(), p.n3(), o.n3()


def is_fact(p: str, o: str) -> bool:
    """Whether a triple (N-Triples terms) is a fact between two nodes rather than a description of one."""
    return o.startswith("<") and not p.startswith(_VOCAB_NS)


class RealWorld:
    """The triples of a world folder's files, read once, from which graphs of any size are cut.

    Args:
        world: a folder written by ``kgqa world build`` (or holding RDF files).
    """

    def __init__(self, world: Path) -> None:
        self.world = world
        self.files = world_files(world)
        self.triples: list[tuple[str, str, str]] = []
        self.file_of: list[int] = []
        for i, path in enumerate(self.files):
            start = len(self.triples)
            self.triples.extend(_n3_triples(path))
            self.file_of.extend([i] * (len(self.triples) - start))
            logger.info("read %d triples from %s", len(self.triples) - start, path)
        #: the N-Triples file each world file's triples are written to (its stem, made unique)
        self.out_names: list[str] = []
        for path in self.files:
            name = _stem(path) + ".nt"
            self.out_names.append(name if name not in self.out_names else f"{len(self.out_names)}-{name}")
        self.described: dict[str, list[int]] = {}
        self.facts: list[int] = []
        for i, (s, p, o) in enumerate(self.triples):
            if is_fact(p, o):
                self.facts.append(i)
            else:
                self.described.setdefault(s, []).append(i)

    def __len__(self) -> int:
        return len(self.triples)

    def select(self, size: int, seed: int) -> list[int]:
        """Indices of ``min(size, len(self))`` triples: sampled facts with their nodes' descriptions, in file order."""
        if size >= len(self.triples):
            return list(range(len(self.triples)))
        chosen: dict[int, None] = {}
        seen: set[str] = set()

        def describe(node: str) -> None:
            stack = [node]
            while stack:
                n = stack.pop()
                if n in seen:
                    continue
                seen.add(n)
                for i in self.described.get(n, ()):
                    chosen[i] = None
                    o = self.triples[i][2]
                    if o.startswith("<") and o not in seen:
                        stack.append(o)  # the class of a type, the superclass, the domain...

        order = list(self.facts)
        random.Random(seed).shuffle(order)
        for i in order:
            if len(chosen) >= size:
                break
            s, p, o = self.triples[i]
            for node in (s, p, o):
                describe(node)
            chosen[i] = None
        return sorted(list(chosen)[:size])

    def write(self, indices: list[int], folder: Path) -> list[Path]:
        """Write the chosen triples into ``folder`` (created), one N-Triples file per world file that has any."""
        folder.mkdir(parents=True, exist_ok=True)
        writers: dict[int, NTWriter] = {}
        for i in indices:
            f = self.file_of[i]
            if f not in writers:
                writers[f] = NTWriter(folder / self.out_names[f])
            writers[f].add_terms(*self.triples[i])
        for w in writers.values():
            w.close()
        return [folder / self.out_names[f] for f in sorted(writers)]

    def claims(self, indices: list[int], n: int, seed: int) -> list[ClaimCase]:
        """``n`` claims from the chosen facts whose subject, property and object have labels; every other one false."""
        labels = _labels(self.triples[i] for i in indices if self.triples[i][1] in (RDFS_LABEL, SKOS_PREF))
        facts = [self.triples[i] for i in indices if is_fact(*self.triples[i][1:])]
        usable = [t for t in facts if all(x in labels for x in t)]
        objects: dict[tuple[str, str], set[str]] = {}
        by_prop: dict[str, list[str]] = {}
        for s, p, o in usable:
            objects.setdefault((s, p), set()).add(o)
            by_prop.setdefault(p, []).append(o)
        rng = random.Random(seed)
        picked = rng.sample(usable, min(n, len(usable)))
        out = []
        for k, (s, p, o) in enumerate(picked):
            if k % 2:
                pool = [x for x in by_prop[p] if x not in objects[(s, p)]] or [
                    x for x in labels if x.startswith("<") and x not in objects[(s, p)] and x != s
                ]
                if not pool:
                    continue
                o = rng.choice(pool)
            out.append(ClaimCase(_sentence(labels[s], labels[p], labels[o]), s, p, o, not k % 2, True))
        return out


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".bz2"):
        name = name.removesuffix(suffix)
    return name.rsplit(".", 1)[0]


def _labels(label_triples: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """Node -> its preferred label, by the rule of :meth:`KnowledgeGraph.label` (English or untagged rdfs:label first)."""
    from rdflib.util import from_n3

    best: dict[str, tuple[int, str]] = {}
    for s, p, o in label_triples:
        lit = from_n3(o)
        lang = getattr(lit, "language", None) or "en"
        rank = (0 if p == RDFS_LABEL else 2) + (0 if lang.startswith("en") else 1)
        if s not in best or rank < best[s][0]:
            best[s] = (rank, str(lit))
    return {s: text for s, (_, text) in best.items()}


def _sentence(subject: str, prop: str, obj: str) -> str:
    return f"{subject} {prop} {obj}."


# --------------------------------------------------------------------------- synthetic triples
def entity_name(i: int, seed: int) -> str:
    """A pronounceable two-word name, different for every ``i`` below 2**30.

    ``i`` is mixed by an odd multiplier modulo 2**30 (a bijection), and its five base-64 digits
    pick syllables, so neighbouring entities get unrelated names.
    """
    perm = list(range(64))
    random.Random(seed).shuffle(perm)
    mixed = (i * 0x2545F491 + seed) % (1 << 30)
    digits = [(mixed >> (6 * k)) & 63 for k in range(5)]
    syl = [_SYLLABLES[perm[(d + 7 * k) % 64]] for k, d in enumerate(digits)]
    first = syl[0] + syl[1] + syl[2]
    last = syl[3] + syl[4] + _SYLLABLES[perm[(digits[0] * 5 + 3) % 64]]
    return f"{first.capitalize()} {last.capitalize()}"


def write_synthetic(path: Path, count: int, n_claims: int, seed: int) -> tuple[int, list[ClaimCase]]:
    """Write ``count`` synthetic triples to ``path``; returns the count and ``n_claims`` claims about them.

    The schema (a root class, :data:`NOUNS` as its subclasses, :data:`VERBS` as object properties
    with labels, domain and range the root, every fourth functional) comes first; then entity ``i``
    of class ``i % len(NOUNS)`` gets a type, a label (:func:`entity_name`) and
    :data:`FACTS_PER_ENTITY` facts about seeded random other entities, at most one per functional
    property. A false claim swaps the object of one of these facts for another entity.
    """
    rng = random.Random(seed)
    root = f"<{SYN_NS}class/Thing>"
    classes = [f"<{SYN_NS}class/{n}>" for n in NOUNS]
    props = [f"<{SYN_NS}relation/{v}>" for v in VERBS]
    functional = props[::4]
    owl = "<http://www.w3.org/2002/07/owl#"
    rdfs = "<http://www.w3.org/2000/01/rdf-schema#"
    schema = [(root, RDF_TYPE, owl + "Class>"), (root, RDFS_LABEL, literal("synthetic thing", "en"))]
    for c, noun in zip(classes, NOUNS, strict=True):
        schema += [(c, RDF_TYPE, owl + "Class>"), (c, RDFS_LABEL, literal(noun, "en")), (c, rdfs + "subClassOf>", root)]
    for p, verb in zip(props, VERBS, strict=True):
        schema += [(p, RDF_TYPE, owl + "ObjectProperty>"), (p, RDFS_LABEL, literal(verb, "en"))]
        schema += [(p, rdfs + "domain>", root), (p, rdfs + "range>", root)]
        if p in functional:
            schema.append((p, RDF_TYPE, owl + "FunctionalProperty>"))
    per_entity = 2 + FACTS_PER_ENTITY
    n_entities = max(2, -(-(count - len(schema)) // per_entity))
    claim_at = dict.fromkeys(sorted(random.Random(seed + 1).sample(range(n_entities), min(n_claims, n_entities))))
    claims: list[ClaimCase] = []
    written = 0
    with NTWriter(path) as out:
        for triple in schema[:count]:
            out.add_terms(*triple)
            written += 1
        for i in range(n_entities):
            if written >= count:
                break
            e = f"<{SYN_NS}entity/e{i}>"
            rows = [(e, RDF_TYPE, classes[i % len(classes)]), (e, RDFS_LABEL, literal(entity_name(i, seed), "en"))]
            used: set[str] = set()
            for _ in range(FACTS_PER_ENTITY):
                p = rng.choice(props)
                if p in functional and p in used:
                    p = rng.choice([q for q in props if q not in functional])
                used.add(p)
                j = rng.randrange(n_entities - 1)
                rows.append((e, p, f"<{SYN_NS}entity/e{j + (j >= i)}>"))
            whole = written + len(rows) <= count
            for triple in rows[: count - written]:
                out.add_terms(*triple)
                written += 1
            if i in claim_at and whole:
                claims.append(_synthetic_claim(rows, i, n_entities, len(claims) % 2 == 0, rng, seed))
    return written, claims


def _synthetic_claim(
    rows: list[tuple[str, str, str]], i: int, n_entities: int, true: bool, rng: random.Random, seed: int
) -> ClaimCase:
    e, p, o = rows[2 + rng.randrange(len(rows) - 2)]
    if not true:
        taken = {x for _, q, x in rows[2:] if q == p}
        j = rng.randrange(n_entities)
        while f"<{SYN_NS}entity/e{j}>" in taken or j == i:
            j = (j + 1) % n_entities
        o = f"<{SYN_NS}entity/e{j}>"
    verb = VERBS[[f"<{SYN_NS}relation/{v}>" for v in VERBS].index(p)]
    obj = entity_name(int(o.rsplit("/e", 1)[1][:-1]), seed)
    return ClaimCase(_sentence(entity_name(i, seed), verb, obj), e, p, o, true, False)


def prepare_graph(size: int, folder: Path, world: RealWorld | None, n_claims: int, seed: int) -> GraphData:
    """Write a graph of ``size`` triples into ``folder`` (real ones first, then synthetic) with claims about it.

    Claims are shared between the real and the synthetic part in proportion to their triples.
    """
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    claims: list[ClaimCase] = []
    real = 0
    if world is not None:
        chosen = world.select(size, seed)
        real = len(chosen)
        files += world.write(chosen, folder)
        n_real = n_claims if real >= size else round(n_claims * real / size)
        claims += world.claims(chosen, n_real, seed)
    synthetic = 0
    if size > real:
        path = folder / "synthetic.nt"
        synthetic, more = write_synthetic(path, size - real, n_claims - len(claims), seed)
        files.append(path)
        claims += more
    logger.info("graph of %d triples (%d real, %d synthetic) in %s", real + synthetic, real, synthetic, folder)
    return GraphData(folder, files, real, synthetic, claims)


# --------------------------------------------------------------------------- measurements (one process each)
def hwm_rss_mb() -> float:
    """Peak resident memory of this process image so far, in MiB: ``VmHWM`` on Linux, else ``ru_maxrss``.

    ``ru_maxrss`` survives ``fork`` + ``exec``: a process spawned by a large parent reports the
    parent's peak until it exceeds it. ``VmHWM`` belongs to the process's own address space.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    from kgqa.bench.common import peak_rss_mb

    return peak_rss_mb()


def time_checks(kg: Any, claims: list[dict[str, Any]]) -> dict[str, Any]:
    """Build the graph-side premise checker over ``kg`` and time ``check`` and the fact lookup of each claim.

    The checker is :class:`~kgqa.checks.premise.PremiseChecker` with an entity linker (exact and
    fuzzy names, no encoder) and a relation matcher, without an NLI model or passages: it parses
    the claim, links it and decides it on the graph and the temporal rules alone.
    """
    from collections import Counter

    from kgqa.bench.common import percentile
    from kgqa.checks.premise import PremiseChecker
    from kgqa.graph.linking import EntityLinker
    from kgqa.graph.relations import RelationMatcher

    start = time.perf_counter()
    checker = PremiseChecker(kg, EntityLinker(kg), RelationMatcher(kg))
    setup_s = time.perf_counter() - start
    checker.check("Nothing is known about this.")  # first-call costs (lazy views) are not a claim's
    cases = [ClaimCase(**c) for c in claims]
    check_ms, lookup_ms = [], []
    outcomes: dict[str, Counter[str]] = {"true": Counter(), "false": Counter()}
    for case in cases:
        t0 = time.perf_counter()
        status = checker.check(case.text).status
        check_ms.append(1000 * (time.perf_counter() - t0))
        outcomes["true" if case.true else "false"][status] += 1
        t0 = time.perf_counter()
        kg.facts(case.subject, case.predicate, case.object)
        lookup_ms.append(1000 * (time.perf_counter() - t0))
    return {
        "checker_setup_s": setup_s,
        "claims": len(cases),
        "check_p50_ms": percentile(check_ms, 50),
        "check_p95_ms": percentile(check_ms, 95),
        "lookup_p50_ms": percentile(lookup_ms, 50),
        "lookup_p95_ms": percentile(lookup_ms, 95),
        "true_claims": dict(outcomes["true"]),
        "false_claims": dict(outcomes["false"]),
    }


def measure_graph(
    backend: str, source: str | list[str], claims: list[dict[str, Any]], catalogue: str | None = None
) -> dict[str, Any]:
    """Load a graph with one backend, then time the checks of ``claims`` (see :func:`time_checks`).

    Args:
        backend: ``memory`` (parse ``source``, a list of RDF files, into kgqa's in-memory triple
            index and reason), ``oxigraph`` (open the store folder ``source``, no parsing) or
            ``sparql`` (connect to the endpoint URL ``source``, with the names catalogue ``catalogue``;
            every lookup is an HTTP query).
        source: what the backend reads.
        claims: :class:`ClaimCase` fields as dicts.
        catalogue: the names catalogue of a ``sparql`` graph (see :func:`prepare_backends`).
    """
    from kgqa.graph.kg import KnowledgeGraph

    how = {"memory": "parse + reason", "oxigraph": "open", "sparql": "connect"}[backend]
    baseline = hwm_rss_mb()
    start = time.perf_counter()
    if backend == "memory":
        kg = KnowledgeGraph.load([Path(f) for f in source])
    else:
        kg = (
            KnowledgeGraph.open(str(source))
            if backend == "oxigraph"
            else KnowledgeGraph.connect(str(source), catalogue=catalogue)
        )
    res: dict[str, Any] = {"load_s": time.perf_counter() - start, "load": how}
    res.update({"baseline_rss_mb": baseline, "loaded_rss_mb": hwm_rss_mb(), "asserted": len(kg)})
    return {**res, **time_checks(kg, claims)}


def prepare_backends(files: list[str], store: str | None, nquads: str | None) -> dict[str, Any]:
    """Parse and reason the files once, then save an Oxigraph store (``oxigraph``) and/or N-Quads (``sparql``).

    With ``nquads``, the names catalogue the entity linker reads (:mod:`kgqa.graph.catalogue`) is
    written beside it (``<nquads>.catalogue.sqlite``) from the same graph, as a graph store holds
    one; ``KnowledgeGraph.connect(url, catalogue=...)`` would otherwise write it from the
    endpoint on first use.
    """
    from kgqa.graph.kg import KnowledgeGraph

    start = time.perf_counter()
    kg = KnowledgeGraph.load([Path(f) for f in files])
    res: dict[str, Any] = {"parse_reason_s": time.perf_counter() - start}
    if store is not None:
        start = time.perf_counter()
        kg.save_store(store)
        res["store_save_s"] = time.perf_counter() - start
        res["store_bytes"] = sum(p.stat().st_size for p in Path(store).rglob("*") if p.is_file())
    if nquads is not None:
        start = time.perf_counter()
        kg.export_nquads(nquads)
        res["export_s"] = time.perf_counter() - start
        from kgqa.graph.catalogue import write_catalogue

        start = time.perf_counter()
        write_catalogue(kg, nquads + ".catalogue.sqlite")
        res["catalogue_s"] = time.perf_counter() - start
    return res


def claim_dicts(claims: list[ClaimCase]) -> list[dict[str, Any]]:
    """Claims as plain dicts, to hand to a measuring process."""
    return [asdict(c) for c in claims]
