"""LIME explanations over the fused classifier, mapped back to spans of the original text."""

from banglahate_gui.explain.explainer import (
    DEFAULT_NUM_SAMPLES,
    RELIABLE_R2,
    Cancelled,
    Explanation,
    SharedScorer,
    TaskExplanation,
    WordWeight,
    explain,
)
from banglahate_gui.explain.terminal import format_terminal, highlight
from banglahate_gui.explain.words import Word, split_words

__all__ = [
    "DEFAULT_NUM_SAMPLES",
    "RELIABLE_R2",
    "Cancelled",
    "Explanation",
    "SharedScorer",
    "TaskExplanation",
    "Word",
    "WordWeight",
    "explain",
    "format_terminal",
    "highlight",
    "split_words",
]
