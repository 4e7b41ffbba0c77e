"""The extractive-QA recipe: SQuAD windows, span labels, SQuAD EM/F1 on the dev set.

With ``--unanswerable-rate``, derived unanswerable questions (:mod:`kgqa.train.unanswerable`) are
trained at ``[CLS]``; the dev set is then a split of whole training articles (``--dev-articles``)
with derived unanswerable twins, scored SQuAD 2.0-style, and the null threshold that maximises
its F1 is written into the exported model folder (``kgqa_model.json``, key ``no_answer``), where
:class:`~kgqa.reader.qa.Reader` reads it.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from kgqa.bench.metrics import expected_calibration_error, squad_v1, squad_v2
from kgqa.errors import ConfigError
from kgqa.paths import data_dir as default_data_dir
from kgqa.reader.modelio import update_meta
from kgqa.reader.qa import Reader, no_answer_probability
from kgqa.reader.windows import build_window, char_to_token_span, sliding_windows, tokenize_context, tokenize_question
from kgqa.train.args import TrainArgs
from kgqa.train.common import build_model, export_best, prepare_output_dir
from kgqa.train.data import QAExample, read_squad
from kgqa.train.loop import Trainer, set_seed
from kgqa.train.unanswerable import derive_unanswerable, split_articles

logger = logging.getLogger(__name__)

DEFAULT_TRAIN = ["squad/train-v1.1.json"]
DEFAULT_DEV = "squad/dev-v1.1.json"


def qa_features(tokenizer: Any, examples: list[QAExample], args: TrainArgs, seed: int) -> list[dict[str, Any]]:
    """Training windows with start/end token labels.

    With ``answer_centred``, each question gets one window centred on its answer
    (with a random shift), plus, at rate ``negative_window_rate``, an answerless
    window labelled at ``[CLS]``. Otherwise every sliding window is kept. A question
    without answers (unanswerable) gets one window, at a random place in its context,
    labelled at ``[CLS]``.
    """
    rng = random.Random(seed)
    ctx_cache: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}
    feats: list[dict[str, Any]] = []
    for ex in tqdm(examples, desc="tokenising QA", mininterval=5):
        if ex.context not in ctx_cache:
            ctx_cache[ex.context] = tokenize_context(tokenizer, ex.context)
        ids, offs = ctx_cache[ex.context]
        q_ids = tokenize_question(tokenizer, ex.question, args.max_query_length)
        if not ex.answers:
            budget = max(args.max_length - len(q_ids) - 3, 1)
            windows = sliding_windows(tokenizer, q_ids, ids, offs, args.max_length, args.doc_stride)
            w = windows[rng.randrange(len(windows))] if len(ids) > budget else windows[0]
            feats.append(_feature(w, 0, 0))
            continue
        span = char_to_token_span(offs, ex.answer_starts[0], ex.answer_starts[0] + len(ex.answers[0]))
        if span is None:
            continue
        budget = args.max_length - len(q_ids) - 3
        if args.answer_centred:
            if span[1] - span[0] + 1 > budget:
                continue
            if len(ids) <= budget:
                starts = [0]
            else:
                mid = (span[0] + span[1]) // 2
                slack = (budget - (span[1] - span[0] + 1)) // 2
                lo = max(0, min(span[0] - (budget - (span[1] - span[0] + 1)), len(ids) - budget))
                hi = min(span[0], len(ids) - budget)
                centre = mid - budget // 2 + rng.randint(-slack // 2, slack // 2) if slack > 1 else mid - budget // 2
                starts = [max(lo, min(hi, centre))]
                if rng.random() < args.negative_window_rate:
                    far = 0 if span[0] >= budget else len(ids) - budget
                    if far + budget <= span[0] or far > span[1]:
                        starts.append(far)
            windows = [build_window(tokenizer, q_ids, ids, offs, s, budget) for s in starts]
        else:
            windows = sliding_windows(tokenizer, q_ids, ids, offs, args.max_length, args.doc_stride)
        for w in windows:
            if w.token_span[0] <= span[0] and span[1] <= w.token_span[1]:
                s_pos = w.context_start + span[0] - w.token_span[0]
                e_pos = w.context_start + span[1] - w.token_span[0]
            else:
                if args.answer_centred is False and rng.random() >= args.negative_window_rate:
                    continue
                s_pos = e_pos = 0
            feats.append(_feature(w, s_pos, e_pos))
    return feats


def _feature(w: Any, s_pos: int, e_pos: int) -> dict[str, Any]:
    return {
        "input_ids": w.input_ids,
        "token_type_ids": w.token_type_ids,
        "start_positions": s_pos,
        "end_positions": e_pos,
        "length": len(w.input_ids),
    }


def read_predictions(
    reader: Reader, examples: list[QAExample], n_best: int = 20, max_answer_length: int = 30, batch_questions: int = 32
) -> tuple[dict[str, str], dict[str, float]]:
    """Best span text and no-answer score (``null - best span``) per question id, each read against its paragraph."""
    preds: dict[str, str] = {}
    na_scores: dict[str, float] = {}
    for i in tqdm(range(0, len(examples), batch_questions), desc="eval QA", mininterval=5):
        chunk = examples[i : i + batch_questions]
        spans = reader.read_batch(
            [e.question for e in chunk],
            [[(e.qid, e.context)] for e in chunk],
            n_best=n_best,
            max_answer_length=max_answer_length,
        )
        for e, s in zip(chunk, spans, strict=True):
            preds[e.qid] = s[0].text if s else ""
            na_scores[e.qid] = s[0].no_answer_score if s else float("inf")
    return preds, na_scores


def evaluate_reader(
    reader: Reader, examples: list[QAExample], n_best: int = 20, max_answer_length: int = 30, batch_questions: int = 32
) -> dict[str, float]:
    """SQuAD v1.1 EM/F1 of ``reader`` on ``examples`` (each question read against its own paragraph)."""
    preds, _ = read_predictions(reader, examples, n_best, max_answer_length, batch_questions)
    return squad_v1(preds, {e.qid: list(e.answers) for e in examples})


def no_answer_metrics(
    preds: dict[str, str],
    na_scores: dict[str, float],
    examples: list[QAExample],
    threshold: float | None = None,
) -> dict[str, Any]:
    """SQuAD 2.0 metrics of predictions on answerable and unanswerable ``examples``.

    Returns the :func:`~kgqa.bench.metrics.squad_v2` metrics at ``threshold`` (default: the
    best threshold found here, ``best_f1_thresh``), ``no_ans_accuracy`` (share of unanswerable
    questions abstained on), the SQuAD v1.1 ``v1_f1``/``v1_exact`` of the top spans on the
    answerable questions (no threshold), and ``no_answer_ece``: the expected calibration error
    of ``sigmoid(no-answer score)`` as the probability that the question is unanswerable.
    """
    refs = {e.qid: list(e.answers) for e in examples}
    best = squad_v2(preds, refs, na_scores, 0.0)
    chosen = best["best_f1_thresh"] if threshold is None else threshold
    out: dict[str, Any] = dict(squad_v2(preds, refs, na_scores, chosen))
    out["threshold"] = chosen
    for key in ("best_f1", "best_f1_thresh", "best_exact", "best_exact_thresh"):
        out[key] = best[key]
    unanswerable = [e.qid for e in examples if not e.answers]
    out["no_ans_accuracy"] = (
        sum(na_scores[q] > chosen for q in unanswerable) / len(unanswerable) if unanswerable else 0.0
    )
    answerable = [e for e in examples if e.answers]
    v1 = squad_v1({e.qid: preds[e.qid] for e in answerable}, {e.qid: list(e.answers) for e in answerable})
    out["v1_exact"], out["v1_f1"] = v1["exact_match"], v1["f1"]
    probs = [no_answer_probability(na_scores[e.qid]) for e in examples]
    out["no_answer_ece"], _ = expected_calibration_error(probs, [not e.answers for e in examples])
    return out


def freeze_lower_layers(model: torch.nn.Module, train_layers: int) -> None:
    """Freeze the embeddings and all but the top ``train_layers`` encoder layers (0: leave everything as is).

    Raises:
        ConfigError: if the model has no ``bert.encoder.layer`` list or fewer layers than asked.
    """
    if not train_layers:
        return
    bert = getattr(model, "bert", None)
    layers = getattr(getattr(bert, "encoder", None), "layer", None)
    if bert is None or layers is None:
        raise ConfigError("--train-layers needs a BERT model (bert.encoder.layer); LoRA models are not supported")
    if train_layers > len(layers):
        raise ConfigError(f"--train-layers {train_layers}: the model has only {len(layers)} layers")
    for p in bert.embeddings.parameters():
        p.requires_grad_(False)
    for layer in layers[: len(layers) - train_layers]:
        for p in layer.parameters():
            p.requires_grad_(False)
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    logger.info("training the top %d layers and the head: %d parameters", train_layers, n_train)


def _dev_sets(args: TrainArgs, train: list[QAExample], root: Path) -> tuple[list[QAExample], list[QAExample], str]:
    """``(train, dev, dev name)``: the dev set carved out of the training articles, or SQuAD v1.1 dev."""
    if args.dev_articles:
        train, dev_part = split_articles(train, args.dev_articles, args.dev_split_seed)
        name = f"{args.dev_articles:g} of the training articles (seed {args.dev_split_seed})"
        if args.max_eval_samples:
            dev_part = random.Random(0).sample(dev_part, min(args.max_eval_samples, len(dev_part)))
            dev_part.sort(key=lambda e: (e.title, e.context))
        dev = dev_part
        if args.unanswerable_rate:
            # twins derived from the whole sampled dev articles' questions, one per question where possible
            dev = [*dev_part, *derive_unanswerable(dev_part, 1.0, args.dev_split_seed, args.unanswerable_kinds)]
        return train, dev, name
    dev_path = root / DEFAULT_DEV
    dev = read_squad(dev_path) if dev_path.is_file() else train[: min(200, len(train))]
    if args.max_eval_samples:
        dev = random.Random(0).sample(dev, min(args.max_eval_samples, len(dev)))
    return train, dev, dev_path.name


def qa_loss(model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Mean of the start and end cross-entropies (transformers' QA loss)."""
    return model(**batch).loss


