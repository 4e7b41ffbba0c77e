"""The questions ``kgqa demo`` asks of the embedded default world."""

from __future__ import annotations

#: (question, premises) pairs; one premise is false, one question has a false presupposition
DEMO_QUESTIONS: list[tuple[str, list[str]]] = [
    ("Who wrote Hamlet?", []),
    ("What is the capital of France?", []),
    ("When was Albert Einstein born?", []),
    ("Did Shakespeare write Hamlet?", ["Shakespeare was not a writer."]),
    ("Why did Shakespeare write Harry Potter?", []),
    ("Which planet is known as the Red Planet?", []),
]

#: claims ``kgqa demo`` checks
DEMO_CLAIMS: list[str] = [
    "The printing press caused the fall of the Western Roman Empire.",
    "Marie Curie discovered radium.",
]
