"""Filtering a Wikidata dump down to listed items and properties, streamed.

Two dump shapes are read, plain, gzipped or bzip2ed:

* the **truthy N-Triples** dump (``latest-truthy.nt.gz``): lines such as
  ``<http://www.wikidata.org/entity/Q42> <http://www.wikidata.org/prop/direct/P31> <...Q5> .``
  and label lines (``rdfs:label``, ``skos:altLabel``, ``schema:name``, ``schema:description``).
  A cheap pattern reads each line's subject and predicate; only lines that pass the filter are
  parsed (and validated) by rdflib's N-Triples parser.
* the **JSON** dump (``latest-all.json.gz``): a JSON array with one entity object per line. Each
  kept entity's best-ranked statements (preferred, else normal; never deprecated) become
  ``wdt:`` triples, as in the truthy dump; its labels, aliases and descriptions become
  ``rdfs:label``, ``skos:altLabel`` and ``schema:description``.

The filter: with an item list, only triples whose subject is a listed item are kept; with a
property list, only statements whose property is listed (labels are always kept for kept
subjects). Labels are kept in the given languages only. A listed property's own labels are
written on its ``wdt:`` predicate IRI too, so that the graph can name the relation.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kgqa.errors import GraphError, InputError
from kgqa.world.rdf_stream import LineParser, NTWriter, iri, literal, open_lines

logger = logging.getLogger(__name__)

ENTITY = "http://www.wikidata.org/entity/"
DIRECT = "http://www.wikidata.org/prop/direct/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
SCHEMA_NAME = "http://schema.org/name"
SCHEMA_DESCRIPTION = "http://schema.org/description"
XSD = "http://www.w3.org/2001/XMLSchema#"
#: predicates of the truthy dump that name or describe an entity
LABEL_PREDICATES = frozenset({RDFS_LABEL, SKOS_ALT, SKOS_PREF, SCHEMA_NAME, SCHEMA_DESCRIPTION})

_ID = re.compile(r"^[QP][1-9]\d*$")
_NT_HEAD = re.compile(r"^<([^>]*)>\s+<([^>]*)>\s")
_LANG = re.compile(r'"@([A-Za-z0-9-]+)\s*\.\s*$')


def read_ids(path: Path, kind: str) -> set[str]:
    """The Wikidata ids listed in ``path``: one per line, ``Q42``/``P31`` or an entity IRI; ``#`` starts a comment.

    Args:
        path: the list file.
        kind: ``"Q"`` for an item list, ``"P"`` for a property list.

    Raises:
        InputError: the file cannot be read, or a line is not an id of that kind (file and line named).
    """
    ids: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the id list {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    for lineno, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip().strip("<>")
        if not text:
            continue
        for prefix in (ENTITY, DIRECT, "wd:", "wdt:"):
            if text.startswith(prefix):
                text = text[len(prefix) :]
        if not _ID.match(text) or text[0] != kind:
            example = "Q42" if kind == "Q" else "P31"
            raise InputError(f"{path}:{lineno}: {line.strip()[:60]!r} is not a Wikidata id like {example}")
        ids.add(text)
    return ids


def dump_format(path: Path) -> str:
    """``nt`` or ``json`` from the dump's name (``.gz``/``.bz2`` looked through).

    Raises:
        InputError: neither.
    """
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".bz2")]
    if suffixes and suffixes[-1] == ".nt":
        return "nt"
    if suffixes and suffixes[-1] == ".json":
        return "json"
    raise InputError(f"cannot tell the Wikidata dump format of {path}; name it *.nt[.gz|.bz2] or *.json[.gz|.bz2]")


class WikidataFilter:
    """Which subjects and properties of a dump to keep.

    Args:
        items: item ids to keep (``None``: every item).
        properties: property ids whose statements to keep (``None``: every property).
        languages: label languages to keep (empty: all).
    """

    def __init__(
        self, items: set[str] | None, properties: set[str] | None, languages: tuple[str, ...] = ("en",)
    ) -> None:
        self.items = items
        self.properties = properties
        self.languages = {lang.lower() for lang in languages}

    def keeps_subject(self, eid: str) -> bool:
        """Whether the entity ``eid``'s triples (its statements and labels) are kept."""
        if eid.startswith("P"):
            return self.properties is not None and eid in self.properties
        return self.items is None or eid in self.items

    def keeps_property(self, pid: str) -> bool:
        """Whether statements with property ``pid`` are kept."""
        return self.properties is None or pid in self.properties

    def keeps_language(self, lang: str) -> bool:
        """Whether a label in ``lang`` is kept."""
        return not self.languages or lang.lower() in self.languages


