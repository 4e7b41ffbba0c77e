"""``kgqa bench single-valued``: how often a single-valued refutation would call a true, missing fact false.

The fact-sentence check (:mod:`kgqa.checks.fact_sentences`) refutes a claim with a fact of the claim's
relation only where the relation is nearly single-valued on the holder's side by the data (at least
``fact_single_valued_share`` of at least :data:`~kgqa.checks.fact_sentences.MIN_HOLDERS` holders have
one value) and the holder has exactly one value, another than the claim's. A graph is an open world:
a holder with one recorded value may have a second, true one the graph misses (a dual citizen, a
city that was the capital of two states). This suite measures that risk on facts that come in two
files, the *known* facts (the graph as the checker reads it) and *held-out* true facts it does not
hold: the train and the valid (or test) split of a knowledge-graph completion data set.

For each share threshold of ``--shares``, over the held-out facts whose relation side qualifies on the
known facts (both sides of every fact: its subject and its object as the holder):

- ``false_refutation_rate``: the share the rule would refute: the holder has one known value and it
  is another. A strong NLI contradiction between the two values' sentences turns each into a false
  contradiction, so this is the rule's exposure, an upper bound of what the checker does;
- ``qualifying_rate``: the share of all held-out facts (sides) on relation sides that qualify: what the
  rule may speak about at all;
- ``chosen_share``: the lowest threshold whose false-refutation rate is at most ``--max-false``. Choose
  on a validation split and report on a test split; the NLI model is not run.

The same is measured for the two-sided rule (``two_sided``, config ``fact_two_sided_share``): a relation
mostly single-valued on *both* sides (each side's share at least the threshold), where the holder has one
value, another than the claim's, and the claim's value is itself tied by the relation to one holder,
another than the claim's ("Wellington is the capital of Spain": Spain's one capital is Madrid, and
Wellington is the capital of New Zealand). Over a held-out fact it fires only where both of its ends
have another single value.

Counting is hand-written: it is three dictionary passes over (head, relation, tail) rows, which no
library offers as one call.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from typing import Any

from kgqa.bench.common import resolve_data, seeded_sample
from kgqa.errors import InputError

#: the default files, inside the data directory
KNOWN = "kg/fb15k237/train.txt"
HELD_OUT = "kg/fb15k237/valid.txt"
SHARES = "0.8,0.82,0.84,0.86,0.88,0.9,0.92,0.94,0.96,0.98,1.0"

Side = tuple[str, int]  # (relation, 0: the subject holds the values, 1: the object holds them)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``kgqa bench single-valued``."""
    p.add_argument("--known", default=None, help=f"the graph's facts, TSV head/relation/tail (default: {KNOWN})")
    p.add_argument("--held-out", default=None, help=f"true facts the graph lacks, same format (default: {HELD_OUT})")
    p.add_argument("--shares", default=SHARES, help="comma-separated share thresholds to measure")
    p.add_argument("--max-false", type=float, default=0.05, help="the false-refutation rate the chosen share keeps")
    p.add_argument("--min-holders", type=int, default=None, help="least holders of a relation side (default: kgqa's)")
    p.add_argument(
        "--negatives",
        default=None,
        help="verified false facts, same format (e.g. CoDEx's test_negatives.txt): the share the rule refutes",
    )


def read_triples(path: Path) -> list[tuple[str, str, str]]:
    """The (head, relation, tail) rows of a tab-separated file; a malformed line is an :class:`InputError`."""
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                raise InputError(f"{path}:{n}: expected head<TAB>relation<TAB>tail, got {len(parts)} fields")
            rows.append((parts[0], parts[1], parts[2]))
    return rows


