"""Where the text sits: reading order, caption or background lines, and the message blocks of a thread screenshot.

Caption or background (`mark_roles`): which detected lines are the meme's caption and which are text
inside the picture (signs, phone numbers, watermarks), from size and position alone. Captions sit in
the top and bottom bands; their reference height is the height that `REFERENCE_SHARE` of the band
lines' characters do not exceed (not the tallest line: one big shop sign in a band made the caption
itself pass for background). A line in a band is caption when its height is at least `BAND_HEIGHT` of
the reference, a line elsewhere only when at least `CAPTION_HEIGHT` of it. A line read so badly that it is
more likely a patch of picture than text (calibrated confidence under `UNREADABLE`) is background. The split is
"confident" when every caption line is clearly taller than every background line (`CONFIDENT_RATIO`).
Screenshots and single-size memes are all caption.

Message blocks (`text_blocks`): a screenshot of a comment thread or a chat holds several messages,
each judged on its own. Lines side by side form a row; rows are read top to bottom, and a new block
starts where the gap above a row exceeds `BLOCK_GAP` row heights (the median row height) or its left
edge moves more than `INDENT` row heights (a reply, the other side of a chat). A block of one short
row (at most `LABEL_WORDS` words: a name, a time, Like/Reply) is no message: it joins the nearer
neighbouring block. Only a light page (`OcrResult.light_page`: a screenshot, not a picture whose signs
and watermarks would pass for messages) can hold several messages. It is a multi-message screenshot
when at least two blocks remain, unless
every caption row is centred (`CENTRED` of the width: a meme's top and bottom captions) or two blocks
are more than `PICTURE_GAP` of the image height apart (a picture between the texts); then the whole
text is one block.
"""

from __future__ import annotations

from statistics import median
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from banglahate_gui.ocr.result import OcrLine

CAPTION_HEIGHT = 0.8
BAND_HEIGHT = 0.5
REFERENCE_SHARE = 0.75
"""Chosen on the development memes (`benchmarks/ocr/run.py --split dev`, 120): with the tallest line as
the reference (and `CAPTION_HEIGHT` 0.65) caption CER 0.0266, binary F1 0.874; with these 0.0192, 0.883."""
UNREADABLE = 0.15
"""Calibrated P(line read correctly) under which a line is background. On the development memes: caption
CER 0.0192 -> 0.0174 (outlined over a photo 0.0409 -> 0.0336), F1 unchanged; 0.10-0.20 gave the same."""
BAND = 0.3  # top and bottom share of the image
CONFIDENT_RATIO = 1.3

BLOCK_GAP = 0.75
"""A gap above a row wider than this many row heights starts a new block."""
INDENT = 1.5
"""A row whose left edge moves more than this many row heights from the row above starts a new block."""
LABEL_WORDS = 3
"""A block of one row with at most this many words is a label (name, time, buttons), not a message."""
CENTRED = 0.05
"""A row is centred when its middle is within this share of the image width from the image's middle."""
PICTURE_GAP = 0.25
"""Blocks further apart than this share of the image height have a picture between them: one block."""


def mark_roles(lines: list[OcrLine], image_height: int, calibrated: bool = True) -> bool:
    """Set each line's `role` in place; True when the caption/background split is confident. `calibrated`:
    the lines' scores are calibrated (raw scores say nothing comparable: `UNREADABLE` is not applied)."""
    if not lines:
        return False
    def in_band(line: OcrLine) -> bool:
        centre = (line.bbox[1] + line.bbox[3]) / 2
        return centre <= image_height * BAND or centre >= image_height * (1 - BAND)

    banded = [line for line in lines if in_band(line)] or lines  # captions sit in the bands: size them there
    reference = _height_share(banded, REFERENCE_SHARE)
    for line in lines:
        height = line.bbox[3] - line.bbox[1]
        large = height >= (BAND_HEIGHT if in_band(line) else CAPTION_HEIGHT) * reference
        readable = not calibrated or line.kept.calibrated >= UNREADABLE
        line.role = "caption" if large and readable else "background"
    captions = [line.bbox[3] - line.bbox[1] for line in lines if line.role == "caption"]
    background = [line.bbox[3] - line.bbox[1] for line in lines if line.role == "background"]
    return bool(captions and background) and min(captions) >= CONFIDENT_RATIO * max(background)


def _height_share(lines: list[OcrLine], share: float) -> int:
    """The smallest line height that at least `share` of the lines' characters do not exceed."""
    by_height = sorted(lines, key=lambda line: line.bbox[3] - line.bbox[1])
    weights = [max(1, len(line.text)) for line in by_height]
    total, seen = sum(weights), 0
    for line, weight in zip(by_height, weights):
        seen += weight
        if seen >= share * total:
            return line.bbox[3] - line.bbox[1]
    return by_height[-1].bbox[3] - by_height[-1].bbox[1]


