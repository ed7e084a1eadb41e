"""Calibrated OCR confidences: score maps, the shipped file, refusing files fitted for other weights,
the fit and its calibration error, and the line data the fitting command collects."""

from __future__ import annotations

import json
import random
import shutil

import numpy as np
import pytest

from banglahate_gui.hashing import sha256_bytes, sha256_file
from banglahate_gui.ocr import OcrConfig, OcrReader, trust
from banglahate_gui.ocr.calibration import (Calibration, CalibrationError, ScoreMap, calibration_from, calibration_path,
                                            context_key, easyocr_key, expected_calibration_error, fit_map,
                                            load_calibration, tesseract_key)
from banglahate_gui.ocr.preprocess import LINE_CONTEXTS, line_context
from banglahate_gui.resources import default_recognizer_dir
from banglahate_gui.train.ocr_calibration import fit, gold_for, make_meme

SHIPPED = calibration_path(default_recognizer_dir(), "bn_latin_g2")


def test_score_map_interpolates_clips_and_rejects_bad_maps():
    m = ScoreMap((0.2, 0.6), (0.1, 0.9))
    assert m(0.4) == pytest.approx(0.5) and m(0.0) == 0.1 and m(1.0) == 0.9
    for x, y in (((0.5, 0.2), (0.1, 0.2)), ((0.1, 0.2), (0.9, 0.1)), ((0.1,), (1.5,)), ((0.1, 0.2), (0.5,)),
                 ((float("nan"),), (0.5,)), ((), ())):
        with pytest.raises(CalibrationError):
            ScoreMap(x, y)


def test_shipped_calibration_belongs_to_the_shipped_recognizer():
    calibration, note = load_calibration(default_recognizer_dir(), "bn_latin_g2")
    assert note == f"calibrated by {SHIPPED.name}"
    assert calibration.recognizer_sha256 == sha256_file(default_recognizer_dir() / "bn_latin_g2.pth")
    assert calibration.has(easyocr_key("bn_latin_g2")) and calibration.has(tesseract_key("ben+eng"))
    for key in (easyocr_key("bn_latin_g2"), tesseract_key("ben+eng")):
        scores = [calibration.calibrate(key, raw) for raw in np.linspace(0, 1, 21)]
        assert scores == sorted(scores) and 0.0 <= scores[0] <= scores[-1] <= 1.0
    report = calibration.report
    assert min(report["lines"].values()) >= 500
    reader = OcrReader()
    assert reader.calibration()[1] == note and reader.available_engines()["calibration"] == note


def _files(calibration: bytes | None, pth: bytes = b"weights") -> trust.RecognizerFiles:
    """What `trust.read_recognizer` returns for a folder "rec" holding these bytes."""
    hashes = trust.RecognizerHashes("rec", "0" * 64, sha256_bytes(pth),
                                    sha256_bytes(calibration) if calibration is not None else "")
    return trust.RecognizerFiles(hashes, b"", pth, {}, calibration)


def test_calibration_for_other_weights_or_broken_files_is_not_used():
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    calibration, note = calibration_from(_files(json.dumps(data).encode()))
    assert not calibration.maps and note == "rec.calibration.json was fitted for other rec.pth weights: raw scores"
    data["recognizer_sha256"] = sha256_bytes(b"weights")
    calibration, note = calibration_from(_files(json.dumps(data).encode()), "somewhere/rec.calibration.json")
    assert calibration.maps and note == "calibrated by rec.calibration.json"
    assert calibration.source == "somewhere/rec.calibration.json"
    data["maps"][next(iter(data["maps"]))] = {"x": [0.5, 0.1], "y": [0.1, 0.2]}
    calibration, note = calibration_from(_files(json.dumps(data).encode()))
    assert not calibration.maps and "unusable" in note
    assert "unusable" in calibration_from(_files(b"[1, 2"))[1]
    assert "unusable" in calibration_from(_files(b"\xff\xfe"))[1]
    assert calibration_from(_files(None)) == (Calibration({}), "no rec.calibration.json: raw scores")
    assert "raw scores" in load_calibration(None, None)[1]
    # without calibration the gate compares raw scores, and says so
    assert OcrReader(OcrConfig(recognizer_dir="builtin")).calibration()[0].maps == {}


def test_calibration_of_an_untrusted_or_unreadable_recognizer_is_not_used(tmp_path):
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / "rec.pth").write_bytes(b"weights")  # no rec.yaml
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    data["recognizer_sha256"] = sha256_file(folder / "rec.pth")
    (folder / "rec.calibration.json").write_text(json.dumps(data), encoding="utf-8")
    calibration, note = load_calibration(folder, "rec")
    assert not calibration.maps and note.startswith("recognizer not usable (") and note.endswith("): raw scores")


