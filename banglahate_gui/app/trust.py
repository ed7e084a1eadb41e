"""The "Trust this recognizer?" dialog: a custom EasyOCR recognizer folder chosen in Settings is used only
once the user has seen its files' SHA-256 hashes and trusted them. Trusting adds them to the user's
allowlist (`ocr.trust`, the same one `banglahate trust-recognizer` and the trainers' `--trust` write)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr import trust
from banglahate_gui.ocr.config import BUILTIN_RECOGNIZER

TITLE = "Trust this recognizer?"


class TrustRecognizerDialog(QDialog):
    """Shows the folder and each file with its SHA-256; accepted = "Trust", rejected = "Cancel"."""

    def __init__(self, folder: str, hashes: trust.RecognizerHashes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(760)
        layout = QVBoxLayout(self)
        intro = QLabel(f"The recognizer {hashes.name} in\n{folder}\nis neither shipped with the app nor in your "
                       "list of trusted recognizers. EasyOCR will load these files: trust them only if they come "
                       "from a source you trust. Cancel keeps the recognizer you had.")
        intro.setTextFormat(Qt.TextFormat.PlainText)  # a folder name is shown as typed, never as markup
        intro.setWordWrap(True)
        layout.addWidget(intro)
        files = hashes.files()
        self.table = QTableWidget(len(files), 2, self)
        self.table.setHorizontalHeaderLabels(["File", "SHA-256"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        for row, (filename, digest) in enumerate(files):
            self.table.setItem(row, 0, QTableWidgetItem(filename))
            item = QTableWidgetItem(digest)
            item.setFont(mono)
            self.table.setItem(row, 1, item)
        self.table.resizeColumnToContents(0)
        layout.addWidget(self.table)
        layout.addWidget(QLabel(f"Trusted hashes are kept in {trust.allowlist_path()}"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.trust_button = buttons.addButton("Trust", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def confirm_recognizer(parent: QWidget | None, choice: str) -> bool:
    """Whether the Settings value `choice` may be used: the shipped ("") or built-in recognizer, a trusted
    folder, or one the user trusts now in `TrustRecognizerDialog`. False when the user cancels or the folder
    cannot be a recognizer (a warning says why)."""
    if choice in ("", BUILTIN_RECOGNIZER):
        return True
    try:
        hashes = trust.read_recognizer(choice).hashes
        if trust.is_trusted(hashes):
            return True
    except OcrUnavailableError as exc:
        QMessageBox.warning(parent, "EasyOCR recognizer", f"{choice} cannot be used as a recognizer:\n{exc}")
        return False
    if TrustRecognizerDialog(choice, hashes, parent).exec() != QDialog.DialogCode.Accepted:
        return False
    try:
        trust.trust_recognizer(choice, hashes.name, expected=hashes)
    except OcrUnavailableError as exc:  # changed since shown, or the weights are not a usable network
        QMessageBox.warning(parent, "EasyOCR recognizer", f"{choice} was not trusted:\n{exc}")
        return False
    return True
