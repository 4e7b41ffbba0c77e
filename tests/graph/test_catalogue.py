"""The names catalogue: a linker reading it links exactly as one built in memory; it fails clearly when broken."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import zlib
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kgqa.errors import GraphError
from kgqa.graph import EntityLinker, KnowledgeGraph
from kgqa.graph.catalogue import CATALOGUE_FILE, NamesCatalogue, write_catalogue
from kgqa.graph.linking import normalize, pluralize
from kgqa.graph.oxi_store import META_FILE, add_catalogue

TOY = Path(__file__).resolve().parent / "fixtures" / "toy.ttl"


def _typo(name: str) -> str:
    """``name`` with its middle letter dropped (a fuzzy-tier probe)."""
    return name[: len(name) // 2] + name[len(name) // 2 + 1 :] if len(name) > 4 else name + "x"


def _probes(kg: KnowledgeGraph, every: int = 1) -> dict[str, list[str]]:
    """Texts built from the graph's own names: exact and ambiguous names, typos, plurals, sentences."""
    entity_names = [n for iri in kg.entities()[::every] for n in kg.labels(iri)]
    class_names = [n for iri in kg.classes() for n in kg.labels(iri)]
    vocabulary = [n for iri in [*kg.classes(), *kg.properties()] for n in kg.labels(iri)]
    pairs = zip(entity_names, entity_names[1:] + entity_names[:1], strict=True)
    sentences = [f"Did {a} meet {b} before the {c.lower()} of {b}?" for (a, b), c in zip(pairs, cycle(vocabulary))]
    sentences += [f"Were there {pluralize(normalize(c))} in {a}?" for a, c in zip(entity_names, cycle(class_names))]
    return {
        "entities": [*entity_names, *map(_typo, entity_names[::3]), *(n.split()[-1] for n in entity_names[::4])],
        "classes": [*class_names, *(pluralize(normalize(c)) for c in class_names), *map(_typo, class_names)],
        "sentences": sentences,
    }


def _linking(linker: EntityLinker, probes: dict[str, list[str]]) -> list[Any]:
    out: list[Any] = [[m.to_dict() for m in linker.resolve(name, top_k=10)] for name in probes["entities"]]
    out += [[m.to_dict() for m in linker.resolve_class(name, top_k=10)] for name in probes["classes"]]
    for text in probes["sentences"]:
        out.append([m.to_dict() for m in linker.find_mentions(text)])
        out.append([m.to_dict() for m in linker.find_mentions(text, classes=True)])
    return out


def _with_catalogue(paths: list[Path] | None, tmp_path: Path) -> tuple[KnowledgeGraph, KnowledgeGraph]:
    """The graph in memory, and the same graph (loaded again) reading a catalogue written from the first."""
    memory = KnowledgeGraph.load(paths)
    path = write_catalogue(memory, tmp_path / CATALOGUE_FILE)
    served = KnowledgeGraph.load(paths)
    served.catalogue_path = path
    return memory, served


@pytest.fixture(scope="module")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return KnowledgeGraph.load([TOY]).save_store(tmp_path_factory.mktemp("catalogue") / "store")


