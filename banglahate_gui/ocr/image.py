"""Safe image loading: size limits checked from the header before decoding, typed errors."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from banglahate_gui.errors import (
    EmptyImageError,
    ImageError,
    ImageTooLargeError,
    NotAnImageError,
    TruncatedImageError,
)

DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})


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
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream)
    except UnidentifiedImageError:
        raise NotAnImageError(f"{name}: not an image Pillow can read; choose a PNG, JPEG, WebP, GIF or BMP file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLargeError(f"{name}: image dimensions exceed Pillow's safe-decoding limit "
                                 f"({Image.MAX_IMAGE_PIXELS:,} pixels); downscale it") from None
    with image:
        _check_pixels(image.size, max_pixels, name)  # header only: nothing decoded yet
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise TruncatedImageError(
                f"{name}: image data is truncated or corrupt ({exc}); re-save or re-download it") from None
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
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")
