"""Fit the OCR confidence calibration shipped beside the recognizer (`ocr.calibration`).

Seeded synthetic memes of the four `MEME_STYLES` (captions from the corpora's train/validation rows,
never the OCR benchmark's; photos from Debian's gnome-backgrounds plus procedural textures with fake
signs, never the benchmark's scene photos) are cut into lines by EasyOCR's detector, exactly as the gate
does; every line is read by the EasyOCR recognizer and by Tesseract (`--psm 7`, same crop). A line is
correct when its CER against the words drawn inside its box is <= `CORRECT_CER`. Per engine, one isotonic
map (raw score -> P(correct)) on all lines and one per line context (`ocr.preprocess.line_context`: dark
text on a light page, or light/outlined text on a colour or photo; for Tesseract also `DISAGREES`, its
re-reads far from EasyOCR's reading) with at least `MIN_CONTEXT_LINES` lines; the reported ECE is
cross-fitted (maps fitted on even seeds scored on odd ones and back), with the context maps as the reader
uses them. Lines are cached in a JSONL file, so a run can resume. A new recognizer can reuse another's
lines (`--reread-from`): the same memes and boxes read again by the new recognizer, with their gold text,
context and Tesseract readings, none of which depends on the recognizer.

    nice -n 10 python -m banglahate_gui.train.ocr_calibration --lines ocr_calibration_lines.jsonl
    python -m banglahate_gui.train.ocr_calibration --recognizer NEW --reread-from OLD.jsonl --lines NEW.jsonl
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import time
from pathlib import Path

import numpy as np

from banglahate_gui.data.synth_memes import (MEME_STYLES, SIGN_WORDS, has_bengali, photo_backgrounds, photo_crop,
                                             render_styled, repost)
from banglahate_gui.defaults import default_data_dir
from banglahate_gui.hashing import sha256_file
from banglahate_gui.ocr.calibration import (CORRECT_CER, DISAGREES, Calibration, calibration_path, context_key,
                                            easyocr_key, expected_calibration_error, fit_map, reread_context,
                                            tesseract_key)
from banglahate_gui.ocr.preprocess import LINE_CONTEXTS, line_context
from banglahate_gui.ocr.metrics import cer
from banglahate_gui.resources import default_recognizer_dir

LINES_PER_STYLE = 520
MIN_CONTEXT_LINES = 50  # a context gets its own map only with this many lines
CONTEXTS = (*LINE_CONTEXTS, DISAGREES)
SEED = 1000
PHOTOS = Path("/usr/share/backgrounds")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
SPLITS = ("calibration", "test")


def labelled_captions(data_dir: Path, split: str) -> dict[str, int]:
    """Short meme-like captions (3-14 words; long ones split into top/bottom text) with their binary hate
    label (1 = hate) for `split`: "calibration" from karim train + BD-SHS val + 4 of 5 Banglish rows,
    "test" from karim validate + BD-SHS test + the 5th Banglish row: the two never share a source row."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")

    def rows(path: Path, text: str, label: str, hate: set[str]) -> list[tuple[str, int]]:
        if not path.is_file():
            return []
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            return [(row.get(text) or "", int((row.get(label) or "").strip() in hate)) for row in csv.DictReader(handle)]

    karim = "train.csv" if split == "calibration" else "validate.csv"
    bdshs = "val.csv" if split == "calibration" else "test.csv"
    found = rows(data_dir / "karim_multimodal_memes" / karim, "Text", "label", {"1"})
    found += rows(data_dir / "bdshs" / bdshs, "sentence", "hate speech", {"1"})
    banglish = rows(data_dir / "banglish_hate" / "Banglish_Hate_Speech_Dataset.csv", "Comment", "Hate", {"Yes"})
    found += [row for i, row in enumerate(banglish) if (i % 5 == 4) == (split == "test")]
    out: dict[str, int] = {}
    for text, label in found:
        words = text.split()
        if 3 <= len(words) <= 14 and len(text) <= 100 and not re.search(r"[<>\ufffd]|http", text):
            half = (len(words) + 1) // 2
            caption = " ".join(words[:half]) + "\n" + " ".join(words[half:]) if len(words) > 7 else " ".join(words)
            out.setdefault(caption, label)
    if not out:
        raise SystemExit(f"no captions found under {data_dir}; pass --data-dir")
    return dict(sorted(out.items()))


