"""``kgqa bench world build --out DIR``: a larger world for running the suites at scale.

Built from the data directory (``$KGQA_DATA``), written outside the repository:

* ``fb15k237.nt``: FB15k-237 (train, valid and test triples). Relations are IRIs with the
  ``rdfs:label`` of ``relation2text.txt`` (and their last path segment as ``skos:altLabel``);
  entities carry their ``entity2text.txt`` name as ``rdfs:label``, the Wikidata label and
  aliases of ``entity2wikidata.json`` as ``skos:altLabel``, its description as
  ``rdfs:comment`` and ``skos:exactMatch`` to the Wikidata item. Every entity is an
  ``fb:Entity``; heads are also typed by their relation's domain (``/people/person/...``
  -> class "person").
* ``wordnet.nt``: WordNet 3.0's noun hierarchy from ``data.noun``: each synset a class
  (``rdfs:label`` its first lemma, other lemmas as ``skos:altLabel``, the gloss as
  ``rdfs:comment``) with ``rdfs:subClassOf`` its hypernyms; synsets with instance
  hypernyms ("Shakespeare" -> dramatist) are individuals typed by them.
* ``conceptnet.nt``: ConceptNet's causal relations from CN-100K ``train.txt``: ``Causes`` as
  the kgqa ontology's ``o:causes``; ``CausesDesire``, ``HasPrerequisite`` and
  ``MotivatedByGoal`` as properties of their own.
* ``ontology.ttl``: a copy of the shipped ``graphs/ontology.ttl`` (``o:causes`` and friends).
* ``passages.jsonl``: the SQuAD train paragraphs (``{"id", "title", "text"}``), indexed with
  :func:`kgqa.retrieval.build_index` into ``index/`` (``--no-index`` skips the encoding,
  about 2 hours on a laptop CPU for all 18,896 paragraphs).
* ``kgqa.json``: a :class:`~kgqa.config.PipelineConfig` (relative paths), so that
  ``kgqa ask --pipeline DIR "..."`` runs on the world.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from kgqa.errors import ConfigError, DataNotFoundError, InputError

logger = logging.getLogger(__name__)

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
#: the data directory's files, relative to it
SOURCES = {
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
GRAPH_FILES = ("ontology.ttl", "fb15k237.nt", "wordnet.nt", "conceptnet.nt")
OUTPUTS = (*GRAPH_FILES, "passages.jsonl", "kgqa.json", "index")


# --------------------------------------------------------------------------- N-Triples
def literal(text: str, lang: str | None = None) -> str:
    """An N-Triples literal (escaped), optionally language-tagged."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


def iri(value: str) -> str:
    """``<value>`` with the characters N-Triples forbids in IRIs percent-encoded."""
    return "<" + quote(value, safe=":/#?&=.-_~%+@!$'()*,;") + ">"


