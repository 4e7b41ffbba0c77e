"""The extractive-QA recipe: SQuAD windows, span labels, SQuAD EM/F1 on the dev set."""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from kgqa.bench.metrics import squad_v1
from kgqa.paths import data_dir as default_data_dir
from kgqa.reader.qa import Reader
from kgqa.reader.windows import build_window, char_to_token_span, sliding_windows, tokenize_context, tokenize_question
from kgqa.train.args import TrainArgs
from kgqa.train.common import build_model, export_best, prepare_output_dir
from kgqa.train.data import QAExample, read_squad
from kgqa.train.loop import Trainer, set_seed

logger = logging.getLogger(__name__)

DEFAULT_TRAIN = ["squad/train-v1.1.json"]
DEFAULT_DEV = "squad/dev-v1.1.json"


def qa_features(tokenizer: Any, examples: list[QAExample], args: TrainArgs, seed: int) -> list[dict[str, Any]]:
    """Training windows with start/end token labels.

    With ``answer_centred``, each question gets one window centred on its answer
    (with a random shift), plus, at rate ``negative_window_rate``, an answerless
    window labelled at ``[CLS]``. Otherwise every sliding window is kept.
    """
    rng = random.Random(seed)
    ctx_cache: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}
    feats: list[dict[str, Any]] = []
    for ex in tqdm(examples, desc="tokenising QA", mininterval=5):
        if not ex.answers:
            continue
        if ex.context not in ctx_cache:
            ctx_cache[ex.context] = tokenize_context(tokenizer, ex.context)
        ids, offs = ctx_cache[ex.context]
        q_ids = tokenize_question(tokenizer, ex.question, args.max_query_length)
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
            feats.append(
                {
                    "input_ids": w.input_ids,
                    "token_type_ids": w.token_type_ids,
                    "start_positions": s_pos,
                    "end_positions": e_pos,
                    "length": len(w.input_ids),
                }
            )
    return feats


def evaluate_reader(
    reader: Reader, examples: list[QAExample], n_best: int = 20, max_answer_length: int = 30, batch_questions: int = 32
) -> dict[str, float]:
    """SQuAD v1.1 EM/F1 of ``reader`` on ``examples`` (each question read against its own paragraph)."""
    preds: dict[str, str] = {}
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
    refs = {e.qid: list(e.answers) for e in examples}
    return squad_v1(preds, refs)


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
    train = [ex for f in (args.train_files or DEFAULT_TRAIN) for ex in read_squad(root / f)]
    if args.max_train_samples:
        random.Random(args.seed).shuffle(train)
        train = train[: args.max_train_samples]
    dev_path = root / DEFAULT_DEV
    dev = read_squad(dev_path) if dev_path.is_file() else train[: min(200, len(train))]
    if args.max_eval_samples:
        dev = random.Random(0).sample(dev, min(args.max_eval_samples, len(dev)))
    logger.info("QA: %d training questions, %d dev questions", len(train), len(dev))
    feats = qa_features(tok, train, args, args.seed)
    logger.info("QA: %d training windows", len(feats))

    def evaluate(m: torch.nn.Module) -> tuple[dict[str, Any], float]:
        reader = Reader.from_model(m, tok, max_length=max(args.max_length, 256), stride=args.doc_stride)
        res = evaluate_reader(reader, dev)
        return res, res["f1"]

    def on_best(m: torch.nn.Module, info: dict[str, Any]) -> None:
        export_best(
            args,
            m,
            tok,
            "qa",
            {
                **info,
                "train_questions": len(train),
                "train_windows": len(feats),
                "dev_file": str(dev_path.name),
                "dev_questions": len(dev),
            },
        )

    trainer = Trainer(args, model, feats, qa_loss, evaluate, on_best)
    if args.resume:
        trainer.load_checkpoint()
    state = trainer.train()
    logger.info("QA done; best model in %s", out / "best")
    return state.__dict__
