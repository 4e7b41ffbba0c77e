"""``kgqa bench labelled-claims``: people's true and false claims checked on a world (toy checker, real CLI)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from kgqa.bench import cli, labelled_claims_suite
from kgqa.bench.labelled_claims_suite import evaluate, read_claims, split_of
from kgqa.errors import InputError
from kgqa.types import Evidence, PremiseCheck


def _write(path: Path, rows: list[dict], lines: bool = False) -> Path:
    text = "\n".join(json.dumps(r) for r in rows) if lines else json.dumps(rows)
    path.write_text(text, encoding="utf-8")
    return path


CREAK_ROWS = [
    {"ex_id": "dev_0", "sentence": "Eating soup means eating only solids.", "label": "false"},
    {"ex_id": "dev_1", "sentence": "The olive tree grows in the Mediterranean.", "label": "true"},
]


def test_read_claims_takes_creak_and_fever_shapes(tmp_path: Path) -> None:
    creak = read_claims(_write(tmp_path / "creak.json", CREAK_ROWS))
    assert creak == [
        {"id": "dev_0", "claim": "Eating soup means eating only solids.", "true": False},
        {"id": "dev_1", "claim": "The olive tree grows in the Mediterranean.", "true": True},
    ]
    fever = [
        {"id": 7, "claim": "Oslo is in Norway.", "label": "SUPPORTS"},
        {"id": 8, "claim": "X.", "label": "REFUTES"},
    ]
    got = read_claims(_write(tmp_path / "fever.jsonl", fever, lines=True))
    assert [(c["id"], c["true"]) for c in got] == [("7", True), ("8", False)]
    numbered = read_claims(_write(tmp_path / "n.json", [{"text": "A claim.", "label": 1}]))
    assert numbered == [{"id": "1", "claim": "A claim.", "true": True}]  # no id field: the row number


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "objects with a claim"),
        ("{not json", "not JSON"),
        (json.dumps([{"question": "Why?", "label": "true"}]), "no claim field"),
        (json.dumps([{"sentence": "A claim."}]), "no label"),
        (json.dumps([{"sentence": "A claim.", "label": "maybe"}]), "row 1 has label 'maybe'"),
        (json.dumps([{"sentence": " ", "label": "true"}]), "row 1 has an empty 'sentence'"),
    ],
)
def test_read_claims_names_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_claims(path)
    with pytest.raises(InputError, match="no such file"):
        read_claims(tmp_path / "missing.json")


def test_split_of_is_a_stable_half() -> None:
    ids = [f"dev_{i}" for i in range(400)]
    halves = [split_of(i) for i in ids]
    assert halves == [split_of(i) for i in ids]  # the same row always falls in the same half
    assert 150 < halves.count("dev") < 250
    assert [split_of(i, seed=1) for i in ids] != halves  # another seed, another split


def _pipe(statuses: dict[str, str]) -> SimpleNamespace:
    """A stand-in for Pipeline.check: a fixed status per claim, with one piece of evidence."""

    def check(text: str) -> PremiseCheck:
        status = statuses[text]
        return PremiseCheck(
            text=text,
            status=status,
            confidence=0.9,
            evidence=(Evidence("passage", "neutral", f"evidence for {text}"),),
            rule="passage_nli" if status != "unknown" else "fact_unknown",
        )

    return SimpleNamespace(check=check)


def test_evaluate_counts_false_contradictions_catches_and_false_supports() -> None:
    claims = [
        {"id": "1", "claim": "true and supported", "true": True},
        {"id": "2", "claim": "true but contradicted", "true": True},
        {"id": "3", "claim": "true and unknown", "true": True},
        {"id": "4", "claim": "false and caught", "true": False},
        {"id": "5", "claim": "false but supported", "true": False},
    ]
    statuses = {
        "true and supported": "supported",
        "true but contradicted": "contradicted",
        "true and unknown": "unknown",
        "false and caught": "contradicted",
        "false but supported": "supported",
    }
    res, records = evaluate(_pipe(statuses), claims)
    assert res["true_claims"]["contradicted"] == 1 and res["true_claims"]["n"] == 3
    assert res["true_claims"]["supported_rate"] == pytest.approx(1 / 3)
    assert res["false_claims"]["supported"] == 1 and res["false_claims"]["contradicted_rate"] == pytest.approx(0.5)
    assert res["contradicted_precision"] == pytest.approx(0.5)  # one of the two contradicted claims is false
    assert res["supported_precision"] == pytest.approx(0.5)
    assert [r["claim"] for r in res["false_contradictions"]] == ["true but contradicted"]
    assert res["false_contradictions"][0]["evidence"] == "evidence for true but contradicted"
    assert [r["claim"] for r in res["false_supports"]] == ["false but supported"]
    assert [r["evidence"] for r in records if r["claim"] == "true and supported"] == [""]  # kept for errors only


def test_evaluate_without_contradictions_has_no_precision() -> None:
    res, _ = evaluate(_pipe({"a": "unknown"}), [{"id": "1", "claim": "a", "true": True}])
    assert res["contradicted_precision"] is None and res["true_claims"]["contradicted"] == 0


def test_suite_runs_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"ex_id": f"r{i}", "sentence": f"claim {i}", "label": "true" if i % 2 else "false"} for i in range(40)]
    data = _write(tmp_path / "claims.json", rows)
    pipe = _pipe({f"claim {i}": "unknown" if i % 3 else "supported" for i in range(40)})
    monkeypatch.setattr(labelled_claims_suite, "load_world", lambda ns: (pipe, {"world": str(tmp_path / "w")}))
    out = tmp_path / "out"
    assert cli.main(["labelled-claims", "--data", str(data), "--split", "dev", "--save-cases", "--out", str(out)]) == 0
    res = json.loads((out / "results.json").read_text())
    dev = [r for r in rows if split_of(r["ex_id"]) == "dev"]
    assert res["n"] == len(dev) and res["data"]["split"] == "dev" and res["data"]["file"] == "claims.json"
    assert (out / "statuses.png").is_file() and len((out / "cases.jsonl").read_text().splitlines()) == len(dev)
    # negative: a file that is not a claim file is a clear error (exit 2), and so is a missing one
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"question": "Why?"}]), encoding="utf-8")
    assert cli.main(["labelled-claims", "--data", str(bad), "--out", str(tmp_path / "x")]) == 2
    assert cli.main(["labelled-claims", "--data", str(tmp_path / "none.json"), "--out", str(tmp_path / "y")]) == 2
