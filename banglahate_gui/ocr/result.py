"""OCR result dataclasses (all JSON-serializable through `to_dict()`) and reading-order helpers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class WordBox:
    """One recognized word or text box; bbox = (left, top, right, bottom) in original image pixels."""

    text: str
    confidence: float
    bbox: tuple[int, int, int, int]

    def to_dict(self) -> dict:
        return {"text": self.text, "confidence": self.confidence, "bbox": list(self.bbox)}


@dataclass
class Reading:
    """What one engine read: text in reading order, its confidence (0..1) and boxes; `model` names
    the recognizer (EasyOCR: built-in or custom network)."""

    engine: str
    text: str
    confidence: float
    boxes: list[WordBox] = field(default_factory=list)
    seconds: float = 0.0
    model: str = ""

    def to_dict(self) -> dict:
        return {
            "engine": self.engine,
            "model": self.model,
            "text": self.text,
            "confidence": self.confidence,
            "boxes": [box.to_dict() for box in self.boxes],
            "seconds": self.seconds,
        }


@dataclass
class OcrResult:
    """The kept reading plus every reading the gate ran and why it chose."""

    text: str
    engine: str
    confidence: float
    readings: list[Reading]
    boxes: list[WordBox]
    timings: dict[str, float]
    gate_reason: str
    threshold: float
    image_size: tuple[int, int]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["readings"] = [reading.to_dict() for reading in self.readings]
        data["boxes"] = [box.to_dict() for box in self.boxes]
        data["image_size"] = list(self.image_size)
        return data


def weighted_confidence(boxes: list[WordBox]) -> float:
    """Mean box confidence weighted by character count (0.0 when there is no text)."""
    total = sum(len(box.text) for box in boxes)
    if total == 0:
        return 0.0
    return sum(box.confidence * len(box.text) for box in boxes) / total


def reading_order(boxes: list[WordBox]) -> list[list[WordBox]]:
    """Group boxes into lines (vertical centre inside a line's span), lines top to bottom,
    boxes left to right."""
    lines: list[list[WordBox]] = []
    for box in sorted(boxes, key=lambda b: (b.bbox[1] + b.bbox[3]) / 2):
        centre = (box.bbox[1] + box.bbox[3]) / 2
        for line in lines:
            top = min(b.bbox[1] for b in line)
            bottom = max(b.bbox[3] for b in line)
            if top <= centre <= bottom:
                line.append(box)
                break
        else:
            lines.append([box])
    lines.sort(key=lambda line: min(b.bbox[1] for b in line))
    return [sorted(line, key=lambda b: b.bbox[0]) for line in lines]


def lines_text(lines: list[list[WordBox]]) -> str:
    return "\n".join(" ".join(box.text for box in line) for line in lines)
