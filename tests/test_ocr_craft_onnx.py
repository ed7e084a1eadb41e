"""CRAFT on ONNX Runtime: the fp32 export and the shipped int8 detector find the same lines as PyTorch,
integrity of both files, PyTorch kept when asked or when the export disagrees, the automatic choice
measured once; Tesseract's own failures are clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

pytest.importorskip("onnxruntime", reason="the [onnx] extra is not installed")

from banglahate_gui.data.synth_memes import bengali_fonts, render_meme  # noqa: E402
from banglahate_gui.errors import OcrUnavailableError  # noqa: E402
from banglahate_gui.model.onnx import INFERENCE_ENV  # noqa: E402
from banglahate_gui.ocr import OcrReader, craft_onnx, easyocr_engine  # noqa: E402
from banglahate_gui.ocr.tesseract_engine import TesseractEngine  # noqa: E402


@pytest.fixture(scope="module")
def engine():
    engine = OcrReader().easyocr
    if engine.missing_files():
        pytest.skip(f"EasyOCR weights not installed in {engine.model_dir}")
    return engine


@pytest.fixture()
def fresh(tmp_path, monkeypatch):
    """A private cache and no remembered detecting readers; the ONNX path asked for explicitly."""
    monkeypatch.setenv("BANGLAHATE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv(INFERENCE_ENV, "onnx")
    monkeypatch.setattr(easyocr_engine, "_DETECTING", {})
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def meme() -> np.ndarray:
    font = next(f for f in bengali_fonts() if "NotoSansBengali-Bold" in f)
    return np.asarray(render_meme("তুই একটা বাজে লোক\nতোর মুখ দেখতে চাই না", seed=3, font=font, size=(640, 420)))


def _lines(engine, meme, inference, monkeypatch):
    monkeypatch.setenv(INFERENCE_ENV, inference)
    easyocr_engine._DETECTING.clear()
    return engine.detecting_reader(), engine.read_lines(meme)


def test_fp32_detector_reads_the_same_lines_as_pytorch(engine, fresh, meme, monkeypatch):
    fast, lines = _lines(engine, meme, "onnx", monkeypatch)
    assert isinstance(fast.detector, craft_onnx.OnnxCraft) and fast.detector.variant == "fp32"
    assert isinstance(engine.reader().detector, torch.nn.Module)  # readtext keeps EasyOCR as shipped
    plain, reference = _lines(engine, meme, "torch", monkeypatch)
    assert plain is engine.reader()
    assert [(b.text, b.bbox) for b in lines] == [(b.text, b.bbox) for b in reference] and lines
    [plan_file] = fresh.glob("onnx/craft-*/plan.json")
    plan = json.loads(plan_file.read_text())
    assert plan["parity_ok"] and plan["max_diff"] <= craft_onnx.TOLERANCE


def test_shipped_int8_detector_reads_the_same_text(engine, fresh, meme, monkeypatch):
    assert craft_onnx.shipped_int8() is not None, "resources/detector must hold the pinned int8 detector"
    fast, lines = _lines(engine, meme, "onnx-int8", monkeypatch)
    assert fast.detector.variant == "int8"
    _, reference = _lines(engine, meme, "torch", monkeypatch)
    assert [b.text for b in lines] == [b.text for b in reference] and lines
    for ours, theirs in zip(lines, reference):  # quantized score maps: boxes may move by a pixel or two
        assert max(abs(a - b) for a, b in zip(ours.bbox, theirs.bbox)) <= 4


def test_changed_int8_file_is_not_used(fresh, tmp_path, monkeypatch):
    shipped = craft_onnx.resources_dir() / "detector" / craft_onnx.INT8_FILE
    copy = tmp_path / "resources" / "detector" / craft_onnx.INT8_FILE
    copy.parent.mkdir(parents=True)
    copy.write_bytes(shipped.read_bytes()[:-1] + b"x")
    monkeypatch.setenv("BANGLAHATE_RESOURCES", str(tmp_path / "resources"))
    assert craft_onnx.shipped_int8() is None


def test_changed_fp32_export_is_exported_again_never_run(engine, fresh):
    data, plan = craft_onnx.prepare(engine.reader().detector)
    path = craft_onnx.plan_folder() / plan["file"]
    path.write_bytes(data[:-10] + b"0123456789")
    assert craft_onnx.read_plan(craft_onnx.plan_folder()) is None
    again, _ = craft_onnx.prepare(engine.reader().detector)
    assert again == data and path.read_bytes() == data


def test_disagreeing_export_keeps_pytorch(engine, fresh, monkeypatch):
    monkeypatch.setattr(craft_onnx, "TOLERANCE", -1.0)
    monkeypatch.setattr(craft_onnx, "shipped_int8", lambda: None)
    assert engine.detecting_reader() is engine.reader()
    assert json.loads(next(fresh.glob("onnx/craft-*/plan.json")).read_text())["parity_ok"] is False


def test_auto_measures_once_per_thread_count(engine, fresh, monkeypatch):
    monkeypatch.setenv(INFERENCE_ENV, "auto")
    craft_onnx.ensure_plan(engine, 1)
    speed = json.loads(next(fresh.glob("onnx/craft-*/speed.json")).read_text())
    [(key, entry)] = speed.items()
    assert key.startswith("1 threads: fp32 ") and entry["choice"] in ("fp32", "torch")  # int8 only on request
    monkeypatch.setattr(craft_onnx, "ROUNDS", None)  # a second measurement would fail: none happens
    with monkeypatch.context() as patch:  # prepared already: not even an EasyOCR reader is built
        patch.setattr(engine, "reader", lambda: pytest.fail("a prepared plan needs no reader"))
        craft_onnx.ensure_plan(engine, 1)
    candidates = craft_onnx.variants(engine.reader().detector, "auto")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert craft_onnx.measure(engine.reader().detector, candidates) == entry
    finally:
        torch.set_num_threads(previous)


def test_tesseract_failure_is_a_clear_error(monkeypatch, tmp_path):
    engine = TesseractEngine()
    try:
        engine.check()
    except OcrUnavailableError as exc:
        pytest.skip(str(exc))
    monkeypatch.setattr("pytesseract.pytesseract.tesseract_cmd", "false")
    with pytest.raises(OcrUnavailableError, match="Tesseract failed"):
        engine.read_lines([np.full((30, 90), 255, np.uint8)])
