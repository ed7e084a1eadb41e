"""Per-task metrics over the rows whose label is known."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from banglahate_gui.model.schema import IGNORE_INDEX, TASKS, Task


def task_scores(labels: dict[str, np.ndarray], proba: dict[str, np.ndarray], tasks: tuple[Task, ...] = TASKS,
                predicted: dict[str, np.ndarray] | None = None) -> dict[str, dict[str, float]]:
    """Weighted F1, macro F1 and accuracy per task, skipping masked labels.

    The predicted label is `predicted[task]` when given (e.g. with decision offsets), else the argmax (softmax
    tasks) or p ≥ 0.5 per label (sigmoid tasks, scored by `multilabel_scores`).
    """
    out = {}
    for t in tasks:
        if t.kind == "sigmoid":
            pred = np.asarray(predicted[t.name]) if predicted is not None else (proba[t.name] >= 0.5).astype(np.int64)
            out[t.name] = multilabel_scores(np.asarray(labels[t.name]), pred, t)
            continue
        y = np.asarray(labels[t.name])
        known = y != IGNORE_INDEX
        if not known.any():
            out[t.name] = {"weighted_f1": 0.0, "macro_f1": 0.0, "accuracy": 0.0, "support": 0}
            continue
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


def multilabel_scores(y: np.ndarray, pred: np.ndarray, task: Task) -> dict:
    """A multi-label task, each label scored on the rows that label is known for: per-label F1, their macro
    and support-weighted means, micro F1 over every known (row, label) and per-entry accuracy."""
    per_label, tp_all, fp_all, fn_all, correct, entries = {}, 0, 0, 0, 0, 0
    for j, label in enumerate(task.labels):
        known = y[:, j] != IGNORE_INDEX
        yj, pj = y[known, j], pred[known, j]
        tp, fp, fn = int(((yj == 1) & (pj == 1)).sum()), int(((yj == 0) & (pj == 1)).sum()), int(((yj == 1) & (pj == 0)).sum())
        per_label[label] = {"f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0, "support": int((yj == 1).sum()),
                            "rows": int(known.sum())}
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        correct, entries = correct + int((yj == pj).sum()), entries + int(known.sum())
    scored = {k: v for k, v in per_label.items() if v["rows"]}
    positives = sum(v["support"] for v in scored.values())
    macro = float(np.mean([v["f1"] for v in scored.values()])) if scored else 0.0
    return {
        "weighted_f1": float(sum(v["f1"] * v["support"] for v in scored.values()) / positives) if positives else 0.0,
        "macro_f1": macro,
        "micro_f1": 2 * tp_all / (2 * tp_all + fp_all + fn_all) if tp_all + fp_all + fn_all else 0.0,
        "accuracy": correct / entries if entries else 0.0,
        "support": int((y != IGNORE_INDEX).any(axis=1).sum()),
        "per_label": per_label,
    }


def headline(metrics: dict[str, float], task: Task) -> float:
    """A task's one number: weighted F1 (softmax) or macro F1 over its labels (sigmoid)."""
    return metrics["macro_f1" if task.kind == "sigmoid" else "weighted_f1"]


def selection_score(scores: dict[str, dict[str, float]], tasks: tuple[Task, ...]) -> float:
    """One number to pick checkpoints by: the mean `headline` over the tasks with known labels."""
    scored = [headline(scores[t.name], t) for t in tasks if scores[t.name]["support"]]
    return float(np.mean(scored)) if scored else 0.0
