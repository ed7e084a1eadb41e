"""The measured OCR noise model: the shipped JSON, its checks, `corrupt` on real lines, and the commands
that measure it (`build`) and read the test meme captions (`read-captions`)."""

from __future__ import annotations

import json
import unicodedata

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from banglahate_gui.text import normalize
from banglahate_gui.train.ocr_noise import (DEFAULT_PATH, OcrNoise, OcrNoiseError, build, char_class, main,
                                            read_captions, train_captions)


@pytest.fixture(scope="module")
def noise() -> OcrNoise:
    return OcrNoise.load()


@pytest.fixture(scope="module")
def bengali_lines(sample_texts: list[str]) -> list[str]:
    lines = [normalize(t) for t in sample_texts]
    return [t for t in lines if len(t) >= 10 and sum(char_class(c) in ("consonant", "vowel", "sign") for c in t)
            > 0.5 * len(t)]


def _is_bengali(ch: str) -> bool:
    return "\u0980" <= ch <= "\u09ff"


def test_shipped_file_is_a_measurement_with_tables(noise: OcrNoise):
    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["source_command"].startswith("python -m banglahate_gui.train.ocr_noise build")
    assert data["totals"]["lines"] >= 200 and data["totals"]["truth_chars"] >= 5000
    rates = noise.rates
    assert set(rates) >= {"char_error_rate", "substitution", "deletion", "insertion", "merge", "split",
                          "stray_latin", "drop_word"}
    assert all(0.0 <= v <= 1.0 for v in rates.values())
    assert 0.0 < rates["char_error_rate"] < 0.5
    # look-alike letters: the most frequent substitutions swap one Bengali letter or sign for another
    top = data["top"]["substitutions"][:10]
    assert top and sum(_is_bengali(a) and _is_bengali(b) for a, b, _n in top) >= len(top) // 2
    assert [n for _a, _b, n in data["top"]["substitutions"]] == sorted((n for *_x, n in data["top"]["substitutions"]),
                                                                        reverse=True)


