"""``kgqa train calibrate-models``: calibrated probabilities of the NLI model and the reader.

* **NLI** (:class:`~kgqa.reader.nli.NLIModel`): one temperature, fitted by minimising the
  negative log-likelihood (scipy) on a seeded half of the NLI recipe's own dev split (the 1,000 MNLI
  pairs carved out of its training half with ``dev_split_seed`` and SICK trial; rebuilt with
  :func:`kgqa.train.nli.nli_training_data` and the seed stored in the model's ``training_args``, so
  never trained on), and scored on the other half.
* **Reader** (:class:`~kgqa.reader.qa.Reader`): two logistic maps (scikit-learn), fitted on a half of
  the reader's carved-out SQuAD-train dev articles (:func:`kgqa.train.unanswerable.split_articles` with
  the ``dev_articles`` and ``dev_split_seed`` of its ``training_args``), each question read against its
  own paragraph, plus one derived unanswerable twin per question
  (:func:`kgqa.train.unanswerable.derive_unanswerable`): the answer map from a span's features
  (:data:`kgqa.reader.qa.SPAN_FEATURES`) to P(SQuAD F1 >= 0.5 against a reference; a twin's spans
  are all wrong), and the no-answer map from the no-answer score to P(no answer). The halves are
  split by paragraph, a twin going with its question.

Each calibration block is written into the model folder's ``kgqa_model.json`` (key ``calibration``),
where the models read it; ``--report DIR`` also writes ``results.json``, ``results.md`` and reliability
diagrams before and after (:mod:`kgqa.train.calibration_report`).

Example:
    kgqa train calibrate-models --nli --reader --limit 750 --report benchmarks/results/calibration-models
"""

from __future__ import annotations

import argparse
import logging
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from kgqa.bench.metrics import expected_calibration_error, f1_score
from kgqa.calibration import PlattScaling, TemperatureScaling
from kgqa.errors import InputError, MissingDependencyError
from kgqa.reader.calibrated import SPAN_FEATURES, ReaderCalibration, span_features
from kgqa.reader.modelio import read_meta, update_meta
from kgqa.reader.nli import LABELS, NLIModel
from kgqa.reader.qa import Reader, no_answer_probability
from kgqa.train.data import NOT_ENTAILMENT, NLIExample, QAExample, read_squad
from kgqa.types import ReaderSpan

logger = logging.getLogger(__name__)

#: reader questions (before their derived twins) used when ``--limit`` is not given
DEFAULT_READER_QUESTIONS = 750
#: spans per question the reader returns in the pipeline (``Pipeline`` reads with ``n_best=5``)
N_BEST = 5
#: an answer span counts as right from this SQuAD F1 against its best reference
F1_RIGHT = 0.5
#: the sign each feature's weight must have for the answer map to be monotone in it
ANSWER_SIGNS = {"span_prob": 1, "span_score": 1, "no_answer_score": -1}


def _need_sklearn() -> Any:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # pragma: no cover - scikit-learn comes with kgqa[train]
        raise MissingDependencyError(
            'fitting the model calibration needs scikit-learn: pip install "kgqa[train]"'
        ) from exc
    return LogisticRegression


# --------------------------------------------------------------------------- NLI
def nli_correct(probs: np.ndarray, labels: Sequence[int]) -> np.ndarray:
    """Whether each arg-max is right; a 2-way "non-entailment" gold counts neutral and contradiction as right."""
    pred = np.asarray(probs).argmax(-1)
    gold = np.asarray(labels)
    return np.where(gold == NOT_ENTAILMENT, pred != 0, pred == gold)


def nli_nll(probs: np.ndarray, labels: Sequence[int]) -> float:
    """Mean negative log-likelihood of the gold labels (2-way rows: of neutral plus contradiction)."""
    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0)
    gold = np.asarray(labels)
    picked = np.where(gold == NOT_ENTAILMENT, p[:, 1] + p[:, 2], p[np.arange(len(gold)), np.minimum(gold, 2)])
    return float(-np.log(np.clip(picked, 1e-12, 1.0)).mean())


def fit_temperature(probs: np.ndarray, labels: Sequence[int]) -> float:
    """The temperature in ``[0.05, 20]`` that minimises the NLL of ``labels`` (scipy's bounded Brent search on log T)."""
    from scipy.optimize import minimize_scalar

    if len(labels) == 0:
        raise InputError("no NLI pairs to fit a temperature on")
    res = minimize_scalar(
        lambda log_t: nli_nll(TemperatureScaling(math.exp(log_t)).probs(probs), labels),
        bounds=(math.log(0.05), math.log(20.0)),
        method="bounded",
        options={"xatol": 1e-4},
    )
    return float(math.exp(res.x))