@pytest.fixture
def old_store(toy_store: Path, tmp_path: Path) -> Path:
    """A copy of the toy store as written before stores had a catalogue."""
    copy = Path(shutil.copytree(toy_store, tmp_path / "store"))
    (copy / CATALOGUE_FILE).unlink()
    meta = json.loads((copy / META_FILE).read_text(encoding="utf-8"))
    del meta["catalogue"]
    (copy / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    return copy


# ---------------------------------------------------------------- equivalence
@pytest.mark.parametrize("world", ["toy", "shipped"])
def test_a_catalogue_links_exactly_as_the_in_memory_linker(world: str, tmp_path: Path) -> None:
    paths = [TOY] if world == "toy" else None
    memory, served = _with_catalogue(paths, tmp_path)
    probes = _probes(memory, every=1 if world == "toy" else 8)
    assert len(probes["sentences"]) > 10
    expected = _linking(EntityLinker(memory), probes)
    assert _linking(EntityLinker(served), probes) == expected
    fuzzy = [m for ms in expected for m in ms if m["method"] == "fuzzy"]
    assert fuzzy and any(len(ms) > 1 for ms in expected)  # the probes reach the fuzzy tier and ambiguous names
    assert served.vocabulary_views() == memory.vocabulary_views()
    assert (served.entities(), served.classes(), served.properties()) == (
        memory.entities(),
        memory.classes(),
        memory.properties(),
    )


def test_the_toy_probes_cover_aliases_plurals_typos_and_vocabulary(tmp_path: Path) -> None:
    memory, served = _with_catalogue([TOY], tmp_path)
    linker = EntityLinker(served)
    assert [m.text for m in linker.find_mentions("Did the Bard visit Zurich?")] == ["the Bard", "Zurich"]
    assert linker.resolve_class("playwrights")[0].iri.endswith("#Playwright")
    assert linker.resolve("Shakspeare")[0].method == "fuzzy"
    assert linker.resolve("Hathaway")[0].method == "fuzzy"  # part of a longer label
    capital = [m.text for m in linker.find_mentions("What is the capital of England?")]
    assert capital == [m.text for m in EntityLinker(memory).find_mentions("What is the capital of England?")]
    assert {k: list(v) for k, v in linker.entities.exact.items()} == EntityLinker(memory).entities.exact


class _Encoder:
    """A fake encoder: one seeded random unit vector per string, "swan of avon" a synonym of Shakespeare."""

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            canon = {"swan of avon": "william shakespeare"}.get(text, text)
            v = np.random.default_rng(zlib.crc32(canon.encode())).standard_normal(32)
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows).astype(np.float32)


def test_the_embedding_tier_reads_every_name_of_the_catalogue(tmp_path: Path) -> None:
    memory, served = _with_catalogue([TOY], tmp_path)
    a, b = EntityLinker(memory, encoder=_Encoder()), EntityLinker(served, encoder=_Encoder())
    assert list(b.entities.exact) == list(a.entities.exact)  # the names in the same order
    assert b.resolve("Swan of Avon") == a.resolve("Swan of Avon") and a.resolve("Swan of Avon")[0].method == "embedding"


def test_lookups_from_many_threads_agree(tmp_path: Path) -> None:
    memory, served = _with_catalogue(None, tmp_path)
    probes = _probes(memory, every=10)
    names = probes["entities"] + probes["sentences"]
    reference = EntityLinker(memory)
    expected = [reference.resolve(n) for n in probes["entities"]] + [
        reference.find_mentions(t, classes=True) for t in probes["sentences"]
    ]
    linker = EntityLinker(served)  # a cold cache: the threads hit the file together
    n_entities = len(probes["entities"])

    def link(i: int) -> Any:
        return linker.resolve(names[i]) if i < n_entities else linker.find_mentions(names[i], classes=True)

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(link, range(len(names)))) == expected


