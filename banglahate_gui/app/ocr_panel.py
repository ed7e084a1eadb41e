"""The item's text: OCR engine choice, what the confidence gate decided, the editable text, Re-analyze,
and the image's background lines (not classified by default) one click away."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from banglahate_gui.app.settings import ENGINES

ENGINE_NAMES = {"easyocr": "EasyOCR", "tesseract": "Tesseract"}


def gate_summary(ocr) -> str:
    """One rich-text paragraph: engine kept, every reading's recognizer and confidence, which engine read
    each line (calibrated confidence, background lines marked), the gate's reason."""
    kept = ENGINE_NAMES.get(ocr.engine, ocr.engine)
    readings = " · ".join(
        f"{ENGINE_NAMES.get(r.engine, r.engine)}{f' ({r.model})' if r.model else ''} {r.confidence:.2f}"
        for r in ocr.readings
    )
    lines = " · ".join(  # which engine read which line, caption first
        f"{ENGINE_NAMES.get(line.engine, line.engine)} {line.kept.calibrated:.2f}"
        f"{' (background)' if line.role == 'background' else ''}: {line.text}"
        for line in ocr.lines)
    return (
        f"Text read by <b>{html.escape(kept)}</b> (confidence {ocr.confidence:.2f}). "
        f"Readings: {html.escape(readings) or '—'}.<br>"
        + (f"Lines: {html.escape(lines)}<br>" if lines else "") +
        f"Gate at {ocr.threshold:.2f}: {html.escape(ocr.gate_reason)}"
    )


class OcrPanel(QWidget):
    """`reanalyze_requested(text)` re-classifies the edited text; `engine_changed(engine)` re-reads the image."""

    reanalyze_requested = Signal(str)
    engine_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("OCR engine"))
        self.engine = QComboBox()
        for key, label in ENGINES.items():
            self.engine.addItem(label, key)
        self.engine.setToolTip("Auto: EasyOCR first, Tesseract when EasyOCR's confidence is below the gate")
        self.engine.activated.connect(lambda _i: self.engine_changed.emit(self.engine.currentData()))
        row.addWidget(self.engine)
        row.addStretch(1)
        self.add_background = QPushButton("Add background text")
        self.add_background.setToolTip("Add the lines read outside the caption (signs, page names, buttons) to the "
                                       "text and classify it again")
        self.add_background.clicked.connect(self._add_background)
        self.add_background.hide()
        row.addWidget(self.add_background)
        self.reanalyze = QPushButton("Re-analyze")
        self.reanalyze.setToolTip("Classify the text as edited (Ctrl+Enter)")
        self.reanalyze.setShortcut("Ctrl+Return")
        self.reanalyze.clicked.connect(lambda: self.reanalyze_requested.emit(self.text.toPlainText()))
        row.addWidget(self.reanalyze)
        layout.addLayout(row)
        self.gate = QLabel()
        self.gate.setWordWrap(True)
        layout.addWidget(self.gate)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("OCR text appears here; correct it and press Re-analyze")
        font = self.text.font()
        font.setPointSize(font.pointSize() + 3)
        self.text.setFont(font)
        layout.addWidget(self.text, 1)
        self._background = ""

    def show_item(self, text: str, ocr=None, engine: str = "", is_image: bool = True) -> None:
        self.text.setPlainText(text)
        background = ocr.background_text if ocr is not None else ""
        self._background = background if background and background not in text else ""
        self.add_background.setVisible(bool(self._background))
        self.engine.setCurrentIndex(max(0, self.engine.findData(engine)))
        self.engine.setEnabled(is_image)
        if ocr is not None:
            self.gate.setText(gate_summary(ocr))
        elif is_image:
            self.gate.setText("Not read yet.")
        else:
            self.gate.setText("Pasted text: classified as is, no OCR.")

    def _add_background(self) -> None:
        """Append the background lines to the text and re-classify it (one click)."""
        text = self.text.toPlainText().rstrip()
        self.text.setPlainText(f"{text}\n{self._background}" if text else self._background)
        self.add_background.hide()
        self.reanalyze_requested.emit(self.text.toPlainText())
