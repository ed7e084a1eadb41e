"""The review queue panel: filter bar, sort, and the list of items the `ReviewSession` shows.

Sort and label filters list every label of every task of the loaded bundle (`set_tasks`), a multi-label
task's labels included: "toxicity: insult" shows the items whose verdict carries insult among others."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from banglahate_gui.review.session import ARRIVAL, DEFAULT_SORT, Filter, ReviewItem, ReviewSession, status_text

THUMB = 72
DECISION_STYLE = {  # decision -> (badge, background)
    "approve": ("✓ approved", "#e3f4e8"),
    "remove": ("✗ removed", "#fbe3e1"),
    "escalate": ("⚑ escalated", "#fff1d6"),
}
UNCERTAIN_COLOUR = "#efe6ff"
DECISION_CHOICES = {None: "All items", "undecided": "Undecided", "decided": "Decided", "approve": "Approved",
                    "remove": "Removed", "escalate": "Escalated"}


def pretty(label: str) -> str:
    return label.replace("_", " ")


def sort_choices(tasks=()) -> dict[str, str]:
    """Sort keys of a bundle's `tasks` (`model.schema.Task`s): P(hate), arrival, then every task's labels."""
    choices = {DEFAULT_SORT: "P(hate), highest first", ARRIVAL: "Arrival order"}
    for t in tasks:
        for label in t.labels:
            choices.setdefault(f"{t.name}:{label}", f"P({t.name} = {pretty(label)})")
    return choices


def label_choices(tasks=()) -> dict[str, str]:
    """"" = any label, else `task:label` (a multi-label task also offers `task:none`: no label passes)."""
    choices = {"": "Any label"}
    for t in tasks:
        for label in t.labels + (("none",) if t.kind == "sigmoid" and "none" not in t.labels else ()):
            choices[f"{t.name}:{label}"] = f"{t.name}: {pretty(label)}"
    return choices


def set_choices(box: QComboBox, choices: dict) -> None:
    """Replace a combo's choices, keeping the chosen key when it is still offered."""
    chosen = box.currentData()
    box.blockSignals(True)
    box.clear()
    for key, label in choices.items():
        box.addItem(label, key)
    box.setCurrentIndex(max(0, box.findData(chosen)))
    box.blockSignals(False)