def test_isotonic_fit_calibrates_an_overconfident_score():
    rng = np.random.default_rng(0)
    raw = rng.uniform(0, 1, 4000)
    correct = (rng.uniform(0, 1, raw.size) < raw ** 3).astype(float)  # raw says 0.8, truth is 0.51
    assert expected_calibration_error(raw, correct) > 0.2
    m = fit_map(raw[:2000], correct[:2000])
    calibrated = np.array([m(v) for v in raw[2000:]])
    assert expected_calibration_error(calibrated, correct[2000:]) < 0.05
    assert len(m.x) <= 64 and list(m.y) == sorted(m.y)
    assert expected_calibration_error(np.array([0.9, 0.9]), np.array([1.0, 1.0])) == pytest.approx(0.1)


def test_fit_reports_cross_fitted_error_per_engine_and_style():
    rng = random.Random(0)
    rows = []
    for seed in range(400):
        raw = rng.random()
        ok = rng.random() < raw
        rows.append({"style": "band", "seed": seed, "gold": "ভাল কথা",
                     "easyocr": ["ভাল কথা" if ok else "ভুল", raw], "tesseract": ["", 0.0]})
    rows[0]["tesseract"] = ["ভাল কথা", 0.9]
    calibration = fit(rows, {"easyocr": "easyocr:x", "tesseract": "tesseract:y"}, "abc")
    assert calibration.recognizer_sha256 == "abc"
    assert calibration.report["lines"] == {"easyocr:x": 400, "tesseract:y": 1}  # empty readings are not fitted
    assert calibration.report["per_style"]["easyocr:x"]["band"]["lines"] == 400
    assert calibration.report["ece_calibrated"]["easyocr:x"] < 0.1
    restored = Calibration.from_dict(json.loads(json.dumps(calibration.to_dict())))
    assert restored.maps == calibration.maps


def test_a_context_map_is_used_before_the_engine_map_and_fitted_where_lines_suffice():
    dark, light = LINE_CONTEXTS
    white_page = np.full((30, 120, 3), 255, np.uint8)
    white_page[10:20, 10:100] = 0  # dark text on a light page
    outlined = np.full((30, 120, 3), 60, np.uint8)
    outlined[10:20, 10:100] = 255  # white text on a dark colour
    assert (line_context(white_page), line_context(outlined), line_context(white_page[:0])) == (dark, light, light)
    calibration = Calibration({"e": ScoreMap((0.0, 1.0), (0.0, 1.0)), context_key("e", dark): ScoreMap((0.0, 1.0), (0.0, 0.2))})
    assert calibration.calibrate("e", 0.5, dark) == pytest.approx(0.1)
    assert calibration.calibrate("e", 0.5, light) == calibration.calibrate("e", 0.5) == pytest.approx(0.5)
    rng = random.Random(1)
    rows = []
    for seed in range(1200):  # the same raw scores are right far less often on light pages
        context = dark if seed // 2 % 2 else light
        raw = rng.random()
        ok = rng.random() < (raw * 0.3 if context == dark else raw)
        rows.append({"style": "band", "seed": seed, "gold": "ভাল কথা", "context": context,
                     "easyocr": ["ভাল কথা" if ok else "ভুল", raw], "tesseract": ["", 0.0]})
    rows[0]["context"] = ""  # a row from a cache written before contexts: only the overall map sees it
    rows[1]["tesseract"] = ["ভাল কথা", 0.9]
    fitted = fit(rows, {"easyocr": "easyocr:x", "tesseract": "tesseract:y"}, "abc")
    assert set(fitted.maps) == {"easyocr:x", "tesseract:y", context_key("easyocr:x", dark),
                                context_key("easyocr:x", light)}  # tesseract: too few lines for a context map
    assert fitted.calibrate("easyocr:x", 0.9, dark) < 0.45 < 0.7 < fitted.calibrate("easyocr:x", 0.9, light)
    per_context = fitted.report["per_context"]["easyocr:x"]
    assert per_context[dark]["lines"] == 600 and all(v["ece_calibrated"] < 0.1 for v in per_context.values())


def test_calibration_memes_carry_gold_words_through_reposting():
    captions = ["তুই একটা বাজে লোক", "ek number potita meme"]
    for style in ("screenshot", "band", "outline_flat", "outline_photo"):
        for seed in range(4):  # some of these are reposted (rotated, scaled, JPEG)
            pixels, words, caption = make_meme(captions, style, seed, ())
            height, width = pixels.shape[:2]
            caption_words = [w for w, _box, is_caption in words if is_caption]
            assert " ".join(caption_words) == caption
            for _word, (left, top, right, bottom), _ in words:
                assert -5 <= left < right <= width + 5 and -5 <= top < bottom <= height + 5
    assert gold_for((0, 0, 100, 50), [("a", (10, 10, 30, 40), True), ("b", (40, 10, 60, 40), True),
                                      ("c", (10, 60, 30, 90), True)]) == "a b"


