"""Probabilities from raw head logits, following the task schema (numpy; no torch needed).

A softmax task without a condition is a plain softmax. A task with a condition (`type` applies when
`binary == hate`) is trained on the rows where the condition holds (its loss is masked elsewhere), so its
first class ("not_hate"/"none") is never a training target: the head's distribution over the remaining
classes is read as P(class | condition) and composed as P(class) = P(condition)·P(class | condition),
P(first class) = 1 − P(condition). A sigmoid task gives independent per-label probabilities (times
P(condition) when it has one).
"""

from __future__ import annotations

import numpy as np

from banglahate_gui.model.schema import TASKS, Task


def softmax(x: np.ndarray) -> np.ndarray:
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def compose(logits: dict[str, np.ndarray], tasks: tuple[Task, ...] = TASKS) -> dict[str, np.ndarray]:
    """Per-task probabilities (float32) for the tasks present in `logits`, composed with their conditions."""
    logits = {k: np.asarray(v, dtype=np.float32) for k, v in logits.items()}
    tasks = tuple(t for t in tasks if t.name in logits)
    out: dict[str, np.ndarray] = {}
    for t in tasks:
        if t.condition is None:
            out[t.name] = softmax(logits[t.name]) if t.kind == "softmax" else 1.0 / (1.0 + np.exp(-logits[t.name]))
    for t in tasks:
        if t.condition is None:
            continue
        parent = next(p for p in tasks if p.name == t.condition.task)
        p_cond = out[parent.name][:, parent.index(t.condition.label)][:, None]
        if t.kind == "softmax":
            out[t.name] = np.concatenate([1.0 - p_cond, p_cond * softmax(logits[t.name][:, 1:])], axis=1)
        else:
            out[t.name] = p_cond / (1.0 + np.exp(-logits[t.name]))
    return {t.name: out[t.name].astype(np.float32) for t in tasks}


def compose_conditional(logits: dict, tasks: tuple[Task, ...] = TASKS) -> dict:
    """`compose` for torch logits; returns torch tensors on the CPU."""
    import torch

    return {k: torch.from_numpy(v) for k, v in
            compose({k: v.detach().float().cpu().numpy() for k, v in logits.items()}, tasks).items()}
