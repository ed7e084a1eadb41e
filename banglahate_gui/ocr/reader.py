"""`OcrReader`: the gate. EasyOCR first; below the confidence threshold (or no text) Tesseract
also reads, and the more confident reading wins."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr.config import OcrConfig
from banglahate_gui.ocr.easyocr_engine import EasyOcrEngine
from banglahate_gui.ocr.image import load_image
from banglahate_gui.ocr.preprocess import prepare
from banglahate_gui.ocr.result import OcrResult, Reading
from banglahate_gui.ocr.tesseract_engine import TesseractEngine

ENGINES = ("easyocr", "tesseract")
# preprocess="auto": per-engine steps chosen by measurement on rendered memes (benchmarks/ocr).
AUTO_PREPROCESS = {"easyocr": "none", "tesseract": "otsu"}
LABELS = {"easyocr": "EasyOCR", "tesseract": "Tesseract"}

Progress = Callable[[str], None]


class OcrReader:
    """Reads text from images with EasyOCR and Tesseract behind one confidence gate."""

    def __init__(self, config: OcrConfig | None = None) -> None:
        self.config = config or OcrConfig()
        self.easyocr = EasyOcrEngine(self.config.easyocr_langs, self.config.resolved_easyocr_dir(), self.config.gpu,
                                     self.config.resolved_recognizer_dir())
        self.tesseract = TesseractEngine(self.config.tesseract_lang)

    def read(self, image: str | Path | bytes | Image.Image, engine: str | None = None,
             progress: Progress | None = None) -> OcrResult:
        """OCR one image. `engine=None` gates; "easyocr" or "tesseract" forces one engine."""
        if engine is not None and engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES} or None, got {engine!r}")
        notify = progress or (lambda stage: None)
        timings: dict[str, float] = {}
        notify("loading")
        start = time.perf_counter()
        loaded = load_image(image, self.config.max_pixels, self.config.max_bytes)
        pixels = np.asarray(loaded)
        timings["load"] = time.perf_counter() - start

        def run(name: str) -> Reading:
            notify(name)
            step = time.perf_counter()
            mode = self.config.preprocess if self.config.preprocess != "auto" else AUTO_PREPROCESS[name]
            prepared, scale = prepare(pixels, mode)
            timings[f"preprocess_{name}"] = time.perf_counter() - step
            reading = getattr(self, name).read(prepared, scale)
            timings[name] = reading.seconds
            return reading

        readings, reason = self._gate(run, engine)
        best = max(readings, key=lambda r: r.confidence)  # first (EasyOCR) wins ties
        timings["total"] = time.perf_counter() - start
        notify("done")
        return OcrResult(best.text, best.engine, best.confidence, readings, best.boxes, timings, reason,
                         self.config.threshold, loaded.size)

    def _gate(self, run: Callable[[str], Reading], engine: str | None) -> tuple[list[Reading], str]:
        if engine is not None:
            return [run(engine)], f"engine forced: {LABELS[engine]}"
        threshold = self.config.threshold
        try:
            first = run("easyocr")
        except OcrUnavailableError as exc:
            return [run("tesseract")], f"EasyOCR unavailable ({exc}): used Tesseract"
        if first.text and first.confidence >= threshold:
            return [first], f"EasyOCR confidence {first.confidence:.2f} >= {threshold:.2f}: kept EasyOCR"
        why = (f"EasyOCR confidence {first.confidence:.2f} < {threshold:.2f}" if first.text
               else "EasyOCR found no text")
        try:
            second = run("tesseract")
        except OcrUnavailableError as exc:
            return [first], f"{why}; Tesseract unavailable ({exc}): kept EasyOCR"
        if not (first.text or second.text):
            return [first, second], f"{why}: ran Tesseract, which found no text either"
        winner = LABELS[second.engine] if second.confidence > first.confidence else LABELS[first.engine]
        return [first, second], f"{why}: ran Tesseract ({second.confidence:.2f}), {winner} wins"

    def available_engines(self) -> dict:
        """Per engine: available, version, and where its data was looked for (for `info`)."""
        easy = {"available": False, "model_dir": self.easyocr.model_dir, "langs": list(self.easyocr.langs),
                "recognizer": self.easyocr.recognizer(), "recognizer_dir": self.easyocr.recognizer_dir,
                "expected_files": self.easyocr.expected_files(), "missing_files": self.easyocr.missing_files()}
        try:
            self.easyocr.check()
            easy.update(available=True, version=self.easyocr.version())
        except OcrUnavailableError as exc:
            easy["error"] = str(exc)
        tess = {"available": False, "lang": self.tesseract.lang}
        try:
            self.tesseract.check()
            tess.update(available=True, version=self.tesseract.version(), languages=self.tesseract.languages())
        except OcrUnavailableError as exc:
            tess["error"] = str(exc)
        return {"easyocr": easy, "tesseract": tess, "threshold": self.config.threshold,
                "preprocess": self.config.preprocess}
