"""Remembered analyses without Qt: cache hits skip OCR and the model, keys follow content, bundle and
OCR settings, corrected text is remembered with the image's reading; triage results open as queues."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from banglahate_gui.cache import AnalysisCache
from banglahate_gui.model import predictions_from_proba
from banglahate_gui.pipeline import Analysis
from banglahate_gui.hashing import sha256_file
from banglahate_gui.review.remember import TEXT_KEY, Request, analyse, image_key, triage_result_paths


class Fake:
    def __init__(self, bundle_id: str = "b@1"):
        self.classifier = SimpleNamespace(bundle_id=bundle_id)
        self.calls: list[str] = []

    def _analysis(self, text: str, source: str, ocr=None) -> Analysis:
        proba = {n: np.full((1, k), 1.0 / k) for n, k in (("binary", 2), ("type", 5), ("target", 5), ("severity", 4))}
        prediction = predictions_from_proba([text], proba)[0]
        return Analysis(source, text, text, False, prediction, self.classifier.bundle_id, ocr)

    def analyze_image(self, image, engine=None, progress=None):
        self.calls.append(f"image:{Path(image).name}")
        return self._analysis("পড়া লেখা", str(image))

    def analyze_text(self, text, source="text"):
        self.calls.append(f"text:{text}")
        return self._analysis(text, source)



@pytest.fixture
def image(tmp_path) -> Path:
    path = tmp_path / "a.png"
    path.write_bytes(b"\x89PNG fake bytes")
    return path


def test_second_analysis_comes_from_the_cache_and_force_skips_it(tmp_path, image):
    fake = Fake()
    with AnalysisCache(tmp_path / "c.sqlite") as cache:
        first = analyse(fake, Request(image, "a.png", "image"), cache, "ocr1")
        assert not first.from_cache and first.sha256 == sha256_file(image)
        again = analyse(fake, Request(image, "a.png", "image", sha256=first.sha256), cache, "ocr1")
        assert again.from_cache and again.analysis.to_dict() == first.analysis.to_dict()
        assert fake.calls == ["image:a.png"]
        analyse(fake, Request(image, "a.png", "image", force=True), cache, "ocr1")
        assert fake.calls == ["image:a.png"] * 2


def test_a_forced_engine_is_part_of_the_key(tmp_path, image):
    fake = Fake()
    with AnalysisCache(tmp_path / "c.sqlite") as cache:
        analyse(fake, Request(image, "a.png", "image"), cache, "ocr1")
        forced = analyse(fake, Request(image, "a.png", "image", engine="tesseract"), cache, "ocr1")
        assert not forced.from_cache and fake.calls == ["image:a.png"] * 2
        assert analyse(fake, Request(image, "a.png", "image", engine="tesseract"), cache, "ocr1").from_cache
        assert cache.get(forced.sha256, "b@1", image_key("ocr1", "tesseract")) is not None
        assert image_key("ocr1", None) == "ocr1"  # the automatic gate keeps the key triage uses


def test_keys_follow_content_bundle_and_ocr_settings(tmp_path, image):
    fake = Fake()
    with AnalysisCache(tmp_path / "c.sqlite") as cache:
        analyse(fake, Request(image, "a.png", "image"), cache, "ocr1")
        renamed = image.rename(tmp_path / "renamed.png")
        assert analyse(fake, Request(renamed, "renamed.png", "image"), cache, "ocr1").from_cache
        assert not analyse(fake, Request(renamed, "renamed.png", "image"), cache, "ocr2").from_cache
        assert not analyse(Fake("b@2"), Request(renamed, "renamed.png", "image"), cache, "ocr1").from_cache
        renamed.write_bytes(b"\x89PNG edited bytes")
        assert not analyse(fake, Request(renamed, "renamed.png", "image"), cache, "ocr1").from_cache


def test_corrected_text_is_remembered_with_the_image_reading(tmp_path, image):
    fake = Fake()
    with AnalysisCache(tmp_path / "c.sqlite") as cache:
        sha = sha256_file(image)
        edited = analyse(fake, Request(image, "a.png", "edited", sha, "সংশোধিত লেখা", None), cache, "ocr1")
        assert not edited.from_cache and edited.analysis.text == "সংশোধিত লেখা"
        stored = cache.get(sha, "b@1", "ocr1")
        assert stored["text"] == "সংশোধিত লেখা"
        later = analyse(fake, Request(image, "a.png", "image", sha), cache, "ocr1")
        assert later.from_cache and later.analysis.text == "সংশোধিত লেখা"
        assert fake.calls == ["text:সংশোধিত লেখা"]


def test_text_items_use_their_own_key(tmp_path):
    fake = Fake()
    with AnalysisCache(tmp_path / "c.sqlite") as cache:
        out = analyse(fake, Request("লেখা", "লেখা", "text", "sha-t", "লেখা"), cache, "ocr1")
        assert cache.get("sha-t", "b@1", TEXT_KEY) is not None and not out.from_cache
        assert analyse(fake, Request("লেখা", "লেখা", "text", "sha-t", "লেখা"), cache, "other").from_cache


def test_triage_results_open_in_their_order(tmp_path):
    rows = [{"path": "b.png", "hate_probability": 0.9}, {"path": str(tmp_path / "a.png"), "hate_probability": 0.1}]
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with open(tmp_path / "r.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "hate_probability"])
        writer.writeheader()
        writer.writerows(rows)
    expected = [tmp_path / "b.png", tmp_path / "a.png"]
    assert triage_result_paths(tmp_path / "r.jsonl") == expected == triage_result_paths(tmp_path / "r.csv")
    (tmp_path / "x.csv").write_text("name\nq\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no `path` column"):
        triage_result_paths(tmp_path / "x.csv")
    with pytest.raises(ValueError, match=".csv or .jsonl"):
        triage_result_paths(tmp_path / "r.parquet")
