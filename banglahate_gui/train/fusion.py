"""Fusion weight search: w over 0.1…0.9 maximising validation mean weighted F1."""

from __future__ import annotations

import numpy as np

from banglahate_gui.model.fused import fuse
from banglahate_gui.train.metrics import mean_weighted_f1, task_scores

GRID = tuple(round(w, 1) for w in np.arange(0.1, 0.91, 0.1))


def search_fusion_weight(labels: dict[str, np.ndarray], p_xlmr: dict, p_muril: dict,
                         grid: tuple[float, ...] = GRID) -> tuple[float, list[dict]]:
    """Best w and the whole curve [{weight, mean_weighted_f1}]; ties go to the weight closest to 0.5."""
    curve = [{"weight": w, "mean_weighted_f1": round(mean_weighted_f1(task_scores(labels, fuse(p_xlmr, p_muril, w))), 6)}
             for w in grid]
    best = max(curve, key=lambda c: (c["mean_weighted_f1"], -abs(c["weight"] - 0.5)))
    return best["weight"], curve
