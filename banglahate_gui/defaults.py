"""Defaults defined once (no heavy imports): the CLI, the GUI settings, `OcrConfig`, image loading,
device selection and the training-side data commands all read them here."""

from __future__ import annotations

import os
from pathlib import Path

DEVICES = ("auto", "cpu", "cuda")
DEFAULT_DEVICE = "auto"
OCR_THRESHOLD = 0.60
"""Calibrated EasyOCR confidence below which Tesseract also reads (the gate)."""
TEXT_SCOPES = ("caption", "all")
TEXT_SCOPE = "caption"
"""Which lines of an image the classifier judges: "caption" (the lines marked caption, every line when none
is) or "all" (caption, then background lines). Caption: on the development memes (`benchmarks/ocr/run.py
--split dev`) it raised binary F1 on memes whose photo has its own text; background lines stay shown."""
MAX_IMAGE_PIXELS = 50_000_000
"""Decoded-area limit, checked from the image header before decoding."""
MAX_IMAGE_BYTES = 100 * 1024 * 1024
SHARED_ENV = "BANGLAHATE_SHARED"
DEFAULT_SHARED_DIR = Path("../shared")


def default_shared_dir() -> Path:
    """The shared folder of training data and memes: `$BANGLAHATE_SHARED`, else `../shared`."""
    return Path(os.environ.get(SHARED_ENV) or DEFAULT_SHARED_DIR)


def default_data_dir() -> Path:
    """Labeled data for training and benchmarks: `$BANGLAHATE_SHARED/data`, else `../shared/data`.
    The engine never reads it."""
    return default_shared_dir() / "data"
