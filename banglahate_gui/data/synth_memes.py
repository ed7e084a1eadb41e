"""Seeded synthetic memes with exact gold text, for OCR tests and benchmarks.

Bengali is shaped by Pillow's raqm layout engine (HarfBuzz); characters a Bengali font lacks
(Latin in Banglish/mixed captions) fall back to a Latin font run by run. The gold text of a meme
is its caption with whitespace collapsed: "\\n" in a caption splits it into top and bottom text.
"""

from __future__ import annotations

import functools
import glob
import io
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

STYLES = ("outline", "plain", "caption")
BACKGROUNDS = ("flat", "noise", "gradient")
LATIN_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)
_BENGALI_BLOCK = range(0x0980, 0x0A00)


@dataclass
class SyntheticMeme:
    """A rendered meme and the exact text drawn on it."""

    image: Image.Image
    text: str
    font: str
    style: str
    background: str
    damaged: bool
    seed: int

    def to_dict(self) -> dict:
        """Everything except the pixels."""
        return {
            "text": self.text,
            "font": self.font,
            "style": self.style,
            "background": self.background,
            "damaged": self.damaged,
            "seed": self.seed,
            "size": list(self.image.size),
        }


def raqm_available() -> bool:
    """True when Pillow can shape complex scripts (Bengali conjuncts, vowel signs)."""
    return bool(features.check("raqm"))


@functools.lru_cache(maxsize=1)
def bengali_fonts() -> tuple[str, ...]:
    """Installed fonts with Bengali glyphs (Assamese-only fonts excluded), sorted by path."""
    paths: set[str] = set()
    if shutil.which("fc-list"):
        out = subprocess.run(
            ["fc-list", ":lang=bn", "file"], capture_output=True, text=True, check=False
        ).stdout
        paths.update(line.split(":")[0].strip() for line in out.splitlines() if line.strip())
    if not paths:
        for pattern in ("*Bengali*", "Mukti*", "Likhan*", "Jamrul*", "Ani.ttf", "Mitra*"):
            paths.update(glob.glob(f"/usr/share/fonts/**/{pattern}", recursive=True))
    keep = [p for p in paths if "assamese" not in p.lower() and p.lower().endswith((".ttf", ".otf"))]
    return tuple(sorted(p for p in keep if ord("ক") in _cmap(p)))


@functools.lru_cache(maxsize=1)
def latin_fonts() -> tuple[str, ...]:
    """Bold sans fonts for Latin (English/Banglish) captions."""
    return tuple(p for p in LATIN_FONT_CANDIDATES if Path(p).is_file())


@functools.lru_cache(maxsize=None)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def has_bengali(text: str) -> bool:
    return any(ord(ch) in _BENGALI_BLOCK for ch in text)


def gold_text(caption: str) -> str:
    """The text drawn: top caption, then (after "\\n") the bottom one, whitespace collapsed."""
    lines = [" ".join(line.split()) for line in caption.split("\n")]
    lines = [line for line in lines if line]
    return "\n".join(lines[:1] + [" ".join(lines[1:])] if len(lines) > 1 else lines)


