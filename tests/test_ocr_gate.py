"""The OCR gate with the real engines.

The gate's contract is checked with EasyOCR's built-in Latin recognizer (Bangla memes then go to
Tesseract, English ones stay with EasyOCR); the default reader, with the Bengali+Latin recognizer
shipped in resources/ocr, reads Bangla memes with EasyOCR itself.
"""

import json

import numpy as np
import pytest
from PIL import Image

from banglahate_gui.data.synth_memes import bengali_fonts, latin_fonts, render_meme
from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr import OcrConfig, OcrReader
from banglahate_gui.ocr.config import BUILTIN_RECOGNIZER, EASYOCR_DIR_ENV, RECOGNIZER_DIR_ENV
from banglahate_gui.ocr.metrics import cer, wer
from banglahate_gui.ocr.tesseract_engine import TesseractEngine
from banglahate_gui.resources import default_recognizer_dir

BANGLA = "তুই একটা বাজে লোক\nতোর মুখ দেখতে চাই না"
ENGLISH = "When the exam is tomorrow\nand you have not opened the book"
SIZE = (480, 320)


def _font(name: str, fonts: tuple[str, ...]) -> str:
    return next(f for f in fonts if name in f)


LATIN_ONLY = OcrConfig(recognizer_dir=BUILTIN_RECOGNIZER)


@pytest.fixture(scope="module")
def reader() -> OcrReader:
    reader = OcrReader(LATIN_ONLY)
    if reader.easyocr.missing_files():
        pytest.skip(f"EasyOCR weights not installed in {reader.easyocr.model_dir}")
    return reader


@pytest.fixture(scope="module")
def bangla_meme() -> Image.Image:
    return render_meme(BANGLA, seed=1, font=_font("NotoSansBengali-Bold", bengali_fonts()), size=SIZE)


@pytest.fixture(scope="module")
def english_meme() -> Image.Image:
    return render_meme(ENGLISH, seed=2, font=latin_fonts()[0], size=SIZE)


@pytest.fixture(scope="module")
def bangla_result(reader, bangla_meme):
    stages = []
    result = reader.read(bangla_meme, progress=stages.append)
    return result, stages


def test_bangla_meme_routes_to_tesseract(bangla_result):
    result, stages = bangla_result
    easy, tess = result.readings
    assert (easy.engine, tess.engine) == ("easyocr", "tesseract")
    assert easy.confidence < 0.60 < tess.confidence
    assert result.engine == "tesseract" and result.text == tess.text
    assert result.confidence == tess.confidence
    n = len(result.lines)
    assert f"EasyOCR read {n} lines, {n} under the gate (0.60)" in result.gate_reason
    assert result.gate_reason.endswith(f"Tesseract re-read them and was better on {n} of {n}")
    assert all(line.engine == "tesseract" and [r.engine for r in line.reads] == ["easyocr", "tesseract"]
               for line in result.lines)
    assert cer(BANGLA, result.text) < 0.10
    assert stages == ["loading", "easyocr", "tesseract", "done"]


def test_result_is_json_and_boxes_lie_in_the_image(bangla_result):
    result, _ = bangla_result
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["engine"] == "tesseract" and data["threshold"] == 0.60
    assert data["image_size"] == list(SIZE)
    assert {"load", "easyocr", "tesseract", "total"} <= set(data["timings"])
    width, height = SIZE
    assert result.boxes
    for box in result.boxes:
        left, top, right, bottom = box.bbox
        assert 0 <= left < right <= width and 0 <= top < bottom <= height
        assert 0.0 <= box.confidence <= 1.0
    # reading order: the first line's boxes sit above the second line's
    first_line = result.text.split("\n")[0]
    assert "তুই" in first_line and "দেখতে" not in first_line


def test_english_meme_keeps_easyocr(reader, english_meme):
    result = reader.read(english_meme)
    assert result.engine == "easyocr"
    assert [r.engine for r in result.readings] == ["easyocr"]
    assert result.confidence >= 0.60
    assert "kept EasyOCR" in result.gate_reason
    assert cer(ENGLISH, result.text) < 0.10
    assert wer(ENGLISH, result.text) < 0.25
    lines = result.text.split("\n")
    assert lines[0].startswith("When") and lines[-1].endswith("book")


def test_forced_engines(reader, english_meme, bangla_meme):
    forced = reader.read(english_meme, engine="tesseract")
    assert forced.engine == "tesseract" and len(forced.readings) == 1
    assert forced.gate_reason == "engine forced: Tesseract"
    assert cer(ENGLISH, forced.text) < 0.15
    easy = reader.read(bangla_meme, engine="easyocr")
    assert easy.engine == "easyocr" and easy.confidence < 0.60
    with pytest.raises(ValueError):
        reader.read(bangla_meme, engine="paddle")


def test_threshold_zero_keeps_easyocr(reader, bangla_meme):
    loose = OcrReader(OcrConfig(threshold=0.0, recognizer_dir=BUILTIN_RECOGNIZER))  # shares the cached Reader
    result = loose.read(bangla_meme)
    assert result.engine == "easyocr" and len(result.readings) == 1
    assert ">= 0.00: kept EasyOCR" in result.gate_reason


