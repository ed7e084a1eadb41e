"""OCR benchmark on the four meme styles: caption CER, text CER, s/image, engine mix, end-to-end F1.

The seeded test split: captions from the corpora's test rows (`labelled_captions(..., "test")`), outline
and band memes over crops of the scene photos in --photos (IndicPhotoOCR full images, with their own
signboard text; never used by the calibration or recognizer training). Per meme and configuration:

- readtext: EasyOCR's default `readtext` with the shipped recognizer (EasyOCR alone; the speed baseline)
- tesseract: Tesseract alone on the whole page (psm 6, Otsu), as the gate's page fallback reads
- gated: the default `OcrReader` (per-line calibrated gate, caption first), every line; gated caption: its
  caption lines (every line when none is marked caption): what the classifier judges by default
  (`OcrConfig.text_scope` "caption")
- gated_all: the same with threshold 1.0: Tesseract re-reads every line and the better calibrated line wins

Caption CER: the gold caption against its best-matching span of the reading (extra text around it is not
counted); text CER: the whole reading against the caption (what the extra text costs). F1: binary hate,
weighted, by the shipped classifier (`Moderator.load()`) on each reading vs on the true caption.
Rows are cached per configuration under --rows, so a run resumes and `--configs gated` redoes one.

    python benchmarks/ocr/run.py --per-style 10 --json ocr_benchmark.json
    BANGLAHATE_INFERENCE=onnx-int8 python benchmarks/ocr/run.py ...   # the int8 detector (own row cache)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import re
import statistics
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from banglahate_gui.data.synth_memes import MEME_STYLES, has_bengali, photo_backgrounds
from banglahate_gui.ocr import OcrReader
from banglahate_gui.ocr.calibration import SUFFIX
from banglahate_gui.ocr.metrics import cer, span_cer
from banglahate_gui.ocr.preprocess import prepare
from banglahate_gui.ocr.layout import reading_order
from banglahate_gui.ocr.result import WordBox, lines_text
from banglahate_gui.train.ocr_calibration import labelled_captions, make_meme

CONFIGS = ("readtext", "tesseract", "gated", "gated_all")
TEST_SEED = 900_000  # the calibration uses seeds 1_000..400_000
DEV_SEED = 500_000
PHOTOS = Path("../shared/memes/indicphotoocr_bn_scene/full")
DEV_PHOTOS = Path("/usr/share/backgrounds")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def load_captions(data_dir: Path) -> dict[str, list[str]]:
    """Short captions by kind: "bengali" (meme texts), "banglish", "mixed" (both scripts; natural
    ones plus seeded Bengali-top/Banglish-bottom pairs). Used by the grouping and triage benchmarks."""
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
    rng = random.Random(0)  # few captions mix scripts naturally: add top/bottom pairs of short ones
    short = {kind: [c for c in out[kind] if "\n" not in c and len(c.split()) <= 5] for kind in ("bengali", "banglish")}
    if short["bengali"] and short["banglish"]:
        out["mixed"] += [rng.choice(short["bengali"]) + "\n" + rng.choice(short["banglish"]) for _ in range(500)]
    missing = [kind for kind, rows in out.items() if not rows]
    if missing:
        raise SystemExit(f"no {', '.join(missing)} captions found under {data_dir}; pass --data-dir")
    return out


def test_memes(data_dir: Path, photos_dir: Path, per_style: int, seed: int = TEST_SEED, split: str = "test"):
    """(style, seed, pixels, caption, label) of the seeded test split; `split="calibration"` with Debian's
    photos and `DEV_SEED` is the development split (`--split dev`), for trying changes without the test split."""
    labels = labelled_captions(data_dir, split)
    captions = list(labels)
    photos = photo_backgrounds(photos_dir)
    if not photos:
        raise SystemExit(f"no photos under {photos_dir}; pass --photos")
    for offset, style in enumerate(MEME_STYLES):
        for i in range(per_style):
            meme_seed = seed + offset * 10_000 + i
            pixels, _words, caption = make_meme(captions, style, meme_seed, photos, photo_share=1.0)
            yield style, meme_seed, pixels, caption, labels[_source(caption, labels)]


def _source(caption: str, labels: dict[str, int]) -> str:
    """The labelled caption a rendered caption came from (rendering collapses the top/bottom split)."""
    flat = " ".join(caption.split())
    return next(key for key in labels if " ".join(key.split()) == flat)


def ocr_models_key(reader: OcrReader) -> str:
    """12 hex digits naming the recognizer weights and calibration file the gate uses, and the detector's
    runtime ("-int8" for the int8 detector, whose lines differ; PyTorch and fp32 ONNX read the same)."""
    detector = "-int8" if detector_variant(reader) == "int8" else ""
    folder, name = reader.easyocr.recognizer_dir, reader.easyocr.custom
    if not folder or not name:
        return "builtin" + detector
    files = [Path(folder) / f"{name}.pth", Path(folder) / f"{name}{SUFFIX}"]
    return hashlib.sha256(b"".join(p.read_bytes() for p in files if p.is_file())).hexdigest()[:12] + detector


def detector_variant(reader: OcrReader) -> str:
    """The CRAFT runtime the gate detects with: "torch", "fp32" or "int8" (`ocr.craft_onnx`)."""
    return getattr(reader.easyocr.detecting_reader().detector, "variant", "torch")


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (Tesseract): the work, whatever the load."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def read(config: str, reader: OcrReader, pixels: np.ndarray) -> dict:
    start = time.perf_counter()
    if config == "readtext":
        raw = reader.easyocr.reader().readtext(pixels, detail=1, paragraph=False)
        boxes = [WordBox(t, c, (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts),
                                max(p[1] for p in pts))) for pts, t, c in raw if t.strip()]
        return {"text": lines_text(reading_order(boxes)), "seconds": time.perf_counter() - start}
    if config == "tesseract":
        prepared, scale = prepare(pixels, "otsu")
        return {"text": reader.tesseract.read(prepared, scale).text, "seconds": time.perf_counter() - start}
    if config == "gated_all":
        reader = OcrReader(replace(reader.config, threshold=1.0), easyocr=reader.easyocr, tesseract=reader.tesseract)
    result = reader.read(Image.fromarray(pixels))
    mix: dict[str, int] = {}
    for line in result.lines:
        mix[line.engine] = mix.get(line.engine, 0) + 1
    return {"text": result.text, "caption_text": result.caption_text, "seconds": result.timings["total"],
            "engine": result.engine, "lines": mix, "reason": result.gate_reason}


def run(args, reader: OcrReader) -> dict[str, list[dict]]:
    args.rows.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[dict]] = {}
    memes = list(test_memes(args.data_dir, args.photos, args.per_style, **args.memes))
    for config in CONFIGS:
        path = args.rows / f"{config}.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.is_file() else []
        done = {(r["style"], r["seed"]) for r in rows}
        if config in args.configs:
            with path.open("a", encoding="utf-8") as handle:
                for style, seed, pixels, caption, label in memes:
                    if (style, seed) in done:
                        continue
                    row = {"style": style, "seed": seed, "caption": caption, "label": label, **read(config, reader, pixels)}
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                    handle.flush()
                    rows.append(row)
                    print(f"{config} {style} {seed}: {row['seconds']:.1f}s caption CER "
                          f"{span_cer(caption, row['text']):.2f}", flush=True)
        wanted = {(style, seed) for style, seed, *_ in memes}
        out[config] = [r for r in rows if (r["style"], r["seed"]) in wanted]
    return out


def speed(reader: OcrReader, memes) -> dict:
    """readtext and the gate on the same images, alternating, in one run: wall and CPU seconds (median)."""
    runs: dict[str, list[tuple[float, float]]] = {"readtext": [], "gated": []}
    for _style, _seed, pixels, _caption, _label in memes:
        for config in runs:
            cpu = cpu_seconds()
            wall = read(config, reader, pixels)["seconds"]
            runs[config].append((wall, cpu_seconds() - cpu))
    out = {f"{config}_{kind}_median_s": round(statistics.median(r[i] for r in values), 3)
           for config, values in runs.items() for i, kind in enumerate(("wall", "cpu"))}
    out.update(n=len(runs["gated"]), wall_ratio=round(out["gated_wall_median_s"] / out["readtext_wall_median_s"], 3),
               cpu_ratio=round(out["gated_cpu_median_s"] / out["readtext_cpu_median_s"], 3))
    return out


def summarize(rows: dict[str, list[dict]], classify) -> tuple[list[dict], dict]:
    """Per style (and "all") and reading: caption CER, text CER, s/image, engine mix, binary weighted F1."""
    from sklearn.metrics import f1_score

    readings = {"readtext": ("readtext", "text"), "tesseract": ("tesseract", "text"), "gated": ("gated", "text"),
                "gated caption": ("gated", "caption_text"), "gated_all": ("gated_all", "text")}
    memes = rows.get("gated") or next(iter(rows.values()))
    truth = {(r["style"], r["seed"]): r for r in memes}

    def value(row: dict, field: str) -> str:  # caption_text: the caption lines, else the whole text
        return row.get(field, "") if field != "caption_text" or row.get(field, "").strip() else row["text"]

    texts = sorted({r["caption"] for r in memes} | {value(r, field) for config, field in readings.values()
                                                    for r in rows.get(config, [])})
    hate = dict(zip(texts, classify(texts)))
    summary = []
    for style in MEME_STYLES + ("all",):
        keys = [k for k in truth if style in ("all", k[0])]
        if not keys:
            continue
        gold = [truth[k]["label"] for k in keys]
        summary.append({"style": style, "reading": "true caption", "n": len(keys), "f1": round(
            f1_score(gold, [hate[truth[k]["caption"]] for k in keys], average="weighted"), 4)})
        for name, (config, field) in readings.items():
            by_key = {(r["style"], r["seed"]): r for r in rows.get(config, [])}
            have = [k for k in keys if k in by_key]
            if not have:
                continue
            got = [by_key[k] for k in have]
            entry = {"style": style, "reading": name, "n": len(have),
                     "caption_cer": round(statistics.mean(span_cer(r["caption"], value(r, field)) for r in got), 4),
                     "text_cer": round(statistics.mean(cer(r["caption"], value(r, field)) for r in got), 4),
                     "s_per_image_median": round(statistics.median(r["seconds"] for r in got), 3),
                     "f1": round(f1_score([truth[k]["label"] for k in have],
                                          [hate[value(by_key[k], field)] for k in have], average="weighted"), 4)}
            if config.startswith("gated"):
                mix: dict[str, int] = {}
                for r in got:
                    for engine, n in r["lines"].items():
                        mix[engine] = mix.get(engine, 0) + n
                entry["line_engines"] = mix
            summary.append(entry)
    times = {}
    if rows.get("readtext") and rows.get("gated"):
        base = {(r["style"], r["seed"]): r["seconds"] for r in rows["readtext"]}
        pairs = [(r["seconds"], base[(r["style"], r["seed"])]) for r in rows["gated"] if (r["style"], r["seed"]) in base]
        times = {"gated_median_s": round(statistics.median(p[0] for p in pairs), 3),
                 "readtext_median_s": round(statistics.median(p[1] for p in pairs), 3),
                 "ratio_of_medians": round(statistics.median(p[0] for p in pairs) / statistics.median(p[1] for p in pairs), 3)}
    return summary, times


def markdown(summary: list[dict]) -> str:
    lines = ["| style | reading | n | caption CER | text CER | s/image (median) | binary F1 (weighted) | lines per engine |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for s in summary:
        mix = ", ".join(f"{k} {v}" for k, v in sorted(s.get("line_engines", {}).items()))
        lines.append(f"| {s['style']} | {s['reading']} | {s['n']} | {s.get('caption_cer', '—')} | "
                     f"{s.get('text_cer', '—')} | {s.get('s_per_image_median', '—')} | {s['f1']:.3f} | {mix} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--split", choices=("test", "dev"), default="test",
                        help="test: the benchmark; dev: calibration-split captions on Debian's photos (for tuning)")
    parser.add_argument("--photos", type=Path, default=None,
                        help=f"photos (default: {PHOTOS} for test, never used for calibration; {DEV_PHOTOS} for dev)")
    parser.add_argument("--per-style", type=int, default=10)
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"which of {CONFIGS} to (re)run")
    parser.add_argument("--rows", type=Path, default=Path("ocr_benchmark_rows"), help="per-configuration row cache")
    parser.add_argument("--json", type=Path, default=Path("ocr_benchmark.json"))
    parser.add_argument("--speed", type=int, default=2, help="memes per style for the one-run speed comparison")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the app uses the machine's cores)")
    args = parser.parse_args(argv)
    args.configs = [c for c in args.configs.split(",") if c]
    dev = args.split == "dev"
    args.photos = args.photos or (DEV_PHOTOS if dev else PHOTOS)
    args.memes = dict(seed=DEV_SEED if dev else TEST_SEED, split="calibration" if dev else "test")

    import torch

    from banglahate_gui.pipeline import Moderator

    torch.set_num_threads(args.threads)
    reader = OcrReader()
    args.rows = args.rows / args.split / ocr_models_key(reader)  # rows of other weights or maps are never reused
    rows = run(args, reader)
    reader.read(Image.new("RGB", (64, 32), "white"))  # engines built before anything is timed
    timing = speed(reader, test_memes(args.data_dir, args.photos, args.speed, **args.memes)) if args.speed else {}
    moderator = Moderator.load(ocr=reader.config)
    moderator.classify(["তুই একটা বাজে লোক"])  # warm-up, then one timed single-text call
    start = time.perf_counter()
    moderator.classify(["তুই একটা বাজে লোক"])
    classify_s = time.perf_counter() - start
    summary, speed_rows = summarize(rows, lambda texts: [int(p.is_hate) for p in moderator.classify(texts)])
    timing["classify_one_text_s"] = round(classify_s, 3)
    if "gated_wall_median_s" in timing:
        timing["image_to_prediction_wall_median_s"] = round(timing["gated_wall_median_s"] + classify_s, 3)
    print(markdown(summary))
    print(json.dumps({"rows": speed_rows, "one_run": timing}))
    args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                     "engines": reader.available_engines(), "speed": timing,
                                     "detector": detector_variant(reader),
                                     "speed_from_rows": speed_rows, "summary": summary},
                                    ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