def test_the_fitting_command_writes_maps_beside_a_recognizer(tmp_path, data_dir, monkeypatch):
    """A one-meme-per-style run of the fitting command on a copy of the shipped recognizer; `--trust` adds
    the recognizer with its new calibration file to the user's allowlist (without it the folder is refused);
    `--reread-from` reads those lines again."""
    from banglahate_gui.train import ocr_calibration

    monkeypatch.setenv(trust.CONFIG_DIR_ENV, str(tmp_path / "config"))

    folder = tmp_path / "rec"
    shutil.copytree(default_recognizer_dir(), folder, ignore=shutil.ignore_patterns("*.calibration.json"))
    lines = tmp_path / "lines.jsonl"
    ocr_calibration.main(["--data-dir", str(data_dir), "--recognizer", str(folder), "--lines", str(lines),
                          "--per-style", "1", "--photos", str(tmp_path / "no-photos"), "--trust"])
    rows = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    assert {row["style"] for row in rows} == {"screenshot", "band", "outline_flat", "outline_photo"}
    calibration, note = load_calibration(folder, "bn_latin_g2")
    assert note == "calibrated by bn_latin_g2.calibration.json"
    assert [h.calibration_sha256 for h in trust.user_trusted()] == [sha256_file(folder / "bn_latin_g2.calibration.json")]
    assert calibration.report["lines"][easyocr_key("bn_latin_g2")] == sum(bool(r["easyocr"][0]) for r in rows)
    # A new recognizer reuses these lines: the memes drawn again and their boxes re-read. With the same
    # recognizer that gives back every reading and score, so the re-read lines are what a fresh run collects.
    again = tmp_path / "reread.jsonl"
    ocr_calibration.main(["--data-dir", str(data_dir), "--recognizer", str(folder), "--lines", str(again),
                          "--per-style", "1", "--photos", str(tmp_path / "no-photos"), "--reread-from", str(lines)])
    reread = [json.loads(line) for line in again.read_text(encoding="utf-8").splitlines()]
    assert [r["bbox"] for r in reread] == [r["bbox"] for r in rows]
    assert [r["easyocr"][0] for r in reread] == [r["easyocr"][0] for r in rows]
    assert np.allclose([r["easyocr"][1] for r in reread], [r["easyocr"][1] for r in rows], atol=1e-6)
    assert load_calibration(folder, "bn_latin_g2")[0].maps == calibration.maps


@pytest.mark.parametrize("maps", [{"k": {"x": 5, "y": 1}}, {"k": 7}])
def test_malformed_calibration_file_falls_back_to_raw_scores(maps):
    data = {"format": 1, "recognizer_sha256": sha256_bytes(b"weights"), "maps": maps}
    calibration, note = calibration_from(_files(json.dumps(data).encode()))
    assert not calibration.maps and "unusable" in note


def test_tesseract_rereads_far_from_easyocrs_reading_get_their_own_map():
    """Lines where Tesseract's reading is of another script than EasyOCR's, or far from it, are fitted apart;
    the shipped file has that map and it scores such re-reads far below a close one."""
    from banglahate_gui.ocr.calibration import DISAGREES, load_calibration
    from banglahate_gui.resources import default_recognizer_dir
    from banglahate_gui.train.ocr_calibration import MIN_CONTEXT_LINES

    rows = [{"style": "band", "seed": seed, "gold": "ভাল কথা", "context": "dark_on_light",
             "easyocr": ["ভাল কথা", 0.5], "tesseract": ["ভাল কথা" if seed % 5 else "ভাল কথ", 0.8]} for seed in range(200)]
    far = ("Tarrat", "ঠা")  # another script; the same script, far apart
    rows += [{"style": "band", "seed": 200 + i, "gold": "ভাল কথা", "context": "dark_on_light",
              "easyocr": ["ভাল কথা", 0.5], "tesseract": [far[i % 2], 0.8]} for i in range(MIN_CONTEXT_LINES)]
    fitted = fit(rows, {"easyocr": "easyocr:x", "tesseract": "tesseract:y"}, "abc")
    assert fitted.report["per_context"]["tesseract:y"][DISAGREES]["lines"] == MIN_CONTEXT_LINES
    assert fitted.calibrate("tesseract:y", 0.8, DISAGREES) == pytest.approx(0.0)
    assert fitted.calibrate("tesseract:y", 0.8, "dark_on_light") == pytest.approx(0.8)  # 4 in 5 right
    assert fitted.calibrate("easyocr:x", 0.5, DISAGREES) == fitted.calibrate("easyocr:x", 0.5)
    shipped, _ = load_calibration(default_recognizer_dir(), "bn_latin_g2")
    assert shipped.has(context_key("tesseract:ben+eng", DISAGREES))
    far_apart, close = (shipped.calibrate("tesseract:ben+eng", 0.85, c) for c in (DISAGREES, "dark_on_light"))
    assert far_apart < 0.5 * close
