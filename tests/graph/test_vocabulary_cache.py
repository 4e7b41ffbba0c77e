"""A graph store's saved vocabulary answers exactly as inferring it from the data; a stale or broken file is ignored."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from kgqa.graph import KnowledgeGraph
from kgqa.graph.vocabulary_cache import VOCABULARY_FILE, add_vocabulary, read_vocabulary, vocabulary_entries

TOY = Path(__file__).resolve().parent / "fixtures" / "toy.ttl"


@pytest.fixture(scope="module")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return KnowledgeGraph.load([TOY]).save_store(tmp_path_factory.mktemp("vocabulary") / "store")


def test_a_saved_store_serves_the_vocabulary_it_would_infer(toy_store: Path) -> None:
    assert (toy_store / VOCABULARY_FILE).is_file()
    served = KnowledgeGraph.open(toy_store)
    assert served.vocabulary_path == toy_store / VOCABULARY_FILE
    inferred = KnowledgeGraph.open(toy_store)
    inferred.vocabulary_path = None
    assert vocabulary_entries(served) == vocabulary_entries(inferred)
    props = sorted(str(p) for p in served.properties())
    assert props and served.graph_vocabulary()._memo.keys() >= {("domain", p) for p in props}  # noqa: SLF001
    some = next(p for p in props if inferred.graph_vocabulary().value_counts(p)[0])
    assert served.graph_vocabulary().value_counts(some) == inferred.graph_vocabulary().value_counts(some)


def test_a_file_of_another_graph_is_ignored_with_the_fix(toy_store: Path, tmp_path: Path, caplog) -> None:
    copy = Path(shutil.copytree(toy_store, tmp_path / "store"))
    path = copy / VOCABULARY_FILE
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["asserted"] += 1
    path.write_text(json.dumps(meta), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert read_vocabulary(path, meta["asserted"] - 1) is None
    assert "another graph" in caplog.text and "kgqa graph vocabulary" in caplog.text
    # the store still answers, inferring as it goes
    kg = KnowledgeGraph.open(copy)
    assert kg.graph_vocabulary()._memo == {}  # noqa: SLF001
    path.write_text("{not json", encoding="utf-8")
    assert read_vocabulary(path, 0) is None
    path.write_text(json.dumps({"format": "kgqa-vocabulary", "version": 99}), encoding="utf-8")
    assert read_vocabulary(path, 0) is None


def test_a_malformed_entry_leaves_the_whole_file_unused(toy_store: Path, tmp_path: Path, caplog) -> None:
    copy = Path(shutil.copytree(toy_store, tmp_path / "store"))
    path = copy / VOCABULARY_FILE
    meta = json.loads(path.read_text(encoding="utf-8"))
    first = next(iter(meta["properties"]))
    del meta["properties"][first]["domain"]
    path.write_text(json.dumps(meta), encoding="utf-8")
    kg = KnowledgeGraph.open(copy)
    with caplog.at_level(logging.WARNING):
        vocab = kg.graph_vocabulary()
    assert vocab._memo == {} and "malformed" in caplog.text  # noqa: SLF001
    assert vocab.domains(first) == KnowledgeGraph.load([TOY]).graph_vocabulary().domains(first)


def test_add_vocabulary_and_the_cli(toy_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kgqa.cli import main

    copy = Path(shutil.copytree(toy_store, tmp_path / "store"))
    (copy / VOCABULARY_FILE).unlink()
    assert KnowledgeGraph.open(copy).vocabulary_path is None
    assert main(["graph", "vocabulary", str(copy)]) == 0
    assert str(copy / VOCABULARY_FILE) in capsys.readouterr().out
    assert KnowledgeGraph.open(copy).vocabulary_path == copy / VOCABULARY_FILE
    # an existing file is replaced only when asked
    assert main(["graph", "vocabulary", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "--overwrite" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert add_vocabulary(copy, overwrite=True).is_file()
    assert main(["graph", "vocabulary", str(tmp_path / "nowhere")]) == 2
    assert "Traceback" not in capsys.readouterr().err