def _values(rows: list[tuple[str, str, str]]) -> dict[Side, dict[str, set[str]]]:
    out: dict[Side, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for h, r, t in rows:
        out[(r, 0)][h].add(t)
        out[(r, 1)][t].add(h)
    return out


def _refutations(
    values: dict[Side, dict[str, set[str]]],
    share: dict[Side, tuple[int, float]],
    facts: list[tuple[str, str, str]],
    min_holders: int,
) -> list[list[tuple[float, bool, Side]]]:
    """Per fact, one row per qualifying side: (the side's share, whether the rule refutes the fact there, side)."""
    out = []
    for h, r, t in facts:
        rows = []
        for side, holder, value in (((r, 0), h, t), ((r, 1), t, h)):
            n, sh = share.get(side, (0, 0.0))
            if n < min_holders:
                continue
            own = values[side].get(holder, set())
            rows.append((sh, len(own) == 1 and value not in own, side))
        out.append(rows)
    return out


def _two_sided(
    values: dict[Side, dict[str, set[str]]],
    share: dict[Side, tuple[int, float]],
    facts: list[tuple[str, str, str]],
    min_holders: int,
) -> list[tuple[float, bool, str]]:
    """Per fact whose relation qualifies on both sides: (the lower share, whether the two-sided rule refutes it, relation)."""
    out = []
    for h, r, t in facts:
        (n0, s0), (n1, s1) = share.get((r, 0), (0, 0.0)), share.get((r, 1), (0, 0.0))
        if min(n0, n1) < min_holders:
            continue
        own, back = values[(r, 0)].get(h, set()), values[(r, 1)].get(t, set())
        fires = len(own) == 1 and t not in own and len(back) == 1 and h not in back
        out.append((min(s0, s1), fires, r))
    return out


def _point(sel: list[tuple[float, bool, Any]], total: int, s: float) -> dict[str, Any]:
    return {
        "share": s,
        "qualifying": len(sel),
        "qualifying_rate": len(sel) / total if total else 0.0,
        "false_refutations": sum(x[1] for x in sel),
        "false_refutation_rate": sum(x[1] for x in sel) / len(sel) if sel else 0.0,
        "sides": len({x[2] for x in sel}),
    }


def single_valued_risk(
    known: list[tuple[str, str, str]],
    held_out: list[tuple[str, str, str]],
    shares: list[float],
    min_holders: int,
    negatives: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """The false-refutation rate per share threshold (module docstring), with per-side counts.

    With ``negatives`` (facts verified false), each share's row also gives ``negatives_refuted_rate``: the
    share of them the rule refutes on at least one side, what it catches of real errors.
    """
    values = _values(known)
    share = {
        side: (len(holders), sum(len(v) == 1 for v in holders.values()) / len(holders))
        for side, holders in values.items()
        if holders
    }
    # one row per held-out fact and side: (the side's share, whether the rule would refute the true fact, side)
    rows = [row for fact in _refutations(values, share, held_out, min_holders) for row in fact]
    false_facts = _refutations(values, share, list(negatives), min_holders)
    both = _two_sided(values, share, held_out, min_holders)
    both_false = _two_sided(values, share, list(negatives), min_holders)
    curve, two_sided = [], []
    for s in shares:
        point = _point([x for x in rows if x[0] >= s], len(rows), s)
        pair = _point([x for x in both if x[0] >= s], len(held_out), s)
        if false_facts:
            caught = sum(any(sh >= s and fires for sh, fires, _ in fact) for fact in false_facts)
            point["negatives_refuted"] = caught
            point["negatives_refuted_rate"] = caught / len(false_facts)
            caught = sum(sh >= s and fires for sh, fires, _ in both_false)
            pair["negatives_refuted"] = caught
            pair["negatives_refuted_rate"] = caught / len(false_facts)
        curve.append(point)
        two_sided.append(pair)
    per_side: dict[str, dict[str, Any]] = {}
    for sh, fires, side in rows:
        key = f"{side[0]} ({'subject' if side[1] == 0 else 'object'} side)"
        row = per_side.setdefault(key, {"share": round(sh, 4), "held_out": 0, "false_refutations": 0})
        row["held_out"] += 1
        row["false_refutations"] += int(fires)
    return {"rows": len(rows), "curve": curve, "per_side": per_side, "two_sided": two_sided}


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Measure the refutation rule's exposure per share threshold and choose the share that keeps ``--max-false``."""
    from kgqa.bench.report import data_info, plot_curves
    from kgqa.checks.fact_sentences import MIN_HOLDERS
    from kgqa.config import PipelineConfig

    try:
        shares = sorted(float(x) for x in str(ns.shares).split(",") if x.strip())
    except ValueError as e:
        raise InputError(f"--shares takes comma-separated numbers, e.g. {SHARES}: {e}") from None
    if not shares or not all(0.0 < s <= 1.0 for s in shares):
        raise InputError(f"--shares must be numbers in (0, 1], got {ns.shares!r}")
    if not 0.0 <= ns.max_false <= 1.0:
        raise InputError(f"--max-false must be in [0, 1], got {ns.max_false}")
    known_path, held_path = resolve_data(ns.known, KNOWN), resolve_data(ns.held_out, HELD_OUT)
    min_holders = ns.min_holders if ns.min_holders is not None else MIN_HOLDERS
    held = seeded_sample(read_triples(held_path), ns.limit, ns.seed)
    neg_path = resolve_data(ns.negatives, ns.negatives) if ns.negatives else None
    negatives = read_triples(neg_path) if neg_path else []
    found = single_valued_risk(read_triples(known_path), held, shares, min_holders, negatives)
    curve = found["curve"]
    within = [c["share"] for c in curve if c["qualifying"] and c["false_refutation_rate"] <= ns.max_false]
    configured = PipelineConfig.fact_single_valued_share
    at_config = next((c for c in curve if abs(c["share"] - configured) < 1e-9), None)
    pairs = found["two_sided"]
    within_pairs = [c["share"] for c in pairs if c["qualifying"] and c["false_refutation_rate"] <= ns.max_false]
    configured_pairs = PipelineConfig.fact_two_sided_share
    out.mkdir(parents=True, exist_ok=True)
    xs = [c["share"] for c in curve]
    plot = plot_curves(
        xs,
        {
            "refuted (of the qualifying true held-out facts)": [c["false_refutation_rate"] for c in curve],
            "qualifying (of all held-out facts)": [c["qualifying_rate"] for c in curve],
            "two-sided: refuted (of its qualifying true facts)": [c["false_refutation_rate"] for c in pairs],
            **(
                {"refuted (of the verified false facts)": [c["negatives_refuted_rate"] for c in curve]}
                if negatives
                else {}
            ),
        },
        out / "single_valued.png",
        f"single-valued refutation on {held_path.name} against {known_path.name}",
        xlabel="least share of holders with one value",
        ylabel="share",
    )
    # the relation sides the configured share lets refute, those with the most false refutations first
    refuting = {k: v for k, v in found["per_side"].items() if v["share"] >= configured - 5e-5}
    worst = sorted(refuting.items(), key=lambda kv: -kv[1]["false_refutations"])[:10]
    return {
        "n": found["rows"],
        "chosen_share": min(within) if within else None,
        "max_false": ns.max_false,
        "configured_share": configured,
        "at_configured": at_config,
        "curve": curve,
        "two_sided": {
            "chosen_share": min(within_pairs) if within_pairs else None,
            "configured_share": configured_pairs,
            "at_configured": next((c for c in pairs if abs(c["share"] - configured_pairs) < 1e-9), None),
            "curve": pairs,
        },
        "most_false_refutations": dict(worst),
        "plots": [str(plot)],
        "data": data_info(
            held_path,
            known=data_info(known_path),
            note="true facts held out of the graph; the NLI model is not run (the rule's exposure, an upper bound)",
            **({"negatives": data_info(neg_path), "n_negatives": len(negatives)} if neg_path else {}),
        ),
        "models": {},
    }
