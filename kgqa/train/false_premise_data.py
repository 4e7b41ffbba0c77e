"""Data of the false-premise detector: FalseQA, and question pairs generated from the graphs.

FalseQA (``kgqa/falseqa/{train,valid}.csv``: question, answer, label with 1 = false premise) is read by
:func:`read_falseqa`; a seeded share of its train split is kept as dev (:func:`split_dev`).

The generated questions follow knowledge-graph-derived false-premise sets: a true fact ``(s, r, o)``
of FB15k-237, ConceptNet CN-100K or WN18RR (WordNet) has its object swapped for another object of the
same relation (its range), drawn in proportion to how often that object occurs there, so a rare
object is no cue; the swap must not hold for ``s`` with ``r``, nor be linked to ``s`` by any other
fact, so it is false under the data. Both twins are phrased with the same generic frame built from
the relation's own label (:func:`relation_label`, :func:`phrase`): "Why is O the R of S?", "When did
O become the R of S?", "How come S is R O?", "Which records show ...". No frame is written for one
relation. The pairs are split by subject (:func:`split_by_subject`): no subject is in two splits.
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
from dataclasses import dataclass, field
from pathlib import Path

from kgqa.errors import DataNotFoundError, InputError

logger = logging.getLogger(__name__)

FALSEQA_DIR = Path("kgqa") / "falseqa"
#: share of each generated source in the mixture (FB15k-237 facts, ConceptNet commonsense, WordNet)
SOURCE_SHARES = {"fb15k237": 0.45, "conceptnet": 0.35, "wordnet": 0.20}
#: FB15k-237 relations used: those where at least this share of subjects have exactly one object
FUNCTIONAL_SHARE = 0.85
#: ConceptNet and WordNet relations with fewer facts than this are left out
MIN_RELATION_FACTS = 300
#: WN18RR relations used (the hierarchy and part-whole ones; "derivationally related form" pairs words, not facts)
WORDNET_RELATIONS = ("_hypernym", "_instance_hypernym", "_has_part", "_member_meronym", "_synset_domain_topic_of")
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class FPExample:
    """One question with its label (1: its premise is false) and where it came from."""

    question: str
    label: int
    source: str
    subject: str = ""


@dataclass(frozen=True)
class GeneratedPair:
    """A true fact and its corrupted twin, phrased as questions with the same frame."""

    source: str
    subject: str
    relation: str
    true_object: str
    false_object: str
    true_question: str
    false_question: str

    def examples(self) -> list[FPExample]:
        """The two questions as labelled examples (true twin first)."""
        return [
            FPExample(self.true_question, 0, self.source, self.subject),
            FPExample(self.false_question, 1, self.source, self.subject),
        ]


@dataclass
class GraphFacts:
    """Facts of one graph with the names to phrase them: ``(s, r, o)`` ids, ``names`` and ``labels``."""

    source: str
    triples: list[tuple[str, str, str]]
    names: dict[str, str]
    labels: dict[str, str]
    #: facts that hold but are not to be phrased (other splits of the graph): used to reject swaps
    extra_holds: list[tuple[str, str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- FalseQA
def read_falseqa(path: str | Path, source: str = "falseqa") -> list[FPExample]:
    """Read a FalseQA CSV (columns ``question``, ``answer``, ``label``; 1 = false premise).

    The ``answer`` column (rebuttals or answers as a Python list literal) is not used.

    Raises:
        DataNotFoundError: the file does not exist.
        InputError: a column is missing, or a row has an empty question or a label other than 0/1
            (the message names the file and line).
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path} does not exist; FalseQA lives in $KGQA_DATA/{FALSEQA_DIR}")
    out: list[FPExample] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("question", "label") if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                f"{path}: no column {', '.join(missing)}; a FalseQA file has the header question,answer,label"
            )
        for row in reader:
            line = reader.line_num
            question = (row.get("question") or "").strip()
            label = (row.get("label") or "").strip()
            if not question:
                raise InputError(f"{path}:{line}: empty question; every row needs a question")
            if label not in ("0", "1"):
                raise InputError(f"{path}:{line}: label must be 0 (true premise) or 1 (false premise), not {label!r}")
            out.append(FPExample(question, int(label), source))
    if not out:
        raise InputError(
            f"{path} holds no rows; a FalseQA file has the header question,answer,label and one row a line"
        )
    return out


