"""Streaming RDF in and out: compressed files, N-Triples line by line, Turtle and RDF/XML file by file.

* :func:`open_lines` reads a text file line by line, gunzipping ``*.gz`` and ``*.bz2`` on the fly;
  a truncated or corrupt archive raises :class:`~kgqa.errors.GraphError` naming the file.
* :func:`copy_ntriples` validates N-Triples one line at a time with rdflib's own N-Triples
  parser (memory does not grow with the file) and writes each triple back out.
* :func:`convert_rdf` handles Turtle and RDF/XML, which cannot be split into lines: each file is
  parsed whole by :func:`kgqa.graph.io.parse_file` (local only: no remote contexts or external
  entities are fetched), so their memory is that of one file's triples.
* :class:`NTWriter` writes N-Triples to a temporary name and renames it into place on success.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TextIO
from urllib.parse import quote

from rdflib.plugins.parsers.ntriples import ParseError, W3CNTriplesParser

from kgqa.errors import GraphError

#: compression suffix -> opener of a binary stream
_OPENERS: dict[str, Callable[[Path], IO[bytes]]] = {
    ".gz": lambda p: gzip.open(p, "rb"),  # type: ignore[dict-item]
    ".bz2": lambda p: bz2.open(p, "rb"),  # type: ignore[dict-item]
}
#: RDF suffix (after any compression suffix) -> kgqa.graph.io format name
RDF_FORMATS = {".nt": "nt", ".ttl": "turtle", ".turtle": "turtle", ".rdf": "xml", ".owl": "xml", ".xml": "xml"}


def temp_beside(path: Path) -> tuple[int, Path]:
    """A new temporary file beside ``path`` (same folder, so that :func:`os.replace` is atomic).

    Returns its descriptor and path; it gets the permissions a plain ``open`` would give (not 0600).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(fd, 0o666 & ~umask)
    return fd, Path(tmp)


def literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    """An N-Triples literal (escaped), optionally language-tagged or typed."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    if lang:
        return f'"{escaped}"@{lang}'
    return f'"{escaped}"' + (f"^^<{datatype}>" if datatype else "")


def iri(value: str) -> str:
    """``<value>`` with the characters N-Triples forbids in IRIs percent-encoded."""
    return "<" + quote(value, safe=":/#?&=.-_~%+@!$'()*,;") + ">"


def rdf_format(path: Path) -> str:
    """``nt``, ``turtle`` or ``xml`` from the name of ``path`` (a ``.gz``/``.bz2`` suffix is looked through).

    Raises:
        GraphError: the extension names no supported RDF format.
    """
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _OPENERS:
        suffixes = suffixes[:-1]
    fmt = RDF_FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise GraphError(
            f"cannot tell the RDF format of {path} from its extension; use one of "
            f"{', '.join(sorted(RDF_FORMATS))}, optionally followed by .gz or .bz2"
        )
    return fmt


def open_binary(path: Path) -> IO[bytes]:
    """``path`` opened for reading bytes, decompressed when it ends in ``.gz`` or ``.bz2``.

    Raises:
        GraphError: the file cannot be opened.
    """
    opener = _OPENERS.get(path.suffix.lower(), lambda p: p.open("rb"))
    try:
        return opener(path)
    except OSError as exc:
        raise GraphError(f"cannot read {path}: {exc.strerror or exc}") from exc


def open_lines(path: Path, progress: Callable[[int], None] | None = None) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of each line of a UTF-8 file (``.gz``/``.bz2`` decompressed), streamed.

    Args:
        path: the file.
        progress: called with the number of (uncompressed) bytes of each line read.

    Raises:
        GraphError: unreadable, truncated or corrupt file, or a line that is not UTF-8 (file and line named).
    """
    lineno = 0
    with open_binary(path) as fh:
        try:
            for lineno, raw in enumerate(fh, start=1):  # noqa: B007 - lineno is read in the handlers
                if progress is not None:
                    progress(len(raw))
                try:
                    text = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    raise GraphError(
                        f"{path}, line {lineno} is not UTF-8 text ({exc.reason}); convert the file, e.g. iconv -t UTF-8"
                    ) from exc
                yield lineno, text.rstrip("\r\n")
        except (EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
            raise GraphError(
                f"{path} is truncated or corrupt after line {lineno}: {exc}; download or compress it again"
            ) from exc


class NTWriter:
    """Writes N-Triples to ``path``: to a temporary file beside it, renamed into place by :meth:`close`.

    Used as a context manager, an exception inside the block removes the temporary file, so a
    step that fails half-way leaves no partial output.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        fd, self._tmp = temp_beside(path)
        self._fh: TextIO = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self.count = 0

    def add(self, s: str, p: str, o: str) -> None:
        """``s``/``p`` are IRIs (plain strings); ``o`` is already formatted (:func:`iri` or :func:`literal`)."""
        self._fh.write(f"{iri(s)} {iri(p)} {o} .\n")
        self.count += 1

    def add_terms(self, s: str, p: str, o: str) -> None:
        """A triple whose three terms are already in N-Triples syntax (``<...>``, ``_:b``, literals)."""
        self._fh.write(f"{s} {p} {o} .\n")
        self.count += 1

    def close(self) -> None:
        """Finish the file and move it into place."""
        self._fh.close()
        os.replace(self._tmp, self.path)

    def discard(self) -> None:
        """Drop the temporary file (nothing is written to ``path``)."""
        self._fh.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> NTWriter:
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()


class _Sink:
    """Receives the triple rdflib's N-Triples parser finds on one line."""

    def __init__(self) -> None:
        self.triple_found: tuple[Any, Any, Any] | None = None

    def triple(self, s: Any, p: Any, o: Any) -> None:
        self.triple_found = (s, p, o)


class LineParser:
    """Parses single N-Triples lines with rdflib's W3C N-Triples parser.

    Blank node labels are kept consistent within one file (one :class:`LineParser` per file).
    """

    def __init__(self) -> None:
        self._sink = _Sink()
        self._parser = W3CNTriplesParser(self._sink)  # type: ignore[arg-type]
        self._bnodes: dict[str, Any] = {}

    def parse(self, line: str) -> tuple[Any, Any, Any] | None:
        """The triple on ``line`` (``None`` for a blank or comment line).

        Raises:
            ValueError: the line is not a valid N-Triples statement (rdflib's message).
        """
        self._sink.triple_found = None
        self._parser.line = line
        try:
            self._parser.parseline(bnode_context=self._bnodes)
        except ParseError as exc:
            raise ValueError(str(exc)) from exc
        return self._sink.triple_found


def copy_ntriples(
    path: Path, writer: NTWriter, skip_bad_lines: bool = False, progress: Callable[[int], None] | None = None
) -> int:
    """Validate the N-Triples file ``path`` line by line and write its triples; returns the lines skipped.

    Raises:
        GraphError: a line is not valid N-Triples (file and line named) unless ``skip_bad_lines``;
            the file is unreadable, truncated or not UTF-8.
    """
    parser = LineParser()
    skipped = 0
    for lineno, line in open_lines(path, progress):
        try:
            triple = parser.parse(line)
        except ValueError as exc:
            if skip_bad_lines:
                skipped += 1
                continue
            raise GraphError(
                f"malformed N-Triples in {path}, line {lineno}: {str(exc)[:160]}; correct the line, "
                "or pass --skip-bad-lines to skip such lines"
            ) from exc
        if triple is not None:
            writer.add_terms(*(t.n3() for t in triple))
    return skipped


def convert_rdf(path: Path, writer: NTWriter) -> int:
    """Parse a Turtle or RDF/XML file (optionally gzipped or bzip2ed) whole and write it as N-Triples.

    The whole file is held in memory while it is parsed (these formats cannot be streamed line by
    line); a compressed file is first decompressed to a temporary file beside the output.

    Returns:
        The triples written.

    Raises:
        GraphError: unreadable, malformed or remote-fetching input (see :func:`kgqa.graph.io.parse_file`).
    """
    from kgqa.graph.io import parse_file

    fmt = rdf_format(path)
    if path.suffix.lower() not in _OPENERS:
        triples, _ = parse_file(path, fmt)
    else:
        fd, tmp = tempfile.mkstemp(prefix=".rdf-input.", dir=writer.path.parent)
        try:
            with os.fdopen(fd, "wb") as out, open_binary(path) as src:
                try:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
                except (EOFError, OSError, zlib.error) as exc:
                    raise GraphError(f"{path} is truncated or corrupt: {exc}; download or compress it again") from exc
            triples, _ = parse_file(Path(tmp), fmt)
        except GraphError as exc:
            raise GraphError(str(exc).replace(tmp, str(path))) from exc
        finally:
            Path(tmp).unlink(missing_ok=True)
    for s, p, o in triples:
        writer.add_terms(s.n3(), p.n3(), o.n3())
    return len(triples)


__all__ = [
    "LineParser",
    "NTWriter",
    "RDF_FORMATS",
    "convert_rdf",
    "copy_ntriples",
    "iri",
    "literal",
    "open_binary",
    "open_lines",
    "rdf_format",
    "temp_beside",
]
