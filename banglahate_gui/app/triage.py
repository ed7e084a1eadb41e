"""The review queue: items (images or text) with thumbnail, top label, confidence and decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QVBoxLayout,
    QWidget,
)

THUMB = 72
DECISION_STYLE = {  # decision -> (badge, background)
    "approve": ("✓ approved", "#e3f4e8"),
    "remove": ("✗ removed", "#fbe3e1"),
    "escalate": ("⚑ escalated", "#fff1d6"),
}
SORT_MODES = {"hate": "Hate probability (highest first)", "arrival": "Arrival order"}


@dataclass(eq=False)
class QueueItem:
    """One thing to review. `source` is what `Moderator.analyze` gets: a Path, PNG bytes or a text."""

    key: int
    source: Path | bytes | str
    name: str
    sha256: str | None = None
    thumbnail: QImage | None = None
    status: str = "pending"  # pending, analysing, done, error, cancelled
    analysis: object | None = None
    ocr: object | None = None  # the last OCR result (kept when the edited text is re-classified)
    text: str = ""  # the text as the moderator sees and edits it
    text_edited: bool = False  # re-classify `text` instead of reading the image again
    engine: str = ""  # forced OCR engine for this item ("" = settings)
    error: str = ""
    decision: str | None = None
    note: str | None = None
    explanation: object | None = field(default=None, repr=False)

    @property
    def is_image(self) -> bool:
        return not isinstance(self.source, str)

    @property
    def hate_probability(self) -> float | None:
        return None if self.analysis is None else float(self.analysis.prediction.hate_probability)

    def probabilities(self) -> dict | None:
        if self.analysis is None:
            return None
        return {name: dict(t.probabilities) for name, t in self.analysis.prediction.tasks.items()}


def make_thumbnail(source: Path | bytes, size: int = THUMB) -> QImage:
    """Thread-safe (QImage only); EXIF orientation applied; a null image when unreadable."""
    if isinstance(source, bytes):
        image = QImage.fromData(source)
    else:
        reader = QImageReader(str(source))
        reader.setAutoTransform(True)
        image = reader.read()
    if image.isNull():
        return image
    return image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


class _Row(QListWidgetItem):
    """List row that sorts by the queue's sort key."""

    def __lt__(self, other: QListWidgetItem) -> bool:
        return self.data(Qt.ItemDataRole.UserRole + 1) < other.data(Qt.ItemDataRole.UserRole + 1)


class TriageList(QWidget):
    """Sort selector, the list of items and their counts; `current_changed(key)` on selection."""

    current_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Sort"))
        self.sort_mode = QComboBox()
        for key, label in SORT_MODES.items():
            self.sort_mode.addItem(label, key)
        self.sort_mode.currentIndexChanged.connect(self.resort)
        row.addWidget(self.sort_mode, 1)
        layout.addLayout(row)
        self.list = QListWidget()
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setUniformItemSizes(True)
        self.list.setSpacing(2)
        self.list.currentItemChanged.connect(self._current_changed)
        layout.addWidget(self.list, 1)
        self.items: dict[int, QueueItem] = {}
        self._rows: dict[int, _Row] = {}

    def add(self, item: QueueItem) -> None:
        self.items[item.key] = item
        row = _Row()
        row.setData(Qt.ItemDataRole.UserRole, item.key)
        self._rows[item.key] = row
        self.list.addItem(row)
        self.refresh(item)

    def refresh(self, item: QueueItem) -> None:
        """Redraw one row from its item and keep the list sorted."""
        row = self._rows[item.key]
        if item.thumbnail is not None and not item.thumbnail.isNull():
            row.setIcon(QIcon(QPixmap.fromImage(item.thumbnail)))
        elif not item.is_image:
            row.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView))
        lines = [item.name]
        if item.analysis is not None:
            pred = item.analysis.prediction
            kind = pred.tasks["type"].label
            if pred.tasks["binary"].label == "hate":
                detail = f" · {kind.replace('_', ' ')}" if kind != "not_hate" else ""
                lines.append(f"HATE {item.hate_probability:.0%}{detail}")
            else:
                lines.append(f"not hate · P(hate) {item.hate_probability:.0%}")
        else:
            lines.append({"pending": "waiting…", "analysing": "analysing…"}.get(item.status, item.status))
            if item.error:
                lines[-1] = "⚠ " + item.error[:60]
        badge, colour = DECISION_STYLE.get(item.decision or "", ("", None))
        if badge or item.note:
            lines.append(" ".join(filter(None, [badge, "✎ note" if item.note else ""])))
        row.setText("\n".join(lines))
        row.setToolTip(item.note or item.name)
        row.setBackground(QBrush(QColor(colour)) if colour else QBrush())
        p = item.hate_probability
        key = (0 if p is not None else 1, -(p or 0.0), item.key) if self.mode == "hate" else (0, 0.0, item.key)
        if row.data(Qt.ItemDataRole.UserRole + 1) != key:
            row.setData(Qt.ItemDataRole.UserRole + 1, key)
            self.list.sortItems()

    @property
    def mode(self) -> str:
        return self.sort_mode.currentData()

    def resort(self) -> None:
        for item in self.items.values():
            self.refresh(item)

    def ordered(self) -> list[QueueItem]:
        """Items in the order shown."""
        return [self.items[self.list.item(i).data(Qt.ItemDataRole.UserRole)] for i in range(self.list.count())]

    def current(self) -> QueueItem | None:
        row = self.list.currentItem()
        return None if row is None else self.items[row.data(Qt.ItemDataRole.UserRole)]

    def select(self, key: int) -> None:
        self.list.setCurrentItem(self._rows[key])

    def move(self, step: int) -> None:
        """Select the next (step > 0) or previous item in the shown order."""
        if self.list.count():
            row = self.list.currentRow()
            self.list.setCurrentRow(max(0, min(self.list.count() - 1, (row if row >= 0 else -1) + step)))

    def next_undecided(self) -> None:
        """Select the first undecided item after the current one (wrapping); stay if there is none."""
        shown = self.ordered()
        row = max(self.list.currentRow(), 0)
        for item in shown[row + 1:] + shown[:row]:
            if item.decision is None:
                self.select(item.key)
                return

    def counts(self) -> dict[str, int]:
        items = list(self.items.values())
        return {
            "items": len(items),
            "waiting": sum(i.status in ("pending", "analysing") for i in items),
            "decided": sum(i.decision is not None for i in items),
            "errors": sum(i.status == "error" for i in items),
        }

    def _current_changed(self, row: QListWidgetItem | None, _previous) -> None:
        if row is not None:
            self.current_changed.emit(row.data(Qt.ItemDataRole.UserRole))
