"""Milvus vector backend: one collection of ``(id, vector)`` rows, embedded (milvus-lite) or on a server.

The same :class:`pymilvus.MilvusClient` code serves both: a ``uri`` that is a local path ending in
``.db`` runs Milvus Lite inside this process (a file, no server), and ``http://host:19530`` (or
``https://...``) talks to a Milvus server. A server token, when it needs one, is read from the
environment variable ``KGQA_MILVUS_TOKEN`` and never written to disk.

Passage texts stay in kgqa's :class:`~kgqa.retrieval.store.PassageStore` (``passages.jsonl`` in the
index folder): the Milvus primary key of a vector is the position of its passage there, so Milvus
holds only ids and vectors and a search returns the same :class:`~kgqa.types.Hit` objects as FAISS.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from kgqa.errors import IndexLoadError, InputError
from kgqa.extras import require

logger = logging.getLogger(__name__)

DEFAULT_COLLECTION = "kgqa_passages"
#: the milvus-lite file written into an index folder when no URI is given
LITE_FILE = "milvus.db"
TOKEN_ENV = "KGQA_MILVUS_TOKEN"
# Milvus refuses a search limit above this.
_MAX_LIMIT = 16384
_INSERT_BATCH = 2000
_COLLECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")


def is_server_uri(uri: str) -> bool:
    """Whether ``uri`` names a Milvus server (``http(s)://``, ``tcp://``, ``grpc://``) rather than a lite file."""
    return uri.split("://", 1)[0].lower() in ("http", "https", "tcp", "grpc") and "://" in uri


def check_milvus_args(uri: Any, collection: Any) -> None:
    """Raise :class:`InputError` for a URI or collection name Milvus would refuse.

    Example:
        >>> check_milvus_args("http://localhost:19530", "kgqa_passages")
    """
    if not isinstance(uri, str | os.PathLike) or not str(uri).strip():
        raise InputError(
            f"a Milvus URI is a local file such as ./milvus.db (milvus-lite) or http://host:19530, got {uri!r}"
        )
    if not is_server_uri(str(uri)) and not str(uri).endswith(".db"):
        raise InputError(
            f"the Milvus URI {str(uri)!r} is neither a server (http://host:19530) nor a milvus-lite file; "
            "a milvus-lite file name ends in .db"
        )
    if not isinstance(collection, str) or not _COLLECTION_NAME.fullmatch(collection):
        raise InputError(
            f"a Milvus collection name is letters, digits and underscores, not starting with a digit; got {collection!r}"
        )


class MilvusBackend:
    """Vectors in a Milvus collection with an ``INT64`` primary key ``id`` and an inner-product ``vector`` field.

    Use :meth:`create` for a new (replaced) collection and :meth:`open` for an existing one.

    Raises:
        MissingDependencyError: if pymilvus (or milvus-lite for a file URI) is not installed.
        IndexLoadError: if Milvus cannot be reached at ``uri``.
    """

    kind = "milvus"

    def __init__(self, uri: str | os.PathLike, dim: int, collection: str = DEFAULT_COLLECTION) -> None:
        check_milvus_args(uri, collection)
        self.uri = str(uri)
        self.dim = int(dim)
        self.collection = collection
        self._count = 0
        pymilvus = require("pymilvus", "milvus", "the Milvus vector backend")
        if not is_server_uri(self.uri):
            require("milvus_lite", "milvus", "an embedded Milvus (a .db file URI)")
            Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
        try:
            client = pymilvus.MilvusClient(uri=self.uri, token=os.environ.get(TOKEN_ENV, ""), timeout=30)
        except Exception as exc:  # pymilvus raises MilvusException and grpc/OS errors here
            raise IndexLoadError(
                f"cannot reach Milvus at {self.uri} ({type(exc).__name__}: {exc}); start the server or fix the URI "
                "(--milvus-uri / milvus_uri)"
            ) from exc
        self._client: Any = _Client(client, self.uri, pymilvus.MilvusException)

    @property
    def on_gpu(self) -> bool:
        return False

    @classmethod
    def create(cls, uri: str | os.PathLike, dim: int, collection: str = DEFAULT_COLLECTION) -> MilvusBackend:
        """A new empty collection, replacing one of the same name."""
        backend = cls(uri, dim, collection)
        client = backend._client
        if client.has_collection(collection):
            logger.warning("replacing the Milvus collection %r at %s", collection, backend.uri)
            client.drop_collection(collection)
        client.create_collection(
            collection,
            dimension=backend.dim,
            primary_field_name="id",
            id_type="int",
            vector_field_name="vector",
            metric_type="IP",
            auto_id=False,
            consistency_level="Strong",
        )
        return backend

    @classmethod
    def open(
        cls, uri: str | os.PathLike, dim: int, count: int, collection: str = DEFAULT_COLLECTION, fix: str = ""
    ) -> MilvusBackend:
        """Connect to an existing collection of ``count`` ``dim``-dimensional vectors and load it for search.

        Raises:
            IndexLoadError: if the collection is missing, or its dimension or row count differs.
        """
        backend = cls(uri, dim, collection)
        client = backend._client
        where = f"Milvus collection {collection!r} at {backend.uri}"
        if not client.has_collection(collection):
            raise IndexLoadError(f"there is no {where}; {fix}")
        fields = client.describe_collection(collection).get("fields", [])
        dims = [int(f.get("params", {}).get("dim", 0)) for f in fields if f.get("name") == "vector"]
        if dims != [dim]:
            raise IndexLoadError(f"the {where} holds vectors of dimension {dims or 'none'}, the index {dim}; {fix}")
        client.load_collection(collection)
        rows = client.query(collection, filter="", output_fields=["count(*)"])
        found = int(rows[0]["count(*)"]) if rows else 0
        if found != count:
            raise IndexLoadError(f"the {where} holds {found} vectors but the index folder {count} passages; {fix}")
        backend._count = found
        return backend

    def __len__(self) -> int:
        return self._count

    def add(self, vectors: np.ndarray) -> None:
        for start in range(0, len(vectors), _INSERT_BATCH):
            rows = vectors[start : start + _INSERT_BATCH]
            self._client.insert(
                self.collection,
                [{"id": self._count + i, "vector": row.tolist()} for i, row in enumerate(rows)],
            )
            self._count += len(rows)

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self._count, _MAX_LIMIT)
        results = self._client.search(
            self.collection,
            data=vectors.tolist(),
            limit=k,
            output_fields=["id"],
            search_params={"metric_type": "IP"},
        )
        scores = np.full((len(vectors), k), -np.inf, np.float32)
        ids = np.full((len(vectors), k), -1, np.int64)
        for row, hits in enumerate(results):
            for col, hit in enumerate(list(hits)[:k]):
                scores[row, col], ids[row, col] = float(hit["distance"]), int(hit["id"])
        return scores, ids

    def params(self) -> dict[str, int]:
        return {}

    def save(self, directory: Path) -> list[str]:
        """Flush the collection so that it is durable; no files are written to ``directory``."""
        self._client.flush(self.collection)
        return []

    def describe(self, directory: Path) -> dict[str, Any]:
        """The URI (relative when a lite file inside ``directory``) and collection, for ``meta.json``."""
        uri = self.uri
        if not is_server_uri(uri):
            path = Path(uri).resolve()
            folder = Path(directory).resolve()
            uri = str(path.relative_to(folder)) if path.is_relative_to(folder) else str(path)
        return {"uri": uri, "collection": self.collection}

    def close(self) -> None:
        """Close the client connection."""
        self._client.close()


class _Client:
    """A pymilvus client whose failures (a server gone, a refused request) raise :class:`IndexLoadError`."""

    def __init__(self, client: Any, uri: str, error: type[Exception]) -> None:
        self._client, self._uri, self._error = client, uri, error

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except self._error as exc:
                raise IndexLoadError(
                    f"Milvus at {self._uri} failed in {name} ({exc}); check the server and the URI "
                    "(--milvus-uri / milvus_uri)"
                ) from exc

        return call


def resolve_uri(recorded: str, directory: Path, override: str | None) -> str:
    """The URI to open: ``override`` when given, else the recorded one (a relative lite file is inside ``directory``)."""
    uri = override or recorded
    if not is_server_uri(uri) and not Path(uri).is_absolute() and override is None:
        uri = str(directory / uri)
    return uri


__all__ = ["DEFAULT_COLLECTION", "LITE_FILE", "TOKEN_ENV", "MilvusBackend", "check_milvus_args", "is_server_uri"]
