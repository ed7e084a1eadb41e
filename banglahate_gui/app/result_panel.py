"""Per-task results for every task of the loaded bundle: a bar per class with its probability, the top label marked.

For a hateful item the tasks conditional on hate are emphasised; for a non-hateful one they are greyed
out and titled "conditional on hate", since the model only learned them on hateful samples. A
multi-label task (toxicity) shows independent bars, one per label, each with a marker at that label's
threshold (Settings); every label reaching it is marked. A screenshot of several messages (a thread,
a chat) lists its message blocks with their P(hate); the riskiest, which decides the verdict, is highlighted.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (QFrame, QGridLayout, QGroupBox, QLabel, QListWidget, QListWidgetItem, QProgressBar,
                               QScrollArea, QVBoxLayout, QWidget)

TASK_TITLES = {"binary": "Hateful?", "type": "Hate type", "target": "Target", "severity": "Severity",
               "violence": "Violence incitement", "toxicity": "Toxicity"}
"""Titles of known tasks; any other task of a bundle is titled by its name."""
TOP_BAR = "QProgressBar::chunk { background: %s; border-radius: 3px; }"
HATE_COLOUR, CALM_COLOUR, OTHER_COLOUR, UNCERTAIN_COLOUR = "#c0392b", "#2e8b57", "#7f8c9a", "#7d3cbd"
MUTED_TOP, MUTED = "#b5bcc4", "#d9dde2"
RISKIEST_BACKGROUND = "#f9e0dd"
EMPHASIS = (
    "QGroupBox { border: 2px solid %s; border-radius: 5px; margin-top: 1.3em; padding-top: 4px; }"
    "QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; color: %s; }"
) % (HATE_COLOUR, HATE_COLOUR)


def pretty(label: str) -> str:
    return label.replace("_", " ")


def task_title(task: str) -> str:
    return TASK_TITLES.get(task, pretty(task).capitalize())


class ThresholdBar(QProgressBar):
    """A probability bar with a vertical marker at `threshold` (None: no marker)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.threshold: float | None = None

    def set_threshold(self, threshold: float | None) -> None:
        self.threshold = threshold
        self.setToolTip("" if threshold is None else f"threshold {threshold:.2f}")
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self.threshold is None:
            return
        painter = QPainter(self)
        painter.setPen(QPen(QColor("#1f2d3d"), 2))
        x = round(self.threshold * (self.width() - 1))
        painter.drawLine(x, 0, x, self.height())
        painter.end()


class TaskBox(QGroupBox):
    """One task: rows of (class, bar, percent); `rows[label]` gives (bar, percent label, name label)."""

    def __init__(self, task: str, parent: QWidget | None = None):
        super().__init__(task_title(task), parent)
        self.task = task
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(1, 1)
        self.rows: dict[str, tuple[ThresholdBar, QLabel, QLabel]] = {}
        self.top_label: str | None = None
        self.marked: tuple[str, ...] = ()
        """The labels shown as the task's decision (the passing ones of a multi-label task)."""

    def set_probabilities(self, probabilities: dict[str, float], top: str | tuple[str, ...], top_colour: str,
                          muted: bool, thresholds: dict[str, float] | None = None) -> None:
        """`top`: the decided label, or the passing labels of a multi-label task (with its `thresholds`)."""
        if list(self.rows) != list(probabilities):
            while self.grid.count():
                self.grid.takeAt(0).widget().deleteLater()
            self.rows = {}
            for i, label in enumerate(probabilities):
                name, bar, pct = QLabel(pretty(label)), ThresholdBar(), QLabel()
                bar.setRange(0, 1000)
                bar.setTextVisible(False)
                bar.setMaximumHeight(14)
                pct.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                pct.setMinimumWidth(48)
                for col, widget in enumerate((name, bar, pct)):
                    self.grid.addWidget(widget, i, col)
                self.rows[label] = (bar, pct, name)
        self.marked = (top,) if isinstance(top, str) else tuple(top)
        self.top_label = self.marked[0] if self.marked else None
        for label, p in probabilities.items():
            bar, pct, name = self.rows[label]
            bar.setValue(round(float(p) * 1000))
            threshold = None if thresholds is None else thresholds.get(label)
            bar.set_threshold(threshold)
            pct.setText(f"{float(p):.1%}" + ("" if threshold is None else f" / {threshold:.2f}"))
            is_top = label in self.marked
            name.setText((("✔ " if thresholds is not None else "▶ ") if is_top else "") + pretty(label))
            font = name.font()
            font.setBold(is_top)
            name.setFont(font)
            pct.setFont(font)
            colour = (MUTED_TOP if is_top else MUTED) if muted else (top_colour if is_top else OTHER_COLOUR)
            bar.setStyleSheet(TOP_BAR % colour)


def block_line(number: int, block) -> str:
    """One row of the block list: the message number, its P(hate) and its text on one line."""
    p = block.prediction.hate_probability
    risk = "insufficient text" if p is None else f"P(hate) {p:.1%}"
    return f"{number}. {risk} — {' '.join(block.text.split())}"