def test_bad_files_are_refused_with_a_clear_message(tmp_path):
    with pytest.raises(OcrNoiseError, match="no OCR noise file"):
        OcrNoise.load(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(OcrNoiseError, match="not readable JSON"):
        OcrNoise.load(broken)
    good = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    OcrNoise(good)
    for change, message in (
        (lambda d: d.update(version=99), "version 1"),
        (lambda d: d.pop("substitutions"), "missing substitutions"),
        (lambda d: d["deletions"].update({"ক": -3}), "must be a count"),
        (lambda d: d["substitutions"].update({"কখ": {"ক": 1}}), "neither one character"),
        (lambda d: d["insertions"].update({"emoji": {"x": 1}}), "unknown class"),
        (lambda d: d["chars"].update({"ক": 0}), "counts disagree"),
        (lambda d: d["totals"].pop("words"), "totals need"),
    ):
        data = json.loads(json.dumps(good))
        change(data)
        with pytest.raises(OcrNoiseError, match=message):
            OcrNoise(data)


def test_corrupt_is_deterministic_per_seed_and_strength_zero_is_identity(noise, bengali_lines):
    lines = bengali_lines[:100]
    first = [noise.corrupt(t, np.random.default_rng(7)) for t in lines]
    again = [noise.corrupt(t, np.random.default_rng(7)) for t in lines]
    other = [noise.corrupt(t, np.random.default_rng(8)) for t in lines]
    assert first == again and first != other
    rng = np.random.default_rng(0)
    assert [noise.corrupt(t, rng, strength=0.0) for t in lines] == lines
    assert noise.corrupt("", rng) == ""


def test_corrupt_changes_real_lines_at_the_measured_rate(noise, bengali_lines):
    rng = np.random.default_rng(0)
    lines = bengali_lines * 3
    chars = sum(len(t) for t in lines)

    def cer(strength: float) -> float:
        return sum(Levenshtein.distance(t, noise.corrupt(t, rng, strength)) for t in lines) / chars

    measured = noise.rates["char_error_rate"]
    # the replay also drops whole words the detector missed (not part of the line CER): allow for them
    expected = measured + noise.rates["drop_word"] * 5
    observed = cer(1.0)
    assert 0.6 * measured <= observed <= 1.5 * expected, (observed, measured, expected)
    assert cer(2.0) > 1.5 * observed
    assert cer(0.25) < 0.5 * observed


def test_corrupt_output_stays_normalized_bangla(noise, bengali_lines):
    rng = np.random.default_rng(1)
    outs = [noise.corrupt(t, rng, strength=2.0) for t in bengali_lines]
    assert sum(o != t for o, t in zip(outs, bengali_lines)) > len(outs) // 2
    for text, out in zip(bengali_lines, outs):
        assert unicodedata.is_normalized("NFC", out) and normalize(out) == out, (text, out)
        assert out.strip() and out.count(" ") <= text.count(" ") + 3, (text, out)
    bengali_in = sum(sum(map(_is_bengali, t)) for t in bengali_lines)
    assert sum(sum(map(_is_bengali, o)) for o in outs) >= 0.85 * bengali_in  # noise, not a change of script
    placeholder = normalize("আজ ৫০০ টাকা দিয়ে দেখুন https://x.com @rahim")
    for seed in range(200):
        out = noise.corrupt(placeholder, np.random.default_rng(seed), strength=3.0)
        assert out.count("<") == out.count(">") and all(w in ("<num>", "<url>", "<user>")
                                                        for w in out.split() if w.startswith("<"))


class _CachedOnly:
    """A reader that must not be asked to read (every meme comes from the cache)."""

    class easyocr:  # noqa: N801 - mirrors OcrReader.easyocr
        @staticmethod
        def recognizer() -> str:
            return "bn_latin_g2"

    def read(self, image):
        raise AssertionError("read a meme the cache holds")


def test_build_command_measures_and_resumes_from_its_cache(tmp_path, data_dir):
    from banglahate_gui.data.corpus import build_corpus

    out, cache = tmp_path / "noise.json", tmp_path / "cache.jsonl"
    main(["build", "--out", str(out), "--lines", "2", "--seed", "3", "--cache", str(cache), "--data-dir",
          str(data_dir)])
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["memes"] == 2 and data["seed"] == 3 and sum(data["styles"].values()) == 2
    assert data["totals"]["lines"] >= 1 and data["totals"]["truth_chars"] > 20
    assert OcrNoise.load(out).rates == data["rates"]
    again = build(data_dir, 2, 3, (), data["source_command"], reader=_CachedOnly(), cache=cache, log=lambda m: None)
    assert {k: v for k, v in again.items() if k not in ("seconds", "photos")} == \
        {k: v for k, v in data.items() if k not in ("seconds", "photos")}
    corpus = build_corpus(data_dir)
    held_out = set(corpus.frame.loc[corpus.frame["split"] != "train", "text"])
    assert not held_out & set(train_captions(data_dir, 3))


def test_read_captions_reads_test_meme_captions_and_resumes(tmp_path, data_dir):
    from banglahate_gui.data.corpus import frozen_test_ids

    out = tmp_path / "captions.jsonl"
    assert read_captions(data_dir, out, (), limit=1, log=lambda m: None) == 1
    assert read_captions(data_dir, out, (), limit=1, log=lambda m: None) == 1
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 and rows[0]["id"] != rows[1]["id"]
    assert {r["id"] for r in rows} <= frozen_test_ids()
    for row in rows:
        assert row["style"] in ("screenshot", "band", "outline_flat", "outline_photo") and row["seconds"] > 0
        assert Levenshtein.normalized_distance(row["text"][:30], normalize(row["ocr_text"])[:30]) < 0.8
        assert row["classified_text"] and set(row["classified_text"].splitlines()) <= set(row["ocr_text"].splitlines())


def test_the_ocr_slice_scores_the_text_the_app_classifies(tmp_path):
    """`banglahate evaluate --ocr-readings` judges each caption as the app would (`classified_text`: the
    caption lines, not signs and buttons), and falls back to the whole reading for files written before."""
    import pandas as pd

    from banglahate_gui.data.corpus import row_ids
    from banglahate_gui.model.schema import TASKS
    from banglahate_gui.train.evaluate import OCR_SLICE, _ocr_slice
    from banglahate_gui.train.run import MEME_SOURCE

    test = pd.DataFrame({"source": [MEME_SOURCE, MEME_SOURCE, "other"], "text": ["এক", "দুই", "তিন"]})
    ids = row_ids(test)
    readings = tmp_path / "readings.jsonl"
    readings.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"id": ids[0], "ocr_text": "এক\nদোকান ০১৭১১", "classified_text": "এক"},
        {"id": ids[1], "ocr_text": "দুই"},  # an older file: no classified_text
        {"id": ids[2], "ocr_text": "তিন", "classified_text": "তিন"}]), encoding="utf-8")
    seen = []

    def predict(rows):
        seen.extend(rows)
        return {}

    labels = {t.name: np.zeros(3, dtype=np.int64) for t in TASKS}
    slices = _ocr_slice(readings, test, labels, TASKS, predict)
    assert seen == ["এক", "দুই"], "the caption lines of meme rows only"
    assert slices[OCR_SLICE]["rows"] == 2
