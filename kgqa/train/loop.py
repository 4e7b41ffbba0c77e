"""A small, resumable training loop shared by the QA and NLI recipes.

AdamW with weight decay, linear warm-up and decay, gradient clipping and
accumulation, length-bucketed dynamic padding, early stopping on a dev metric,
mixed precision on a GPU, and checkpoints that resume exactly where they stopped
(model, optimiser, scheduler, RNG and the position in the epoch). Checkpoints are
safetensors plus JSON: nothing is pickled. Ctrl-C or SIGTERM stops a run after the
current step and writes a checkpoint first, so no work is lost; ``--resume`` continues.
"""

from __future__ import annotations

import json
import logging
import math
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm

from kgqa.errors import ConfigError
from kgqa.precision import autocast_dtype, dtype_name
from kgqa.reader.batching import Feature, collate
from kgqa.train.args import TrainArgs

logger = logging.getLogger(__name__)


@contextmanager
def _stop_requests() -> Iterator[list[int]]:
    """Turn SIGINT and SIGTERM into a request to stop (a list that receives the signal number).

    Outside the main thread, where Python cannot install handlers, the list stays empty.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def handler(signum: int, _frame: Any) -> None:
        if received:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        received.append(signum)
        logger.warning("signal %d: stopping after this step and writing a checkpoint", signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def bucketed_batches(lengths: Sequence[int], batch_size: int, bucket_size: int, seed: int) -> list[list[int]]:
    """Batches of indices with similar lengths, in a seeded random order.

    Shuffle, sort within chunks of ``bucket_size`` batches by length, cut into
    batches, shuffle the batches: little padding, still random.
    """
    rng = random.Random(seed)
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    chunk = max(batch_size * bucket_size, batch_size)
    batches: list[list[int]] = []
    for i in range(0, len(idx), chunk):
        part = sorted(idx[i : i + chunk], key=lambda j: lengths[j])
        batches += [part[k : k + batch_size] for k in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


@dataclass
class TrainState:
    """Where training stands; written as JSON beside each checkpoint."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    best_metric: float = -math.inf
    best_step: int = 0
    bad_evals: int = 0
    elapsed_s: float = 0.0
    examples_seen: int = 0
    done: bool = False


def _optimizer_state_tensors(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    sd = opt.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, Any] = {}
    for pid, st in sd["state"].items():
        for name, val in st.items():
            if torch.is_tensor(val):
                tensors[f"{pid}.{name}"] = val.detach().cpu().contiguous()
            else:
                scalars[f"{pid}.{name}"] = val
    return tensors, {"scalars": scalars, "param_groups": sd["param_groups"]}


