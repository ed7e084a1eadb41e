"""Tesseract engine: word boxes, 0..1 confidences, lines from layout numbers.

pytesseract finds the binary and lists its languages; the reads run the binary directly with
`OMP_THREAD_LIMIT=1` (unless the user set it): Tesseract's OpenMP threads made the same 65 line crops
5x slower on 2 cores (12.6 s vs 2.5 s wall), fighting the threads of the process that called it.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pytesseract
from PIL import Image

from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr.preprocess import otsu, to_gray
from banglahate_gui.ocr.result import Reading, WordBox, weighted_confidence

NAME = "tesseract"
APT_PACKAGES = {"ben": "tesseract-ocr-ben", "eng": "tesseract-ocr-eng"}
LINE_HEIGHT = (40, 96)  # line crops are scaled into this height range (px) before Tesseract
LIGHT_TEXT = 200  # grey level above which a pixel counts as light (white or outlined) text
PAD = 12
TIMEOUT_S = 120
"""A Tesseract call running longer than this is stopped (`OcrUnavailableError`)."""
_NUMBERS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top", "width", "height")


class TesseractEngine:
    """Reads text with the `tesseract` binary and its `lang` data (e.g. "ben+eng").

    psm 6 (one uniform block) beat the default psm 3 on rendered memes: psm 3's layout analysis
    often dropped captions over picture-like backgrounds (mean CER 0.30 vs 0.10, 12 memes)."""

    name = NAME

    def __init__(self, lang: str = "ben+eng", psm: int = 6) -> None:
        self.lang = lang
        self.psm = psm
        self._checked = False

    def languages(self) -> list[str]:
        return sorted(pytesseract.get_languages(config=""))

    def version(self) -> str:
        return str(pytesseract.get_tesseract_version())

    def check(self) -> None:
        """Raise `OcrUnavailableError` naming the apt packages when the binary or language data is missing."""
        if self._checked:
            return
        wanted = self.lang.split("+")
        packages = " ".join(["tesseract-ocr"] + [APT_PACKAGES.get(code, f"tesseract-ocr-{code}") for code in wanted])
        try:
            installed = set(self.languages())
        except (pytesseract.TesseractNotFoundError, OSError):
            raise OcrUnavailableError(f"Tesseract is not installed or not on PATH; install: apt install {packages}") from None
        missing = [code for code in wanted if code not in installed]
        if missing:
            raise OcrUnavailableError(
                f"Tesseract language data missing: {', '.join(missing)}; install: apt install {packages}")
        self._checked = True

    def read(self, pixels: np.ndarray, scale: float = 1.0) -> Reading:
        """Read an RGB or gray uint8 array; boxes are divided by `scale` back to original pixels."""
        self.check()
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="banglahate-tess-") as folder:
            path = Path(folder) / "page.png"
            Image.fromarray(pixels).save(path)
            data = self._data(path, self.psm)
        lines: dict[tuple[int, int, int], list[WordBox]] = {}
        for i, word in enumerate(data["text"]):
            confidence = float(data["conf"][i])
            word = word.strip()
            if confidence < 0 or not word:
                continue
            left, top = data["left"][i], data["top"][i]
            right, bottom = left + data["width"][i], top + data["height"][i]
            bbox = tuple(int(round(v / scale)) for v in (left, top, right, bottom))
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            lines.setdefault(key, []).append(WordBox(word, confidence / 100.0, bbox))
        boxes = [box for key in sorted(lines) for box in lines[key]]
        text = "\n".join(" ".join(box.text for box in lines[key]) for key in sorted(lines))
        return Reading(NAME, text, weighted_confidence(boxes), boxes, time.perf_counter() - start)

    def read_lines(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Read each crop as one text line (`--psm 7`) in ONE Tesseract process: every crop, in both
        polarity variants (`line_variants`), is a page of one multi-page TIFF. Per crop: (text, raw
        0..1 confidence) of the variant Tesseract was more confident in."""
        self.check()
        if not crops:
            return []
        pages, owner = [], []
        for i, crop in enumerate(crops):
            if crop.size == 0:  # a box that rounds to no pixels (upscaled detection): nothing to read
                continue
            for variant in line_variants(crop):
                pages.append(Image.fromarray(variant))
                owner.append(i)
        if not pages:
            return [("", 0.0)] * len(crops)
        with tempfile.TemporaryDirectory(prefix="banglahate-tess-") as folder:
            path = Path(folder) / "lines.tif"
            pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_lzw")
            data = self._data(path, 7)
        words: dict[int, list[WordBox]] = {}
        for i, word in enumerate(data["text"]):
            confidence = float(data["conf"][i])
            if confidence >= 0 and word.strip():
                words.setdefault(int(data["page_num"][i]) - 1, []).append(WordBox(word.strip(), confidence / 100, (0, 0, 0, 0)))
        best: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        for page, i in enumerate(owner):
            found = words.get(page, [])
            candidate = (" ".join(w.text for w in found), weighted_confidence(found))
            if candidate[0] and (not best[i][0] or candidate[1] > best[i][1]):
                best[i] = candidate
        return best

    def _data(self, image: Path, psm: int) -> dict[str, list]:
        """Tesseract's TSV for the image file, as columns (numbers as int, "conf" as float, "text" as str)."""
        command = [pytesseract.pytesseract.tesseract_cmd, str(image), "stdout", "-l", self.lang, "--psm", str(psm), "tsv"]
        env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
        try:
            done = subprocess.run(command, capture_output=True, env=env, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise OcrUnavailableError(f"Tesseract ran longer than {TIMEOUT_S} s and was stopped") from None
        except OSError as exc:
            raise OcrUnavailableError(f"Tesseract could not be started ({exc})") from None
        if done.returncode != 0:
            raise OcrUnavailableError(f"Tesseract failed: {done.stderr.decode('utf-8', 'replace').strip()[-300:]}")
        rows = list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8", "replace")), delimiter="\t",
                                   quoting=csv.QUOTE_NONE))
        columns: dict[str, list] = {name: [int(row[name]) for row in rows] for name in _NUMBERS}
        columns["conf"] = [float(row["conf"]) for row in rows]
        columns["text"] = [row.get("text") or "" for row in rows]
        return columns


def line_variants(crop: np.ndarray) -> list[np.ndarray]:
    """Black-on-white versions of a line crop for Tesseract: Otsu with the majority (background) made
    white, and, when the crop has light strokes (white or outlined meme text), the light pixels alone
    as black text (an outline then does not split the letters)."""
    grey = to_gray(crop)
    height = grey.shape[0]
    target = min(max(height, LINE_HEIGHT[0]), LINE_HEIGHT[1])
    if target != height:
        grey = cv2.resize(grey, None, fx=target / height, fy=target / height,
                          interpolation=cv2.INTER_CUBIC if target > height else cv2.INTER_AREA)
    variants = [otsu(grey)]
    light = grey >= LIGHT_TEXT
    if 0.03 <= light.mean() <= 0.6:
        variants.append(np.where(light, 0, 255).astype(np.uint8))
    return [cv2.copyMakeBorder(v, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=255) for v in variants]
