"""The task schema, as data (written into every bundle). Pure Python: importable without torch."""

from __future__ import annotations

import math
from dataclasses import dataclass

IGNORE_INDEX = -100
"""Label value for a task a sample has no (usable) label for; masked out of the loss."""
KINDS = ("softmax", "sigmoid")
"""softmax: one label out of `labels`; sigmoid: independent yes/no per label (multi-label)."""


class SchemaError(ValueError):
    """A task schema entry is malformed; the message names the field."""


@dataclass(frozen=True)
class Condition:
    """The task applies only when task `task` predicts `label` (e.g. type only when binary == hate)."""

    task: str
    label: str

    def __str__(self) -> str:
        return f"{self.task}=={self.label}"


@dataclass(frozen=True)
class Task:
    name: str
    labels: tuple[str, ...]
    loss_weight: float = 1.0
    kind: str = "softmax"
    condition: Condition | None = None

    @property
    def num_labels(self) -> int:
        return len(self.labels)

    def index(self, label: str) -> int:
        return self.labels.index(label)

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "labels": list(self.labels), "loss_weight": self.loss_weight,
                "condition": None if self.condition is None else {"task": self.condition.task,
                                                                  "label": self.condition.label}}


_HATE = Condition("binary", "hate")
TASKS: tuple[Task, ...] = (
    Task("binary", ("not_hate", "hate"), 1.5),
    Task("type", ("not_hate", "personal", "abusive", "gender", "others"), condition=_HATE),
    Task("target", ("none", "individual", "gender", "group", "others"), condition=_HATE),
    Task("severity", ("none", "low", "medium", "high"), condition=_HATE),
)
"""The paper's four tasks (every bundle trained before the violence/toxicity heads has exactly these)."""
EXTRA_TASKS: tuple[Task, ...] = (
    Task("violence", ("non_violence", "passive", "direct")),
    Task("toxicity", ("vulgar", "hate", "religious", "threat", "troll", "insult"), kind="sigmoid"),
)
"""Moderation heads beyond the paper: BLP-2023 violence incitement (3 classes) and multi-label toxicity."""
DEFAULT_TASKS: tuple[Task, ...] = TASKS + EXTRA_TASKS
"""The schema `banglahate train` gives a new bundle."""
AUXILIARY_TASKS: tuple[str, ...] = tuple(t.name for t in TASKS if t.condition is not None)
"""Tasks conditional on hate: their labels are masked for non-hate samples in training."""


def task(name: str, tasks: tuple[Task, ...] = TASKS) -> Task:
    for t in tasks:
        if t.name == name:
            return t
    raise KeyError(f"unknown task {name!r}; known: {', '.join(t.name for t in tasks)}")


def schema_dict(tasks: tuple[Task, ...] = TASKS) -> list[dict]:
    """The schema as written into `bundle.json` (a list, in head order)."""
    return [t.to_dict() for t in tasks]


def tasks_from_dict(data: list | dict) -> tuple[Task, ...]:
    """Read a schema: the list of `schema_dict`, or the v1 mapping name → {labels, loss_weight}.

    A v1 mapping has no conditions; its tasks after `binary` get the conditional-on-hate rule they were
    trained with. Raises `SchemaError` naming the offending field.
    """
    if isinstance(data, dict):
        entries = [{"name": name, **(v if isinstance(v, dict) else {"labels": v})} for name, v in data.items()]
        for entry in entries:
            if entry["name"] != "binary" and "binary" in data:
                entry.setdefault("condition", {"task": "binary", "label": "hate"})
    elif isinstance(data, list):
        entries = data
    else:
        raise SchemaError(f"tasks: expected a list of tasks, got {type(data).__name__}")
    if not entries:
        raise SchemaError("tasks: the schema lists no task")
    tasks = tuple(_task(i, e) for i, e in enumerate(entries))
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise SchemaError(f"tasks: duplicate task names in {names}")
    for t in tasks:
        if t.condition is None:
            continue
        try:
            parent = task(t.condition.task, tasks)
        except KeyError:
            raise SchemaError(f"tasks.{t.name}.condition.task: unknown task {t.condition.task!r}") from None
        if t.condition.label not in parent.labels or parent.condition is not None or parent.kind != "softmax":
            raise SchemaError(f"tasks.{t.name}.condition: {t.condition} is not a label of an unconditional "
                              "softmax task")
    return tasks


def _task(i: int, entry: object) -> Task:
    if not isinstance(entry, dict):
        raise SchemaError(f"tasks[{i}]: expected an object, got {type(entry).__name__}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise SchemaError(f"tasks[{i}].name: {name!r} is not a valid task name")
    labels = entry.get("labels")
    if (not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(x, str) and x for x in labels)
            or len(set(labels)) != len(labels)):
        raise SchemaError(f"tasks.{name}.labels: expected two or more distinct label names, got {labels!r}")
    kind = entry.get("kind", "softmax")
    if kind not in KINDS:
        raise SchemaError(f"tasks.{name}.kind: {kind!r} is not one of {', '.join(KINDS)}")
    weight = entry.get("loss_weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
        raise SchemaError(f"tasks.{name}.loss_weight: {weight!r} is not a finite number ≥ 0")
    cond = entry.get("condition")
    condition = None
    if cond is not None:
        if not isinstance(cond, dict) or not isinstance(cond.get("task"), str) or not isinstance(cond.get("label"), str):
            raise SchemaError(f"tasks.{name}.condition: expected {{'task': str, 'label': str}}, got {cond!r}")
        condition = Condition(cond["task"], cond["label"])
    return Task(name, tuple(labels), float(weight), kind, condition)
