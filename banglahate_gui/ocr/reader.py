"""`OcrReader`: the gate, line by line, on calibrated confidences.

EasyOCR's CRAFT detector cuts the image into lines and its recognizer reads them all in one batch.
Each line's raw score is mapped to P(line read correctly) (`ocr.calibration`, with the map for the
line's context — dark text on a light page, or light text on a colour or photo — where there is one);
lines under the gate are read again by Tesseract on the same crop (all of them in one Tesseract process) and
the better calibrated reading of each line is kept; a re-read far from EasyOCR's reading (another script, or
a character error rate of 0.4 or more between them) has a map of its own. When the detector finds nothing
in an image at most `LINE_IMAGE_HEIGHT` tall (a cropped word or line), the whole image is read as one line
the same way. Tesseract reads the whole page only when
EasyOCR finds no text (or is unavailable). Lines are marked caption or background (`ocr.layout`): the
caption rows come first, then the background rows, each in reading order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr.calibration import Calibration, easyocr_key, load_calibration, reread_context, tesseract_key
from banglahate_gui.ocr.config import OcrConfig
from banglahate_gui.ocr.easyocr_engine import EasyOcrEngine
from banglahate_gui.ocr.image import load_image
from banglahate_gui.ocr.layout import caption_and_background_rows, mark_roles, reading_order
from banglahate_gui.ocr.preprocess import light_page, line_context, prepare
from banglahate_gui.ocr.result import LineRead, OcrLine, OcrResult, Reading, WordBox, clean_line, lines_text
from banglahate_gui.ocr.tesseract_engine import TesseractEngine

ENGINES = ("easyocr", "tesseract")
# preprocess="auto": per-engine steps chosen by measurement on rendered memes (benchmarks/ocr).
AUTO_PREPROCESS = {"easyocr": "none", "tesseract": "otsu"}
LABELS = {"easyocr": "EasyOCR", "tesseract": "Tesseract"}
LINE_IMAGE_HEIGHT = 160
"""An image at most this tall in which the detector finds no line (a cropped word or line, where CRAFT often
finds no box) is read as one line before Tesseract reads the page."""

Progress = Callable[[str], None]


def better(easy: LineRead, other: LineRead | None) -> LineRead:
    """The reading with the higher calibrated score; EasyOCR's on ties and when the other is empty."""
    if other is None or not other.text or (easy.text and easy.calibrated >= other.calibrated):
        return easy
    return other


