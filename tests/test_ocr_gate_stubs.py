"""The per-line calibrated gate with stand-in engines: exact scores at and around the gate, which reading
wins, unavailable engines, empty EasyOCR output, and the JSON round trip of the result."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr import OcrConfig, OcrReader, OcrResult
from banglahate_gui.ocr.calibration import Calibration, ScoreMap
from banglahate_gui.ocr.result import Reading, WordBox

IMAGE = Image.new("RGB", (300, 200), (255, 255, 255))
TOP, BOTTOM = (10, 10, 290, 60), (10, 140, 290, 190)
IDENTITY_MAPS = Calibration({"easyocr:stub": ScoreMap((0.0, 1.0), (0.0, 1.0)),
                             "tesseract:ben+eng": ScoreMap((0.0, 1.0), (0.0, 1.0))})


class StubEasy:
    """EasyOCR stand-in: `read_lines` returns the given boxes (or raises the given error)."""

    recognizer_dir = custom = model_dir = None
    langs = ("en",)

    def __init__(self, boxes=None, error: Exception | None = None):
        self.boxes, self.error = boxes or [], error

    def recognizer(self) -> str:
        return "stub"

    def read_lines(self, pixels):
        if self.error:
            raise self.error
        return [WordBox(text, raw, bbox) for text, raw, bbox in self.boxes]


class StubTesseract:
    """Tesseract stand-in: one answer per crop, one answer for a whole page; records its calls."""

    lang = "ben+eng"

    def __init__(self, lines=None, page: Reading | None = None, error: Exception | None = None):
        self.lines, self.page, self.error = lines or [], page, error
        self.crop_calls: list[list[tuple[int, int]]] = []
        self.page_calls = 0

    def read_lines(self, crops):
        if self.error:
            raise self.error
        self.crop_calls.append([crop.shape[:2] for crop in crops])
        return self.lines[:len(crops)]

    def read(self, pixels, scale=1.0):
        if self.error:
            raise self.error
        self.page_calls += 1
        return self.page or Reading("tesseract", "", 0.0)


def gate(easy, tess, calibration=IDENTITY_MAPS, threshold=0.60):
    return OcrReader(OcrConfig(threshold=threshold), easyocr=easy, tesseract=tess, calibration=calibration)


def test_at_the_gate_easyocr_is_kept_and_tesseract_never_runs():
    for score in (0.60, 0.61):
        tess = StubTesseract([("wrong words", 0.99)])
        result = gate(StubEasy([("right words", score, TOP)]), tess).read(IMAGE)
        assert result.text == "right words" and result.engine == "easyocr"
        assert tess.crop_calls == [] and tess.page_calls == 0
        assert [r.engine for r in result.readings] == ["easyocr"]
        assert result.confidence == pytest.approx(score)
        assert "all at calibrated confidence >= 0.60: kept EasyOCR" in result.gate_reason


def test_just_under_the_gate_tesseract_rereads_the_crop_and_the_better_line_wins():
    better = StubTesseract([("tesseract words", 0.80)])
    result = gate(StubEasy([("easy words", 0.59, TOP)]), better).read(IMAGE)
    assert better.crop_calls == [[(50, 280)]]  # the line's own crop, rows x columns
    assert result.text == "tesseract words" and result.engine == "tesseract"
    line = result.lines[0]
    assert [(r.engine, r.text, r.calibrated) for r in line.reads] == [
        ("easyocr", "easy words", 0.59), ("tesseract", "tesseract words", 0.80)]
    assert "better on 1 of 1" in result.gate_reason
    worse = StubTesseract([("tesseract words", 0.40)])
    result = gate(StubEasy([("easy words", 0.59, TOP)]), worse).read(IMAGE)
    assert result.text == "easy words" and result.engine == "easyocr"
    assert worse.crop_calls == [[(50, 280)]] and "better on 0 of 1" in result.gate_reason
    tie = gate(StubEasy([("easy words", 0.59, TOP)]), StubTesseract([("tesseract words", 0.59)])).read(IMAGE)
    assert tie.text == "easy words", "ties go to EasyOCR"


def test_only_lines_under_the_gate_go_to_tesseract_in_one_call():
    tess = StubTesseract([("bottom by tesseract", 0.90)])
    easy = StubEasy([("top by easyocr", 0.95, TOP), ("b0tt0m", 0.20, BOTTOM)])
    result = gate(easy, tess).read(IMAGE)
    assert tess.crop_calls == [[(50, 280)]]
    assert result.text == "top by easyocr\nbottom by tesseract"
    assert [line.engine for line in result.lines] == ["easyocr", "tesseract"]
    assert result.readings[1].text == "bottom by tesseract"
    assert result.confidence == pytest.approx((0.95 * 14 + 0.90 * 19) / 33)


def test_calibrated_scores_decide_not_raw_ones():
    """A correct EasyOCR line with a low raw score beats a confident wrong Tesseract line once both
    scores are calibrated; compared raw, Tesseract would have won."""
    calibration = Calibration({"easyocr:stub": ScoreMap((0.0, 0.2, 1.0), (0.0, 0.55, 1.0)),
                               "tesseract:ben+eng": ScoreMap((0.0, 0.95, 1.0), (0.0, 0.30, 0.9))})
    easy = StubEasy([("তুই একটা বাজে লোক", 0.25, TOP)])
    tess = StubTesseract([("তুই একটা বাজে লোক 017", 0.95)])
    result = gate(easy, tess, calibration).read(IMAGE)
    line = result.lines[0]
    easy_read, tess_read = line.reads
    assert tess_read.raw > easy_read.raw and tess_read.calibrated < easy_read.calibrated < 0.60
    assert result.text == "তুই একটা বাজে লোক" and line.engine == "easyocr"
    assert result.readings[0].raw_confidence == pytest.approx(0.25)
    assert result.readings[0].confidence == pytest.approx(calibration.calibrate("easyocr:stub", 0.25))


def test_easyocr_unavailable_reads_the_page_with_tesseract():
    page = Reading("tesseract", "page text", 0.7, [WordBox("page", 0.7, (0, 0, 40, 20)), WordBox("text", 0.7, (45, 0, 90, 20))])
    tess = StubTesseract(page=page)
    result = gate(StubEasy(error=OcrUnavailableError("no weights")), tess).read(IMAGE)
    assert result.text == "page text" and result.engine == "tesseract" and tess.page_calls == 1
    assert result.gate_reason.startswith("EasyOCR unavailable (no weights)")
    with pytest.raises(OcrUnavailableError):
        gate(StubEasy(error=OcrUnavailableError("no weights")), tess).read(IMAGE, engine="easyocr")


def test_tesseract_unavailable_keeps_easyocr():
    result = gate(StubEasy([("weak words", 0.30, TOP)]), StubTesseract(error=OcrUnavailableError("no tesseract"))).read(IMAGE)
    assert result.text == "weak words" and result.engine == "easyocr"
    assert "Tesseract unavailable (no tesseract): kept EasyOCR" in result.gate_reason


def test_easyocr_empty_falls_back_to_the_whole_page():
    page = Reading("tesseract", "found it", 0.8, [WordBox("found", 0.8, (0, 0, 40, 20)), WordBox("it", 0.8, (45, 0, 60, 20))])
    for boxes in ([], [("", 0.0, TOP)]):  # nothing detected / detected but nothing recognized
        tess = StubTesseract(page=page)
        result = gate(StubEasy(boxes), tess).read(IMAGE)
        assert tess.page_calls == 1 and tess.crop_calls == []
        assert result.text == "found it" and result.gate_reason.startswith("EasyOCR found no text")
    tess = StubTesseract()
    nothing = gate(StubEasy([]), tess).read(IMAGE)
    assert nothing.text == "" and nothing.confidence == 0.0
    assert nothing.gate_reason == "EasyOCR found no text: ran Tesseract, which found no text either"


def test_forced_engines_read_with_one_engine_only():
    tess = StubTesseract([("never", 0.99)], page=Reading("tesseract", "page", 0.5, [WordBox("page", 0.5, (0, 0, 9, 9))]))
    easy = gate(StubEasy([("weak", 0.10, TOP)]), tess).read(IMAGE, engine="easyocr")
    assert easy.text == "weak" and tess.crop_calls == [] and easy.gate_reason == "engine forced: EasyOCR"
    forced = gate(StubEasy([("strong", 0.99, TOP)]), tess).read(IMAGE, engine="tesseract")
    assert forced.text == "page" and forced.engine == "tesseract" and forced.gate_reason == "engine forced: Tesseract"


def test_caption_comes_first_and_background_lines_are_marked():
    easy = StubEasy([("small sign", 0.9, (100, 90, 200, 105)), ("BIG TOP", 0.9, (10, 5, 290, 45)),
                     ("BIG BOTTOM", 0.9, (10, 150, 290, 195))])
    result = gate(easy, StubTesseract()).read(IMAGE)
    assert result.text == "BIG TOP\nBIG BOTTOM\nsmall sign"
    assert result.caption_text == "BIG TOP\nBIG BOTTOM"
    assert [line.role for line in result.lines] == ["caption", "caption", "background"]


def test_result_round_trips_through_json():
    tess = StubTesseract([("bottom", 0.9)])
    result = gate(StubEasy([("top", 0.95, TOP), ("b0ttom", 0.2, BOTTOM)]), tess).read(IMAGE)
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    restored = OcrResult.from_dict(data)
    assert restored == result
    assert restored.lines[1].reads[1].engine == "tesseract" and restored.lines[1].kept.raw == 0.9


def test_shipped_maps_keep_a_correct_low_raw_easyocr_line_over_a_confident_wrong_tesseract_line():
    """With the calibration shipped for bn_latin_g2: some EasyOCR line under the gate with a lower raw
    score than Tesseract's still wins, because its calibrated score is higher."""
    from banglahate_gui.ocr.calibration import load_calibration
    from banglahate_gui.resources import default_recognizer_dir

    shipped, note = load_calibration(default_recognizer_dir(), "bn_latin_g2")
    assert note.startswith("calibrated by")
    grid = [round(v, 2) for v in np.linspace(0.01, 0.99, 99)]
    pairs = [(e, t) for e in grid for t in grid
             if t > e and shipped.calibrate("tesseract:ben+eng", t) < shipped.calibrate("easyocr:bn_latin_g2", e) < 0.60]
    assert pairs, "the shipped maps never rank a lower raw EasyOCR score above a higher raw Tesseract one"
    raw_easy, raw_tess = pairs[len(pairs) // 2]
    easy = StubEasy([("তুই একটা বাজে লোক", raw_easy, TOP)])
    easy.recognizer = lambda: "bn_latin_g2"
    tess = StubTesseract([("তুই একটা বাজে লোক ০১৭১১", raw_tess)])
    result = gate(easy, tess, shipped).read(IMAGE)
    assert tess.crop_calls, "the line was under the gate, so Tesseract re-read it"
    assert result.text == "তুই একটা বাজে লোক" and result.lines[0].engine == "easyocr"
    easy_read, tess_read = result.lines[0].reads
    assert tess_read.raw > easy_read.raw and tess_read.calibrated < easy_read.calibrated