def nli_dev_pairs(root: Path, dev_split_seed: int) -> list[NLIExample]:
    """The NLI recipe's dev pairs (MNLI carve-out plus SICK trial), rebuilt exactly as training built them."""
    from kgqa.train.args import TrainArgs
    from kgqa.train.nli import nli_training_data

    _, dev = nli_training_data(root, TrainArgs(task="nli", derived_data=False, dev_split_seed=dev_split_seed))
    return dev


def halves(n_groups: int, seed: int) -> tuple[set[int], set[int]]:
    """A seeded half/half split of ``range(n_groups)``: ``(fit, eval)``."""
    order = list(range(n_groups))
    random.Random(seed).shuffle(order)
    cut = n_groups // 2
    return set(order[:cut]), set(order[cut:])


def calibrate_nli(nli: NLIModel, root: Path, seed: int, limit: int | None, batch: int = 64) -> dict[str, Any]:
    """Fit the NLI temperature; return ``{"block": ..., "report": ...}`` (nothing written)."""
    args = read_meta(nli.model_dir).get("training_args") or {}
    dev_seed = int(args.get("dev_split_seed", 42))
    pairs = nli_dev_pairs(root, dev_seed)
    if limit:
        pairs = random.Random(seed).sample(pairs, min(limit, len(pairs)))
    probs = np.zeros((len(pairs), 3), dtype=np.float32)
    for i in tqdm(range(0, len(pairs), batch), desc="NLI dev pairs", mininterval=5):
        chunk = pairs[i : i + batch]
        probs[i : i + len(chunk)] = nli.predict([(e.premise, e.hypothesis) for e in chunk])
    labels = np.array([e.label for e in pairs])
    fit_idx, eval_idx = halves(len(pairs), seed)
    fit = np.array(sorted(fit_idx))
    ev = np.array(sorted(eval_idx))
    temperature = fit_temperature(probs[fit], labels[fit])
    scaled = TemperatureScaling(temperature).probs(probs)
    correct = nli_correct(probs, labels)  # the same before and after: the arg-max does not change
    ece_before, bins_before = expected_calibration_error(probs[ev].max(-1).tolist(), correct[ev].tolist())
    ece_after, bins_after = expected_calibration_error(scaled[ev].max(-1).tolist(), correct[ev].tolist())
    entail = (labels[ev] == 0).tolist()
    ent_before, _ = expected_calibration_error(probs[ev, 0].tolist(), entail)
    ent_after, _ = expected_calibration_error(scaled[ev, 0].tolist(), entail)
    sources: dict[str, int] = {}
    for e in pairs:
        sources[e.source] = sources.get(e.source, 0) + 1
    fitted_on = (
        f"{len(fit)} of {len(pairs)} dev pairs of the NLI recipe (MNLI dev-matched training half, "
        f"{1000} carved out with dev_split_seed {dev_seed}, plus SICK trial; never trained on), "
        f"seeded half (seed {seed})"
    )
    block = {
        "temperature": round(temperature, 4),
        "method": "temperature scaling: one T minimising the 3-way NLL (scipy bounded search on log T)",
        "fitted_on": fitted_on,
        "ece_before": round(ece_before, 4),
        "ece_after": round(ece_after, 4),
        "ece": "top label (confidence = max probability, right = arg-max is the gold label), 10 equal-width bins",
        "n_fit": int(len(fit)),
        "n_eval": int(len(ev)),
        "seed": seed,
        "fitted_at": _now(),
    }
    report = {
        "temperature": block["temperature"],
        "data": {"sources": sources, "dev_split_seed": dev_seed, "split_seed": seed},
        "n_fit": int(len(fit)),
        "n_eval": int(len(ev)),
        "accuracy_eval": round(float(correct[ev].mean()), 4),
        "top_label": {"ece_before": round(ece_before, 4), "ece_after": round(ece_after, 4)},
        "entailment_probability": {"ece_before": round(ent_before, 4), "ece_after": round(ent_after, 4)},
        "nll_eval": {
            "before": round(nli_nll(probs[ev], labels[ev]), 4),
            "after": round(nli_nll(scaled[ev], labels[ev]), 4),
        },
        "labels": list(LABELS),
        "bins": {"before": bins_before, "after": bins_after},
    }
    return {"block": block, "report": report}


