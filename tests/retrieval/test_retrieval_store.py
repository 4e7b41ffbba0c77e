"""PassageStore: JSON-lines reading with file:line errors, unique ids, save/load round trip."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from kgqa.errors import InputError
from kgqa.retrieval import PassageStore
from kgqa.types import Passage


def test_from_jsonl_reads_files_in_order(tmp_path: Path, write_jsonl) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [{"id": "x1", "text": "one", "title": "T", "entities": ["e:1"]}, ""])
    b = write_jsonl(tmp_path / "b.jsonl", [{"id": 7, "text": "two"}])
    store = PassageStore.from_jsonl([a, b])
    assert store.ids == ["x1", "7"]
    assert store[0] == Passage("x1", "one", "T", ("e:1",))
    assert store.get("7") == Passage("7", "two")
    assert store.get("missing") is None
    assert "x1" in store and len(store) == 2
    assert [p.id for p in store] == store.ids
    # a folder means its *.jsonl files sorted by name
    assert PassageStore.from_jsonl(tmp_path).ids == store.ids


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "p2", "text": ', "invalid JSON"),
        ('{"id": "p2"}', "'text'"),
        ('{"id": "", "text": "t"}', "'id'"),
        ('{"id": ["p"], "text": "t"}', "'id'"),
        ('{"id": "p2", "text": "t", "entities": "e"}', "'entities'"),
        ('{"id": "p2", "text": "t", "title": 3}', "'title'"),
        ('["p2", "t"]', "JSON object"),
        ('{"id": "p1", "text": "again"}', "duplicate passage id 'p1'"),
    ],
)
def test_from_jsonl_errors_name_file_and_line(tmp_path: Path, write_jsonl, line: str, message: str) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [{"id": "p1", "text": "fine"}, line])
    with pytest.raises(InputError, match=message) as info:
        PassageStore.from_jsonl(path)
    assert f"{path}:2" in str(info.value)


def test_duplicate_across_files_names_second_file(tmp_path: Path, write_jsonl) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [{"id": "p1", "text": "one"}])
    b = write_jsonl(tmp_path / "b.jsonl", [{"id": "p2", "text": "two"}, {"id": "p1", "text": "dup"}])
    with pytest.raises(InputError, match=re.escape(f"{b}:2: duplicate")):
        PassageStore.from_jsonl([a, b])


def test_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        PassageStore.from_jsonl(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="no \\*.jsonl"):
        PassageStore.from_jsonl(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        PassageStore.load(tmp_path)


def test_add_rejects_duplicates_atomically(passages: list[Passage]) -> None:
    store = PassageStore(passages[:2])
    with pytest.raises(InputError, match="duplicate"):
        store.add([passages[2], passages[0]])
    with pytest.raises(InputError, match="duplicate"):
        store.add([passages[3], passages[3]])
    with pytest.raises(InputError, match="Passage"):
        store.add([{"id": "x", "text": "y"}])  # type: ignore[list-item]
    assert len(store) == 2
    store.add(passages[2])
    assert store.ids == ["p0", "p1", "p2"] and store.position("p2") == 2
    with pytest.raises(InputError):
        PassageStore([passages[0], passages[0]])


def test_save_load_round_trip(tmp_path: Path, passages: list[Passage]) -> None:
    store = PassageStore([*passages, Passage("ü", "Zürich – ünïcode", "Tîtle", ("a", "b"))])
    path = store.save(tmp_path / "out")
    assert path == tmp_path / "out" / "passages.jsonl"
    loaded = PassageStore.load(tmp_path / "out")
    assert list(loaded) == list(store)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == store.sha256() == loaded.sha256()
    assert PassageStore.load(path).ids == store.ids
