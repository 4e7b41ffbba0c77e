"""Reading RDF files safely: local files only, no remote fetches, errors that name file and line.

rdflib itself never follows ``owl:imports``, but two formats can reach out on their own:
a JSON-LD ``@context`` (or ``@import``) given as a URL is downloaded, and an RDF/XML
``<!DOCTYPE>`` may declare external entities. Both are refused here before rdflib sees
the file. Files are read as bytes by us (never handed to rdflib as a path or URL), so a
file name that looks like a URL cannot trigger a download either.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from pathlib import Path
from typing import Any
from xml.parsers import expat
from xml.sax import SAXParseException

import rdflib
from rdflib.plugins.stores.memory import Memory

from kgqa.errors import GraphError
from kgqa.graph.store import Key

logger = logging.getLogger(__name__)

#: file extension -> rdflib format name
FORMATS = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".n3": "n3",
}
_ALIASES = {
    "turtle": "turtle",
    "ttl": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
    "xml": "xml",
    "rdf/xml": "xml",
    "rdfxml": "xml",
    "owl": "xml",
    "json-ld": "json-ld",
    "jsonld": "json-ld",
    "json": "json-ld",
    "n3": "n3",
}
_NAMES = {"turtle": "Turtle", "nt": "N-Triples", "xml": "RDF/XML", "json-ld": "JSON-LD", "n3": "N3"}
# an external entity or an external DTD subset: <!ENTITY x SYSTEM "...">, <!DOCTYPE rdf:RDF PUBLIC "..." "...">
_EXTERNAL_ENTITY = re.compile(
    rb"<!(?:ENTITY\s+(?:%\s*)?[^\s>]+|DOCTYPE\s+[^\s>\[]+)\s+(?:SYSTEM|PUBLIC)\b", re.IGNORECASE
)
_LINE = re.compile(r"\bline (\d+)")
#: most pieces one RDF/XML element's text may arrive in (see _check_xml_text)
MAX_XML_TEXT_PIECES = 20_000


def resolve_format(path: Path, format: str | None) -> str:
    """The rdflib format name for ``path``, from ``format`` or the file extension."""
    if format is not None:
        fmt = _ALIASES.get(format.lower())
        if fmt is None:
            raise GraphError(f"unknown RDF format {format!r}; use one of {sorted(set(_ALIASES))}")
        return fmt
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise GraphError(
            f"cannot tell the RDF format of {path} from its extension; use one of {sorted(FORMATS)} or pass format=..."
        )
    return fmt


def parse_file(path: str | Path, format: str | None = None) -> tuple[list[Key], dict[str, str]]:
    """Parse one local RDF file.

    Returns:
        The triples in the order the parser produced them (file order; N3 formula contents
        excluded) and the file's prefix -> namespace bindings.

    Raises:
        GraphError: the file is missing or unreadable (message names the path), malformed
            (names the file and, when known, the line), or asks for a remote fetch.
    """
    path = Path(path)
    fmt = resolve_format(path, format)
    try:
        data = path.read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise GraphError(f"cannot read graph file {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    if fmt == "json-ld":
        data = _safe_jsonld(path, data)
    elif fmt == "xml":
        if _EXTERNAL_ENTITY.search(data):
            raise GraphError(f"{path}: the RDF/XML declares external entities, which are not resolved; inline them")
        _check_xml_text(path, data)
    else:  # Turtle, N-Triples and N3 are UTF-8 by definition (RDF/XML declares its own encoding)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise GraphError(
                f"{path}, line {line} is not UTF-8 text ({exc.reason}); {_NAMES[fmt]} files are UTF-8: "
                "convert the file, e.g. iconv -t UTF-8"
            ) from exc
    store = _OrderedMemory()
    graph = rdflib.Graph(store=store, bind_namespaces="core")
    term_logger = logging.getLogger("rdflib.term")
    term_logger.addFilter(_quiet_literal_casts)
    try:
        with warnings.catch_warnings():
            # rdflib's own parsers use its deprecated ConjunctiveGraph API internally
            warnings.simplefilter("ignore", DeprecationWarning)
            graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises many unrelated types (BadSyntax, SAX, ParserError, ValueError, ...)
        line = _error_line(exc, data) or (_first_bad_nt_line(data) if fmt == "nt" else None)
        where = f"{path}, line {line}" if line else str(path)
        raise GraphError(
            f"malformed {_NAMES[fmt]} in {where}: {_reason(exc)}; correct the file, or check that its "
            f"extension ({path.suffix or 'none'}) names its format"
        ) from exc
    finally:
        term_logger.removeFilter(_quiet_literal_casts)
    return list(store.order), {prefix: str(ns) for prefix, ns in graph.namespaces()}


class _OrderedMemory(Memory):
    """rdflib's memory store, also remembering the order triples arrive in.

    The store itself iterates sets, whose order changes with ``PYTHONHASHSEED``; file order
    keeps labels, facts and explanations deterministic across runs.
    """

    def __init__(self) -> None:
        super().__init__()
        self.order: dict[Key, None] = {}

    def add(self, triple: Key, context: Any, quoted: bool = False) -> None:  # type: ignore[override]
        super().add(triple, context, quoted)
        if not quoted:
            self.order[triple] = None


def _quiet_literal_casts(record: logging.LogRecord) -> bool:
    """Drop rdflib's traceback for literals it cannot cast, e.g. BCE ``xsd:date`` ("-0044-03-15").

    Such literals are kept with their lexical form, which is all kgqa reads (see ``dates.py``).
    """
    return not record.getMessage().startswith("Failed to convert Literal lexical form")


def _safe_jsonld(path: Path, data: bytes) -> bytes:
    """Validate JSON-LD: well-formed JSON whose contexts are all inline."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise GraphError(f"{path} is not UTF-8 text: {exc}; save it as UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise GraphError(f"malformed JSON-LD in {path}, line {exc.lineno}: {exc.msg}") from exc
    except RecursionError as exc:
        raise GraphError(f"malformed JSON-LD in {path}: nested too deeply to read") from exc
    remote = _remote_context(doc)
    if remote is not None:
        raise GraphError(
            f"{path}: JSON-LD context {remote!r} is a remote reference; remote contexts are not fetched, "
            "inline the @context object in the file"
        )
    return data


