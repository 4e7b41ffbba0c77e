"""``kgqa bench labelled-claims``: people's true and false claims, checked on a world; how often a true one comes back false.

The claims come from a public file nobody here wrote (CREAK's entity claims, or any file of claims with
a true/false label), not from the graph the checker reads, so the suite measures what the checker
does with the wording and the knowledge it meets in use. Every claim is checked with
:meth:`kgqa.Pipeline.check` on a world (``--world``), and reported:

- **true claims:** the shares ``supported``, ``unknown`` and ``contradicted``. ``contradicted`` is a
  false contradiction, the worst error kgqa can make: its count, its 95% Wilson upper bound, and each
  one with the rule and the evidence that made it.
- **false claims:** the same shares; ``contradicted`` is a catch, ``supported`` a false support.
- **precision of ``contradicted``:** the share of contradicted claims that are false.

Most such claims are about things a graph like FB15k-237 does not hold (CREAK asks commonsense about
entities), so ``unknown`` is the expected status for most of them: open world.

The claims are split in two halves by a hash of each row's id (``--split dev|test|all``, default
``test``): the ``dev`` half is for reading errors and choosing fixes, the ``test`` half for reporting
once after a change.

File format (JSON list or JSON lines; detected from the fields of the first row):

==============  =========================================  ================================
field           names tried, in order                      values
==============  =========================================  ================================
claim text      ``sentence``, ``claim``, ``text``          a statement
label           ``label``                                  ``true``/``false``, ``1``/``0``,
                                                           ``SUPPORTS``/``REFUTES``
id (for split)  ``ex_id``, ``id`` (else the row number)    any
==============  =========================================  ================================
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from kgqa.bench.fact_claims_suite import STATUSES, seconds_summary, status_rates
from kgqa.bench.tog_suite import add_world_arguments, load_world
from kgqa.errors import InputError

TEXT_FIELDS = ("sentence", "claim", "text")
ID_FIELDS = ("ex_id", "id")
LABELS = {"true": True, "1": True, "supports": True, "false": False, "0": False, "refutes": False}
SPLITS = ("dev", "test", "all")


def read_claims(path: str | Path) -> list[dict[str, Any]]:
    """``[{"id", "claim", "true"}]`` from a JSON list or JSON-lines file of labelled claims.

    Raises:
        InputError: the file is missing or unreadable, holds no rows, lacks a claim or label field, or
            a row has an empty claim or a label that is neither true nor false.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file; pass --data a JSON or JSON-lines file of labelled claims")
    text = p.read_text(encoding="utf-8")
    try:
        rows = (
            json.loads(text)
            if text.lstrip().startswith("[")
            else [json.loads(x) for x in text.splitlines() if x.strip()]
        )
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: not JSON or JSON lines ({exc}); each row needs a claim and a label") from exc
    if not rows or not all(isinstance(r, dict) for r in rows):
        raise InputError(f"{p}: expected a list of objects with a claim and a label, found none")
    field = next((f for f in TEXT_FIELDS if f in rows[0]), None)
    if field is None or "label" not in rows[0]:
        raise InputError(
            f"{p}: the first row has no {'claim field (' + ', '.join(TEXT_FIELDS) + ')' if field is None else 'label'}; "
            'a labelled claim file has e.g. {"sentence": ..., "label": "true"}'
        )
    id_field = next((f for f in ID_FIELDS if f in rows[0]), None)
    out = []
    for i, row in enumerate(rows, 1):
        claim = str(row.get(field) or "").strip()
        label = LABELS.get(str(row.get("label", "")).strip().lower())
        if not claim:
            raise InputError(f"{p}: row {i} has an empty {field!r}; every row needs a claim")
        if label is None:
            raise InputError(f"{p}: row {i} has label {row.get('label')!r}; use true/false, 1/0 or SUPPORTS/REFUTES")
        out.append({"id": str(row[id_field]) if id_field else str(i), "claim": claim, "true": label})
    return out


