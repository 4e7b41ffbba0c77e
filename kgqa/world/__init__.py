"""Building a world folder (graphs, passages, index and ``kgqa.json``) from RDF files, datasets and dumps.

``kgqa world build`` (:mod:`kgqa.world.cli`) drives :func:`kgqa.world.build.build_world`; the
converters live in :mod:`kgqa.world.sources` (FB15k-237, WordNet, ConceptNet, SQuAD, passage
files), :mod:`kgqa.world.rdf_stream` (RDF files) and :mod:`kgqa.world.wikidata` (dump filter).
The names below are imported on first use, so that mounting the command costs no rdflib import.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["WorldSpec", "build_world", "check_out_dir"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("kgqa.world.build"), name)
    raise AttributeError(f"module 'kgqa.world' has no attribute {name!r}")