class BlockList(QGroupBox):
    """The message blocks of a multi-message screenshot, the riskiest highlighted; hidden otherwise."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setMaximumHeight(140)
        layout.addWidget(self.list)
        self.riskiest: int | None = None
        self.setVisible(False)

    def set_blocks(self, blocks, riskiest: int | None) -> None:
        """Show `blocks` (`pipeline.BlockAnalysis`); fewer than two hide the list."""
        self.list.clear()
        self.riskiest = riskiest if len(blocks) > 1 else None
        self.setVisible(self.riskiest is not None)
        if self.riskiest is None:
            return
        self.setTitle(f"{len(blocks)} messages in this screenshot — the riskiest (message {riskiest + 1}) "
                      "decides the verdict")
        for i, block in enumerate(blocks):
            row = QListWidgetItem(block_line(i + 1, block))
            row.setToolTip(block.text)
            if i == riskiest:
                font = row.font()
                font.setBold(True)
                row.setFont(font)
                row.setBackground(QBrush(QColor(RISKIEST_BACKGROUND)))
            self.list.addItem(row)


class ResultPanel(QWidget):
    """Shows a `Prediction`; `boxes[task]` are the per-task group boxes (scrolled when they do not fit)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        self.verdict = QLabel("No item analysed yet")
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.verdict)
        self.blocks = BlockList()
        outer.addWidget(self.blocks)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.boxes: dict[str, TaskBox] = {}
        self.verdict_status = ""
        self._body = body
        self._layout = layout
        layout.addStretch(1)

    def clear(self, message: str = "No item analysed yet") -> None:
        self.verdict_status = ""
        self.verdict.setText(message)
        self.blocks.set_blocks((), None)
        for box in self.boxes.values():
            box.setVisible(False)

    def set_prediction(self, prediction, verdict, truncated: bool = False, blocks=(),
                       riskiest: int | None = None) -> None:
        """Show a `Prediction` as judged by the team's policy (`review.verdict.Verdict`); `blocks`
        (`pipeline.BlockAnalysis`, `riskiest` the one `prediction` is) are listed when there are several."""
        self.verdict_status = verdict.status
        self.blocks.set_blocks(blocks, riskiest)
        if verdict.insufficient_text:
            self.verdict.setText(f"<span style='font-size:16pt; font-weight:600; color:{OTHER_COLOUR}'>"
                                 "Insufficient text</span><br>Too little text to classify: read the picture, or "
                                 "type its text and Re-analyze.")
            for box in self.boxes.values():
                box.setVisible(False)
            return
        hate_p = verdict.hate_probability
        hateful = verdict.hateful
        if verdict.uncertain:
            colour, word = UNCERTAIN_COLOUR, "Uncertain"
            side = "leans hateful" if hateful else "leans not hateful"
            detail = f" &nbsp; P(hate) = {hate_p:.1%} — inside the uncertain band, {side}; a person should judge"
        else:
            colour, word = (HATE_COLOUR, "Hateful") if hateful else (CALM_COLOUR, "Not hateful")
            detail = f" &nbsp; P(hate) = {hate_p:.1%}"
        text = f"<span style='font-size:16pt; font-weight:600; color:{colour}'>{word}</span>{detail}"
        text += ("<br><small>Calibrated probability: of many items shown at this value, about that share "
                 "are hateful.</small>")
        if verdict.flags:
            text += "<br><b style='color:%s'>⚠ Also flagged: %s</b>" % (HATE_COLOUR, "; ".join(
                f"{task_title(t.task).lower()}: {' + '.join(map(pretty, t.shown_labels))}"
                for t in verdict.flags))
        if verdict.rare_combos:
            text += "<br>⚠ Unusual combination: " + "; ".join(verdict.rare_combos) + " — check the labels below."
        if truncated:
            text += "<br><i>Long text: only the first part was classified.</i>"
        self.verdict.setText(text)
        for box in self.boxes.values():
            box.setVisible(False)  # a task the loaded bundle no longer has stays hidden
        for name, task_pred in prediction.tasks.items():
            box = self.boxes.get(name)
            if box is None:
                box = self.boxes[name] = TaskBox(name, self._body)
                self._layout.insertWidget(self._layout.count() - 1, box)
            box.setVisible(True)
            shown = verdict.tasks[name]
            auxiliary = shown.conditional
            multi = shown.kind == "sigmoid"
            box.set_probabilities(task_pred.probabilities, shown.labels if multi else shown.label,
                                  CALM_COLOUR if shown.calm else HATE_COLOUR, muted=auxiliary and not hateful,
                                  thresholds=shown.thresholds if multi else None)
            title = task_title(name)
            if multi:
                title += f" (multi-label) — {len(shown.labels)} of {len(task_pred.probabilities)} labels pass"
            if auxiliary and not hateful:
                title += " — conditional on hate"
            if shown.uncertain:
                title += " — uncertain"
            box.setTitle(title)
            box.setEnabled(hateful or not auxiliary)  # disabled = greyed by the style
            box.setStyleSheet(EMPHASIS if auxiliary and hateful or not shown.calm and not auxiliary and
                              name != "binary" else "")

    def is_emphasised(self, task: str) -> bool:
        box = self.boxes.get(task)
        return bool(box and box.isVisible() and box.isEnabled())
