"""LIME explanations of the fused classifier: one perturbation set, scored once, for every task of its schema.

LIME perturbs the ORIGINAL text by deleting words (``bow=True``: every occurrence of a word at once).
Each perturbed string is normalized exactly as at inference, identical normalized strings are scored
once, and the classifier's probabilities for every task are returned side by side as one matrix (one
column per label of each task, e.g. 2+5+5+4+3+6). LIME then fits one local (Ridge) model per requested
(task, class) column on that same neighbourhood, so explaining six tasks costs one set of model calls,
not six. A multi-label (sigmoid) task is explained label by label: each label's own probability.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol

import numpy as np
from lime.lime_text import LimeTextExplainer
from sklearn.linear_model import Ridge

from banglahate_gui.errors import BanglaHateError, EmptyTextError
from banglahate_gui.explain.words import split_words, word_tokens
from banglahate_gui.model.schema import Task
from banglahate_gui.text import normalize

DEFAULT_NUM_SAMPLES = 1000
"""Perturbations per explanation, from benchmarks/explain.py: the smallest of 250/500/1000/2000 whose top-5
words agree across seeds (mean Jaccard ≥ 0.8) on texts of 10–30 words, within ~3 s per text on a CPU."""
DEFAULT_BATCH_SIZE = 64
RELIABLE_R2 = 0.5
"""A local model whose weighted R² on the neighbourhood is below this explains less than half of how
the class probability varies there; its word weights are shown but flagged as not reliable. (Measured on a
small trained model: deleting the top-2 words moved the probability 0.02–0.05 below this, 0.14–0.27 above.)"""


class Cancelled(BanglaHateError):
    """The explanation was cancelled by the caller."""


class ProbabilisticClassifier(Protocol):
    """What `explain` needs from `FusedClassifier`."""

    tasks: Sequence[Task]

    def predict_proba(self, texts: list[str], batch_size: int = ...) -> Mapping[str, np.ndarray]: ...


@dataclass
class WordWeight:
    word: str
    weight: float
    spans: list[tuple[int, int]]
    """Every occurrence of `word` in the original text, as ``(start, end)`` character offsets."""

    def to_dict(self) -> dict:
        return {"word": self.word, "weight": self.weight, "spans": [list(s) for s in self.spans]}


@dataclass
class TaskExplanation:
    task: str
    label: str
    """The class explained; positive weights push its probability up."""
    probability: float
    words: list[WordWeight]
    """Sorted by decreasing |weight|."""
    score: float
    """Weighted R² of the local model on the perturbation set."""
    intercept: float
    local_pred: float
    """The local model's prediction for the full text (compare with `probability`)."""
    reliable: bool

    def to_dict(self) -> dict:
        d = asdict(self)
        d["words"] = [w.to_dict() for w in self.words]
        return d


@dataclass
class Explanation:
    text: str
    """The original text; every span indexes into it."""
    tasks: dict[str, TaskExplanation]
    """Per task, its predicted (or requested) class; for a multi-label task, its most probable label."""
    num_samples: int
    seed: int
    seconds: float
    scored: int
    """Distinct normalized strings sent to the classifier (after de-duplication)."""
    labels: dict[str, dict[str, TaskExplanation]] = field(default_factory=dict)
    """Per multi-label task, every label's explanation (from the same perturbation set)."""

    def get(self, task: str, label: str | None = None) -> TaskExplanation | None:
        """The explanation of `task` (of one of its labels, for a multi-label task); None if not explained."""
        if label is not None and task in self.labels:
            return self.labels[task].get(label)
        found = self.tasks.get(task)
        return found if label is None or found is None or found.label == label else None

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "tasks": {name: t.to_dict() for name, t in self.tasks.items()},
            "labels": {name: {label: t.to_dict() for label, t in by_label.items()}
                       for name, by_label in self.labels.items()},
            "num_samples": self.num_samples,
            "seed": self.seed,
            "seconds": self.seconds,
            "scored": self.scored,
        }


