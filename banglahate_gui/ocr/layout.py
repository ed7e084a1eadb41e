"""Caption or background: which detected lines are the meme's caption and which are text inside the
picture (signs, phone numbers, watermarks), from size and position alone.

Captions sit in the top and bottom bands: a line there is caption when its height is at least
`BAND_HEIGHT` of the tallest band line's, a line elsewhere only when at least `CAPTION_HEIGHT` of it.
The split is "confident" when every caption line is clearly taller than every background line
(`CONFIDENT_RATIO`). Screenshots and single-size memes are all caption.
"""

from __future__ import annotations

from banglahate_gui.ocr.result import OcrLine

CAPTION_HEIGHT = 0.65
BAND_HEIGHT = 0.5
BAND = 0.3  # top and bottom share of the image
CONFIDENT_RATIO = 1.3


def mark_roles(lines: list[OcrLine], image_height: int) -> bool:
    """Set each line's `role` in place; True when the caption/background split is confident."""
    if not lines:
        return False
    def in_band(line: OcrLine) -> bool:
        centre = (line.bbox[1] + line.bbox[3]) / 2
        return centre <= image_height * BAND or centre >= image_height * (1 - BAND)

    banded = [line for line in lines if in_band(line)] or lines  # captions sit in the bands: size them there
    tallest = max(line.bbox[3] - line.bbox[1] for line in banded)
    for line in lines:
        height = line.bbox[3] - line.bbox[1]
        large = height >= (BAND_HEIGHT if in_band(line) else CAPTION_HEIGHT) * tallest
        line.role = "caption" if large else "background"
    captions = [line.bbox[3] - line.bbox[1] for line in lines if line.role == "caption"]
    background = [line.bbox[3] - line.bbox[1] for line in lines if line.role == "background"]
    return bool(background) and min(captions) >= CONFIDENT_RATIO * max(background)


def caption_first(lines: list[OcrLine]) -> list[OcrLine]:
    """Caption lines, then background lines, each group in its existing (reading) order."""
    return [line for line in lines if line.role == "caption"] + [line for line in lines if line.role != "caption"]
