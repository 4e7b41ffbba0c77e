"""Each suite end to end on tiny fixtures, with fake models injected through monkeypatch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kgqa.bench import cli, nli_suite, openqa_suite, qa_suite, speed_suite
from kgqa.bench.report import REQUIRED_KEYS
from kgqa.errors import KGQAError

KNOWN = {
    "Who wrote Hamlet?": "William Shakespeare",
    "Where is Hamlet set?": "Denmark",
    "What is the capital of France?": "Paris",
    "When was the Eiffel Tower completed?": "1889",
    "Who painted the Mona Lisa?": "Leonardo da Vinci",
    # q6 ("Which museum is the most visited?") unknown: the fake answers the first word, "The"
}


def _bench(argv):
    """Run ``python -m kgqa.bench ARGV`` in-process and return the parsed results.json."""
    assert cli.main(argv) == 0
    out = argv[argv.index("--out") + 1]
    with open(f"{out}/results.json") as fh:
        return json.load(fh)


def _check_common(res, out, suite):
    for key in REQUIRED_KEYS:
        assert key in res, key
    assert res["suite"] == suite
    assert res["hardware"]["cores"] >= 1 and "torch_threads" in res["hardware"]
    assert len(res["data"]["sha256"]) == 64
    assert (out / "results.md").read_text().startswith(f"# kgqa bench `{suite}`")
    for plot in res["plots"]:
        assert (out / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_nli_suite_two_way_with_groups(tmp_path, fixtures, fake_nli, monkeypatch):
    monkeypatch.setattr(nli_suite, "load_model", lambda ns: fake_nli)
    out = tmp_path / "nli"
    res = _bench(["nli", "--data", str(fixtures / "nli_tiny.jsonl"), "--out", str(out)])
    _check_common(res, out, "nli")
    assert res["n"] == 10 and res["label_mode"] == "2-way"
    assert res["labels"] == ["entailment", "non-entailment"]
    # the fake predicts entailment iff every hypothesis word is in the premise: all but h6 and h10;
    # h1, h3, h5, h8 are non-entailment -> wrong; 6 of 10 right
    assert res["accuracy"] == pytest.approx(0.6)
    assert res["confusion_matrix"] == [[4, 0], [4, 2]]
    assert res["per_label"]["non-entailment"]["recall"] == pytest.approx(2 / 6)
    assert set(res["per_group"]) == {"heuristic", "subcase"}
    assert res["per_group"]["heuristic"]["lexical_overlap"]["accuracy"] == pytest.approx(1 / 3)
    assert res["per_group"]["heuristic"]["lexical_overlap"]["by_label"]["non-entailment"]["accuracy"] == 0.0
    assert res["per_group"]["heuristic"]["constituent"]["n"] == 4
    assert 0.0 <= res["ece"] <= 1.0
    assert {"confusion_matrix.png", "reliability.png", "per_group_heuristic.png"} <= set(res["plots"])
    assert res["models"]["nli"]["path"] == "<fake-nli>"


def test_nli_suite_three_way_limit_and_group_by(tmp_path, fake_nli, monkeypatch):
    rows = [
        {"premise": f"A man {w}.", "hypothesis": h, "label": lab, "genre": g}
        for w, h, lab, g in [
            ("runs", "A man runs.", "entailment", "fiction"),
            ("sleeps", "A dog barks.", "neutral", "fiction"),
            ("eats", "Nobody eats.", "contradiction", "travel"),
            ("sings", "A man sings.", "entailment", "travel"),
            ("reads", "-", "-", "travel"),
        ]
    ]  # unlabelled: skipped
    data = tmp_path / "three.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    monkeypatch.setattr(nli_suite, "load_model", lambda ns: fake_nli)
    out = tmp_path / "out"
    res = _bench(["nli", "--data", str(data), "--out", str(out), "--group-by", "genre", "--limit", "3", "--seed", "1"])
    assert res["label_mode"] == "3-way" and res["n"] == 3 and res["limit"] == 3
    assert res["skipped_rows"] == 1
    assert list(res["per_group"]) == ["genre"]
    assert len(res["confusion_matrix"]) == 3
    # the same seed gives the same sample
    res2 = _bench(["nli", "--data", str(data), "--out", str(tmp_path / "o2"), "--limit", "3", "--seed", "1"])
    assert res2["confusion_matrix"] == res["confusion_matrix"]


def test_nli_two_way_collapses_neutral_and_contradiction(fake_nli):
    class Probs:
        labels = ("entailment", "neutral", "contradiction")

        def predict(self, pairs):
            return np.asarray([[0.4, 0.35, 0.25]] * len(pairs))

    rows = [{"premise": "p", "hypothesis": "h", "label": "non-entailment"}]
    res, details = nli_suite.evaluate(Probs(), rows)
    assert details["predictions"] == ["non-entailment"]
    assert details["confidences"][0] == pytest.approx(0.6)


def test_nli_heldout_mnli_uses_mnli_split(tmp_path, fake_nli, monkeypatch):
    (tmp_path / "nli").mkdir()
    lines = [
        {"premise": f"p{i}", "hypothesis": f"h{i}", "label": ["entailment", "neutral", "contradiction"][i % 3]}
        for i in range(20)
    ]
    (tmp_path / "nli" / "mnli_dev_matched.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    monkeypatch.setattr(nli_suite, "load_model", lambda ns: fake_nli)
    from kgqa.train.data import mnli_split

    _, held = mnli_split(tmp_path)
    res = _bench(["nli", "--heldout-mnli", "--data-dir", str(tmp_path), "--out", str(tmp_path / "o")])
    assert res["n"] == len(held) == 10
    assert "held-out" in res["data"]["split"]


def test_nli_user_errors_are_kgqa_errors(tmp_path, fixtures, capsys):
    with pytest.raises(KGQAError):
        ns = cli.build_parser().parse_args(
            ["bench", "nli", "--data", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o")]
        )
        cli.run_bench(ns)
    assert (
        cli.main(["nli", "--data", str(fixtures / "nli_tiny.jsonl"), "--heldout-mnli", "--out", str(tmp_path / "o")])
        == 2
    )
    assert "only one of" in capsys.readouterr().err


def test_qa_suite_v1(tmp_path, fixtures, fake_reader_cls, monkeypatch):
    monkeypatch.setattr(qa_suite, "load_reader", lambda ns: fake_reader_cls(KNOWN))
    out = tmp_path / "qa"
    res = _bench(["qa", "--data", str(fixtures / "squad_tiny.json"), "--out", str(out)])
    _check_common(res, out, "qa")
    assert res["version"] == "1.1" and res["n"] == 6
    # 5 known answers right; q6 answers "The" -> normalises to "" -> EM 0, F1 0
    assert res["exact_match"] == pytest.approx(500 / 6)
    assert res["f1"] == pytest.approx(500 / 6)
    assert "has_ans_f1" not in res
    assert res["per_question_type"]["who"]["n"] == 2
    assert "per_question_type.png" in res["plots"]


def test_qa_suite_v2_threshold(tmp_path, fixtures, fake_reader_cls, monkeypatch):
    data = json.loads((fixtures / "squad_tiny.json").read_text())
    para = data["data"][0]["paragraphs"][0]
    para["qas"].append({"id": "q7", "question": "Who painted Hamlet?", "answers": [], "is_impossible": True})
    v2 = tmp_path / "v2.json"
    v2.write_text(json.dumps(data))
    # the fake gives q7 the span "Hamlet" (score 1); its no-answer score 2.0 beats the threshold 0
    reader = fake_reader_cls(KNOWN, no_answer={"Who painted Hamlet?": 2.0})
    monkeypatch.setattr(qa_suite, "load_reader", lambda ns: reader)
    res = _bench(["qa", "--data", str(v2), "--out", str(tmp_path / "o")])
    assert res["version"] == "2.0" and res["n"] == 7
    assert res["no_ans_f1"] == pytest.approx(100.0)
    assert res["has_ans_f1"] == pytest.approx(500 / 6)
    assert res["exact_match"] == pytest.approx(600 / 7)
    assert res["best_f1"] == pytest.approx(600 / 7)
    assert res["best_no_answer_threshold"] == pytest.approx(-5.0)
    assert "no_answer_threshold.png" in res["plots"]


def test_openqa_suite_dense_and_bm25(tmp_path, fixtures, fake_reader_cls, fake_encoder, fake_index_cls, monkeypatch):
    monkeypatch.setattr(openqa_suite, "load_reader", lambda ns: fake_reader_cls(KNOWN))
    monkeypatch.setattr(openqa_suite, "load_encoder", lambda ns: fake_encoder)
    monkeypatch.setattr(openqa_suite, "build_dense_index", lambda enc, passages: fake_index_cls(enc, passages))
    out = tmp_path / "oq"
    res = _bench(
        [
            "open-qa",
            "--data",
            str(fixtures / "squad_tiny.json"),
            "--out",
            str(out),
            "--retrieve-k",
            "3",
            "--read-k",
            "2",
            "--save-predictions",
        ]
    )
    _check_common(res, out, "open-qa")
    assert res["n_passages"] == 3 and res["n"] == 6
    for system in (res, res["bm25"]):
        for key in ("recall_at_1", "recall_at_3", "mrr", "exact_match", "f1"):
            assert key in system
        assert 0.0 <= system["recall_at_1"] <= system["recall_at_3"] == 1.0  # 3 passages, k = 3
        assert len(system["recall_curve"]) == 3
    assert res["exact_match"] > 0
    assert "recall_at_k.png" in res["plots"]
    assert len((out / "predictions.jsonl").read_text().splitlines()) == 6


def test_openqa_retrieval_metrics_by_hand():
    res = openqa_suite.retrieval_metrics([["a", "b"], ["b", "a"], ["c", "d"]], ["a", "a", "a"], (1, 2))
    assert res["recall_at_1"] == pytest.approx(1 / 3)
    assert res["recall_at_2"] == pytest.approx(2 / 3)
    assert res["mrr"] == pytest.approx((1 + 0.5) / 3)


def test_openqa_reads_each_pair_once(fake_reader_cls):
    reader = fake_reader_cls(KNOWN)
    pairs = [("Who wrote Hamlet?", "p1", "William Shakespeare wrote it.")] * 3
    best = openqa_suite.read_pairs(reader, pairs)
    assert best == {("Who wrote Hamlet?", "p1"): ("William Shakespeare", 10.0)}
    assert reader.calls == 1


def _patch_speed(monkeypatch, fixtures, fake_pipeline_cls, fake_index_cls):
    from kgqa.types import Passage

    passages = [
        Passage("w1", "Hamlet is a tragedy by William Shakespeare."),
        Passage("w2", "Paris is the capital of France."),
        Passage("w3", "Jupiter is the largest planet in the Solar System."),
    ]
    known = {
        "Who wrote Hamlet?": "William Shakespeare",
        "What is the capital of France?": "Paris",
        "What is the largest planet in the Solar System?": "Jupiter",
    }
    pipe = fake_pipeline_cls(passages, known)
    monkeypatch.setattr(speed_suite, "load_pipeline", lambda ns: pipe)
    monkeypatch.setattr(openqa_suite, "build_dense_index", lambda enc, ps: fake_index_cls(enc, ps))

    class FakeST:
        def encode(self, texts, **kw):
            return np.zeros((len(texts), 4))

    monkeypatch.setattr(speed_suite, "load_sentence_transformer", lambda d: FakeST())
    return pipe


def test_speed_suite_builtin_questions(tmp_path, fixtures, fake_pipeline_cls, fake_index_cls, monkeypatch):
    _patch_speed(monkeypatch, fixtures, fake_pipeline_cls, fake_index_cls)
    out = tmp_path / "speed"
    res = _bench(
        ["speed", "--out", str(out), "--no-peers", "--repeat", "1", "--nli-data", str(fixtures / "nli_tiny.jsonl")]
    )
    _check_common(res, out, "speed")
    from kgqa.bench.questions import QUESTIONS

    assert res["n"] == len(QUESTIONS) >= 45
    for key in (
        "ask_latency_p50_ms",
        "ask_latency_p95_ms",
        "ask_questions_per_s",
        "reader_questions_per_s",
        "nli_pairs_per_s",
        "index_build_passages_per_s",
        "encoder_sentences_per_s",
        "peak_rss_mb",
        "sentence_transformers_sentences_per_s",
    ):
        assert res[key] is not None and res[key] > 0, key
    assert res["ask_latency_p50_ms"] <= res["ask_latency_p95_ms"]
    assert res["index_passages"] == 3
    assert res["nli_accuracy"] == pytest.approx(0.6)
    assert res["peers"] == {"skipped": "--no-peers"}
    assert res["ask_exact_match"] > 0  # the three known questions are in the built-in set


def _speed_squad_argv(out, fixtures):
    return [
        "speed",
        "--out",
        str(out),
        "--repeat",
        "1",
        "--limit",
        "5",
        "--data",
        str(fixtures / "squad_tiny.json"),
        "--nli-data",
        str(fixtures / "nli_tiny.jsonl"),
    ]


def test_speed_suite_skips_missing_peers_with_install_hint(
    tmp_path, fixtures, fake_pipeline_cls, fake_index_cls, monkeypatch, caplog
):
    """No peers environment: the peers are skipped with the command that builds it; kgqa's numbers still run."""
    _patch_speed(monkeypatch, fixtures, fake_pipeline_cls, fake_index_cls)
    monkeypatch.setenv(speed_suite.peers.PYTHON_ENV, str(tmp_path / "no-such-venv" / "bin" / "python"))

    def never(*args, **kwargs):
        raise AssertionError("nothing may be exported or run without a peers environment")

    monkeypatch.setattr(speed_suite.peers, "export_plain", never)
    monkeypatch.setattr(speed_suite.peers, "run_peers", never)
    with caplog.at_level("WARNING", logger="kgqa.bench.speed_suite"):
        res = _bench(_speed_squad_argv(tmp_path / "s", fixtures))
    skipped = res["peers"]["skipped"]
    assert list(res["peers"]) == ["skipped"]
    assert "KGQA_PEERS_PYTHON" in skipped and "-m venv" in skipped and "-m pip install" in skipped
    assert "peers skipped" in caplog.text and "-m pip install" in caplog.text
    assert res["n"] == 5 and res["reader_questions_per_s"] > 0 and res["nli_pairs_per_s"] > 0