def meme_captions(data_dir: Path, split: str) -> list[str]:
    """The captions of `labelled_captions`, sorted."""
    return list(labelled_captions(data_dir, split))


def sign_texts(captions: list[str], rng: random.Random) -> list[str]:
    """1-3 pieces of background text: a short Bengali phrase, a phone number, a Latin sign word."""
    short = [c for c in captions if "\n" not in c and len(c.split()) <= 4 and has_bengali(c)]
    pool = [lambda: " ".join(rng.choice(short).split()[:3]) if short else "দোকান",
            lambda: f"01{rng.randint(3, 9)}{rng.randint(10, 99)}-{rng.randint(100000, 999999)}",
            lambda: rng.choice(SIGN_WORDS)]
    return [rng.choice(pool)() for _ in range(rng.randint(1, 3))]


def make_meme(captions: list[str], style: str, seed: int, photos: tuple[str, ...], photo_share: float = 0.6):
    """A seeded meme of `style`, half of them reposted; returns (pixels, [(word, box, is caption)],
    caption). Band and outline_photo memes use one of `photos` with probability `photo_share`."""
    rng = random.Random(seed)
    caption = rng.choice(captions)
    size = rng.choice(((800, 600), (720, 720), (640, 480), (900, 600)))
    photo = None
    if style in ("outline_photo", "band") and photos and rng.random() < photo_share:
        photo = photo_crop(rng.choice(photos), size, rng)
    background = sign_texts(captions, rng) if style == "outline_photo" else None
    meme = render_styled(caption, style, seed=seed, size=size, photo=photo, background_words=background)
    image, words = meme.image, meme.words
    if rng.random() < 0.5:
        image, move = repost(image, rng)
        moved = []
        for word, (left, top, right, bottom), is_caption in words:
            corners = [move(x, y) for x in (left, right) for y in (top, bottom)]
            xs, ys = [c[0] for c in corners], [c[1] for c in corners]
            moved.append((word, (min(xs), min(ys), max(xs), max(ys)), is_caption))
        words = moved
    return np.asarray(image), words, meme.caption


def gold_for(box: tuple[int, int, int, int], words) -> str:
    """The words whose centre lies inside `box`, left to right."""
    inside = [(w[1][0], w[0]) for w in words
              if box[0] <= (w[1][0] + w[1][2]) / 2 <= box[2] and box[1] <= (w[1][1] + w[1][3]) / 2 <= box[3]]
    return " ".join(word for _x, word in sorted(inside))


def collect(reader, captions: list[str], photos: tuple[str, ...], lines_path: Path, per_style: int, seed: int,
            styles: tuple[str, ...] = MEME_STYLES) -> list[dict]:
    """Line rows (style, meme seed, gold, each engine's text and raw score), cached in `lines_path`.
    Each style has its own seed sequence, so `styles` can be collected by separate processes."""
    rows = cached_lines(lines_path)
    done = {(r["style"], r["seed"]) for r in rows}
    next_seed = {style: seed + offset * 100_000 for offset, style in enumerate(MEME_STYLES)}
    count = {style: sum(r["style"] == style for r in rows) for style in MEME_STYLES}
    with lines_path.open("a", encoding="utf-8") as out:
        while any(count[style] < per_style for style in styles):  # styles in turn: a cut run stays balanced
            for style in styles:
                if count[style] >= per_style:
                    continue
                next_seed[style] += 1
                meme_seed = next_seed[style]
                if (style, meme_seed) in done:
                    continue
                start = time.perf_counter()
                pixels, words, _caption = make_meme(captions, style, meme_seed, photos)
                found = reader.easyocr.read_lines(pixels)
                crops = [pixels[b.bbox[1]:b.bbox[3], b.bbox[0]:b.bbox[2]] for b in found]
                tess = reader.tesseract.read_lines(crops)
                new = [{"style": style, "seed": meme_seed, "bbox": list(b.bbox), "gold": gold_for(b.bbox, words),
                        "context": line_context(crop), "easyocr": [b.text, b.confidence], "tesseract": list(t)}
                       for b, t, crop in zip(found, tess, crops)]
                _write_meme(out, new)
                rows += new
                count[style] += len(new)
                print(f"{style} seed {meme_seed}: {len(new)} lines ({count[style]}/{per_style}), "
                      f"{time.perf_counter() - start:.1f}s", flush=True)
    return rows


