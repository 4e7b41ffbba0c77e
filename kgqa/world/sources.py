"""Converters of the data directory's datasets (``$KGQA_DATA``) into N-Triples and passages.

* FB15k-237 (``fb15k237.nt``): relations are IRIs with the ``rdfs:label`` of
  ``relation2text.txt`` (and their last path segment as ``skos:altLabel``); entities carry their
  ``entity2text.txt`` name as ``rdfs:label``, the Wikidata label and aliases of
  ``entity2wikidata.json`` as ``skos:altLabel``, its description as ``rdfs:comment`` and
  ``skos:exactMatch`` to the Wikidata item. Every entity is an ``fb:Entity``; heads are also
  typed by their relation's domain (``/people/person/...`` -> class "person"). The triple files
  are read twice, streamed: once for the entities, relations and head classes (maps the size of
  the vocabulary, not of the triples), once to write the triples.
* WordNet 3.0 (``wordnet.nt``): the noun hierarchy of ``data.noun``, streamed line by line: each
  synset a class (``rdfs:label`` its first lemma, other lemmas as ``skos:altLabel``, the gloss as
  ``rdfs:comment``) with ``rdfs:subClassOf`` its hypernyms; synsets with instance hypernyms
  ("Shakespeare" -> dramatist) are individuals typed by them.
* ConceptNet (``conceptnet.nt``): the causal relations of CN-100K ``train.txt``, streamed:
  ``Causes`` as the kgqa ontology's ``o:causes``; ``CausesDesire``, ``HasPrerequisite`` and
  ``MotivatedByGoal`` as properties of their own.
* SQuAD (``passages.jsonl``): the train paragraphs as ``{"id", "title", "text"}``. SQuAD is one
  JSON document, so it is read whole (about 30 MB).
* Passage files (JSON lines): validated by :class:`kgqa.retrieval.store.PassageStore` file by file.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgqa.errors import InputError
from kgqa.world.rdf_stream import NTWriter, iri, literal, open_lines, temp_beside

logger = logging.getLogger(__name__)

Progress = Callable[[int], None] | None

FB_NS = "https://kgqa.dev/fb15k237/"
WN_NS = "https://kgqa.dev/wordnet/"
CN_NS = "https://kgqa.dev/conceptnet/"
ONT = "https://kgqa.dev/ontology#"
WIKIDATA = "http://www.wikidata.org/entity/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL = "http://www.w3.org/2002/07/owl#"

#: ConceptNet relation -> (property IRI, label, alternative labels); Causes is the kgqa ontology's o:causes
CAUSAL_RELATIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "Causes": (ONT + "causes", "caused", ()),
    "CausesDesire": (CN_NS + "relation/causesDesire", "causes desire", ("makes you want", "makes people want")),
    "HasPrerequisite": (CN_NS + "relation/hasPrerequisite", "has prerequisite", ("requires", "needs", "prerequisite")),
    "MotivatedByGoal": (CN_NS + "relation/motivatedByGoal", "motivated by goal", ("in order to", "because you want")),
}
#: the data directory's files of each source, relative to it
SOURCES: dict[str, tuple[str, ...]] = {
    "fb15k237": (
        "kg/fb15k237/train.txt",
        "kg/fb15k237/valid.txt",
        "kg/fb15k237/test.txt",
        "kg/fb15k237/entity2text.txt",
        "kg/fb15k237/relation2text.txt",
        "kg/fb15k237/entity2wikidata.json",
    ),
    "wordnet": ("kg/wordnet3.0/data.noun",),
    "conceptnet": ("kg/conceptnet100k/train.txt",),
    "squad": ("squad/train-v1.1.json",),
}
#: source files that may be absent
OPTIONAL_SOURCES = ("kg/fb15k237/entity2wikidata.json",)


def _rows(path: Path, progress: Progress = None) -> Iterator[tuple[int, str]]:
    for lineno, line in open_lines(path, progress):
        if line.strip():
            yield lineno, line


# --------------------------------------------------------------------------- FB15k-237
def fb_entity(mid: str) -> str:
    """``/m/027rn`` -> ``https://kgqa.dev/fb15k237/entity/m.027rn``."""
    return FB_NS + "entity/" + mid.strip("/").replace("/", ".")


