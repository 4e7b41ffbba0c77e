"""Streaming RDF input of ``kgqa world build``: N-Triples line by line, compressed files, Turtle and RDF/XML."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import pytest
import rdflib

from kgqa.errors import GraphError
from kgqa.world.rdf_stream import NTWriter, convert_rdf, copy_ntriples, literal, open_lines, rdf_format

EX = "http://example.org/"
NT = f"""\
# a comment
<{EX}ada> <{EX}bornIn> <{EX}harbor> .
<{EX}ada> <http://www.w3.org/2000/01/rdf-schema#label> "Ada \\"Quill\\""@en .

_:b1 <{EX}age> "36"^^<http://www.w3.org/2001/XMLSchema#integer> .
"""
TTL = f"""@prefix ex: <{EX}> .
ex:ada ex:bornIn ex:harbor ; ex:name "Ada" .
"""
RDF_XML = f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">
  <rdf:Description rdf:about="{EX}ada"><ex:bornIn rdf:resource="{EX}harbor"/></rdf:Description>
</rdf:RDF>
"""


def _copy(path: Path, out: Path, **kw) -> tuple[int, rdflib.Graph]:
    with NTWriter(out) as w:
        skipped = copy_ntriples(path, w, **kw)
    return skipped, rdflib.Graph().parse(out, format="nt")


def test_ntriples_are_copied(tmp_path):
    (tmp_path / "in.nt").write_text(NT)
    skipped, graph = _copy(tmp_path / "in.nt", tmp_path / "out.nt")
    assert skipped == 0 and len(graph) == 3
    assert (rdflib.URIRef(EX + "ada"), rdflib.URIRef(EX + "bornIn"), rdflib.URIRef(EX + "harbor")) in graph
    assert rdflib.Literal('Ada "Quill"', lang="en") in set(graph.objects())


def test_bad_ntriples_line_names_file_and_line(tmp_path):
    (tmp_path / "in.nt").write_text(NT + f"<{EX}ada> <{EX}knows> .\n" + NT)
    with pytest.raises(GraphError, match=r"in\.nt, line 6: .*--skip-bad-lines"):
        _copy(tmp_path / "in.nt", tmp_path / "out.nt")
    assert not (tmp_path / "out.nt").exists() and not list(tmp_path.glob(".*.tmp"))  # no partial output


def test_skip_bad_lines_counts_them(tmp_path):
    (tmp_path / "in.nt").write_text(NT + "not a triple\n" + f"<{EX}b> <{EX}c> <{EX}d>\n")  # no final dot
    skipped, graph = _copy(tmp_path / "in.nt", tmp_path / "out.nt", skip_bad_lines=True)
    assert skipped == 2 and len(graph) == 3


@pytest.mark.parametrize("opener, suffix", [(gzip.open, ".gz"), (bz2.open, ".bz2")])
def test_compressed_ntriples(tmp_path, opener, suffix):
    path = tmp_path / f"in.nt{suffix}"
    with opener(path, "wt", encoding="utf-8") as fh:
        fh.write(NT)
    assert rdf_format(path) == "nt"
    skipped, graph = _copy(path, tmp_path / "out.nt")
    assert skipped == 0 and len(graph) == 3


def test_truncated_gzip_is_a_graph_error(tmp_path):
    data = gzip.compress((NT * 200).encode())
    path = tmp_path / "in.nt.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(GraphError, match=r"in\.nt\.gz is truncated or corrupt"):
        _copy(path, tmp_path / "out.nt")
    assert not (tmp_path / "out.nt").exists()


def test_not_gzip_and_not_utf8(tmp_path):
    (tmp_path / "fake.nt.gz").write_text(NT)
    with pytest.raises(GraphError, match="truncated or corrupt"):
        list(open_lines(tmp_path / "fake.nt.gz"))
    (tmp_path / "latin.nt").write_bytes(f'<{EX}a> <{EX}b> "caf\xe9" .\n'.encode("latin-1"))
    with pytest.raises(GraphError, match=r"latin\.nt, line 1 is not UTF-8"):
        list(open_lines(tmp_path / "latin.nt"))


@pytest.mark.parametrize("name, text", [("in.ttl", TTL), ("in.rdf", RDF_XML)])
def test_turtle_and_rdfxml_become_ntriples(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    with NTWriter(tmp_path / "out.nt") as w:
        n = convert_rdf(tmp_path / name, w)
    graph = rdflib.Graph().parse(tmp_path / "out.nt", format="nt")
    assert n == len(graph) >= 1
    assert (rdflib.URIRef(EX + "ada"), rdflib.URIRef(EX + "bornIn"), rdflib.URIRef(EX + "harbor")) in graph


def test_gzipped_turtle(tmp_path):
    (tmp_path / "in.ttl.gz").write_bytes(gzip.compress(TTL.encode()))
    with NTWriter(tmp_path / "out.nt") as w:
        assert convert_rdf(tmp_path / "in.ttl.gz", w) == 2
    assert not list(tmp_path.glob(".rdf-input.*"))


def test_malformed_turtle_names_the_file(tmp_path):
    (tmp_path / "bad.ttl.gz").write_bytes(gzip.compress(b"@prefix ex: <http://example.org/> .\nex:a ex:b .\n"))
    with pytest.raises(GraphError, match=r"bad\.ttl\.gz, line 2"):
        with NTWriter(tmp_path / "out.nt") as w:
            convert_rdf(tmp_path / "bad.ttl.gz", w)
    assert not (tmp_path / "out.nt").exists()


def test_rdfxml_external_entities_are_refused(tmp_path):
    evil = RDF_XML.replace(
        '<?xml version="1.0"?>', '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "http://evil/">]>'
    )
    (tmp_path / "evil.rdf").write_text(evil)
    with pytest.raises(GraphError, match="external entities"):
        with NTWriter(tmp_path / "out.nt") as w:
            convert_rdf(tmp_path / "evil.rdf", w)


def test_unknown_rdf_extension():
    with pytest.raises(GraphError, match="cannot tell the RDF format"):
        rdf_format(Path("graph.csv.gz"))
    assert rdf_format(Path("g.owl")) == "xml" and rdf_format(Path("g.TTL.bz2")) == "turtle"


def test_literal_escapes_and_types():
    assert literal('a "b"\n', "en") == '"a \\"b\\"\\n"@en'
    assert literal("5", datatype="http://www.w3.org/2001/XMLSchema#integer").endswith("#integer>")
