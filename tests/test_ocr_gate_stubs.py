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
    """EasyOCR stand-in: `read_lines` returns the given boxes (or raises the given error), `read_whole_line`
    the given (text, raw) for the whole image."""

    recognizer_dir = custom = model_dir = None
    langs = ("en",)

    def __init__(self, boxes=None, error: Exception | None = None, whole: tuple[str, float] = ("", 0.0)):
        self.boxes, self.error, self.whole = boxes or [], error, whole
        self.pixels: list[np.ndarray] = []
        self.whole_calls = 0

    def recognizer(self) -> str:
        return "stub"

    def read_lines(self, pixels):
        self.pixels.append(pixels)
        if self.error:
            raise self.error
        return [WordBox(text, raw, bbox) for text, raw, bbox in self.boxes]

    def read_whole_line(self, pixels):
        self.whole_calls += 1
        height, width = pixels.shape[:2]
        return WordBox(*self.whole, (0, 0, width, height))


class StubTesseract:
    """Tesseract stand-in: one answer per crop, one answer for a whole page; records its calls."""

    lang = "ben+eng"

    def __init__(self, lines=None, page: Reading | None = None, error: Exception | None = None):
        self.lines, self.page, self.error = lines or [], page, error
        self.crop_calls: list[list[tuple[int, int]]] = []
        self.page_calls = 0
        self.page_args: list[tuple[np.ndarray, float]] = []

    def read_lines(self, crops):
        if self.error:
            raise self.error
        self.crop_calls.append([crop.shape[:2] for crop in crops])
        return self.lines[:len(crops)]

    def read(self, pixels, scale=1.0):
        if self.error:
            raise self.error
        self.page_calls += 1
        self.page_args.append((pixels, scale))
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


def test_a_small_image_the_detector_finds_nothing_in_is_read_as_one_line():
    """A cropped word or line (at most `LINE_IMAGE_HEIGHT` tall): the whole image is one line, gated like any
    other; a taller image, or a whole-image reading with no text, goes to whole-page Tesseract as before."""
    from banglahate_gui.ocr.reader import LINE_IMAGE_HEIGHT

    word = Image.new("RGB", (120, LINE_IMAGE_HEIGHT), (255, 255, 255))
    tess = StubTesseract([("never", 0.99)])
    result = gate(StubEasy([], whole=("নাথ", 0.9)), tess).read(word)
    assert result.text == "নাথ" and result.engine == "easyocr" and result.lines[0].bbox == (0, 0, 120, LINE_IMAGE_HEIGHT)
    assert tess.crop_calls == [] and tess.page_calls == 0
    assert result.gate_reason.startswith("EasyOCR found no line and read the image as one, all at")
    tess = StubTesseract([("নাথ", 0.9)])
    weak = gate(StubEasy([], whole=("নখ", 0.3)), tess).read(word)
    assert tess.crop_calls == [[(LINE_IMAGE_HEIGHT, 120)]] and weak.text == "নাথ" and weak.engine == "tesseract"
    assert gate(StubEasy([], whole=("নাথ", 0.9)), StubTesseract()).read(word, engine="easyocr").text == "নাথ"
    page = Reading("tesseract", "page", 0.7, [WordBox("page", 0.7, (0, 0, 40, 20))])
    for image, easy in ((word, StubEasy([])), (Image.new("RGB", (120, LINE_IMAGE_HEIGHT + 1)), StubEasy([], whole=("x", 0.9)))):
        tess = StubTesseract(page=page)
        assert gate(easy, tess).read(image).text == "page" and tess.page_calls == 1
    assert easy.whole_calls == 0, "a taller image is never read as one line"


