"""Shared fixtures: real Bangla/Banglish lines from ../shared/data and a tiny bundle built from them."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

SHARED_DIR = Path(os.environ.get("BANGLAHATE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DATA_DIR = SHARED_DIR / "data"


def _read_sample_texts() -> list[str]:
    with open(DATA_DIR / "bdshs" / "test.csv", encoding="utf-8") as f:
        bengali = [row["sentence"] for _, row in zip(range(220), csv.DictReader(f))]
    with open(DATA_DIR / "tb_olid" / "train.json", encoding="utf-8") as f:
        banglish = [row["text"] for row in json.load(f)[:100]]
    return bengali + banglish


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.skip(f"shared data not found at {DATA_DIR} (set BANGLAHATE_SHARED)")
    return DATA_DIR


@pytest.fixture(scope="session")
def sample_texts(data_dir: Path) -> list[str]:
    """About 320 real lines: Bengali script (BD-SHS) and romanized Bangla (TB-OLID)."""
    return _read_sample_texts()


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory, sample_texts: list[str]) -> Path:
    """A complete bundle with tiny random-init encoders and tokenizers trained on `sample_texts`."""
    from banglahate_gui.train.tiny import build_tiny_bundle

    return build_tiny_bundle(tmp_path_factory.mktemp("bundle") / "tiny", sample_texts, seed=0)
