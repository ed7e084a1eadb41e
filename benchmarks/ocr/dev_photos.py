"""Photos with text in them for the OCR benchmark's development split (`run.py --split dev --photos OUT`).

The test split's scene photos carry real signboard text anywhere, at any size, also inside the caption
bands; Debian's wallpapers carry none. This paints seeded "scene text" onto each wallpaper (and onto
procedural textures): Bengali phrases from the calibration split, phone numbers and Latin sign words,
on coloured plates or bare in a photo-like colour, from small to caption-like sizes, anywhere in the
picture. Layout rules (caption or background, `ocr.layout`) are tuned on these, never on the test split.

    python benchmarks/ocr/dev_photos.py --out work/dev_photos
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from PIL import Image, ImageDraw

from banglahate_gui.data.synth_memes import bengali_fonts, font_runs, latin_fonts, load_font, photo_backgrounds, texture
from banglahate_gui.train.ocr_calibration import PHOTOS, meme_captions, sign_texts

SIZE = (1200, 900)


def paint_scene_text(image, texts: list[str], rng: random.Random) -> None:
    """Draw each text somewhere in `image`: on a plate (half) or bare, 2-9 % of the height tall."""
    draw = ImageDraw.Draw(image)
    fallback = latin_fonts()[0]
    for text in texts:
        size_px = int(image.height * rng.uniform(0.02, 0.09))
        fonts = (load_font(rng.choice(bengali_fonts()), size_px), load_font(fallback, size_px))
        width = int(sum(draw.textlength(run, font=f) for run, f in font_runs(text, fonts)))
        left = rng.randint(0, max(0, image.width - width - 20))
        top = rng.randint(0, max(0, image.height - int(size_px * 1.6)))
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle((left, top, left + width + 20, top + int(size_px * 1.6)), fill=colour)
            ink = (0, 0, 0) if sum(colour) > 380 else (255, 255, 255)
        else:
            ink = colour
        x = left + 10
        for run, f in font_runs(text, fonts):
            draw.text((x, top + size_px // 6), run, font=f, fill=ink)
            x += draw.textlength(run, font=f)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--textures", type=int, default=10, help="procedural textures added to the wallpapers")
    args = parser.parse_args(argv)
    captions = meme_captions(args.data_dir, "calibration")
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    sources = [Image.open(path).convert("RGB").resize(SIZE) for path in photo_backgrounds(PHOTOS)]
    sources += [texture(SIZE, rng) for _ in range(args.textures)]
    for i, image in enumerate(sources):
        image = image.copy()
        paint_scene_text(image, sign_texts(captions, rng) + sign_texts(captions, rng), rng)
        image.save(args.out / f"scene_{i:03d}.jpg", quality=90)
    print(f"wrote {len(sources)} photos to {args.out}")


if __name__ == "__main__":
    main()
