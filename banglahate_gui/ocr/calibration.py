"""Calibrated OCR confidences: per engine, a monotone map from the engine's raw score to the probability
that a line is read correctly (line CER <= `CORRECT_CER`).

The maps are isotonic regressions stored as plain JSON thresholds (x, y; linear in between, clipped
outside), fitted by `banglahate_gui.train.ocr_calibration` and shipped beside the recognizer they belong
to as `NAME.calibration.json`, versioned with the recognizer's SHA-256: a file written for other weights
is not used. The file is part of the recognizer's trust (`ocr.trust`): it is read once with the weights,
hash-checked with them, and those very bytes are parsed. An engine without a map keeps its raw score
(identity), and the result says so.

A map may be specific to a line context (`ocr.preprocess.line_context`: dark text on a light page, or
light/outlined text on a colour or photo): key "ENGINE_KEY@CONTEXT". One engine's scores mean different
things in the two (EasyOCR is over-confident on screenshots), so a context map, where the file has one,
is used before the engine's overall map. Another engine's re-read far from EasyOCR's reading of the same
line (letters of another script, or a character error rate of at least `DISAGREEMENT_CER` between the two)
is scored with its `DISAGREES` map.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr.metrics import cer
from banglahate_gui.ocr.trust import CALIBRATION_SUFFIX, RecognizerFiles, verify_recognizer
from banglahate_gui.text.scripts import dominant_script

FORMAT_VERSION = 1
CORRECT_CER = 0.10
SUFFIX = CALIBRATION_SUFFIX


class CalibrationError(ValueError):
    """A calibration file that is not a valid set of monotone maps."""


@dataclass(frozen=True)
class ScoreMap:
    """Piecewise-linear, non-decreasing map from raw score to P(correct); clipped outside `x`."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y) or not self.x:
            raise CalibrationError("a score map needs as many x as y thresholds, at least one")
        values = list(self.x) + list(self.y)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            raise CalibrationError("score map thresholds must be finite numbers")
        if any(b < a for a, b in zip(self.x, self.x[1:])) or any(b < a for a, b in zip(self.y, self.y[1:])):
            raise CalibrationError("score map thresholds must be non-decreasing")
        if not all(0.0 <= v <= 1.0 for v in self.y):
            raise CalibrationError("calibrated scores must lie in 0..1")

    def __call__(self, raw: float) -> float:
        return float(np.interp(raw, self.x, self.y))

    def to_dict(self) -> dict:
        return {"x": list(self.x), "y": list(self.y)}

    @classmethod
    def from_dict(cls, data: dict) -> ScoreMap:
        if not isinstance(data, dict):
            raise CalibrationError("a score map must be an object with x and y")
        return cls(tuple(data.get("x") or ()), tuple(data.get("y") or ()))


@dataclass(frozen=True)
class Calibration:
    """Score maps keyed by `engine_key()`; `recognizer_sha256`: the weights the EasyOCR map belongs to."""

    maps: dict[str, ScoreMap]
    recognizer_sha256: str = ""
    target: str = f"line CER <= {CORRECT_CER}"
    report: dict = field(default_factory=dict)  # fit statistics (lines per engine, ECE), for the record
    source: str = ""  # the file it came from ("" = built in memory)

    def calibrate(self, key: str, raw: float, context: str | None = None) -> float:
        """P(line read correctly) for `raw` from the engine `key` on a line of `context`: the context's
        map, else the engine's map, else the raw score."""
        score_map = (self.maps.get(context_key(key, context)) if context else None) or self.maps.get(key)
        return score_map(raw) if score_map is not None else float(raw)

    def has(self, key: str) -> bool:
        return key in self.maps

    def to_dict(self) -> dict:
        return {"format": FORMAT_VERSION, "target": self.target, "recognizer_sha256": self.recognizer_sha256,
                "maps": {key: m.to_dict() for key, m in sorted(self.maps.items())}, "report": self.report}

    @classmethod
    def from_dict(cls, data: dict, source: str = "") -> Calibration:
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise CalibrationError(f"not a calibration file of format {FORMAT_VERSION}")
        maps = data.get("maps")
        if not isinstance(maps, dict):
            raise CalibrationError("calibration file has no maps")
        return cls({str(k): ScoreMap.from_dict(v) for k, v in maps.items()}, str(data.get("recognizer_sha256", "")),
                   str(data.get("target", "")), dict(data.get("report") or {}), source)

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n", encoding="utf-8")