def reread(reader, captions: list[str], photos: tuple[str, ...], source: list[dict], lines_path: Path,
           styles: tuple[str, ...] = MEME_STYLES) -> list[dict]:
    """The `source` lines (another recognizer's) of `styles` read again by `reader`'s EasyOCR recognizer:
    each meme drawn again from its seed and its boxes recognized in one batch, as `collect` reads the
    detector's; box, gold text, context and Tesseract reading are kept. Cached in `lines_path` like `collect`."""
    rows = cached_lines(lines_path)
    done = {(r["style"], r["seed"]) for r in rows}
    memes: dict[tuple[str, int], list[dict]] = {}
    for row in source:
        if row["style"] in styles:
            memes.setdefault((row["style"], row["seed"]), []).append(row)
    with lines_path.open("a", encoding="utf-8") as out:
        for (style, meme_seed), old in memes.items():
            if (style, meme_seed) in done:
                continue
            pixels, _words, _caption = make_meme(captions, style, meme_seed, photos)
            found = reader.easyocr.recognize_boxes(pixels, [tuple(row["bbox"]) for row in old])
            new = [{**row, "easyocr": [b.text, b.confidence]} for row, b in zip(old, found)]
            _write_meme(out, new)
            rows += new
    print(f"read {len(memes)} memes again ({len(rows)} lines) into {lines_path}", flush=True)
    return rows


def cached_lines(lines_path: Path) -> list[dict]:
    """The line rows cached in `lines_path` (none when it does not exist)."""
    rows = []
    if lines_path.is_file():
        for line in lines_path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut by an interrupted run
                continue
    return rows


def _write_meme(out, rows: list[dict]) -> None:
    out.write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))  # one meme, one write
    out.flush()


def first_lines(rows: list[dict], per_style: int) -> list[dict]:
    """Per style, the lines of its first memes (in seed order) until `per_style` lines: what a fresh run
    with that target collects, whatever else the cache holds."""
    out = []
    for style in MEME_STYLES:
        count, last = 0, None
        for row in sorted((r for r in rows if r["style"] == style), key=lambda r: r["seed"]):
            if row["seed"] != last and count >= per_style:
                break
            out.append(row)
            count, last = count + 1, row["seed"]
    return out


