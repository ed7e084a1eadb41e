"""Tokenized examples and padded batches for training."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from banglahate_gui.model.fused import pad_ids


@dataclass
class Encoded:
    """Token ids per text (no padding) and, for labelled data, one label array per task."""

    ids: list[list[int]]
    labels: dict[str, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.ids)


def encode(tokenizer, texts: list[str], max_length: int, labels: dict[str, np.ndarray] | None = None) -> Encoded:
    ids = tokenizer(list(texts), truncation=True, max_length=max_length, add_special_tokens=True)["input_ids"]
    return Encoded(ids, labels)


def pad(ids: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`model.fused.pad_ids` as torch tensors."""
    input_ids, mask = pad_ids(ids, pad_id)
    return torch.from_numpy(input_ids), torch.from_numpy(mask)


def iterate(data: Encoded, batch_size: int, pad_id: int, rng: np.random.Generator | None = None):
    """Yield (input_ids, attention_mask, labels) batches; shuffled when `rng` is given, else in order."""
    order = rng.permutation(len(data)) if rng is not None else np.arange(len(data))
    for start in range(0, len(data), batch_size):
        idx = order[start:start + batch_size]
        input_ids, mask = pad([data.ids[i] for i in idx], pad_id)
        labels = None
        if data.labels is not None:
            labels = {t: torch.as_tensor(v[idx], dtype=torch.long) for t, v in data.labels.items()}
        yield input_ids, mask, labels
