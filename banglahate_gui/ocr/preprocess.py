"""Explicit preprocessing steps before OCR. Each step maps an RGB/gray uint8 array to a new array;
`prepare` chains them and reports the scale so boxes can be mapped back to the original.

Measured on rendered memes (benchmarks/ocr/run.py and a 12-meme Bangla sweep, Tesseract psm 6):
- Otsu (dark text on white, inverted as needed) helps Tesseract: Bangla CER 0.105 -> 0.085 (12 memes),
  0.257 -> 0.099 (4), Banglish 0.337 -> 0.000 (4); it is the Tesseract default under "auto".
- Upscale then Otsu: about the same overall (0.088 on the 12; 0.033 vs 0.099 on 4 Bangla), ~2x slower.
- Upscale alone made Tesseract hallucinate on flat backgrounds (Banglish CER 5.98), CLAHE hurt
  (0.105 -> 1.06), grayscale alone hurt (0.128): not offered.
- EasyOCR reads best unprocessed (CER 0.000 raw vs 0.023 after Otsu on 6 English/Banglish memes)."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from banglahate_gui.ocr.image import fit_ocr_budget

MIN_LONG_SIDE = 1200
MAX_UPSCALE = 3.0


def to_gray(pixels: np.ndarray) -> np.ndarray:
    return pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)


def upscale_factor(pixels: np.ndarray) -> float:
    """Scale that brings the long side up to `MIN_LONG_SIDE` (at most 3x; never down)."""
    long_side = max(pixels.shape[:2])
    return min(MAX_UPSCALE, max(1.0, MIN_LONG_SIDE / long_side))


def upscale(pixels: np.ndarray) -> np.ndarray:
    factor = upscale_factor(pixels)
    if factor == 1.0:
        return pixels
    return cv2.resize(pixels, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def otsu(pixels: np.ndarray) -> np.ndarray:
    """Global Otsu binarization, inverted when needed so the majority (background) is white."""
    _, binary = cv2.threshold(to_gray(pixels), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return binary if binary.mean() >= 127 else cv2.bitwise_not(binary)


LINE_CONTEXTS = ("dark_on_light", "light_or_picture")
LIGHT_PAGE = 170  # median grey of a crop at or above which it is a light page (dark text on white, a band)


def line_context(crop: np.ndarray) -> str:
    """How a line crop looks, for context-specific confidence maps (`ocr.calibration`):
    "dark_on_light" (post screenshots, caption bands: a light page) or "light_or_picture" (white or
    outlined text on a colour or a photo). An empty crop counts as the latter."""
    if crop.size == 0:
        return LINE_CONTEXTS[1]
    return LINE_CONTEXTS[0] if float(np.median(to_gray(crop))) >= LIGHT_PAGE else LINE_CONTEXTS[1]


PAGE_SHARE = 0.6  # share of light pixels that makes an image a light page (a screenshot, not a picture)


def light_page(pixels: np.ndarray) -> bool:
    """True when at least `PAGE_SHARE` of the image is light (grey >= `LIGHT_PAGE`): a screenshot of a
    post, thread or chat in light mode rather than a meme picture."""
    return bool(pixels.size) and float((to_gray(pixels) >= LIGHT_PAGE).mean()) >= PAGE_SHARE


STEPS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], ...]] = {
    "none": (),
    "otsu": (otsu,),
    "upscale+otsu": (upscale, otsu),
}


def prepare(pixels: np.ndarray, mode: str) -> tuple[np.ndarray, float]:
    """Fit the OCR cost budget (`image.fit_ocr_budget`), then apply the steps named by `mode`;
    returns (pixels, scale relative to the input)."""
    pixels, scale = fit_ocr_budget(pixels)
    for step in STEPS[mode]:
        if step is upscale:
            scale *= upscale_factor(pixels)
        pixels = step(pixels)
    return pixels, scale