def test_speed_suite_peers_error_is_recorded(tmp_path, fixtures, fake_pipeline_cls, fake_index_cls, monkeypatch):
    _patch_speed(monkeypatch, fixtures, fake_pipeline_cls, fake_index_cls)
    monkeypatch.setattr(speed_suite.peers, "find_peers", lambda: (tmp_path / "python", {"torch": "2.13.0"}))
    monkeypatch.setattr(speed_suite.peers, "export_plain", lambda model_dir, head, out: out)

    def broken_runner(python, payload, workdir, timeout):
        assert len(payload["questions"]) == 5 and payload["nli_pairs"]
        raise speed_suite.peers.PeersRunError("the peers runner exited 1: boom")

    monkeypatch.setattr(speed_suite.peers, "run_peers", broken_runner)
    res = _bench(_speed_squad_argv(tmp_path / "s", fixtures))
    assert res["peers"] == {"error": "the peers runner exited 1: boom"}
    assert res["n"] == 5 and res["reader_passages_per_question"] == 1.0


def test_speed_compare_peers_ratios():
    from kgqa.bench.questions import BenchQuestion

    qs = [BenchQuestion("a", "Who?", ("Ann",), "t"), BenchQuestion("b", "What?", ("Box",), "t")]
    kgqa_res = {"reader_questions_per_s": 10.0, "nli_pairs_per_s": 40.0}
    kgqa_preds = {"reader": {"a": "Ann", "b": "Box"}, "nli": ["entailment", "neutral"]}
    peer_out = {
        "versions": {"transformers": "4.57.6"},
        "errors": {},
        "haystack": {"times": [0.5, 0.4, 0.6], "predictions": {"a": "Ann", "b": "Bag"}},
        "hf_pipeline": {"times": [0.1], "predictions": {"a": "Ann", "b": "Box"}},
        "cross_encoder": {"times": [0.1], "labels": ["entailment", "contradiction"]},
    }
    res = speed_suite.compare_peers(kgqa_res, kgqa_preds, peer_out, qs, ["entailment", "non-entailment"], 2)
    assert res["haystack"]["questions_per_s"] == pytest.approx(4.0)
    assert res["haystack"]["ratio"] == pytest.approx(2.5)
    assert res["haystack"]["exact_match"] == pytest.approx(50.0)
    assert res["haystack"]["same_answer_as_kgqa"] == pytest.approx(0.5)
    assert res["hf_pipeline"]["ratio"] == pytest.approx(0.5)
    assert res["cross_encoder"]["ratio"] == pytest.approx(2.0)
    assert res["cross_encoder"]["accuracy"] == pytest.approx(1.0)  # contradiction -> non-entailment
    assert res["cross_encoder"]["same_label_as_kgqa"] == pytest.approx(0.5)


def test_builtin_questions_are_well_formed():
    from kgqa.bench.questions import QUESTIONS

    assert 45 <= len(QUESTIONS) <= 60
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)
    assert len({q.question for q in QUESTIONS}) == len(QUESTIONS)
    assert all(q.question.endswith("?") and q.answers for q in QUESTIONS)
    topics = {q.topic for q in QUESTIONS}
    assert {"writers", "capitals", "scientists", "inventions", "planets"} <= topics
