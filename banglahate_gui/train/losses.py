"""The BanglaHateNet loss: Σ_task weight·L_task (1.5·L_binary + L_type + L_target + L_severity + …), class-weighted
and masked: cross-entropy for softmax tasks, per-label binary cross-entropy for sigmoid (multi-label) tasks."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from banglahate_gui.model.schema import IGNORE_INDEX, TASKS, Task

MAX_POS_WEIGHT = 10.0
"""Cap of a sigmoid label's positive weight (negatives / positives), so a rare label cannot dominate."""


def inverse_frequency_weights(labels: np.ndarray, task: Task) -> torch.Tensor:
    """Softmax task: n / (k · count_c) over the known labels; classes never seen get weight 0 (they can't be
    targets). Sigmoid task: each label's positive weight, negatives / positives capped at `MAX_POS_WEIGHT`."""
    if task.kind == "sigmoid":
        known = labels != IGNORE_INDEX
        pos, neg = ((labels == 1) & known).sum(axis=0), ((labels == 0) & known).sum(axis=0)
        return torch.tensor(np.clip(neg / np.maximum(pos, 1), 1.0, MAX_POS_WEIGHT), dtype=torch.float32)
    known = labels[labels != IGNORE_INDEX]
    counts = np.bincount(known, minlength=task.num_labels).astype(np.float64)
    present = counts > 0
    weights = np.zeros(task.num_labels)
    weights[present] = len(known) / (present.sum() * counts[present])
    return torch.tensor(weights, dtype=torch.float32)


def mask_conditional(labels: dict[str, np.ndarray], tasks: tuple[Task, ...] = TASKS) -> dict[str, np.ndarray]:
    """Labels of a conditional task become IGNORE where its condition does not hold (e.g. type when not hate)."""
    out = dict(labels)
    for t in tasks:
        if t.condition is None or t.name not in labels:
            continue
        parent = next(p for p in tasks if p.name == t.condition.task)
        off = labels[parent.name] != parent.index(t.condition.label)
        masked = labels[t.name].copy()
        masked[off] = IGNORE_INDEX
        out[t.name] = masked
    return out


class MultiTaskLoss(nn.Module):
    def __init__(self, class_weights: dict[str, torch.Tensor], tasks: tuple[Task, ...] = TASKS):
        super().__init__()
        self.tasks = tasks
        self.losses = nn.ModuleDict({
            f"{t.name}_loss": nn.CrossEntropyLoss(weight=class_weights[t.name], ignore_index=IGNORE_INDEX)
            for t in tasks if t.kind == "softmax"
        })
        for t in tasks:
            if t.kind == "sigmoid":
                self.register_buffer(f"{t.name}_pos_weight", class_weights[t.name])

    def forward(self, logits: dict[str, torch.Tensor], labels: dict[str, torch.Tensor]) -> torch.Tensor:
        total = logits[self.tasks[0].name].new_zeros(())
        for t in self.tasks:
            target = labels[t.name]
            known = target != IGNORE_INDEX
            if not known.any():  # an all-masked batch would give NaN
                continue
            if t.kind == "sigmoid":
                per_entry = nn.functional.binary_cross_entropy_with_logits(
                    logits[t.name].float(), target.clamp(min=0).float(),
                    pos_weight=getattr(self, f"{t.name}_pos_weight"), reduction="none")
                total = total + t.loss_weight * per_entry[known].mean()
            else:
                total = total + t.loss_weight * self.losses[f"{t.name}_loss"](logits[t.name].float(), target)
        return total