def test_a_reread_far_from_easyocrs_reading_is_scored_with_the_disagrees_map():
    from banglahate_gui.ocr.calibration import DISAGREES, context_key, reread_context
    from banglahate_gui.text.scripts import dominant_script

    assert [dominant_script(t) for t in ("নাথ", "aaa", "নাথ ab", "ab নাথ", "১২", "12 ...", "")] == \
        ["bengali", "latin", "bengali", "bengali", "bengali", "", ""]
    assert reread_context("নাথ", "aaa", "ctx") == reread_context("aaa", "নাথ", "ctx") == DISAGREES  # other script
    assert reread_context("আনমিক হুম", "ঠা", "ctx") == DISAGREES  # same script, far apart (CER >= 0.4)
    assert reread_context("hello", "he11o", "ctx") == DISAGREES  # CER exactly DISAGREEMENT_CER (0.4)
    assert reread_context("শ্রীগরু", "শ্রীগুরু", "ctx") == reread_context("hello", "hallo", "ctx") == "ctx"
    assert reread_context("", "aaa", "ctx") == reread_context("নাথ", "", "ctx") == "ctx"
    calibration = Calibration({**IDENTITY_MAPS.maps,
                               context_key("tesseract:ben+eng", DISAGREES): ScoreMap((0.0, 1.0), (0.0, 0.0))})
    for far in ("aaa", "ঠা আনযকর পদ"):
        result = gate(StubEasy([("শ্রীগরু", 0.3, TOP)]), StubTesseract([(far, 0.9)]), calibration).read(IMAGE)
        assert result.text == "শ্রীগরু" and result.lines[0].reads[1].calibrated == 0.0
    same = gate(StubEasy([("শ্রীগরু", 0.3, TOP)]), StubTesseract([("শ্রীগুরু", 0.9)]), calibration).read(IMAGE)
    assert same.text == "শ্রীগুরু" and same.lines[0].reads[1].calibrated == pytest.approx(0.9)


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
    score than Tesseract's still wins, because its calibrated score is higher: on an outlined meme (light
    text on a picture) through the line-context maps, on a light page through the map for re-reads far
    from EasyOCR's reading."""
    from banglahate_gui.ocr.calibration import load_calibration, reread_context
    from banglahate_gui.resources import default_recognizer_dir

    from banglahate_gui.ocr.preprocess import line_context

    shipped, note = load_calibration(default_recognizer_dir(), "bn_latin_g2")
    assert note.startswith("calibrated by")
    right = "তুই একটা বাজে লোক"
    outlined = Image.new("RGB", (300, 200), (40, 40, 40))
    cases = [(outlined, "তুই একটা বাজে লোক ০১৭১১"), (IMAGE, "ভুই এক ব৷জে ০১৭১১ ০১৭১১")]
    left, top, width, bottom = TOP
    for image, wrong in cases:
        context = line_context(np.asarray(image)[top:bottom, left:width])  # the maps the reader uses for this line
        assert shipped.has(f"easyocr:bn_latin_g2@{context}")
        tess_context = reread_context(right, wrong, context)
        grid = [round(v, 2) for v in np.linspace(0.01, 0.99, 99)]
        pairs = [(e, t) for e in grid for t in grid if t > e and shipped.calibrate("tesseract:ben+eng", t, tess_context)
                 < shipped.calibrate("easyocr:bn_latin_g2", e, context) < 0.60]
        assert pairs, f"the shipped maps never rank a lower raw EasyOCR score above a higher raw Tesseract one ({context})"
        raw_easy, raw_tess = pairs[len(pairs) // 2]
        easy = StubEasy([(right, raw_easy, TOP)])
        easy.recognizer = lambda: "bn_latin_g2"
        tess = StubTesseract([(wrong, raw_tess)])
        result = gate(easy, tess, shipped).read(image)
        assert tess.crop_calls, "the line was under the gate, so Tesseract re-read it"
        assert result.text == right and result.lines[0].engine == "easyocr"
        easy_read, tess_read = result.lines[0].reads
        assert tess_read.raw > easy_read.raw and tess_read.calibrated < easy_read.calibrated


# Mutation testing (scripts/mutation.sh gate) showed what the tests above let through; each test below pins
# one behaviour that a changed operator, constant or argument in ocr/reader.py would break.

def test_better_prefers_easyocr_unless_the_other_reading_has_text_and_scores_higher():
    from banglahate_gui.ocr.reader import better
    from banglahate_gui.ocr.result import LineRead

    easy = LineRead("easyocr", "words", 0.3, 0.30)
    assert better(easy, None) is easy
    assert better(easy, LineRead("tesseract", "", 0.0, 0.0)) is easy
    assert better(easy, LineRead("tesseract", "other", 0.9, 0.30)) is easy  # tie
    higher = LineRead("tesseract", "other", 0.9, 0.31)
    assert better(easy, higher) is higher
    blank = LineRead("easyocr", "", 0.9, 0.0)
    lower = LineRead("tesseract", "other", 0.1, 0.05)
    assert better(blank, lower) is lower  # an empty EasyOCR reading loses to any text


def test_reader_builds_its_engines_from_the_config(tmp_path):
    from banglahate_gui.ocr.calibration import load_calibration

    config = OcrConfig(tesseract_lang="eng", easyocr_langs=("en", "bn"), easyocr_model_dir=str(tmp_path / "models"),
                       recognizer_dir=str(tmp_path / "rec"), gpu=True)
    reader = OcrReader(config)
    assert (reader.easyocr.langs, reader.easyocr.model_dir, reader.easyocr.gpu, reader.easyocr.recognizer_dir) == \
        (("en", "bn"), str(tmp_path / "models"), True, str(tmp_path / "rec"))
    assert reader.tesseract.lang == "eng" and reader.config is config
    default = OcrReader(easyocr=StubEasy([("words", 0.9, TOP)]), tesseract=StubTesseract())
    assert default.config == OcrConfig()
    assert default.calibration() == load_calibration(None, None)  # the stub has no recognizer folder
    assert default.read(IMAGE).threshold == OcrConfig().threshold


def test_calibration_comes_from_the_recognizer_folder_once_or_as_given():
    from banglahate_gui.resources import default_recognizer_dir

    easy = StubEasy()
    easy.recognizer_dir, easy.custom = str(default_recognizer_dir()), "bn_latin_g2"
    reader = gate(easy, StubTesseract(), calibration=None)
    calibration, note = reader.calibration()
    assert note == "calibrated by bn_latin_g2.calibration.json" and calibration.has("easyocr:bn_latin_g2")
    assert reader.calibration()[0] is calibration  # loaded once
    given = gate(StubEasy([("words", 0.9, TOP)]), StubTesseract())
    assert given.calibration() == (IDENTITY_MAPS, "calibration given")
    assert given.read(IMAGE).calibration == "calibration given"


def test_progress_stages_and_timings_of_each_path():
    stages: list[str] = []
    page = Reading("tesseract", "page", 0.7, [WordBox("page", 0.7, (0, 0, 40, 20))], seconds=0.25)
    paths = {
        "kept": (StubEasy([("strong", 0.9, TOP)]), StubTesseract(), None),
        "gated": (StubEasy([("weak", 0.2, TOP)]), StubTesseract([("better", 0.8)]), None),
        "page": (StubEasy([]), StubTesseract(page=page), None),
        "forced": (StubEasy([("strong", 0.9, TOP)]), StubTesseract(page=page), "tesseract"),
    }
    expected_stages = {"kept": ["loading", "easyocr", "done"], "gated": ["loading", "easyocr", "tesseract", "done"],
                       "page": ["loading", "easyocr", "tesseract", "done"], "forced": ["loading", "tesseract", "done"]}
    expected_timings = {"kept": {"load", "preprocess_easyocr", "easyocr", "total"},
                        "gated": {"load", "preprocess_easyocr", "easyocr", "tesseract", "total"},
                        "page": {"load", "preprocess_easyocr", "easyocr", "preprocess_tesseract", "tesseract", "total"},
                        "forced": {"load", "preprocess_tesseract", "tesseract", "total"}}
    for path, (easy, tess, engine) in paths.items():
        stages.clear()
        result = gate(easy, tess).read(IMAGE, engine=engine, progress=stages.append)
        assert stages == expected_stages[path], path
        assert set(result.timings) == expected_timings[path], path
        total = result.timings["total"]
        assert 0.0 <= total < 60.0
        for name, seconds in result.timings.items():
            if name != "tesseract" or path == "gated":  # a page read reports the engine's own seconds
                assert 0.0 <= seconds <= total, (path, name)
        if path in ("page", "forced"):
            assert result.timings["tesseract"] == 0.25 and result.readings[-1].seconds == 0.25


def test_invalid_engine_and_image_limits_are_refused():
    from banglahate_gui.ocr.image import ImageError

    with pytest.raises(ValueError, match=r"engine must be one of \('easyocr', 'tesseract'\) or None, got 'paddle'"):
        gate(StubEasy(), StubTesseract()).read(IMAGE, engine="paddle")
    small_pixels = OcrReader(OcrConfig(max_pixels=300 * 199), easyocr=StubEasy(), tesseract=StubTesseract(),
                             calibration=IDENTITY_MAPS)
    with pytest.raises(ImageError):
        small_pixels.read(IMAGE)
    import io

    png = io.BytesIO()
    IMAGE.save(png, format="PNG")
    small_bytes = OcrReader(OcrConfig(max_bytes=len(png.getvalue()) - 1), easyocr=StubEasy([("w", 0.9, TOP)]),
                            tesseract=StubTesseract(), calibration=IDENTITY_MAPS)
    with pytest.raises(ImageError):
        small_bytes.read(png.getvalue())
    fits = OcrReader(OcrConfig(max_bytes=len(png.getvalue()), max_pixels=300 * 200), easyocr=StubEasy([("w", 0.9, TOP)]),
                     tesseract=StubTesseract(), calibration=IDENTITY_MAPS)
    assert fits.read(png.getvalue()).text == "w"


def test_each_engine_gets_its_own_preprocessing_and_boxes_are_scaled_back():
    from banglahate_gui.ocr.preprocess import prepare

    pixels = np.asarray(IMAGE.convert("RGB")).copy()
    pixels[60:80, 40:200] = 90  # a grey bar: Otsu makes it black, "none" keeps it grey
    image = Image.fromarray(pixels)
    easy, tess = StubEasy([("weak", 0.2, TOP)]), StubTesseract([("x", 0.1)])
    gate(easy, tess).read(image)
    assert np.array_equal(easy.pixels[0], pixels)  # auto: EasyOCR reads the raw image
    page = Reading("tesseract", "p", 0.9, [WordBox("p", 0.9, (0, 0, 9, 9))])
    tess = StubTesseract(page=page)
    gate(StubEasy([]), tess).read(image)
    assert set(np.unique(tess.page_args[0][0])) <= {0, 255} and tess.page_args[0][1] == 1.0  # auto: Otsu
    upscaled, scale = prepare(pixels, "upscale+otsu")
    assert scale > 1.0
    easy = StubEasy([("big", 0.9, tuple(int(v * scale) for v in TOP))])
    tess = StubTesseract(page=page)
    reader = OcrReader(OcrConfig(preprocess="upscale+otsu"), easyocr=easy, tesseract=tess, calibration=IDENTITY_MAPS)
    result = reader.read(image)
    assert np.array_equal(easy.pixels[0], upscaled)
    assert result.lines[0].bbox == TOP  # detection pixels divided by the scale
    reader.read(image, engine="tesseract")
    assert np.array_equal(tess.page_args[0][0], upscaled) and tess.page_args[0][1] == scale


def test_whole_page_lines_weigh_words_by_length_and_span_the_row():
    page = Reading("tesseract", "ab cdef\nক", 0.5, [
        WordBox("ab", 0.9, (10, 12, 40, 30)), WordBox("cdef", 0.3, (50, 8, 120, 34)),  # one row
        WordBox("ক", 0.8, (10, 100, 30, 120))], seconds=0.5)
    result = gate(StubEasy(), StubTesseract(page=page)).read(IMAGE, engine="tesseract")
    first, second = result.lines
    assert first.text == "ab cdef" and first.kept.raw == pytest.approx((0.9 * 2 + 0.3 * 4) / 6)
    assert first.bbox == (10, 8, 120, 34) and first.reads == [first.kept]
    assert second.kept.raw == pytest.approx(0.8)  # one character: its own score
    reading = result.readings[0]
    assert (reading.engine, reading.model, reading.seconds) == ("tesseract", "", 0.5)
    assert reading.raw_confidence == pytest.approx((0.5 * len("ab cdef") + 0.8) / 8)  # lines weighed by length


def test_readings_name_their_engine_and_model():
    result = gate(StubEasy([("weak", 0.2, TOP)]), StubTesseract([("tess", 0.9)])).read(IMAGE)
    easy, tess = result.readings
    assert (easy.engine, easy.model, tess.engine, tess.model) == ("easyocr", "stub", "tesseract", "")
    assert [box.text for box in result.boxes] == ["tess"] and result.boxes[0].confidence == 0.9


def test_an_unread_detected_line_goes_to_tesseract():
    """A box EasyOCR detected but could not read scores 0 (whatever its raw score) and is re-read."""
    tess = StubTesseract([("found", 0.8)])
    result = gate(StubEasy([("top words", 0.9, TOP), ("", 0.7, BOTTOM)]), tess).read(IMAGE)
    assert tess.crop_calls == [[(50, 280)]]
    assert result.text == "top words\nfound"
    assert result.lines[1].reads[0].calibrated == 0.0


def test_gate_reasons_count_lines_exactly():
    one = gate(StubEasy([("strong", 0.9, TOP)]), StubTesseract()).read(IMAGE)
    assert one.gate_reason == "EasyOCR read 1 line, all at calibrated confidence >= 0.60: kept EasyOCR"
    two = gate(StubEasy([("strong", 0.9, TOP), ("weak", 0.2, BOTTOM)]), StubTesseract([("better", 0.8)])).read(IMAGE)
    assert two.gate_reason == ("EasyOCR read 2 lines, 1 under the gate (0.60): "
                               "Tesseract re-read them and was better on 1 of 1")
    down = gate(StubEasy([("weak", 0.2, TOP)]), StubTesseract(error=OcrUnavailableError("gone"))).read(IMAGE)
    assert down.gate_reason == "EasyOCR read 1 line, 1 under the gate (0.60); Tesseract unavailable (gone): kept EasyOCR"
    easy = StubEasy([("small sign", 0.9, (100, 90, 200, 105)), ("BIG TOP", 0.9, (10, 5, 290, 45)),
                     ("BIG BOTTOM", 0.9, (10, 150, 290, 195))])
    marked = gate(easy, StubTesseract()).read(IMAGE)
    assert marked.gate_reason == ("EasyOCR read 3 lines, all at calibrated confidence >= 0.60: kept EasyOCR; "
                                  "1 background line(s) after the caption")


def test_result_engine_is_the_one_that_read_most_characters():
    three = [("aaaa", 0.9, (10, 5, 290, 40)), ("bbb", 0.2, (10, 80, 290, 115)), ("cc", 0.9, (10, 150, 290, 190))]
    mostly_easy = gate(StubEasy(three), StubTesseract([("bbb", 0.95)])).read(IMAGE)
    assert [line.engine for line in mostly_easy.lines] == ["easyocr", "tesseract", "easyocr"]
    assert mostly_easy.engine == "easyocr"  # 6 characters against 3
    mostly_tess = gate(StubEasy([("ab", 0.9, TOP), ("x", 0.2, BOTTOM)]), StubTesseract([("cdefgh", 0.95)])).read(IMAGE)
    assert mostly_tess.engine == "tesseract"  # 6 against 2
    tie = gate(StubEasy([("abc", 0.9, TOP), ("x", 0.2, BOTTOM)]), StubTesseract([("xyz", 0.95)])).read(IMAGE)
    assert tie.engine == "easyocr"
    nothing = gate(StubEasy([]), StubTesseract(error=OcrUnavailableError("gone"))).read(IMAGE)
    assert (nothing.engine, nothing.text, nothing.confidence) == ("easyocr", "", 0.0)
    assert nothing.gate_reason == "EasyOCR found no text; Tesseract unavailable (gone)"
    empty_page = gate(StubEasy([]), StubTesseract()).read(IMAGE)
    assert empty_page.engine == "tesseract"  # the last engine that tried


def test_a_tie_in_characters_goes_to_easyocr_whichever_line_comes_first():
    tie = gate(StubEasy([("x", 0.2, TOP), ("abc", 0.9, BOTTOM)]), StubTesseract([("xyz", 0.95)])).read(IMAGE)
    assert [line.engine for line in tie.lines] == ["tesseract", "easyocr"] and tie.engine == "easyocr"


def test_lines_keep_their_boxes_when_texts_repeat():
    """Two lines with the same text: each keeps its own box and engine in reading order."""
    result = gate(StubEasy([("same", 0.2, BOTTOM), ("same", 0.9, TOP)]), StubTesseract([("same", 0.95)])).read(IMAGE)
    assert [(line.bbox, line.engine) for line in result.lines] == [(TOP, "easyocr"), (BOTTOM, "tesseract")]


def test_empty_readings_score_zero():
    result = gate(StubEasy([("", 0.9, TOP)]), StubTesseract()).read(IMAGE)
    easy, page = result.readings
    assert (easy.confidence, easy.raw_confidence, page.confidence) == (0.0, 0.0, 0.0)
    assert easy.model == "stub"


class StubEngineInfo(StubEasy):
    """An EasyOCR stand-in that answers `available_engines`' questions."""

    model_dir, recognizer_dir = "/models", "/rec"

    def expected_files(self):
        return ["craft_mlt_25k.pth", "stub.yaml", "stub.pth"]

    def missing_files(self):
        return ["stub.pth"]

    def check(self):
        if self.error:
            raise self.error

    def version(self):
        return "9.9"


class StubTesseractInfo(StubTesseract):
    def check(self):
        if self.error:
            raise self.error

    def version(self):
        return "5.3"

    def languages(self):
        return ["ben", "eng"]


def test_available_engines_reports_each_engine_and_the_settings():
    reader = OcrReader(OcrConfig(threshold=0.55, preprocess="otsu"), easyocr=StubEngineInfo(),
                       tesseract=StubTesseractInfo(), calibration=IDENTITY_MAPS)
    assert reader.available_engines() == {
        "easyocr": {"available": True, "version": "9.9", "model_dir": "/models", "langs": ["en"], "recognizer": "stub",
                    "recognizer_dir": "/rec", "expected_files": ["craft_mlt_25k.pth", "stub.yaml", "stub.pth"],
                    "missing_files": ["stub.pth"]},
        "tesseract": {"available": True, "lang": "ben+eng", "version": "5.3", "languages": ["ben", "eng"]},
        "threshold": 0.55, "preprocess": "otsu", "calibration": "calibration given"}
    down = OcrReader(OcrConfig(), easyocr=StubEngineInfo(error=OcrUnavailableError("no weights")),
                     tesseract=StubTesseractInfo(error=OcrUnavailableError("no binary")), calibration=IDENTITY_MAPS)
    info = down.available_engines()
    assert info["easyocr"]["available"] is False and info["easyocr"]["error"] == "no weights"
    assert "version" not in info["easyocr"] and "version" not in info["tesseract"]
    assert info["tesseract"] == {"available": False, "lang": "ben+eng", "error": "no binary"}


def test_combining_marks_that_begin_a_word_are_dropped():
    """A line box that cut through a neighbouring word leaves its vowel sign in front of the next word; the
    gate drops it before scoring (`clean_line`), and a line of marks only is no line."""
    from banglahate_gui.ocr.result import clean_line

    assert clean_line("া শেষ") == "শেষ" and clean_line("ু দা  x") == "দা x"
    assert clean_line("অামার চোখে") == "অামার চোখে", "a mark inside a word stays"
    assert clean_line("া ্") == "" and clean_line("] ?") == "] ?", "only marks go"
    easy = StubEasy([("া শেষ কথা", 0.9, TOP), ("ো", 0.95, BOTTOM)])
    result = gate(easy, StubTesseract()).read(IMAGE)
    assert result.text == "শেষ কথা" and [line.text for line in result.lines] == ["শেষ কথা"]
    assert result.lines[0].reads[0].calibrated == pytest.approx(0.9)
