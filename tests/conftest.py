"""Shared fixtures: real Bangla/Banglish lines from ../shared/data and a tiny bundle built from them."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

SHARED_DIR = Path(os.environ.get("BANGLAHATE_SHARED") or Path(__file__).resolve().parents[2] / "shared")
DATA_DIR = SHARED_DIR / "data"
IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require_shared(path: Path) -> Path:
    """`path` under the shared folder; missing: skip locally, fail under `CI=true` (CI must not go green
    on a run that skipped the real-data tests)."""
    if not path.exists():
        reason = f"shared data not found at {path} (set BANGLAHATE_SHARED)"
        if IN_CI:
            pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(autouse=True, scope="session")
def _private_config_dir(tmp_path_factory: pytest.TempPathFactory):
    """Tests never read or write the user's real config (recognizer allowlist)."""
    from banglahate_gui.ocr.trust import CONFIG_DIR_ENV

    old = os.environ.get(CONFIG_DIR_ENV)
    os.environ[CONFIG_DIR_ENV] = str(tmp_path_factory.mktemp("config"))
    yield
    if old is None:
        os.environ.pop(CONFIG_DIR_ENV, None)
    else:
        os.environ[CONFIG_DIR_ENV] = old


@pytest.fixture(autouse=True, scope="session")
def _plain_inference():
    """Tests run the encoders on PyTorch unless they ask for ONNX (tests/test_onnx*.py) or the caller sets
    BANGLAHATE_INFERENCE: the automatic choice would export and time every new test bundle first."""
    from banglahate_gui.model.onnx import INFERENCE_ENV

    os.environ.setdefault(INFERENCE_ENV, "torch")
    yield


def _read_sample_texts() -> list[str]:
    with open(DATA_DIR / "bdshs" / "test.csv", encoding="utf-8") as f:
        bengali = [row["sentence"] for _, row in zip(range(220), csv.DictReader(f))]
    with open(DATA_DIR / "tb_olid" / "train.json", encoding="utf-8") as f:
        banglish = [row["text"] for row in json.load(f)[:100]]
    return bengali + banglish


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return require_shared(DATA_DIR)


@pytest.fixture(scope="session")
def sample_texts(data_dir: Path) -> list[str]:
    """About 320 real lines: Bengali script (BD-SHS) and romanized Bangla (TB-OLID)."""
    return _read_sample_texts()


@pytest.fixture(scope="module")
def moderator4(tiny_bundle):
    """The Moderator façade on the four-task tiny bundle (one per test module)."""
    from banglahate_gui.pipeline import Moderator

    return Moderator.load(tiny_bundle, device="cpu")


@pytest.fixture(scope="module")
def moderator6(tiny_bundle6):
    """The Moderator façade on the six-task tiny bundle (one per test module)."""
    from banglahate_gui.pipeline import Moderator

    return Moderator.load(tiny_bundle6, device="cpu")


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory, sample_texts: list[str]) -> Path:
    """A complete bundle with tiny random-init encoders and tokenizers trained on `sample_texts`."""
    from banglahate_gui.train.tiny import build_tiny_bundle

    return build_tiny_bundle(tmp_path_factory.mktemp("bundle") / "tiny", sample_texts, seed=0)


@pytest.fixture(scope="session")
def tiny_bundle6(tmp_path_factory: pytest.TempPathFactory, sample_texts: list[str]) -> Path:
    """Like `tiny_bundle`, with the six-task schema: the paper's four, violence and multi-label toxicity."""
    from banglahate_gui.model.schema import DEFAULT_TASKS
    from banglahate_gui.train.tiny import build_tiny_bundle

    return build_tiny_bundle(tmp_path_factory.mktemp("bundle6") / "tiny6", sample_texts, seed=0, tasks=DEFAULT_TASKS)