def filter_truthy_nt(
    path: Path, writer: NTWriter, keep: WikidataFilter, progress: Callable[[int], None] | None = None
) -> int:
    """Write the triples of a truthy N-Triples dump that ``keep`` keeps; returns the lines read.

    Raises:
        GraphError: a kept line is not valid N-Triples, or the dump is unreadable or truncated.
    """
    parser = LineParser()
    read = 0
    for lineno, line in open_lines(path, progress):
        read += 1
        head = _NT_HEAD.match(line)
        if head is None or not head.group(1).startswith(ENTITY):
            continue
        eid, pred = head.group(1)[len(ENTITY) :], head.group(2)
        if not keep.keeps_subject(eid):
            continue
        is_label = pred in LABEL_PREDICATES
        if is_label:
            lang = _LANG.search(line)
            if lang is not None and not keep.keeps_language(lang.group(1)):
                continue
        elif not (pred.startswith(DIRECT) and keep.keeps_property(pred[len(DIRECT) :])) or eid.startswith("P"):
            continue
        try:
            triple = parser.parse(line)
        except ValueError as exc:
            raise GraphError(f"malformed N-Triples in {path}, line {lineno}: {str(exc)[:160]}") from exc
        if triple is None:
            continue
        s, p, o = (t.n3() for t in triple)
        writer.add_terms(s, p, o)
        if is_label and eid.startswith("P"):
            writer.add_terms(iri(DIRECT + eid), p, o)  # name the relation itself
    return read


def _value_term(value: dict[str, Any]) -> str | None:
    """The N-Triples object of a statement's ``datavalue`` (``None`` for types kgqa does not read)."""
    kind, v = value.get("type"), value.get("value")
    if kind == "wikibase-entityid" and isinstance(v, dict) and isinstance(v.get("id"), str):
        return iri(ENTITY + v["id"])
    if kind == "string" and isinstance(v, str):
        return literal(v)
    if kind == "monolingualtext" and isinstance(v, dict) and isinstance(v.get("text"), str):
        return literal(v["text"], str(v.get("language") or "") or None)
    if kind == "time" and isinstance(v, dict) and isinstance(v.get("time"), str):
        return literal(v["time"].lstrip("+"), datatype=XSD + "dateTime")
    if kind == "quantity" and isinstance(v, dict) and isinstance(v.get("amount"), str):
        return literal(v["amount"].lstrip("+"), datatype=XSD + "decimal")
    return None  # globe coordinates and other shapes are left out


def _best_statements(statements: list[Any]) -> list[dict[str, Any]]:
    """The truthy statements: preferred ones if any, else the normal ones."""
    valid = [s for s in statements if isinstance(s, dict) and s.get("rank") != "deprecated"]
    preferred = [s for s in valid if s.get("rank") == "preferred"]
    return preferred or valid


def _entity_triples(entity: dict[str, Any], keep: WikidataFilter, writer: NTWriter) -> None:
    eid = entity["id"]
    subjects = [iri(ENTITY + eid)] + ([iri(DIRECT + eid)] if eid.startswith("P") else [])
    for field, pred in (("labels", RDFS_LABEL), ("descriptions", SCHEMA_DESCRIPTION)):
        for lang, val in (entity.get(field) or {}).items():
            if keep.keeps_language(lang) and isinstance(val, dict) and isinstance(val.get("value"), str):
                for s in subjects:
                    writer.add_terms(s, iri(pred), literal(val["value"], lang))
    for lang, vals in (entity.get("aliases") or {}).items():
        if keep.keeps_language(lang) and isinstance(vals, list):
            for val in vals:
                if isinstance(val, dict) and isinstance(val.get("value"), str):
                    for s in subjects:
                        writer.add_terms(s, iri(SKOS_ALT), literal(val["value"], lang))
    if eid.startswith("P"):
        return
    for pid, statements in (entity.get("claims") or {}).items():
        if not keep.keeps_property(pid) or not isinstance(statements, list):
            continue
        for st in _best_statements(statements):
            snak = st.get("mainsnak") or {}
            if snak.get("snaktype") != "value" or not isinstance(snak.get("datavalue"), dict):
                continue
            obj = _value_term(snak["datavalue"])
            if obj is not None:
                writer.add_terms(subjects[0], iri(DIRECT + pid), obj)


def filter_json_dump(
    path: Path, writer: NTWriter, keep: WikidataFilter, progress: Callable[[int], None] | None = None
) -> int:
    """Write the truthy triples of the JSON dump's entities that ``keep`` keeps; returns the entities read.

    Raises:
        GraphError: a line is neither an entity object nor the array's brackets, or the dump is unreadable.
    """
    read = 0
    for lineno, line in open_lines(path, progress):
        text = line.strip().rstrip(",")
        if text in ("", "[", "]"):
            continue
        try:
            entity = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise GraphError(
                f"{path}, line {lineno} is not a Wikidata entity object: {exc}; the JSON dump holds one entity per line"
            ) from exc
        if not isinstance(entity, dict) or not isinstance(entity.get("id"), str):
            raise GraphError(f"{path}, line {lineno}: an entity object needs an 'id' such as \"Q42\"")
        read += 1
        if keep.keeps_subject(entity["id"]):
            _entity_triples(entity, keep, writer)
    return read


def filter_dump(
    path: Path, writer: NTWriter, keep: WikidataFilter, progress: Callable[[int], None] | None = None
) -> int:
    """Filter a truthy N-Triples or JSON dump (by its name) into ``writer``; returns the lines/entities read."""
    if dump_format(path) == "nt":
        return filter_truthy_nt(path, writer, keep, progress)
    return filter_json_dump(path, writer, keep, progress)


__all__ = ["WikidataFilter", "dump_format", "filter_dump", "filter_json_dump", "filter_truthy_nt", "read_ids"]
