"""Safe image loading: size limits checked from the header before decoding, typed errors."""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from banglahate_gui.defaults import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS
from banglahate_gui.errors import (
    EmptyImageError,
    ImageError,
    ImageTooLargeError,
    NotAnImageError,
    TruncatedImageError,
)

DEFAULT_MAX_PIXELS = MAX_IMAGE_PIXELS
DEFAULT_MAX_BYTES = MAX_IMAGE_BYTES
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
# OCR cost budget, by decoded area: EasyOCR's detector runs on the whole image up to a 2560-px side
# (a 7000x7000 page took 6.7 GB and minutes). Images over `OCR_SPARSE_PIXELS` that are near-empty
# (under `SPARSE_INK` of their pixels differ from the background) are downscaled to that area, any
# image to at most `OCR_MAX_PIXELS`, before the detector (`fit_ocr_budget`).
OCR_MAX_PIXELS = 6_000_000
OCR_SPARSE_PIXELS = 2_000_000
SPARSE_INK = 0.02
# Grey modes wider than 8 bits (16-bit PNG/TIFF open as "I" or "I;16*"): scaled to 8 bits, never clipped.
WIDE_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N", "F"})


class ImageNotFoundError(ImageError, FileNotFoundError):
    """The image path does not exist."""


def expand_folders(paths: list[Path]) -> list[Path]:
    """Paths as given, except that a folder becomes its image files (by suffix, sorted, not recursive)."""
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES))
        else:
            out.append(path)
    return out


def load_image(
    source: str | Path | bytes | Image.Image,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Image.Image:
    """Open `source` as an upright RGB image (first frame of an animation, EXIF rotation
    applied, transparency over white). Raises an `ImageError` subclass with a one-line message."""
    if isinstance(source, Image.Image):
        name = "image"
        _check_pixels(source.size, max_pixels, name)
        return _finish(source, name)
    name, stream = _open_stream(source, max_bytes)
    try:
        return _decode(stream, name, max_pixels)
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise NotAnImageError(f"{name}: not an image Pillow can read; choose a PNG, JPEG, WebP, GIF or BMP file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLargeError(f"{name}: image dimensions exceed Pillow's safe-decoding limit "
                                 f"({Image.MAX_IMAGE_PIXELS:,} pixels); downscale it") from None
    except MemoryError:
        raise ImageTooLargeError(f"{name}: not enough memory to decode this image; downscale it") from None
    except Exception as exc:  # noqa: BLE001 - any decoder failure on untrusted bytes is one bad file, not a crash
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise TruncatedImageError(
            f"{name}: image data is truncated or corrupt ({type(exc).__name__}: {detail}); "
            "re-save or re-download it") from None


def _decode(stream: io.BytesIO | Path, name: str, max_pixels: int) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        warnings.simplefilter("ignore", UserWarning)  # Pillow's notes on odd metadata; errors still raise
        with Image.open(stream) as image:
            _check_pixels(image.size, max_pixels, name)  # header only: nothing decoded yet
            image.load()
            return _finish(image, name)


def _open_stream(source: str | Path | bytes, max_bytes: int) -> tuple[str, io.BytesIO | Path]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise EmptyImageError("pasted image: no data (0 bytes); copy the image again")
        if len(data) > max_bytes:
            raise ImageTooLargeError(f"pasted image: {len(data):,} bytes exceeds the {max_bytes:,}-byte limit")
        return "pasted image", io.BytesIO(data)
    if not isinstance(source, (str, Path)):
        raise TypeError(f"expected a path, bytes or PIL image, got {type(source).__name__}")
    path = Path(source)
    if not path.exists():
        raise ImageNotFoundError(f"{path}: no such file; check the path")
    if not path.is_file():
        raise NotAnImageError(f"{path}: not a file; choose an image file")
    size = path.stat().st_size
    if size == 0:
        raise EmptyImageError(f"{path}: file is empty (0 bytes); choose another image")
    if size > max_bytes:
        raise ImageTooLargeError(f"{path}: file is {size:,} bytes, over the {max_bytes:,}-byte limit; downscale it")
    return str(path), path


def _check_pixels(size: tuple[int, int], max_pixels: int, name: str) -> None:
    width, height = size
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"{name}: {width}x{height} is {width * height:,} pixels, over the {max_pixels:,} limit; downscale it")
    if width == 0 or height == 0:
        raise EmptyImageError(f"{name}: image has no pixels ({width}x{height}); choose another image")


def _finish(image: Image.Image, name: str) -> Image.Image:
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    try:
        image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError) as exc:
        raise TruncatedImageError(f"{name}: could not apply EXIF orientation ({exc}); re-save the image") from None
    if image.mode in WIDE_MODES:
        return Image.fromarray(to_uint8(np.asarray(image), image.mode)).convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def ink_fraction(pixels: np.ndarray) -> float:
    """Share of pixels (sampled on a grid of about a million) far from the median grey: 0 = blank."""
    height, width = pixels.shape[:2]
    step = max(1, int(math.sqrt(height * width / 1_000_000)))
    sample = pixels[::step, ::step].astype(np.float32)
    grey = sample if sample.ndim == 2 else sample.mean(axis=2)
    return float(np.mean(np.abs(grey - np.median(grey)) > 48)) if grey.size else 0.0


def fit_ocr_budget(pixels: np.ndarray) -> tuple[np.ndarray, float]:
    """`pixels` downscaled into the OCR cost budget (see `OCR_MAX_PIXELS`), and the factor (<= 1)
    applied, so boxes found on the result divide by it to map back."""
    height, width = pixels.shape[:2]
    area = height * width
    if area <= OCR_SPARSE_PIXELS:
        return pixels, 1.0
    budget = OCR_SPARSE_PIXELS if ink_fraction(pixels) < SPARSE_INK else OCR_MAX_PIXELS
    if area <= budget:
        return pixels, 1.0
    factor = math.sqrt(budget / area)
    size = (max(1, int(width * factor)), max(1, int(height * factor)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA), size[0] / width


def to_uint8(values: np.ndarray, mode: str) -> np.ndarray:
    """Grey samples wider than 8 bits scaled (not clipped) to 0..255: integer modes by the 16-bit
    range, float ("F") by 0..1, and either by its own range when the values fall outside those."""
    values = values.astype(np.float32)  # exact for 16-bit samples, half the memory of float64
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    full = 1.0 if mode == "F" else 65535.0
    if low >= 0 and high <= full:
        low, high = 0.0, full
    scaled = (np.nan_to_num(values, nan=low, posinf=high, neginf=low) - low) / ((high - low) or 1.0) * 255.0
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