def _load_optimizer_state(opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    state: dict[int, dict[str, Any]] = {}
    for key, val in tensors.items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = val
    for key, val in meta["scalars"].items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = val
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


class Trainer:
    """Runs the optimisation for one task.

    Args:
        args: the training arguments.
        model: a transformers model (already wrapped by peft when ``args.lora``).
        train_features: tokenised training examples (dicts with ``input_ids``,
            ``token_type_ids``, ``length`` and the label fields).
        loss_fn: ``(model, batch) -> loss``.
        evaluate: ``(model) -> (metrics, primary_metric)``; higher is better.
        on_best: called with the model whenever the dev metric improves.
    """

    def __init__(
        self,
        args: TrainArgs,
        model: torch.nn.Module,
        train_features: Sequence[Feature],
        loss_fn: Callable[[torch.nn.Module, dict[str, torch.Tensor]], torch.Tensor],
        evaluate: Callable[[torch.nn.Module], tuple[dict[str, Any], float]],
        on_best: Callable[[torch.nn.Module, dict[str, Any]], None],
    ) -> None:
        if not train_features:
            raise ConfigError("no training examples; check the data directory and train_files")
        self.args = args
        self.model = model
        self.features = train_features
        self.loss_fn = loss_fn
        self.evaluate = evaluate
        self.on_best = on_best
        self.out = Path(args.output_dir)
        self.ckpt = self.out / "checkpoint"
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model.to(self.device)
        self.amp_dtype = autocast_dtype(args.precision, self.device)
        logger.info("training precision: %s autocast on %s", dtype_name(self.amp_dtype), self.device)
        self.scaler = torch.amp.GradScaler(
            self.device.type, enabled=self.amp_dtype == torch.float16 and self.device.type == "cuda"
        )
        decay, no_decay = [], []
        for name, p in model.named_parameters():
            if not p.requires_grad:
                continue
            (no_decay if p.ndim < 2 or "LayerNorm" in name or name.endswith("bias") else decay).append(p)
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=args.learning_rate,
        )
        self.batches_per_epoch = math.ceil(len(train_features) / args.batch_size)
        steps_per_epoch = max(self.batches_per_epoch // args.grad_accum, 1)
        self.total_steps = args.max_steps or int(math.ceil(steps_per_epoch * args.num_epochs))
        warmup = int(self.total_steps * args.warmup_ratio)

        def lr_lambda(step: int) -> float:
            if step < warmup:
                return (step + 1) / max(warmup, 1)
            return max(0.0, (self.total_steps - step) / max(self.total_steps - warmup, 1))

        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lr_lambda)
        self.state = TrainState()
        self.lengths = [f["length"] for f in train_features]

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self) -> None:
        """Write model, optimiser, scheduler, RNG and state to ``output_dir/checkpoint``."""
        tmp = self.out / "checkpoint.tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        trainable = {n: p.detach().cpu().contiguous() for n, p in self.model.named_parameters() if p.requires_grad}
        save_file(trainable, str(tmp / "trainable.safetensors"))
        opt_tensors, opt_meta = _optimizer_state_tensors(self.optimizer)
        rng = {"torch": torch.get_rng_state()}
        if torch.cuda.is_available():
            rng["cuda"] = torch.cuda.get_rng_state()
        save_file(opt_tensors or {"_empty": torch.zeros(1)}, str(tmp / "optimizer.safetensors"))
        save_file(rng, str(tmp / "rng.safetensors"))
        meta = {
            "optimizer": opt_meta,
            "scheduler": self.scheduler.state_dict(),
            "state": self.state.__dict__,
            "python_random": None,
            "total_steps": self.total_steps,
        }
        meta["scheduler"].pop("lr_lambdas", None)
        (tmp / "trainer_state.json").write_text(json.dumps(meta, default=float))
        self.args.save(tmp / "training_args.json")
        if self.ckpt.exists():
            old = self.out / "checkpoint.old"
            self.ckpt.rename(old)
            tmp.rename(self.ckpt)
            for f in old.iterdir():
                f.unlink()
            old.rmdir()
        else:
            tmp.rename(self.ckpt)
        logger.info("checkpoint at step %d written to %s", self.state.step, self.ckpt)

    def load_checkpoint(self) -> None:
        """Restore everything :meth:`save_checkpoint` wrote."""
        old = self.out / "checkpoint.old"
        if not (self.ckpt / "trainer_state.json").is_file() and (old / "trainer_state.json").is_file():
            # stopped between the two renames of save_checkpoint: the previous checkpoint is whole
            if self.ckpt.exists():
                for f in self.ckpt.iterdir():
                    f.unlink()
                self.ckpt.rmdir()
            old.rename(self.ckpt)
        if not (self.ckpt / "trainer_state.json").is_file():
            raise ConfigError(f"--resume: no checkpoint in {self.ckpt}; start without --resume")
        trainable = load_file(str(self.ckpt / "trainable.safetensors"))
        params = dict(self.model.named_parameters())
        with torch.no_grad():
            for n, t in trainable.items():
                params[n].copy_(t.to(params[n].device))
        meta = json.loads((self.ckpt / "trainer_state.json").read_text())
        opt_tensors = load_file(str(self.ckpt / "optimizer.safetensors"), device=str(self.device))
        opt_tensors.pop("_empty", None)
        for key in list(opt_tensors):
            if key.endswith(".step"):
                opt_tensors[key] = opt_tensors[key].cpu()
        _load_optimizer_state(self.optimizer, opt_tensors, meta["optimizer"])
        sched = dict(meta["scheduler"])
        sched["lr_lambdas"] = [None] * len(self.optimizer.param_groups)  # the lambda is rebuilt, not stored
        self.scheduler.load_state_dict(sched)
        self.state = TrainState(**meta["state"])
        rng = load_file(str(self.ckpt / "rng.safetensors"))
        torch.set_rng_state(rng["torch"])
        if "cuda" in rng and torch.cuda.is_available():
            torch.cuda.set_rng_state(rng["cuda"])
        logger.info(
            "resumed at step %d (epoch %d, batch %d)", self.state.step, self.state.epoch, self.state.batch_in_epoch
        )

    # ------------------------------------------------------------------ logging
    def _log(self, record: dict[str, Any]) -> None:
        record = {
            "step": self.state.step,
            "epoch": self.state.epoch,
            "time_s": round(self.state.elapsed_s, 1),
            **record,
        }
        with open(self.out / "metrics.jsonl", "a") as fh:
            fh.write(json.dumps(record, default=float) + "\n")

    def _run_eval(self) -> bool:
        """Evaluate, log, keep the best; return ``True`` when training should stop early."""
        self.model.eval()
        with torch.no_grad():
            metrics, primary = self.evaluate(self.model)
        self.model.train()
        improved = primary > self.state.best_metric
        self._log({"eval": metrics, "primary": primary, "improved": improved, "lr": self.scheduler.get_last_lr()[0]})
        logger.info("step %d: dev %s = %.4f%s", self.state.step, "primary", primary, " (best)" if improved else "")
        if self.args.select_last:
            # the shipped model is the one at the end of the schedule, whatever the dev metric says
            if improved:
                self.state.best_metric = primary
                self.state.best_step = self.state.step
            if self.state.step >= self.total_steps:
                self.on_best(self.model, {"step": self.state.step, "dev": metrics, "selected": "last"})
            return False
        if improved:
            self.state.best_metric = primary
            self.state.best_step = self.state.step
            self.state.bad_evals = 0
            self.on_best(self.model, {"step": self.state.step, "dev": metrics})
        else:
            self.state.bad_evals += 1
        return self.state.bad_evals >= self.args.patience

    # ------------------------------------------------------------------ main loop
    def train(self) -> TrainState:
        """Train until ``total_steps``, early stopping, ``max_minutes`` or Ctrl-C/SIGTERM; return the final state.

        However it stops, the last thing it does is write a resumable checkpoint.
        """
        if self.state.done:
            logger.info("training already finished at step %d", self.state.step)
            return self.state
        with _stop_requests() as stop_requested:
            return self._train(stop_requested)

    def _train(self, stop_requested: list[int]) -> TrainState:
        args = self.args
        self.model.train()
        last_save = time.monotonic()
        started = time.monotonic()
        elapsed0 = self.state.elapsed_s
        bar = tqdm(total=self.total_steps, initial=self.state.step, desc=f"train {args.task}", dynamic_ncols=True)
        running, running_n = 0.0, 0
        stop_reason = "max_steps"
        while self.state.step < self.total_steps:
            batches = bucketed_batches(self.lengths, args.batch_size, args.bucket_size, args.seed + self.state.epoch)
            while self.state.batch_in_epoch < len(batches) and self.state.step < self.total_steps:
                group = batches[self.state.batch_in_epoch : self.state.batch_in_epoch + args.grad_accum]
                for idx in group:
                    batch = {k: v.to(self.device) for k, v in collate([self.features[i] for i in idx]).items()}
                    with torch.autocast(self.device.type, dtype=self.amp_dtype, enabled=self.amp_dtype is not None):
                        loss = self.loss_fn(self.model, batch) / len(group)
                    self.scaler.scale(loss).backward()
                    running += float(loss.detach()) * len(group)
                    running_n += 1
                    self.state.examples_seen += len(idx)
                self.scaler.unscale_(self.optimizer)
                torch.nn.utils.clip_grad_norm_(
                    [p for p in self.model.parameters() if p.requires_grad], args.max_grad_norm
                )
                self.scaler.step(self.optimizer)
                self.scaler.update()
                self.optimizer.zero_grad(set_to_none=True)
                self.scheduler.step()
                self.state.batch_in_epoch += len(group)
                self.state.step += 1
                self.state.elapsed_s = elapsed0 + time.monotonic() - started
                bar.update(1)
                if self.state.step % min(20, args.eval_every) == 0:
                    avg = running / max(running_n, 1)
                    bar.set_postfix(loss=f"{avg:.3f}")
                    self._log(
                        {"train_loss": avg, "lr": self.scheduler.get_last_lr()[0], "examples": self.state.examples_seen}
                    )
                    running, running_n = 0.0, 0
                if self.state.step % args.eval_every == 0 and self._run_eval():
                    stop_reason = "early_stopping"
                    self.state.done = True
                    break
                if time.monotonic() - last_save > args.save_every_minutes * 60:
                    self.save_checkpoint()
                    last_save = time.monotonic()
                if args.max_minutes and time.monotonic() - started > args.max_minutes * 60:
                    stop_reason = "max_minutes"
                    break
                if stop_requested:
                    stop_reason = "interrupted"
                    break
            if stop_reason in ("early_stopping", "max_minutes", "interrupted"):
                break
            if self.state.batch_in_epoch >= len(batches):
                self.state.epoch += 1
                self.state.batch_in_epoch = 0
        bar.close()
        if stop_reason == "max_steps" or (stop_reason == "max_minutes" and self.state.step >= self.total_steps):
            if self.state.step % args.eval_every != 0:
                self._run_eval()
            self.state.done = True
        self.save_checkpoint()
        self._log({"stopped": stop_reason, "best_step": self.state.best_step, "best_metric": self.state.best_metric})
        if stop_reason in ("interrupted", "max_minutes") and not self.state.done:
            logger.warning(
                "stopped (%s) at step %d of %d; checkpoint written to %s: run the same command with --resume",
                stop_reason,
                self.state.step,
                self.total_steps,
                Path(args.output_dir) / "checkpoint",
            )
        logger.info(
            "training stopped (%s) at step %d; best dev %.4f at step %d",
            stop_reason,
            self.state.step,
            self.state.best_metric,
            self.state.best_step,
        )
        return self.state
