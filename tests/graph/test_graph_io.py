"""Loading each RDF format, error messages, and refusal of anything that would fetch remote data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgqa.errors import GraphError
from kgqa.graph import KnowledgeGraph

EX = "http://files.example/"

NT = f"""<{EX}a> <{EX}knows> <{EX}b> .
<{EX}a> <http://www.w3.org/2000/01/rdf-schema#label> "Ada"@en .
"""
RDFXML = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY ex "{EX}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="&ex;a">
    <rdfs:label>Ada</rdfs:label>
  </rdf:Description>
</rdf:RDF>
"""
JSONLD = {
    "@context": {"ex": EX, "label": "http://www.w3.org/2000/01/rdf-schema#label"},
    "@id": "ex:a",
    "label": "Ada",
    "ex:knows": {"@id": "ex:b"},
}
N3 = f"@prefix ex: <{EX}> .\nex:a ex:knows ex:b .\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "text", "n"),
    [
        ("a.nt", NT, 2),
        ("a.rdf", RDFXML, 1),
        ("a.owl", RDFXML, 1),
        ("a.jsonld", json.dumps(JSONLD), 2),
        ("a.json", json.dumps(JSONLD), 2),
        ("a.n3", N3, 1),
    ],
)
def test_each_format_loads_with_provenance(tmp_path: Path, name: str, text: str, n: int) -> None:
    kg = KnowledgeGraph()
    assert kg.add_file(write(tmp_path, name, text)) == n
    assert len(kg) == n
    assert {t.source for t in kg.facts(inferred=False)} == {name}
    assert kg.label(f"{EX}a") == "Ada" or name.endswith(".n3")


def test_format_argument_overrides_extension(tmp_path: Path) -> None:
    kg = KnowledgeGraph()
    assert kg.add_file(write(tmp_path, "data.txt", NT), format="ntriples") == 2
    with pytest.raises(GraphError, match="extension"):
        kg.add_file(write(tmp_path, "data.dat", NT))
    with pytest.raises(GraphError, match="unknown RDF format"):
        kg.add_file(tmp_path / "data.txt", format="yaml")


def test_owl_imports_are_not_followed(kg: KnowledgeGraph) -> None:
    # toy.ttl imports a remote ontology; the network is blocked, and loading worked
    assert kg.facts(p="owl:imports")
    assert "http://remote.example/never-fetched.ttl" not in {t.source for t in kg.facts()}


def test_provenance_per_file(tmp_path: Path, toy_path: Path) -> None:
    kg = KnowledgeGraph.load([toy_path, write(tmp_path, "extra.nt", NT)])
    assert {t.source for t in kg.facts(f"{EX}a", inferred=False)} == {"extra.nt"}
    assert {t.source for t in kg.facts("e:Hamlet", inferred=False)} == {"toy.ttl"}
    assert [p.name for p in kg.files] == ["toy.ttl", "extra.nt"]


def test_load_folder(tmp_path: Path) -> None:
    write(tmp_path, "a.nt", NT)
    write(tmp_path, "b.n3", N3)
    write(tmp_path, "notes.md", "not rdf")
    kg = KnowledgeGraph.load(tmp_path)
    assert len(kg) == 2  # a knows b appears in both files, counted once


def test_malformed_turtle_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.ttl", '@prefix ex: <http://x/> .\nex:a ex:b ex:c .\n\nex:d ex:e "open .\n')
    with pytest.raises(GraphError) as err:
        KnowledgeGraph().add_file(path)
    assert "broken.ttl" in str(err.value) and "line 4" in str(err.value)


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("bad.nt", f"<{EX}a> <{EX}b> <{EX}c> .\n<{EX}a> <{EX}b> oops .\n", 2),
        (
            "bad.rdf",
            '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<x\n',
            3,
        ),
        ("bad.jsonld", '{"@id": "http://x/a",\n "http://x/b": [\n}', 3),
        ("bad.n3", "@prefix ex: <http://x/> .\nex:a ex:b .\n", 2),
    ],
)
def test_malformed_files_name_the_line(tmp_path: Path, name: str, text: str, line: int) -> None:
    with pytest.raises(GraphError) as err:
        KnowledgeGraph().add_file(write(tmp_path, name, text))
    assert name in str(err.value) and f"line {line}" in str(err.value)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.ttl"
    with pytest.raises(GraphError, match="nowhere.ttl"):
        KnowledgeGraph.load([path])


def test_no_default_graphs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGQA_HOME", str(tmp_path))
    with pytest.raises(GraphError, match="KGQA_HOME"):
        KnowledgeGraph.load()


@pytest.mark.parametrize(
    "doc",
    [
        {"@context": "https://schema.org/", "@id": "http://x/a", "name": "A"},
        {"@context": [{"ex": EX}, "http://remote.example/ctx.jsonld"], "@id": "ex:a"},
        {"@context": {"@import": "http://remote.example/ctx.jsonld"}, "@id": "http://x/a"},
        {"@graph": [{"@context": "http://remote.example/ctx.jsonld", "@id": "http://x/a"}]},
    ],
)
def test_jsonld_remote_context_is_refused(tmp_path: Path, doc: dict) -> None:
    # the autouse fixture blocks the network: a fetch would raise NetworkBlocked, not GraphError
    with pytest.raises(GraphError, match="remote contexts are not fetched"):
        KnowledgeGraph().add_file(write(tmp_path, "remote.jsonld", json.dumps(doc)))


@pytest.mark.parametrize("kind", ["entity", "parameter entity", "dtd"])
def test_rdfxml_external_entity_is_refused(tmp_path: Path, kind: str) -> None:
    secret = write(tmp_path, "secret.txt", "TOP SECRET").as_uri()
    decl = {
        "entity": f'<!ENTITY ex "{EX}"> <!ENTITY leak SYSTEM "{secret}">',
        "parameter entity": f'<!ENTITY ex "{EX}"> <!ENTITY % leak SYSTEM "{secret}"> %leak;',
        "dtd": f'<!ENTITY ex "{EX}">',
    }[kind]
    text = RDFXML.replace(f'<!ENTITY ex "{EX}">', decl).replace("<rdfs:label>Ada", "<rdfs:label>&leak;Ada")
    if kind == "dtd":
        text = text.replace("<!DOCTYPE rdf:RDF [", '<!DOCTYPE rdf:RDF SYSTEM "http://remote.example/rdf.dtd" [')
    with pytest.raises(GraphError, match="external entities"):
        KnowledgeGraph().add_file(write(tmp_path, "xxe.rdf", text))