def render_meme(
    text: str,
    *,
    seed: int = 0,
    font: str | None = None,
    size: tuple[int, int] = (800, 600),
    style: str = "outline",
    background: str = "flat",
    damage: bool = False,
    font_size: int | None = None,
) -> Image.Image:
    """Draw `text` as a meme caption on a synthetic background and return an RGB image.

    style: "outline" (white text, black stroke), "plain" (dark text on a light background) or
    "caption" (black text in a white band above the picture). "\\n" in `text` splits top and
    bottom captions. Same arguments and seed -> same pixels.
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    if background not in BACKGROUNDS:
        raise ValueError(f"background must be one of {BACKGROUNDS}, got {background!r}")
    if not raqm_available():
        raise RuntimeError("Pillow was built without raqm: Bengali would render unshaped; install libraqm0")
    rng = random.Random(seed)
    captions = gold_text(text).split("\n")
    if not captions or not captions[0]:
        raise ValueError("text is empty")
    font_path = font or _pick_font(text, rng)
    fallback = latin_fonts()[0] if latin_fonts() else font_path
    width, height = size
    light = style == "plain"
    canvas = render_background(background, size, rng, light=light)
    draw = ImageDraw.Draw(canvas)
    fill, stroke = ((255, 255, 255), (0, 0, 0)) if style == "outline" else ((0, 0, 0), None)
    if style == "caption":  # all text in a white band above the picture
        band = height // (3 if len(captions) > 1 else 4)
        canvas.paste((255, 255, 255), (0, 0, width, band))
        blocks = [(captions, "band", band)]
    else:
        blocks = [([caption], where, height // 3) for caption, where in zip(captions, ("top", "bottom"))]
    for paragraphs, where, region_h in blocks:
        size_px = font_size or max(16, height // 10)
        lines, fonts, size_px = _fit(paragraphs, font_path, fallback, size_px, int(width * 0.92), region_h)
        stroke_w = max(2, size_px // 12) if stroke else 0
        line_h = int(size_px * 1.45)
        block_h = line_h * len(lines)
        y = {"band": max(2, (region_h - block_h) // 2), "top": int(height * 0.03),
             "bottom": height - block_h - int(height * 0.04)}[where]
        for line in lines:
            runs = font_runs(line, fonts)
            x = (width - sum(draw.textlength(run, font=f) for run, f in runs)) / 2
            for run, f in runs:
                draw.text((x, y), run, font=f, fill=fill, stroke_width=stroke_w, stroke_fill=stroke)
                x += draw.textlength(run, font=f)
            y += line_h
    return _damage(canvas, rng) if damage else canvas


def generate_memes(captions: list[str], n: int, seed: int = 0, *, damage: bool | None = None,
                   size: tuple[int, int] = (800, 600)) -> list[SyntheticMeme]:
    """`n` memes drawn from `captions` with seeded font, style, background and (by default,
    half of them) damage."""
    if not captions:
        raise ValueError("captions is empty")
    rng = random.Random(seed)
    memes = []
    for _ in range(n):
        caption = rng.choice(captions)
        meme_seed = rng.randrange(2**31)
        font = _pick_font(caption, random.Random(meme_seed))
        style = rng.choice(STYLES)
        background = rng.choice(BACKGROUNDS)
        damaged = rng.random() < 0.5 if damage is None else damage
        image = render_meme(caption, seed=meme_seed, font=font, size=size, style=style,
                            background=background, damage=damaged)
        memes.append(SyntheticMeme(image, gold_text(caption), font, style, background, damaged, meme_seed))
    return memes


def _pick_font(text: str, rng: random.Random) -> str:
    pool = bengali_fonts() if has_bengali(text) else latin_fonts()
    if not pool:
        raise RuntimeError("no suitable font installed: install fonts-beng, fonts-noto-core, fonts-dejavu-core")
    return rng.choice(pool)


@functools.lru_cache(maxsize=256)
def load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """A cached font at `size` px, shaped with raqm (HarfBuzz)."""
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)


def font_runs(line: str, fonts: tuple[ImageFont.FreeTypeFont, ImageFont.FreeTypeFont]):
    """Split `line` into (text, font) runs: Latin letters/digits and glyphs the primary font
    lacks go to the fallback (legacy Bengali fonts draw Latin poorly)."""
    primary, fallback = fonts
    cmap = _cmap(primary.path)
    runs: list[tuple[str, ImageFont.FreeTypeFont]] = []
    for ch in line:
        latin = ch.isascii() and ch.isalnum() and primary.path != fallback.path
        chosen = fallback if latin or ord(ch) not in cmap else primary
        if (ch.isspace() or not ch.isalnum()) and runs:
            chosen = runs[-1][1]
        if runs and runs[-1][1] is chosen:
            runs[-1] = (runs[-1][0] + ch, chosen)
        else:
            runs.append((ch, chosen))
    return runs


def _fit(paragraphs: list[str], font_path: str, fallback: str, size_px: int, max_w: int, max_h: int):
    """Word-wrap each paragraph to `max_w`, shrinking the font until all lines fit `max_h`."""
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    while True:
        fonts = (load_font(font_path, size_px), load_font(fallback, size_px))

        def width(s: str) -> float:
            return sum(probe.textlength(run, font=f) for run, f in font_runs(s, fonts))

        lines: list[str] = []
        for paragraph in paragraphs:
            start = len(lines)
            for word in paragraph.split():
                if len(lines) > start and width(lines[-1] + " " + word) <= max_w:
                    lines[-1] += " " + word
                else:
                    lines.append(word)
        fits = all(width(line) <= max_w for line in lines) and len(lines) * size_px * 1.45 <= max_h
        if fits or size_px <= 12:
            return lines, fonts, size_px
        size_px = int(size_px * 0.9)


def render_background(kind: str, size: tuple[int, int], rng: random.Random, *, light: bool) -> Image.Image:
    """A seeded `BACKGROUNDS` kind: flat colour, vertical gradient or blurred blobs (a stand-in for a photo)."""
    width, height = size
    nprng = np.random.default_rng(rng.randrange(2**32))
    lo, hi = (170, 255) if light else (20, 150)
    base = np.array([rng.randint(lo, hi) for _ in range(3)], dtype=np.float32)
    if kind == "flat":
        pixels = np.broadcast_to(base, (height, width, 3))
    elif kind == "gradient":
        other = np.array([rng.randint(lo, hi) for _ in range(3)], dtype=np.float32)
        t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
        pixels = np.broadcast_to(base * (1 - t) + other * t, (height, width, 3))
    else:  # "noise": blurred blobs, a stand-in for a photo
        small = nprng.uniform(lo, hi, size=(max(2, height // 40), max(2, width // 40), 3))
        blobs = Image.fromarray(small.astype(np.uint8)).resize(size, Image.BICUBIC)
        pixels = np.asarray(blobs, dtype=np.float32) + nprng.normal(0, 8, size=(height, width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _damage(image: Image.Image, rng: random.Random) -> Image.Image:
    """What reposting does to a meme: slight rotation and blur, downscale, JPEG recompression."""
    return repost(image, rng)[0]


# --- The four meme styles of the OCR benchmark and calibration, with per-word gold boxes ---

MEME_STYLES = ("screenshot", "band", "outline_flat", "outline_photo")
SIGN_WORDS = ("SALE", "Pharmacy", "Tea Stall", "Hotel", "Open 24h", "Mobile Bank", "Tailors", "Library")
UI_WORDS = ("Like", "Comment", "Share")


@dataclass
class StyledMeme:
    """A meme of one of `MEME_STYLES`: its caption (gold), and every word drawn on it with its box
    (caption and background words alike: page names, buttons, signs)."""

    image: Image.Image
    caption: str
    style: str
    words: list[tuple[str, tuple[int, int, int, int], bool]]  # (word, bbox, is caption)
    seed: int

    @property
    def background_text(self) -> str:
        return " ".join(word for word, _box, caption in self.words if not caption)


def photo_backgrounds(folder: str | Path) -> tuple[str, ...]:
    """Image files under `folder` usable as photos (sorted, so seeded picks are stable)."""
    exts = (".jpg", ".jpeg", ".png", ".webp")
    return tuple(sorted(str(p) for p in Path(folder).rglob("*") if p.suffix.lower() in exts)) if Path(folder).is_dir() else ()


@functools.lru_cache(maxsize=32)
def _photo(path: str, max_side: int = 1400) -> Image.Image:
    """The photo at `path`, decoded once and shrunk to at most `max_side` (wallpapers are 4K)."""
    with Image.open(path) as source:
        photo = source.convert("RGB")
    photo.thumbnail((max_side, max_side), Image.BILINEAR)
    return photo


def photo_crop(path: str, size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A seeded crop of the photo at `path`, scaled to `size`."""
    photo = _photo(path)
    width, height = size
    scale = max(width / photo.width, height / photo.height) * rng.uniform(1.0, 1.6)
    photo = photo.resize((max(width, int(photo.width * scale)), max(height, int(photo.height * scale))), Image.BILINEAR)
    left, top = rng.randint(0, photo.width - width), rng.randint(0, photo.height - height)
    return photo.crop((left, top, left + width, top + height))