class OcrReader:
    """Reads text from images with EasyOCR and Tesseract behind one calibrated, per-line gate.

    `easyocr`, `tesseract` and `calibration` replace the engines and score maps built from the config
    (tests use stand-ins)."""

    def __init__(self, config: OcrConfig | None = None, *, easyocr=None, tesseract=None,
                 calibration: Calibration | None = None) -> None:
        self.config = config or OcrConfig()
        self.easyocr = easyocr or EasyOcrEngine(self.config.easyocr_langs, self.config.resolved_easyocr_dir(),
                                                self.config.gpu, self.config.resolved_recognizer_dir())
        self.tesseract = tesseract or TesseractEngine(self.config.tesseract_lang)
        self._calibration = (calibration, "calibration given") if calibration is not None else None

    def calibration(self) -> tuple[Calibration, str]:
        """The score maps for these engines and a note on where they came from (loaded once)."""
        if self._calibration is None:
            self._calibration = load_calibration(self.easyocr.recognizer_dir, self.easyocr.custom)
        return self._calibration

    def _line(self, engine: str, text: str, raw: float, context: str | None = None) -> LineRead:
        """A line read by `engine` (cleaned: `clean_line`), its raw score calibrated (with the map for the line's
        `context` if any)."""
        calibration, _ = self.calibration()
        text = clean_line(text)
        key = easyocr_key(self.easyocr.recognizer()) if engine == "easyocr" else tesseract_key(self.tesseract.lang)
        return LineRead(engine, text, float(raw), calibration.calibrate(key, raw, context) if text else 0.0)

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
        lines, readings, reason = self._gate(pixels, engine, notify, timings)
        timings["total"] = time.perf_counter() - start
        notify("done")
        return self._result(lines, readings, reason, timings, loaded.size, light_page(pixels))

    def _prepared(self, pixels: np.ndarray, name: str, timings: dict[str, float]) -> tuple[np.ndarray, float]:
        step = time.perf_counter()
        mode = self.config.preprocess if self.config.preprocess != "auto" else AUTO_PREPROCESS[name]
        prepared, scale = prepare(pixels, mode)
        timings[f"preprocess_{name}"] = time.perf_counter() - step
        return prepared, scale

    def _page(self, pixels: np.ndarray, notify: Progress, timings: dict[str, float]) -> tuple[list[OcrLine], Reading]:
        """Whole-page Tesseract: one line per Tesseract line, scored with the line map."""
        notify("tesseract")
        prepared, scale = self._prepared(pixels, "tesseract", timings)
        page = self.tesseract.read(prepared, scale)
        timings["tesseract"] = page.seconds
        lines = []
        for row in reading_order(page.boxes):
            text = " ".join(box.text for box in row)
            raw = sum(b.confidence * len(b.text) for b in row) / max(1, sum(len(b.text) for b in row))
            read = self._line("tesseract", text, raw)
            if not read.text:
                continue
            bbox = (min(b.bbox[0] for b in row), min(b.bbox[1] for b in row),
                    max(b.bbox[2] for b in row), max(b.bbox[3] for b in row))
            lines.append(OcrLine(bbox, read, [read]))
        return lines, _reading("tesseract", lines, [line.kept for line in lines], page.seconds, "")

    def _gate(self, pixels: np.ndarray, engine: str | None, notify: Progress,
              timings: dict[str, float]) -> tuple[list[OcrLine], list[Reading], str]:
        if engine == "tesseract":
            lines, page = self._page(pixels, notify, timings)
            return lines, [page], "engine forced: Tesseract"
        notify("easyocr")
        try:
            prepared, scale = self._prepared(pixels, "easyocr", timings)
            step = time.perf_counter()
            detected = self.easyocr.read_lines(prepared)
            timings["easyocr"] = time.perf_counter() - step
        except OcrUnavailableError as exc:
            if engine == "easyocr":
                raise
            lines, page = self._page(pixels, notify, timings)
            return lines, [page], f"EasyOCR unavailable ({exc}): used Tesseract"
        lines, contexts = self._easyocr_lines(detected, scale, pixels)
        whole = not any(line.text for line in lines) and pixels.shape[0] <= LINE_IMAGE_HEIGHT
        if whole:
            step = time.perf_counter()
            lines, contexts = self._easyocr_lines([self.easyocr.read_whole_line(prepared)], scale, pixels)
            timings["easyocr"] += time.perf_counter() - step
        easy = _reading("easyocr", lines, [line.kept for line in lines], timings["easyocr"], self.easyocr.recognizer())
        if engine == "easyocr":
            return [line for line in lines if line.text], [easy], "engine forced: EasyOCR"
        if not any(line.text for line in lines):
            why = "EasyOCR found no text"
            try:
                page_lines, page = self._page(pixels, notify, timings)
            except OcrUnavailableError as exc:
                return [], [easy], f"{why}; Tesseract unavailable ({exc})"
            if not page_lines:
                return [], [easy, page], f"{why}: ran Tesseract, which found no text either"
            return page_lines, [easy, page], f"{why}: Tesseract read the page ({page.confidence:.2f})"
        counted = ("EasyOCR found no line and read the image as one" if whole else
                   f"EasyOCR read {len(lines)} line{'s' if len(lines) != 1 else ''}")
        return self._reread_low(pixels, lines, contexts, easy, notify, timings, counted)

    def _easyocr_lines(self, boxes: list[WordBox], scale: float,
                       pixels: np.ndarray) -> tuple[list[OcrLine], dict[int, str]]:
        """EasyOCR's reading of each box as a line (bbox in original pixels), and each line's context (by `id`;
        the Tesseract re-read uses it too)."""
        lines, contexts = [], {}
        for box in boxes:
            bbox = tuple(int(round(v / scale)) for v in box.bbox)
            context = line_context(_crop(pixels, bbox))
            read = self._line("easyocr", box.text, box.confidence, context)
            lines.append(OcrLine(bbox, read, [read]))
            contexts[id(lines[-1])] = context
        return lines, contexts

    def _reread_low(self, pixels: np.ndarray, lines: list[OcrLine], contexts: dict[int, str], easy: Reading,
                    notify: Progress, timings: dict[str, float],
                    counted: str) -> tuple[list[OcrLine], list[Reading], str]:
        """Lines under the gate read again by Tesseract (one process); each keeps the better calibrated
        reading. A re-read far from EasyOCR's is scored with the `DISAGREES` map."""
        threshold = self.config.threshold
        low = [line for line in lines if line.kept.calibrated < threshold]
        if not low:
            return lines, [easy], f"{counted}, all at calibrated confidence >= {threshold:.2f}: kept EasyOCR"
        why = f"{counted}, {len(low)} under the gate ({threshold:.2f})"
        notify("tesseract")
        step = time.perf_counter()
        try:
            reads = self.tesseract.read_lines([_crop(pixels, line.bbox) for line in low])
        except OcrUnavailableError as exc:
            return [line for line in lines if line.text], [easy], f"{why}; Tesseract unavailable ({exc}): kept EasyOCR"
        timings["tesseract"] = time.perf_counter() - step
        won = 0
        for line, (text, raw) in zip(low, reads):
            other = self._line("tesseract", text, raw, reread_context(line.reads[0].text, text, contexts[id(line)]))
            line.reads.append(other)
            line.kept = better(line.reads[0], other)
            won += line.kept is other
        tess = _reading("tesseract", low, [line.reads[-1] for line in low], timings["tesseract"], "")
        kept = [line for line in lines if line.text]
        return kept, [easy, tess], f"{why}: Tesseract re-read them and was better on {won} of {len(low)}"

    def _result(self, lines: list[OcrLine], readings: list[Reading], reason: str, timings: dict[str, float],
                size: tuple[int, int], page: bool) -> OcrResult:
        calibration, note = self.calibration()
        confident = mark_roles(lines, size[1], calibration.has(easyocr_key(self.easyocr.recognizer())))
        caption_rows, background_rows = caption_and_background_rows(lines)
        final = [line for row in caption_rows + background_rows for line in row]
        boxes = [WordBox(line.text, line.kept.calibrated, line.bbox) for line in final]
        text = lines_text(caption_rows + background_rows)
        caption = lines_text(caption_rows)
        chars: dict[str, int] = {}
        for line in final:
            chars[line.engine] = chars.get(line.engine, 0) + len(line.text)
        engine = max(chars, key=lambda e: (chars[e], e == "easyocr")) if chars else readings[-1].engine
        total = sum(len(line.text) for line in final)
        confidence = sum(line.kept.calibrated * len(line.text) for line in final) / total if total else 0.0
        if confident:
            reason += f"; {len(background_rows)} background line(s) after the caption"
        return OcrResult(text, engine, confidence, readings, boxes, timings, reason, self.config.threshold, size,
                         final, caption, note, page)

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
                "preprocess": self.config.preprocess, "calibration": self.calibration()[1]}


def _crop(pixels: np.ndarray, bbox: tuple[int, int, int, int]) -> np.ndarray:
    left, top, right, bottom = bbox
    return pixels[max(0, top):bottom, max(0, left):right]


def _reading(engine: str, lines: list[OcrLine], reads: list[LineRead], seconds: float, model: str) -> Reading:
    """One engine's reading of `lines` (its own read of each, in reading order; calibrated and raw scores)."""
    boxes = [WordBox(read.text, read.calibrated, line.bbox) for line, read in zip(lines, reads) if read.text]
    raw = {id(box): read.raw for box, read in zip(boxes, [r for r in reads if r.text])}
    rows = reading_order(boxes)
    ordered = [box for row in rows for box in row]
    total = sum(len(box.text) for box in ordered)
    calibrated = sum(box.confidence * len(box.text) for box in ordered) / total if total else 0.0
    raw_mean = sum(raw[id(box)] * len(box.text) for box in ordered) / total if total else 0.0
    return Reading(engine, lines_text(rows), calibrated, ordered, seconds, model, raw_mean)