def labelled(rows: list[dict], engine: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    """(raw scores, correct 0/1, meme seeds, styles, contexts) of the lines `engine` returned text for; a
    Tesseract re-read's context is the one the reader gives it (`reread_context`)."""
    kept = [r for r in rows if r[engine][0]]
    raw = np.array([r[engine][1] for r in kept], dtype=float)
    correct = np.array([cer(r["gold"], r[engine][0]) <= CORRECT_CER for r in kept], dtype=float)
    contexts = np.array([r.get("context", "") if engine == "easyocr" else
                         reread_context(r["easyocr"][0], r[engine][0], r.get("context", "")) for r in kept])
    return raw, correct, np.array([r["seed"] for r in kept]), [r["style"] for r in kept], contexts


def fit_maps(raw: np.ndarray, correct: np.ndarray, contexts: np.ndarray, key: str) -> dict:
    """The engine's overall map and one per context with at least `MIN_CONTEXT_LINES` lines."""
    maps = {key: fit_map(raw, correct)}
    for context in CONTEXTS:
        mask = contexts == context
        if mask.sum() >= MIN_CONTEXT_LINES:
            maps[context_key(key, context)] = fit_map(raw[mask], correct[mask])
    return maps


def fit(rows: list[dict], keys: dict[str, str], recognizer_sha256: str) -> Calibration:
    """Maps per engine and line context on all lines; the report holds cross-fitted ECE, overall, per
    style and per context."""
    maps, report = {}, {"lines": {}, "ece_raw": {}, "ece_calibrated": {}, "accuracy": {}, "per_style": {},
                        "per_context": {}}
    for engine, key in keys.items():
        raw, correct, seeds, styles, contexts = labelled(rows, engine)
        maps.update(fit_maps(raw, correct, contexts, key))
        held_out = np.full_like(raw, np.nan)
        for parity in (0, 1):
            train, test = seeds % 2 == parity, seeds % 2 != parity
            if train.any():
                half = Calibration(fit_maps(raw[train], correct[train], contexts[train], key))
                held_out[test] = [half.calibrate(key, v, c) for v, c in zip(raw[test], contexts[test])]
        scored = ~np.isnan(held_out)  # lines whose other half had no lines to fit on stay out of the ECE

        def group(mask: np.ndarray) -> dict:
            return {"lines": int(mask.sum()), "accuracy": round(float(correct[mask].mean()), 4),
                    "ece_calibrated": round(expected_calibration_error(held_out[mask & scored],
                                                                       correct[mask & scored]), 4)}

        report["lines"][key] = int(raw.size)
        report["accuracy"][key] = round(float(correct.mean()), 4)
        report["ece_raw"][key] = round(expected_calibration_error(raw, correct), 4)
        report["ece_calibrated"][key] = round(expected_calibration_error(held_out[scored], correct[scored]), 4)
        styles = np.array(styles)
        report["per_style"][key] = {style: group(styles == style) for style in MEME_STYLES if (styles == style).any()}
        report["per_context"][key] = {c: group(contexts == c) for c in CONTEXTS if (contexts == c).any()}
    report["memes"] = len({(r["style"], r["seed"]) for r in rows})
    report["lines_per_style"] = {style: sum(r["style"] == style for r in rows) for style in MEME_STYLES}
    report["note"] = ("ECE: 10 equal-width bins; calibrated ECE cross-fitted over even/odd meme seeds, "
                      "with the line-context maps where fitted")
    return Calibration(maps, recognizer_sha256, report=report)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--photos", type=Path, default=PHOTOS, help="photo folder (apt install gnome-backgrounds)")
    parser.add_argument("--recognizer", type=Path, default=default_recognizer_dir())
    parser.add_argument("--lines", type=Path, default=Path("ocr_calibration_lines.jsonl"), help="line cache (resumable)")
    parser.add_argument("--per-style", type=int, default=LINES_PER_STYLE)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=None, help="default: NAME.calibration.json beside the recognizer")
    parser.add_argument("--trust", action="store_true",
                        help="add the recognizer with its new calibration file to the user's recognizer allowlist "
                             "(the calibration is part of a recognizer's trust)")
    parser.add_argument("--styles", default=",".join(MEME_STYLES),
                        help="collect only these styles and stop (to split the collection over processes; "
                             "then cat the line files and run again with all styles to fit)")
    parser.add_argument("--reread-from", type=Path,
                        help="a line cache of another recognizer: read its memes' boxes again with --recognizer "
                             "instead of detecting and running Tesseract again")
    args = parser.parse_args(argv)
    styles = tuple(s for s in args.styles.split(",") if s)
    if not set(styles) <= set(MEME_STYLES):
        raise SystemExit(f"--styles must be among {MEME_STYLES}")

    import torch

    from banglahate_gui.ocr import OcrConfig, OcrReader

    torch.set_num_threads(1)
    reader = OcrReader(OcrConfig(recognizer_dir=str(args.recognizer)))
    name = reader.easyocr.custom
    if not name:
        raise SystemExit(f"no custom recognizer (NAME.yaml) in {args.recognizer}")
    photos = photo_backgrounds(args.photos)
    print(f"{len(photos)} photos under {args.photos}" + ("" if photos else ": procedural textures only"), flush=True)
    captions = meme_captions(args.data_dir, "calibration")
    if args.reread_from:
        rows = reread(reader, captions, photos, cached_lines(args.reread_from), args.lines, styles)
    else:
        rows = collect(reader, captions, photos, args.lines, args.per_style, args.seed, styles)
    if styles != MEME_STYLES:
        print(f"collected {', '.join(styles)} in {args.lines}")
        return
    keys = {"easyocr": easyocr_key(name), "tesseract": tesseract_key(reader.tesseract.lang)}
    rows = first_lines(rows, args.per_style)
    calibration = fit(rows, keys, sha256_file(args.recognizer / f"{name}.pth"))
    out = args.out or calibration_path(args.recognizer, name)
    calibration.save(out)
    print(json.dumps(calibration.report, indent=1))
    print(f"wrote {out}")
    if args.trust:
        from banglahate_gui.ocr.trust import allowlist_path, trust_recognizer

        trust_recognizer(args.recognizer, name)
        print(f"trusted in {allowlist_path()}")


if __name__ == "__main__":
    main()
