"""A small slice of `benchmarks/ocr/run.py` in CI: the default gated pipeline keeps its accuracy."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from banglahate_gui.data.synth_memes import generate_memes
from banglahate_gui.ocr import OcrReader
from banglahate_gui.ocr.metrics import cer

PER_KIND = 3
BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "ocr" / "run.py"


def _benchmark_module():
    spec = importlib.util.spec_from_file_location("ocr_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scores(data_dir) -> dict[str, float]:
    """Mean CER per caption kind on the benchmark's first memes (same captions, seeds and renderer)."""
    captions = _benchmark_module().load_captions(data_dir)
    reader = OcrReader()
    out = {}
    for offset, (kind, pool) in enumerate(sorted(captions.items())):
        memes = generate_memes(pool, PER_KIND, seed=offset)
        out[kind] = sum(cer(m.text, reader.read(m.image).text) for m in memes) / len(memes)
    return out


def test_gated_pipeline_cer_stays_low(scores):
    assert set(scores) == {"banglish", "bengali", "mixed"}
    assert sum(scores.values()) / len(scores) < 0.10, scores
    assert max(scores.values()) < 0.20, scores
