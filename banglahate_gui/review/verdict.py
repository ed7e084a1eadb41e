"""Honest verdicts: per-task thresholds with an "uncertain" band, team profiles, rare label combinations.

The numbers are calibrated probabilities: among many items scored 0.70, about 70 % carry that label.
For the binary task an item is hateful when P(hate) ≥ its threshold, and *uncertain* when P(hate)
lies inside the band [low, high] around it. For a multi-class task (type, target, severity, violence) the
top label is uncertain when its probability is below `high`. A multi-label task (toxicity) shows every
label whose probability reaches that label's own threshold (default 0.5); it is uncertain when a label
lies inside the task's band moved onto that threshold. A `Policy` (one per team) holds these numbers
per task and label and is saved as a small JSON profile the team can share.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from banglahate_gui.model.prediction import DEFAULT_LABEL_THRESHOLD, joined_label
from banglahate_gui.model.schema import AUXILIARY_TASKS

INSUFFICIENT = "insufficient_text"
RARE_SHARE = 0.01
"""A pair of auxiliary labels seen in fewer than this share of hateful training rows is flagged."""
CALM_LABELS = ("not_hate", "none")
"""Labels that mean "no hate" in a task (never judged as a rare combination)."""
POLICY_EXPLANATION = (
    "Probabilities are calibrated: of many items shown at 70 %, about 70 % carry that label. "
    "An item is called hateful when P(hate) reaches the threshold; inside the uncertain band around it "
    "the model cannot tell, and the item is shown as \"uncertain\" for a person to judge. For the other "
    "tasks the top label is shown as uncertain while its probability is below the band's upper edge. "
    "A multi-label task shows each label that reaches its own threshold."
)


class PolicyError(ValueError):
    """A threshold profile is malformed (the message names the field)."""


@dataclass(frozen=True)
class TaskPolicy:
    """Decision threshold and uncertain band [low, high] of one task (calibrated probabilities)."""

    threshold: float = 0.5
    low: float = 0.40
    high: float = 0.60

    def __post_init__(self) -> None:
        values = (self.low, self.threshold, self.high)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            raise PolicyError(f"thresholds must be finite numbers, got {values}")
        if not 0.0 <= self.low <= self.threshold <= self.high <= 1.0:
            raise PolicyError(f"need 0 ≤ low ≤ threshold ≤ high ≤ 1, got low={self.low}, "
                              f"threshold={self.threshold}, high={self.high}")


@dataclass(frozen=True)
class Policy:
    """A named set of per-task thresholds; tasks not listed use `TaskPolicy()`. `labels` holds the
    per-label thresholds of multi-label tasks (task → label → threshold; missing = 0.5)."""

    name: str = "default"
    tasks: dict[str, TaskPolicy] = field(default_factory=dict)
    labels: dict[str, dict[str, float]] = field(default_factory=dict)

    def task(self, name: str) -> TaskPolicy:
        return self.tasks.get(name, TaskPolicy())

    def label_threshold(self, task: str, label: str) -> float:
        return self.labels.get(task, {}).get(label, DEFAULT_LABEL_THRESHOLD)

    def thresholds(self, task: str, labels) -> dict[str, float]:
        """Each of a multi-label task's `labels` → its threshold (the input of `Prediction.with_thresholds`)."""
        return {label: self.label_threshold(task, label) for label in labels}

    def to_dict(self) -> dict:
        return {"name": self.name, "tasks": {t: vars(p).copy() for t, p in self.tasks.items()},
                "labels": {t: dict(v) for t, v in self.labels.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> Policy:
        if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not data["name"].strip():
            raise PolicyError("a profile is a JSON object with a non-empty \"name\"")
        tasks = data.get("tasks", {})
        if not isinstance(tasks, dict):
            raise PolicyError("\"tasks\" must map task names to {threshold, low, high}")
        parsed = {}
        for name, values in tasks.items():
            if not isinstance(values, dict) or set(values) - {"threshold", "low", "high"}:
                raise PolicyError(f"tasks.{name}: expected an object with threshold, low, high")
            try:
                parsed[name] = TaskPolicy(**{k: float(v) for k, v in values.items()})
            except (TypeError, ValueError) as exc:
                raise PolicyError(f"tasks.{name}: {exc}") from exc
        return cls(data["name"].strip(), parsed, _label_thresholds(data.get("labels", {})))

    def save(self, folder: str | Path) -> Path:
        """Write `folder/<name>.json` (a shareable profile); returns the path."""
        path = Path(folder) / f"{profile_file_stem(self.name)}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Policy:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PolicyError(f"cannot read the profile {path}: {exc}") from exc
        return cls.from_dict(data)


def _label_thresholds(data: object) -> dict[str, dict[str, float]]:
    if not isinstance(data, dict):
        raise PolicyError("\"labels\" must map multi-label task names to {label: threshold}")
    parsed: dict[str, dict[str, float]] = {}
    for task, values in data.items():
        if not isinstance(values, dict):
            raise PolicyError(f"labels.{task}: expected an object mapping labels to thresholds")
        for label, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise PolicyError(f"labels.{task}.{label}: {value!r} is not a threshold within 0..1")
            parsed.setdefault(str(task), {})[str(label)] = float(value)
    return parsed


def profile_file_stem(name: str) -> str:
    stem = re.sub(r"[^\w\-]+", "_", name.strip(), flags=re.UNICODE).strip("_")
    return stem or "profile"


def list_profiles(folder: str | Path) -> dict[str, Policy]:
    """Every readable profile in `folder`, by name (unreadable files are skipped)."""
    found = {}
    for path in sorted(Path(folder).glob("*.json")) if Path(folder).is_dir() else []:
        try:
            policy = Policy.load(path)
        except PolicyError:
            continue
        found[policy.name] = policy
    return found


@dataclass(frozen=True)
class TaskVerdict:
    """What is shown for one task: the label, its probability and whether it is uncertain.

    For a multi-label task `label` joins the passing `labels` ("none" when none pass) and `probability`
    is the highest label probability; `thresholds` are the per-label thresholds that decided it."""

    task: str
    label: str
    probability: float | None
    uncertain: bool
    kind: str = "softmax"
    conditional: bool = False
    """The task applies only under another task's label (e.g. type only when hateful)."""
    calm: bool = True
    """No flag raised: the task's first label (softmax, e.g. not_hate, none, non_violence) or no label passing."""
    labels: tuple[str, ...] = ()
    thresholds: dict[str, float] | None = None

    @property
    def shown_labels(self) -> tuple[str, ...]:
        """Every label the verdict carries (the passing ones of a multi-label task)."""
        return self.labels if self.kind == "sigmoid" else (self.label,)


@dataclass(frozen=True)
class Verdict:
    tasks: dict[str, TaskVerdict]
    insufficient_text: bool = False
    rare_combos: tuple[str, ...] = ()  # e.g. "type gender + target others (0.01 % of hateful training rows)"

    @property
    def hateful(self) -> bool:
        binary = self.tasks.get("binary")
        return binary is not None and binary.label == "hate"

    @property
    def uncertain(self) -> bool:
        binary = self.tasks.get("binary")
        return binary is not None and binary.uncertain

    @property
    def status(self) -> str:
        """`insufficient_text`, `uncertain`, `hate` or `not_hate`."""
        if self.insufficient_text:
            return INSUFFICIENT
        return "uncertain" if self.uncertain else "hate" if self.hateful else "not_hate"

    @property
    def hate_probability(self) -> float | None:
        binary = self.tasks.get("binary")
        if binary is None or binary.probability is None:
            return None
        return binary.probability if binary.label == "hate" else 1.0 - binary.probability

    @property
    def flags(self) -> tuple[TaskVerdict, ...]:
        """Tasks beyond hate/not-hate that apply to every item and raise a flag (e.g. violence direct)."""
        return tuple(t for n, t in self.tasks.items()
                     if n != "binary" and not t.conditional and not t.calm and t.label != INSUFFICIENT)


def is_insufficient(prediction) -> bool:
    return bool(getattr(prediction, "insufficient_text", False))


def judge(prediction, policy: Policy, combos: dict | None = None, conditional: set[str] | None = None) -> Verdict:
    """Apply `policy` to a `Prediction`; flag rare auxiliary combinations for a hateful verdict.

    `conditional`: the tasks the bundle's schema makes conditional on another task's label (None: those
    of the paper's four tasks, type, target and severity)."""
    def is_conditional(name: str) -> bool:
        return name in (AUXILIARY_TASKS if conditional is None else conditional)

    if is_insufficient(prediction):
        return Verdict({n: TaskVerdict(n, INSUFFICIENT, None, False, getattr(t, "kind", "softmax"),
                                       is_conditional(n)) for n, t in prediction.tasks.items()}, True)
    tasks = {}
    for name, pred in prediction.tasks.items():
        rule, probs, kind = policy.task(name), pred.probabilities, getattr(pred, "kind", "softmax")
        if kind == "sigmoid":
            thresholds = policy.thresholds(name, probs)
            passing = tuple(lab for lab, p in probs.items() if p >= thresholds[lab])
            below, above = rule.threshold - rule.low, rule.high - rule.threshold  # the band around each threshold
            uncertain = any(thresholds[lab] - below <= p <= thresholds[lab] + above for lab, p in probs.items())
            tasks[name] = TaskVerdict(name, joined_label(passing), float(max(probs.values())), uncertain, kind,
                                      is_conditional(name), not passing, passing, thresholds)
        elif name == "binary" and "hate" in probs:
            p = float(probs["hate"])
            label = "hate" if p >= rule.threshold else next((k for k in probs if k != "hate"), "not_hate")
            tasks[name] = TaskVerdict(name, label, float(probs[label]), rule.low <= p <= rule.high, kind,
                                      False, label != "hate")
        else:
            label = max(probs, key=probs.get)
            tasks[name] = TaskVerdict(name, label, float(probs[label]), float(probs[label]) < rule.high, kind,
                                      is_conditional(name), label == next(iter(probs)) or label in CALM_LABELS)
    verdict = Verdict(tasks)
    if not verdict.hateful:
        return verdict
    return Verdict(tasks, False, rare_combinations({n: t.label for n, t in tasks.items()},
                                                   label_combos() if combos is None else combos))


def rare_combinations(labels: dict[str, str], combos: dict) -> tuple[str, ...]:
    """Pairs of the given auxiliary labels seen in < RARE_SHARE of the table's rows, described
    (calm labels such as `none` are left out: the table counts hateful rows only)."""
    found = []
    for key, table in combos.get("combos", {}).items():
        a, b = key.split("|")
        if a not in labels or b not in labels or not table.get("rows") or {labels[a], labels[b]} & set(CALM_LABELS):
            continue
        share = table["pairs"].get(f"{labels[a]}|{labels[b]}", 0) / table["rows"]
        if share < RARE_SHARE:
            found.append(f"{a} {labels[a].replace('_', ' ')} + {b} {labels[b].replace('_', ' ')} "
                         f"({share:.2%} of hateful training rows)")
    return tuple(found)


@lru_cache(maxsize=1)
def label_combos() -> dict:
    """The committed co-occurrence table (`scripts/label_combos.py` writes it)."""
    text = resources.files("banglahate_gui.review").joinpath("label_combos.json").read_text(encoding="utf-8")
    return json.loads(text)

