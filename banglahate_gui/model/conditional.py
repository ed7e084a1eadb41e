"""Auxiliary tasks are conditional on hate: compose P(class) = P(hate)·P(class | hate), P(none) = P(not_hate).

The heads for type, target and severity are trained on hateful samples only (their loss is masked for
non-hate samples), so their first class ("not_hate"/"none") is never a training target. At inference the
head's distribution over the remaining classes is read as P(class | hate) and combined with the binary head.
"""

from __future__ import annotations

import torch

from banglahate_gui.model.schema import AUXILIARY_TASKS


def compose_conditional(logits: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Per-task probabilities from raw head logits (binary softmax; auxiliary tasks composed with it)."""
    p_binary = torch.softmax(logits["binary"].float(), dim=-1)
    p_hate = p_binary[:, 1:2]
    out = {"binary": p_binary}
    for task, task_logits in logits.items():
        if task in AUXILIARY_TASKS:
            given_hate = torch.softmax(task_logits[:, 1:].float(), dim=-1)
            out[task] = torch.cat([1.0 - p_hate, p_hate * given_hate], dim=-1)
    return out