def texture(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A procedural photo stand-in: blurred blobs plus stripes, bricks or noise (seeded)."""
    width, height = size
    base = np.asarray(render_background("noise", size, rng, light=rng.random() < 0.4), dtype=np.float32)
    nprng = np.random.default_rng(rng.randrange(2**32))
    kind = rng.choice(("stripes", "bricks", "grain"))
    yy, xx = np.mgrid[0:height, 0:width]
    if kind == "stripes":
        pattern = np.sin((xx * rng.uniform(-1, 1) + yy) / rng.uniform(6, 30)) * 40
    elif kind == "bricks":
        cell = rng.randint(20, 60)
        pattern = (((yy // cell) + (xx // (2 * cell))) % 2) * 50.0 - 25 - ((yy % cell) < 3) * 60
    else:
        pattern = nprng.normal(0, 25, size=(height, width))
    return Image.fromarray(np.clip(base + pattern[..., None], 0, 255).astype(np.uint8), "RGB")


def render_styled(caption: str, style: str, *, seed: int = 0, size: tuple[int, int] = (800, 600),
                  photo: Image.Image | None = None, background_words: list[str] | None = None,
                  font: str | None = None) -> StyledMeme:
    """Draw `caption` in one of `MEME_STYLES`.

    screenshot: a social-media post (page name, text, buttons) on white; band: black text in a white band
    over a picture; outline_flat: white text with a black outline on a flat colour; outline_photo: the
    same over `photo` (a procedural texture when None) plus `background_words` painted as signs."""
    if style not in MEME_STYLES:
        raise ValueError(f"style must be one of {MEME_STYLES}, got {style!r}")
    if not raqm_available():
        raise RuntimeError("Pillow was built without raqm: Bengali would render unshaped; install libraqm0")
    rng = random.Random(seed)
    width, height = size
    font_path = font or _pick_font(caption, rng)
    fallback = latin_fonts()[0] if latin_fonts() else font_path
    words: list[tuple[str, tuple[int, int, int, int], bool]] = []
    paragraphs = [p for p in gold_text(caption).split("\n") if p]
    if style == "screenshot":
        canvas = Image.new("RGB", size, (255, 255, 255))
        draw = ImageDraw.Draw(canvas)
        small = max(14, height // 32)
        _draw_words(draw, [rng.choice(("News Page", "Dhaka Fun", "Meme Ghor", "Bangla Troll"))], fallback, fallback,
                    small, (int(width * 0.12), int(height * 0.04)), (60, 60, 60), None, words, False)
        size_px = max(18, height // rng.randint(14, 20))
        lines, fonts, size_px = _fit([" ".join(paragraphs)], font_path, fallback, size_px, int(width * 0.9),
                                     int(height * 0.7))
        y = int(height * 0.14)
        for line in lines:
            _draw_words(draw, line.split(), font_path, fallback, size_px, (int(width * 0.05), y), (20, 20, 20), None,
                        words, True)
            y += int(size_px * 1.45)
        x = int(width * 0.1)
        for label in UI_WORDS:
            _draw_words(draw, [label], fallback, fallback, small, (x, int(height * 0.92)), (90, 90, 90), None, words, False)
            x += width // 3
        return StyledMeme(canvas, " ".join(paragraphs), style, words, seed)
    if style == "outline_flat":
        canvas = render_background("flat", size, rng, light=False)
    elif photo is not None:
        canvas = photo.convert("RGB").resize(size)
    else:
        canvas = texture(size, rng)
    draw = ImageDraw.Draw(canvas)
    if style == "outline_photo":
        signs = background_words or []
        for slot, text in enumerate(signs):
            _draw_sign(draw, text, rng, size, fallback, words, (slot, len(signs)))
    if style == "band":
        band = height // (3 if len(paragraphs) > 1 else 4)
        canvas.paste((255, 255, 255), (0, 0, width, band))
        blocks = [(paragraphs, band, (max(2, band // 10)))]
        fill, stroke = (0, 0, 0), None
    else:
        blocks = [([p], height // 3, y) for p, y in zip(paragraphs, (int(height * 0.03), None))]
        fill, stroke = (255, 255, 255), (0, 0, 0)
    for block, region_h, y in blocks:
        size_px = max(16, height // 10)
        lines, fonts, size_px = _fit(block, font_path, fallback, size_px, int(width * 0.92), region_h)
        line_h = int(size_px * 1.45)
        if y is None:
            y = height - line_h * len(lines) - int(height * 0.04)
        elif style == "band":
            y = max(2, (region_h - line_h * len(lines)) // 2)
        for line in lines:
            line_w = sum(draw.textlength(run, font=f) for run, f in font_runs(line, fonts))
            _draw_words(draw, line.split(), font_path, fallback, size_px, (int((width - line_w) / 2), y), fill,
                        stroke, words, True)
            y += line_h
    return StyledMeme(canvas, " ".join(paragraphs), style, words, seed)


def _draw_words(draw: ImageDraw.ImageDraw, line_words: list[str], font_path: str, fallback: str, size_px: int,
                origin: tuple[int, int], fill, stroke, words: list, caption: bool) -> None:
    """Draw words left to right from `origin`, recording each word's box."""
    fonts = (load_font(font_path, size_px), load_font(fallback, size_px))
    x, y = origin
    stroke_w = max(2, size_px // 12) if stroke else 0
    space = draw.textlength(" ", font=fonts[0])
    for word in line_words:
        start = x
        for run, f in font_runs(word, fonts):
            draw.text((x, y), run, font=f, fill=fill, stroke_width=stroke_w, stroke_fill=stroke)
            x += draw.textlength(run, font=f)
        words.append((word, (int(start), int(y), int(x), int(y + size_px * 1.3)), caption))
        x += space


def _draw_sign(draw: ImageDraw.ImageDraw, text: str, rng: random.Random, size: tuple[int, int], fallback: str,
               words: list, slot: tuple[int, int]) -> None:
    """A coloured sign with `text` in the middle of the picture (background text), in its own
    horizontal slot (`slot` = (index, count)) so signs never overlap."""
    width, height = size
    font_path = _pick_font(text, rng)
    slot_h = int(height * 0.36 / slot[1])
    size_px = min(rng.randint(max(12, height // 40), max(14, height // 16)), max(10, int(slot_h / 1.7)))
    fonts = (load_font(font_path, size_px), load_font(fallback, size_px))
    text_w = int(sum(draw.textlength(run, font=f) for run, f in font_runs(text, fonts)))
    left = rng.randint(0, max(0, width - text_w - 20))
    top = int(height * 0.3) + slot[0] * slot_h + rng.randint(0, max(0, slot_h - int(size_px * 1.6)))
    colour = tuple(rng.randint(0, 255) for _ in range(3))
    ink = (0, 0, 0) if sum(colour) > 380 else (255, 255, 255)
    draw.rectangle((left, top, left + text_w + 20, top + int(size_px * 1.6)), fill=colour)
    _draw_words(draw, text.split(), font_path, fallback, size_px, (left + 10, top + size_px // 6), ink, None, words, False)


def repost(image: Image.Image, rng: random.Random):
    """Reposting damage (rotation, blur, downscale, JPEG recompression) and the map it applies to a
    point (x, y) of the original, so gold word boxes follow the pixels."""
    import math

    angle = rng.uniform(-2.0, 2.0)
    image = image.rotate(angle, resample=Image.BICUBIC, fillcolor=(128, 128, 128))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, 1.0)))
    scale = rng.uniform(0.6, 1.0)
    cx, cy = image.width / 2, image.height / 2
    image = image.resize((int(image.width * scale), int(image.height * scale)), Image.BILINEAR)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=rng.randint(30, 90))
    buffer.seek(0)
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def move(x: float, y: float) -> tuple[float, float]:  # PIL rotates counter-clockwise about the centre
        dx, dy = x - cx, y - cy
        return (cx + dx * cos + dy * sin) * scale, (cy - dx * sin + dy * cos) * scale

    return Image.open(buffer).convert("RGB"), move


# --- Screenshots of comment threads and chats (several messages: one text block each) ---

THREAD_NAMES = ("Rahim Uddin", "Nusrat Jahan", "Tanvir Ahmed", "Sadia Islam", "Arif Hossain", "Mim Akter")


def render_thread(messages: list[str], seed: int = 0, size: tuple[int, int] = (720, 900)) -> Image.Image:
    """A comment-thread screenshot: per message, a round avatar, a name and the wrapped text, dark on a light
    background, messages one under another. The text shrinks until every message fits. Same arguments
    and seed -> same pixels."""
    if not messages or not all(m.strip() for m in messages):
        raise ValueError("messages must be non-empty texts")
    if not raqm_available():
        raise RuntimeError("Pillow was built without raqm: Bengali would render unshaped; install libraqm0")
    rng = random.Random(seed)
    width, height = size
    canvas = Image.new("RGB", size, tuple(rng.randint(238, 252) for _ in range(3)))
    draw = ImageDraw.Draw(canvas)
    latin = latin_fonts()[0] if latin_fonts() else None
    fonts = [_pick_font(message, rng) for message in messages]
    names = [rng.choice(THREAD_NAMES) for _ in messages]
    avatar = width // 12
    left = int(width * 0.04) + avatar + width // 40
    size_px = max(16, height // 24)
    while True:
        name_px = int(size_px * 0.8)
        wrapped = [_fit([" ".join(m.split())], font, latin or font, size_px, width - left - int(width * 0.04),
                        height)[0] for m, font in zip(messages, fonts)]
        needed = sum(int(name_px * 1.5) + int(size_px * 1.45) * len(lines) + int(size_px * 1.6) for lines in wrapped)
        if needed <= height * 0.94 or size_px <= 12:
            break
        size_px = int(size_px * 0.9)
    y = int(height * 0.03)
    for message_lines, font, name in zip(wrapped, fonts, names):
        colour = tuple(rng.randint(60, 200) for _ in range(3))
        draw.ellipse((int(width * 0.04), y, int(width * 0.04) + avatar, y + avatar), fill=colour)
        _draw_words(draw, name.split(), latin or font, latin or font, name_px, (left, y), (70, 70, 90), None, [], False)
        y += int(name_px * 1.5)
        for line in message_lines:
            _draw_words(draw, line.split(), font, latin or font, size_px, (left, y), (20, 20, 20), None, [], True)
            y += int(size_px * 1.45)
        y += int(size_px * 1.6)
    return canvas
