"""Batching tokenised features into padded tensors, for inference (the reader, the NLI model) and training."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

#: one tokenised example: ``input_ids`` and ``token_type_ids`` (lists of ints) plus per-example fields
Feature = dict[str, Any]
#: fields of a feature that stay on the Python side (offsets into the text, bookkeeping)
HOST_FIELDS = ("offsets", "example_id", "length")


def collate(features: Sequence[Feature], pad_id: int = 0) -> dict[str, torch.Tensor]:
    """Pad ``input_ids``/``token_type_ids`` to the longest in the batch; stack the other fields.

    Args:
        features: the batch, at least one feature.
        pad_id: the tokenizer's padding id.

    Returns:
        ``input_ids``, ``token_type_ids`` and ``attention_mask`` as ``[batch, longest]`` long
        tensors, and every other field (labels, start/end positions) stacked, except
        :data:`HOST_FIELDS`.

    Example:
        >>> batch = collate([{"input_ids": [5, 6, 7], "token_type_ids": [0, 0, 1]}, {"input_ids": [8], "token_type_ids": [0]}])
        >>> batch["attention_mask"].tolist()
        [[1, 1, 1], [1, 0, 0]]
    """
    longest = max(len(f["input_ids"]) for f in features)
    ids = torch.full((len(features), longest), pad_id, dtype=torch.long)
    types = torch.zeros((len(features), longest), dtype=torch.long)
    mask = torch.zeros((len(features), longest), dtype=torch.long)
    for i, f in enumerate(features):
        n = len(f["input_ids"])
        ids[i, :n] = torch.tensor(f["input_ids"])
        types[i, :n] = torch.tensor(f["token_type_ids"])
        mask[i, :n] = 1
    batch = {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}
    for key in features[0]:
        if key in batch or key in HOST_FIELDS:
            continue
        batch[key] = torch.tensor([f[key] for f in features])
    return batch
