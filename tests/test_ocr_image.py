"""load_image: every bad input gets its typed, one-line error; good inputs come back upright RGB."""

import io
import struct
import zlib

import pytest
from PIL import Image

from banglahate_gui.errors import (
    EmptyImageError,
    ImageError,
    ImageTooLargeError,
    NotAnImageError,
    TruncatedImageError,
)
from banglahate_gui.ocr import expand_folders, load_image
from banglahate_gui.ocr.image import ImageNotFoundError


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _noise(size=(64, 48)) -> Image.Image:
    return Image.effect_noise(size, 64).convert("RGB")


def _huge_png_header(width: int, height: int) -> bytes:
    """A PNG that declares width x height but carries no pixel data (a few dozen bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def _one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(EmptyImageError) as exc:
        load_image(path)
    assert "empty.png" in _one_line(exc)


def test_zero_bytes_pasted():
    with pytest.raises(EmptyImageError):
        load_image(b"")


def test_text_file_is_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is not a picture\n", encoding="utf-8")
    with pytest.raises(NotAnImageError) as exc:
        load_image(path)
    assert "notes.png" in _one_line(exc)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_file(tmp_path, fmt):
    buffer = io.BytesIO()
    _noise((256, 256)).save(buffer, fmt)
    data = buffer.getvalue()
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(TruncatedImageError) as exc:
        load_image(path)
    assert f"cut.{fmt.lower()}" in _one_line(exc)


@pytest.mark.parametrize("side", [20_000, 8_000])  # 400 MP trips Pillow's bomb guard; 64 MP only our limit
def test_huge_dimensions_rejected_from_header(tmp_path, side):
    path = tmp_path / "huge.png"
    path.write_bytes(_huge_png_header(side, side))
    assert path.stat().st_size < 100
    with pytest.raises(ImageTooLargeError) as exc:
        load_image(path, max_pixels=50_000_000)
    assert "huge.png" in _one_line(exc)


def test_max_pixels_is_configurable():
    with pytest.raises(ImageTooLargeError):
        load_image(_noise((100, 100)), max_pixels=9_999)
    assert load_image(_noise((100, 100)), max_pixels=10_000).size == (100, 100)


def test_max_bytes(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(_png_bytes(_noise((64, 64))))
    with pytest.raises(ImageTooLargeError):
        load_image(path, max_bytes=100)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ImageNotFoundError) as exc:
        load_image(tmp_path / "nope.jpg")
    assert "nope.jpg" in _one_line(exc)
    assert isinstance(exc.value, (ImageError, FileNotFoundError))
    with pytest.raises(NotAnImageError):
        load_image(tmp_path)


def test_animated_gif_gives_first_frame(tmp_path):
    frames = [Image.new("RGB", (32, 32), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(path) as check:
        assert check.n_frames == 2
    image = load_image(path)
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((16, 16))
    assert red > 200 and blue < 50


def test_exif_orientation_applied(tmp_path):
    image = Image.new("RGB", (40, 20), (255, 255, 255))
    image.paste((0, 0, 0), (0, 0, 10, 20))  # black band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    path = tmp_path / "rotated.jpg"
    image.save(path, "JPEG", exif=exif, quality=95)
    upright = load_image(path)
    assert upright.size == (20, 40)
    assert sum(upright.getpixel((10, 2))) < 150  # the left band is now on top
    assert sum(upright.getpixel((10, 37))) > 600


def test_bytes_pil_and_transparency():
    rgba = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    loaded = load_image(_png_bytes(rgba))
    assert loaded.mode == "RGB" and loaded.getpixel((0, 0)) == (255, 255, 255)
    assert load_image(Image.new("L", (5, 7))).size == (5, 7)
    with pytest.raises(TypeError):
        load_image(12345)


def test_expand_folders_lists_images_of_a_folder_and_keeps_files_as_given(tmp_path):
    folder = tmp_path / "shots"
    folder.mkdir()
    for name in ("b.PNG", "a.jpg", "notes.txt"):
        (folder / name).write_bytes(b"x")
    (folder / "nested").mkdir()
    loose = tmp_path / "loose.webp"
    assert expand_folders([folder, loose]) == [folder / "a.jpg", folder / "b.PNG", loose]


# Issue 13, findings 3, 4 and 6: one bad file never escapes as a crash; no silent clipping; bounded OCR cost.
def _mutated(fmt: str, seed: int) -> bytes:
    """A small valid image in `fmt` with 1-3 bytes overwritten (the seed picks which)."""
    import random

    from PIL import ImageDraw

    base = Image.new("RGB", (64, 48), "white")
    ImageDraw.Draw(base).text((5, 5), "hi", fill="black")
    buffer = io.BytesIO()
    if fmt == "GIF":
        base.save(buffer, fmt, save_all=True, append_images=[base.rotate(10)])
    else:
        base.save(buffer, fmt)
    data, rng = bytearray(buffer.getvalue()), random.Random(seed)
    for _ in range(rng.randint(1, 3)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


@pytest.mark.parametrize("fmt, seeds", [("GIF", (66, 456)), ("TIFF", (2752,))])
def test_corrupt_gif_and_tiff_give_an_image_error_not_indexerror_or_typeerror(tmp_path, fmt, seeds):
    """These seeds raised IndexError (GIF) and TypeError (TIFF) out of load_image with Pillow 11."""
    for seed in seeds:
        path = tmp_path / f"bad{seed}.{fmt.lower()}"
        path.write_bytes(_mutated(fmt, seed))
        try:
            load_image(path)
        except ImageError as exc:
            assert str(exc).startswith(str(path))
            assert "\n" not in str(exc)


@pytest.mark.parametrize("fmt", ["GIF", "TIFF", "PNG", "JPEG", "WEBP", "BMP"])
def test_every_decoder_error_names_the_file(tmp_path, fmt):
    path = tmp_path / f"x.{fmt.lower()}"
    for seed in range(150):
        path.write_bytes(_mutated(fmt, seed))
        try:
            load_image(path)
        except ImageError as exc:
            assert str(exc).startswith(f"{path}: ")


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_16bit_grey_png_and_tiff_are_scaled_not_clipped(fmt):
    import numpy as np

    samples = np.full((40, 120), 60_000, np.uint16)
    samples[10:30, 20:100] = 3_000  # dark text on a light page, both far above 255
    buffer = io.BytesIO()
    Image.fromarray(samples).save(buffer, fmt)
    pixels = np.asarray(load_image(buffer.getvalue()))
    assert pixels.shape == (40, 120, 3)
    assert abs(int(pixels[0, 0, 0]) - round(60_000 / 65535 * 255)) <= 1
    assert abs(int(pixels[20, 50, 0]) - round(3_000 / 65535 * 255)) <= 1


def test_float_grey_tiff_is_scaled():
    import numpy as np

    samples = np.full((8, 8), 0.9, np.float32)
    samples[2:6, 2:6] = 0.1
    buffer = io.BytesIO()
    Image.fromarray(samples, "F").save(buffer, "TIFF")
    pixels = np.asarray(load_image(buffer.getvalue()))
    assert abs(int(pixels[0, 0, 0]) - 0.9 * 255) <= 1 and abs(int(pixels[3, 3, 0]) - 0.1 * 255) <= 1


def test_huge_near_empty_image_is_downscaled_before_the_detector():
    """A 75 KB 7000x7000 PNG used to reach EasyOCR's detector whole (6.7 GB, minutes)."""
    import numpy as np

    from banglahate_gui.ocr.image import OCR_MAX_PIXELS, OCR_SPARSE_PIXELS, fit_ocr_budget, ink_fraction
    from banglahate_gui.ocr.preprocess import prepare

    page = np.full((7000, 7000), 255, np.uint8)
    page[3400:3500, 3000:4000] = 0  # one caption-sized block of ink
    assert ink_fraction(page) < 0.01
    small, factor = fit_ocr_budget(page)
    assert small.shape[0] * small.shape[1] <= OCR_SPARSE_PIXELS and 0 < factor < 1
    prepared, scale = prepare(page, "none")
    assert prepared.shape == small.shape and scale == factor
    busy = (np.indices((3000, 3000)).sum(axis=0) % 7 * 36).astype(np.uint8)  # ink everywhere: 9 MP
    fitted, busy_factor = fit_ocr_budget(busy)
    assert OCR_SPARSE_PIXELS < fitted.shape[0] * fitted.shape[1] <= OCR_MAX_PIXELS
    meme = np.full((800, 1200, 3), 255, np.uint8)
    assert fit_ocr_budget(meme)[1] == 1.0 and fit_ocr_budget(meme)[0] is meme  # ordinary sizes untouched
