"""Per-task results: a bar per class with its probability, the top label marked.

For a hateful item the three auxiliary tasks are emphasised; for a non-hateful one they are greyed
out and titled "conditional on hate", since the model only learned them on hateful samples.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QProgressBar, QVBoxLayout, QWidget

TASK_TITLES = {"binary": "Hateful?", "type": "Hate type", "target": "Target", "severity": "Severity"}
TOP_BAR = "QProgressBar::chunk { background: %s; border-radius: 3px; }"
HATE_COLOUR, CALM_COLOUR, OTHER_COLOUR, UNCERTAIN_COLOUR = "#c0392b", "#2e8b57", "#7f8c9a", "#7d3cbd"
MUTED_TOP, MUTED = "#b5bcc4", "#d9dde2"
EMPHASIS = (
    "QGroupBox { border: 2px solid %s; border-radius: 5px; margin-top: 1.3em; padding-top: 4px; }"
    "QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; color: %s; }"
) % (HATE_COLOUR, HATE_COLOUR)


def pretty(label: str) -> str:
    return label.replace("_", " ")


class TaskBox(QGroupBox):
    """One task: rows of (class, bar, percent); `rows[label]` gives (bar, percent label)."""

    def __init__(self, task: str, parent: QWidget | None = None):
        super().__init__(TASK_TITLES.get(task, task), parent)
        self.task = task
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(1, 1)
        self.rows: dict[str, tuple[QProgressBar, QLabel, QLabel]] = {}
        self.top_label: str | None = None

    def set_probabilities(self, probabilities: dict[str, float], top: str, top_colour: str, muted: bool) -> None:
        if list(self.rows) != list(probabilities):
            while self.grid.count():
                self.grid.takeAt(0).widget().deleteLater()
            self.rows = {}
            for i, label in enumerate(probabilities):
                name, bar, pct = QLabel(pretty(label)), QProgressBar(), QLabel()
                bar.setRange(0, 1000)
                bar.setTextVisible(False)
                bar.setMaximumHeight(14)
                pct.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                pct.setMinimumWidth(48)
                for col, widget in enumerate((name, bar, pct)):
                    self.grid.addWidget(widget, i, col)
                self.rows[label] = (bar, pct, name)
        self.top_label = top
        for label, p in probabilities.items():
            bar, pct, name = self.rows[label]
            bar.setValue(round(float(p) * 1000))
            pct.setText(f"{float(p):.1%}")
            is_top = label == top
            name.setText(("▶ " if is_top else "") + pretty(label))
            font = name.font()
            font.setBold(is_top)
            name.setFont(font)
            pct.setFont(font)
            colour = (MUTED_TOP if is_top else MUTED) if muted else (top_colour if is_top else OTHER_COLOUR)
            bar.setStyleSheet(TOP_BAR % colour)


class ResultPanel(QWidget):
    """Shows a `Prediction`; `boxes[task]` are the per-task group boxes."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.verdict = QLabel("No item analysed yet")
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.verdict)
        self.boxes: dict[str, TaskBox] = {}
        self.verdict_status = ""
        self._layout = layout
        layout.addStretch(1)

    def clear(self, message: str = "No item analysed yet") -> None:
        self.verdict_status = ""
        self.verdict.setText(message)
        for box in self.boxes.values():
            box.setVisible(False)

    def set_prediction(self, prediction, verdict, truncated: bool = False) -> None:
        """Show a `Prediction` as judged by the team's policy (`review.verdict.Verdict`)."""
        self.verdict_status = verdict.status
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
        if verdict.rare_combos:
            text += "<br>⚠ Unusual combination: " + "; ".join(verdict.rare_combos) + " — check the labels below."
        if truncated:
            text += "<br><i>Long text: only the first part was classified.</i>"
        self.verdict.setText(text)
        for name, task_pred in prediction.tasks.items():
            box = self.boxes.get(name)
            if box is None:
                box = self.boxes[name] = TaskBox(name, self)
                self._layout.insertWidget(self._layout.count() - 1, box)
            box.setVisible(True)
            auxiliary = name != "binary"
            shown = verdict.tasks[name]
            calm = shown.label in ("not_hate", "none")
            box.set_probabilities(task_pred.probabilities, shown.label,
                                  CALM_COLOUR if calm else HATE_COLOUR, muted=auxiliary and not hateful)
            title = TASK_TITLES.get(name, name)
            if auxiliary and not hateful:
                title += " — conditional on hate"
            if shown.uncertain:
                title += " — uncertain"
            box.setTitle(title)
            box.setEnabled(hateful or not auxiliary)  # disabled = greyed by the style
            box.setStyleSheet(EMPHASIS if auxiliary and hateful else "")

    def is_emphasised(self, task: str) -> bool:
        box = self.boxes.get(task)
        return bool(box and box.isVisible() and box.isEnabled())
