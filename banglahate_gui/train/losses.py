"""The BanglaHateNet loss: 1.5·L_binary + L_type + L_target + L_severity, class-weighted and masked."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from banglahate_gui.model.schema import AUXILIARY_TASKS, IGNORE_INDEX, TASKS, Task


def inverse_frequency_weights(labels: np.ndarray, task: Task) -> torch.Tensor:
    """n / (k · count_c) over the known labels; classes never seen get weight 0 (they can't be targets)."""
    known = labels[labels != IGNORE_INDEX]
    counts = np.bincount(known, minlength=task.num_labels).astype(np.float64)
    present = counts > 0
    weights = np.zeros(task.num_labels)
    weights[present] = len(known) / (present.sum() * counts[present])
    return torch.tensor(weights, dtype=torch.float32)


def mask_auxiliary(labels: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Auxiliary labels of non-hate samples become IGNORE: those tasks are conditional on hate."""
    not_hate = labels["binary"] != 1
    out = dict(labels)
    for task in AUXILIARY_TASKS:
        masked = labels[task].copy()
        masked[not_hate] = IGNORE_INDEX
        out[task] = masked
    return out


class MultiTaskLoss(nn.Module):
    def __init__(self, class_weights: dict[str, torch.Tensor], tasks: tuple[Task, ...] = TASKS):
        super().__init__()
        self.tasks = tasks
        self.losses = nn.ModuleDict({
            f"{t.name}_loss": nn.CrossEntropyLoss(weight=class_weights[t.name], ignore_index=IGNORE_INDEX)
            for t in tasks
        })

    def forward(self, logits: dict[str, torch.Tensor], labels: dict[str, torch.Tensor]) -> torch.Tensor:
        total = logits["binary"].new_zeros(())
        for t in self.tasks:
            target = labels[t.name]
            if (target != IGNORE_INDEX).any():  # an all-masked batch would give NaN
                total = total + t.loss_weight * self.losses[f"{t.name}_loss"](logits[t.name].float(), target)
        return total
