"""Preprocessing steps, reading order and CER/WER helpers (no OCR engine needed)."""

import numpy as np
import pytest

from banglahate_gui.ocr.metrics import cer, edit_distance, wer
from banglahate_gui.ocr.preprocess import STEPS, otsu, prepare, upscale_factor
from banglahate_gui.ocr.layout import reading_order
from banglahate_gui.ocr.result import WordBox, lines_text, weighted_confidence


def _white_text_on_dark(h=60, w=200):
    pixels = np.full((h, w, 3), 40, np.uint8)
    pixels[20:40, 30:170] = 250  # a bright "word"
    return pixels


def test_otsu_makes_text_dark_on_white():
    binary = otsu(_white_text_on_dark())
    assert binary.ndim == 2 and set(np.unique(binary)) == {0, 255}
    assert binary[30, 100] == 0 and binary[5, 5] == 255  # text black, background white


def test_prepare_reports_scale():
    small = _white_text_on_dark()
    pixels, scale = prepare(small, "upscale+otsu")
    assert scale == pytest.approx(upscale_factor(small)) and scale == 3.0
    assert pixels.shape == (180, 600)
    big = np.zeros((900, 1600, 3), np.uint8)
    assert prepare(big, "upscale+otsu")[1] == 1.0
    assert prepare(small, "none")[0] is small
    assert set(STEPS) == {"none", "otsu", "upscale+otsu"}


def test_reading_order_groups_lines():
    boxes = [WordBox("world", 0.9, (120, 12, 200, 40)), WordBox("bottom", 0.5, (10, 300, 90, 330)),
             WordBox("hello", 0.8, (10, 10, 100, 42))]
    lines = reading_order(boxes)
    assert lines_text(lines) == "hello world\nbottom"
    assert weighted_confidence(boxes) == pytest.approx((0.9 * 5 + 0.5 * 6 + 0.8 * 5) / 16)
    assert weighted_confidence([]) == 0.0


def test_error_rates():
    assert edit_distance("kitten", "sitting") == 3
    assert cer("আমি তুমি", "আমি  তুমি") == 0.0
    assert cer("a b\nc", "a b c") == 0.0  # line breaks are layout
    assert cer("abcd", "") == 1.0 and cer("", "") == 0.0
    assert wer("one two three", "one too three") == pytest.approx(1 / 3)


def test_tesseract_line_reads_skip_crops_with_no_pixels(monkeypatch):
    """An upscaled detection box can round to zero width in the original: no OpenCV error, no text."""
    from banglahate_gui.ocr.tesseract_engine import TesseractEngine

    engine = TesseractEngine()
    monkeypatch.setattr(engine, "check", lambda: None)
    assert engine.read_lines([np.zeros((12, 0, 3), np.uint8), np.zeros((0, 9, 3), np.uint8)]) == [("", 0.0)] * 2
