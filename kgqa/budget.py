"""Budgets that bound the work one question may cost, and the record of a budget that cut a search short.

A search that walks a big graph (path search, the facts gathered around a claim's entities, the
NLI pairs read for them) takes a :class:`Budget`: a name and a limit. It counts what it spends with
:meth:`Budget.take` and, when it stops because the limit is reached, the budget is
:attr:`~Budget.exhausted` and :meth:`Budget.to_dict` gives the record the trace keeps, in one shape
for every search::

    {"budget": "fact_sentence_pairs", "limit": 24, "used": 24}

Example:
    >>> b = Budget("path_nodes", 2)
    >>> b.take(), b.take(), b.take()
    (True, True, False)
    >>> b.exhausted, b.to_dict()
    (True, {'budget': 'path_nodes', 'limit': 2, 'used': 2})
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kgqa.errors import ConfigError


def check_limit(name: str, limit: object) -> int:
    """``limit`` as a budget's limit, or :class:`~kgqa.errors.ConfigError` naming the budget and the fix.

    A limit is a whole number of at least 1 (a bool is not a number).
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigError(
            f"budget {name} must be a whole number of at least 1, not {limit!r}; raise it or leave the default"
        )
    return limit


@dataclass
class Budget:
    """A named limit on units of work (nodes expanded, facts read, NLI pairs), and what was spent.

    Attributes:
        name: the budget's name, as in the config (``path_budget`` ...) or the trace.
        limit: the most units the search may spend (at least 1).
        used: the units spent so far.
        exhausted: a unit was refused: the search stopped short because of this budget.
    """

    name: str
    limit: int
    used: int = 0
    exhausted: bool = False

    def __post_init__(self) -> None:
        check_limit(self.name, self.limit)

    @property
    def left(self) -> int:
        """Units still available."""
        return max(self.limit - self.used, 0)

    def take(self, n: int = 1) -> bool:
        """Spend ``n`` units if they are left; otherwise spend nothing, mark the budget exhausted and return False."""
        if self.used + n > self.limit:
            self.exhausted = True
            return False
        self.used += n
        return True

    def cut(self, items: Iterable[Any]) -> list[Any]:
        """The first items that fit in what is left (each costs one unit); exhausted when some were left out."""
        out: list[Any] = []
        for item in items:
            if not self.take():
                break
            out.append(item)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The trace record ``{"budget": name, "limit": N, "used": M}``."""
        return {"budget": self.name, "limit": self.limit, "used": self.used}


def cuts(budgets: Iterable[Budget]) -> list[dict[str, Any]]:
    """The trace records of the budgets that cut their search short (none when every search finished)."""
    return [b.to_dict() for b in budgets if b.exhausted]


__all__ = ["Budget", "check_limit", "cuts"]