class NTWriter:
    """Writes triples to an N-Triples file, counting them; written to a temporary name and renamed on close."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tmp = path.with_name(path.name + ".tmp")
        self._fh: TextIO = self._tmp.open("w", encoding="utf-8", newline="\n")
        self.count = 0

    def add(self, s: str, p: str, o: str) -> None:
        """``s``/``p`` are IRIs (plain strings); ``o`` is already formatted (:func:`iri` or :func:`literal`)."""
        self._fh.write(f"{iri(s)} {iri(p)} {o} .\n")
        self.count += 1

    def close(self) -> None:
        self._fh.close()
        os.replace(self._tmp, self.path)

    def __enter__(self) -> NTWriter:
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self._fh.close()
            self._tmp.unlink(missing_ok=True)


def _lines(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [line.rstrip("\r") for line in fh.read().split("\n") if line.strip()]


def _progress(items: Iterable[Any], total: int | None, desc: str, show: bool) -> Iterable[Any]:
    if not show:
        return items
    from kgqa.bench.common import progress

    return progress(items, total=total, desc=desc, unit="row")


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


def write_fb15k237(root: Path, out: Path, show_progress: bool = True) -> int:
    """FB15k-237 as N-Triples at ``out``; returns the triple count."""
    train, valid, test, ent_path, rel_path, wd_path = (root / f for f in SOURCES["fb15k237"])
    names = dict(line.split("\t", 1) for line in _lines(ent_path) if "\t" in line)
    rel_names = dict(line.split("\t", 1) for line in _lines(rel_path) if "\t" in line)
    wikidata: dict[str, Any] = json.loads(wd_path.read_text(encoding="utf-8")) if wd_path.is_file() else {}
    triples: list[tuple[str, str, str]] = []
    for split in (train, valid, test):
        for lineno, line in enumerate(_lines(split), 1):
            parts = line.split("\t")
            if len(parts) != 3:
                raise InputError(f"{split}:{lineno}: expected 'head<TAB>relation<TAB>tail'")
            triples.append((parts[0].strip(), parts[1].strip(), parts[2].strip()))
    entity_class = FB_NS + "class/Entity"
    with NTWriter(out) as w:
        w.add(entity_class, RDF_TYPE, iri(OWL + "Class"))
        w.add(entity_class, RDFS + "label", literal("Freebase entity", "en"))
        relations = sorted({r for _, r, _ in triples} | set(rel_names))
        domains: dict[str, str] = {}
        for rel in relations:
            p = fb_relation(rel)
            w.add(p, RDF_TYPE, iri(OWL + "ObjectProperty"))
            w.add(p, RDFS + "label", literal(rel_names.get(rel, rel.strip("/").replace("/", " ")).strip(), "en"))
            short = rel.rstrip("/").rsplit("/", 1)[-1].replace("_", " ").strip(". ")
            if short:
                w.add(p, SKOS + "altLabel", literal(short, "en"))
            dom = _fb_domain(rel)
            if dom and dom[0] not in domains:
                domains[dom[0]] = dom[1]
                w.add(dom[0], RDF_TYPE, iri(OWL + "Class"))
                w.add(dom[0], RDFS + "label", literal(dom[1], "en"))
                w.add(dom[0], RDFS + "subClassOf", iri(entity_class))
        heads: dict[str, set[str]] = {}
        for h, r, _ in triples:
            dom = _fb_domain(r)
            if dom:
                heads.setdefault(h, set()).add(dom[0])
        entities = sorted({x for h, _, t in triples for x in (h, t)} | set(names))
        for mid in _progress(entities, len(entities), "fb15k-237 entities", show_progress):
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
        for h, r, t in _progress(triples, len(triples), "fb15k-237 triples", show_progress):
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
    """One ``data.noun`` line (``None`` for the licence header, whose lines start with spaces)."""
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
    return f"{WN_NS}n{offset}"


def write_wordnet(root: Path, out: Path, show_progress: bool = True) -> int:
    """WordNet's noun hierarchy as N-Triples at ``out``; returns the triple count."""
    path = root / SOURCES["wordnet"][0]
    lines = _lines(path)
    with NTWriter(out) as w:
        for line in _progress(lines, len(lines), "wordnet nouns", show_progress):
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
    return CN_NS + "c/" + re.sub(r"[^0-9a-z]+", "_", phrase.strip().lower()).strip("_")


def write_conceptnet(root: Path, out: Path, show_progress: bool = True) -> int:
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
        lines = _lines(path)
        for lineno, line in enumerate(_progress(lines, len(lines), "conceptnet", show_progress), 1):
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
def write_passages(root: Path, out: Path, limit: int | None = None) -> int:
    """The SQuAD train paragraphs as ``{"id", "title", "text"}`` JSON lines (the first ``limit``)."""
    path = root / SOURCES["squad"][0]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a SQuAD JSON file: {exc}") from exc
    n = 0
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for a, article in enumerate(data):
            title = str(article.get("title", "")).replace("_", " ")
            for p, para in enumerate(article.get("paragraphs", [])):
                if limit is not None and n >= limit:
                    break
                text = str(para.get("context", "")).strip()
                if text:
                    fh.write(
                        json.dumps(
                            {"id": f"squad-train-{a:03d}-{p:03d}", "title": title, "text": text}, ensure_ascii=False
                        )
                        + "\n"
                    )
                    n += 1
    os.replace(tmp, out)
    return n


# --------------------------------------------------------------------------- the build
def check_out_dir(out: str | Path, overwrite: bool = False) -> Path:
    """The resolved output folder; refuses the repository's ``data/`` and ``graphs/`` and an existing world.

    Raises:
        ConfigError: the folder is inside the shipped assets or already holds a world (without ``overwrite``).
    """
    from kgqa.paths import PROJECT_ROOT

    path = Path(out).expanduser().resolve()
    for shipped in (PROJECT_ROOT / "data", PROJECT_ROOT / "graphs"):
        if path == shipped.resolve() or shipped.resolve() in path.parents:
            raise ConfigError(
                f"--out {out} is inside the repository's {shipped.name}/; the world is large and must "
                "live outside the repository, e.g. --out ~/kgqa-world"
            )
    if path == PROJECT_ROOT.resolve():
        raise ConfigError(f"--out {out} is the repository itself; choose a folder outside it, e.g. ~/kgqa-world")
    existing = [name for name in OUTPUTS if (path / name).exists()]
    if existing and not overwrite:
        raise ConfigError(f"{path} already holds a world ({', '.join(existing)}); pass --overwrite or another --out")
    return path


