"""Temperature scaling and decision offsets on probabilities (numpy only)."""

from __future__ import annotations

import numpy as np

_EPS = 1e-7


def apply_temperature(proba: np.ndarray, temperature: float, kind: str = "softmax") -> np.ndarray:
    """Temperature scaling of probabilities: softmax(log p / T) (per label log-odds / T for sigmoid tasks)."""
    p = np.clip(proba.astype(np.float64), _EPS, 1.0)
    if kind == "sigmoid":
        q = np.clip(p, _EPS, 1 - _EPS)
        return (1.0 / (1.0 + np.exp(-np.log(q / (1 - q)) / temperature))).astype(np.float32)
    z = np.log(p) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def decide(proba: np.ndarray, offsets: list[float] | np.ndarray | None, kind: str = "softmax") -> np.ndarray:
    """Label indices: argmax(log p + offsets) (softmax tasks); for sigmoid tasks, p ≥ 0.5·exp(−offset)."""
    off = np.zeros(proba.shape[1]) if offsets is None else np.asarray(offsets, dtype=np.float64)
    if kind == "sigmoid":
        return (np.log(np.clip(proba, _EPS, 1.0)) + off >= np.log(0.5)).astype(np.int64)
    return np.argmax(np.log(np.clip(proba, _EPS, 1.0)) + off, axis=1)
