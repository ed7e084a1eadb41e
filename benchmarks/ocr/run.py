"""OCR benchmark: CER, WER, exact-match rate and seconds/image per configuration.

Eval sets: seeded synthetic memes (Bengali-script, Banglish and mixed captions taken from the
corpora under --data-dir) and the real Bengali scene-text word crops under --crops-dir
(IndicPhotoOCR, column gold_text_norm; about 9% of its labels are noisy). With a custom recognizer
(--recognizer, default: the shipped `resources/ocr` one when present) EasyOCR and the gate also run
with it: rows "easyocr bn-recognizer" and "gated 0.60 bn-recognizer".

    nice -n 10 python benchmarks/ocr/run.py --limit 6 --json ocr_bench.json
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

from banglahate_gui.data.synth_memes import generate_memes, has_bengali
from banglahate_gui.ocr import OcrConfig, OcrReader
from banglahate_gui.ocr.config import BUILTIN_RECOGNIZER
from banglahate_gui.ocr.metrics import cer, clean, wer
from banglahate_gui.ocr.preprocess import prepare
from banglahate_gui.ocr.tesseract_engine import TesseractEngine
from banglahate_gui.resources import default_recognizer_dir

TESSERACT_MODES = ("none", "otsu", "upscale+otsu")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def load_captions(data_dir: Path) -> dict[str, list[str]]:
    """Short captions by kind: "bengali" (meme texts), "banglish", "mixed" (both scripts; natural
    ones plus seeded Bengali-top/Banglish-bottom pairs)."""
    def column(path: Path, name: str) -> list[str]:
        if not path.is_file():
            return []
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            return [row.get(name) or "" for row in csv.DictReader(handle)]

    def usable(text: str) -> str | None:
        words = text.split()
        if not 3 <= len(words) <= 14 or len(text) > 100 or re.search(r"[<>\ufffd]|http", text):
            return None
        half = (len(words) + 1) // 2
        return " ".join(words[:half]) + "\n" + " ".join(words[half:]) if len(words) > 7 else " ".join(words)

    bengali_rows = column(data_dir / "karim_multimodal_memes" / "validate.csv", "Text")
    bengali_rows += column(data_dir / "bdshs" / "test.csv", "sentence")
    banglish_rows = column(data_dir / "banglish_hate" / "Banglish_Hate_Speech_Dataset.csv", "Comment")
    kinds = {
        "bengali": [t for t in bengali_rows if has_bengali(t) and not LATIN_WORD.search(t)],
        "banglish": [t for t in banglish_rows if not has_bengali(t)],
        "mixed": [t for t in bengali_rows if has_bengali(t) and LATIN_WORD.search(t)],
    }
    out = {kind: sorted({c for c in map(usable, rows) if c}) for kind, rows in kinds.items()}
    # few captions mix scripts naturally: add top/bottom pairs of a short Bengali and Banglish one
    rng = random.Random(0)
    short = {kind: [c for c in out[kind] if "\n" not in c and len(c.split()) <= 5] for kind in ("bengali", "banglish")}
    if short["bengali"] and short["banglish"]:
        out["mixed"] += [rng.choice(short["bengali"]) + "\n" + rng.choice(short["banglish"]) for _ in range(500)]
    missing = [kind for kind, rows in out.items() if not rows]
    if missing:
        raise SystemExit(f"no {', '.join(missing)} captions found under {data_dir}; pass --data-dir")
    return out


def load_crops(crops_dir: Path, limit: int, seed: int) -> list[tuple[str, Image.Image, str]]:
    index = crops_dir / "index.csv"
    if not index.is_file():
        raise SystemExit(f"{index} not found; pass --crops-dir")
    with index.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["gold_text_norm"].strip()]
    rows = random.Random(seed).sample(rows, min(limit, len(rows)))
    return [("crop", Image.open(crops_dir / r["file"]).convert("RGB"), r["gold_text_norm"]) for r in rows]


def evaluate(samples, reader: OcrReader, tesseract: TesseractEngine, custom: OcrReader | None = None) -> list[dict]:
    """One row per (sample, configuration); `custom`: the gate with a custom EasyOCR recognizer."""
    rows = []
    for i, (kind, image, gold) in enumerate(samples):
        pixels = np.asarray(image)
        hyps: dict[str, tuple[str, float]] = {}
        for mode in TESSERACT_MODES:
            start = time.perf_counter()
            prepared, scale = prepare(pixels, mode)
            hyps[f"tesseract {mode}"] = (tesseract.read(prepared, scale).text, time.perf_counter() - start)
        gated = reader.read(image)  # always runs EasyOCR first: its reading is the raw EasyOCR row
        easy = gated.readings[0]
        hyps["easyocr none"] = (easy.text, easy.seconds + gated.timings["preprocess_easyocr"])
        hyps[f"gated {reader.config.threshold:.2f}"] = (gated.text, gated.timings["total"])
        if custom is not None:
            mine = custom.read(image)
            hyps["easyocr bn-recognizer"] = (mine.readings[0].text,
                                             mine.readings[0].seconds + mine.timings["preprocess_easyocr"])
            hyps[f"gated {custom.config.threshold:.2f} bn-recognizer"] = (mine.text, mine.timings["total"])
        for config, (text, seconds) in hyps.items():
            rows.append({"sample": i, "kind": kind, "config": config, "gold": gold, "text": text,
                         "cer": cer(gold, text), "wer": wer(gold, text), "exact": clean(gold) == clean(text),
                         "seconds": seconds, "gate_engine": gated.engine})
        print(f"[{i + 1}/{len(samples)}] {kind}: gated -> {gated.engine}: {gated.gate_reason}", flush=True)
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["kind"], row["config"]), []).append(row)
    return [{"set": kind, "config": config, "n": len(g),
             "cer": statistics.mean(r["cer"] for r in g), "wer": statistics.mean(r["wer"] for r in g),
             "exact": statistics.mean(r["exact"] for r in g), "s_per_image": statistics.mean(r["seconds"] for r in g)}
            for (kind, config), g in groups.items()]


def markdown(summary: list[dict]) -> str:
    lines = ["| set | config | n | CER | WER | exact | s/image |", "|---|---|---:|---:|---:|---:|---:|"]
    for s in summary:
        lines.append(f"| {s['set']} | {s['config']} | {s['n']} | {s['cer']:.3f} | {s['wer']:.3f} | "
                     f"{s['exact']:.2f} | {s['s_per_image']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--crops-dir", type=Path, default=Path("../shared/memes/indicphotoocr_bn_scene"))
    parser.add_argument("--limit", type=int, default=30, help="memes per caption kind, and word crops")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=0.60)
    parser.add_argument("--json", type=Path, default=Path("ocr_benchmark.json"))
    parser.add_argument("--recognizer", type=Path, default=default_recognizer_dir(),
                        help="custom EasyOCR recognizer folder to compare (skipped when it holds no *.pth)")
    args = parser.parse_args(argv)

    captions = load_captions(args.data_dir)
    samples = []
    for offset, (kind, pool) in enumerate(sorted(captions.items())):
        for meme in generate_memes(pool, args.limit, seed=args.seed + offset):
            samples.append((kind, meme.image, meme.text))
    samples += load_crops(args.crops_dir, args.limit, args.seed)
    reader = OcrReader(OcrConfig(threshold=args.threshold, recognizer_dir=BUILTIN_RECOGNIZER))  # rows "easyocr", "gated"
    custom = (OcrReader(OcrConfig(threshold=args.threshold, recognizer_dir=str(args.recognizer)))
              if any(args.recognizer.glob("*.pth")) else None)
    rows = evaluate(samples, reader, TesseractEngine(reader.config.tesseract_lang), custom)
    summary = summarize(rows)
    print(markdown(summary))
    args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                     "engines": reader.available_engines(),
                                     "custom_engines": custom.available_engines() if custom else None,
                                     "summary": summary, "rows": rows},
                                    ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
