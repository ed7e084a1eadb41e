"""Per-task fusion search, calibration and decision offsets for any subset of members, on validation.

`fit_combination` is the one recipe used for the bundle (all its members) and for every single member and
pair in the evaluation, so each row of the table gets the same treatment:
1. fusion weights per task: the point of a simplex grid (step `step`) with the best validation weighted F1
   (mixed with the slice's, e.g. meme captions', weighted F1 with share `slice_share` when a slice is given);
   ties go to the point closest to equal weights;
2. a temperature per task, fitted on the fused validation probabilities (NLL);
3. decision offsets per task: coordinate ascent on validation weighted F1 + macro F1 over per-label
   log-probability offsets (a threshold for binary, per-class thresholds for rare classes).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from banglahate_gui.model.calibration import apply_temperature, decide
from banglahate_gui.model.fused import fuse_members
from banglahate_gui.model.schema import IGNORE_INDEX, TASKS, Task
from banglahate_gui.train.calibration import expected_calibration_error, fit_temperature

SLICE_SHARE = 0.25
"""Share of the slice's (meme captions') weighted F1 in the fusion-weight objective."""
OFFSET_GRID = tuple(np.round(np.arange(-1.5, 1.51, 0.1), 2))


def simplex_grid(n: int, step: float) -> list[tuple[float, ...]]:
    """All weight vectors of `n` members on a grid of `step` that sum to 1."""
    k = int(round(1 / step))
    return [tuple(c / k for c in combo) for combo in itertools.product(range(k + 1), repeat=n) if sum(combo) == k]


def _wf1(y: np.ndarray, pred: np.ndarray, n: int, average: str = "weighted") -> float:
    """Weighted F1 over all labels, or macro F1 over the labels that occur in `y` or `pred` (sklearn's
    definitions, computed from one confusion matrix: this runs thousands of times per fit)."""
    cm = np.bincount(y * n + pred, minlength=n * n).reshape(n, n)
    support, predicted = cm.sum(axis=1), cm.sum(axis=0)
    denom = support + predicted
    f1 = np.divide(2.0 * np.diag(cm), denom, out=np.zeros(n), where=denom > 0)
    if average == "weighted":
        return float((f1 * support).sum() / max(support.sum(), 1))
    return float(f1[denom > 0].mean()) if (denom > 0).any() else 0.0


@dataclass
class Combination:
    """A fitted fusion of `members`: weights, temperatures and offsets per task, with validation diagnostics."""

    members: tuple[str, ...]
    fusion: dict[str, dict[str, float]]
    temperatures: dict[str, float]
    offsets: dict[str, list[float]]
    validation: dict[str, dict] = field(default_factory=dict)

    def proba(self, per_member: dict[str, dict[str, np.ndarray]], tasks: tuple[Task, ...] = TASKS,
              calibrated: bool = True) -> dict[str, np.ndarray]:
        fused = fuse_members(per_member, self.fusion)
        if not calibrated:
            return fused
        return {t.name: apply_temperature(fused[t.name], self.temperatures[t.name], t.kind) for t in tasks}

    def decide(self, proba: dict[str, np.ndarray], tasks: tuple[Task, ...] = TASKS) -> dict[str, np.ndarray]:
        return {t.name: decide(proba[t.name], self.offsets[t.name], t.kind) for t in tasks}

    def to_dict(self) -> dict:
        return {"members": list(self.members), "fusion": self.fusion, "temperatures": self.temperatures,
                "offsets": self.offsets, "validation": self.validation}


def _search_weights(members: tuple[str, ...], per_member: dict, y: np.ndarray, task: Task, step: float,
                    slice_weight: np.ndarray, slice_share: float,
                    score: Callable[[np.ndarray, np.ndarray], float]) -> dict[str, float]:
    """The simplex point whose fused probabilities get the best `score(labels, fused)` (mixed with the slice's)."""
    if len(members) == 1:
        return {members[0]: 1.0}
    stacked = np.stack([per_member[m][task.name] for m in members])  # (members, n, labels)
    best, best_key = None, None
    for point in simplex_grid(len(members), step):
        fused = np.tensordot(np.asarray(point), stacked, axes=1)
        value = score(y, fused)
        if slice_weight.any():
            value = (1 - slice_share) * value + slice_share * score(y[slice_weight], fused[slice_weight])
        key = (round(value, 6), -float(np.abs(np.asarray(point) - 1 / len(members)).sum()))
        if best_key is None or key > best_key:
            best, best_key = point, key
    return {m: round(float(w), 4) for m, w in zip(members, best)}


def _search_offsets(y: np.ndarray, proba: np.ndarray, task: Task, rounds: int = 2) -> list[float]:
    """Coordinate ascent over per-label offsets (label 0 fixed at 0) on weighted F1 + macro F1."""
    n = task.num_labels
    present = np.bincount(y, minlength=n) > 0

    def score(off: np.ndarray) -> float:
        pred = decide(proba, off)
        return _wf1(y, pred, n) + _wf1(y, pred, n, "macro")

    off = np.zeros(n)
    best = score(off)
    for _ in range(rounds):
        for c in range(1, n):
            if not present[c]:
                continue
            for v in OFFSET_GRID:
                trial = off.copy()
                trial[c] = v
                s = score(trial)
                if s > best + 1e-9 or (abs(s - best) <= 1e-9 and abs(v) < abs(off[c])):
                    best, off = s, trial
    return [round(float(x), 2) for x in off]


def _multilabel_f1(y: np.ndarray, pred: np.ndarray) -> float:
    """Macro F1 over the labels of a multi-label task, each on its known entries."""
    out = []
    for j in range(y.shape[1]):
        known = y[:, j] != IGNORE_INDEX
        if known.any():
            yj, pj = y[known, j] == 1, pred[known, j] == 1
            tp, wrong = (yj & pj).sum(), (yj ^ pj).sum()
            out.append(2 * tp / (2 * tp + wrong) if tp + wrong else 0.0)
    return float(np.mean(out)) if out else 0.0


def _fit_multilabel(members: tuple[str, ...], per_member: dict, y: np.ndarray, task: Task, step: float,
                    sliced: np.ndarray, slice_share: float) -> tuple[dict, float, list[float], dict]:
    """A sigmoid task: weights by validation macro F1 (p ≥ 0.5), one temperature on the log-odds, then a threshold
    offset per label maximising that label's F1."""
    weights = _search_weights(members, per_member, y, task, step, sliced, slice_share,
                              lambda labels, fused: _multilabel_f1(labels, (fused >= 0.5).astype(np.int64)))
    fused = fuse_members({m: {task.name: per_member[m][task.name]} for m in members}, {task.name: weights})[task.name]
    temperature = fit_temperature(y, fused, "sigmoid")
    calibrated = apply_temperature(fused, temperature, "sigmoid")
    offsets = []
    for j in range(task.num_labels):
        column = y[:, j:j + 1]
        scores = {float(v): _multilabel_f1(column, decide(calibrated[:, j:j + 1], [v], "sigmoid")) for v in OFFSET_GRID}
        top = max(scores.values())
        offsets.append(round(min((v for v, f in scores.items() if f >= top - 1e-9), key=abs), 2))
    decided = decide(calibrated, offsets, "sigmoid")
    diag = {"ece_before": round(expected_calibration_error(y, fused), 4),
            "ece_after": round(expected_calibration_error(y, calibrated), 4),
            "macro_f1_at_half": round(_multilabel_f1(y, (fused >= 0.5).astype(np.int64)), 4),
            "macro_f1": round(_multilabel_f1(y, decided), 4)}
    return weights, temperature, offsets, diag


def fit_combination(members: tuple[str, ...], per_member: dict[str, dict[str, np.ndarray]],
                    labels: dict[str, np.ndarray], tasks: tuple[Task, ...] = TASKS, step: float = 0.05,
                    slice_mask: np.ndarray | None = None, slice_share: float = SLICE_SHARE) -> Combination:
    """Fit fusion weights, temperatures and decision offsets of `members` on validation (see module doc)."""
    fusion, temperatures, offsets, diag = {}, {}, {}, {}
    for t in tasks:
        y_all = np.asarray(labels[t.name])
        if t.kind == "sigmoid":
            rows = (y_all != IGNORE_INDEX).any(axis=1)
            sliced = slice_mask[rows] if slice_mask is not None else np.zeros(int(rows.sum()), dtype=bool)
            fusion[t.name], temperatures[t.name], offsets[t.name], diag[t.name] = _fit_multilabel(
                members, {m: {t.name: per_member[m][t.name][rows]} for m in members}, y_all[rows], t, step, sliced,
                slice_share)
            continue
        known = y_all != IGNORE_INDEX
        y = y_all[known]
        sliced = (slice_mask[known] if slice_mask is not None else np.zeros(len(y), dtype=bool))
        known_member = {m: {t.name: per_member[m][t.name][known]} for m in members}
        fusion[t.name] = _search_weights(members, known_member, y, t, step, sliced, slice_share,
                                         lambda labels, fused, n=t.num_labels: _wf1(labels, fused.argmax(axis=1), n))
        fused = fuse_members(known_member, {t.name: fusion[t.name]})[t.name]
        temperatures[t.name] = fit_temperature(y, fused)
        calibrated = apply_temperature(fused, temperatures[t.name], t.kind)
        offsets[t.name] = _search_offsets(y, calibrated, t)
        diag[t.name] = {"ece_before": round(expected_calibration_error(y, fused), 4),
                        "ece_after": round(expected_calibration_error(y, calibrated), 4),
                        "weighted_f1_argmax": round(_wf1(y, fused.argmax(1), t.num_labels), 4),
                        "weighted_f1": round(_wf1(y, decide(calibrated, offsets[t.name]), t.num_labels), 4),
                        "macro_f1": round(_wf1(y, decide(calibrated, offsets[t.name]), t.num_labels, "macro"), 4)}
    return Combination(members, fusion, temperatures, offsets, diag)