def run(args: TrainArgs) -> dict[str, Any]:
    """Train the reader; return the final trainer state as a dict."""
    if args.num_threads:
        torch.set_num_threads(args.num_threads)
    set_seed(args.seed)
    root = Path(args.data_dir) if args.data_dir else default_data_dir(required=True)
    out = prepare_output_dir(args)
    model, tok = build_model(args, head="qa")
    freeze_lower_layers(model, args.train_layers)
    train = [ex for f in (args.train_files or DEFAULT_TRAIN) for ex in read_squad(root / f)]
    train, dev, dev_name = _dev_sets(args, train, root)  # the article split comes before any sampling
    if args.max_train_samples:
        random.Random(args.seed).shuffle(train)
        train = train[: args.max_train_samples]
        train.sort(key=lambda e: (e.title, e.context))  # whole articles stay together for the derivation
    negatives = derive_unanswerable(train, args.unanswerable_rate, args.seed, args.unanswerable_kinds)
    logger.info(
        "QA: %d training questions (+%d derived unanswerable), %d dev questions",
        len(train),
        len(negatives),
        len(dev),
    )
    feats = qa_features(tok, [*train, *negatives], args, args.seed)
    logger.info("QA: %d training windows", len(feats))
    no_answer = bool(args.unanswerable_rate)
    last_eval: dict[str, Any] = {}

    def evaluate(m: torch.nn.Module) -> tuple[dict[str, Any], float]:
        reader = Reader.from_model(m, tok, max_length=max(args.max_length, 256), stride=args.doc_stride)
        if not no_answer:
            res = evaluate_reader(reader, dev)
            return res, res["f1"]
        preds, na_scores = read_predictions(reader, dev)
        res = no_answer_metrics(preds, na_scores, dev)
        last_eval.clear()
        last_eval.update(res)
        return res, res["best_f1"]

    def on_best(m: torch.nn.Module, info: dict[str, Any]) -> None:
        export_best(
            args,
            m,
            tok,
            "qa",
            {
                **info,
                "train_questions": len(train),
                "train_unanswerable": len(negatives),
                "train_windows": len(feats),
                "dev_file": dev_name,
                "dev_questions": len(dev),
            },
        )
        if no_answer:
            block = {
                "threshold": last_eval["threshold"],
                "chosen_on": f"dev: {dev_name}, {len(dev)} questions incl. derived unanswerable",
                "dev_f1": last_eval["f1"],
                "dev_no_ans_accuracy": last_eval["no_ans_accuracy"],
                "dev_no_answer_ece": last_eval["no_answer_ece"],
            }
            for target in [out / "best", *([Path(args.export_dir)] if args.export_dir else [])]:
                update_meta(target, {"no_answer": block})

    trainer = Trainer(args, model, feats, qa_loss, evaluate, on_best)
    if args.resume:
        trainer.load_checkpoint()
    state = trainer.train()
    logger.info("QA done; best model in %s", out / "best")
    return state.__dict__
