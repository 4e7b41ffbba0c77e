"""The markdown card of a link model's short-path judge (``short_paths.md``, written by ``kgqa train short-paths``)."""

from __future__ import annotations

from typing import Any


def _rate(x: Any) -> str:
    return "–" if x is None else f"{x:.3f}"


def _pair(alone: dict[str, Any], both: dict[str, Any], key: str) -> str:
    """``"model alone / with the judge"`` of one rate."""
    return f"{_rate(alone.get(key))} / {_rate(both.get(key))}"


def card(judge: Any) -> str:
    """The card: what was chosen on dev, what test measured, the command that reproduces it."""
    meta = judge.meta
    args = meta.get("args", {})
    lines = [
        "# Short-path judge of the link model",
        "",
        "A claimed value of a relation direction the link model judges is also called implausible when its rank "
        "share is above the direction's looser threshold and no node of at most `max_degree` facts has a fact to the "
        "holder and one to the value (`kgqa.graph.short_paths`). Both were chosen per direction on the link model's "
        "dev facts (never trained on) so that the model and the judge together call at most "
        f"{args.get('max_false_alarm')} of the held-out true values implausible, where the checker would judge them: "
        "the holder has other values and no other fact links the two. Test only reports.",
        "",
        f"- **World:** `{meta.get('world')}`; **link model:** `{meta.get('link_model')}`; split {meta.get('split')}.",
        f"- **Tried:** rank shares {args.get('shares')}, caps {args.get('degrees')}; at least "
        f"{args.get('min_checker_facts')} dev facts per direction.",
        f"- **Directions judged:** {len(judge.directions)}; time {meta.get('minutes')} minutes.",
        "",
        "| split | true values | false alarms: model alone / with the judge | wrong values "
        "| caught: model alone / with the judge |",
        "|---|---:|---:|---:|---:|",
    ]
    for split in ("dev", "test"):
        got = meta.get(split) or {}
        alone, both = got.get("model_alone") or {}, got.get("with_short_paths") or {}
        fa, caught = _pair(alone, both, "false_alarm_rate"), _pair(alone, both, "catch_rate")
        lines.append(f"| {split} | {both.get('true_values')} | {fa} | {both.get('wrong_values')} | {caught} |")
    lines += [
        "",
        "Per direction (test split):",
        "",
        "| direction | rank share | cap | true values | false alarms: model / both | caught: model / both |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    order = sorted(judge.directions.items(), key=lambda kv: -((kv[1].get("test") or {}).get("true_values") or 0))
    for key, entry in order:
        test, alone = entry.get("test") or {}, entry.get("test_model_alone") or {}
        fa, caught = _pair(alone, test, "false_alarm_rate"), _pair(alone, test, "catch_rate")
        lines.append(
            f"| {key} | {entry['rank_share']} | {entry['max_degree']} | {test.get('true_values')} | {fa} | {caught} |"
        )
    lines += [
        "",
        "## Reproduce",
        "",
        "```bash",
        f"kgqa train short-paths --world {args.get('world')} --link-model-dir {args.get('link_model_dir')} "
        f"--degrees {args.get('degrees')} --shares {args.get('shares')} --max-false-alarm {args.get('max_false_alarm')} "
        f"--min-checker-facts {args.get('min_checker_facts')} --max-eval {args.get('max_eval')} --seed {args.get('seed')}",
        "```",
        "",
    ]
    return "\n".join(lines)


__all__ = ["card"]
