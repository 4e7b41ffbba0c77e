"""The Wikidata dump filter of ``kgqa world build``: truthy N-Triples and JSON dumps, plain, gzip and bz2."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import pytest
import rdflib

from kgqa.errors import GraphError, InputError
from kgqa.world.rdf_stream import NTWriter
from kgqa.world.wikidata import WikidataFilter, dump_format, filter_dump, read_ids

WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TRUTHY = f"""\
<{WD}Q1> <{WDT}P31> <{WD}Q5> .
<{WD}Q1> <{WDT}P27> <{WD}Q2> .
<{WD}Q1> <{LABEL}> "Ada Quill"@en .
<{WD}Q1> <{LABEL}> "Ada Quill (fr)"@fr .
<{WD}Q1> <http://schema.org/description> "a director"@en .
<{WD}Q3> <{WDT}P31> <{WD}Q5> .
<{WD}Q3> <{LABEL}> "Other person"@en .
<{WD}P31> <{LABEL}> "instance of"@en .
<{WD}P27> <{LABEL}> "country of citizenship"@en .
<{WD}statement/x> <{WDT}P31> <{WD}Q5> .
"""


def _entity(eid, label, claims=None):
    return {
        "type": "item" if eid.startswith("Q") else "property",
        "id": eid,
        "labels": {"en": {"language": "en", "value": label}, "de": {"language": "de", "value": label + " (de)"}},
        "descriptions": {"en": {"language": "en", "value": f"about {label}"}},
        "aliases": {"en": [{"language": "en", "value": label.upper()}]},
        "claims": claims or {},
    }


def _claim(value, rank="normal", kind="wikibase-entityid"):
    data = {"type": kind, "value": {"entity-type": "item", "id": value} if kind == "wikibase-entityid" else value}
    return {"mainsnak": {"snaktype": "value", "property": "P", "datavalue": data}, "rank": rank}


ENTITIES = [
    _entity(
        "Q1",
        "Ada Quill",
        {
            "P31": [_claim("Q5")],
            "P27": [_claim("Q2", "deprecated"), _claim("Q4", "preferred"), _claim("Q6")],  # truthy: preferred only
            "P1477": [_claim({"text": "Ada Q.", "language": "en"}, kind="monolingualtext")],
            "P569": [_claim({"time": "+1901-02-03T00:00:00Z", "precision": 11}, kind="time")],
        },
    ),
    _entity("Q3", "Other person", {"P31": [_claim("Q5")]}),
    _entity("P27", "country of citizenship"),
]


def _json_dump(path: Path, opener=open) -> Path:
    lines = ["["] + [json.dumps(e) + "," for e in ENTITIES[:-1]] + [json.dumps(ENTITIES[-1]), "]"]
    with opener(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def _filter(dump: Path, out: Path, keep: WikidataFilter) -> rdflib.Graph:
    with NTWriter(out) as w:
        filter_dump(dump, w, keep)
    return rdflib.Graph().parse(out, format="nt")


def _u(x: str) -> rdflib.URIRef:
    return rdflib.URIRef(x)


@pytest.mark.parametrize("opener, suffix", [(open, ""), (gzip.open, ".gz"), (bz2.open, ".bz2")])
def test_truthy_nt_keeps_listed_items_and_properties(tmp_path, opener, suffix):
    dump = tmp_path / f"truthy.nt{suffix}"
    with opener(dump, "wt", encoding="utf-8") as fh:
        fh.write(TRUTHY)
    graph = _filter(dump, tmp_path / "out.nt", WikidataFilter({"Q1"}, {"P31"}))
    assert (_u(WD + "Q1"), _u(WDT + "P31"), _u(WD + "Q5")) in graph
    assert (_u(WD + "Q1"), _u(WDT + "P27"), None) not in graph  # property not listed
    assert not list(graph.triples((_u(WD + "Q3"), None, None)))  # item not listed
    labels = set(graph.objects(_u(WD + "Q1"), _u(LABEL)))
    assert labels == {rdflib.Literal("Ada Quill", lang="en")}  # French label left out
    assert (_u(WDT + "P31"), _u(LABEL), rdflib.Literal("instance of", lang="en")) in graph  # the relation's name
    assert not list(graph.triples((_u(WD + "P27"), None, None)))


def test_truthy_nt_bad_kept_line(tmp_path):
    dump = tmp_path / "truthy.nt"
    dump.write_text(TRUTHY + f'<{WD}Q1> <{WDT}P31> "unterminated .\n')
    with pytest.raises(GraphError, match=r"truthy\.nt, line 11"):
        _filter(dump, tmp_path / "out.nt", WikidataFilter({"Q1"}, None))
    _filter(dump, tmp_path / "out.nt", WikidataFilter({"Q3"}, None))  # a line the filter drops is never parsed


@pytest.mark.parametrize("opener, suffix", [(open, ""), (gzip.open, ".gz"), (bz2.open, ".bz2")])
def test_json_dump_keeps_truthy_statements_of_listed_items(tmp_path, opener, suffix):
    dump = _json_dump(tmp_path / f"all.json{suffix}", opener)
    graph = _filter(dump, tmp_path / "out.nt", WikidataFilter({"Q1"}, {"P27", "P569", "P1477"}))
    q1 = _u(WD + "Q1")
    assert set(graph.objects(q1, _u(WDT + "P27"))) == {_u(WD + "Q4")}  # preferred beats normal and deprecated
    assert (q1, _u(WDT + "P31"), None) not in graph
    assert rdflib.Literal("Ada Q.", lang="en") in set(graph.objects(q1, _u(WDT + "P1477")))
    born = next(iter(graph.objects(q1, _u(WDT + "P569"))))
    assert str(born).startswith("1901-02-03T00:00:00") and str(born.datatype).endswith("#dateTime")
    assert set(graph.objects(q1, _u(LABEL))) == {rdflib.Literal("Ada Quill", lang="en")}
    assert rdflib.Literal("ADA QUILL", lang="en") in set(graph.objects(q1, None))  # alias
    assert not list(graph.triples((_u(WD + "Q3"), None, None)))
    assert (_u(WDT + "P27"), _u(LABEL), rdflib.Literal("country of citizenship", lang="en")) in graph


def test_json_dump_all_items_one_property(tmp_path):
    dump = _json_dump(tmp_path / "all.json")
    graph = _filter(dump, tmp_path / "out.nt", WikidataFilter(None, {"P31"}, ()))
    assert {s for s, _, _ in graph.triples((None, _u(WDT + "P31"), None))} == {_u(WD + "Q1"), _u(WD + "Q3")}
    assert rdflib.Literal("Ada Quill (de)", lang="de") in set(graph.objects())  # no language filter


def test_json_dump_malformed_line(tmp_path):
    dump = tmp_path / "all.json.gz"
    with gzip.open(dump, "wt") as fh:
        fh.write('[\n{"id": "Q1", "claims": {}},\n{"id": "Q2", "claims": \n]\n')
    with pytest.raises(GraphError, match=r"all\.json\.gz, line 3 is not a Wikidata entity"):
        _filter(dump, tmp_path / "out.nt", WikidataFilter({"Q1"}, None))
    assert not (tmp_path / "out.nt").exists()


def test_truncated_json_dump(tmp_path):
    dump = _json_dump(tmp_path / "all.json.bz2", bz2.open)
    data = dump.read_bytes()
    dump.write_bytes(data[: len(data) - 20])
    with pytest.raises(GraphError, match="truncated or corrupt"):
        _filter(dump, tmp_path / "out.nt", WikidataFilter(None, None))


def test_read_ids(tmp_path):
    (tmp_path / "items.txt").write_text("# my items\nQ42\n<http://www.wikidata.org/entity/Q5>  # humans\n\nwd:Q1\n")
    assert read_ids(tmp_path / "items.txt", "Q") == {"Q42", "Q5", "Q1"}
    (tmp_path / "props.txt").write_text("P31\nQ5\n")
    with pytest.raises(InputError, match=r"props\.txt:2: 'Q5' is not a Wikidata id like P31"):
        read_ids(tmp_path / "props.txt", "P")
    with pytest.raises(InputError, match="cannot read the id list"):
        read_ids(tmp_path / "missing.txt", "Q")


def test_dump_format():
    assert dump_format(Path("latest-truthy.nt.bz2")) == "nt" and dump_format(Path("latest-all.json.gz")) == "json"
    with pytest.raises(InputError, match="cannot tell the Wikidata dump format"):
        dump_format(Path("dump.csv"))
