"""The explanation trace: every stage of a question's processing, with timings and provenance.

The JSON form (:meth:`Trace.to_dict`) follows schema version :data:`SCHEMA_VERSION`,
documented in ``docs/trace-schema.md`` and as a JSON Schema in
``kgqa/trace_schema.json``::

    {"schema_version": "1.0", "question": str, "premises": [str], "total_ms": float,
     "decision": {"verdict": str, "rule": str, "confidence": float} | null,
     "steps": [{"stage": str, "inputs": {...}, "outputs": {...}, "ms": float}]}

Stages, in order: ``question_analysis``, ``premises``, ``retrieval``, ``reader``,
``nli``, ``entity_linking``, ``graph``, ``premise_check``, ``causal_check``, ``decision``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"
STAGES = (
    "question_analysis",
    "premises",
    "retrieval",
    "reader",
    "nli",
    "entity_linking",
    "graph",
    "premise_check",
    "causal_check",
    "decision",
)


def jsonable(value: Any) -> Any:
    """Convert dataclasses (with ``to_dict``), tuples and numpy scalars into JSON values."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


@dataclass
class Step:
    """One stage of the trace."""

    stage: str
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "inputs": jsonable(self.inputs),
            "outputs": jsonable(self.outputs),
            "ms": round(self.ms, 3),
        }


@dataclass
class Trace:
    """What happened while answering one question.

    Example:
        >>> t = Trace("Who wrote Hamlet?")
        >>> with t.stage("retrieval", top_k=5) as step:
        ...     step.outputs["hits"] = []
        >>> t.to_dict()["steps"][0]["stage"]
        'retrieval'
    """

    question: str
    premises: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    decision: dict[str, Any] | None = None

    @contextmanager
    def stage(self, name: str, **inputs: Any) -> Iterator[Step]:
        """Record a stage; its time is measured around the ``with`` block."""
        step = Step(name, dict(inputs))
        t0 = time.perf_counter()
        try:
            yield step
        finally:
            step.ms = (time.perf_counter() - t0) * 1000.0
            self.steps.append(step)

    def get(self, name: str) -> Step | None:
        """The first step of stage ``name``."""
        return next((s for s in self.steps if s.stage == name), None)

    @property
    def total_ms(self) -> float:
        return sum(s.ms for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON form."""
        return {
            "schema_version": SCHEMA_VERSION,
            "question": self.question,
            "premises": list(self.premises),
            "total_ms": round(sum(round(s.ms, 3) for s in self.steps), 3),
            "decision": jsonable(self.decision),
            "steps": [s.to_dict() for s in self.steps],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Trace:
        return cls(
            question=d["question"],
            premises=list(d.get("premises", [])),
            steps=[
                Step(s["stage"], s.get("inputs", {}), s.get("outputs", {}), float(s.get("ms", 0.0)))
                for s in d.get("steps", [])
            ],
            decision=d.get("decision"),
        )

    def to_text(self) -> str:
        """Readable multi-line text, as the CLI prints it."""
        from kgqa.render import trace_text

        return trace_text(self)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        from kgqa.render import trace_html

        return trace_html(self)
