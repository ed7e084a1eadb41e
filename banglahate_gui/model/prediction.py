"""Result dataclasses of the classifier."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from banglahate_gui.model.calibration import decide
from banglahate_gui.model.schema import TASKS, Task

INSUFFICIENT_TEXT = "insufficient_text"
"""The label of every task for a text with nothing to judge (see `model.sufficiency`)."""
NO_LABEL = "none"
"""The label of a multi-label (sigmoid) task when no label passes its threshold."""
LABEL_JOIN = "+"
"""Joins the passing labels of a multi-label task into its label (e.g. `vulgar+insult`)."""
DEFAULT_LABEL_THRESHOLD = 0.5
"""A multi-label task's label passes when its probability reaches this (unless a threshold is given)."""
LabelThresholds = Mapping[str, Mapping[str, float]]
"""task → label → threshold for multi-label (sigmoid) tasks: the decision input a moderator sets."""


def joined_label(labels) -> str:
    """The label of a multi-label task for its passing `labels` (`none` when there are none)."""
    return LABEL_JOIN.join(labels) or NO_LABEL


def split_label(label: str) -> tuple[str, ...]:
    """The passing labels of a multi-label task's joined label (the inverse of `joined_label`)."""
    return () if label in (NO_LABEL, INSUFFICIENT_TEXT, "") else tuple(label.split(LABEL_JOIN))


@dataclass(frozen=True)
class TaskPrediction:
    label: str
    """softmax: the chosen label; sigmoid: the passing labels joined with "+" (`none` when none pass)."""
    probabilities: dict[str, float] | None
    """None when the text was not judged (`insufficient_text`); independent per label for sigmoid tasks."""
    kind: str = "softmax"
    """The task's kind in the bundle schema: `softmax` (one label) or `sigmoid` (multi-label)."""

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels this prediction carries: the passing ones of a multi-label task, else the one label."""
        return split_label(self.label) if self.kind == "sigmoid" else (self.label,)

    @property
    def confidence(self) -> float | None:
        if self.probabilities is None:
            return None
        return self.probabilities.get(self.label, max(self.probabilities.values()))

    def with_thresholds(self, thresholds: Mapping[str, float] | None) -> TaskPrediction:
        """A multi-label prediction decided again with per-label `thresholds` (p ≥ threshold passes);
        labels without a threshold keep their decision. Softmax and unjudged predictions are returned as is."""
        if self.kind != "sigmoid" or self.probabilities is None or not thresholds:
            return self
        kept = set(self.labels)
        passing = [lab for lab, p in self.probabilities.items()
                   if (p >= thresholds[lab] if lab in thresholds else lab in kept)]
        return replace(self, label=joined_label(passing))

    def to_dict(self) -> dict:
        """`label` and `probabilities`; a multi-label task adds `"kind": "sigmoid"` (a four-task bundle's
        output keeps its old shape)."""
        out = {"label": self.label, "probabilities": None if self.probabilities is None else dict(self.probabilities)}
        if self.kind != "softmax":
            out["kind"] = self.kind
        return out


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

    def with_thresholds(self, thresholds: LabelThresholds | None) -> Prediction:
        """This prediction with its multi-label tasks decided by `thresholds` (see `TaskPrediction.with_thresholds`)."""
        if not thresholds:
            return self
        return replace(self, tasks={name: t.with_thresholds(thresholds.get(name)) for name, t in self.tasks.items()})

    def to_dict(self) -> dict:
        return {"text": self.text, "insufficient_text": self.insufficient_text,
                "hate_probability": self.hate_probability,
                "tasks": {k: v.to_dict() for k, v in self.tasks.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> Prediction:
        """The inverse of `to_dict` (reads dicts written before `insufficient_text` existed too)."""
        tasks = {name: TaskPrediction(str(v["label"]), None if v.get("probabilities") is None else
                                      {str(k): float(p) for k, p in v["probabilities"].items()},
                                      str(v.get("kind", "softmax")))
                 for name, v in d["tasks"].items()}
        return cls(str(d["text"]), tasks, bool(d.get("insufficient_text", False)))


def insufficient_prediction(text: str, tasks: tuple[Task, ...] = TASKS) -> Prediction:
    """The prediction for a text with nothing to judge: every task `insufficient_text`, no probabilities."""
    return Prediction(text, {t.name: TaskPrediction(INSUFFICIENT_TEXT, None, t.kind) for t in tasks},
                      insufficient_text=True)


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
                label = joined_label([lab for lab, on in zip(t.labels, decided[t.name][i]) if on])
            else:
                label = t.labels[int(decided[t.name][i])]
            per_task[t.name] = TaskPrediction(
                label=label, probabilities={lab: round(float(p), 6) for lab, p in zip(t.labels, row)}, kind=t.kind)
        out.append(Prediction(text, per_task))
    return out
