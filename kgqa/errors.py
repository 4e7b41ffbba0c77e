"""Typed errors raised by kgqa's public API.

Every error says what went wrong and what to do about it. The CLI turns any
:class:`KGQAError` into one line on stderr and exit code 2.
"""

from __future__ import annotations


class KGQAError(Exception):
    """Base class of every error kgqa raises on purpose."""


class InputError(KGQAError, ValueError):
    """A question, claim, premise or argument given by the user is not usable."""


class ConfigError(KGQAError, ValueError):
    """A configuration value or file is invalid."""


class ModelNotFoundError(KGQAError, FileNotFoundError):
    """A model folder is missing, incomplete or corrupt."""


class IndexError_(KGQAError):
    """A FAISS index folder is missing, corrupt or does not match its encoder."""


class GraphError(KGQAError):
    """An RDF file cannot be read or parsed, or a graph query is invalid."""


class EndpointError(GraphError):
    """A SPARQL endpoint cannot be reached, does not answer in time, refuses a query, or sends an unreadable answer."""


class DataNotFoundError(KGQAError, FileNotFoundError):
    """A dataset file expected in the data directory is missing."""


class MissingDependencyError(KGQAError, ImportError):
    """An optional dependency is not installed; the message names the extra to install (``kgqa[bench]``)."""


# Public alias with a readable name; ``IndexError_`` avoids shadowing the builtin.
IndexLoadError = IndexError_

__all__ = [
    "ConfigError",
    "DataNotFoundError",
    "EndpointError",
    "GraphError",
    "IndexLoadError",
    "InputError",
    "KGQAError",
    "MissingDependencyError",
    "ModelNotFoundError",
]
