"""What the pipeline's stages need of each other, as :class:`typing.Protocol` s.

The pipeline and the premise checker take any object with these methods: the shipped
:class:`~kgqa.retrieval.index.DenseIndex`, :class:`~kgqa.reader.qa.Reader` and
:class:`~kgqa.reader.nli.NLIModel`, or another retriever, reader or NLI model (a BM25
index, a hosted model, a scripted fake in a test). The graph side (the
:class:`~kgqa.graph.kg.KnowledgeGraph`, its entity linker and relation matcher) is
typed by those concrete classes.

Example:
    >>> class Nobody:
    ...     def search(self, queries, top_k=5):
    ...         return [[] for _ in queries]
    >>> isinstance(Nobody(), Retriever)
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from kgqa.types import Hit, ReaderSpan

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np


@runtime_checkable
class Retriever(Protocol):
    """Finds the passages nearest to each query."""

    def search(self, queries: Sequence[str], top_k: int = 5) -> list[list[Hit]]:
        """The ``top_k`` hits of each query, best first (one list per query)."""
        ...


@runtime_checkable
class SpanReader(Protocol):
    """Extracts answer spans from passages."""

    def read_batch(
        self,
        questions: Sequence[str],
        passages: Sequence[Sequence[tuple[str, str]]],
        n_best: int = 5,
        max_answer_length: int = 30,
    ) -> list[list[ReaderSpan]]:
        """For each question, spans from its ``(passage id, text)`` pairs, best first."""
        ...

    def warm_up(self) -> None:
        """Load the model now rather than on first use."""
        ...


@runtime_checkable
class NLIPredictor(Protocol):
    """Reads (premise, hypothesis) pairs as entailment, neutral or contradiction."""

    def predict(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probabilities ``[n, 3]`` in the order entailment, neutral, contradiction."""
        ...

    def warm_up(self) -> None:
        """Load the model now rather than on first use."""
        ...


#: ``(text, top_k) -> hits``: how the premise checker retrieves passages for a claim
Retrieve = Callable[[str, int], Sequence[Hit]]

__all__ = ["NLIPredictor", "Retrieve", "Retriever", "SpanReader"]
