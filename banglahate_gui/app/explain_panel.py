"""LIME word highlights over the item's text, one task (or one label of a multi-label task) at a time.

Background intensity follows |weight| (scaled to the largest weight of the task): red words push
the explained class up, green words push it down.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from banglahate_gui.app.result_panel import pretty, task_title

POSITIVE, NEGATIVE = (192, 57, 43), (39, 174, 96)


def highlight_html(text: str, words, max_alpha: float = 0.85) -> str:
    """HTML of `text` with each word span's background coloured by its weight."""
    spans: list[tuple[int, int, float]] = sorted(
        (start, end, w.weight) for w in words for start, end in w.spans
    )
    scale = max((abs(w.weight) for w in words), default=0.0) or 1.0
    out, at = [], 0
    for start, end, weight in spans:
        if start < at:
            continue
        out.append(html.escape(text[at:start]))
        r, g, b = POSITIVE if weight > 0 else NEGATIVE
        alpha = max_alpha * abs(weight) / scale
        out.append(
            f"<span style='background-color: rgba({r},{g},{b},{alpha:.2f})' title='{weight:+.3f}'>"
            f"{html.escape(text[start:end])}</span>"
        )
        at = end
    out.append(html.escape(text[at:]))
    return "<div style='font-size:14pt; line-height:160%'>" + "".join(out).replace("\n", "<br>") + "</div>"


class ExplainPanel(QWidget):
    """Task selector, Explain button, highlighted text and the top words; `explain_requested` asks for LIME."""

    explain_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.task = QComboBox()
        self.task.currentIndexChanged.connect(self._render)
        self.button = QPushButton("Explain (LIME)")
        self.button.setToolTip("Which words drove the prediction (runs in the background)")
        self.button.clicked.connect(self.explain_requested)
        row.addWidget(QLabel("Explain task"))
        row.addWidget(self.task, 1)
        row.addWidget(self.button)
        layout.addLayout(row)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        layout.addWidget(self.view, 1)
        self.top_words = QLabel()
        self.top_words.setWordWrap(True)
        layout.addWidget(self.top_words)
        self.explanation = None
        self.available = True
        self.busy = False
        self.clear()

    def set_tasks(self, tasks) -> None:
        """One choice per task of the loaded bundle; a multi-label task gets one choice per label."""
        chosen = self.task.currentData()
        self.task.blockSignals(True)
        self.task.clear()
        for t in tasks:
            if t.kind == "sigmoid":
                for label in t.labels:
                    self.task.addItem(f"{task_title(t.name)}: {pretty(label)}", f"{t.name}:{label}")
            else:
                self.task.addItem(task_title(t.name), t.name)
        self.task.setCurrentIndex(max(0, self.task.findData(chosen)))
        self.task.blockSignals(False)
        self._render()

    @property
    def selected_task(self) -> str | None:
        """The chosen task (choices are `task`, or `task:label` for a label of a multi-label task)."""
        chosen = self.task.currentData()
        return chosen.partition(":")[0] if chosen else None

    @property
    def selected_label(self) -> str | None:
        """The label chosen of a multi-label task (None for a single-label task)."""
        chosen = self.task.currentData()
        return chosen.partition(":")[2] or None if chosen else None

    def clear(self, message: str = "Press Explain to see which words drove the prediction.") -> None:
        self.explanation = None
        self.view.clear()
        self.top_words.clear()
        self.summary.setText(message if self.available else self.summary.text())
        self.button.setEnabled(self.available)

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.button.setEnabled(self.available and not busy)
        if busy:
            self.summary.setText("Explaining… (LIME perturbs the text and re-scores it)")

    def set_unavailable(self, reason: str) -> None:
        self.available = False
        self.explanation = None
        self.view.clear()
        self.top_words.clear()
        self.button.setEnabled(False)
        self.summary.setText(f"Explanations are unavailable: {reason}")

    def set_explanation(self, explanation) -> None:
        self.explanation = explanation
        self.button.setEnabled(True)
        self._render()

    def _render(self) -> None:
        exp = self.explanation
        if exp is None:
            return
        task = exp.get(self.selected_task, self.selected_label) if self.selected_task else None
        if task is None:
            wanted = " ".join(filter(None, (self.selected_task, self.selected_label))) or "this task"
            self.summary.setText(f"No explanation for {wanted}; press Explain again.")
            self.view.clear()
            self.top_words.clear()
            return
        fit = f"fit R² {task.score:.2f}" + ("" if task.reliable else " — low: treat the colours as a rough hint")
        self.summary.setText(
            f"Why <b>{html.escape(pretty(task.label))}</b> (p = {task.probability:.1%}) · "
            f"{exp.num_samples} samples, {exp.seconds:.1f} s · {fit}<br>"
            "<span style='background:rgba(192,57,43,0.5)'>&nbsp;red&nbsp;</span> pushes towards it, "
            "<span style='background:rgba(39,174,96,0.5)'>&nbsp;green&nbsp;</span> away from it."
        )
        self.view.setHtml(highlight_html(exp.text, task.words))
        top = ", ".join(f"{html.escape(w.word)} {w.weight:+.3g}" for w in task.words[:8])
        self.top_words.setText(f"Top words: {top}" if top else "No words carried weight.")
