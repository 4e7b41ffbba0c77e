"""Generated and damaged files: passages JSON lines, RDF graphs and index folders.

Each is read, or refused with the typed error of its kind (:class:`InputError`, :class:`GraphError`,
:class:`IndexLoadError`) naming the file; nothing hangs and nothing else escapes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from fuzzkit import any_text, as_json_line, budget, json_values, mutate
from hypothesis import given
from hypothesis import strategies as st

from kgqa.errors import GraphError, IndexLoadError, InputError

pytestmark = pytest.mark.fuzz

FIXTURES = Path(__file__).resolve().parents[1]
GRAPH_FILES = {
    ".ttl": (FIXTURES / "checks" / "fixtures" / "mini_world.ttl").read_bytes(),
    ".nt": b'<http://a.example/x> <http://a.example/p> "caf\xc3\xa9"@fr .\n<http://a.example/x> <http://a.example/q> <http://a.example/y> .\n',
    ".rdf": (
        b'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY ex "http://a.example/">]>\n'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://a.example/">'
        b'<rdf:Description rdf:about="&ex;x"><ex:p>a &amp; b</ex:p></rdf:Description></rdf:RDF>\n'
    ),
    ".jsonld": b'{"@context": {"ex": "http://a.example/"}, "@id": "ex:x", "ex:p": "v"}',
}
record_values = st.one_of(
    st.fixed_dictionaries(
        {"id": st.one_of(any_text, st.integers(), json_values), "text": st.one_of(any_text, json_values)},
        optional={"title": st.one_of(any_text, json_values), "entities": st.one_of(st.lists(any_text), json_values)},
    ),
    json_values,
)


@budget("passages")
@given(data=st.data())
def test_passages_jsonl(data) -> None:
    from kgqa.retrieval.store import PassageStore

    lines = data.draw(st.lists(st.one_of(record_values.map(as_json_line), any_text), max_size=5))
    raw = "\n".join(lines).encode("utf-8", "surrogatepass")
    if data.draw(st.booleans()):
        raw = mutate(raw, data.draw)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.jsonl"
        path.write_bytes(raw)
        try:
            store = PassageStore.from_jsonl(path)
        except InputError as exc:
            assert str(path) in str(exc)
            return
        for p in store:  # what was read is clean text that any model can encode
            p.text.encode("utf-8")
            json.dumps(p.to_dict())


def test_passage_files_name_file_line_and_fix(tmp_path: Path) -> None:
    from kgqa.retrieval.store import PassageStore

    cases = {
        b'{"id": "a", "text": "x"}\n\xff\xfe{"id": "b"}\n': "p.jsonl:2: not UTF-8",
        b'{"id": "a", "text": "x"}\n["a"]\n': "p.jsonl:2: expected a JSON object",
        b'{"id": "a", "text": 3}\n': "'text' must be a string",
        b'{"id": "a", "text": "x"': "p.jsonl:1: invalid JSON",
        b'{"id": "a", "text": "\\ud800"}\n': "unpaired surrogate",
        b"[" * 50_000: "nested too deeply",
    }
    for raw, message in cases.items():
        path = tmp_path / "p.jsonl"
        path.write_bytes(raw)
        with pytest.raises(InputError, match=message):
            PassageStore.from_jsonl(path)
    path.write_bytes(b"")
    assert len(PassageStore.from_jsonl(path)) == 0
    path.write_bytes(b'\xef\xbb\xbf{"id": "a", "text": "x"}\n')  # a BOM is fine
    assert PassageStore.from_jsonl(path)[0].id == "a"


def test_a_pipeline_over_empty_passage_files_says_so(tiny_pipeline_dir, tmp_path: Path) -> None:
    from kgqa.pipeline import Pipeline

    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n")
    with pytest.raises(InputError, match="hold no passages"):
        Pipeline.load(tiny_pipeline_dir, passages=[str(empty)])


@budget("rdf")
@given(data=st.data())
def test_rdf_files(data) -> None:
    from kgqa.graph.io import parse_file

    suffix = data.draw(st.sampled_from(sorted(GRAPH_FILES)))
    raw = data.draw(st.one_of(st.just(GRAPH_FILES[suffix]), st.binary(max_size=300)))
    for _ in range(data.draw(st.integers(0, 3))):
        raw = mutate(raw, data.draw)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"g{suffix}"
        path.write_bytes(raw)
        try:
            triples, _prefixes = parse_file(path)
        except GraphError as exc:
            assert str(path) in str(exc)
            return
        assert all(len(t) == 3 for t in triples)


def test_rdf_files_that_cannot_be_read(tmp_path: Path) -> None:
    from kgqa.graph.kg import KnowledgeGraph

    cases = {
        "latin1.ttl": (
            '@prefix ex: <http://a.example/> .\nex:a ex:b "café" .\n'.encode("latin-1"),
            "line 2 is not UTF-8",
        ),
        "binary.nt": (bytes(range(256)), "not UTF-8"),
        "truncated.ttl": (GRAPH_FILES[".ttl"][:-40], "malformed Turtle"),
        "deep.ttl": (b"(" * 50_000, "malformed Turtle"),
        "deep.jsonld": (b"[" * 50_000, "malformed JSON-LD"),
    }
    bomb = b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    for name, prev in zip("bcdefgh", "abcdefg", strict=True):
        bomb += f'<!ENTITY {name} "{("&" + prev + ";") * 10}">'.encode()
    bomb += b']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://a.example/">'
    bomb += b'<rdf:Description rdf:about="http://a.example/x"><ex:p>&h;</ex:p></rdf:Description></rdf:RDF>'
    cases["bomb.rdf"] = (bomb, "20,000 pieces")
    for name, (raw, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(raw)
        with pytest.raises(GraphError, match=message):
            KnowledgeGraph.load([path])
    (tmp_path / "empty.ttl").write_bytes(b"")
    assert len(KnowledgeGraph.load([tmp_path / "empty.ttl"], reason=False)) == 0


@pytest.fixture(scope="module")
def tiny_index_dir(tiny_pipeline, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_pipeline.index.save(tmp_path_factory.mktemp("tiny-index") / "index")


@budget("index")
@given(data=st.data())
def test_index_folders(tiny_pipeline, tiny_index_dir, data) -> None:
    from kgqa.retrieval import DenseIndex

    names = sorted(p.name for p in tiny_index_dir.iterdir())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "index"
        shutil.copytree(tiny_index_dir, folder)
        for _ in range(data.draw(st.integers(1, 3))):
            name = data.draw(st.sampled_from(names))
            action = data.draw(st.sampled_from(["delete", "mutate", "empty", "meta"]))
            path = folder / name
            if action == "delete":
                path.unlink(missing_ok=True)
            elif action == "empty":
                path.write_bytes(b"")
            elif action == "meta" and name == "meta.json" and path.exists():
                try:
                    meta = json.loads(path.read_text(encoding="utf-8"))
                except ValueError:
                    meta = {}
                if isinstance(meta, dict):
                    key = data.draw(st.sampled_from([*meta, "params", "dim"]))
                    meta[key] = data.draw(json_values)
                path.write_text(json.dumps(meta, allow_nan=True), encoding="utf-8")
            elif path.exists():
                path.write_bytes(mutate(path.read_bytes(), data.draw))
        try:
            index = DenseIndex.load(folder, encoder=tiny_pipeline.index.encoder)
        except IndexLoadError as exc:
            assert str(folder) in str(exc)
            return
        hits = index.search(["Who wrote The Glass Orchard?"], 3)[0]
        assert len(hits) <= 3


def test_empty_and_mismatched_index_folders(tiny_pipeline, tiny_index_dir, tmp_path: Path) -> None:
    from kgqa.retrieval import DenseIndex

    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexLoadError, match="lacks"):
        DenseIndex.load(tmp_path / "empty", encoder=tiny_pipeline.index.encoder)
    folder = tmp_path / "bad-meta"
    shutil.copytree(tiny_index_dir, folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["params"] = "hnsw_m"
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(IndexLoadError, match="invalid params"):
        DenseIndex.load(folder, encoder=tiny_pipeline.index.encoder)
