"""Per-task metrics over the rows whose label is known."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from banglahate_gui.model.schema import IGNORE_INDEX, TASKS, Task


def task_scores(labels: dict[str, np.ndarray], proba: dict[str, np.ndarray], tasks: tuple[Task, ...] = TASKS,
                predicted: dict[str, np.ndarray] | None = None) -> dict[str, dict[str, float]]:
    """Weighted F1, macro F1 and accuracy per task, skipping masked labels.

    The predicted label is `predicted[task]` when given (e.g. with decision offsets), else the argmax.
    """
    out = {}
    for t in tasks:
        y = np.asarray(labels[t.name])
        known = y != IGNORE_INDEX
        pred = (np.asarray(predicted[t.name]) if predicted is not None else proba[t.name].argmax(axis=1))[known]
        y = y[known]
        ids = list(range(t.num_labels))
        out[t.name] = {
            "weighted_f1": float(f1_score(y, pred, average="weighted", labels=ids, zero_division=0)),
            "macro_f1": float(f1_score(y, pred, average="macro", labels=sorted(set(y) | set(pred)), zero_division=0)),
            "accuracy": float(accuracy_score(y, pred)),
            "support": int(known.sum()),
        }
    return out


def mean_weighted_f1(scores: dict[str, dict[str, float]]) -> float:
    return float(np.mean([s["weighted_f1"] for s in scores.values()]))
