"""``kgqa train short-paths``: choose a link model's short-path judge on its dev facts, measure it on its test facts.

The link model (:mod:`kgqa.train.link_model`) calls a claimed value implausible when its rank share
among the relation's values is above the direction's threshold. The short-path judge
(:mod:`kgqa.graph.short_paths`) adds a second way: the rank share is above a looser threshold and no
node of at most ``max_degree`` facts ties the value to the holder. This recipe re-draws the link
model's own split (the seed and shares stored in its ``selection``), so that dev and test are facts the
model never trained on, and reads the dev and test facts of the directions the model judges where the
checker would judge them: the holder has other values and no other fact links the two directly.

For each direction with at least ``--min-checker-facts`` such dev facts it tries every looser threshold
of ``--shares`` (below the model's own) with every cap of ``--degrees`` and keeps the pair that catches
the most wrong values (another value of the direction's range, not one the holder has) while the model
and the judge together call at most ``--max-false-alarm`` of the held-out true values implausible, and
only where it catches more than the model alone. It writes ``short_paths.json`` into the link model's
folder, with the test split's rates beside the dev ones, and ``short_paths.md``. Dev chooses; test only
reports.
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kgqa.errors import InputError

logger = logging.getLogger(__name__)

DEGREES = "25,50,100,200,400,800,1600"
SHARES = "0,0.05,0.1,0.15,0.2,0.3,0.4,0.5"


@dataclass
class ShortPathArgs:
    """Flags of ``kgqa train short-paths``."""

    world: str = ""
    link_model_dir: str = ""
    degrees: str = DEGREES
    shares: str = SHARES
    max_false_alarm: float = 0.05
    min_checker_facts: int = 20
    max_eval: int = 20000
    seed: int = 13


def parse_grid(text: str, flag: str, kind: type) -> list[Any]:
    """``"25,50"`` -> ``[25, 50]`` (ascending, no repeats); ``kind`` is ``int`` (positive) or ``float`` (in [0, 1])."""
    try:
        found = sorted({kind(x) for x in text.split(",") if x.strip()})
    except ValueError as exc:
        raise InputError(f"{flag}: give numbers separated by commas, not {text!r}") from exc
    ok = bool(found) and (found[0] >= 1 if kind is int else 0 <= found[0] and found[-1] <= 1)
    if not ok:
        raise InputError(
            f"{flag}: give {'positive whole numbers' if kind is int else 'shares in [0, 1]'}, not {text!r}"
        )
    return found


@dataclass
class Case:
    """One held-out value as the checker would judge it."""

    key: str
    true: bool
    rank_share: float
    threshold: float
    #: the fewest facts of a node tying the value to the holder (``None``: none under the largest cap)
    degree: int | None
    judged: bool

    def flagged(self, rule: tuple[float, int] | None) -> bool:
        """Whether the model, or the judge with ``rule = (rank share threshold, cap)``, calls the value implausible."""
        if self.rank_share > self.threshold:
            return True
        if rule is None or not self.judged:
            return False
        share, cap = rule
        return self.rank_share > share and (self.degree is None or self.degree > cap)


def collect(
    kg: Any,
    model: Any,
    facts: list[tuple[str, str, str]],
    values: dict[str, dict[str, set[str]]],
    links: Any,
    max_degree: int,
    max_eval: int,
    seed: int,
) -> list[Case]:
    """The true and wrong cases of ``facts`` in the directions the model judges, where the checker would judge them."""
    from kgqa.bench.common import progress
    from kgqa.graph.link_model import relation_key
    from kgqa.graph.short_paths import linking_node

    rng = random.Random(seed)
    todo = [
        (h, p, t, inv)
        for s, p, o in facts
        for inv, h, t in ((False, s, o), (True, o, s))
        if relation_key(p, inv) in model.thresholds
    ]
    rng.shuffle(todo)
    out: list[Case] = []
    for h, p, t, inv in progress(todo[:max_eval], total=min(len(todo), max_eval), desc="short paths", unit="fact"):
        key = relation_key(p, inv)
        have = values[key].get(h, set())
        known = sorted(have - {t})
        if not known:
            continue  # the checker judges a value only where the graph holds others
        wrong = model.entities[int(rng.choice(model.ranges[key].tolist()))]
        for value, true in ((t, True), (wrong, False)):
            if not true and value in have:
                continue
            # as the checker: a value another fact links to the holder is never implausible
            if links[frozenset((h, value))] > (1 if true else 0):
                continue
            judged = model.plausibility(h, p, value, known, inv)
            if judged is None:
                continue
            found = linking_node(kg, h, value, max_degree)
            out.append(Case(key, true, judged.rank_share, judged.threshold, found.degree, found.judged))
    return out


def rates(cases: list[Case], rule: tuple[float, int] | dict[str, tuple[float, int]] | None) -> dict[str, Any]:
    """False alarms on the true cases and the catch rate on the wrong ones.

    ``rule``: the judge's ``(rank share threshold, cap)`` for every case, one per direction (a direction
    without one: the model alone), or ``None`` (the model alone).
    """

    def flagged(c: Case) -> bool:
        return c.flagged(rule.get(c.key) if isinstance(rule, dict) else rule)

    true = [flagged(c) for c in cases if c.true]
    wrong = [flagged(c) for c in cases if not c.true]
    return {
        "true_values": len(true),
        "false_alarm_rate": round(sum(true) / len(true), 4) if true else None,
        "wrong_values": len(wrong),
        "catch_rate": round(sum(wrong) / len(wrong), 4) if wrong else None,
    }


def choose_rules(
    cases: list[Case], shares: list[float], degrees: list[int], max_false_alarm: float, min_facts: int
) -> dict[str, dict]:
    """Per direction, the ``(rank share, cap)`` with the most wrong values caught within the false-alarm limit."""
    by_key: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        by_key[c.key].append(c)
    chosen: dict[str, dict] = {}
    for key, mine in sorted(by_key.items()):
        if sum(c.true for c in mine) < min_facts:
            continue
        alone = rates(mine, None)
        best: tuple[tuple[float, float, float, int], float, int, dict] | None = None
        for share in shares:
            for cap in degrees:
                got = rates(mine, (share, cap))
                if got["false_alarm_rate"] is None or got["false_alarm_rate"] > max_false_alarm:
                    continue
                catch = got["catch_rate"] or 0.0
                if catch <= (alone["catch_rate"] or 0.0):
                    continue
                # most caught; then fewest false alarms; then the stricter judge (higher share, smaller cap)
                rank = (catch, -got["false_alarm_rate"], share, -cap)
                if best is None or rank > best[0]:
                    best = (rank, share, cap, got)
        if best is not None:
            chosen[key] = {"rank_share": best[1], "max_degree": best[2], "dev": best[3], "dev_model_alone": alone}
    return chosen


def run(args: ShortPathArgs) -> dict[str, Any]:
    """Choose the judge on the link model's dev facts, measure it on its test facts, write ``short_paths.json``."""
    from kgqa.config import PipelineConfig
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.link_model import LinkModel
    from kgqa.graph.short_paths import ShortPathJudge
    from kgqa.train.link_model import directions, eligible_keys, graph_triples, linked_pairs, split_triples
    from kgqa.train.short_paths_card import card

    if not args.world or not args.link_model_dir:
        raise InputError("kgqa train short-paths needs --world (the world's kgqa.json) and --link-model-dir")
    if not 0 <= args.max_false_alarm < 1:
        raise InputError(f"--max-false-alarm is a share in [0, 1), not {args.max_false_alarm}")
    degrees = parse_grid(args.degrees, "--degrees", int)
    shares = parse_grid(args.shares, "--shares", float)
    model = LinkModel.load(args.link_model_dir)
    selection = model.meta.get("selection") or {}
    missing = [k for k in ("seed", "dev_share", "test_share", "min_share", "min_holders") if k not in selection]
    if missing:
        raise InputError(f"{args.link_model_dir}: its link_model.json records no {missing}; retrain the link model")
    start = time.time()
    config = PipelineConfig.load(args.world)
    kg = KnowledgeGraph.open(config.graph_store) if config.graph_store else KnowledgeGraph.load(config.graphs)
    triples = graph_triples(kg)
    values = directions(triples)
    if sorted(values) != model.relations:
        raise InputError(f"{args.link_model_dir} was trained on another graph than {args.world}'s")
    eligible = eligible_keys(values, selection["min_share"], selection["min_holders"])
    focus = {key.removeprefix("inverse ") for key in eligible}
    _, dev, test = split_triples(triples, selection["dev_share"], selection["test_share"], selection["seed"], focus)
    links = linked_pairs(triples)
    dev_cases = collect(kg, model, dev, values, links, degrees[-1], args.max_eval, args.seed)
    test_cases = collect(kg, model, test, values, links, degrees[-1], args.max_eval, args.seed + 1)
    chosen = choose_rules(dev_cases, shares, degrees, args.max_false_alarm, args.min_checker_facts)
    rules = {k: (v["rank_share"], v["max_degree"]) for k, v in chosen.items()}
    for key, entry in chosen.items():
        mine = [c for c in test_cases if c.key == key]
        entry["test"] = rates(mine, rules[key])
        entry["test_model_alone"] = rates(mine, None)
    meta = {
        "world": str(Path(args.world).resolve()),
        "link_model": str(Path(args.link_model_dir).resolve()),
        "args": asdict(args),
        "split": {k: selection[k] for k in ("seed", "dev_share", "test_share")},
        "dev": {"model_alone": rates(dev_cases, None), "with_short_paths": rates(dev_cases, rules)},
        "test": {"model_alone": rates(test_cases, None), "with_short_paths": rates(test_cases, rules)},
        "minutes": round((time.time() - start) / 60, 2),
        "exported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    judge = ShortPathJudge(chosen, meta)
    path = judge.save(args.link_model_dir)
    (Path(args.link_model_dir) / "short_paths.md").write_text(card(judge), encoding="utf-8")
    summary = {"written": str(path), "directions": len(chosen), "dev": meta["dev"], "test": meta["test"]}
    logger.info("short paths: %s", summary)
    return summary


def add_short_paths_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``short-paths`` on the ``kgqa train`` subparsers."""
    helptext = "choose and measure a link model's short-path judge (kgqa.graph.short_paths) on its dev and test facts"
    p = sub.add_parser("short-paths", help=helptext, description=helptext)
    p.add_argument("--world", required=True, help="the kgqa.json of the world the link model was trained on")
    p.add_argument("--link-model-dir", required=True, help="the link model folder; short_paths.json is written there")
    p.add_argument("--degrees", default=DEGREES, help="caps on a linking node's facts to try (default %(default)s)")
    p.add_argument("--shares", default=SHARES, help="looser rank-share thresholds to try (default %(default)s)")
    p.add_argument(
        "--max-false-alarm", type=float, default=0.05, help="most dev false alarms allowed (default %(default)s)"
    )
    p.add_argument(
        "--min-checker-facts", type=int, default=20, help="least dev facts to judge a direction (default %(default)s)"
    )
    p.add_argument("--max-eval", type=int, default=20000, help="most facts read per split (default %(default)s)")
    p.add_argument("--seed", type=int, default=13, help="seed of the fact order and wrong values (default %(default)s)")
    return p


def args_from_namespace(ns: argparse.Namespace) -> ShortPathArgs:
    """The :class:`ShortPathArgs` of a parsed ``kgqa train short-paths`` command line."""
    return ShortPathArgs(**{k: getattr(ns, k) for k in ShortPathArgs.__dataclass_fields__})


__all__ = [
    "Case",
    "ShortPathArgs",
    "add_short_paths_parser",
    "args_from_namespace",
    "choose_rules",
    "collect",
    "parse_grid",
    "rates",
    "run",
]