# --------------------------------------------------------------------------- reader
@dataclass(frozen=True)
class SpanRow:
    """One span the reader returned for one question, with its features and labels."""

    group: str  # the paragraph of the original question: a twin goes with it
    rank: int
    features: dict[str, float]
    right: bool  # SQuAD F1 >= 0.5 against a reference (never, for an unanswerable question)
    unanswerable: bool


def reader_dev_questions(
    root: Path, dev_articles: float, dev_split_seed: int, n_questions: int | None, kinds: Sequence[str]
) -> list[QAExample]:
    """The reader's carved-out dev articles: a ``Random(0)`` sample of their questions plus one derived twin each.

    Rebuilds ``kgqa train qa``'s dev set (:func:`kgqa.train.qa._dev_sets` does the same with
    ``--max-eval-samples``): the same :func:`split_articles` of SQuAD v1.1 train, the same sampling.
    """
    from kgqa.train.unanswerable import derive_unanswerable, split_articles

    train = read_squad(root / "squad" / "train-v1.1.json")
    _, dev = split_articles(train, dev_articles, dev_split_seed)
    if n_questions:
        dev = random.Random(0).sample(dev, min(n_questions, len(dev)))
        dev.sort(key=lambda e: (e.title, e.context))
    return [*dev, *derive_unanswerable(dev, 1.0, dev_split_seed, kinds)]


def reader_rows(reader: Reader, examples: Sequence[QAExample], batch: int = 32) -> list[SpanRow]:
    """Read each question against its own paragraph; one row per returned span (at most :data:`N_BEST`)."""
    from kgqa.train.unanswerable import ID_SEP

    base_context = {e.qid: e.context for e in examples if ID_SEP not in e.qid}
    rows: list[SpanRow] = []
    for i in tqdm(range(0, len(examples), batch), desc="reader dev questions", mininterval=5):
        chunk = examples[i : i + batch]
        spans = reader.read_batch([e.question for e in chunk], [[(e.qid, e.context)] for e in chunk], n_best=N_BEST)
        for e, found in zip(chunk, spans, strict=True):
            group = base_context.get(e.qid.split(ID_SEP)[0], e.context)
            for rank, s in enumerate(found):
                right = bool(e.answers) and max(f1_score(s.text, a) for a in e.answers) >= F1_RIGHT
                rows.append(SpanRow(group, rank, span_features(s, found), right, not e.answers))
    return rows


def fit_logistic(rows: Sequence[SpanRow], features: Sequence[str], target: str, signs: dict[str, int]) -> PlattScaling:
    """A logistic regression (scikit-learn, lightly regularised) of ``target`` on ``features``.

    A feature whose fitted weight has the wrong sign (``signs``) is dropped and the rest refitted,
    so that the map stays monotone in each feature it keeps.
    """
    logistic = _need_sklearn()
    if not rows:
        raise InputError("no reader spans to fit a calibration map on")
    y = np.array([getattr(r, target) for r in rows], dtype=int)
    if len(set(y.tolist())) < 2:
        raise InputError(f"the reader's fitting spans are all {bool(y[0])} for {target}: a map cannot be fitted")
    names = list(features)
    while names:
        x = np.array([[r.features[f] for f in names] for r in rows], dtype=np.float64)
        model = logistic(C=10.0, max_iter=1000).fit(x, y)
        coef = [float(c) for c in model.coef_[0]]
        wrong = [f for f, c in zip(names, coef, strict=True) if c * signs.get(f, 0) < 0]
        if not wrong:
            return PlattScaling([round(c, 6) for c in coef], round(float(model.intercept_[0]), 6), names)
        logger.info("dropping %s from the %s map: its weight has the wrong sign", wrong, target)
        names = [f for f in names if f not in wrong]
    raise InputError(f"no feature of {list(features)} predicts {target} with the expected sign")


