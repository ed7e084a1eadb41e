"""OCR result dataclasses (all JSON-serializable through `to_dict()`) and their text helpers."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cached_property
from itertools import dropwhile

from banglahate_gui.ocr.layout import caption_and_background_rows, reading_order, text_blocks


@dataclass
class WordBox:
    """One recognized word, line or text box; bbox = (left, top, right, bottom) in original image pixels."""

    text: str
    confidence: float
    bbox: tuple[int, int, int, int]

    def to_dict(self) -> dict:
        return {"text": self.text, "confidence": self.confidence, "bbox": list(self.bbox)}

    @classmethod
    def from_dict(cls, data: dict) -> WordBox:
        return cls(data["text"], float(data["confidence"]), tuple(int(v) for v in data["bbox"]))


@dataclass
class Reading:
    """What one engine read: text in reading order, its calibrated confidence (P(line read correctly),
    0..1; the raw score when the engine has no calibration map), its raw score and boxes; `model` names
    the recognizer (EasyOCR: built-in or custom network)."""

    engine: str
    text: str
    confidence: float
    boxes: list[WordBox] = field(default_factory=list)
    seconds: float = 0.0
    model: str = ""
    raw_confidence: float | None = None  # None: same as `confidence` (no calibration)

    def to_dict(self) -> dict:
        return {
            "engine": self.engine,
            "model": self.model,
            "text": self.text,
            "confidence": self.confidence,
            "raw_confidence": self.raw_confidence,
            "boxes": [box.to_dict() for box in self.boxes],
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Reading:
        raw = data.get("raw_confidence")
        return cls(data["engine"], data["text"], float(data["confidence"]),
                   [WordBox.from_dict(b) for b in data.get("boxes", [])], float(data.get("seconds", 0.0)),
                   data.get("model", ""), None if raw is None else float(raw))


@dataclass
class LineRead:
    """One engine's reading of one line crop: text, raw score, calibrated score."""

    engine: str
    text: str
    raw: float
    calibrated: float

    def to_dict(self) -> dict:
        return {"engine": self.engine, "text": self.text, "raw": self.raw, "calibrated": self.calibrated}

    @classmethod
    def from_dict(cls, data: dict) -> LineRead:
        return cls(data["engine"], data["text"], float(data["raw"]), float(data["calibrated"]))


@dataclass
class OcrLine:
    """A detected line and the reading the gate kept for it; `reads` holds every engine's reading of
    the same crop (EasyOCR first). `role`: "caption" or "background" (see `ocr.layout`)."""

    bbox: tuple[int, int, int, int]
    kept: LineRead
    reads: list[LineRead]
    role: str = "caption"

    @property
    def text(self) -> str:
        return self.kept.text

    @property
    def engine(self) -> str:
        return self.kept.engine

    def to_dict(self) -> dict:
        return {"bbox": list(self.bbox), "text": self.text, "engine": self.engine, "role": self.role,
                "kept": self.kept.to_dict(), "reads": [r.to_dict() for r in self.reads]}

    @classmethod
    def from_dict(cls, data: dict) -> OcrLine:
        return cls(tuple(int(v) for v in data["bbox"]), LineRead.from_dict(data["kept"]),
                   [LineRead.from_dict(r) for r in data.get("reads", [])], data.get("role", "caption"))


@dataclass
class OcrResult:
    """The kept text plus every reading the gate ran and why it chose.

    `engine`: the engine that read most of the kept characters; `lines`: per detected line, the kept
    reading and both engines' scores (empty when a whole page was read by one engine); `caption_text`:
    the kept lines marked as caption; `calibration`: which score maps were used; `blocks` (computed from
    the lines, see `ocr.layout.text_blocks`): the message blocks, several for a thread or chat screenshot."""

    text: str
    engine: str
    confidence: float
    readings: list[Reading]
    boxes: list[WordBox]
    timings: dict[str, float]
    gate_reason: str
    threshold: float
    image_size: tuple[int, int]
    lines: list[OcrLine] = field(default_factory=list)
    caption_text: str = ""
    calibration: str = ""
    light_page: bool = False

    @cached_property
    def blocks(self) -> list[list[int]]:
        """Indices into `lines` per message block, top to bottom (one block unless a multi-message
        screenshot; none without lines). Computed once: a result's lines do not change."""
        return text_blocks(self.lines, self.image_size, self.light_page)

    def block_text(self, block: list[int], scope: str = "all") -> str:
        """The text of the lines `block` indexes, in reading order (rows top to bottom, left to right);
        with `scope` "caption", only its caption lines when it has any."""
        lines = [self.lines[i] for i in block]
        if scope == "caption":
            lines = [line for line in lines if line.role == "caption"] or lines
        return lines_text(reading_order(lines))

    def classified_text(self, scope: str) -> str:
        """What the classifier judges under `scope` (`OcrConfig.text_scope`): "caption" the caption lines
        (the whole text when no line is marked caption), "all" the whole text."""
        return self.caption_text if scope == "caption" and self.caption_text.strip() else self.text

    @property
    def background_text(self) -> str:
        """The lines marked background, in reading order (what "caption" scope leaves out)."""
        return lines_text(caption_and_background_rows(self.lines)[1])

    def to_dict(self) -> dict:
        """Every field, plus `blocks` (recomputed from the lines on `from_dict`)."""
        data = asdict(self)
        data["readings"] = [reading.to_dict() for reading in self.readings]
        data["boxes"] = [box.to_dict() for box in self.boxes]
        data["lines"] = [line.to_dict() for line in self.lines]
        data["image_size"] = list(self.image_size)
        data["blocks"] = self.blocks
        return data

    @classmethod
    def from_dict(cls, data: dict) -> OcrResult:
        """Restore a result from its `to_dict()` (e.g. out of the analysis cache)."""
        return cls(
            text=data["text"],
            engine=data["engine"],
            confidence=float(data["confidence"]),
            readings=[Reading.from_dict(r) for r in data.get("readings", [])],
            boxes=[WordBox.from_dict(b) for b in data.get("boxes", [])],
            timings={str(k): float(v) for k, v in (data.get("timings") or {}).items()},
            gate_reason=data.get("gate_reason", ""),
            threshold=float(data["threshold"]),
            image_size=tuple(int(v) for v in data["image_size"]),
            lines=[OcrLine.from_dict(line) for line in data.get("lines", [])],
            caption_text=data.get("caption_text", ""),
            calibration=data.get("calibration", ""),
            light_page=bool(data.get("light_page", False)),
        )


def weighted_confidence(boxes: list[WordBox]) -> float:
    """Mean box confidence weighted by character count (0.0 when there is no text)."""
    total = sum(len(box.text) for box in boxes)
    if total == 0:
        return 0.0
    return sum(box.confidence * len(box.text) for box in boxes) / total


def lines_text(rows: list[list[WordBox]] | list[list[OcrLine]]) -> str:
    """Rows of boxes or lines as text: a row per line, its items joined by spaces."""
    return "\n".join(" ".join(item.text for item in row) for row in rows)


def clean_line(text: str) -> str:
    """A line reading without the combining marks that begin a word: no word starts with a vowel sign,
    hasanta or nasal mark, so such a mark is the tail of a neighbouring word that the line box cut through,
    as in "া শেষ"; a word of marks only goes. Words are joined by single spaces."""
    def word(token: str) -> str:
        return "".join(dropwhile(lambda char: unicodedata.category(char) in ("Mn", "Mc"), token))

    return " ".join(filter(None, map(word, text.split())))
