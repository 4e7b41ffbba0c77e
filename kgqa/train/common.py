"""What both recipes share: building the model, LoRA, the output folder and export."""

from __future__ import annotations

import json
import logging
import platform
import time
from pathlib import Path
from typing import Any

import torch

from kgqa.errors import ConfigError
from kgqa.paths import base_model_dir
from kgqa.reader.modelio import load_model_folder, save_model_folder
from kgqa.train.args import TrainArgs

logger = logging.getLogger(__name__)


def prepare_output_dir(args: TrainArgs) -> Path:
    """Create ``output_dir``; refuse a non-empty one unless resuming or overwriting."""
    out = Path(args.output_dir)
    if out.exists() and any(out.iterdir()) and not (args.resume or args.overwrite_output_dir):
        raise ConfigError(
            f"output folder {out} is not empty; pass --resume to continue it or --overwrite-output-dir to start afresh"
        )
    if args.overwrite_output_dir and not args.resume and (out / "metrics.jsonl").exists():
        (out / "metrics.jsonl").unlink()
    out.mkdir(parents=True, exist_ok=True)
    args.save(out / "training_args.json")
    return out


def build_model(args: TrainArgs, head: str, num_labels: int = 3) -> tuple[torch.nn.Module, Any]:
    """The model to fine-tune: the base encoder with a fresh head, or ``init_model``."""
    from transformers import (
        AutoConfig,
        AutoModelForQuestionAnswering,
        AutoModelForSequenceClassification,
        AutoTokenizer,
    )

    if args.init_model:
        from kgqa.train.data import NLI_LABELS

        model, tok = load_model_folder(
            args.init_model, head=head, allow_new_head=True, labels=NLI_LABELS if head == "nli" else None
        )
    else:
        base = base_model_dir()
        tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
        if head == "qa":
            config = AutoConfig.from_pretrained(base, local_files_only=True)
            model = AutoModelForQuestionAnswering.from_pretrained(base, config=config, local_files_only=True)
        else:
            from kgqa.train.data import NLI_LABELS

            config = AutoConfig.from_pretrained(
                base,
                num_labels=num_labels,
                id2label=dict(enumerate(NLI_LABELS)),
                label2id={lab: i for i, lab in enumerate(NLI_LABELS)},
                local_files_only=True,
            )
            model = AutoModelForSequenceClassification.from_pretrained(base, config=config, local_files_only=True)
    if args.freeze_word_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    if args.lora:
        model = with_lora(model, args, "qa_outputs" if head == "qa" else "classifier")
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    n_all = sum(p.numel() for p in model.parameters())
    logger.info("trainable parameters: %d of %d", n_train, n_all)
    return model, tok


def with_lora(model: torch.nn.Module, args: TrainArgs, head_module: str) -> torch.nn.Module:
    """``model`` wrapped by peft with LoRA adapters on ``args.lora_targets`` (the head trained whole)."""
    from kgqa.extras import require

    peft = require("peft", "train", "--lora")
    targets = [t.strip() for t in args.lora_targets.split(",") if t.strip()]
    if not targets:
        raise ConfigError(f"--lora-targets names no module: {args.lora_targets!r}; e.g. query,value")
    cfg = peft.LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=0.1,
        target_modules=targets,
        modules_to_save=[head_module],
    )
    return peft.get_peft_model(model, cfg)


def plain_model(model: torch.nn.Module) -> torch.nn.Module:
    """The transformers model behind a peft wrapper, adapters merged (a copy for peft models)."""
    if hasattr(model, "merge_and_unload"):
        import copy

        return copy.deepcopy(model).merge_and_unload()
    return model


def hardware() -> dict[str, Any]:
    """A short description of where training ran."""
    info: dict[str, Any] = {"platform": platform.platform(), "torch_threads": torch.get_num_threads()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    else:
        info["cpu"] = platform.processor() or platform.machine()
    return info


def export_best(args: TrainArgs, model: torch.nn.Module, tokenizer: Any, task: str, info: dict[str, Any]) -> None:
    """Write the current model as ``output_dir/best`` (and ``export_dir``) in shipped form."""
    targets = [Path(args.output_dir) / "best", *([Path(args.export_dir)] if args.export_dir else [])]
    write_model(args, model, tokenizer, task, info, targets)


def write_model(
    args: TrainArgs, model: torch.nn.Module, tokenizer: Any, task: str, info: dict[str, Any], targets: list[Path]
) -> None:
    """Write ``model`` to each of ``targets`` as a shipped model folder (fp16 safetensors, args, log, metadata)."""
    plain = plain_model(model)
    was_training = plain.training
    meta = {
        "training_args": args.to_dict(),
        "best": info,
        "hardware": hardware(),
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "method": "lora-merged" if args.lora else "full",
    }
    low_rank = args.lora and args.lora_export == "low-rank"
    if low_rank:
        meta["method"] = "lora-low-rank"
    for target in targets:
        if low_rank:
            from kgqa.train.low_rank_export import save_low_rank_folder

            head_prefix = "qa_outputs." if task == "qa" else "classifier."
            save_low_rank_folder(model, plain, target, task, head_prefix, extra_meta=meta)
        else:
            save_model_folder(plain, tokenizer, target, task=task, dtype="float16", extra_meta=meta)
        (target / "training_args.json").write_text(json.dumps(args.to_dict(), indent=2) + "\n")
        log = Path(args.output_dir) / "metrics.jsonl"
        if log.is_file() and target != Path(args.output_dir) / "best":
            (target / "training_log.jsonl").write_text(log.read_text())
    if was_training:
        plain.train()
    model.train()


def export_checkpoint(run_dir: str | Path, target: str | Path) -> Path:
    """Write the resumable checkpoint of a training run (its latest state) as a model folder at ``target``.

    The best-dev model is already in ``run_dir/best``; this exports the weights where the
    run stopped, for example the end of the schedule of a run that selected an earlier step.
    """
    run_dir, target = Path(run_dir), Path(target)
    ckpt = run_dir / "checkpoint"
    if not (ckpt / "trainer_state.json").is_file():
        raise ConfigError(f"no checkpoint in {ckpt}: pass the output folder of a `kgqa train` run")
    from safetensors.torch import load_file

    args = TrainArgs.from_json(ckpt / "training_args.json", output_dir=str(run_dir))
    state = json.loads((ckpt / "trainer_state.json").read_text())["state"]
    model, tok = build_model(args, head="qa" if args.task == "qa" else "nli")
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, tensor in load_file(str(ckpt / "trainable.safetensors")).items():
            params[name].copy_(tensor)
    dev = {}
    log = run_dir / "metrics.jsonl"
    if log.is_file():
        for line in log.read_text().splitlines():
            rec = json.loads(line)
            if rec.get("step") == state["step"] and "eval" in rec:
                dev = rec["eval"]
    info: dict[str, Any] = {}
    best_meta = run_dir / "best" / "kgqa_model.json"
    if best_meta.is_file():  # what the run recorded about its data (training pairs, sources, dev size)
        info = {k: v for k, v in json.loads(best_meta.read_text()).get("best", {}).items() if k not in ("step", "dev")}
    info.update({"step": state["step"], "dev": dev, "selected": "checkpoint"})
    write_model(args, model, tok, args.task, info, [target])
    logger.info("exported the checkpoint of %s (step %d) to %s", run_dir, state["step"], target)
    return target