def split_of(row_id: str, seed: int = 0) -> str:
    """``dev`` or ``test``: a seeded hash of the row's id, half and half.

    Example:
        >>> sorted({split_of(str(i)) for i in range(20)})
        ['dev', 'test']
    """
    digest = hashlib.sha256(f"{seed}:{row_id}".encode()).digest()
    return "dev" if digest[0] < 128 else "test"


def evaluate(pipe: Any, claims: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Check every claim; return the results and one record per claim."""
    from kgqa.bench.common import progress

    records = []
    for row in progress(claims, total=len(claims), desc="labelled-claims", unit="claim"):
        start = time.perf_counter()
        check = pipe.check(row["claim"])
        seconds = time.perf_counter() - start
        wrong = check.status == ("contradicted" if row["true"] else "supported")
        records.append(
            {
                "id": row["id"],
                "claim": row["claim"],
                "true": row["true"],
                "status": check.status,
                "rule": check.rule,
                "evidence": (check.evidence[0].text[:300] if check.evidence else "") if wrong else "",
                "seconds": round(seconds, 3),
            }
        )
    true_rows = [r for r in records if r["true"]]
    false_rows = [r for r in records if not r["true"]]
    contradicted = [r for r in records if r["status"] == "contradicted"]
    results: dict[str, Any] = {
        "true_claims": status_rates(true_rows, "contradicted", rules=True),
        "false_claims": status_rates(false_rows, "supported", rules=True),
        "contradicted_precision": (
            sum(not r["true"] for r in contradicted) / len(contradicted) if contradicted else None
        ),
        "supported_precision": (
            sum(r["true"] for r in records if r["status"] == "supported")
            / max(sum(r["status"] == "supported" for r in records), 1)
        ),
        "false_contradictions": [
            {k: r[k] for k in ("id", "claim", "rule", "evidence")} for r in true_rows if r["status"] == "contradicted"
        ],
        "false_supports": [
            {k: r[k] for k in ("id", "claim", "rule", "evidence")} for r in false_rows if r["status"] == "supported"
        ],
    }
    results["check_s"] = seconds_summary(records)
    return results, records


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the ``labelled-claims`` suite."""
    add_world_arguments(p)
    p.add_argument(
        "--data",
        required=True,
        metavar="FILE",
        help="labelled claims, JSON or JSON lines (e.g. $KGQA_DATA/kgqa/tog/creak.json)",
    )
    p.add_argument(
        "--split",
        choices=SPLITS,
        default="test",
        help="which half by a hash of the row id: dev (to read errors), test (to report; default), all",
    )
    p.add_argument("--save-cases", action="store_true", help="also write cases.jsonl (every claim with its result)")


def run(ns: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Read the claims, check the chosen half on the world and report the statuses per label."""
    from kgqa.bench.report import data_info, model_info, plot_bars, write_records

    claims = read_claims(ns.data)
    if ns.split != "all":
        claims = [c for c in claims if split_of(c["id"]) == ns.split]
    if ns.limit:
        import random

        claims = random.Random(ns.seed).sample(claims, min(ns.limit, len(claims)))
    if not claims:
        raise InputError(f"{ns.data}: no claim in the {ns.split} half; pass --split all")
    pipe, cost = load_world(ns)
    results, records = evaluate(pipe, claims)
    results["n"] = len(records)
    results["world_cost"] = cost
    results["data"] = data_info(ns.data, split=ns.split, split_rule="kgqa.bench.labelled_claims_suite.split_of")
    results["models"] = {"nli": model_info(getattr(getattr(pipe, "nli", None), "model_dir", None))}
    results["notes"] = [
        "claims written by people, not generated from the graph the checker reads; open world: a claim the "
        "world holds nothing about is 'unknown'",
        "true_claims.contradicted counts false contradictions; false_claims.supported counts false supports",
    ]
    if ns.save_cases:
        results["cases"] = write_records(out / "cases.jsonl", records)
    rows = [results["true_claims"], results["false_claims"]]
    plot = plot_bars(
        ["true claims", "false claims"],
        {status: [r[f"{status}_rate"] for r in rows] for status in STATUSES},
        out / "statuses.png",
        title="labelled claims checked on a world: statuses",
        ylabel="share of claims",
    )
    results["plots"] = [plot.name]
    return results
