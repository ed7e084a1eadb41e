"""Issue 10 item 3, caption first: by default the classifier judges an image's caption lines; the background
lines (signs, page names, buttons) stay in the OCR result, the CLI output, the triage row and the GUI, where
one click adds them. `text_scope="all"` classifies every line, as before."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from banglahate_gui.defaults import TEXT_SCOPE  # noqa: E402
from banglahate_gui.ocr import OcrConfig  # noqa: E402
from banglahate_gui.ocr.result import LineRead, OcrLine, OcrResult  # noqa: E402
from banglahate_gui.pipeline import image_texts  # noqa: E402

CAPTION = ["ওরা আমাদের দেশের শত্রু", "ওদের তাড়িয়ে দাও"]
SIGN = "মায়ের দোয়া স্টোর ০১৭১১"


def _line(bbox, text: str, role: str) -> OcrLine:
    read = LineRead("easyocr", text, 0.9, 0.9)
    return OcrLine(tuple(bbox), read, [read], role)


def _meme() -> OcrResult:
    """What the gate reads from a band meme over a photo with a shop sign: two caption rows, one sign."""
    lines = [_line((40, 10, 600, 70), CAPTION[0], "caption"), _line((60, 400, 580, 460), CAPTION[1], "caption"),
             _line((250, 200, 390, 220), SIGN, "background")]
    return OcrResult(f"{CAPTION[0]}\n{CAPTION[1]}\n{SIGN}", "easyocr", 0.9, [], [], {}, "test", 0.6, (640, 480),
                     lines, f"{CAPTION[0]}\n{CAPTION[1]}")


def test_caption_is_the_default_and_all_keeps_every_line():
    result = _meme()
    assert TEXT_SCOPE == "caption" and OcrConfig().text_scope == "caption"
    assert image_texts(result, "caption") == ["\n".join(CAPTION)]
    assert image_texts(result, "all") == [result.text]
    assert result.background_text == SIGN


def test_an_image_without_caption_lines_is_classified_whole():
    result = _meme()
    for line in result.lines:
        line.role = "background"
    result.caption_text = ""
    assert image_texts(result, "caption") == [result.text]
    page = OcrResult("পুরো পাতা", "tesseract", 0.8, [], [], {}, "page", 0.6, (100, 100))  # no lines: page read
    assert page.classified_text("caption") == "পুরো পাতা" and page.background_text == ""


def test_a_blocks_text_keeps_its_caption_lines_or_all_of_them():
    result = _meme()
    assert result.block_text([0, 2], "caption") == CAPTION[0]
    assert result.block_text([0, 2], "all") == f"{CAPTION[0]}\n{SIGN}"
    assert result.block_text([2], "caption") == SIGN  # a block with no caption line is not emptied


def test_the_scope_is_checked_and_part_of_the_analysis_cache_key():
    with pytest.raises(ValueError, match="text_scope"):
        OcrConfig(text_scope="signs")
    assert OcrConfig(text_scope="all").cache_key() != OcrConfig().cache_key()


@pytest.mark.parametrize("scope", ["caption", "all"])
def test_analyze_image_classifies_the_scopes_text(tiny_bundle, scope, monkeypatch):
    from banglahate_gui.pipeline import Moderator

    moderator = Moderator.load(tiny_bundle, device="cpu", ocr=OcrConfig(text_scope=scope))
    monkeypatch.setattr(moderator, "read", lambda *a, **k: _meme())
    analysis = moderator.analyze_image(b"not read: `read` is replaced")
    expected = "\n".join(CAPTION) if scope == "caption" else _meme().text
    assert analysis.text == expected
    assert analysis.prediction == moderator.classify([expected])[0]
    assert analysis.ocr.text == _meme().text  # the OCR result keeps every line either way


def test_cli_shows_the_background_lines_it_left_out(tiny_bundle, tmp_path, monkeypatch, capsys):
    from banglahate_gui import cli
    from banglahate_gui.pipeline import Moderator

    monkeypatch.setattr(Moderator, "read", lambda self, *a, **k: _meme())
    image = tmp_path / "meme.png"
    image.write_bytes(b"\x89PNG not read")
    assert cli.main(["classify", "--bundle", str(tiny_bundle), "--device", "cpu", str(image)]) == 0
    out = capsys.readouterr().out
    assert f"background (not classified; --text-scope all adds it): {SIGN}" in out
    assert cli.main(["classify", "--bundle", str(tiny_bundle), "--device", "cpu", "--text-scope", "all", "--json",
                     str(image)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["text"] == _meme().text


def test_triage_rows_carry_the_background_text():
    from banglahate_gui.triage import _row

    ocr = _meme().to_dict()
    analysis = {"text": "\n".join(CAPTION), "normalized_text": " ".join(CAPTION), "bundle_id": "b", "ocr": ocr,
                "prediction": {"tasks": {}, "insufficient_text": False, "hate_probability": 0.4}}
    row = _row(Path("meme.png"), "sha", analysis, None, 0.5)
    assert row["text"] == "\n".join(CAPTION) and row["background_text"] == SIGN


def test_the_gui_adds_the_background_lines_with_one_click(qtbot):
    pytest.importorskip("PySide6")
    pytest.importorskip("pytestqt")
    from banglahate_gui.app.ocr_panel import OcrPanel

    panel = OcrPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_item("\n".join(CAPTION), _meme(), "", True)
    assert panel.add_background.isVisible()
    with qtbot.waitSignal(panel.reanalyze_requested) as signal:
        panel.add_background.click()
    assert signal.args[0] == f"{CAPTION[0]}\n{CAPTION[1]}\n{SIGN}"
    assert not panel.add_background.isVisible()
    panel.show_item(signal.args[0], _meme(), "", True)  # re-analysed with the sign: nothing left to add
    assert not panel.add_background.isVisible()
    panel.show_item("typed text", None, "", False)
    assert not panel.add_background.isVisible()


def test_a_big_sign_in_the_band_does_not_turn_the_caption_into_background():
    """What the gate read from a development band meme (691 x 461): caption rows 42-54 px tall, and a 92 px
    shop sign low in the photo. With the tallest line as the reference, three caption lines were background
    and the caption came out of order."""
    from banglahate_gui.ocr.layout import mark_roles

    caption = [((68, 27, 475, 69), "অামার চোখে পানি এসে"), ((485, 27, 627, 69), "পরছে এই"),
               ((25, 70, 191, 122), "ভিডিও টা"), ((199, 81, 536, 123), "দেখে ধন্যবাদ সময়"),
               ((555, 74, 685, 128), "টিভিকে")]
    lines = [_line(box, text, "background") for box, text in caption] + [_line((539, 301, 639, 393), "তারা", "caption"),
                                                                        _line((300, 200, 420, 222), "০১৭১১", "caption")]
    mark_roles(lines, 461)
    assert [line.role for line in lines[:5]] == ["caption"] * 5
    assert lines[-1].role == "background"  # a small phone number mid-photo


def test_an_unreadable_line_is_background_only_when_scores_are_calibrated():
    """A patch of photo the detector took for text reads as noise with a calibrated confidence near 0: it
    goes after the caption and out of the classified text. Raw, uncalibrated scores prove nothing."""
    from banglahate_gui.ocr.layout import UNREADABLE, mark_roles

    def lines():
        noise = _line((0, 384, 681, 495), "তি দগট্োও ড় টটগত", "caption")
        noise.kept = LineRead("tesseract", noise.text, 0.2, UNREADABLE / 2)
        return [_line((118, 15, 750, 99), "সব মেয়ে যুদি এমন হতো", "background"), noise,
                _line((116, 464, 761, 567), "বুদ্ধি টা কিন্তু চরম ছিলো", "background")]

    calibrated = lines()
    mark_roles(calibrated, 600)
    assert [line.role for line in calibrated] == ["caption", "background", "caption"]
    raw = lines()
    mark_roles(raw, 600, calibrated=False)
    assert [line.role for line in raw] == ["caption"] * 3


def test_the_int8_detector_reads_into_its_own_cache_entries(monkeypatch):
    """Its boxes differ from PyTorch's, so its analyses are never served to the exact detector's runs (the
    fp32 export reads the same lines as PyTorch: one key)."""
    keys = {}
    for inference in ("auto", "torch", "onnx", "onnx-int8"):
        monkeypatch.setenv("BANGLAHATE_INFERENCE", inference)
        keys[inference] = OcrConfig().cache_key()
    assert keys["auto"] == keys["torch"] == keys["onnx"] != keys["onnx-int8"]
    assert OcrConfig(gpu=True).cache_key() == keys["auto"]  # a GPU reader stays on PyTorch: exact readings
