"""Short linking paths: whether the graph's other facts tie a claimed value to its holder.

A true value the graph lacks is seldom a stranger to its holder. A person's second nationality is
usually the country of a city the person was born in, lived in or worked in; a film's missing
co-director usually made other films with its cast. A wrong value named at random is tied to the
holder by nothing but the hubs that tie everything (a gender, a country of millions, a catch-all
class). :func:`linking_node` looks for one node ``x`` with a fact between the holder and ``x`` and a
fact between ``x`` and the claimed value (either way round), where ``x`` has at most ``max_degree``
facts: a path of two steps through a node that is not a hub.

:class:`ShortPathJudge` is a second judge beside the link model (:mod:`kgqa.graph.link_model`). The
model ranks a claimed value among the relation's values; its threshold lets through every value that
ranks like a held-out true one, wrong values included, because the model ranks the wrong ones almost
at random. The judge adds, per relation direction, a looser rank-share threshold and a cap on the
linking node's facts: a value whose rank share is above the looser threshold (the model ranks it low)
*and* that no node of at most the cap ties to the holder is implausible too. ``kgqa train short-paths`` (:mod:`kgqa.train.short_paths`)
chooses both on the link model's development facts, so that the model and the judge together call at
most a stated share of held-out true values implausible, and measures them on the test facts. The
judge is stored as ``short_paths.json`` in the link model's folder and loaded with it
(:meth:`kgqa.graph.link_model.LinkModel.load`). :class:`kgqa.checks.graph_check.GraphChecker` asks it
only where the link model speaks for the direction, the graph holds other values for the holder and no
fact links the two directly: a missing fact alone never contradicts anything.

Why hand-written: the test is two lookups in the graph's adjacency per neighbour of the holder; a
graph library (networkx) would first copy the graph into memory, which a big graph does not fit.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgqa.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph

logger = logging.getLogger(__name__)

SHORT_PATHS_FILE = "short_paths.json"
FORMAT = "kgqa-short-paths/1"
#: a holder with more facts than this is not judged: its neighbourhood ties it to nearly everything
MAX_HOLDER_FACTS = 2000
_IRI = ("http://", "https://", "urn:")


@dataclass(frozen=True)
class Linking:
    """The outcome of :func:`linking_node`.

    Attributes:
        judged: ``False`` when the holder has more than ``max_holder_facts`` facts (nothing is decided).
        node: the linking node with the fewest facts, or ``None`` when no node of at most the cap links them.
        degree: that node's fact count (``None`` without one).
    """

    judged: bool
    node: str | None = None
    degree: int | None = None


def linking_node(
    kg: KnowledgeGraph,
    holder: str,
    claimed: str,
    max_degree: int,
    max_holder_facts: int = MAX_HOLDER_FACTS,
) -> Linking:
    """The node of at most ``max_degree`` facts with a fact to ``holder`` and one to ``claimed``, fewest facts first.

    Only entity nodes (IRIs) are tried, never ``claimed`` itself; both facts may point either way.

    Example:
        >>> linking_node(kg, "ex:Ana", "ex:Norland", max_degree=500)  # doctest: +SKIP
        Linking(judged=True, node='ex:Port_Vell', degree=12)
    """
    if max_degree < 1:
        raise ValueError(f"max_degree must be at least 1, got {max_degree}")
    around = kg.edges(holder, limit=max_holder_facts + 1)
    if len(around) > max_holder_facts:
        return Linking(False)
    best: tuple[int, str] | None = None
    seen: set[str] = set()
    for _prop, x, _forward in around:
        if x == claimed or x == holder or x in seen or not x.startswith(_IRI):
            continue
        seen.add(x)
        cap = max_degree if best is None else min(max_degree, best[0] - 1)
        if cap < 1:
            break
        facts = kg.edges(x, limit=cap + 1)
        if len(facts) > cap:
            continue
        if any(n == claimed for _p, n, _f in facts):
            best = (len(facts), x)
    if best is None:
        return Linking(True)
    return Linking(True, best[1], best[0])


class ShortPathJudge:
    """Per relation direction, a looser rank-share threshold and the cap on a linking node's facts.

    ``directions`` maps a relation key (``"<IRI>"`` or ``"inverse <IRI>"``, as
    :func:`kgqa.graph.link_model.relation_key` writes it) to ``{"max_degree": int, "rank_share": float, ...}``
    with the rates measured for it; ``meta`` says how they were chosen.
    """

    def __init__(self, directions: dict[str, dict[str, Any]], meta: dict[str, Any] | None = None) -> None:
        for key, entry in directions.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("max_degree"), int) or entry["max_degree"] < 1:
                raise ConfigError(f"short paths: direction {key!r} needs a positive integer max_degree, got {entry!r}")
            share = entry.get("rank_share")
            if not isinstance(share, (int, float)) or not 0 <= share <= 1:
                raise ConfigError(f"short paths: direction {key!r} needs a rank_share in [0, 1], got {share!r}")
        self.directions = directions
        self.meta = meta or {}

    @classmethod
    def load(cls, folder: str | Path) -> ShortPathJudge | None:
        """The judge stored in ``folder`` (:data:`SHORT_PATHS_FILE`), or ``None`` when the folder holds none.

        Raises:
            ConfigError: the file is unreadable or of another format.
        """
        path = Path(folder) / SHORT_PATHS_FILE
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}; rewrite it with `kgqa train short-paths`") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("directions"), dict):
            raise ConfigError(f"{path} is not a {FORMAT} file; rewrite it with `kgqa train short-paths`")
        return cls(data["directions"], {k: v for k, v in data.items() if k not in ("format", "directions")})

    def save(self, folder: str | Path) -> Path:
        """Write :data:`SHORT_PATHS_FILE` into ``folder``; its path."""
        path = Path(folder) / SHORT_PATHS_FILE
        path.write_text(
            json.dumps({"format": FORMAT, **self.meta, "directions": self.directions}, indent=1), encoding="utf-8"
        )
        return path

    def untied(
        self, kg: KnowledgeGraph, holder: str, key: str, claimed: str, rank_share: float
    ) -> dict[str, Any] | None:
        """The record of an implausible value by this judge, or ``None``.

        Implausible: the link model's ``rank_share`` of the value is above the direction's looser threshold
        and no node of at most the direction's cap ties the value to the holder. ``None`` also when the
        direction is not judged or the holder has too many facts to judge.
        """
        entry = self.directions.get(key)
        if entry is None or rank_share <= entry["rank_share"]:
            return None
        found = linking_node(kg, holder, claimed, entry["max_degree"])
        if not found.judged or found.node is not None:
            return None
        return {
            "judge": "no_short_path",
            "max_degree": entry["max_degree"],
            "rank_share_threshold": entry["rank_share"],
            "held_out_false_alarm": (entry.get("test") or {}).get("false_alarm_rate"),
        }


__all__ = ["MAX_HOLDER_FACTS", "SHORT_PATHS_FILE", "Linking", "ShortPathJudge", "linking_node"]