def falseqa_file(root: str | Path, split: str) -> Path:
    """``root/kgqa/falseqa/{split}.csv``."""
    return Path(root) / FALSEQA_DIR / f"{split}.csv"


def twin_groups(examples: Sequence[FPExample], min_overlap: float = 0.3) -> list[list[int]]:
    """Indices of ``examples`` grouped with their twins: FalseQA writes each false-premise question
    beside a true-premise one that differs in a word or two ("Why do fish breathe with lungs?" /
    "... with gills?"), and keeps both in one split.

    Each question is joined to its most similar question of the other label when their word sets
    overlap by at least ``min_overlap`` (Jaccard); groups are the connected components. A dev split
    that separated twins would score a model on the mirror image of what it trained on. Hand-written
    (an inverted index over words and a union-find, some 30 lines): kgqa has no text-similarity
    dependency for this.
    """
    words = [set(re.findall(r"[a-z0-9']+", e.question.lower())) for e in examples]
    index: dict[str, list[int]] = defaultdict(list)
    for i, ws in enumerate(words):
        for w in ws:
            index[w].append(i)
    parent = list(range(len(examples)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, ws in enumerate(words):
        shared: Counter[int] = Counter(j for w in ws for j in index[w] if examples[j].label != examples[i].label)
        best, best_score = None, 0.0
        # in index order, the first of equally similar questions wins: the same groups in every process
        # (a set's iteration order, and so the Counter's, changes with Python's string hash seed)
        for j in sorted(shared):
            score = shared[j] / len(ws | words[j])
            if score >= min_overlap and score > best_score:
                best, best_score = j, score
        if best is not None:
            parent[find(i)] = find(best)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(examples)):
        groups[find(i)].append(i)
    return sorted(groups.values())


def split_dev(examples: Sequence[FPExample], fraction: float, seed: int) -> tuple[list[FPExample], list[FPExample]]:
    """``(train, dev)``: a seeded ``fraction`` of ``examples`` kept out as dev, twins kept together.

    Whole :func:`twin_groups` go to one side, drawn in a seeded order until the dev side holds
    ``fraction`` of the examples.
    """
    if not 0 < fraction < 1:
        raise InputError(f"the dev fraction must be in (0, 1), not {fraction!r}")
    groups = twin_groups(examples)
    random.Random(seed).shuffle(groups)
    want = round(len(examples) * fraction)
    dev_idx: set[int] = set()
    for g in groups:
        if len(dev_idx) >= want:
            break
        dev_idx.update(g)
    train = [e for i, e in enumerate(examples) if i not in dev_idx]
    dev = [e for i, e in enumerate(examples) if i in dev_idx]
    random.Random(seed).shuffle(train)
    return train, dev


# --------------------------------------------------------------------------- phrasing
def _words(identifier: str) -> str:
    """``place_of_birth`` or ``CapableOf`` -> ``place of birth`` / ``capable of``."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", identifier).replace("_", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


def relation_label(relation: str) -> str:
    """The words of a relation's identifier.

    A Freebase path keeps its last segment; a compound (CVT) path ``a/b/x./c/d/y`` becomes
    ``x y`` (``s`` plural markers and repeated words dropped).

    Example:
        >>> relation_label("/people/person/place_of_birth")
        'place of birth'
        >>> relation_label("/organization/organization/headquarters./location/mailing_address/citytown")
        'headquarters citytown'
        >>> relation_label("CapableOf"), relation_label("_has_part")
        ('capable of', 'has part')
    """
    if relation.startswith("/"):
        parts = [p.strip("/").split("/")[-1] for p in relation.split(".") if p.strip("/")]
        words: list[str] = []
        for part in parts if len(parts) > 1 else parts[-1:]:
            for w in _words(part).split():
                if w != "s" and (not words or words[-1] != w) and w not in words:
                    words.append(w)
        return " ".join(words)
    return _words(relation)


_PREPOSITIONS = ("of", "for", "as", "by", "at", "to", "in", "on", "with", "from")


def label_shape(label: str) -> str:
    """How a relation label reads: ``verb`` ("has part", "causes"), ``predicate`` ("capable of",
    "used for", "at location": after "is") or ``noun`` ("place of birth": "the R of S").

    Example:
        >>> [label_shape(x) for x in ("causes", "has part", "used for", "place of birth", "hypernym")]
        ['verb', 'verb', 'predicate', 'noun', 'noun']
    """
    words = label.split()
    if not words:
        return "noun"
    first = words[0]
    # a third-person verb: "has", "is", or a verb in -es ("causes", "desires", "receives"; not "headquarters")
    if first in ("has", "is", "does") or (first.endswith("es") and len(first) > 4 and len(words) <= 2):
        return "verb"
    if first in _PREPOSITIONS or words[-1] in _PREPOSITIONS or first.endswith("ed"):
        return "predicate"
    return "noun"


#: frames per label shape; {S} subject, {R} relation label, {O} object, {C} the clause "S R O"
FRAMES: dict[str, tuple[str, ...]] = {
    "noun": (
        "Why is {O} the {R} of {S}?",
        "Why did the {R} of {S} turn out to be {O}?",
        "When did {O} become the {R} of {S}?",
        "How is {O} the {R} of {S}?",
        "Which records show that the {R} of {S} is {O}?",
        "How did {O} come to be the {R} of {S}?",
    ),
    "clause": (
        "Why is it that {C}?",
        "How come {C}?",
        "When did it become true that {C}?",
        "How is it that {C}?",
        "Which fact explains that {C}?",
        "Why do people say that {C}?",
    ),
}


def phrase(subject: str, label: str, obj: str, frame: int) -> str:
    """The question of frame number ``frame`` presupposing ``subject label obj``.

    Example:
        >>> phrase("Mara Holt", "place of birth", "Eldham", 0)
        'Why is Eldham the place of birth of Mara Holt?'
        >>> phrase("fish", "capable of", "swim", 1)
        'How come fish is capable of swim?'
    """
    shape = label_shape(label)
    if shape == "noun":
        frames = FRAMES["noun"]
        text = frames[frame % len(frames)].format(S=subject, R=label, O=obj)
    else:
        clause = f"{subject} {label} {obj}" if shape == "verb" else f"{subject} is {label} {obj}"
        frames = FRAMES["clause"]
        text = frames[frame % len(frames)].format(C=clause)
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- graphs
def _read_tsv(path: Path) -> Iterable[list[str]]:
    if not path.is_file():
        raise DataNotFoundError(f"{path} does not exist; check $KGQA_DATA")
    with open(path, encoding="utf-8", newline="") as fh:
        for line in fh:
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) >= 3:
                yield parts


def load_fb15k237(root: str | Path) -> GraphFacts:
    """FB15k-237 train/valid/test facts with Wikidata labels (else entity2text names)."""
    folder = Path(root) / "kg" / "fb15k237"
    triples = [(s, r, o) for f in ("train", "valid", "test") for s, r, o, *_ in _read_tsv(folder / f"{f}.txt")]
    names = {
        parts[0]: parts[1] for parts in (x.split("\t") for x in _lines(folder / "entity2text.txt")) if len(parts) > 1
    }
    wikidata = folder / "entity2wikidata.json"
    if wikidata.is_file():
        for mid, rec in json.loads(wikidata.read_text(encoding="utf-8")).items():
            if isinstance(rec, dict) and rec.get("label"):
                names[mid] = str(rec["label"])
    labels = {r: relation_label(r) for r in {t[1] for t in triples}}
    return GraphFacts("fb15k237", triples, names, labels)


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise DataNotFoundError(f"{path} does not exist; check $KGQA_DATA")
    return path.read_text(encoding="utf-8").splitlines()  # also drops the CR of CRLF files


def load_conceptnet(root: str | Path) -> GraphFacts:
    """CN-100K train facts (``relation head tail``); the true rows of dev1/dev2/test only block swaps.

    Negated relations (``NotCapableOf`` ...) state what does not hold and are left out.
    """
    folder = Path(root) / "kg" / "conceptnet100k"
    triples = [(h, r, t) for r, h, t, *_ in _read_tsv(folder / "train.txt") if not r.startswith("Not")]
    extra = []
    for name in ("dev1.txt", "dev2.txt", "test.txt", "valid.txt"):
        if (folder / name).is_file():
            extra += [(h, r, t) for r, h, t, *rest in _read_tsv(folder / name) if not rest or rest[0].strip() == "1"]
    nodes = {x for s, _, o in triples for x in (s, o)}
    labels = {r: relation_label(r) for r in {t[1] for t in triples}}
    return GraphFacts("conceptnet", triples, {n: n for n in nodes}, labels, extra)


def load_wordnet(root: str | Path) -> GraphFacts:
    """WN18RR facts of :data:`WORDNET_RELATIONS`, synsets named by their first lemma."""
    folder = Path(root) / "kg" / "wn18rr"
    triples = [
        (s, r, o)
        for f in ("train", "valid", "test")
        for s, r, o, *_ in _read_tsv(folder / f"{f}.txt")
        if r in WORDNET_RELATIONS
    ]
    names = {}
    for line in _lines(folder / "entity2text.txt"):
        sid, _, text = line.partition("\t")
        lemma = text.split(",", 1)[0].strip().replace("_", " ")
        if lemma:
            names[sid] = lemma
    labels = {r: relation_label(r) for r in WORDNET_RELATIONS}
    return GraphFacts("wordnet", triples, names, labels)


LOADERS = {"fb15k237": load_fb15k237, "conceptnet": load_conceptnet, "wordnet": load_wordnet}


# --------------------------------------------------------------------------- generation
def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def functional_share(triples: Sequence[tuple[str, str, str]]) -> dict[str, float]:
    """Per relation, the share of its subjects with exactly one object."""
    objects: dict[tuple[str, str], set[str]] = defaultdict(set)
    for s, r, o in triples:
        objects[(r, s)].add(o)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (r, _), objs in objects.items():
        counts[r][0] += len(objs) == 1
        counts[r][1] += 1
    return {r: single / total for r, (single, total) in counts.items()}


def generate_pairs(
    graph: GraphFacts, n_pairs: int, seed: int, min_functional: float = 0.0, min_facts: int = 1
) -> list[GeneratedPair]:
    """Up to ``n_pairs`` (true, false) question pairs from ``graph``, spread evenly over its relations.

    Args:
        graph: the facts and names.
        n_pairs: how many pairs at most.
        seed: seeds the choice of facts, swaps and frames.
        min_functional: use only relations with at least this :func:`functional_share`.
        min_facts: use only relations with at least this many facts.

    A fact yields no pair when its relation has no other object that is false for its subject
    (not a fact of ``s`` with the relation, not linked to ``s`` at all, named differently and
    sharing no word with the true object).
    """
    rng = random.Random(seed)
    holds: dict[tuple[str, str], set[str]] = defaultdict(set)
    linked: dict[str, set[str]] = defaultdict(set)
    for s, r, o in [*graph.triples, *graph.extra_holds]:
        holds[(s, r)].add(o)
        linked[s].add(o)
        linked[o].add(s)
    share = functional_share(graph.triples)
    by_relation: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for s, r, o in graph.triples:
        if s in graph.names and o in graph.names and graph.names[s].lower() != graph.names[o].lower():
            by_relation[r].append((s, o))
    relations = sorted(
        r
        for r, facts in by_relation.items()
        if share.get(r, 0.0) >= min_functional and len(facts) >= min_facts and graph.labels.get(r)
    )
    if not relations or n_pairs <= 0:
        return []
    per_relation = -(-n_pairs // len(relations))
    out: list[GeneratedPair] = []
    for r in relations:
        facts = sorted(set(by_relation[r]))
        rng.shuffle(facts)
        pool = [o for _, o in by_relation[r]]  # the range, each object as often as it occurs
        made = 0
        used_subjects: set[str] = set()
        for s, o in facts:
            if made >= per_relation:
                break
            if s in used_subjects:
                continue
            wrong = _draw_swap(graph, s, r, o, pool, holds, linked, rng)
            if wrong is None:
                continue
            frame = rng.randrange(6)
            label, sn = graph.labels[r], graph.names[s]
            out.append(
                GeneratedPair(
                    graph.source,
                    s,
                    r,
                    o,
                    wrong,
                    phrase(sn, label, graph.names[o], frame),
                    phrase(sn, label, graph.names[wrong], frame),
                )
            )
            used_subjects.add(s)
            made += 1
    rng.shuffle(out)
    return out[:n_pairs]


def _draw_swap(
    graph: GraphFacts,
    s: str,
    r: str,
    o: str,
    pool: Sequence[str],
    holds: dict[tuple[str, str], set[str]],
    linked: dict[str, set[str]],
    rng: random.Random,
    tries: int = 30,
) -> str | None:
    """An object of ``r`` that is false for ``s`` (see :func:`generate_pairs`), or ``None``."""
    true_name = graph.names[o].lower()
    avoid = _content_words(graph.names[o]) | _content_words(graph.names[s])
    for _ in range(tries):
        cand = pool[rng.randrange(len(pool))]
        if cand == o or cand == s or cand in holds[(s, r)] or cand in linked[s] or cand not in graph.names:
            continue
        name = graph.names[cand]
        if name.lower() == true_name or _content_words(name) & avoid:
            continue
        return cand
    return None


def _bucket(subject: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{subject}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_by_subject(
    pairs: Sequence[GeneratedPair], seed: int, fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
) -> dict[str, list[GeneratedPair]]:
    """Pairs split into ``train``/``dev``/``test`` by a seeded hash of their subject: no subject in two splits."""
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise InputError(f"split fractions must be three non-negative numbers summing to 1, not {fractions!r}")
    out: dict[str, list[GeneratedPair]] = {s: [] for s in SPLITS}
    for p in pairs:
        u = _bucket(f"{p.source}:{p.subject}", seed)
        split = "train" if u < fractions[0] else "dev" if u < fractions[0] + fractions[1] else "test"
        out[split].append(p)
    return out


def generated_splits(root: str | Path, n_pairs: int, seed: int) -> dict[str, list[GeneratedPair]]:
    """Pairs from every graph found under ``root/kg`` (shares :data:`SOURCE_SHARES`), split by subject.

    A graph whose folder is missing is skipped with a warning; none at all raises
    :class:`DataNotFoundError`.
    """
    pairs: list[GeneratedPair] = []
    for source, share in SOURCE_SHARES.items():
        try:
            graph = LOADERS[source](root)
        except DataNotFoundError as exc:
            logger.warning("false-premise data: %s skipped (%s)", source, exc)
            continue
        want = round(n_pairs * share)
        if source == "fb15k237":
            made = generate_pairs(graph, want, seed, min_functional=FUNCTIONAL_SHARE)
        else:
            made = generate_pairs(graph, want, seed, min_facts=MIN_RELATION_FACTS)
        logger.info("false-premise data: %d pairs from %s", len(made), source)
        pairs += made
    if not pairs:
        raise DataNotFoundError(
            f"no graph under {Path(root) / 'kg'} (fb15k237, conceptnet100k, wn18rr); check $KGQA_DATA"
        )
    return split_by_subject(pairs, seed)


def as_examples(pairs: Iterable[GeneratedPair]) -> list[FPExample]:
    """Both questions of every pair."""
    return [ex for p in pairs for ex in p.examples()]


def source_counts(examples: Iterable[FPExample]) -> dict[str, int]:
    """How many examples each source gave."""
    return dict(Counter(e.source for e in examples))
