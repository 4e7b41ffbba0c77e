"""kgqa: knowledge-grounded question answering with checked answers and explanation traces.

Example:
    >>> from kgqa import Pipeline
    >>> pipe = Pipeline.load()  # doctest: +SKIP
    >>> pipe.ask("Who wrote Hamlet?").answer  # doctest: +SKIP
    'William Shakespeare'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kgqa.errors import (
    ConfigError,
    DataNotFoundError,
    EndpointError,
    GraphError,
    IndexLoadError,
    InputError,
    KGQAError,
    ModelNotFoundError,
)
from kgqa.trace import Trace
from kgqa.types import Answer, Claim, Evidence, Passage, PremiseCheck, Triple

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.config import PipelineConfig
    from kgqa.pipeline import Pipeline


def __getattr__(name: str) -> Any:
    # heavy imports (torch, faiss, rdflib) wait until the pipeline is used
    if name == "Pipeline":
        from kgqa.pipeline import Pipeline

        return Pipeline
    if name == "PipelineConfig":
        from kgqa.config import PipelineConfig

        return PipelineConfig
    raise AttributeError(f"module 'kgqa' has no attribute {name!r}")


__all__ = [
    "Answer",
    "Claim",
    "ConfigError",
    "DataNotFoundError",
    "EndpointError",
    "Evidence",
    "GraphError",
    "IndexLoadError",
    "InputError",
    "KGQAError",
    "ModelNotFoundError",
    "Passage",
    "Pipeline",
    "PipelineConfig",
    "PremiseCheck",
    "Trace",
    "Triple",
    "__version__",
]
