"""Text normalization shared by training and inference."""

from banglahate_gui.text.normalize import (
    MAX_CHARS,
    NORMALIZER_VERSION,
    NormalizedText,
    normalize,
    normalize_with_info,
)

__all__ = ["MAX_CHARS", "NORMALIZER_VERSION", "NormalizedText", "normalize", "normalize_with_info"]