def fb_relation(rel: str) -> str:
    """``/people/person/nationality`` -> ``https://kgqa.dev/fb15k237/relation/people/person/nationality``."""
    return FB_NS + "relation/" + rel.strip("/")


def _fb_domain(rel: str) -> tuple[str, str] | None:
    """The head's class of a relation, ``/people/person/nationality`` -> (class IRI, "person")."""
    parts = rel.strip("/").split("/")
    if len(parts) < 3:
        return None
    return FB_NS + "class/" + ".".join(parts[:2]), parts[1].replace("_", " ")


def _fb_triples(paths: Iterable[Path], progress: Progress = None) -> Iterator[tuple[str, str, str]]:
    for path in paths:
        for lineno, line in _rows(path, progress):
            parts = line.split("\t")
            if len(parts) != 3:
                raise InputError(f"{path}:{lineno}: expected 'head<TAB>relation<TAB>tail'")
            yield parts[0].strip(), parts[1].strip(), parts[2].strip()


def _tab_map(path: Path) -> dict[str, str]:
    return dict(line.split("\t", 1) for _, line in _rows(path) if "\t" in line)


def write_fb15k237(root: Path, out: Path, progress: Progress = None) -> int:
    """FB15k-237 as N-Triples at ``out``; returns the triple count.

    ``progress`` is called with the bytes read of the triple files (they are read twice).
    """
    train, valid, test, ent_path, rel_path, wd_path = (root / f for f in SOURCES["fb15k237"])
    splits = (train, valid, test)
    names = _tab_map(ent_path)
    rel_names = _tab_map(rel_path)
    try:
        wikidata: dict[str, Any] = json.loads(wd_path.read_text(encoding="utf-8")) if wd_path.is_file() else {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{wd_path} is not a JSON object of Freebase ids: {exc}") from exc
    relations: set[str] = set(rel_names)
    entities: set[str] = set(names)
    heads: dict[str, set[str]] = {}
    for h, r, t in _fb_triples(splits, progress):
        relations.add(r)
        entities.update((h, t))
        dom = _fb_domain(r)
        if dom:
            heads.setdefault(h, set()).add(dom[0])
    entity_class = FB_NS + "class/Entity"
    with NTWriter(out) as w:
        w.add(entity_class, RDF_TYPE, iri(OWL + "Class"))
        w.add(entity_class, RDFS + "label", literal("Freebase entity", "en"))
        domains: set[str] = set()
        for rel in sorted(relations):
            p = fb_relation(rel)
            w.add(p, RDF_TYPE, iri(OWL + "ObjectProperty"))
            w.add(p, RDFS + "label", literal(rel_names.get(rel, rel.strip("/").replace("/", " ")).strip(), "en"))
            short = rel.rstrip("/").rsplit("/", 1)[-1].replace("_", " ").strip(". ")
            if short:
                w.add(p, SKOS + "altLabel", literal(short, "en"))
            dom = _fb_domain(rel)
            if dom and dom[0] not in domains:
                domains.add(dom[0])
                w.add(dom[0], RDF_TYPE, iri(OWL + "Class"))
                w.add(dom[0], RDFS + "label", literal(dom[1], "en"))
                w.add(dom[0], RDFS + "subClassOf", iri(entity_class))
        for mid in sorted(entities):
            e = fb_entity(mid)
            info = wikidata.get(mid) or {}
            name = names.get(mid) or info.get("label") or mid
            w.add(e, RDF_TYPE, iri(entity_class))
            for cls in sorted(heads.get(mid, ())):
                w.add(e, RDF_TYPE, iri(cls))
            w.add(e, RDFS + "label", literal(name, "en"))
            alts = [info.get("label"), *(info.get("alternatives") or [])]
            for alt in dict.fromkeys(a for a in alts if isinstance(a, str) and a.strip() and a != name):
                w.add(e, SKOS + "altLabel", literal(alt, "en"))
            if isinstance(info.get("description"), str) and info["description"].strip():
                w.add(e, RDFS + "comment", literal(info["description"], "en"))
            if isinstance(info.get("wikidata_id"), str) and re.fullmatch(r"Q\d+", info["wikidata_id"]):
                w.add(e, SKOS + "exactMatch", iri(WIKIDATA + info["wikidata_id"]))
        for h, r, t in _fb_triples(splits, progress):
            w.add(fb_entity(h), fb_relation(r), iri(fb_entity(t)))
    return w.count


# --------------------------------------------------------------------------- WordNet
@dataclass
class Synset:
    """A noun synset of ``data.noun``."""

    offset: str
    lemmas: list[str]
    hypernyms: list[str] = field(default_factory=list)
    instance_of: list[str] = field(default_factory=list)
    gloss: str = ""


def parse_data_noun_line(line: str) -> Synset | None:
    """One ``data.noun`` line (``None`` for the licence header, whose lines start with spaces).

    Raises:
        InputError: a synset line without the fields WordNet's data format defines.
    """
    if not line.strip() or line.startswith(" "):
        return None
    body, _, gloss = line.partition(" | ")
    f = body.split()
    try:
        offset, w_cnt = f[0], int(f[3], 16)
        lemmas = [f[4 + 2 * i].replace("_", " ") for i in range(w_cnt)]
        i = 4 + 2 * w_cnt
        p_cnt = int(f[i])
        syn = Synset(offset, [re.sub(r"\([a-z]+\)$", "", x) for x in lemmas], gloss=gloss.strip())
        for k in range(p_cnt):
            symbol, target, pos = f[i + 1 + 4 * k], f[i + 2 + 4 * k], f[i + 3 + 4 * k]
            if pos != "n":
                continue
            if symbol == "@":
                syn.hypernyms.append(target)
            elif symbol == "@i":
                syn.instance_of.append(target)
    except (IndexError, ValueError) as exc:
        raise InputError(f"malformed data.noun line {line[:60]!r}: {exc}") from exc
    return syn


def wn_synset(offset: str) -> str:
    """The IRI of the noun synset at ``offset``."""
    return f"{WN_NS}n{offset}"


def write_wordnet(root: Path, out: Path, progress: Progress = None) -> int:
    """WordNet's noun hierarchy as N-Triples at ``out``; returns the triple count."""
    path = root / SOURCES["wordnet"][0]
    with NTWriter(out) as w:
        for _, line in open_lines(path, progress):
            syn = parse_data_noun_line(line)
            if syn is None or not syn.lemmas:
                continue
            s = wn_synset(syn.offset)
            if syn.instance_of:
                for target in syn.instance_of:
                    w.add(s, RDF_TYPE, iri(wn_synset(target)))
            else:
                w.add(s, RDF_TYPE, iri(OWL + "Class"))
            for target in syn.hypernyms:
                w.add(s, RDFS + "subClassOf", iri(wn_synset(target)))
            w.add(s, RDFS + "label", literal(syn.lemmas[0], "en"))
            for alt in dict.fromkeys(syn.lemmas[1:]):
                if alt != syn.lemmas[0]:
                    w.add(s, SKOS + "altLabel", literal(alt, "en"))
            if syn.gloss:
                w.add(s, RDFS + "comment", literal(syn.gloss, "en"))
    return w.count


# --------------------------------------------------------------------------- ConceptNet
def cn_concept(phrase: str) -> str:
    """The IRI of a ConceptNet phrase (lower-cased, non-alphanumerics as ``_``)."""
    return CN_NS + "c/" + re.sub(r"[^0-9a-z]+", "_", phrase.strip().lower()).strip("_")


def write_conceptnet(root: Path, out: Path, progress: Progress = None) -> int:
    """ConceptNet's causal relations as N-Triples at ``out``; returns the triple count."""
    path = root / SOURCES["conceptnet"][0]
    concept_class = CN_NS + "class/Concept"
    with NTWriter(out) as w:
        w.add(concept_class, RDF_TYPE, iri(OWL + "Class"))
        w.add(concept_class, RDFS + "label", literal("concept", "en"))
        for rel, (prop, label, alts) in CAUSAL_RELATIONS.items():
            if prop.startswith(ONT):
                continue  # declared, with its labels, by the kgqa ontology
            w.add(prop, RDF_TYPE, iri(OWL + "ObjectProperty"))
            w.add(prop, RDFS + "label", literal(label, "en"))
            for alt in alts:
                w.add(prop, SKOS + "altLabel", literal(alt, "en"))
            w.add(prop, RDFS + "comment", literal(f"ConceptNet {rel}", "en"))
        seen: set[str] = set()
        for lineno, line in _rows(path, progress):
            parts = line.split("\t")
            if len(parts) < 3:
                raise InputError(f"{path}:{lineno}: expected 'relation<TAB>head<TAB>tail'")
            rel, head, tail = parts[0].strip(), parts[1].strip(), parts[2].strip()
            if rel not in CAUSAL_RELATIONS or not head or not tail:
                continue
            for phrase in (head, tail):
                c = cn_concept(phrase)
                if c not in seen and c != CN_NS + "c/":
                    seen.add(c)
                    w.add(c, RDF_TYPE, iri(concept_class))
                    w.add(c, RDFS + "label", literal(phrase, "en"))
            w.add(cn_concept(head), CAUSAL_RELATIONS[rel][0], iri(cn_concept(tail)))
    return w.count


# --------------------------------------------------------------------------- passages
class JSONLWriter:
    """Writes JSON lines to a temporary file beside ``path``, renamed into place when the block succeeds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fd, self._tmp = temp_beside(path)
        self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self.count = 0

    def add(self, record: dict[str, Any]) -> None:
        """Write one object as a line."""
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.count += 1

    def __enter__(self) -> JSONLWriter:
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        self._fh.close()
        if exc_type is None:
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink(missing_ok=True)


def write_squad_passages(root: Path, out: Path, limit: int | None = None, progress: Progress = None) -> int:
    """The SQuAD train paragraphs as ``{"id", "title", "text"}`` JSON lines (the first ``limit``)."""
    path = root / SOURCES["squad"][0]
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8"))["data"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a SQuAD JSON file: {exc}") from exc
    if progress is not None:
        progress(len(raw))
    with JSONLWriter(out) as w:
        for a, article in enumerate(data):
            title = str(article.get("title", "")).replace("_", " ")
            for p, para in enumerate(article.get("paragraphs", [])):
                if limit is not None and w.count >= limit:
                    break
                text = str(para.get("context", "")).strip()
                if text:
                    w.add({"id": f"squad-train-{a:03d}-{p:03d}", "title": title, "text": text})
    return w.count


def copy_passages(path: Path, out: Path, seen_ids: set[str] | None = None, progress: Progress = None) -> int:
    """Validate a passage JSON-lines file with :class:`~kgqa.retrieval.store.PassageStore` and copy it to ``out``.

    The file is held in memory while it is checked (one file at a time).

    Args:
        path: the passage file.
        out: where its passages are written (canonical ``{"id", "text", "title", "entities"}`` lines).
        seen_ids: ids of passages of earlier files; an id seen again is an error, and the file's ids are added.

    Raises:
        InputError: naming the file and line of an invalid record or a duplicate id.
    """
    from kgqa.retrieval.store import PassageStore

    store = PassageStore.from_jsonl(path)
    if progress is not None:
        progress(path.stat().st_size)
    if seen_ids is not None:
        for pid in store.ids():
            if pid in seen_ids:
                raise InputError(f"{path}: passage id {pid!r} is also in an earlier passage file; ids must be unique")
        seen_ids.update(store.ids())
    with JSONLWriter(out) as w:
        for passage in store:
            w.add(passage.to_dict())
    return w.count


__all__ = [
    "CAUSAL_RELATIONS",
    "SOURCES",
    "Synset",
    "cn_concept",
    "copy_passages",
    "fb_entity",
    "fb_relation",
    "parse_data_noun_line",
    "wn_synset",
    "write_conceptnet",
    "write_fb15k237",
    "write_squad_passages",
    "write_wordnet",
]
