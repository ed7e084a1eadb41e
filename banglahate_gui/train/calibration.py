"""Temperature fitting and expected calibration error, per task, on rows with a known label."""

from __future__ import annotations

import numpy as np

from banglahate_gui.model.calibration import apply_temperature
from banglahate_gui.model.schema import IGNORE_INDEX

ECE_BINS = 15


def expected_calibration_error(labels: np.ndarray, proba: np.ndarray, bins: int = ECE_BINS) -> float:
    """Top-label ECE: Σ_b (n_b/n)·|accuracy_b − confidence_b| over equal-width confidence bins.

    Multi-label (`labels` of shape (n, k)): every known (row, label) entry is one binary prediction.
    """
    if labels.ndim == 2:
        known = labels != IGNORE_INDEX
        p1 = proba[known]
        return expected_calibration_error(labels[known], np.stack([1 - p1, p1], axis=1), bins)
    known = labels != IGNORE_INDEX
    y, p = labels[known], proba[known]
    if len(y) == 0:
        return 0.0
    conf, pred = p.max(axis=1), p.argmax(axis=1)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            total += sel.mean() * abs((pred[sel] == y[sel]).mean() - conf[sel].mean())
    return float(total)


def negative_log_likelihood(labels: np.ndarray, proba: np.ndarray) -> float:
    """Mean NLL over known labels (multi-label: binary cross-entropy over known entries)."""
    if labels.ndim == 2:
        known = labels != IGNORE_INDEX
        p = np.clip(np.where(labels[known] == 1, proba[known], 1 - proba[known]), 1e-7, 1.0)
        return float(-np.log(p).mean()) if len(p) else 0.0
    known = labels != IGNORE_INDEX
    p = np.clip(proba[known, labels[known]], 1e-7, 1.0)
    return float(-np.log(p).mean()) if len(p) else 0.0


def fit_temperature(labels: np.ndarray, proba: np.ndarray, kind: str = "softmax") -> float:
    """T minimising validation NLL of softmax(log p / T) (sigmoid: of the log-odds / T): a coarse log grid, then a
    golden-section refinement."""
    def nll(log_t: float) -> float:
        return negative_log_likelihood(labels, apply_temperature(proba, float(np.exp(log_t)), kind))

    grid = np.linspace(np.log(0.05), np.log(20.0), 41)
    best = int(np.argmin([nll(g) for g in grid]))
    lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    ratio = (np.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(30):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(b)
    return round(float(np.exp((lo + hi) / 2)), 4)
