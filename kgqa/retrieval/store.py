"""An ordered collection of passages with unique ids, read from and written as JSON lines."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.errors import InputError
from kgqa.types import Passage

logger = logging.getLogger(__name__)

#: file name of the passages inside a store or index folder
PASSAGES_FILE = "passages.jsonl"

PathLike = str | os.PathLike


def _passage_line(passage: Passage) -> str:
    # One canonical serialisation, so that equal stores give byte-identical files and checksums.
    return json.dumps(passage.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"


_EXAMPLE = '{"id": "p1", "text": "Paris is the capital of France."}'
# a \uD800-\uDFFF escape that is not half of a pair decodes to a lone surrogate, which no model can encode
_SURROGATE = re.compile("[\ud800-\udfff]")


def _parse_record(record: Any, where: str) -> Passage:
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object such as {_EXAMPLE}, got {type(record).__name__}")
    pid, text = record.get("id"), record.get("text")
    if isinstance(pid, bool) or not isinstance(pid, str | int) or str(pid) == "":
        raise InputError(f"{where}: 'id' must be a non-empty string, got {pid!r:.60}; write e.g. {_EXAMPLE}")
    if not isinstance(text, str):
        raise InputError(f"{where}: 'text' must be a string, got {text!r:.60}; write e.g. {_EXAMPLE}")
    title = record.get("title", "")
    if title is None:
        title = ""
    if not isinstance(title, str):
        raise InputError(f"{where}: 'title' must be a string, got {title!r:.60}")
    entities = record.get("entities", ())
    if entities is None:
        entities = ()
    if not isinstance(entities, list | tuple) or not all(isinstance(e, str) for e in entities):
        raise InputError(f"{where}: 'entities' must be a list of strings, got {entities!r:.60}")
    for name, value in (("id", str(pid)), ("text", text), ("title", title), *(("entities", e) for e in entities)):
        bad = _SURROGATE.search(value)
        if bad:
            raise InputError(
                f"{where}: {name!r} holds an unpaired surrogate escape \\u{ord(bad.group()):04x}; "
                "fix the \\u escape (a character outside the BMP is a pair such as \\ud83d\\ude00)"
            )
    return Passage(id=str(pid), text=text, title=title, entities=tuple(entities))


def expand_jsonl_paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """Turn a file, a folder (its ``*.jsonl``, sorted by name) or a list of them into a list of files.

    Raises:
        InputError: if a path does not exist or nothing is found.
    """
    try:
        items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    except TypeError as exc:
        raise InputError(f"passage files are given as a path or a list of paths, not {type(paths).__name__}") from exc
    files: list[Path] = []
    for item in items:
        if not isinstance(item, str | os.PathLike):
            raise InputError(f"a passage file is a path, not {type(item).__name__} {item!r:.40}")
        path = Path(item)
        if path.is_dir():
            found = sorted(path.glob("*.jsonl"))
            if not found:
                raise InputError(f"{path} holds no *.jsonl passage files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path} does not exist; pass JSON-lines passage files or folders")
    if not files:
        raise InputError("no passage files given")
    return files


def _lines(path: Path) -> Iterator[tuple[str, str]]:
    """``("FILE:LINE", text)`` of each non-blank line of a UTF-8 file (a BOM is allowed).

    Lines are decoded one at a time, so a file that is not UTF-8 is reported with the line it breaks on.

    Raises:
        InputError: the file cannot be read or a line is not UTF-8.
    """
    try:
        with open(path, "rb") as f:
            for lineno, raw in enumerate(f, start=1):
                where = f"{path}:{lineno}"
                try:
                    line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    raise InputError(
                        f"{where}: not UTF-8 text (byte {exc.start + 1} of the line: {exc.reason}); "
                        "passage files are JSON lines in UTF-8: convert it, e.g. iconv -t UTF-8"
                    ) from exc
                if line.strip():
                    yield where, line
    except OSError as exc:
        raise InputError(f"cannot read passage file {path}: {exc.strerror or exc}") from exc


class PassageStore:
    """Passages in insertion order, looked up by position or by id.

    Args:
        passages: initial passages.

    Raises:
        InputError: if two passages share an id.

    Example:
        >>> store = PassageStore([Passage("p1", "Paris is the capital of France.")])
        >>> store.get("p1").text, store[0].id, len(store)
        ('Paris is the capital of France.', 'p1', 1)
    """

    def __init__(self, passages: Iterable[Passage] = ()) -> None:
        self._passages: list[Passage] = []
        self._positions: dict[str, int] = {}
        self.add(passages)

    @classmethod
    def from_jsonl(cls, paths: PathLike | Iterable[PathLike]) -> PassageStore:
        """Read passages from JSON-lines files, one ``{"id", "text", "title"?, "entities"?}`` object per line.

        Args:
            paths: a file, a folder (all its ``*.jsonl`` sorted by name) or a list of them, read in order.

        Raises:
            InputError: naming the file and line of an unreadable record or a duplicate id.
        """
        store = cls()
        for path in expand_jsonl_paths(paths):
            for where, line in _lines(path):
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(
                        f"{where}: invalid JSON ({exc.msg} at column {exc.colno}); each line is one object "
                        f"such as {_EXAMPLE}"
                    ) from exc
                except RecursionError as exc:
                    raise InputError(
                        f"{where}: JSON nested too deeply; each line is one object such as {_EXAMPLE}"
                    ) from exc
                passage = _parse_record(record, where)
                if passage.id in store._positions:
                    first = store._positions[passage.id]
                    raise InputError(
                        f"{where}: duplicate passage id {passage.id!r} (also passage #{first}); ids must be unique"
                    )
                store._append(passage)
        logger.debug("read %d passages", len(store))
        return store

    def _append(self, passage: Passage) -> None:
        self._positions[passage.id] = len(self._passages)
        self._passages.append(passage)

    def check_new(self, passages: Sequence[Passage]) -> None:
        """Raise :class:`InputError` unless ``passages`` could be added (right type, ids new and unique)."""
        seen: set[str] = set()
        for p in passages:
            if not isinstance(p, Passage):
                raise InputError(f"expected kgqa.types.Passage, got {type(p).__name__}")
            if p.id in self._positions or p.id in seen:
                raise InputError(f"duplicate passage id {p.id!r}; passage ids must be unique")
            seen.add(p.id)

    def add(self, passages: Passage | Iterable[Passage]) -> None:
        """Append one passage or several; nothing is added if any id is already taken.

        Raises:
            InputError: on a duplicate id or an item that is not a :class:`Passage`.
        """
        batch = [passages] if isinstance(passages, Passage) else list(passages)
        self.check_new(batch)
        for p in batch:
            self._append(p)

    def __len__(self) -> int:
        return len(self._passages)

    def __getitem__(self, position: int) -> Passage:
        return self._passages[position]

    def __iter__(self) -> Iterator[Passage]:
        return iter(self._passages)

    def __contains__(self, pid: object) -> bool:
        return pid in self._positions

    def get(self, pid: str, default: Passage | None = None) -> Passage | None:
        """The passage with id ``pid``, or ``default``."""
        pos = self._positions.get(pid)
        return self._passages[pos] if pos is not None else default

    def position(self, pid: str) -> int:
        """Position of the passage with id ``pid``; ``KeyError`` if absent."""
        return self._positions[pid]

    @property
    def ids(self) -> list[str]:
        """Passage ids in order."""
        return [p.id for p in self._passages]

    def to_jsonl(self) -> str:
        """The canonical JSON-lines text written by :meth:`save`."""
        return "".join(_passage_line(p) for p in self._passages)

    def sha256(self) -> str:
        """SHA-256 of :meth:`to_jsonl`, i.e. of the ``passages.jsonl`` that :meth:`save` writes."""
        h = hashlib.sha256()
        for p in self._passages:
            h.update(_passage_line(p).encode("utf-8"))
        return h.hexdigest()

    def save(self, directory: PathLike) -> Path:
        """Write ``directory/passages.jsonl`` (the folder is created); returns the file's path."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        path = out / PASSAGES_FILE
        tmp = path.with_name(f".{PASSAGES_FILE}.tmp-{os.getpid()}")
        tmp.write_bytes(self.to_jsonl().encode("utf-8"))
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, directory: PathLike) -> PassageStore:
        """Read a store written by :meth:`save` (``directory/passages.jsonl``, or that file itself).

        Raises:
            InputError: if the file is missing or unreadable.
        """
        path = Path(directory)
        if path.is_dir():
            path = path / PASSAGES_FILE
        if not path.is_file():
            raise InputError(f"{path} does not exist; save a PassageStore there first")
        return cls.from_jsonl(path)

    def __repr__(self) -> str:
        return f"PassageStore({len(self)} passages)"


def sha256_file(path: Path) -> str:
    """The sha256 hex digest of a file, read in 1 MiB chunks (index folders record it for each file)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_search_args(queries: Any, top_k: Any) -> tuple[list[str], int]:
    """``(queries, top_k)`` of a retriever's ``search``, checked.

    Raises:
        InputError: if ``queries`` is a single string rather than a list, or ``top_k`` is not a positive integer.
    """
    if isinstance(queries, str):
        raise InputError("search() takes a list of queries; use search([query])[0] for one")
    if isinstance(top_k, bool) or not isinstance(top_k, int | np.integer) or top_k < 1:
        raise InputError(f"top_k must be a positive integer, got {top_k!r}")
    return list(queries), int(top_k)
