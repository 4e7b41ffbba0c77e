"""kgqa.reader.batching.collate: padding tokenised features into a batch."""

from __future__ import annotations

import torch

from kgqa.reader.batching import collate


def test_pads_to_the_longest_and_masks_the_padding() -> None:
    batch = collate(
        [{"input_ids": [5, 6, 7], "token_type_ids": [0, 0, 1]}, {"input_ids": [8], "token_type_ids": [0]}], pad_id=1
    )
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 1, 1]]
    assert batch["token_type_ids"].tolist() == [[0, 0, 1], [0, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert all(t.dtype == torch.long for t in batch.values())


def test_stacks_labels_and_keeps_host_fields_out() -> None:
    feats = [
        {"input_ids": [5, 6], "token_type_ids": [0, 0], "label": 2, "offsets": [(0, 1), (1, 2)], "example_id": "a"},
        {"input_ids": [7], "token_type_ids": [0], "label": 0, "offsets": [(0, 3)], "example_id": "b"},
    ]
    batch = collate(feats)
    assert batch["label"].tolist() == [2, 0]
    assert set(batch) == {"input_ids", "token_type_ids", "attention_mask", "label"}