def make_thumbnail(source: Path | bytes, size: int = THUMB) -> QImage:
    """Thread-safe (QImage only); decoded at thumbnail size; a null image when unreadable."""
    if isinstance(source, bytes):
        image = QImage.fromData(source)
    else:
        reader = QImageReader(str(source))
        reader.setAutoTransform(True)
        full = reader.size()
        if full.isValid() and max(full.width(), full.height()) > 4 * size:
            reader.setScaledSize(full.scaled(4 * size, 4 * size, Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
    if image.isNull():
        return image
    return image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


def combo(choices: dict) -> QComboBox:
    box = QComboBox()
    for key, label in choices.items():
        box.addItem(label, key)
    return box


class QueueView(QWidget):
    """Shows `session.view(filter, sort)`; `current_changed(key)` when the selected item changes."""

    current_changed = Signal(int)
    filters_changed = Signal()

    def __init__(self, session: ReviewSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QGridLayout()
        self.decision_filter = combo(DECISION_CHOICES)
        self.label_filter = combo(label_choices())
        self.uncertain_only = QCheckBox("Uncertain only")
        self.grouped_only = QCheckBox("Duplicate groups only")
        self.sort_mode = combo(sort_choices())
        for row, (name, widget) in enumerate((("Show", self.decision_filter), ("Label", self.label_filter),
                                              ("Sort", self.sort_mode))):
            bar.addWidget(QLabel(name), row, 0)
            bar.addWidget(widget, row, 1, 1, 2)
        bar.addWidget(self.uncertain_only, 3, 1)
        bar.addWidget(self.grouped_only, 3, 2)
        layout.addLayout(bar)
        for box in (self.decision_filter, self.label_filter, self.sort_mode):
            box.currentIndexChanged.connect(self._filters_changed)
        for check in (self.uncertain_only, self.grouped_only):
            check.toggled.connect(self._filters_changed)
        self.list = QListWidget()
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setUniformItemSizes(True)
        self.list.setSpacing(2)
        self.list.currentItemChanged.connect(self._current_changed)
        layout.addWidget(self.list, 1)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Reason / policy code for the next decisions (optional)")
        layout.addWidget(self.reason)
        self.summary = QLabel()
        layout.addWidget(self.summary)
        self._rows: dict[int, QListWidgetItem] = {}
        self._shown: list[ReviewItem] = []
        self._sizes: dict[str, int] = {}

    # ----- filters ------------------------------------------------------------------------
    def set_tasks(self, tasks) -> None:
        """Offer the sort keys and label filters of the loaded bundle's task schema."""
        before = (self.label_filter.currentData(), self.sort_mode.currentData())
        set_choices(self.label_filter, label_choices(tasks))
        set_choices(self.sort_mode, sort_choices(tasks))
        if (self.label_filter.currentData(), self.sort_mode.currentData()) != before:
            self._filters_changed()

    def filter(self) -> Filter:
        chosen = self.label_filter.currentData()
        return Filter(labels=(tuple(chosen.split(":", 1)),) if chosen else (),
                      decision=self.decision_filter.currentData(),
                      uncertain=True if self.uncertain_only.isChecked() else None,
                      group="grouped" if self.grouped_only.isChecked() else None)

    @property
    def sort(self) -> str:
        return self.sort_mode.currentData()

    def _filters_changed(self) -> None:
        self.rebuild()
        self.filters_changed.emit()

    # ----- rows ---------------------------------------------------------------------------
    def rebuild(self) -> None:
        """Re-run the session's filter and sort; keeps the selection when the item is still shown."""
        current = self.current()
        self._shown = self.session.view(self.filter(), self.sort)
        self.list.blockSignals(True)
        self.list.clear()
        self._rows = {}
        self._sizes = self.session.group_sizes()
        for item in self._shown:
            row = QListWidgetItem()
            row.setData(Qt.ItemDataRole.UserRole, item.key)
            self._rows[item.key] = row
            self.list.addItem(row)
            self._draw(item)
        if current is not None and current.key in self._rows:
            self.list.setCurrentItem(self._rows[current.key])
        self.list.blockSignals(False)
        now = self.current()
        if now is not current and now is not None:
            self.current_changed.emit(now.key)
        total = len(self.session.items)
        self.summary.setText(f"Showing {len(self._shown)} of {total}" if len(self._shown) != total else "")

    def _draw(self, item: ReviewItem) -> None:
        row = self._rows[item.key]
        if item.thumbnail is not None and not item.thumbnail.isNull():
            row.setIcon(QIcon(QPixmap.fromImage(item.thumbnail)))
        elif not item.is_image:
            row.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView))
        verdict = self.session.verdict(item)
        lines = [item.name, status_text(item, verdict)]
        size = self._sizes.get(item.group, 0) if item.group else 0
        extras = [DECISION_STYLE.get(item.decision or "", ("", None))[0], "✎ note" if item.note else "",
                  f"⧉ group of {size}" if size > 1 else ""]
        if any(extras):
            lines.append(" ".join(filter(None, extras)))
        row.setText("\n".join(lines))
        row.setToolTip(item.note or item.name)
        colour = DECISION_STYLE.get(item.decision or "", ("", None))[1]
        if colour is None and verdict is not None and verdict.uncertain:
            colour = UNCERTAIN_COLOUR
        row.setBackground(QBrush(QColor(colour)) if colour else QBrush())

    # ----- selection ----------------------------------------------------------------------
    def ordered(self) -> list[ReviewItem]:
        """Items in the order shown."""
        return list(self._shown)

    def current(self) -> ReviewItem | None:
        row = self.list.currentItem()
        return None if row is None else self.session.items.get(row.data(Qt.ItemDataRole.UserRole))

    def select(self, key: int) -> None:
        if key in self._rows:
            self.list.setCurrentItem(self._rows[key])

    def move(self, step: int) -> None:
        """Select the next (step > 0) or previous item in the shown order."""
        if self.list.count():
            row = self.list.currentRow()
            self.list.setCurrentRow(max(0, min(self.list.count() - 1, (row if row >= 0 else -1) + step)))

    def next_undecided(self) -> None:
        """Select the first undecided item after the current one (wrapping); stay if there is none."""
        nxt = self.session.next_undecided(self._shown, self.current())
        if nxt is not None:
            self.select(nxt.key)

    def _current_changed(self, row: QListWidgetItem | None, _previous) -> None:
        if row is not None:
            self.current_changed.emit(row.data(Qt.ItemDataRole.UserRole))
