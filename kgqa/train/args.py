"""Training arguments: one dataclass, from the CLI or from a JSON file."""

from __future__ import annotations

import argparse
import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgqa.errors import ConfigError
from kgqa.precision import PRECISIONS

#: how a LoRA run writes its model folders (``merged``: full weights; ``low-rank``: kgqa.reader.low_rank)
LORA_EXPORTS = ("merged", "low-rank")

#: defaults that depend on the task (used when the field is left at 0)
TASK_DEFAULTS = {
    "qa": {"max_length": 256, "learning_rate": 8e-5},
    "nli": {"max_length": 128, "learning_rate": 5e-5},
    "false-premise": {"max_length": 64, "learning_rate": 5e-5},
}
#: the tasks ``kgqa train`` knows
TASKS = tuple(TASK_DEFAULTS)


@dataclass
class TrainArgs:
    """Arguments of ``kgqa train qa`` and ``kgqa train nli``.

    Every field is a CLI flag (``--learning-rate 5e-5``) and a key of the optional
    JSON file (``kgqa train nli --config args.json``); flags override the file.
    """

    task: str = field(default="nli", metadata={"help": "qa, nli or false-premise"})
    output_dir: str = field(default="runs/nli", metadata={"help": "checkpoints, logs and the final model folder"})
    data_dir: str | None = field(
        default=None, metadata={"help": "dataset folder (default: $KGQA_DATA or ../shared/datasets)"}
    )
    init_model: str | None = field(
        default=None, metadata={"help": "model folder to start from (default: the base encoder)"}
    )
    train_files: list[str] = field(
        default_factory=list, metadata={"help": "override the default training files (relative to data_dir)"}
    )
    repeat: list[str] = field(
        default_factory=list,
        metadata={"help": "NLI: repeat sources of the default mixture, e.g. mnli=2 rte=2 (each pair seen k times)"},
    )
    max_length: int = field(default=0, metadata={"help": "tokens per window or pair (0: 256 for qa, 128 for nli)"})
    doc_stride: int = field(default=96, metadata={"help": "QA: overlap between windows of long contexts"})
    max_query_length: int = field(default=48, metadata={"help": "QA: questions are cut to this many tokens"})
    answer_centred: bool = field(default=True, metadata={"help": "QA: train on windows centred on the answer"})
    negative_window_rate: float = field(
        default=0.05, metadata={"help": "QA: share of answerless windows kept (labelled [CLS])"}
    )
    unanswerable_rate: float = field(
        default=0.0,
        metadata={
            "help": "QA: derived unanswerable questions per training question, in [0, 1], labelled [CLS] "
            "(kgqa.train.unanswerable); needs --dev-articles, and the dev metric becomes SQuAD 2.0 best-threshold F1"
        },
    )
    unanswerable_kinds: list[str] = field(
        default_factory=lambda: ["all"],
        metadata={
            "help": "QA: kinds of derived unanswerable pairs: other_paragraph entity_swap answer_removed, or all"
        },
    )
    dev_articles: float = field(
        default=0.0,
        metadata={
            "help": "QA: share of the training articles kept out, whole, as the dev set (seeded by --dev-split-seed) "
            "for checkpoint selection and the null threshold; 0: a sample of SQuAD v1.1 dev"
        },
    )
    learning_rate: float = field(default=0.0, metadata={"help": "peak learning rate (0: 8e-5 for qa, 5e-5 for nli)"})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay (not on biases and LayerNorm)"})
    warmup_ratio: float = field(default=0.06, metadata={"help": "share of steps with linear warm-up"})
    num_epochs: float = field(default=3.0, metadata={"help": "epochs over the training set"})
    max_steps: int = field(default=0, metadata={"help": "stop after this many optimiser steps (0: from num_epochs)"})
    batch_size: int = field(default=32, metadata={"help": "examples per forward pass"})
    grad_accum: int = field(default=1, metadata={"help": "forward passes per optimiser step"})
    max_grad_norm: float = field(default=1.0, metadata={"help": "gradient clipping norm"})
    eval_every: int = field(default=200, metadata={"help": "evaluate on the dev set every N steps"})
    save_every_minutes: float = field(default=4.0, metadata={"help": "write a resumable checkpoint this often"})
    patience: int = field(default=5, metadata={"help": "early stopping: evaluations without improvement"})
    select_last: bool = field(
        default=False,
        metadata={
            "help": "ship the model at the end of the schedule instead of the best dev checkpoint "
            "(no early stopping; for data the dev set does not cover)"
        },
    )
    max_train_samples: int = field(default=0, metadata={"help": "use at most N training examples (0: all)"})
    max_eval_samples: int = field(default=2000, metadata={"help": "dev examples per evaluation (0: all)"})
    seed: int = field(default=42, metadata={"help": "random seed"})
    dev_split_seed: int = field(
        default=42,
        metadata={
            "help": "seed of the dev split (NLI: the 1,000 MNLI pairs kept out; QA: the --dev-articles split; "
            "false-premise: the FalseQA dev carve-out and the generated questions' subject split); "
            "keep it fixed when training in stages"
        },
    )
    generated_pairs: int = field(
        default=4000,
        metadata={"help": "false-premise: (true, false) question pairs generated from the graphs, before the split"},
    )
    precision: str = field(
        default="auto",
        metadata={"help": "mixed precision: auto (bf16 on a GPU or a bf16-capable CPU), bf16, fp16, fp32"},
    )
    lora: bool = field(default=False, metadata={"help": "train LoRA adapters (peft) instead of all weights"})
    lora_r: int = field(default=16, metadata={"help": "LoRA rank"})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA alpha"})
    lora_targets: str = field(
        default="query,key,value,dense", metadata={"help": "LoRA: the modules that get adapters, comma-separated"}
    )
    lora_export: str = field(
        default="merged",
        metadata={
            "help": "LoRA: write the adapters merged into full weights (merged), or only the low-rank factors "
            "and the head, the rest taken from the installed base encoder at load time (low-rank: a small folder)"
        },
    )
    freeze_word_embeddings: bool = field(
        default=True, metadata={"help": "keep the base word embeddings (lets the model folder share them)"}
    )
    train_layers: int = field(
        default=0,
        metadata={
            "help": "QA: train only the top N encoder layers and the head, the rest frozen (0: all); "
            "a shorter backward pass for short CPU runs"
        },
    )
    num_threads: int = field(default=0, metadata={"help": "CPU threads for torch (0: torch's default)"})
    bucket_size: int = field(default=64, metadata={"help": "length bucketing: sort within chunks of N batches"})
    derived_data: bool = field(default=True, metadata={"help": "NLI: add pairs derived from WordNet and SQuAD"})
    unrelated_pairs: int = field(
        default=0,
        metadata={
            "help": "NLI: add N neutral pairs of sentences from different SQuAD train paragraphs "
            "(kgqa.train.data.unrelated_sentence_pairs), so unrelated text is not called a contradiction"
        },
    )
    graph_world: str | None = field(
        default=None,
        metadata={
            "help": "NLI: a world's kgqa.json whose graph gives --graph-pairs pairs (kgqa.train.graph_pairs: "
            "paraphrase, single-valued swaps, unrelated facts; subjects of the NLI band only)"
        },
    )
    graph_pairs: int = field(default=6000, metadata={"help": "NLI: the most pairs taken from --graph-world"})
    resume: bool = field(default=False, metadata={"help": "continue from the last checkpoint in output_dir"})
    overwrite_output_dir: bool = field(
        default=False, metadata={"help": "allow starting afresh in a non-empty output_dir"}
    )
    export_dir: str | None = field(
        default=None, metadata={"help": "also write the best model as a shipped model folder here"}
    )
    max_minutes: float = field(
        default=0.0, metadata={"help": "stop (with a checkpoint) after this many minutes (0: no limit)"}
    )

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ConfigError(f"task must be one of {', '.join(TASKS)}, not {self.task!r}")
        if self.generated_pairs < 0:
            raise ConfigError(f"generated_pairs must be 0 or more, not {self.generated_pairs}")
        if not self.max_length:
            self.max_length = TASK_DEFAULTS[self.task]["max_length"]
        if not self.learning_rate:
            self.learning_rate = TASK_DEFAULTS[self.task]["learning_rate"]
        if self.max_length < 32:
            raise ConfigError("max_length must be at least 32")
        if self.task == "qa" and self.doc_stride >= self.max_length - self.max_query_length:
            raise ConfigError("doc_stride must be smaller than max_length - max_query_length")
        if self.graph_pairs < 0:
            raise ConfigError(f"graph_pairs must be 0 or more, not {self.graph_pairs}")
        if self.unrelated_pairs < 0:
            raise ConfigError(f"unrelated_pairs must be 0 or more, not {self.unrelated_pairs}")
        if self.batch_size < 1 or self.grad_accum < 1:
            raise ConfigError("batch_size and grad_accum must be positive")
        if not 0 <= self.warmup_ratio < 1:
            raise ConfigError("warmup_ratio must be in [0, 1)")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}")
        if self.lora_export not in LORA_EXPORTS:
            raise ConfigError(f"lora_export must be one of {', '.join(LORA_EXPORTS)}, not {self.lora_export!r}")
        if self.lora_export == "low-rank" and not self.lora:
            raise ConfigError("--lora-export low-rank writes LoRA factors: add --lora")
        if self.learning_rate < 0:
            raise ConfigError("learning_rate must be positive")
        if self.train_layers < 0:
            raise ConfigError(f"train_layers must be 0 (all) or more, not {self.train_layers}")
        if not 0 <= self.unanswerable_rate <= 1:
            raise ConfigError(f"unanswerable_rate must be in [0, 1], not {self.unanswerable_rate}")
        if not 0 <= self.dev_articles < 1:
            raise ConfigError(f"dev_articles must be in [0, 1), not {self.dev_articles}")
        if self.unanswerable_rate > 0 and not self.dev_articles:
            raise ConfigError(
                "--unanswerable-rate needs --dev-articles (e.g. 0.05): the null threshold is chosen on a dev split "
                "carved out of the training articles, never on the test set"
            )
        from kgqa.train.unanswerable import parse_kinds

        parse_kinds(self.unanswerable_kinds)  # validates --unanswerable-kinds
        self.repeat_factors()  # validates --repeat

    def repeat_factors(self) -> dict[str, int]:
        """``--repeat`` as ``{source: times}``."""
        out = {}
        for item in self.repeat:
            name, sep, times = item.partition("=")
            if not sep or not name or not times.isdigit() or int(times) < 1:
                raise ConfigError(
                    f"--repeat takes SOURCE=TIMES with TIMES a positive integer (e.g. rte=2), not {item!r}"
                )
            out[name] = int(times)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict."""
        return dataclasses.asdict(self)

    def save(self, path: str | Path) -> None:
        """Write the arguments as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def from_json(cls, path: str | Path, **overrides: Any) -> TrainArgs:
        """Read arguments from a JSON file, then apply ``overrides``."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"cannot read training arguments from {path}: {exc}") from exc
        legacy = data.pop("fp16", None)  # kgqa 0.1 wrote fp16: auto|yes|no
        if legacy is not None and "precision" not in data:
            data["precision"] = {"yes": "fp16", "no": "fp32"}.get(legacy, "auto")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{path}: unknown training arguments {unknown}")
        data.update(overrides)
        return cls(**data)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per :class:`TrainArgs` field (except ``task``) to ``parser``."""
    parser.add_argument("--config", help="JSON file of training arguments; flags override it")
    for f in dataclasses.fields(TrainArgs):
        if f.name == "task":
            continue
        flag = "--" + f.name.replace("_", "-")
        helptext = f.metadata.get("help", "")
        if f.type in ("bool", bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=helptext)
        elif f.name in ("train_files", "repeat", "unanswerable_kinds"):
            parser.add_argument(flag, nargs="+", default=None, help=helptext)
        else:
            typ = {"int": int, "float": float}.get(str(f.type), str)
            parser.add_argument(flag, type=typ, default=None, help=helptext)


def from_namespace(task: str, ns: argparse.Namespace) -> TrainArgs:
    """Build :class:`TrainArgs` for ``task`` from parsed flags (and ``--config``)."""
    overrides = {
        f.name: getattr(ns, f.name)
        for f in dataclasses.fields(TrainArgs)
        if f.name != "task" and getattr(ns, f.name, None) is not None
    }
    overrides["task"] = task
    if "output_dir" not in overrides and not getattr(ns, "config", None):
        overrides["output_dir"] = f"runs/{task}"
    if getattr(ns, "config", None):
        return TrainArgs.from_json(ns.config, **overrides)
    return TrainArgs(**overrides)