def calibrate_reader(reader: Reader, root: Path, seed: int, limit: int | None) -> dict[str, Any]:
    """Fit the reader's two maps; return ``{"block": ..., "report": ...}`` (nothing written)."""
    args = read_meta(reader.model_dir).get("training_args") or {}
    dev_articles = float(args.get("dev_articles") or 0.05)
    dev_seed = int(args.get("dev_split_seed", 42))
    kinds = list(args.get("unanswerable_kinds") or ["all"])
    n_questions = limit or DEFAULT_READER_QUESTIONS
    examples = reader_dev_questions(root, dev_articles, dev_seed, n_questions, kinds)
    rows = reader_rows(reader, examples)
    groups = sorted({r.group for r in rows})
    fit_g, _ = halves(len(groups), seed)
    fit_set = {groups[i] for i in fit_g}
    fit = [r for r in rows if r.group in fit_set]
    ev = [r for r in rows if r.group not in fit_set]
    answer = fit_logistic(fit, SPAN_FEATURES, "right", ANSWER_SIGNS)
    no_answer = fit_logistic(
        [r for r in fit if r.rank == 0], ["no_answer_score"], "unanswerable", {"no_answer_score": 1}
    )
    cal = ReaderCalibration(answer, no_answer)
    top = [r for r in ev if r.rank == 0]

    def ece(conf: list[float], right: list[bool]) -> tuple[float, list[dict[str, float]]]:
        value, bins = expected_calibration_error(conf, right)
        return round(value, 4), bins

    def span_of(r: SpanRow) -> ReaderSpan:
        return ReaderSpan("p", "", 0, 0, r.features["span_score"], r.features["no_answer_score"])

    def answer_p(r: SpanRow) -> float:
        return answer(*(r.features[f] for f in answer.features))

    ans_before, ans_bins_before = ece([r.features["span_prob"] for r in top], [r.right for r in top])
    ans_after, ans_bins_after = ece([answer_p(r) for r in top], [r.right for r in top])
    all_before, _ = ece([r.features["span_prob"] for r in ev], [r.right for r in ev])
    all_after, _ = ece([answer_p(r) for r in ev], [r.right for r in ev])
    na_before, na_bins_before = ece(
        [no_answer_probability(r.features["no_answer_score"]) for r in top], [r.unanswerable for r in top]
    )
    na_after, na_bins_after = ece([cal.no_answer_probability(span_of(r)) for r in top], [r.unanswerable for r in top])
    n_twins = sum(1 for e in examples if not e.answers)
    fitted_on = (
        f"{len(examples) - n_twins} questions of the reader's carved-out SQuAD v1.1 train dev articles "
        f"(dev_articles {dev_articles:g}, dev_split_seed {dev_seed}; Random(0) sample) plus {n_twins} derived "
        f"unanswerable twins, each read against its own paragraph; fitted on a seeded half by paragraph (seed {seed})"
    )
    block = {
        "answer": {
            **answer.to_dict(),
            "target": f"the span is right: SQuAD F1 >= {F1_RIGHT} against a reference (0 on a derived unanswerable)",
        },
        "no_answer": {**no_answer.to_dict(), "target": "the passage holds no answer to the question"},
        "method": "logistic regression (scikit-learn, C=10) on the top-5 spans per question (answer) and on the "
        "top span's no-answer score per question (no_answer)",
        "fitted_on": fitted_on,
        "ece_before": {"answer": ans_before, "no_answer": na_before},
        "ece_after": {"answer": ans_after, "no_answer": na_after},
        "ece": "top span of each held-out question, 10 equal-width bins; before: the span's softmax among the "
        "n-best (answer) and sigmoid(no-answer score) (no_answer)",
        "n_fit": sum(1 for r in fit if r.rank == 0),
        "n_eval": len(top),
        "seed": seed,
        "fitted_at": _now(),
    }
    report = {
        "data": {
            "questions": len(examples) - n_twins,
            "unanswerable_twins": n_twins,
            "dev_articles": dev_articles,
            "dev_split_seed": dev_seed,
            "split_seed": seed,
        },
        "n_fit_questions": block["n_fit"],
        "n_eval_questions": len(top),
        "answer": {
            "target": block["answer"]["target"],
            "features": answer.features,
            "rate_right_top_span_eval": round(float(np.mean([r.right for r in top])), 4) if top else 0.0,
            "ece_before": ans_before,
            "ece_after": ans_after,
            "all_spans": {"ece_before": all_before, "ece_after": all_after, "n": len(ev)},
        },
        "no_answer": {
            "rate_unanswerable_eval": round(float(np.mean([r.unanswerable for r in top])), 4) if top else 0.0,
            "ece_before": na_before,
            "ece_after": na_after,
        },
        "bins": {
            "answer_before": ans_bins_before,
            "answer_after": ans_bins_after,
            "no_answer_before": na_bins_before,
            "no_answer_after": na_bins_after,
        },
    }
    return {"block": block, "report": report}


