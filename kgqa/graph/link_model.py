"""A learned plausibility model of a graph's own facts (link prediction), for values the graph lacks.

A relation that is *mostly* single-valued (a film's director, a person's nationality) is not functional:
some holders have two values, and a graph rarely lists them all. So when the graph gives a film one
director and a claim names another, the claim may be false, or the graph may lack a co-director.
Rules cannot tell these apart; the rest of the graph can. A co-director the graph lacks usually wrote,
produced or acted in films like this one; a wrong director named at random did not.

:class:`LinkModel` holds ComplEx embeddings (Trouillon et al., 2016) with reciprocal relations
(Lacroix et al., 2018), trained on the graph's entity-to-entity facts by ``kgqa train link-model``
(:mod:`kgqa.train.link_model`). For a claim ``holder --p--> claimed`` it ranks ``claimed`` among every
value ``p`` takes in the graph (its observed range) and reports the share of those candidates that
score above it, leaving out the holder's known values (the filtered setting of link prediction).
The claim is *implausible* when that share exceeds the relation direction's threshold, which
training chose on facts of that direction it held out, so that at most a stated share of true
held-out values would be called implausible.

The model only speaks for the relation directions that training found mostly single-valued (at
least ``min_share`` of at least ``min_holders`` holders with one value), with enough candidate
values and enough held-out facts to choose a threshold on, and stored with their threshold; for
any other relation, an entity it has not seen, or a value outside the relation's range it says
nothing (``None``). :class:`kgqa.checks.graph_check.GraphChecker` uses it only where the graph holds
other values for the holder and no other fact links the claimed value to the holder: a missing fact
alone never contradicts anything.

Why hand-written: the scoring is three lines of tensor algebra over two safetensors matrices; the
link-prediction libraries on PyPI (PyKEEN, LibKGE) would pull a training framework into the core for it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kgqa.errors import ConfigError, ModelNotFoundError

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.short_paths import ShortPathJudge

logger = logging.getLogger(__name__)

WEIGHTS_FILE = "link_model.safetensors"
META_FILE = "link_model.json"
FORMAT = "kgqa-link-model/1"


@dataclass(frozen=True)
class Plausibility:
    """How a claimed value ranks among a relation's values for one holder.

    Attributes:
        rank_share: the share of the relation's other candidate values that score above the claimed
            one (0: the most plausible value; 1: the least), the holder's known values left out.
        threshold: the relation direction's threshold; above it the claim is implausible.
        implausible: ``rank_share > threshold``.
        candidates: how many values were ranked.
        relation: ``"<property IRI>"`` or ``"inverse <property IRI>"``.
        held_out_false_alarm: the share of this direction's held-out true facts with a rank share above
            its threshold, as training measured it on its test split (see the model card), if reported.
    """

    rank_share: float
    threshold: float
    implausible: bool
    candidates: int
    relation: str
    held_out_false_alarm: float | None

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return asdict(self)


def relation_key(prop: str, inverse: bool) -> str:
    """The key of one direction of ``prop`` in a model: the IRI, or ``inverse <IRI>``."""
    return f"inverse {prop}" if inverse else prop


def complex_scores(head: np.ndarray, rel: np.ndarray, cands: np.ndarray) -> np.ndarray:
    """ComplEx scores ``Re(<h, r, conj(t)>)`` of one head and relation against candidate rows.

    Each row holds the real parts in its first half and the imaginary parts in its second.
    """
    k = head.shape[-1] // 2
    hr, hi, rr, ri = head[:k], head[k:], rel[:k], rel[k:]
    qr, qi = hr * rr - hi * ri, hr * ri + hi * rr
    return cands[:, :k] @ qr + cands[:, k:] @ qi


class LinkModel:
    """ComplEx embeddings of one graph's entities and relations, with per-relation candidate ranges.

    Load with :meth:`load` (or :func:`link_model`); see the module docstring for what it decides.

    Example:
        >>> model = LinkModel.load("worlds/films/link-model")        # doctest: +SKIP
        >>> model.plausibility("ex:Ada_Finch", "ex:directedBy", "ex:Mara_Holt", inverse=False)  # doctest: +SKIP
        Plausibility(rank_share=0.83, threshold=0.31, implausible=True, ...)
    """

    def __init__(
        self,
        entities: list[str],
        relations: list[str],
        entity_vectors: np.ndarray,
        relation_vectors: np.ndarray,
        ranges: dict[str, list[int]],
        thresholds: dict[str, float],
        meta: dict[str, Any] | None = None,
    ) -> None:
        if set(thresholds) - set(ranges):
            raise ConfigError(
                f"link model: thresholds for {sorted(set(thresholds) - set(ranges))[:3]} without a range; "
                "retrain it with `kgqa train link-model`"
            )
        if entity_vectors.shape[0] != len(entities) or relation_vectors.shape[0] != len(relations):
            raise ConfigError(
                f"link model: {len(entities)} entities and {len(relations)} relations named, but the weights hold "
                f"{entity_vectors.shape[0]} and {relation_vectors.shape[0]} rows; retrain it with `kgqa train link-model`"
            )
        self.entities = entities
        self.relations = relations
        self.entity_index = {e: i for i, e in enumerate(entities)}
        self.relation_index = {r: i for i, r in enumerate(relations)}
        self.entity_vectors = entity_vectors.astype(np.float32, copy=False)
        self.relation_vectors = relation_vectors.astype(np.float32, copy=False)
        self.ranges = {k: np.asarray(v, dtype=np.int64) for k, v in ranges.items()}
        for key, arr in self.ranges.items():
            if len(arr) and (arr.min() < 0 or arr.max() >= len(entities)):
                bad = int(arr.max() if arr.max() >= len(entities) else arr.min())
                raise ConfigError(
                    f"link model: the range of {key} names entity {bad} of {len(entities)}; "
                    "retrain it with `kgqa train link-model`"
                )
        self.thresholds = {str(k): float(v) for k, v in thresholds.items()}
        self.meta = meta or {}
        #: the second judge of :mod:`kgqa.graph.short_paths`, stored beside the model (``None``: none)
        self.short_paths: ShortPathJudge | None = None

    # ------------------------------------------------------------------ io
    @classmethod
    def load(cls, folder: str | Path) -> LinkModel:
        """Read a folder written by ``kgqa train link-model`` (``link_model.json`` + safetensors weights).

        Raises:
            ModelNotFoundError: the folder or a file is missing.
            ConfigError: the metadata is unreadable or does not fit the weights.
        """
        from safetensors.numpy import load_file

        folder = Path(folder)
        meta_path, weights = folder / META_FILE, folder / WEIGHTS_FILE
        if not meta_path.is_file() or not weights.is_file():
            raise ModelNotFoundError(
                f"{folder} is not a link model folder (it needs {META_FILE} and {WEIGHTS_FILE}); "
                "write one with `kgqa train link-model --world kgqa.json --output-dir DIR`"
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"cannot read {meta_path}: {exc}; retrain with `kgqa train link-model`") from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ConfigError(f"{meta_path} is not a {FORMAT} file; retrain with `kgqa train link-model`")
        try:
            tensors = load_file(str(weights))
            entities, relations = list(meta["entities"]), list(meta["relations"])
            ranges = {str(k): list(v) for k, v in meta["ranges"].items()}
            thresholds = {str(k): float(v) for k, v in meta["thresholds"].items()}
            ent, rel = tensors["entities"], tensors["relations"]
        except (KeyError, TypeError, ValueError, OSError) as exc:
            raise ConfigError(f"{folder}: incomplete link model ({exc}); retrain with `kgqa train link-model`") from exc
        info = {k: v for k, v in meta.items() if k not in ("entities", "relations", "ranges")}
        model = cls(entities, relations, ent, rel, ranges, thresholds, info)
        from kgqa.graph.short_paths import ShortPathJudge

        model.short_paths = ShortPathJudge.load(folder)  # kgqa train short-paths, when it ran on this folder
        return model

    def save(self, folder: str | Path) -> Path:
        """Write the model as ``link_model.json`` and float16 ``link_model.safetensors``."""
        from safetensors.numpy import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_file(
            {
                "entities": self.entity_vectors.astype(np.float16),
                "relations": self.relation_vectors.astype(np.float16),
            },
            str(folder / WEIGHTS_FILE),
        )
        meta = {
            **self.meta,
            "format": FORMAT,
            "thresholds": self.thresholds,
            "entities": self.entities,
            "relations": self.relations,
            "ranges": {k: v.tolist() for k, v in self.ranges.items()},
        }
        (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        return folder

    # ------------------------------------------------------------------ scoring
    def eligible(self, prop: str, inverse: bool = False) -> bool:
        """Whether the model speaks for this direction of ``prop`` (a range and a threshold stored)."""
        key = relation_key(prop, inverse)
        return key in self.ranges and key in self.thresholds and key in self.relation_index

    def rank_share(
        self, holder: str, prop: str, claimed: str, known: list[str], inverse: bool = False
    ) -> tuple[float, int] | None:
        """``(share of candidates scoring above claimed, candidates ranked)``, or ``None`` if unknown to the model.

        ``known`` are the holder's values in the graph; they are left out of the ranking (filtered setting).
        """
        key = relation_key(prop, inverse)
        h, r, c = self.entity_index.get(holder), self.relation_index.get(key), self.entity_index.get(claimed)
        cands = self.ranges.get(key)
        if h is None or r is None or c is None or cands is None or not (cands == c).any():
            return None
        skip = {self.entity_index[k] for k in known if k in self.entity_index} - {c}
        pool = np.asarray([i for i in cands.tolist() if i not in skip], dtype=np.int64)
        if len(pool) < 2:
            return None
        scores = complex_scores(self.entity_vectors[h], self.relation_vectors[r], self.entity_vectors[pool])
        mine = scores[int(np.flatnonzero(pool == c)[0])]  # from the same product: no rounding gap to itself
        above = int((scores > mine).sum())
        return above / (len(pool) - 1), len(pool)

    def plausibility(
        self, holder: str, prop: str, claimed: str, known: list[str] | None = None, inverse: bool = False
    ) -> Plausibility | None:
        """The :class:`Plausibility` of ``holder --prop--> claimed`` (``inverse``: ``claimed --prop--> holder``).

        ``None`` when the direction is not eligible or an entity is unknown to the model.
        """
        if not self.eligible(prop, inverse):
            return None
        ranked = self.rank_share(holder, prop, claimed, known or [], inverse)
        if ranked is None:
            return None
        share, n = ranked
        key = relation_key(prop, inverse)
        threshold = self.thresholds[key]
        test = self.meta.get("test", {})
        rates = test.get("per_relation", {}).get(key, {}) if isinstance(test, dict) else {}
        return Plausibility(
            rank_share=round(share, 4),
            threshold=threshold,
            implausible=share > threshold,
            candidates=n,
            relation=key,
            held_out_false_alarm=rates.get("false_alarm_rate"),
        )


@lru_cache(maxsize=4)
def link_model(folder: str | None) -> LinkModel | None:
    """The link model in ``folder``, loaded once per process; ``None`` for ``None`` or ``"none"``."""
    if not folder or str(folder).lower() == "none":
        return None
    return LinkModel.load(folder)


__all__ = ["FORMAT", "LinkModel", "Plausibility", "complex_scores", "link_model", "relation_key"]