def test_blank_image_runs_both_and_says_so(reader):
    result = reader.read(Image.new("RGB", (200, 120), (255, 255, 255)))
    assert result.text == "" and result.confidence == 0.0
    assert result.gate_reason == "EasyOCR found no text: ran Tesseract, which found no text either"
    assert [r.engine for r in result.readings] == ["easyocr", "tesseract"]


def test_missing_easyocr_weights(tmp_path, bangla_meme):
    nowhere = tmp_path / "no-weights"
    reader = OcrReader(OcrConfig(easyocr_model_dir=str(nowhere), recognizer_dir=BUILTIN_RECOGNIZER))
    with pytest.raises(OcrUnavailableError) as exc:
        reader.read(bangla_meme, engine="easyocr")
    message = str(exc.value)
    assert str(nowhere) in message and "craft_mlt_25k.pth" in message and "english_g2.pth" in message
    assert not nowhere.exists(), "checking must not create the folder"
    info = reader.available_engines()
    assert info["easyocr"]["available"] is False
    assert info["easyocr"]["missing_files"] == ["craft_mlt_25k.pth", "english_g2.pth"]
    # the gate still reads with Tesseract and says why
    result = reader.read(bangla_meme)
    assert result.engine == "tesseract" and result.gate_reason.startswith("EasyOCR unavailable (")
    assert cer(BANGLA, result.text) < 0.10


def test_easyocr_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(EASYOCR_DIR_ENV, str(tmp_path))
    assert OcrConfig().resolved_easyocr_dir() == str(tmp_path)
    assert OcrConfig(easyocr_model_dir="/explicit").resolved_easyocr_dir() == "/explicit"


def test_recognizer_choice(monkeypatch, tmp_path):
    monkeypatch.delenv(RECOGNIZER_DIR_ENV, raising=False)
    assert OcrConfig().resolved_recognizer_dir() == str(default_recognizer_dir())
    assert OcrConfig(recognizer_dir=BUILTIN_RECOGNIZER).resolved_recognizer_dir() is None
    monkeypatch.setenv(RECOGNIZER_DIR_ENV, str(tmp_path))
    assert OcrConfig().resolved_recognizer_dir() == str(tmp_path)
    monkeypatch.setenv(RECOGNIZER_DIR_ENV, BUILTIN_RECOGNIZER)
    assert OcrConfig().resolved_recognizer_dir() is None


def test_default_reader_reads_bangla_with_the_shipped_recognizer(bangla_meme, english_meme):
    """The shipped Bengali+Latin recognizer: EasyOCR itself reads the Bangla meme; Latin stays usable."""
    reader = OcrReader()
    info = reader.available_engines()["easyocr"]
    assert info["available"] and info["recognizer"] == "bn_latin_g2"
    easy = reader.read(bangla_meme, engine="easyocr")
    assert easy.readings[0].model == "bn_latin_g2"
    assert cer(BANGLA, easy.text) < 0.10
    gated = reader.read(bangla_meme)
    assert cer(BANGLA, gated.text) < 0.10
    assert cer(ENGLISH, reader.read(english_meme, engine="easyocr").text) < 0.15


def test_available_engines(reader):
    info = reader.available_engines()
    assert info["easyocr"]["available"] and info["easyocr"]["missing_files"] == []
    assert info["tesseract"]["available"]
    assert {"ben", "eng"} <= set(info["tesseract"]["languages"])
    json.dumps(info)


def test_missing_tesseract_language_names_the_package():
    with pytest.raises(OcrUnavailableError, match="tesseract-ocr-xyz"):
        TesseractEngine(lang="ben+xyz").check()


@pytest.mark.parametrize("bad", [{"threshold": 1.5}, {"preprocess": "sharpen"}])
def test_config_validation(bad):
    with pytest.raises(ValueError):
        OcrConfig(**bad)


def test_a_slanted_line_is_read_straightened(reader):
    """CRAFT gives a tilted line as polygons; each is cut out along its polygon and straightened, as readtext
    does (its upright bounding rectangle, read as it was, gave "" for the last word of this line)."""
    from PIL import ImageDraw, ImageFont

    from banglahate_gui.ocr.easyocr_engine import detect_boxes

    image = Image.new("RGB", (560, 320), "white")
    ImageDraw.Draw(image).text((80, 140), "Drive them out of the country",
                               font=ImageFont.truetype(latin_fonts()[0], 30), fill="black")
    pixels = np.asarray(image.rotate(15, resample=Image.BICUBIC, fillcolor="white"))
    found = detect_boxes(reader.easyocr.detecting_reader(), pixels)
    assert any(polygon is not None for _box, polygon in found), "the tilted words are polygons"
    words = [line.text for line in reader.easyocr.read_lines(pixels)]
    assert all(words) and {"Drive", "them", "out", "of", "the"} <= set(words)
    assert any(word.startswith("count") for word in words)
