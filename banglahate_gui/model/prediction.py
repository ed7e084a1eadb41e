"""Result dataclasses of the classifier."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from banglahate_gui.model.schema import TASKS, Task


@dataclass(frozen=True)
class TaskPrediction:
    label: str
    probabilities: dict[str, float]

    @property
    def confidence(self) -> float:
        return self.probabilities[self.label]


@dataclass(frozen=True)
class Prediction:
    """The four-task prediction for one (normalized) text."""

    text: str
    tasks: dict[str, TaskPrediction]

    @property
    def hate_probability(self) -> float:
        return self.tasks["binary"].probabilities["hate"]

    @property
    def is_hate(self) -> bool:
        return self.tasks["binary"].label == "hate"

    def to_dict(self) -> dict:
        return {"text": self.text, "hate_probability": self.hate_probability, "tasks": {k: asdict(v) for k, v in self.tasks.items()}}


def predictions_from_proba(
    texts: list[str], proba: dict[str, np.ndarray], tasks: tuple[Task, ...] = TASKS
) -> list[Prediction]:
    """Turn per-task probability matrices into one `Prediction` per text."""
    out = []
    for i, text in enumerate(texts):
        per_task = {}
        for t in tasks:
            row = proba[t.name][i]
            per_task[t.name] = TaskPrediction(
                label=t.labels[int(np.argmax(row))],
                probabilities={label: round(float(p), 6) for label, p in zip(t.labels, row)},
            )
        out.append(Prediction(text, per_task))
    return out