# ---------------------------------------------------------------- graph stores
def test_a_saved_store_holds_a_catalogue_the_linker_reads(
    toy_store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    meta = json.loads((toy_store / META_FILE).read_text(encoding="utf-8"))
    assert meta["catalogue"] == CATALOGUE_FILE and (toy_store / CATALOGUE_FILE).is_file()
    opened = KnowledgeGraph.open(toy_store)
    assert opened.catalogue_path == toy_store / CATALOGUE_FILE
    probes = _probes(KnowledgeGraph.load([TOY]))
    calls: list[str] = []
    for name in ("labels", "degree"):
        original = getattr(KnowledgeGraph, name)
        monkeypatch.setattr(
            KnowledgeGraph, name, lambda self, *a, _f=original, _n=name, **k: calls.append(_n) or _f(self, *a, **k)
        )
    linker = EntityLinker(opened)
    monkeypatch.undo()
    assert calls == []  # nothing gathered per node: the names come from the catalogue
    assert _linking(linker, probes) == _linking(EntityLinker(KnowledgeGraph.load([TOY])), probes)
    assert opened.vocabulary_views() == KnowledgeGraph.load([TOY]).vocabulary_views()


def test_a_store_without_a_catalogue_still_links_and_says_how_to_add_one(
    old_store: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="kgqa.graph.oxi_store"):
        opened = KnowledgeGraph.open(old_store)
    assert opened.catalogue_path is None and opened.catalogue() is None
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and f"kgqa graph catalogue {old_store}" in warnings[0]
    probes = _probes(KnowledgeGraph.load([TOY]))
    expected = _linking(EntityLinker(opened), probes)
    assert add_catalogue(old_store) == old_store / CATALOGUE_FILE
    assert json.loads((old_store / META_FILE).read_text(encoding="utf-8"))["catalogue"] == CATALOGUE_FILE
    again = KnowledgeGraph.open(old_store)
    assert again.catalogue() is not None and _linking(EntityLinker(again), probes) == expected


def test_add_catalogue_refuses_to_replace_one_unless_asked(old_store: Path) -> None:
    add_catalogue(old_store)
    with pytest.raises(GraphError, match=r"already has a names catalogue.*--overwrite"):
        add_catalogue(old_store)
    assert add_catalogue(old_store, overwrite=True).is_file()


def test_cli_graph_catalogue(old_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kgqa.cli import main

    assert main(["graph", "catalogue", str(old_store)]) == 0
    assert str(old_store / CATALOGUE_FILE) in capsys.readouterr().out
    assert main(["graph", "catalogue", str(old_store)]) == 2
    err = capsys.readouterr().err
    assert "--overwrite" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["graph", "catalogue", str(tmp_path / "nowhere")]) == 2
    assert "no graph store folder" in capsys.readouterr().err


# ---------------------------------------------------------------- broken catalogues
@pytest.fixture
def catalogue_file(tmp_path: Path) -> Path:
    return write_catalogue(KnowledgeGraph.load([TOY]), tmp_path / "cat" / CATALOGUE_FILE)


def test_a_missing_catalogue_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(GraphError, match=r"no names catalogue at .*kgqa graph catalogue"):
        NamesCatalogue(tmp_path / CATALOGUE_FILE)
    kg = KnowledgeGraph.load([TOY])
    kg.catalogue_path = tmp_path / CATALOGUE_FILE
    with pytest.raises(GraphError, match=r"no names catalogue"):
        EntityLinker(kg)


@pytest.mark.parametrize("content", [b"garbage, not a database" * 100, b""])
def test_a_corrupt_catalogue_names_the_fix(catalogue_file: Path, content: bytes) -> None:
    catalogue_file.write_bytes(content)
    with pytest.raises(GraphError, match=r"cannot read the names catalogue .*kgqa graph catalogue .* --overwrite"):
        NamesCatalogue(catalogue_file)


def test_another_database_or_version_is_refused(catalogue_file: Path) -> None:
    db = sqlite3.connect(catalogue_file)
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE name = 'version'")
    db.close()
    with pytest.raises(GraphError, match=r"format version 99, this kgqa reads version 1.*--overwrite"):
        NamesCatalogue(catalogue_file)
    db = sqlite3.connect(catalogue_file)
    with db:
        db.execute("UPDATE meta SET value = '\"something-else\"' WHERE name = 'format'")
    db.close()
    with pytest.raises(GraphError, match=r"not a kgqa names catalogue"):
        NamesCatalogue(catalogue_file)


def test_a_catalogue_of_another_graph_is_refused(catalogue_file: Path) -> None:
    kg = KnowledgeGraph.load()
    kg.catalogue_path = catalogue_file
    with pytest.raises(GraphError, match=r"describes a graph of \d+ asserted triples, this graph has \d+.*--overwrite"):
        kg.entities()


def test_the_catalogue_is_opened_read_only(catalogue_file: Path) -> None:
    before = hashlib.sha256(catalogue_file.read_bytes()).hexdigest()
    catalogue = NamesCatalogue(catalogue_file)
    assert "shakespeare" in catalogue.names("entities") and "nobody at all" not in catalogue.names("entities")
    assert catalogue.names("entities").get("nobody at all") is None and catalogue.degree("urn:nowhere") == 0
    with pytest.raises(GraphError, match=r"readonly|read-only"):
        catalogue.rows("INSERT INTO vocabulary VALUES ('x')", ())
    with pytest.raises(GraphError, match=r"no names catalogue 'people'; choose one of entities, classes"):
        catalogue.names("people")
    catalogue.close()
    assert hashlib.sha256(catalogue_file.read_bytes()).hexdigest() == before


def test_an_unwritable_catalogue_path_names_the_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(GraphError, match=r"cannot write the names catalogue .*choose a folder you can write to"):
        write_catalogue(KnowledgeGraph.load([TOY]), blocker / CATALOGUE_FILE)