def build_world(
    data_dir: str | Path,
    out: str | Path,
    limit_passages: int | None = None,
    index: bool = True,
    overwrite: bool = False,
    show_progress: bool = True,
    batch_size: int = 32,
    index_builder: Callable[..., Any] | None = None,
) -> dict[str, Any]:
    """Build the world into ``out`` (see the module docstring); returns what was written.

    Args:
        data_dir: the data directory (holding ``kg/`` and ``squad/``).
        out: the world folder (outside the repository's ``data/`` and ``graphs/``).
        limit_passages: keep only the first N SQuAD paragraphs.
        index: embed the passages into ``out/index`` (else the config names the passage file).
        overwrite: replace an existing world in ``out``.
        show_progress: progress bars on stderr.
        batch_size: texts per encoder forward pass.
        index_builder: the index builder (default :func:`kgqa.retrieval.build_index`; tests pass a fake).

    Raises:
        DataNotFoundError: a source file is missing. ConfigError: a refused ``out``.
    """
    from kgqa.config import PipelineConfig
    from kgqa.paths import graphs_dir

    root = Path(data_dir)
    missing = [
        rel
        for files in SOURCES.values()
        for rel in files
        if not (root / rel).is_file() and not rel.endswith("entity2wikidata.json")
    ]
    if missing:
        raise DataNotFoundError(f"the data directory {root} lacks {', '.join(missing)}; set KGQA_DATA or --data-dir")
    if limit_passages is not None and limit_passages < 1:
        raise InputError(f"--limit-passages must be positive, got {limit_passages}")
    path = check_out_dir(out, overwrite)
    path.mkdir(parents=True, exist_ok=True)
    if overwrite and (path / "index").is_dir():
        shutil.rmtree(path / "index")
    counts: dict[str, int] = {}
    ontology = graphs_dir() / "ontology.ttl"
    if not ontology.is_file():
        raise DataNotFoundError(f"{ontology} is missing; the world reuses the shipped ontology")
    shutil.copyfile(ontology, path / "ontology.ttl")
    counts["fb15k237"] = write_fb15k237(root, path / "fb15k237.nt", show_progress)
    counts["wordnet"] = write_wordnet(root, path / "wordnet.nt", show_progress)
    counts["conceptnet"] = write_conceptnet(root, path / "conceptnet.nt", show_progress)
    counts["passages"] = write_passages(root, path / "passages.jsonl", limit_passages)
    config = PipelineConfig(graphs=list(GRAPH_FILES))
    encoder = None
    if index:
        builder = index_builder
        if builder is None:
            from kgqa.retrieval import build_index as builder
        built = builder([path / "passages.jsonl"], path / "index", batch_size=batch_size, show_progress=show_progress)
        encoder = getattr(getattr(built, "encoder", None), "name", None)
        config.index_dir = "index"
    else:
        config.passages = ["passages.jsonl"]
    config.save(path)
    return {
        "out": str(path),
        "triples": {k: v for k, v in counts.items() if k != "passages"},
        "passages": counts["passages"],
        "indexed": bool(index),
        "encoder": encoder,
        "graphs": list(GRAPH_FILES),
        "config": str(path / "kgqa.json"),
    }


# --------------------------------------------------------------------------- the suite
def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``kgqa bench world``."""
    p.add_argument("action", choices=("build",), help="build: write the world into --out")
    p.add_argument("--data-dir", help="the dataset folder (default: $KGQA_DATA or ../shared/datasets)")
    p.add_argument("--limit-passages", type=int, default=None, help="keep only the first N SQuAD paragraphs")
    p.add_argument(
        "--no-index",
        action="store_true",
        help="do not embed the passages (kgqa.json then names passages.jsonl; build the index later "
        "with `kgqa index build DIR/passages.jsonl --out DIR/index`)",
    )
    p.add_argument("--batch-size", type=int, default=32, help="texts per encoder forward pass")
    p.add_argument("--overwrite", action="store_true", help="replace a world already in --out")


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Build the world into ``--out``; the build summary becomes ``results.json``."""
    from kgqa.bench.common import Timer
    from kgqa.bench.report import data_info
    from kgqa.paths import data_dir

    if ns.out is None:
        raise ConfigError(
            "kgqa bench world build needs --out DIR, a folder outside the repository (e.g. --out ~/kgqa-world)"
        )
    root = Path(ns.data_dir) if ns.data_dir else data_dir(required=True)
    try:
        check_out_dir(ns.out, ns.overwrite)
    except ConfigError:
        if out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # the harness made it before asking us; leave no empty folder in data/ or graphs/
        raise
    with Timer() as t:
        summary = build_world(
            root,
            ns.out,
            ns.limit_passages,
            index=not ns.no_index,
            overwrite=ns.overwrite,
            show_progress=True,
            batch_size=ns.batch_size,
        )
    notes = [f'kgqa ask --pipeline {summary["out"]} "..." runs on this world']
    if ns.limit is not None:
        notes.append("--limit is ignored by the world build; use --limit-passages")
    return {
        **summary,
        "n": sum(summary["triples"].values()),
        "seconds": t.seconds,
        "data": data_info(
            root / SOURCES["fb15k237"][0], sources={k: [str(root / f) for f in v] for k, v in SOURCES.items()}
        ),
        "models": {"encoder": {"path": summary["encoder"] or ("<not used: --no-index>" if ns.no_index else None)}},
        "notes": notes,
    }


HELP = "build a larger world (FB15k-237, WordNet, ConceptNet, SQuAD passages) outside the repository"
