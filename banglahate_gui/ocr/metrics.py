"""OCR error rates. Whitespace is collapsed first: line breaks are layout, not content."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def edit_distance(ref: Sequence, hyp: Sequence) -> int:
    """Levenshtein distance (insert, delete, substitute cost 1) over characters or tokens."""
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def clean(text: str) -> str:
    """NFC, whitespace runs (incl. line breaks) collapsed to one space, stripped."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def cer(ref: str, hyp: str) -> float:
    """Character error rate of `hyp` against `ref` (can exceed 1; 0 for two empty strings)."""
    ref, hyp = clean(ref), clean(hyp)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


def wer(ref: str, hyp: str) -> float:
    """Word error rate over whitespace tokens."""
    ref_words, hyp_words = clean(ref).split(), clean(hyp).split()
    if not ref_words:
        return 0.0 if not hyp_words else 1.0
    return edit_distance(ref_words, hyp_words) / len(ref_words)


def span_cer(ref: str, hyp: str) -> float:
    """CER of `ref` against its best-matching span of `hyp` (text before and after the span is free):
    how well a caption was read, not counting other text around it."""
    ref, hyp = clean(ref), clean(hyp)
    if not ref:
        return 0.0
    previous = [0] * (len(hyp) + 1)  # a match may start anywhere in hyp
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return min(previous) / len(ref)  # ... and end anywhere
