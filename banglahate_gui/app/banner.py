"""A dismissible, non-modal message strip at the top of the window (errors and what to do)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

STYLES = {
    "error": "QFrame#banner { background: #fdecea; border: 1px solid #e6a19a; border-radius: 4px; }",
    "warning": "QFrame#banner { background: #fff4e0; border: 1px solid #e8c27a; border-radius: 4px; }",
    "info": "QFrame#banner { background: #e8f1fb; border: 1px solid #9dbfe6; border-radius: 4px; }",
}


class MessageBanner(QFrame):
    """Shows the latest message with an optional action button; earlier ones are kept in `history`."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        self.action = QPushButton()
        self.action.setVisible(False)
        layout.addWidget(self.action)
        close = QPushButton("Dismiss")
        close.setToolTip("Hide this message (Esc)")
        close.clicked.connect(self.dismiss)
        layout.addWidget(close)
        self.history: list[tuple[str, str]] = []
        self._callback: Callable[[], None] | None = None
        self.action.clicked.connect(self._run_action)
        self.setVisible(False)

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisibleTo(self.parentWidget()) else ""

    def show_message(self, text: str, level: str = "error",
                     action: tuple[str, Callable[[], None]] | None = None) -> None:
        self.history.append((level, text))
        self.setStyleSheet(STYLES.get(level, STYLES["info"]))
        self.label.setText(text)
        self._callback = action[1] if action else None
        self.action.setText(action[0] if action else "")
        self.action.setVisible(action is not None)
        self.setVisible(True)

    def dismiss(self) -> None:
        self.setVisible(False)

    def _run_action(self) -> None:
        if self._callback is not None:
            self._callback()
