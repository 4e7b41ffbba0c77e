"""Weight averaging of fine-tuned model folders (``kgqa train average``).

Averaging the weights of checkpoints from one fine-tuning trajectory (the "model soup" of
Wortsman et al., 2022; stochastic/latest weight averaging) often lands in a flatter part of
the loss surface than any single checkpoint and costs no inference time. The folders must
share the architecture, the task, the vocabulary and the word embeddings taken from the base
package; the result is an ordinary kgqa model folder that records where it came from.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from kgqa.errors import ConfigError, ModelNotFoundError
from kgqa.reader.modelio import META_FILE, TOKENIZER_FILES, WEIGHTS_FILE, check_model_folder, read_meta

logger = logging.getLogger(__name__)

#: config keys that may differ between folders of the same architecture
_CONFIG_VOLATILE = {"_name_or_path", "transformers_version", "torch_dtype", "dtype", "architectures"}
#: files of a training run that describe one member, copied from the last one
_RUN_FILES = ("training_args.json", "training_log.jsonl")


def _config(path: Path) -> dict[str, Any]:
    try:
        cfg = json.loads((path / "config.json").read_text())
    except json.JSONDecodeError as exc:
        raise ModelNotFoundError(f"{path / 'config.json'} is not valid JSON ({exc}); restore the model folder") from exc
    return {k: v for k, v in cfg.items() if k not in _CONFIG_VOLATILE}


def _weights(path: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(str(path / WEIGHTS_FILE))
    except Exception as exc:  # safetensors raises its own error types
        raise ModelNotFoundError(f"{path / WEIGHTS_FILE} is corrupt ({exc}); restore the model folder") from exc


def _normalised(weights: Sequence[float] | None, n: int) -> list[float]:
    if weights is None or len(weights) == 0:
        return [1.0 / n] * n
    if len(weights) != n:
        raise ConfigError(f"--weights has {len(weights)} values for {n} model folders; give one weight per folder")
    if any(not (w > 0) for w in weights):
        raise ConfigError(f"--weights must all be positive, got {list(weights)}")
    total = float(sum(weights))
    return [w / total for w in weights]


def average_models(
    model_dirs: Sequence[str | Path],
    out_dir: str | Path,
    weights: Sequence[float] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the (weighted) average of the weights of ``model_dirs`` as a model folder at ``out_dir``.

    Args:
        model_dirs: two or more kgqa model folders of one task and architecture, for example the
            exports of successive stages or checkpoints of one training run.
        out_dir: the folder to write; it must not exist unless ``overwrite``.
        weights: one positive weight per folder (normalised to sum to 1); uniform when omitted.
        overwrite: replace an existing ``out_dir``.

    Returns:
        ``out_dir``. Its ``kgqa_model.json`` lists the members and their weights under
        ``averaged_from``; the config, tokenizer and training files are those of the last member.

    Raises:
        ConfigError: fewer than two folders, bad weights, folders that do not match, or an
            existing ``out_dir`` without ``overwrite``.
        ModelNotFoundError: a folder is missing, incomplete or corrupt.
    """
    paths = [check_model_folder(p) for p in model_dirs]
    if len(paths) < 2:
        raise ConfigError("averaging needs at least two model folders")
    resolved = [p.resolve() for p in paths]
    if len(set(resolved)) != len(resolved):
        raise ConfigError("the same model folder is given twice; pass --weights to weight a member more")
    out = Path(out_dir)
    if out.resolve() in resolved:
        raise ConfigError(f"--out {out} is one of the folders being averaged; write the average to a new folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ConfigError(f"output folder {out} is not empty; choose another --out or pass --overwrite")
    share = _normalised(weights, len(paths))

    metas = [read_meta(p) for p in paths]
    first_cfg = _config(paths[0])
    for p, m in zip(paths[1:], metas[1:], strict=True):
        if m.get("task") != metas[0].get("task"):
            raise ConfigError(
                f"{p} is a {m.get('task', 'plain')} model and {paths[0]} a {metas[0].get('task', 'plain')} model; "
                "average folders of one task"
            )
        if _config(p) != first_cfg:
            diff = sorted(k for k in set(first_cfg) | set(_config(p)) if first_cfg.get(k) != _config(p).get(k))
            raise ConfigError(
                f"{p} and {paths[0]} have different configs ({', '.join(diff)}); average one architecture"
            )
        if m.get("shared_from_base", {}) != metas[0].get("shared_from_base", {}):
            raise ConfigError(
                f"{p} and {paths[0]} take different tensors from the base package; they cannot be averaged"
            )

    total: dict[str, torch.Tensor] = {}
    dtypes: dict[str, torch.dtype] = {}
    for p, w in zip(paths, share, strict=True):
        state = _weights(p)
        if total and set(state) != set(total):
            only = sorted(set(state) ^ set(total))[:3]
            raise ConfigError(f"{p} holds different tensors than the folders before it ({', '.join(only)}, ...)")
        for name, t in state.items():
            if name in total and total[name].shape != t.shape:
                raise ConfigError(
                    f"tensor {name} has shape {tuple(t.shape)} in {p} but {tuple(total[name].shape)} before"
                )
            if not t.is_floating_point():
                if name in total and not torch.equal(total[name], t):
                    raise ConfigError(f"integer tensor {name} differs between the folders; they cannot be averaged")
                total[name] = t
                continue
            dtypes.setdefault(name, t.dtype)
            acc = t.to(torch.float64) * w
            total[name] = acc if name not in total else total[name] + acc
    state = {k: (v.to(dtypes[k]) if k in dtypes else v).contiguous() for k, v in total.items()}

    if out.exists() and overwrite:
        shutil.rmtree(out)
    out.mkdir(parents=True)
    last = paths[-1]
    for name in ("config.json", *TOKENIZER_FILES, *_RUN_FILES):
        if (last / name).is_file():
            shutil.copyfile(last / name, out / name)
    save_file(state, str(out / WEIGHTS_FILE), metadata={"format": "pt"})
    meta = dict(metas[-1])
    members = []
    for p, w, m in zip(model_dirs, share, metas, strict=True):
        best = m.get("best", {})
        members.append({"model": str(p), "weight": round(w, 6), "step": best.get("step"), "dev": best.get("dev")})
    meta.update(
        {
            "averaged_from": members,
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
    )
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    logger.info("averaged %d model folders into %s (weights %s)", len(paths), out, share)
    return out
