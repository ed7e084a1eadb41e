"""OCR cost of a huge, near-empty image (issue 13, finding 6): a 7000x7000 PNG of about 70 KB with one
caption, read by EasyOCR; prints seconds, CPU seconds and peak memory as JSON.

    nice -n 10 python benchmarks/huge_image.py [--side 7000] [--engine easyocr] [--no-budget]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from banglahate_gui.ocr import OcrConfig, OcrReader
from banglahate_gui.ocr.config import BUILTIN_RECOGNIZER
from banglahate_gui.ocr import image
from banglahate_gui.ocr.image import fit_ocr_budget

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def _cpu() -> float:
    """CPU seconds of this process and its finished children (Tesseract runs as a child process)."""
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))


def _peak_mb() -> int:
    """Peak resident memory of this process or its largest child, whole run (engine loading included)."""
    return round(max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=7000)
    parser.add_argument("--engine", default="easyocr", choices=("easyocr", "tesseract"))
    parser.add_argument("--no-budget", action="store_true", help="switch the OCR cost budget off (the old behaviour)")
    args = parser.parse_args()
    if args.no_budget:
        image.OCR_SPARSE_PIXELS = image.OCR_MAX_PIXELS = 10**12
    page = Image.new("L", (args.side, args.side), 255)
    ImageDraw.Draw(page).text((args.side * 3 // 7, args.side // 2), "hello big world", fill=0,
                              font=ImageFont.truetype(FONT, max(12, args.side // 78)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "huge.png"
        page.save(path, optimize=True)
        reader = OcrReader(OcrConfig(recognizer_dir=BUILTIN_RECOGNIZER))
        reader.read(Image.new("RGB", (64, 32), "white"), engine=args.engine)  # build the engine first
        before = _cpu()
        start = time.perf_counter()
        result = reader.read(path, engine=args.engine)
        seconds = time.perf_counter() - start
        cpu = _cpu() - before
        fitted, factor = fit_ocr_budget(__import__("numpy").asarray(page))
        print(json.dumps({"budget": not args.no_budget, "side": args.side, "png_bytes": path.stat().st_size, "engine": args.engine,
                          "text": result.text, "seconds": round(seconds, 1),
                          "cpu_seconds": round(cpu, 1), "peak_rss_mb": _peak_mb(), "ocr_input": list(fitted.shape),
                          "scale": round(factor, 3)}))


if __name__ == "__main__":
    main()