# --------------------------------------------------------------------------- command
def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``kgqa train calibrate-models``."""
    p.add_argument("--nli", action="store_true", help="calibrate the NLI model (default: both when neither is named)")
    p.add_argument("--reader", action="store_true", help="calibrate the reader")
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        help=f"at most N NLI dev pairs and N reader questions (plus their twins); default all pairs and "
        f"{DEFAULT_READER_QUESTIONS} questions",
    )
    p.add_argument("--nli-dir", default=None, help="NLI model folder (default: the shipped model)")
    p.add_argument("--reader-dir", default=None, help="reader model folder (default: the shipped reader)")
    p.add_argument("--data-dir", default=None, help="datasets folder (default: KGQA_DATA)")
    p.add_argument("--seed", type=int, default=0, help="seed of the fit/eval halves")
    p.add_argument("--report", default=None, metavar="DIR", help="also write results.json/results.md and plots here")
    p.add_argument("--dry-run", action="store_true", help="fit and report, but leave kgqa_model.json as it is")
    p.add_argument("--num-threads", type=int, default=1, help="torch CPU threads (0: torch's default)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda where available)")


def run(ns: argparse.Namespace) -> dict[str, Any]:
    """Fit the chosen models' calibration, write it into their folders (unless ``--dry-run``) and the report."""
    import torch

    from kgqa.paths import data_dir

    if ns.limit is not None and ns.limit < 2:
        raise InputError(f"--limit must be at least 2 (one case per half), not {ns.limit}")
    if ns.num_threads:
        torch.set_num_threads(ns.num_threads)
    do_nli, do_reader = (ns.nli, ns.reader) if (ns.nli or ns.reader) else (True, True)
    root = Path(ns.data_dir) if ns.data_dir else data_dir(required=True)
    out: dict[str, Any] = {"command": _command(ns), "date": _now()}
    if do_nli:
        nli = NLIModel(ns.nli_dir, device=ns.device, temperature=1.0)  # fitted on the raw probabilities
        res = calibrate_nli(nli, root, ns.seed, ns.limit)
        out["nli"] = {**res["report"], "model": str(nli.model_dir), "trained_on": _trained_on(nli.model_dir)}
        if not ns.dry_run:
            update_meta(nli.model_dir, {"calibration": res["block"]})
        logger.info("NLI: T = %.3f, ECE %.4f -> %.4f", res["block"]["temperature"], *_eces(res["block"]))
    if do_reader:
        reader = Reader(ns.reader_dir, device=ns.device)
        res = calibrate_reader(reader, root, ns.seed, ns.limit)
        out["reader"] = {**res["report"], "model": str(reader.model_dir), "trained_on": _trained_on(reader.model_dir)}
        out["reader"]["maps"] = {"answer": res["block"]["answer"], "no_answer": res["block"]["no_answer"]}
        if not ns.dry_run:
            update_meta(reader.model_dir, {"calibration": res["block"]})
        logger.info(
            "reader: answer ECE %.4f -> %.4f",
            res["report"]["answer"]["ece_before"],
            res["report"]["answer"]["ece_after"],
        )
    if ns.report:
        from kgqa.train.calibration_report import write_report

        write_report(out, ns.report)
    return out


def _eces(block: dict[str, Any]) -> tuple[float, float]:
    return float(block["ece_before"]), float(block["ece_after"])


def _trained_on(model_dir: Path) -> str:
    """What a model folder's ``kgqa_model.json`` says it was trained on, in one line."""
    meta = read_meta(model_dir)
    best = meta.get("best") or {}
    args = meta.get("training_args") or {}
    if meta.get("task") == "nli":
        sources = ", ".join(f"{k} {v}" for k, v in (best.get("train_sources") or {}).items())
        return f"{best.get('train_pairs', '?')} pairs ({sources}); init {args.get('init_model')}"
    return (
        f"{best.get('train_questions', '?')} SQuAD v1.1 train questions outside the dev articles "
        f"(+{best.get('train_unanswerable', 0)} derived unanswerable); init {args.get('init_model')} "
        "(earlier stages trained on all of SQuAD v1.1 train, the dev articles included; see the model card)"
    )


def _command(ns: argparse.Namespace) -> str:
    parts = ["kgqa train calibrate-models"]
    for flag in ("nli", "reader", "dry_run"):
        if getattr(ns, flag, False):
            parts.append("--" + flag.replace("_", "-"))
    for opt in ("limit", "seed", "report", "num_threads"):
        value = getattr(ns, opt, None)
        if value is not None:
            parts.append(f"--{opt.replace('_', '-')} {value}")
    return " ".join(parts)


__all__ = [
    "ANSWER_SIGNS",
    "DEFAULT_READER_QUESTIONS",
    "add_arguments",
    "calibrate_nli",
    "calibrate_reader",
    "fit_logistic",
    "fit_temperature",
    "nli_correct",
    "nli_dev_pairs",
    "nli_nll",
    "reader_dev_questions",
    "reader_rows",
    "run",
]