class SharedScorer:
    """LIME ``classifier_fn``: normalize, de-duplicate, score all tasks in batches, scatter back.

    Scores are cached per normalized string for the scorer's lifetime (one explanation).
    """

    def __init__(
        self,
        classifier: ProbabilisticClassifier,
        tasks: Sequence[Task],
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Callable[[int, int], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ):
        self.classifier = classifier
        self.tasks = tuple(tasks)
        self.batch_size = batch_size
        self.progress = progress
        self.cancel = cancel
        self.cache: dict[str, np.ndarray] = {}

    def score(self, normalized: list[str], report: bool = False) -> np.ndarray:
        """Rows of concatenated task probabilities for already-normalized strings."""
        # length-sorted so that each batch pads to similar lengths (the model sorts only within a call)
        todo = sorted((t for t in dict.fromkeys(normalized) if t not in self.cache), key=len)
        for start in range(0, len(todo), self.batch_size):
            if self.cancel is not None and self.cancel():
                raise Cancelled("explanation cancelled")
            batch = todo[start : start + self.batch_size]
            probs = self.classifier.predict_proba(batch, batch_size=self.batch_size)
            rows = np.concatenate([np.asarray(probs[t.name], dtype=np.float64) for t in self.tasks], axis=1)
            self.cache.update(zip(batch, rows))
            if report and self.progress is not None:
                self.progress(start + len(batch), len(todo))
        return np.stack([self.cache[t] for t in normalized])

    def __call__(self, raw_texts: list[str]) -> np.ndarray:
        normalized = {raw: normalize(raw) for raw in dict.fromkeys(raw_texts)}  # LIME repeats many strings
        return self.score([normalized[raw] for raw in raw_texts], report=True)


class _ScoredRidge(Ridge):
    """LIME's default local model (Ridge, alpha=1) that keeps each fit's weighted R².

    lime 0.2 overwrites ``Explanation.score`` for every label, so only the last label's R² survives.
    """

    def score(self, X, y, sample_weight=None):  # noqa: N803 (sklearn's signature)
        value = super().score(X, y, sample_weight=sample_weight)
        self.fit_scores.append(float(value))
        return value


def _columns(tasks: Sequence[Task]) -> dict[str, int]:
    """Offset of each task's first class in the side-by-side probability matrix."""
    offsets, at = {}, 0
    for t in tasks:
        offsets[t.name] = at
        at += t.num_labels
    return offsets


def explain(
    classifier: ProbabilisticClassifier,
    text: str,
    tasks: Sequence[str] | None = None,
    num_samples: int | None = None,
    seed: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    classes: Mapping[str, str] | None = None,
) -> Explanation:
    """Explain `classifier`'s prediction on `text` (raw, un-normalized) for `tasks` (default: all).

    `classes` picks the class explained per task (default: the predicted class; for a multi-label task the
    most probable label, and every label of it lands in `Explanation.labels`). `progress(done,
    total)` is called after each batch of distinct perturbations; `cancel()` returning True raises
    `Cancelled` before the next batch. Deterministic for a given `seed`.
    """
    started = time.perf_counter()
    num_samples = DEFAULT_NUM_SAMPLES if num_samples is None else int(num_samples)
    if num_samples < 2:
        raise ValueError(f"num_samples must be at least 2, got {num_samples}")
    all_tasks = tuple(classifier.tasks)
    by_name = {t.name: t for t in all_tasks}
    names = list(by_name) if tasks is None else list(dict.fromkeys(tasks))
    unknown = [n for n in names if n not in by_name]
    if unknown or not names:
        raise ValueError(f"unknown tasks {unknown}; known: {', '.join(by_name)}")
    words = split_words(text)
    if not normalize(text) or not words:
        raise EmptyTextError("there is no text to explain: enter or paste some words first")

    scorer = SharedScorer(classifier, all_tasks, batch_size, progress, cancel)
    full = scorer.score([normalize(text)])[0]
    offsets = _columns(all_tasks)
    columns: dict[str, int] = {}
    for name in names:
        t = by_name[name]
        wanted = (classes or {}).get(name)
        if wanted is None:
            columns[name] = offsets[name] + int(np.argmax(full[offsets[name] : offsets[name] + t.num_labels]))
        elif wanted in t.labels:
            columns[name] = offsets[name] + t.index(wanted)
        else:
            raise ValueError(f"task {name!r} has no class {wanted!r}; classes: {', '.join(t.labels)}")
    multi = {name: {label: offsets[name] + i for i, label in enumerate(by_name[name].labels)}
             for name in names if by_name[name].kind == "sigmoid"}
    fitted = list(dict.fromkeys([*columns.values(), *(c for cols in multi.values() for c in cols.values())]))

    explainer = LimeTextExplainer(
        split_expression=word_tokens,
        bow=True,
        feature_selection="none",
        random_state=seed,
        class_names=[f"{t.name}:{label}" for t in all_tasks for label in t.labels],
    )
    surrogate = _ScoredRidge(alpha=1.0)
    surrogate.fit_scores = []
    exp = explainer.explain_instance(
        text,
        scorer,
        labels=fitted,
        num_features=len(words),
        num_samples=num_samples,
        model_regressor=surrogate,
    )
    spans: dict[str, list[tuple[int, int]]] = {}
    for w in words:
        spans.setdefault(w.text, []).append((w.start, w.end))
    vocab = exp.domain_mapper.indexed_string
    r2_of = dict(zip(fitted, surrogate.fit_scores))  # lime fits the labels in the order given

    def task_explanation(name: str, col: int) -> TaskExplanation:
        weights = [
            WordWeight(vocab.word(i), float(wt), spans[vocab.word(i)])
            for i, wt in sorted(exp.local_exp[col], key=lambda x: -abs(x[1]))
        ]
        intercept = float(exp.intercept[col])
        return TaskExplanation(
            task=name,
            label=by_name[name].labels[col - offsets[name]],
            probability=float(full[col]),
            words=weights,
            score=r2_of[col],
            intercept=intercept,
            local_pred=intercept + sum(w.weight for w in weights),
            reliable=r2_of[col] >= RELIABLE_R2,
        )

    return Explanation(
        text=text,
        tasks={name: task_explanation(name, col) for name, col in columns.items()},
        labels={name: {label: task_explanation(name, col) for label, col in cols.items()}
                for name, cols in multi.items()},
        num_samples=num_samples,
        seed=seed,
        seconds=time.perf_counter() - started,
        scored=len(scorer.cache),
    )
