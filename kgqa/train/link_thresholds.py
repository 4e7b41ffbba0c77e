"""The link model's plausibility thresholds, chosen on its dev facts (split from :mod:`kgqa.train.link_model`).

A direction with at least ``--min-dev-facts`` dev facts gets a threshold of its own. The directions with
fewer (a country's capital: 138 holders in FB15k-237 give about a dozen dev facts) would otherwise stay
silent however plain a wrong value is; unless ``--no-pool``, they share one threshold chosen on their
dev facts pooled, with the same false-alarm bounds, provided the pool itself holds ``--min-dev-facts``
facts. The pooled threshold is one estimate for a mixed population, so ``kgqa train link-model``
reports its false alarms on the test split separately (``pooled`` in ``link_model.json`` and the card).
"""

from __future__ import annotations

from typing import Any

from kgqa.errors import InputError


def choose_threshold(true_shares: list[float], max_false_alarm: float) -> float:
    """The least rank share that at most ``max_false_alarm`` of ``true_shares`` exceed.

    Example:
        >>> choose_threshold([0.1, 0.2, 0.3, 0.9], 0.25)
        0.3
    """
    if not true_shares:
        raise InputError("no held-out facts of an eligible relation to choose the threshold on; lower --min-holders")
    ordered = sorted(true_shares)
    allowed = int(max_false_alarm * len(ordered))
    return round(float(ordered[len(ordered) - 1 - allowed]), 4)


def _bounded(shares: list[float], checker: list[float], args: Any) -> float:
    """The threshold over all true values, raised to the bound over the checker's ones where they are enough."""
    threshold = choose_threshold(shares, args.max_false_alarm)
    if len(checker) >= args.min_checker_facts:
        threshold = max(threshold, choose_threshold(checker, args.max_false_alarm))
    return threshold


def dev_thresholds(
    true_shares: dict[str, list[float]], checker_shares: dict[str, list[float]], args: Any
) -> dict[str, float]:
    """Each direction's own threshold, where its dev facts are enough to choose one.

    The least rank share that at most ``--max-false-alarm`` of its true dev values exceed, and, where at least
    ``--min-checker-facts`` of them have a holder with other values (the only case where the checker can call a
    value implausible; a value linked to the holder by another fact counts as never flagged), also at most that
    share of those: the stricter of the two. Over all true values, one relation's false alarms can hide among
    holders with one value; the second bound is on the false alarms a user would meet. The directions left
    out are :func:`pooled_threshold`'s.
    """
    return {
        key: _bounded(shares, checker_shares.get(key, []), args)
        for key, shares in true_shares.items()
        if len(shares) >= args.min_dev_facts
    }


def pooled_threshold(
    true_shares: dict[str, list[float]], checker_shares: dict[str, list[float]], args: Any
) -> dict[str, Any] | None:
    """One threshold for the directions with some but too few dev facts, chosen on their facts pooled.

    ``{"threshold", "directions", "dev_facts", "dev_facts_with_other_values"}``, or ``None`` when ``--no-pool``
    is given or the pool holds fewer than ``--min-dev-facts`` facts (the small directions then stay silent).
    The bounds are :func:`dev_thresholds`' own.
    """
    if getattr(args, "no_pool", False):
        return None
    small = sorted(k for k, v in true_shares.items() if 0 < len(v) < args.min_dev_facts)
    shares = [x for k in small for x in true_shares[k]]
    if len(shares) < args.min_dev_facts:
        return None
    checker = [x for k in small for x in checker_shares.get(k, [])]
    return {
        "threshold": _bounded(shares, checker, args),
        "directions": small,
        "dev_facts": len(shares),
        "dev_facts_with_other_values": len(checker),
    }


__all__ = ["choose_threshold", "dev_thresholds", "pooled_threshold"]