def caption_and_background_rows(lines: list[OcrLine]) -> tuple[list[list[OcrLine]], list[list[OcrLine]]]:
    """The caption lines' rows and the background lines' rows, each in reading order: read caption first,
    a sign beside a caption line never splits the caption."""
    return (reading_order([line for line in lines if line.role == "caption"]),
            reading_order([line for line in lines if line.role != "caption"]))


def text_blocks(lines: list[OcrLine], image_size: tuple[int, int], light_page: bool = True) -> list[list[int]]:
    """The message blocks of an image (see the module docstring): indices into `lines`, each block's
    ascending, blocks top to bottom. One block holding every line unless the image is a multi-message
    screenshot (never when not `light_page`); no blocks without lines."""
    if not lines:
        return []
    whole = [list(range(len(lines)))]
    rows = _rows(lines)
    if len(rows) < 2 or not light_page:
        return whole
    width, height = image_size
    row_height = median(_bottom(lines, row) - _top(lines, row) for row in rows) or 1
    blocks: list[list[list[int]]] = [[rows[0]]]
    for above, row in zip(rows, rows[1:]):
        gap = _top(lines, row) - _bottom(lines, above)
        indent = abs(_left(lines, row) - _left(lines, above))
        if gap > BLOCK_GAP * row_height or indent > INDENT * row_height:
            blocks.append([row])
        else:
            blocks[-1].append(row)
    blocks = _merge_labels(lines, blocks)
    caption_rows = [row for row in rows if any(lines[i].role == "caption" for i in row)] or rows
    centred = all(abs((_left(lines, row) + _right(lines, row)) / 2 - width / 2) <= CENTRED * width
                  for row in caption_rows)
    spread = any(_top(lines, below[0]) - _bottom(lines, above[-1]) > PICTURE_GAP * height
                 for above, below in zip(blocks, blocks[1:]))
    if len(blocks) < 2 or centred or spread:
        return whole
    return [sorted(i for row in block for i in row) for block in blocks]


def _merge_labels(lines: list[OcrLine], blocks: list[list[list[int]]]) -> list[list[list[int]]]:
    """Blocks of rows with each label block (one row, few words) joined to its nearer neighbour."""
    blocks = [list(block) for block in blocks]
    at = 0
    while len(blocks) > 1 and at < len(blocks):
        block = blocks[at]
        words = sum(len(lines[i].text.split()) for row in block for i in row)
        if len(block) > 1 or words > LABEL_WORDS:
            at += 1
            continue
        gap_up = _top(lines, block[0]) - _bottom(lines, blocks[at - 1][-1]) if at else float("inf")
        gap_down = _top(lines, blocks[at + 1][0]) - _bottom(lines, block[-1]) if at + 1 < len(blocks) else float("inf")
        label = blocks.pop(at)
        if gap_up <= gap_down:
            blocks[at - 1].extend(label)
        else:
            blocks[at][:0] = label  # the block below, now at `at`
    return blocks


class Placed(Protocol):
    bbox: tuple[int, int, int, int]


Item = TypeVar("Item", bound=Placed)


def reading_order(items: list[Item]) -> list[list[Item]]:
    """Group boxes or lines into rows (an item whose vertical centre falls inside a row's span joins the
    first such row), rows top to bottom, items left to right."""
    rows: list[list[Item]] = []
    for item in sorted(items, key=lambda i: (i.bbox[1] + i.bbox[3]) / 2):
        centre = (item.bbox[1] + item.bbox[3]) / 2
        row = next((row for row in rows if min(i.bbox[1] for i in row) <= centre <= max(i.bbox[3] for i in row)),
                   None)
        if row is None:
            rows.append([item])
        else:
            row.append(item)
    rows.sort(key=lambda row: min(i.bbox[1] for i in row))
    return [sorted(row, key=lambda i: i.bbox[0]) for row in rows]


def _rows(lines: list[OcrLine]) -> list[list[int]]:
    """`reading_order` rows of `lines`, as indices into `lines`."""
    index = {id(line): i for i, line in enumerate(lines)}
    return [[index[id(line)] for line in row] for row in reading_order(lines)]


def _left(lines: list[OcrLine], row: list[int]) -> int:
    return min(lines[i].bbox[0] for i in row)


def _top(lines: list[OcrLine], row: list[int]) -> int:
    return min(lines[i].bbox[1] for i in row)


def _right(lines: list[OcrLine], row: list[int]) -> int:
    return max(lines[i].bbox[2] for i in row)


def _bottom(lines: list[OcrLine], row: list[int]) -> int:
    return max(lines[i].bbox[3] for i in row)
