"""Result dataclasses of the classifier."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from banglahate_gui.model.calibration import decide
from banglahate_gui.model.schema import TASKS, Task

INSUFFICIENT_TEXT = "insufficient_text"
"""The label of every task for a text with nothing to judge (see `model.sufficiency`)."""


@dataclass(frozen=True)
class TaskPrediction:
    label: str
    probabilities: dict[str, float] | None
    """None when the text was not judged (`insufficient_text`)."""

    @property
    def confidence(self) -> float | None:
        if self.probabilities is None:
            return None
        return self.probabilities.get(self.label, max(self.probabilities.values()))

    def to_dict(self) -> dict:
        return {"label": self.label, "probabilities": None if self.probabilities is None else dict(self.probabilities)}


@dataclass(frozen=True)
class Prediction:
    """The per-task prediction for one (normalized) text."""

    text: str
    tasks: dict[str, TaskPrediction]
    insufficient_text: bool = False

    @property
    def hate_probability(self) -> float | None:
        """P(hate); None for `insufficient_text` (sort such items as lowest risk)."""
        probabilities = self.tasks["binary"].probabilities
        return None if probabilities is None else probabilities["hate"]

    @property
    def is_hate(self) -> bool:
        return self.tasks["binary"].label == "hate"

    def to_dict(self) -> dict:
        return {"text": self.text, "insufficient_text": self.insufficient_text,
                "hate_probability": self.hate_probability,
                "tasks": {k: v.to_dict() for k, v in self.tasks.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> Prediction:
        """The inverse of `to_dict` (reads dicts written before `insufficient_text` existed too)."""
        tasks = {name: TaskPrediction(str(v["label"]), None if v.get("probabilities") is None else
                                      {str(k): float(p) for k, p in v["probabilities"].items()})
                 for name, v in d["tasks"].items()}
        return cls(str(d["text"]), tasks, bool(d.get("insufficient_text", False)))


def insufficient_prediction(text: str, tasks: tuple[Task, ...] = TASKS) -> Prediction:
    """The prediction for a text with nothing to judge: every task `insufficient_text`, no probabilities."""
    return Prediction(text, {t.name: TaskPrediction(INSUFFICIENT_TEXT, None) for t in tasks}, insufficient_text=True)


def predictions_from_proba(
    texts: list[str], proba: dict[str, np.ndarray], tasks: tuple[Task, ...] = TASKS,
    offsets: dict[str, list[float]] | None = None,
) -> list[Prediction]:
    """Turn per-task probability matrices into one `Prediction` per text.

    The label is argmax(log p + offsets) for softmax tasks (`offsets`: the bundle's decision offsets,
    none = plain argmax); for sigmoid tasks, the labels passing their threshold joined with "+" ("none" if none).
    """
    decided = {t.name: decide(proba[t.name], (offsets or {}).get(t.name), t.kind) for t in tasks}
    out = []
    for i, text in enumerate(texts):
        per_task = {}
        for t in tasks:
            row = proba[t.name][i]
            if t.kind == "sigmoid":
                label = "+".join(lab for lab, on in zip(t.labels, decided[t.name][i]) if on) or "none"
            else:
                label = t.labels[int(decided[t.name][i])]
            per_task[t.name] = TaskPrediction(
                label=label, probabilities={lab: round(float(p), 6) for lab, p in zip(t.labels, row)})
        out.append(Prediction(text, per_task))
    return out