IDENTITY = Calibration({})


def easyocr_key(recognizer: str) -> str:
    return f"easyocr:{recognizer}"


def tesseract_key(lang: str) -> str:
    return f"tesseract:{lang}"


def context_key(key: str, context: str) -> str:
    """The key of engine `key`'s map for lines of `context`."""
    return f"{key}@{context}"


DISAGREES = "disagrees"
"""The context of a re-read far from EasyOCR's reading of the same line: letters of another script (Bengali or
Latin), or a character error rate of at least `DISAGREEMENT_CER` between the two. On the calibration lines
such Tesseract re-reads were right on 8 of 124 (the fit's report)."""
DISAGREEMENT_CER = 0.4


def reread_context(first: str, reread: str, line_context: str) -> str:
    """The context whose map scores `reread`, another engine's reading of a line EasyOCR read as `first`:
    `DISAGREES` when both have text and they are of different scripts or far apart, else the line's own."""
    if not first or not reread:
        return line_context
    a, b = dominant_script(first), dominant_script(reread)
    far = (a and b and a != b) or cer(first, reread) >= DISAGREEMENT_CER
    return DISAGREES if far else line_context


def calibration_path(recognizer_dir: str | Path, name: str) -> Path:
    return Path(recognizer_dir) / f"{name}{SUFFIX}"


def load_calibration(recognizer_dir: str | Path | None, name: str | None) -> tuple[Calibration, str]:
    """The maps shipped beside the trusted recognizer NAME in `recognizer_dir`, and a note on what was loaded.

    Identity (raw scores) with the reason when the recognizer is not usable (not trusted, unreadable), or
    its calibration file is missing, invalid or fitted for other weights (`calibration_from`)."""
    if not recognizer_dir or not name:
        return IDENTITY, "no calibration for EasyOCR's built-in recognizer: raw scores"
    try:
        files = verify_recognizer(recognizer_dir, name, load_tensors=False)
    except OcrUnavailableError as exc:
        return IDENTITY, f"recognizer not usable ({exc}): raw scores"
    return calibration_from(files, str(calibration_path(recognizer_dir, name)))


def calibration_from(files: RecognizerFiles, source: str = "") -> tuple[Calibration, str]:
    """Parse the calibration bytes read (and hash-checked) with a recognizer; identity with the reason when
    there are none, they are invalid, or they were fitted for other weights (SHA-256 of NAME.pth differs)."""
    filename = f"{files.hashes.name}{SUFFIX}"
    if files.calibration_bytes is None:
        return IDENTITY, f"no {filename}: raw scores"
    try:
        calibration = Calibration.from_dict(json.loads(files.calibration_bytes.decode("utf-8")), source)
    except (UnicodeDecodeError, TypeError, ValueError) as exc:  # ValueError: JSON, CalibrationError
        return IDENTITY, f"{filename} unusable ({exc}): raw scores"
    if calibration.recognizer_sha256 != files.hashes.pth_sha256:
        return IDENTITY, f"{filename} was fitted for other {files.hashes.name}.pth weights: raw scores"
    return calibration, f"calibrated by {filename}"


def expected_calibration_error(scores: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """ECE: |mean score - accuracy| per equal-width score bin, weighted by the bin's share of lines."""
    scores = np.asarray(scores, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if scores.size == 0:
        return 0.0
    which = np.minimum((scores * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(scores[mask].mean() - correct[mask].mean())
    return float(total)


def fit_map(raw: np.ndarray, correct: np.ndarray, max_points: int = 64) -> ScoreMap:
    """Isotonic regression of `correct` (0/1) on `raw`, as at most `max_points` thresholds."""
    from sklearn.isotonic import IsotonicRegression

    model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    model.fit(np.asarray(raw, dtype=float), np.asarray(correct, dtype=float))
    x, y = np.asarray(model.X_thresholds_), np.asarray(model.y_thresholds_)
    if len(x) > max_points:  # keep the ends, thin the middle (the map stays monotone)
        keep = np.unique(np.round(np.linspace(0, len(x) - 1, max_points)).astype(int))
        x, y = x[keep], y[keep]
    return ScoreMap(tuple(round(float(v), 6) for v in x), tuple(round(float(v), 6) for v in y))
