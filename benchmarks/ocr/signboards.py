"""Signboard word crops (IndicPhotoOCR, `indicphotoocr_bn_scene/words`): CER of each reading against the
gold word, as a moderator would get it by dropping the crop into the app.

Readings: easyocr (engine forced: detector + the shipped recognizer), tesseract (engine forced: whole-page
Tesseract), gated (the default `OcrReader`). CER: the reading (lines joined by spaces, NFC) against the
normalised gold text, of the whole reading and of the text the app classifies (`OcrResult.classified_text`
under the default `text_scope`: the caption lines, without lines marked background); also the share of
exact reads. A seeded sample of --limit crops (all with --limit 0);
the crops are never used for training or calibration.

    python benchmarks/ocr/signboards.py --limit 200 --json signboards.json
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import time
import unicodedata
from pathlib import Path

from banglahate_gui.defaults import TEXT_SCOPE
from banglahate_gui.ocr import OcrReader
from banglahate_gui.ocr.metrics import cer

WORDS = Path("../shared/memes/indicphotoocr_bn_scene")
READINGS = {"easyocr": "easyocr", "tesseract": "tesseract", "gated": None}


def crops(folder: Path, limit: int, seed: int) -> list[dict]:
    """Rows of index.csv (file, gold) whose crop exists; a seeded sample of `limit` (0: all)."""
    with (folder / "index.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if (folder / r["file"]).is_file() and r["gold_text_norm"].strip()]
    rows.sort(key=lambda r: r["file"])
    return random.Random(seed).sample(rows, limit) if 0 < limit < len(rows) else rows


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=WORDS)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, default=Path("signboards.json"))
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    reader = OcrReader()
    sample = crops(args.folder, args.limit, args.seed)
    scores: dict[str, list[tuple[float, float, bool, float]]] = {name: [] for name in READINGS}
    for row in sample:
        gold = normalise(row["gold_text_norm"])
        for name, engine in READINGS.items():
            start = time.perf_counter()
            result = reader.read(args.folder / row["file"], engine=engine)
            seconds = time.perf_counter() - start
            text, classified = normalise(result.text), normalise(result.classified_text(TEXT_SCOPE))
            scores[name].append((cer(gold, text), cer(gold, classified), text == gold, seconds))
    summary = {name: {"n": len(v), "cer": round(statistics.mean(s[0] for s in v), 4),
                      "cer_classified": round(statistics.mean(s[1] for s in v), 4),
                      "exact": round(statistics.mean(s[2] for s in v), 4),
                      "s_median": round(statistics.median(s[3] for s in v), 3)} for name, v in scores.items()}
    print(f"| reading | crops | CER | CER of the classified text ({TEXT_SCOPE}) | exact | s/crop (median) |\n"
          "|---|---:|---:|---:|---:|---:|")
    for name, s in summary.items():
        print(f"| {name} | {s['n']} | {s['cer']:.3f} | {s['cer_classified']:.3f} | {s['exact']:.3f} | "
              f"{s['s_median']:.2f} |")
    args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                     "recognizer": reader.easyocr.recognizer(), "calibration": reader.calibration()[1],
                                     "summary": summary}, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