class _TooManyPieces(Exception):
    """Raised inside the expat pre-pass of :func:`_check_xml_text`."""


def _check_xml_text(path: Path, data: bytes) -> None:
    """Refuse RDF/XML whose element text arrives in more than :data:`MAX_XML_TEXT_PIECES` pieces.

    rdflib's RDF/XML reader appends each piece of an element's text to a string, which takes time
    quadratic in the number of pieces; entities (an "XML bomb" of nested entities), character
    references and line breaks each start a new piece, so a small file could keep it busy for hours.
    Counting the pieces with expat (the parser rdflib uses) is linear. Malformed XML is reported here
    too, with its line, since expat already found it.
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    count = 0

    def start(*_: Any) -> None:
        nonlocal count
        count = 0

    def text(_: str) -> None:
        nonlocal count
        count += 1
        if count > MAX_XML_TEXT_PIECES:
            raise _TooManyPieces

    parser.StartElementHandler = start
    parser.EndElementHandler = start
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except _TooManyPieces:
        raise GraphError(
            f"{path}, line {parser.CurrentLineNumber}: an element's text comes in over {MAX_XML_TEXT_PIECES:,} "
            "pieces (entity or character references, line breaks), too many to read in reasonable time; "
            "write the text out plainly or use Turtle"
        ) from None
    except expat.ExpatError as exc:
        raise GraphError(f"malformed RDF/XML in {path}, line {exc.lineno}: {expat.ErrorString(exc.code)}") from exc


def _remote_context(node: Any) -> str | None:
    """The first ``@context``/``@import`` given by reference anywhere in a JSON-LD document."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key in ("@context", "@import"):
                    refs = value if isinstance(value, list) else [value]
                    for ref in refs:
                        if isinstance(ref, str):
                            return ref
                stack.append(value)
    return None


def _error_line(exc: Exception, data: bytes) -> int | None:
    if isinstance(exc, SAXParseException):
        return exc.getLineNumber()
    lines = getattr(exc, "lines", None)  # notation3.BadSyntax: 0-based
    if isinstance(lines, int):
        return lines + 1
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    match = _LINE.search(str(exc))
    if match:
        return int(match.group(1))
    return None


def _first_bad_nt_line(data: bytes) -> int | None:
    """N-Triples errors quote the rest of the bad line, not its number: find it by parsing line by line."""
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            rdflib.Graph(bind_namespaces="none").parse(data=line, format="nt")
        except Exception:  # the first line that fails on its own is the culprit
            return number
    return None


def _reason(exc: Exception) -> str:
    why = getattr(exc, "_why", None)  # notation3.BadSyntax keeps the short reason here
    if isinstance(why, str):
        return why
    if isinstance(exc, SAXParseException):
        return exc.getMessage()
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


__all__ = ["FORMATS", "parse_file", "resolve_format"]
