"""The four-task label schema, as data (also written into every bundle)."""

from __future__ import annotations

from dataclasses import dataclass

IGNORE_INDEX = -100
"""Label value for a task a sample has no (usable) label for; masked out of the loss."""


@dataclass(frozen=True)
class Task:
    name: str
    labels: tuple[str, ...]
    loss_weight: float = 1.0

    @property
    def num_labels(self) -> int:
        return len(self.labels)

    def index(self, label: str) -> int:
        return self.labels.index(label)


TASKS: tuple[Task, ...] = (
    Task("binary", ("not_hate", "hate"), 1.5),
    Task("type", ("not_hate", "personal", "abusive", "gender", "others")),
    Task("target", ("none", "individual", "gender", "group", "others")),
    Task("severity", ("none", "low", "medium", "high")),
)
TASK_NAMES: tuple[str, ...] = tuple(t.name for t in TASKS)
AUXILIARY_TASKS: tuple[str, ...] = TASK_NAMES[1:]
"""Tasks conditional on hate: their labels are masked for non-hate samples in training."""


def task(name: str) -> Task:
    for t in TASKS:
        if t.name == name:
            return t
    raise KeyError(f"unknown task {name!r}; known: {', '.join(TASK_NAMES)}")


def schema_dict(tasks: tuple[Task, ...] = TASKS) -> dict[str, dict]:
    return {t.name: {"labels": list(t.labels), "loss_weight": t.loss_weight} for t in tasks}


def tasks_from_dict(data: dict[str, dict]) -> tuple[Task, ...]:
    return tuple(Task(name, tuple(v["labels"]), float(v.get("loss_weight", 1.0))) for name, v in data.items())
