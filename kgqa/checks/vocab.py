"""The vocabulary the checkers reason with: which properties mean cause, birth, death, date, creation, place.

The default is kgqa's ontology (``graphs/ontology.ttl``). A graph with its own
vocabulary passes a :class:`Vocabulary` naming its properties, e.g.
``Vocabulary.from_namespace("http://example.org/onto#")`` when it uses the same
local names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KGQA_NS = "https://kgqa.dev/ontology#"


@dataclass(frozen=True)
class Vocabulary:
    """Property IRIs by role."""

    causes: str
    birth_date: str
    death_date: str
    start_props: tuple[str, ...]
    end_props: tuple[str, ...]
    agent_acts: tuple[str, ...]
    thing_by: tuple[str, ...]
    participant: str
    containment: tuple[str, ...]
    closed_inverse: tuple[str, ...]
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_namespace(cls, ns: str = KGQA_NS) -> Vocabulary:
        """The roles under the local names of kgqa's ontology, in namespace ``ns``."""

        def n(*names: str) -> tuple[str, ...]:
            return tuple(ns + x for x in names)

        return cls(
            causes=ns + "causes",
            birth_date=ns + "birthDate",
            death_date=ns + "deathDate",
            start_props=n("date", "startDate", "publicationDate", "birthDate"),
            end_props=n("endDate", "date", "publicationDate", "deathDate"),
            agent_acts=n("wrote", "created", "painted", "composed", "invented", "discovered"),
            thing_by=n("author", "creator", "painter", "composer", "inventor", "discoveredBy"),
            participant=ns + "participant",
            containment=n("country", "continent"),
            closed_inverse=n("author", "creator", "painter", "composer", "inventor", "discoveredBy"),
        )


DEFAULT_VOCABULARY = Vocabulary.from_namespace()
